//! The human reporter: one line per case, failures in detail (rule, case file:line,
//! request, expected vs actual, a curl command that reproduces the request), a summary.
//! Colour goes through anstream, which strips it when the stream is not a terminal or
//! NO_COLOR is set.

use std::io::{self, Write};
use std::time::Duration;

use anstyle::{AnsiColor, Style};

use super::{CaseResult, RequestRecord, Summary, Verdict};

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
        Verdict::Vacuous | Verdict::Skipped => YELLOW,
        Verdict::Changed => MAGENTA,
    }
}

/// How requests are reproduced: the base URL, and the name of the variable holding the
/// token (credentials are never printed).
pub struct Repro<'a> {
    pub base_url: &'a str,
    pub token_var: &'a str,
}

/// Writes one case's line, and its details when it did not pass cleanly.
pub fn write_case(
    w: &mut dyn Write,
    r: &CaseResult,
    repro: &Repro<'_>,
    name_width: usize,
) -> io::Result<()> {
    let style = verdict_style(r.verdict);
    let rules: Vec<String> = r.rules.iter().map(|x| x.to_string()).collect();
    writeln!(
        w,
        "{style}{:<7}{style:#} {:<name_width$}  {DIM}{:<14} {:>6}{DIM:#}",
        r.verdict.label(),
        r.name,
        rules.join(","),
        ms(r.duration),
    )?;
    for n in &r.notices {
        writeln!(w, "        {YELLOW}note:{YELLOW:#} {n}")?;
    }
    for o in &r.observations {
        writeln!(
            w,
            "        {DIM}observed ({}): {}{DIM:#}",
            o.rule, o.message
        )?;
    }
    for f in &r.findings {
        writeln!(
            w,
            "        {RED}{} {}{RED:#}: {}",
            f.rule,
            f.check.name(),
            f.message
        )?;
        writeln!(w, "          {DIM}-->{DIM:#} {}", r.loc)?;
        if let Some(req) = r.requests.get(f.request) {
            writeln!(w, "          request:  GET {}", req.path)?;
        }
        if let Some(p) = &f.pointer {
            writeln!(w, "          at:       {p}")?;
        }
        if let Some(s) = &f.source {
            writeln!(w, "          source:   {s}")?;
        }
        if let (Some(e), Some(a)) = (&f.expected, &f.actual) {
            writeln!(w, "          expected: {e}")?;
            writeln!(w, "          actual:   {a}")?;
        }
    }
    if let Some(s) = &r.snapshot {
        crate::snapshot::write_outcome(w, s)?;
    }
    if r.verdict == Verdict::Error {
        for q in r.requests.iter().filter(|q| q.error.is_some()) {
            writeln!(
                w,
                "        {RED}error{RED:#}: GET {}: {}",
                q.path,
                q.error.as_ref().map(|e| e.to_string()).unwrap_or_default()
            )?;
        }
    }
    if matches!(r.verdict, Verdict::Fail | Verdict::Error) {
        let idx = r.findings.first().map_or(0, |f| f.request);
        if let Some(q) = r.requests.get(idx) {
            writeln!(w, "          {DIM}reproduce:{DIM:#} {}", curl(q, repro))?;
        }
    }
    Ok(())
}

/// A curl command that sends the same request, with the token as a variable reference.
pub fn curl(q: &RequestRecord, repro: &Repro<'_>) -> String {
    let url = format!("{}{}", repro.base_url, q.path).replace('\'', "'\\''");
    if q.with_token {
        format!("curl -sS -H \"X-Auth-Token: ${}\" '{url}'", repro.token_var)
    } else {
        format!("curl -sS '{url}'")
    }
}

/// The summary block.
pub fn write_summary(
    w: &mut dyn Write,
    s: &Summary,
    total: usize,
    elapsed: Duration,
) -> io::Result<()> {
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        s.requests as f64 / secs
    } else {
        0.0
    };
    let head = if s.failed > 0 || s.errors > 0 || s.changed > 0 {
        RED
    } else {
        GREEN
    };
    writeln!(w)?;
    writeln!(
        w,
        "{head}{total} cases:{head:#} {} passed, {} failed, {} changed, {} vacuous, {} skipped, {} errors; {} observations",
        s.passed, s.failed, s.changed, s.vacuous, s.skipped, s.errors, s.observations
    )?;
    writeln!(
        w,
        "{BOLD}{} requests{BOLD:#} ({} retried) in {:.2} s ({:.0} requests/s)",
        s.requests, s.retried, secs, rate
    )?;
    if s.vacuous > 0 {
        writeln!(w, "{YELLOW}warning:{YELLOW:#} {} vacuous case(s) compared nothing: their expected result was empty", s.vacuous)?;
    }
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}
