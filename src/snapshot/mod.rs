//! Snapshots: every case's result as a reviewable file, compared with the accepted one.
//!
//! Checks catch violations of the rules; snapshots catch everything else a reviewer should
//! see (a new field, a changed order, a different error message). As each case's result
//! comes in (in case order), it is normalised ([`normalise`]), its volatile values
//! redacted per target profile ([`redact`]), its secrets by [`crate::secret::Redactor`],
//! and compared with `snapshots/<profile>/<case>.snap` ([`store`], insta's file format).
//!
//! A difference turns a passing case into [`Verdict::Changed`] (exit code 1, like a failed
//! `insta` assertion), with a unified diff; outside CI the new result is written next to
//! the accepted one as `<case>.snap.new` for [`review`]. Skipped cases and cases without a
//! usable answer (`ERROR`) are not compared: their result says nothing about the target.

pub mod normalise;
pub mod redact;
pub mod review;
pub mod store;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anstyle::{AnsiColor, Style};

use serde_json::Value;

use crate::auth::Credentials;
use crate::outcome::{CaseResult, Verdict};
use crate::secret::{Redactor, Secret};
pub use normalise::Projects;
use redact::{Profile, Table};
use store::SnapFile;

// A case's snapshot comparison is part of its result (the model every reporter reads);
// this module fills it in.
pub use crate::outcome::{SnapshotOutcome as Outcome, SnapshotState as State};

/// What `conform run` does with snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Compare with the accepted snapshots; a difference fails the case.
    Check,
    /// Accept every result as the new snapshot.
    Update,
    /// Neither compare nor write.
    Off,
}

/// Snapshot options of `conform run`.
#[derive(Debug, Clone, clap::Args)]
pub struct SnapshotArgs {
    /// check: a result that differs from its accepted snapshot fails the case (outside CI
    /// the new result is written as a pending `.snap.new`); update: accept every result;
    /// off: no snapshots.
    #[arg(long = "snapshots", value_enum, default_value_t = Mode::Check, value_name = "MODE")]
    pub mode: Mode,
    /// Snapshot profile: the folder under --snapshot-dir, with its redaction settings
    /// (profile.toml). Default: `mock` for the built-in mock, the target's host (without
    /// the port) with --target.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Folder holding one subfolder per snapshot profile, instead of the contract's own
    /// (conform.toml). A contract of no workspace has its snapshots compared only with it.
    #[arg(long, value_name = "DIR")]
    pub snapshot_dir: Option<PathBuf>,
}

/// True in CI, as insta decides it: `CI` set to anything but `false`, `0` or empty (or
/// Azure's `TF_BUILD`). In CI nothing is written unless `--snapshots update` asks.
pub fn is_ci() -> bool {
    match std::env::var("CI").ok().as_deref() {
        Some("false" | "0" | "") => false,
        None => std::env::var_os("TF_BUILD").is_some(),
        Some(_) => true,
    }
}

