//! The human reporter: one line per case (verdict, name, rules, duration), failures in
//! detail (rule, case file:line, request URL, JSON pointer, page source, expected vs
//! actual, a curl command that reproduces the request with the token as
//! `$CONFORM_TOKEN`), and a summary block. Failures are shown per request (its URL and
//! reproduction once), and findings of one kind are grouped into one block: the other
//! reports list every finding; a person reading a terminal needs the count and a few.
//!
//! It writes styled text; whether the styles reach the reader is decided by the stream
//! it writes to (an `anstream::AutoStream` built from `--color`, which honours `NO_COLOR`
//! and whether the stream is a terminal). The progress-bar decision lives here too, as
//! a pure function ([`show_progress`]).

use std::fmt::Write as _;
use std::io::{self, Write};
use std::time::Duration;

use anstyle::{AnsiColor, Style};

use super::{CaseResult, Event, Reporter, RunInfo, Sink, Summary, Verdict};
use crate::check::Finding;

const RED: Style = AnsiColor::Red.on_default().bold();
const GREEN: Style = AnsiColor::Green.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();
const MAGENTA: Style = AnsiColor::Magenta.on_default().bold();

fn verdict_style(v: Verdict) -> Style {
    match v {
        Verdict::Pass => GREEN,
        Verdict::Fail | Verdict::Error => RED,
        Verdict::Vacuous | Verdict::Skipped | Verdict::Waived => YELLOW,
        Verdict::Changed => MAGENTA,
    }
}

/// `--color`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// Colour when the stream is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    pub fn choice(self) -> anstream::ColorChoice {
        match self {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        }
    }
}

/// Whether to draw a progress bar: only for a person watching a terminal. In CI the
/// bar's redraws would fill the log, and a pipe has nobody to watch it.
pub fn show_progress(stderr_is_terminal: bool, in_ci: bool) -> bool {
    stderr_is_terminal && !in_ci
}

/// Reads the `CI` variable the way CI services set it (`true`, `1`, or any value except
/// an explicit `false`/`0`/empty).
pub fn ci_from_env(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The terminal reporter: results go to the stream it owns (stdout in `conform run`).
pub struct TerminalReporter<W: Write> {
    out: Sink<W>,
    info: Option<RunInfo>,
    name_width: usize,
}

impl<W: Write> TerminalReporter<W> {
    /// `name_width`: the column width for case names (the longest, capped).
    pub fn new(out: Sink<W>, name_width: usize) -> Self {
        TerminalReporter {
            out,
            info: None,
            name_width,
        }
    }

    pub fn into_inner(self) -> W {
        self.out.into_inner()
    }
}

impl<W: Write> Reporter for TerminalReporter<W> {
    fn report(&mut self, event: &Event<'_>) -> io::Result<()> {
        match event {
            // The header goes to stderr with the diagnostics (see `run`): stdout holds
            // results only, and, when one run checks several contracts, the name of the
            // contract whose block follows.
            Event::RunStarted(info) => {
                self.info = Some((*info).clone());
                if info.contracts > 1 {
                    let title = format!("contract {} ({} cases)", info.contract, info.cases);
                    return self
                        .out
                        .write_text(&format!("{BOLD}== {title} =={BOLD:#}\n"));
                }
                Ok(())
            }
            Event::CaseFinished(r) => {
                let Some(info) = &self.info else {
                    return Ok(());
                };
                let text = case_text(r, info, self.name_width);
                self.out.write_text(&text)
            }
            Event::Explored(e) => {
                let Some(info) = &self.info else {
                    return Ok(());
                };
                let text = explore_text(e, info, self.name_width);
                self.out.write_text(&text)
            }
            Event::RunFinished(end) => {
                let text = summary_text(end.summary, end.elapsed, self.info.as_ref());
                self.out.write_text(&text)
            }
        }
    }
}

/// The exploration's section: what it sent and covered, then each distinct failure
/// as a case failure (rule, expected, actual, curl) with the probe it was shrunk from.
pub fn explore_text(e: &super::ExploreReport, info: &RunInfo, name_width: usize) -> String {
    let mut w = String::new();
    let head = if e.failed() > 0 { RED } else { GREEN };
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "{head}exploration:{head:#} {} requests (seed {}, budget {}), {}/{} classes and {}/{} pairs covered ({}/{} of the pairs the contract says interact); {} distinct failure(s)",
        e.requests,
        e.seed,
        e.budget,
        e.coverage.classes,
        e.coverage.classes_total,
        e.coverage.pairs,
        e.coverage.pairs_total,
        e.coverage.interacting,
        e.coverage.interacting_total,
        e.failures.len(),
    );
    for f in &e.failures {
        w.push_str(&case_text(&f.result, info, name_width));
        let _ = writeln!(w, "        {DIM}found as: {}{DIM:#}", f.found);
        if f.repeats > 0 {
            let _ = writeln!(
                w,
                "        {DIM}{} more failing request(s) shrink to this one{DIM:#}",
                f.repeats
            );
        }
    }
    if e.errors > 0 {
        let _ = writeln!(
            w,
            "{YELLOW}warning:{YELLOW:#} {} exploration request(s) got no usable answer",
            e.errors
        );
    }
    w
}

