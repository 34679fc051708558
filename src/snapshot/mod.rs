//! Snapshots: every case's result as a reviewable file, compared with the accepted one.
//!
//! Checks catch violations of the rules; snapshots catch everything else a reviewer should
//! see (a new field, a changed order, a different error message). After a run, each case's
//! result is normalised ([`normalise`]), its volatile values redacted per target profile
//! ([`redact`]), its secrets by [`crate::secret::Redactor`], and compared with
//! `snapshots/<profile>/<case>.snap` ([`store`], insta's file format).
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

use crate::report::{CaseResult, Verdict};
use crate::run::TargetSpec;
use crate::secret::{Redactor, Secret};
use normalise::Projects;
use redact::Profile;
use store::SnapFile;

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
    /// Folder holding one subfolder per snapshot profile.
    #[arg(long, default_value = "snapshots", value_name = "DIR")]
    pub snapshot_dir: PathBuf,
}

/// True in CI, as insta decides it: `CI` set to anything but `false`, `0` or empty (or
/// Azure's `TF_BUILD`). In CI nothing is written unless `--snapshots update` asks.
pub fn is_ci() -> bool {
    match std::env::var("CI").ok().as_deref() {
        Some("false") | Some("0") | Some("") => false,
        None => std::env::var_os("TF_BUILD").is_some(),
        Some(_) => true,
    }
}

/// What happened to one case's snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Equal to the accepted snapshot.
    Matched,
    /// No accepted snapshot yet.
    New,
    /// Differs from the accepted snapshot.
    Changed,
    /// Written as the accepted snapshot (`--snapshots update`): it was new or differed.
    Updated,
}

/// One case's snapshot comparison, for reporters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub state: State,
    /// The accepted file.
    pub file: PathBuf,
    /// The pending file written by this run, if one was.
    pub pending: Option<PathBuf>,
    /// Unified diff, accepted → this run (for a changed snapshot).
    pub diff: Option<String>,
    /// A write that failed.
    pub error: Option<String>,
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
    orphans: Vec<PathBuf>,
    profile_written: Option<PathBuf>,
    errors: Vec<String>,
}

impl Session {
    /// Reads the profile; `Ok(None)` with `--snapshots off`.
    pub fn open(
        args: &SnapshotArgs,
        cases_dir: &Path,
        target: Option<&str>,
        desc: &crate::contract::Desc,
    ) -> Result<Option<Session>, String> {
        if args.mode == Mode::Off {
            return Ok(None);
        }
        let name = args
            .profile
            .clone()
            .unwrap_or_else(|| default_profile(target));
        if !valid_profile(&name) {
            return Err(format!(
                "`{name}` is not a snapshot profile name\n  = hint: letters, digits, `.`, `-` and `_`, not starting with `.`"
            ));
        }
        let dir = args.snapshot_dir.join(&name);
        let (profile, new_profile) =
            Profile::load(desc, &name, &dir, target.is_none()).map_err(|e| e.to_string())?;
        Ok(Some(Session {
            mode: args.mode,
            ci: is_ci(),
            dir,
            profile,
            new_profile,
            cases_dir: cases_dir.to_path_buf(),
        }))
    }

    /// Compares (or, in update mode, writes) every case's snapshot, sets
    /// [`CaseResult::snapshot`], and turns a passing case whose snapshot differs into
    /// [`Verdict::Changed`]. `secrets` are replaced in every snapshot before anything else.
    pub fn apply(&self, results: &mut [CaseResult], target: &TargetSpec) -> Footer {
        // The last line of defence: the token, and the target's address (the mock's port
        // changes on every run), wherever they might have slipped into a text.
        let mut redactor = Redactor::new();
        target.credentials.register(&mut redactor);
        redactor.add(&Secret::new(target.base_url.clone()), "<target>");
        let projects = Projects {
            main: target.project.clone(),
            other: target.other_project.clone(),
        };
        let mut footer = Footer {
            profile: self.profile.name.clone(),
            dir: self.dir.clone(),
            ..Footer::default()
        };
        let cases_label = self
            .cases_dir
            .file_name()
            .map_or_else(|| "cases".to_string(), |n| n.to_string_lossy().into_owned());
        let pool = normalise::pool(results, &self.profile);
        for r in results.iter_mut() {
            if matches!(r.verdict, Verdict::Skipped | Verdict::Error) {
                continue;
            }
            let body = normalise::body(r, &self.profile, &projects, &pool);
            let file = SnapFile {
                source: format!("{cases_label}/{}.toml", r.name),
                description: redactor.redact(&r.description).into_owned(),
                expression: r.name.clone(),
                body: store::normalise_body(&redactor.redact(&body)),
            };
            let outcome = self.compare(&r.name, &file, &mut footer);
            if matches!(outcome.state, State::New | State::Changed)
                && matches!(r.verdict, Verdict::Pass | Verdict::Vacuous)
            {
                r.verdict = Verdict::Changed;
            }
            // The reporters (JSON, JUnit, HTML) show the diff from this field.
            r.snapshot_diff = outcome.diff.clone();
            r.snapshot = Some(outcome);
        }
        let wrote = footer.pending > 0
            || results.iter().any(|r| {
                r.snapshot
                    .as_ref()
                    .is_some_and(|o| o.state == State::Updated)
            });
        if wrote {
            if let Some(text) = self.new_profile.as_deref() {
                let path = self.dir.join("profile.toml");
                match store::write_atomic(&path, text) {
                    Ok(()) => footer.profile_written = Some(path),
                    Err(e) => footer
                        .errors
                        .push(format!("cannot write {}: {e}", path.display())),
                }
            }
        }
        footer.orphans = orphans(&self.dir, &self.cases_dir)
            .into_iter()
            .map(|l| l.path)
            .collect();
        footer
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
        if self.pending > 0 {
            writeln!(
                w,
                "{YELLOW}snapshots:{YELLOW:#} {} pending in {}: accept or reject them with `{review}`",
                self.pending,
                self.dir.display()
            )?;
        }
        if self.unwritten > 0 {
            writeln!(
                w,
                "{YELLOW}snapshots:{YELLOW:#} {} differ; CI is set, so nothing was written: run conform locally and `{review}`, or `--snapshots update`",
                self.unwritten
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
            snapshot_dir: tmp.path().to_path_buf(),
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