/// Names a profile may have: one folder name, nothing that climbs out of the snapshot dir.
fn valid_profile(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// The default profile of a target: its host alone, as a folder name. Not the port: a
/// target on an ephemeral port (a local fixture, a port-forward) would otherwise leave a
/// new profile folder behind on every run, and one host is one account's data.
pub fn default_profile(target: Option<&str>) -> String {
    let Some(url) = target else {
        return "mock".into();
    };
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let host = match host_port.strip_prefix('[') {
        // An IPv6 literal: `[::1]:8080`.
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.split(':').next().unwrap_or(""),
    };
    let name: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = name.trim_start_matches('.').to_string();
    if name.is_empty() {
        "target".into()
    } else {
        name
    }
}

/// Snapshot settings of one run, validated before anything is sent.
#[derive(Debug)]
pub struct Session {
    mode: Mode,
    ci: bool,
    dir: PathBuf,
    profile: Profile,
    /// Profile text to write into `dir` with the first snapshot, when it has none.
    new_profile: Option<String>,
    cases_dir: PathBuf,
}

/// What a run's snapshots amount to, printed after the summary.
#[derive(Debug, Default)]
pub struct Footer {
    profile: String,
    dir: PathBuf,
    pending: usize,
    unwritten: usize,
    /// Cases compared with no accepted snapshot yet, with one that differs, with one
    /// that matches; cases whose checks failed.
    new: usize,
    changed: usize,
    matched: usize,
    failed: usize,
    orphans: Vec<PathBuf>,
    profile_written: Option<PathBuf>,
    errors: Vec<String>,
}

/// Why snapshots cannot be compared in this run (nothing is sent).
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("`{0}` is not a snapshot profile name\n  = hint: letters, digits, `.`, `-` and `_`, not starting with `.`")]
    ProfileName(String),
    #[error(transparent)]
    Profile(#[from] redact::ProfileError),
    /// The folder holds another contract's snapshots (its `CONTRACT` file names it).
    #[error("{} holds the snapshots of contract `{theirs}`, not of `{ours}`\n  = hint: leave --snapshot-dir out: `--contract NAME` finds each contract's own snapshots (conform.toml)", .dir.display())]
    OtherContract {
        dir: PathBuf,
        theirs: String,
        ours: String,
    },
}

impl Session {
    /// Reads the profile; `Ok(None)` with `--snapshots off`.
    pub fn open(
        args: &SnapshotArgs,
        cases_dir: &Path,
        target: Option<&str>,
        desc: &crate::contract::Desc,
    ) -> Result<Option<Session>, SessionError> {
        Session::open_moving(args, cases_dir, target, false, desc)
    }

    /// [`Session::open`]; `moving`: the built-in mock's account moves (`--mock-churn`),
    /// so its snapshots go to the `mock-moving` profile, which records behaviour.
    pub fn open_moving(
        args: &SnapshotArgs,
        cases_dir: &Path,
        target: Option<&str>,
        moving: bool,
        desc: &crate::contract::Desc,
    ) -> Result<Option<Session>, SessionError> {
        let Some(root) = args
            .snapshot_dir
            .as_deref()
            .filter(|_| args.mode != Mode::Off)
        else {
            return Ok(None);
        };
        if let Some(theirs) = crate::case::suite_contract(root).filter(|t| *t != desc.name) {
            return Err(SessionError::OtherContract {
                dir: root.to_path_buf(),
                theirs,
                ours: desc.name.clone(),
            });
        }
        let name = args.profile.clone().unwrap_or_else(|| {
            if moving && target.is_none() {
                "mock-moving".to_string()
            } else {
                default_profile(target)
            }
        });
        if !valid_profile(&name) {
            return Err(SessionError::ProfileName(name));
        }
        let dir = root.join(&name);
        let still_mock = target.is_none() && !moving;
        let (profile, new_profile) = Profile::load(desc, &name, &dir, still_mock)?;
        Ok(Some(Session {
            mode: args.mode,
            ci: is_ci(),
            dir,
            profile,
            new_profile,
            cases_dir: cases_dir.to_path_buf(),
        }))
    }

