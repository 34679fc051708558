//! The reporters that turn a run's results (the model in [`crate::outcome`]) into text.
//!
//! The runner produces [`CaseResult`]s in case order and emits [`Event`]s; each reporter
//! ([`terminal`], [`json`] Lines, [`junit`] XML, [`html`]) consumes them and writes to any
//! `Write`, so tests capture output in memory. Every byte a reporter writes goes through
//! [`Sink`] or [`write_atomic`], the one place where secrets are redacted.

pub mod html;
pub mod json;
pub mod junit;
pub mod terminal;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::secret::Redactor;
use crate::select::Shard;

// The result model, re-exported for the reporters, which name it through `super::`.
pub use crate::outcome::{CaseResult, ExploreReport, RequestRecord, Summary, Verdict};

/// What a run is about, known before the first request.
#[derive(Debug, Clone)]
pub struct RunInfo {
    pub version: &'static str,
    /// The contract's name in the workspace (`v1.0`): on every JSON line, the JUnit
    /// testsuite's name, the HTML section's title.
    pub contract: String,
    /// How many contracts the invocation runs, one after the other (a header on each
    /// terminal block when more than one).
    pub contracts: usize,
    /// How the target is named to people: `the built-in mock` or its base URL.
    pub target: String,
    /// Base URL requests go to (reproductions prepend it to each path).
    pub base_url: String,
    /// The environment variable a reproduction uses for the token.
    pub token_var: String,
    /// The header the token travels in (the contract description's).
    pub token_header: String,
    /// The contract's rules and their titles (the HTML report's rule filter names them).
    pub rules: Vec<(crate::case::Rule, String)>,
    /// Cases selected for this run (after `--filter` and `--shard`).
    pub cases: usize,
    pub shard: Option<Shard>,
    pub filters: Vec<String>,
    pub started_at: time::OffsetDateTime,
}

impl RunInfo {
    /// The full URL of a request, as it was sent.
    pub fn url(&self, q: &RequestRecord) -> String {
        format!("{}{}", self.base_url, q.path)
    }

    /// A curl command that sends the same request, with the token as a variable
    /// reference (`-H "X-Auth-Token: $CONFORM_TOKEN"`, in the contract's token header):
    /// never the token itself; without a token header when the run has no credentials
    /// (an empty `token_var`).
    pub fn curl(&self, q: &RequestRecord) -> String {
        use crate::case::AuthSel;
        let url = self.url(q).replace('\'', "'\\''");
        let (h, var) = (&self.token_header, &self.token_var);
        let header = match q.auth {
            _ if var.is_empty() => None,
            AuthSel::Configured => Some(format!("\"{h}: ${var}\"")),
            AuthSel::None => None,
            AuthSel::Wrong => Some(format!("\"{h}: {}\"", crate::exec::WRONG_TOKEN)),
            // curl sends a header with an empty value as `Name;`.
            AuthSel::Empty => Some(format!("\"{h};\"")),
            AuthSel::Prefix => Some(format!("\"{h}: ${{{var}%?}}\"")),
            AuthSel::Extended => Some(format!("\"{h}: ${{{var}}}x\"")),
            AuthSel::OtherCase => Some(format!(
                "\"{h}: $(printf %s \"${var}\" | tr a-zA-Z A-Za-z)\""
            )),
            // A signature is made per request: curl cannot repeat it, stale or not.
            AuthSel::StaleDate | AuthSel::OtherQuery => {
                return format!("# signed per request (AK/SK); not repeatable with curl: '{url}'")
            }
        };
        match header {
            Some(hv) => format!("curl -sS -H {hv} '{url}'"),
            None => format!("curl -sS '{url}'"),
        }
    }

    /// The request to reproduce for a case that did not pass: the first finding's, or
    /// the first that failed in transport, or the first.
    pub fn repro_request<'r>(&self, r: &'r CaseResult) -> Option<&'r RequestRecord> {
        let idx = r
            .findings
            .first()
            .map(|f| f.request)
            .or_else(|| r.requests.iter().position(|q| q.error.is_some()))
            .unwrap_or(0);
        r.requests.get(idx)
    }
}

/// The end of a run.
#[derive(Debug, Clone)]
pub struct RunEnd<'a> {
    pub summary: &'a Summary,
    pub elapsed: Duration,
    pub exit_code: u8,
}