/// One case's line, and its details when it did not pass cleanly.
/// `s` padded with spaces to `width` terminal columns: a Chinese character takes two,
/// so names in any script line up.
pub fn padded(s: &str, width: usize) -> String {
    let used = unicode_width::UnicodeWidthStr::width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(used)))
}

pub fn case_text(r: &CaseResult, info: &RunInfo, name_width: usize) -> String {
    let mut w = String::new();
    let style = verdict_style(r.verdict);
    let rules: Vec<String> = r
        .rules
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    let _ = writeln!(
        w,
        "{style}{:<7}{style:#} {}  {DIM}{:<14} {:>6}{DIM:#}",
        r.verdict.label(),
        padded(&r.name, name_width),
        rules.join(","),
        ms(r.duration),
    );
    for n in &r.notices {
        let _ = writeln!(w, "        {YELLOW}note:{YELLOW:#} {n}");
    }
    for o in &r.observations {
        let _ = writeln!(
            w,
            "        {DIM}observed ({}): {}{DIM:#}",
            o.rule, o.message
        );
    }
    for (f, why) in &r.waived {
        let _ = writeln!(
            w,
            "        {YELLOW}{} {}{YELLOW:#}: {} ({why})",
            f.rule,
            f.check.name(),
            f.message
        );
    }
    if !r.findings.is_empty() {
        let _ = writeln!(w, "        {DIM}-->{DIM:#} {}", r.loc);
    }
    for (request, groups) in by_request(&r.findings) {
        let req = r.requests.get(request);
        if let Some(q) = req {
            let _ = writeln!(w, "        request:  GET {}", info.url(q));
        }
        for g in &groups {
            group_text(&mut w, g);
        }
        if let Some(q) = req.filter(|_| matches!(r.verdict, Verdict::Fail | Verdict::Error)) {
            let _ = writeln!(w, "          {DIM}reproduce:{DIM:#} {}", info.curl(q));
        }
    }
    if let Some(s) = &r.snapshot {
        let mut buf = Vec::new();
        let _ = crate::snapshot::write_outcome(&mut buf, s);
        w.push_str(&String::from_utf8_lossy(&buf));
    }
    if r.verdict == Verdict::Error {
        for q in r.requests.iter().filter(|q| q.error.is_some()) {
            let _ = writeln!(
                w,
                "        {RED}error{RED:#}: GET {}: {}",
                info.url(q),
                q.error
                    .as_ref()
                    .map(std::string::ToString::to_string)
                    .unwrap_or_default()
            );
        }
    }
    // (The snapshot diff was written above with the snapshot outcome.) A case that
    // failed without a finding (transport errors) still gets its reproduction.
    if r.findings.is_empty() && matches!(r.verdict, Verdict::Fail | Verdict::Error) {
        if let Some(q) = info.repro_request(r) {
            let _ = writeln!(w, "          {DIM}reproduce:{DIM:#} {}", info.curl(q));
        }
    }
    w
}

/// How many items of a group are named before "and N more".
const GROUP_SHOWN: usize = 3;

/// A case's findings by request (in order of first appearance), each request's findings
/// grouped by kind: the same rule, check and item kind (see [`crate::check::Item`]), or, for findings
/// about no item, the same message. A group keeps its findings in their order.
fn by_request(findings: &[Finding]) -> Vec<(usize, Vec<Vec<&Finding>>)> {
    let mut out: Vec<(usize, Vec<Vec<&Finding>>)> = Vec::new();
    for f in findings {
        let at = match out.iter().position(|(q, _)| *q == f.request) {
            Some(at) => at,
            None => {
                out.push((f.request, Vec::new()));
                out.len() - 1
            }
        };
        let groups = &mut out[at].1;
        match groups.iter_mut().find(|g| same_kind(g[0], f)) {
            Some(g) => g.push(f),
            None => groups.push(vec![f]),
        }
    }
    out
}