    /// Starts comparing the results of a run against this target. Its credentials and
    /// base URL never reach a snapshot (the mock's port changes on every run); its
    /// project ids become `<project>` and `<other_project>`.
    pub fn start(
        self,
        base_url: &str,
        credentials: &Credentials,
        projects: Projects,
    ) -> Comparison {
        // The last line of defence: the token, and the target's address, wherever they
        // might have slipped into a text.
        let mut redactor = Redactor::new();
        credentials.register(&mut redactor);
        redactor.add(&Secret::new(base_url.to_string()), "<target>");
        // The case file as the workspace names it (`cases/v1.0/...`); an absolute folder
        // is named by its last part only, so that no machine's paths reach a snapshot.
        // (`..` and `.` left out: the same wherever in the workspace conform was started.)
        let named: Vec<String> = self
            .cases_dir
            .components()
            .filter_map(|c| match c {
                std::path::Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        let cases_label = if self.cases_dir.is_relative() && !named.is_empty() {
            named.join("/")
        } else {
            self.cases_dir
                .file_name()
                .map_or_else(|| "cases".to_string(), |n| n.to_string_lossy().into_owned())
        };
        Comparison {
            footer: Footer {
                profile: self.profile.name.clone(),
                dir: self.dir.clone(),
                ..Footer::default()
            },
            session: self,
            redactor,
            projects,
            pool: Table::default(),
            cases_label,
            updated: false,
            drawn: std::collections::HashMap::new(),
            documented: Vec::new(),
        }
    }

    fn compare(&self, case: &str, new: &SnapFile, footer: &mut Footer) -> Outcome {
        let snap = store::snap_path(&self.dir, case);
        let pending = store::pending_path(&snap);
        let mut outcome = Outcome {
            state: State::Matched,
            file: snap.clone(),
            pending: None,
            diff: None,
            error: None,
        };
        let old = match store::read(&snap) {
            Ok(old) => old,
            Err(e) => {
                outcome.error = Some(format!("cannot read {}: {e}", snap.display()));
                None
            }
        };
        let old_body = old
            .as_ref()
            .map(|o| o.as_ref().map_or("", |f| f.body.as_str()));
        let same = old
            .as_ref()
            .and_then(Option::as_ref)
            .is_some_and(|o| o.body == new.body);
        let mut fail = |outcome: &mut Outcome, what: String| {
            footer.errors.push(what.clone());
            outcome.error = Some(what);
        };
        match self.mode {
            Mode::Off => {}
            Mode::Update => {
                let text = new.render();
                let unchanged = old
                    .as_ref()
                    .and_then(Option::as_ref)
                    .is_some_and(|o| o.render() == text);
                if !unchanged {
                    match store::write_atomic(&snap, &text) {
                        Ok(()) if same => {} // header only: not worth a line
                        Ok(()) => outcome.state = State::Updated,
                        Err(e) => {
                            outcome.state = if old.is_some() {
                                State::Changed
                            } else {
                                State::New
                            };
                            fail(
                                &mut outcome,
                                format!("cannot write {}: {e}", snap.display()),
                            );
                        }
                    }
                }
                if let Err(e) = store::remove_if_exists(&pending) {
                    fail(
                        &mut outcome,
                        format!("cannot remove {}: {e}", pending.display()),
                    );
                }
            }
            Mode::Check if same => {
                if !self.ci {
                    if let Err(e) = store::remove_if_exists(&pending) {
                        fail(
                            &mut outcome,
                            format!("cannot remove {}: {e}", pending.display()),
                        );
                    }
                }
            }
            Mode::Check => {
                outcome.state = if old.is_some() {
                    State::Changed
                } else {
                    State::New
                };
                if let Some(old_body) = old_body {
                    let new_body = format!("{}\n", new.body);
                    let old_body = if old_body.is_empty() {
                        String::new()
                    } else {
                        format!("{old_body}\n")
                    };
                    let diff = similar::TextDiff::from_lines(&old_body, &new_body);
                    outcome.diff = Some(
                        diff.unified_diff()
                            .context_radius(2)
                            .header(&snap.display().to_string(), "this run")
                            .to_string(),
                    );
                }
                if self.ci {
                    footer.unwritten += 1;
                } else {
                    match store::write_atomic(&pending, &new.render()) {
                        Ok(()) => {
                            footer.pending += 1;
                            outcome.pending = Some(pending);
                        }
                        Err(e) => fail(
                            &mut outcome,
                            format!("cannot write {}: {e}", pending.display()),
                        ),
                    }
                }
            }
        }
        outcome
    }
}

/// The snapshots of one run, compared case by case as results come in (in case order);
/// [`Comparison::finish`] does the bookkeeping that needs the whole run.
#[derive(Debug)]
pub struct Comparison {
    session: Session,
    redactor: Redactor,
    projects: Projects,
    /// Every value the profile redacts in the baseline and in the answers compared so
    /// far: a query drawn from the target's data is redacted even when the case's own
    /// answers do not hold the value (an id prefix that matches nothing). The baseline
    /// is where every drawn value comes from, so it is known before the first case.
    pool: Table,
    cases_label: String,
    /// Whether a snapshot was written as accepted (`--snapshots update`).
    updated: bool,
    footer: Footer,
    /// Per case, the query parameters it draws from the target's data (a behaviour
    /// snapshot writes them as `<drawn>`).
    drawn: std::collections::HashMap<String, Vec<String>>,
    /// The members the contract documents for an item: a behaviour snapshot records
    /// only the others (an added member is a diff; which documented ones an answer
    /// carries is the account's data).
    documented: Vec<String>,
}

impl Comparison {
    /// Learns which query parameters each case draws from the target's data.
    pub fn with_draws(mut self, cases: &[crate::case::Case]) -> Comparison {
        for c in cases {
            let drawn: Vec<String> = c
                .query
                .iter()
                .filter(|p| matches!(p.value, crate::case::QueryValue::Drawn(_)))
                .map(|p| p.name.clone())
                .collect();
            if !drawn.is_empty() {
                self.drawn.insert(c.name.clone(), drawn);
            }
        }
        self
    }

    /// Learns the members the contract documents for an item.
    pub fn with_documented(mut self, members: Vec<String>) -> Comparison {
        self.documented = members;
        self
    }

    /// Adds the unfiltered list of a project, as walked, to the pool of redacted values.
    pub fn baseline(&mut self, instances: &[Value]) {
        for inst in instances {
            // The profile's selectors address answers; an instance is seen as the list
            // answer it came in (the list member `normalise` reads too).
            let mut answer = Value::Object(serde_json::Map::from_iter([(
                self.session.profile.names.list.clone(),
                Value::Array(vec![inst.clone()]),
            )]));
            self.session.profile.apply(&mut answer, &mut self.pool);
        }
    }

    /// Compares (or, in update mode, writes) one case's snapshot, sets
    /// [`CaseResult::snapshot`], and turns a passing case whose snapshot differs into
    /// [`Verdict::Changed`]. Skipped cases and cases without a usable answer are not
    /// compared.
    pub fn case(&mut self, r: &mut CaseResult) {
        for b in r.requests.iter().filter_map(|q| q.body.as_ref()) {
            self.session.profile.apply(&mut b.clone(), &mut self.pool);
        }
        if matches!(r.verdict, Verdict::Skipped | Verdict::Error) {
            return;
        }
        let drawn = self.drawn.get(&r.name).map_or(&[][..], Vec::as_slice);
        let body = normalise::render(
            r,
            &self.session.profile,
            &self.projects,
            &self.pool,
            drawn,
            &self.documented,
        );
        let file = SnapFile {
            source: format!("{}/{}.toml", self.cases_label, r.name),
            description: self.redactor.redact(&r.description).into_owned(),
            expression: r.name.clone(),
            body: store::normalise_body(&self.redactor.redact(&body)),
        };
        let outcome = self.session.compare(&r.name, &file, &mut self.footer);
        match outcome.state {
            State::New => self.footer.new += 1,
            State::Changed => self.footer.changed += 1,
            State::Matched | State::Updated => self.footer.matched += 1,
        }
        if r.verdict == Verdict::Fail {
            self.footer.failed += 1;
        }
        if matches!(outcome.state, State::New | State::Changed)
            && matches!(r.verdict, Verdict::Pass | Verdict::Vacuous)
        {
            r.verdict = Verdict::Changed;
        }
        self.updated |= outcome.state == State::Updated;
        // The reporters (JSON, JUnit, HTML) show the diff from here.
        r.snapshot = Some(outcome);
    }

    /// After the last case: writes the default profile with the first snapshot written,
    /// and lists the snapshots whose case file is gone.
    pub fn finish(self) -> Footer {
        let Comparison {
            session,
            mut footer,
            updated,
            ..
        } = self;
        if footer.pending > 0 || updated {
            if let Some(text) = session.new_profile {
                let path = session.dir.join("profile.toml");
                match store::write_atomic(&path, &text) {
                    Ok(()) => footer.profile_written = Some(path),
                    Err(e) => footer
                        .errors
                        .push(format!("cannot write {}: {e}", path.display())),
                }
            }
        }
        footer.orphans = orphans(&session.dir, &session.cases_dir)
            .into_iter()
            .map(|l| l.path)
            .collect();
        footer
    }
}

/// Snapshot files (accepted or pending) below `dir` whose case file is gone from
/// `cases_dir`. Empty when `cases_dir` holds no case at all: a wrong `--cases` must not
/// make every snapshot look orphaned.
pub fn orphans(dir: &Path, cases_dir: &Path) -> Vec<store::Listed> {
    let has_cases = walkdir::WalkDir::new(cases_dir)
        .into_iter()
        .filter_map(Result::ok)
        .any(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "toml"));
    if !has_cases {
        return Vec::new();
    }
    store::list(dir)
        .into_iter()
        .filter(|l| !cases_dir.join(format!("{}.toml", l.case)).is_file())
        .collect()
}

const RED: Style = AnsiColor::Red.on_default();
const GREEN: Style = AnsiColor::Green.on_default();
const CYAN: Style = AnsiColor::Cyan.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const DIM: Style = Style::new().dimmed();

/// Lines of a diff shown under a case in `conform run`; `conform review` shows all.
pub const RUN_DIFF_LINES: usize = 40;

/// A unified diff, coloured line by line, each line prefixed by `indent`.
pub fn write_diff(
    w: &mut dyn Write,
    diff: &str,
    indent: &str,
    max_lines: Option<usize>,
) -> io::Result<()> {
    let lines: Vec<&str> = diff.lines().collect();
    let shown = max_lines.map_or(lines.len(), |m| m.min(lines.len()));
    for line in &lines[..shown] {
        let style = if line.starts_with("+++") || line.starts_with("---") {
            DIM
        } else if line.starts_with('+') {
            GREEN
        } else if line.starts_with('-') {
            RED
        } else if line.starts_with("@@") {
            CYAN
        } else {
            Style::new()
        };
        writeln!(w, "{indent}{style}{line}{style:#}")?;
    }
    if shown < lines.len() {
        writeln!(
            w,
            "{indent}{DIM}… {} more lines: `conform review` shows the whole diff{DIM:#}",
            lines.len() - shown
        )?;
    }
    Ok(())
}

/// The lines under a case in the terminal report.
pub fn write_outcome(w: &mut dyn Write, o: &Outcome) -> io::Result<()> {
    let file = o.file.display();
    let pending = match &o.pending {
        Some(p) => format!("; pending: {}", p.display()),
        None if is_ci() => "; CI: nothing written".into(),
        None => String::new(),
    };
    match o.state {
        State::Matched => {}
        State::Updated => writeln!(w, "        {DIM}snapshot updated: {file}{DIM:#}")?,
        State::New => writeln!(
            w,
            "        {YELLOW}snapshot:{YELLOW:#} new, no accepted {file} yet{pending}"
        )?,
        State::Changed => {
            writeln!(
                w,
                "        {YELLOW}snapshot:{YELLOW:#} differs from {file}{pending}"
            )?;
            if let Some(d) = &o.diff {
                write_diff(w, d, "          ", Some(RUN_DIFF_LINES))?;
            }
        }
    }
    if let Some(e) = &o.error {
        writeln!(w, "        {RED}error:{RED:#} {e}")?;
    }
    Ok(())
}

impl Footer {
    /// Warnings and hints after the summary.
    pub fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        let review = if self.profile == "mock" {
            "conform review".to_string()
        } else {
            format!("conform review --profile {}", self.profile)
        };
        let first_run = self.new > 0 && self.changed == 0 && self.matched == 0 && self.failed == 0;
        if first_run && self.unwritten > 0 {
            writeln!(
                w,
                "{YELLOW}snapshots:{YELLOW:#} all checks passed; no accepted snapshots yet for profile {}: {} new; CI is set, so nothing was written: run conform locally and `{review}`, or `--snapshots update`, then commit {}",
                self.profile,
                self.new,
                self.dir.display()
            )?;
        } else if first_run {
            // A first run against a new target (or profile) whose checks all passed.
            writeln!(
                w,
                "{YELLOW}snapshots:{YELLOW:#} all checks passed; no accepted snapshots yet for profile {}: {} new; accept them with `{review}` (or run again with `--snapshots update`), then commit {}",
                self.profile,
                self.new,
                self.dir.display()
            )?;
        } else if self.pending > 0 {
            writeln!(
                w,
                "{YELLOW}snapshots:{YELLOW:#} {} pending in {} ({} new, {} changed): accept or reject them with `{review}`",
                self.pending,
                self.dir.display(),
                self.new,
                self.changed
            )?;
        }
        if self.unwritten > 0 && !first_run {
            writeln!(
                w,
                "{YELLOW}snapshots:{YELLOW:#} {} differ ({} new, {} changed); CI is set, so nothing was written: run conform locally and `{review}`, or `--snapshots update`",
                self.unwritten, self.new, self.changed
            )?;
        }
        if let Some(p) = &self.profile_written {
            writeln!(w, "{DIM}snapshots: wrote the default profile {} (redaction settings; edit and commit it){DIM:#}", p.display())?;
        }
        if !self.orphans.is_empty() {
            writeln!(
                w,
                "{YELLOW}warning:{YELLOW:#} {} snapshot file(s) belong to no case (remove them with `{review} --remove-orphans`):",
                self.orphans.len()
            )?;
            for p in &self.orphans {
                writeln!(w, "  {}", p.display())?;
            }
        }
        for e in &self.errors {
            writeln!(w, "{RED}error:{RED:#} {e}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Loc, Rule};
    use crate::check::Purpose;
    use crate::diag::LineCol;
    use crate::outcome::RequestRecord;
    use serde_json::json;
    use std::time::Duration;

    /// A passing case that queried an id prefix and got an empty list.
    fn prefix_case(query: &str) -> CaseResult {
        CaseResult {
            requests: vec![RequestRecord {
                purpose: Purpose::Main,
                path: format!("/v1.0/p1/instances?id={query}"),
                with_token: true,
                auth: crate::case::AuthSel::Configured,
                status: Some(200),
                error: None,
                retries: 0,
                elapsed: Duration::from_millis(1),
                body: Some(json!({"instances": [], "instance_num": 0})),
                raw: Vec::new(),
            }],
            duration: Duration::from_millis(1),
            ..CaseResult::new(
                "id/prefix".into(),
                "d".into(),
                Loc {
                    file: "cases/id/prefix.toml".into(),
                    at: LineCol { line: 1, col: 1 },
                },
                vec![Rule::c(5)],
            )
        }
    }

    /// Compares one case in update mode, after showing the comparison `baseline`;
    /// returns the snapshot file written.
    fn snapshot_of(baseline: &[Value], query: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let profile_dir = dir.path().join("real");
        std::fs::create_dir_all(&profile_dir).unwrap();
        std::fs::write(
            profile_dir.join("profile.toml"),
            "record = 'answers'\nredact = ['.instances[].instance_id']\n",
        )
        .unwrap();
        let args = SnapshotArgs {
            mode: Mode::Update,
            profile: Some("real".into()),
            snapshot_dir: Some(dir.path().to_path_buf()),
        };
        let session = Session::open(
            &args,
            &dir.path().join("cases"),
            Some("https://x.example"),
            crate::contract::Contract::embedded().desc(),
        )
        .unwrap()
        .unwrap();
        let projects = Projects {
            main: "p1".into(),
            other: None,
        };
        let mut run = session.start("https://x.example", &Credentials::None, projects);
        run.baseline(baseline);
        let mut r = prefix_case(query);
        run.case(&mut r);
        assert_eq!(
            r.snapshot.as_ref().map(|o| o.state.clone()),
            Some(State::Updated)
        );
        std::fs::read_to_string(profile_dir.join("id").join("prefix.snap")).unwrap()
    }

    #[test]
    fn a_real_targets_profile_records_behaviour_unless_it_says_answers() {
        let desc = crate::contract::Contract::embedded().desc();
        let dir = tempfile::tempdir().unwrap();
        let (p, written) = Profile::load(desc, "real", dir.path(), false).unwrap();
        assert_eq!(p.record, redact::Record::Behaviour);
        assert!(written.unwrap().contains("record = \"behaviour\""));
        let (p, _) = Profile::load(desc, "mock", dir.path(), true).unwrap();
        assert_eq!(p.record, redact::Record::Answers);
        std::fs::write(dir.path().join("profile.toml"), "record = 'answers'\n").unwrap();
        let (p, _) = Profile::load(desc, "real", dir.path(), false).unwrap();
        assert_eq!(p.record, redact::Record::Answers);
        std::fs::write(dir.path().join("profile.toml"), "record = 'both'\n").unwrap();
        let e = Profile::load(desc, "real", dir.path(), false).unwrap_err();
        assert!(e.to_string().contains("`answers` or `behaviour`"), "{e}");
    }

    #[test]
    fn a_value_drawn_from_the_baseline_is_redacted_before_any_answer_holds_it() {
        // Issue 13: snapshots are compared as results stream in, so the values a query
        // may have drawn come from the baseline, walked before the first case.
        let baseline = [json!({"instance_id": "volatile-id-1", "name": "a"})];
        let text = snapshot_of(&baseline, "volatile");
        assert!(text.contains("?id=<instance_id:1>[0..8]"), "{text}");
        assert!(!text.contains("volatile"), "{text}");
        // Without the baseline the drawn value would have stayed as it was.
        let text = snapshot_of(&[], "volatile");
        assert!(text.contains("?id=volatile"), "{text}");
    }

    #[test]
    fn default_profiles() {
        assert_eq!(default_profile(None), "mock");
        assert_eq!(
            default_profile(Some("https://dcs.example.com/")),
            "dcs.example.com"
        );
        // The host alone: runs against ephemeral ports share one profile.
        assert_eq!(
            default_profile(Some("http://user@127.0.0.1:8080/x")),
            "127.0.0.1"
        );
        assert_eq!(
            default_profile(Some("http://127.0.0.1:41234")),
            default_profile(Some("http://127.0.0.1:41235/"))
        );
        assert_eq!(
            default_profile(Some("https://user:pw@dcs.example.com:8443/v1?x=1")),
            "dcs.example.com"
        );
        assert_eq!(default_profile(Some("http://[::1]:8080/")), "--1");
        assert_eq!(default_profile(Some("http://:8080/")), "target");
        assert!(valid_profile("dcs.example.com"));
        assert!(!valid_profile("../x"));
        assert!(!valid_profile(".hidden"));
        assert!(!valid_profile("a/b"));
    }

    /// Issue 13: a run against a target on an ephemeral port left a new profile folder
    /// (`127.0.0.1-41234`) on every run. The folder is named after the host; `--profile`
    /// still chooses another.
    #[test]
    fn a_target_without_profile_uses_the_host_folder_and_profile_overrides_it() {
        let tmp = tempfile::tempdir().unwrap();
        let args = |profile: Option<&str>| SnapshotArgs {
            mode: Mode::Check,
            profile: profile.map(str::to_string),
            snapshot_dir: Some(tmp.path().to_path_buf()),
        };
        let open = |profile, target| {
            Session::open(
                &args(profile),
                Path::new("cases"),
                Some(target),
                crate::contract::Contract::embedded().desc(),
            )
            .unwrap()
            .unwrap()
        };
        let a = open(None, "http://127.0.0.1:41234");
        let b = open(None, "http://127.0.0.1:52001/");
        assert_eq!(a.dir, tmp.path().join("127.0.0.1"));
        assert_eq!(b.dir, a.dir);
        let named = open(Some("staging"), "http://127.0.0.1:41234");
        assert_eq!(named.dir, tmp.path().join("staging"));
    }
}