/// What the runner tells reporters, in this order: one `RunStarted`, one `CaseFinished`
/// per case in case order, one `RunFinished`.
#[derive(Debug, Clone)]
pub enum Event<'a> {
    RunStarted(&'a RunInfo),
    CaseFinished(&'a CaseResult),
    /// The exploration after the cases (only when the run explores).
    Explored(&'a ExploreReport),
    RunFinished(RunEnd<'a>),
}

/// A consumer of run events.
pub trait Reporter {
    fn report(&mut self, event: &Event<'_>) -> io::Result<()>;
}

/// One contract's finished run, as a file report holds it.
#[derive(Debug, Clone)]
pub struct RunSection {
    pub info: RunInfo,
    pub cases: Vec<CaseResult>,
    pub summary: Summary,
    pub elapsed: Duration,
}

/// How a whole-run file report (JUnit, HTML) turns the collected runs (one per contract)
/// into its text.
pub type RenderFn = fn(&[RunSection]) -> String;

/// A reporter that collects the run and writes one file, atomically and through the
/// redactor, when the run finishes: the shared part of the JUnit and HTML reporters.
/// A run over several contracts sends one run after the other: each finished run is
/// kept, and the file is written again, whole, with every run so far.
pub struct FileReporter {
    path: PathBuf,
    redactor: Redactor,
    render: RenderFn,
    info: Option<RunInfo>,
    cases: Vec<CaseResult>,
    done: Vec<RunSection>,
}

impl FileReporter {
    pub fn new(path: PathBuf, redactor: Redactor, render: RenderFn) -> FileReporter {
        FileReporter {
            path,
            redactor,
            render,
            info: None,
            cases: Vec::new(),
            done: Vec::new(),
        }
    }
}

impl Reporter for FileReporter {
    fn report(&mut self, event: &Event<'_>) -> io::Result<()> {
        match event {
            Event::RunStarted(info) => self.info = Some((*info).clone()),
            // File reports never show answer bodies: keep the case without them.
            Event::CaseFinished(r) => self.cases.push(without_bodies(r)),
            // Each distinct exploration failure is one more entry (a JUnit testcase).
            Event::Explored(e) => self.cases.extend(e.results().map(without_bodies)),
            Event::RunFinished(end) => {
                if let Some(info) = self.info.take() {
                    self.done.push(RunSection {
                        info,
                        cases: std::mem::take(&mut self.cases),
                        summary: end.summary.clone(),
                        elapsed: end.elapsed,
                    });
                    let text = (self.render)(&self.done);
                    write_atomic(&self.path, &self.redactor, &text)?;
                }
            }
        }
        Ok(())
    }
}

/// A copy of a case result without the answers' parsed bodies (the largest part of it).
fn without_bodies(r: &CaseResult) -> CaseResult {
    CaseResult {
        name: r.name.clone(),
        description: r.description.clone(),
        loc: r.loc.clone(),
        rules: r.rules.clone(),
        verdict: r.verdict,
        findings: r.findings.clone(),
        observations: r.observations.clone(),
        notices: r.notices.clone(),
        requests: r
            .requests
            .iter()
            .map(|q| RequestRecord {
                purpose: q.purpose,
                path: q.path.clone(),
                with_token: q.with_token,
                auth: q.auth,
                status: q.status,
                error: q.error.clone(),
                retries: q.retries,
                elapsed: q.elapsed,
                body: None,
                raw: Vec::new(),
            })
            .collect(),
        duration: r.duration,
        skip: r.skip,
        snapshot: r.snapshot.clone(),
        waived: r.waived.clone(),
        sightings: Vec::new(),
    }
}

/// A writer that redacts every registered secret before writing: the one redaction
/// place for streamed output (terminal, JSON Lines).
pub struct Sink<W: Write> {
    inner: W,
    redactor: Redactor,
}

impl<W: Write> Sink<W> {
    pub fn new(inner: W, redactor: Redactor) -> Sink<W> {
        Sink { inner, redactor }
    }

    /// Writes `text`, redacted, and flushes (one event at a time reaches a pipe whole).
    pub fn write_text(&mut self, text: &str) -> io::Result<()> {
        self.inner
            .write_all(self.redactor.redact(text).as_bytes())?;
        self.inner.flush()
    }

    pub fn into_inner(self) -> W {
        self.inner
    }
}

/// Writes a whole report file atomically: into a temporary file in the same folder,
/// then renamed over `path`. A run that dies (or a `produce` that fails) leaves either
/// the previous file or none, never half a report. `text` is redacted first.
pub fn write_atomic(path: &Path, redactor: &Redactor, text: &str) -> io::Result<()> {
    write_atomic_with(path, |w| w.write_all(redactor.redact(text).as_bytes()))
}

/// [`write_atomic`] with a writer callback (tests use it to fail half-way).
pub fn write_atomic_with(
    path: &Path,
    produce: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    crate::atomic::write_with(path, ".conform-report-", produce, || Ok(()))
}

/// The folder a report file is written in (`.` for a bare file name).
pub fn report_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// What `conform run` writes to stdout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per case, failures in detail, a summary (the terminal reporter).
    #[default]
    Human,
    /// JSON Lines: one event per line (docs/output.md lists every field).
    Json,
}

/// Output options of `conform run`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ReportArgs {
    /// What goes to stdout: `human` lines or `json` (JSON Lines, one event per line).
    /// Progress and diagnostics always go to stderr.
    #[arg(long, value_enum, default_value_t = Format::Human, value_name = "FORMAT")]
    pub format: Format,
    /// Colour: `auto` (only on a terminal, and not when NO_COLOR is set), `always`, `never`.
    #[arg(long, value_enum, default_value_t = terminal::ColorWhen::Auto, value_name = "WHEN")]
    pub color: terminal::ColorWhen,
    /// Also write a JUnit XML report (one testcase per case) to PATH.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Also write a self-contained HTML report to PATH.
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,
}

/// Why a report file asked for cannot be written (found before anything is sent).
#[derive(Debug, thiserror::Error)]
pub enum ReportPathError {
    #[error("cannot write the {what} report {}: no folder {}", .path.display(), .dir.display())]
    NoFolder {
        what: &'static str,
        path: std::path::PathBuf,
        dir: std::path::PathBuf,
    },
    #[error("cannot write the {what} report {}: it is a folder", .path.display())]
    IsFolder {
        what: &'static str,
        path: std::path::PathBuf,
    },
    #[error("--junit and --html name the same file")]
    SameFile,
}

impl ReportArgs {
    /// Checks, before anything is sent, that every report file can be written where
    /// asked: its folder exists and the path is not a folder.
    pub fn validate(&self) -> Result<(), ReportPathError> {
        for (what, path) in [("JUnit", &self.junit), ("HTML", &self.html)] {
            let Some(path) = path else { continue };
            let dir = report_dir(path);
            if !dir.is_dir() {
                return Err(ReportPathError::NoFolder {
                    what,
                    path: path.clone(),
                    dir: dir.clone(),
                });
            }
            if path.is_dir() {
                return Err(ReportPathError::IsFolder {
                    what,
                    path: path.clone(),
                });
            }
        }
        if self.junit.is_some() && self.junit == self.html {
            return Err(ReportPathError::SameFile);
        }
        Ok(())
    }
}

/// Every reporter of a run, fed the same events: the one on stdout (human or JSON
/// Lines) and the report files.
pub struct Reporters {
    stream: Box<dyn Reporter>,
    /// Set when stdout went away (`conform run | head`): stop writing to it, quietly,
    /// but keep writing the report files.
    stream_gone: bool,
    files: Vec<(&'static str, PathBuf, Box<dyn Reporter>)>,
}

impl Reporters {
    /// `name_width`: column width for case names in human output.
    pub fn new(args: &ReportArgs, name_width: usize, redactor: &Redactor) -> Reporters {
        let stdout = anstream::AutoStream::new(io::stdout(), args.color.choice());
        let sink = Sink::new(stdout, redactor.clone());
        let stream: Box<dyn Reporter> = match args.format {
            Format::Human => Box::new(terminal::TerminalReporter::new(sink, name_width)),
            Format::Json => Box::new(json::JsonReporter::new(sink)),
        };
        let mut files: Vec<(&'static str, PathBuf, Box<dyn Reporter>)> = Vec::new();
        if let Some(p) = &args.junit {
            let r = FileReporter::new(p.clone(), redactor.clone(), junit::render_all);
            files.push(("JUnit", p.clone(), Box::new(r)));
        }
        if let Some(p) = &args.html {
            let r = FileReporter::new(p.clone(), redactor.clone(), html::render_all);
            files.push(("HTML", p.clone(), Box::new(r)));
        }
        Reporters {
            stream,
            stream_gone: false,
            files,
        }
    }

    /// Feeds one event to every reporter. Errors writing report files are returned as
    /// messages; errors on stdout only stop stdout output.
    pub fn emit(&mut self, event: &Event<'_>) -> Vec<String> {
        let mut errors = Vec::new();
        for (what, path, r) in &mut self.files {
            if let Err(e) = r.report(event) {
                errors.push(format!(
                    "cannot write the {what} report {}: {e}",
                    path.display()
                ));
            }
        }
        self.send_stream(event);
        errors
    }

    fn send_stream(&mut self, event: &Event<'_>) {
        if !self.stream_gone && self.stream.report(event).is_err() {
            // Broken pipe or a closed terminal: the reader is gone, nothing to tell.
            self.stream_gone = true;
        }
    }

    /// Ends the run: writes the report files, then the stream's last event, and returns
    /// the exit code. A report file that cannot be written (a full disk; its folder
    /// was checked before the run) is an error on stderr and exit code 2, so CI does not
    /// go on without the report it asked for.
    pub fn finish(&mut self, summary: &Summary, elapsed: Duration) -> u8 {
        let mut end = RunEnd {
            summary,
            elapsed,
            exit_code: summary.exit_code(),
        };
        let mut failed = false;
        for (what, path, r) in &mut self.files {
            if let Err(e) = r.report(&Event::RunFinished(end.clone())) {
                let _ = writeln!(
                    anstream::stderr(),
                    "error: cannot write the {what} report {}: {e}",
                    path.display()
                );
                failed = true;
            }
        }
        if failed {
            end.exit_code = crate::exit::INPUT_INVALID;
        }
        self.send_stream(&Event::RunFinished(end.clone()));
        end.exit_code
    }
}

/// Plain-text detail of a case that did not pass cleanly: each finding with its rule,
/// the case file and line, the request URL, pointer, page source, expected and actual;
/// transport errors; notices and observations; the reproduction. JUnit and HTML use it.
pub fn detail_text(r: &CaseResult, info: &RunInfo) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for f in &r.findings {
        let _ = writeln!(s, "{} {}: {}", f.rule, f.check.name(), f.message);
        let _ = writeln!(s, "  --> {}", r.loc);
        if let Some(q) = r.requests.get(f.request) {
            let _ = writeln!(s, "  request:  GET {}", info.url(q));
        }
        if let Some(p) = &f.pointer {
            let _ = writeln!(s, "  at:       {p}");
        }
        if let Some(src) = &f.source {
            let _ = writeln!(s, "  source:   {src}");
        }
        if let Some(e) = &f.expected {
            let _ = writeln!(s, "  expected: {e}");
        }
        if let Some(a) = &f.actual {
            let _ = writeln!(s, "  actual:   {a}");
        }
    }
    for q in &r.requests {
        if let Some(e) = &q.error {
            let _ = writeln!(s, "error: GET {}: {e}", info.url(q));
        }
    }
    for n in &r.notices {
        let _ = writeln!(s, "note: {n}");
    }
    for o in &r.observations {
        let _ = writeln!(s, "observed ({}): {}", o.rule, o.message);
    }
    if let Some(d) = r.snapshot_diff() {
        let _ = writeln!(s, "snapshot diff:\n{d}");
    }
    if matches!(r.verdict, Verdict::Fail | Verdict::Error) {
        if let Some(q) = info.repro_request(r) {
            let _ = writeln!(s, "reproduce: {}", info.curl(q));
        }
    }
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::case::{Loc, Rule};
    use crate::check::{CheckKind, Finding, Observation, Purpose};
    use crate::diag::LineCol;

    /// A small run with every verdict, for the reporters' tests.
    pub fn sample() -> (RunInfo, Vec<CaseResult>) {
        let info = RunInfo {
            version: "0.1.0",
            contract: "v1.0".into(),
            contracts: 1,
            target: "the built-in mock".into(),
            base_url: "http://127.0.0.1:4000".into(),
            token_var: "CONFORM_TOKEN".into(),
            token_header: "X-Auth-Token".into(),
            rules: crate::contract::Contract::embedded().desc().rules.clone(),
            cases: 4,
            shard: None,
            filters: vec![],
            started_at: time::macros::datetime!(2025-01-02 03:04:05 UTC),
        };
        let req = |path: &str, status: Option<u16>| RequestRecord {
            purpose: Purpose::Main,
            path: path.into(),
            with_token: true,
            auth: crate::case::AuthSel::Configured,
            status,
            error: None,
            retries: 0,
            elapsed: Duration::from_millis(7),
            body: None,
            raw: Vec::new(),
        };
        let case = |name: &str, verdict| CaseResult {
            verdict,
            requests: vec![req("/v1.0/p/instances?limit=2", Some(200))],
            duration: Duration::from_millis(7),
            ..CaseResult::new(
                name.into(),
                format!("{name} <does> \"things\" & more"),
                Loc {
                    file: format!("cases/{name}.toml").into(),
                    at: LineCol { line: 1, col: 15 },
                },
                vec![Rule::c(10), Rule::c(9)],
            )
        };
        let mut fail = case("paging/limit-<one>", Verdict::Fail);
        fail.findings.push(
            Finding::new(
                Rule::c(10),
                CheckKind::Paging,
                0,
                "more instances than limit",
            )
            .expected_actual("at most 2", "3 \u{1} <&>")
            .at("/instances"),
        );
        fail.findings[0].source = Some("page.md, Table 3, limit".into());
        let mut vacuous = case("name/absent", Verdict::Vacuous);
        vacuous
            .notices
            .push("the expected result was empty: this case compared nothing".into());
        vacuous.observations.push(Observation {
            rule: Rule::c(2),
            message: "case-insensitive match tolerated".into(),
            request: 0,
        });
        let mut skipped = case("status/absent", Verdict::Skipped);
        skipped.notices.push("no status left unused".into());
        skipped.requests.clear();
        let mut error = case("id/present", Verdict::Error);
        error.requests[0].status = None;
        error.requests[0].error = Some(crate::exec::TransportError::Timeout(Duration::from_secs(
            10,
        )));
        (
            info,
            vec![
                fail,
                case("basics/unfiltered", Verdict::Pass),
                vacuous,
                skipped,
                error,
            ],
        )
    }

    #[test]
    fn atomic_write_leaves_the_old_file_or_a_complete_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.xml");
        std::fs::write(&path, "old complete report").unwrap();
        // A writer that dies half-way: the old report stays, no temporary file is left.
        let err = write_atomic_with(&path, |w| {
            w.write_all(b"<half")?;
            Err(io::Error::other("killed"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "killed");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "old complete report"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["report.xml"]);
        // No previous file and a failure: still no file.
        let fresh = dir.path().join("fresh.html");
        assert!(write_atomic_with(&fresh, |_| Err(io::Error::other("x"))).is_err());
        assert!(!fresh.exists());
        // Success replaces the file whole, redacted.
        let mut redactor = Redactor::new();
        redactor.add(
            &crate::secret::Secret::new("tok-123456"),
            "<redacted:token>",
        );
        write_atomic(&path, &redactor, "new tok-123456").unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "new <redacted:token>"
        );
    }

    #[test]
    fn sink_redacts_everything_it_writes() {
        let mut redactor = Redactor::new();
        redactor.add(
            &crate::secret::Secret::new("tok-123456"),
            "<redacted:token>",
        );
        let mut sink = Sink::new(Vec::new(), redactor);
        sink.write_text("GET /x?t=tok-123456\n").unwrap();
        assert_eq!(
            String::from_utf8(sink.into_inner()).unwrap(),
            "GET /x?t=<redacted:token>\n"
        );
    }

    #[test]
    fn curl_refers_to_the_token_variable() {
        let (info, results) = sample();
        let c = info.curl(&results[0].requests[0]);
        assert_eq!(
            c,
            "curl -sS -H \"X-Auth-Token: $CONFORM_TOKEN\" 'http://127.0.0.1:4000/v1.0/p/instances?limit=2'"
        );
    }
}