fn same_kind(a: &Finding, b: &Finding) -> bool {
    a.rule == b.rule
        && a.check == b.check
        && match (&a.item, &b.item) {
            (Some(x), Some(y)) => x.kind == y.kind,
            (None, None) => a.message == b.message,
            _ => false,
        }
}

/// One group of findings: a single finding in full; several as one heading ("13
/// unexpected instances"), the details they share once, then the first few items with
/// what differs between them, and how many more there are.
fn group_text(w: &mut String, group: &[&Finding]) {
    type Field = fn(&Finding) -> Option<&str>;
    let f = group[0];
    let n = group.len();
    let heading = match (&f.item, n) {
        (_, 1) => f.message.clone(),
        (Some(item), _) => format!("{n} {}", item.kind),
        (None, _) => format!("{} ({n} times)", f.message),
    };
    let _ = writeln!(
        w,
        "          {RED}{} {}{RED:#}: {heading}",
        f.rule,
        f.check.name()
    );
    let fields: [(&str, Style, Field); 4] = [
        ("at", Style::new(), |f| f.pointer.as_deref()),
        ("source", Style::new(), |f| f.source.as_deref()),
        ("expected", GREEN, |f| f.expected.as_deref()),
        ("actual", RED, |f| f.actual.as_deref()),
    ];
    let shared = |get: Field| group.iter().all(|g| get(g) == get(f));
    for (name, style, get) in fields {
        if let Some(v) = get(f).filter(|_| shared(get)) {
            let pad = " ".repeat(9 - name.len());
            let _ = writeln!(w, "            {style}{name}:{style:#}{pad}{v}");
        }
    }
    // Identical findings (no item, nothing differing) have nothing more to list.
    let differ = f.item.is_some() || fields.iter().any(|(_, _, get)| !shared(*get));
    if n == 1 || !differ {
        return;
    }
    // Show every item when only one would be left over: "and 1 more" saves nothing.
    let shown = if n <= GROUP_SHOWN + 1 { n } else { GROUP_SHOWN };
    for g in &group[..shown] {
        let mut parts: Vec<String> = Vec::new();
        for (name, _, get) in fields {
            if shared(get) {
                continue;
            }
            let v = get(g).unwrap_or("(none)");
            parts.push(match name {
                "at" => format!("at {v}"),
                _ => format!("{name}: {v}"),
            });
        }
        let label = g.item.as_ref().map(|i| i.label.as_str());
        let line = match (label, parts.is_empty()) {
            (Some(l), true) => l.to_string(),
            (Some(l), false) => format!("{l} {}", parts.join(", ")),
            (None, _) => parts.join(", "),
        };
        let _ = writeln!(w, "            - {line}");
    }
    if n > shown {
        let _ = writeln!(w, "            and {} more", n - shown);
    }
}

/// The summary block.
pub fn summary_text(s: &Summary, elapsed: Duration, info: Option<&RunInfo>) -> String {
    let mut w = String::new();
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        s.requests as f64 / secs
    } else {
        0.0
    };
    let head = if s.failed > 0 || s.errors > 0 || s.changed > 0 || s.explore_failed > 0 {
        RED
    } else {
        GREEN
    };
    let shard = info
        .and_then(|i| i.shard)
        .map(|sh| format!(" (shard {sh})"))
        .unwrap_or_default();
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "{head}{} cases{shard}:{head:#} {} passed, {} failed, {} changed, {} vacuous, {} skipped, {} errors; {} observations{}",
        s.total, s.passed, s.failed, s.changed, s.vacuous, s.skipped, s.errors, s.observations,
        if s.waived > 0 { format!("; {} waived", s.waived) } else { String::new() }
    );
    if s.explore_failed > 0 {
        // The exploration's own section lists them; the run fails on them (exit 1).
        let _ = writeln!(
            w,
            "{RED}exploration:{RED:#} {} distinct failure(s), listed above",
            s.explore_failed
        );
    }
    if s.account_moved > 0 || s.account_unsettled > 0 {
        // The account moved while it was read: what it excused, in one line (each
        // excused case's observations say what moved).
        let _ = writeln!(
            w,
            "{YELLOW}account:{YELLOW:#} {} instance(s) moved while the run read the account ({} look(s) after the baseline); {} case(s) judged again and excused, {} failed because it moved on every look",
            s.account_moved, s.account_looks, s.account_excused, s.account_unsettled
        );
    }
    let _ = writeln!(
        w,
        "{BOLD}{} requests{BOLD:#} ({} retried) in {:.2} s ({:.0} requests/s)",
        s.requests, s.retried, secs, rate
    );
    if s.vacuous > 0 {
        let _ = writeln!(
            w,
            "{YELLOW}warning:{YELLOW:#} {} vacuous case(s) compared nothing: their expected result was empty",
            s.vacuous
        );
    }
    w
}

fn ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Columns line up whatever the script: a Chinese name is padded by its width in
    /// terminal columns, not by its bytes or characters.
    #[test]
    fn names_are_padded_by_their_display_width() {
        let width = |s: &str| unicode_width::UnicodeWidthStr::width(s);
        for name in ["cache-a", "缓存-a", "é-cache"] {
            assert_eq!(width(&padded(name, 12)), 12, "{name}");
        }
        assert_eq!(padded("a-long-name", 4), "a-long-name", "never cut");
    }
    use crate::report::tests::sample;
    use crate::report::{RunEnd, Summary};
    use crate::secret::{Redactor, Secret};

    #[test]
    fn progress_only_on_a_terminal_outside_ci() {
        assert!(show_progress(true, false));
        assert!(!show_progress(true, true));
        assert!(!show_progress(false, false));
        assert!(!show_progress(false, true));
    }

    #[test]
    fn ci_variable() {
        use std::ffi::OsStr;
        assert!(ci_from_env(Some(OsStr::new("true"))));
        assert!(ci_from_env(Some(OsStr::new("1"))));
        assert!(!ci_from_env(Some(OsStr::new("false"))));
        assert!(!ci_from_env(Some(OsStr::new(""))));
        assert!(!ci_from_env(None));
    }

    fn render(redactor: Redactor) -> String {
        let (info, results) = sample();
        let stream = anstream::StripStream::new(Vec::new());
        let mut rep = TerminalReporter::new(Sink::new(stream, redactor), 24);
        rep.report(&Event::RunStarted(&info)).unwrap();
        for r in &results {
            rep.report(&Event::CaseFinished(r)).unwrap();
        }
        let summary = Summary::of(&results);
        rep.report(&Event::RunFinished(RunEnd {
            summary: &summary,
            elapsed: Duration::from_millis(500),
            exit_code: summary.exit_code(),
        }))
        .unwrap();
        String::from_utf8(rep.into_inner().into_inner()).unwrap()
    }

    #[test]
    fn failures_are_shown_in_detail_with_a_reproduction() {
        let text = render(Redactor::new());
        assert!(text.contains("FAIL    paging/limit-<one>"), "{text}");
        assert!(
            text.contains("C10 paging: more instances than limit"),
            "{text}"
        );
        assert!(
            text.contains("--> cases/paging/limit-<one>.toml:1:15"),
            "{text}"
        );
        assert!(text.contains("request:  GET http://127.0.0.1:4000/v1.0/p/instances?limit=2"));
        assert!(text.contains("at:       /instances"));
        assert!(text.contains("source:   page.md, Table 3, limit"));
        assert!(text.contains("expected: at most 2"));
        assert!(text.contains("reproduce: curl -sS -H \"X-Auth-Token: $CONFORM_TOKEN\""));
        assert!(
            text.contains("error: GET http://127.0.0.1:4000/v1.0/p/instances?limit=2: no answer")
        );
        assert!(text.contains(
            "5 cases: 1 passed, 1 failed, 0 changed, 1 vacuous, 1 skipped, 1 errors; 1 observations"
        ));
        assert!(
            !text.contains('\u{1b}'),
            "styles are stripped for a non-terminal"
        );
    }

    /// Issue 13: a wrong filter answer printed one full block, request included, per
    /// unexpected instance. Same-kind findings of a request now make one block, and the
    /// request and its reproduction are printed once.
    #[test]
    fn many_findings_of_one_kind_print_one_block_under_their_request_once() {
        use crate::case::Rule;
        use crate::check::{CheckKind, Finding};
        let (info, mut results) = sample();
        let mut r = results.remove(0);
        r.findings.clear();
        r.findings.push(
            Finding::new(Rule::c(11), CheckKind::Paging, 0, "instance_num is wrong")
                .expected_actual("9", "50")
                .at("/instance_num"),
        );
        for i in 0..41 {
            let label = format!("id-{i:02} (\"name-{i}\")");
            r.findings.push(
                Finding::new(
                    Rule::c(4),
                    CheckKind::Filter,
                    0,
                    format!("unexpected instance {label}"),
                )
                .item("unexpected instances", label)
                .expected_actual("no such instance", format!("status S{i} is not RUNNING"))
                .at(format!("/instances/{i}")),
            );
        }
        let text = anstream::adapter::strip_str(&case_text(&r, &info, 24)).to_string();
        let url = "GET http://127.0.0.1:4000/v1.0/p/instances?limit=2";
        assert_eq!(text.matches(url).count(), 1, "{text}");
        assert_eq!(text.matches("reproduce: curl").count(), 1, "{text}");
        assert_eq!(text.matches("-->").count(), 1, "{text}");
        assert_eq!(
            text.matches("C4 filter: 41 unexpected instances\n").count(),
            1,
            "{text}"
        );
        assert_eq!(text.matches("expected: no such instance").count(), 1);
        assert!(
            text.contains("- id-00 (\"name-0\") at /instances/0, actual: status S0 is not RUNNING")
        );
        assert!(text.contains("- id-02 (\"name-2\")"), "{text}");
        assert!(!text.contains("id-03"), "only three are named: {text}");
        assert!(text.contains("and 38 more"), "{text}");
        // A finding of another kind keeps its own block, in full.
        assert!(
            text.contains("C11 paging: instance_num is wrong\n"),
            "{text}"
        );
        assert!(text.contains("at:       /instance_num"), "{text}");
        assert!(text.len() < 1500, "{} bytes: {text}", text.len());
    }

    #[test]
    fn identical_findings_without_an_item_are_counted_and_their_places_listed() {
        use crate::case::Rule;
        use crate::check::{CheckKind, Finding};
        let (info, mut results) = sample();
        let mut r = results.remove(0);
        r.findings.clear();
        for i in 0..5 {
            let mut f = Finding::new(
                Rule::c(12),
                CheckKind::Schema,
                0,
                "\"6379\" is not an integer",
            )
            .at(format!("/instances/{i}/port"));
            f.source = Some("page.md, Table 3, port".into());
            r.findings.push(f);
        }
        // Two different requests: each gets its own request line and reproduction.
        r.requests.push(r.requests[0].clone());
        r.requests[1].path = "/v1.0/p/instances?limit=3".into();
        r.findings.push(
            Finding::new(
                Rule::c(12),
                CheckKind::Schema,
                1,
                "\"6379\" is not an integer",
            )
            .at("/instances/0/port"),
        );
        let text = anstream::adapter::strip_str(&case_text(&r, &info, 24)).to_string();
        assert!(
            text.contains("C12 schema: \"6379\" is not an integer (5 times)\n"),
            "{text}"
        );
        assert_eq!(text.matches("source:   page.md, Table 3, port").count(), 1);
        assert!(text.contains("- at /instances/2/port\n"), "{text}");
        assert!(text.contains("and 2 more"), "{text}");
        assert!(text.contains("request:  GET http://127.0.0.1:4000/v1.0/p/instances?limit=3"));
        assert_eq!(text.matches("reproduce: curl").count(), 2, "{text}");
    }

    #[test]
    fn secrets_never_reach_the_terminal() {
        let mut redactor = Redactor::new();
        redactor.add(&Secret::new("127.0.0.1:4000"), "<redacted:token>");
        let text = render(redactor);
        assert!(!text.contains("127.0.0.1:4000"), "{text}");
        assert!(text.contains("<redacted:token>"));
    }

    #[test]
    fn the_summary_names_failures_the_exploration_found() {
        let (_, results) = sample();
        let mut s = Summary::of(&results);
        let quiet = summary_text(&s, Duration::from_secs(1), None);
        assert!(!quiet.contains("exploration:"), "{quiet}");
        s.explore_failed = 3;
        let text = summary_text(&s, Duration::from_secs(1), None);
        assert!(
            text.contains("exploration:") && text.contains("3 distinct failure(s)"),
            "{text}"
        );
    }
}
