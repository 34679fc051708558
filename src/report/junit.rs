//! The JUnit XML reporter (`--junit PATH`): one `<testcase>` per case, for CI test
//! dashboards (Jenkins, GitLab, GitHub test reporters).
//!
//! Layout: `<testsuites>` → one `<testsuite name="conform">` with the run's properties
//! → one `<testcase>` per case: `classname` is the case's folder (dotted: `name`,
//! `paging`), `name` the case's name, `file`/`line` where it is written. A failure is
//! one `<failure>` carrying every finding as text; a transport problem is `<error>`; a
//! skipped case `<skipped>`; notices and observations (and so vacuous passes) go to
//! `<system-out>`. The output validates against the Jenkins xUnit plugin's
//! `junit-10.xsd` (vendored in `tests/fixtures/junit/`, checked by `tests/cli/reports.rs`).
//!
//! The XML is written by hand with [`escape_text`] and [`escape_attr`]; characters XML
//! 1.0 cannot carry at all (most control characters) become U+FFFD.

use std::fmt::Write as _;

use super::{detail_text, CaseResult, RunInfo, Verdict};

/// The whole document.
pub fn render(info: &RunInfo, cases: &[CaseResult], elapsed: std::time::Duration) -> String {
    let count = |v: Verdict| cases.iter().filter(|c| c.verdict == v).count();
    let (failures, errors, skipped) = (
        count(Verdict::Fail),
        count(Verdict::Error),
        count(Verdict::Skipped),
    );
    let time = secs(elapsed);
    let timestamp = info
        .started_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"conform\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time}\">",
        cases.len()
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"conform\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time}\" timestamp=\"{}\">",
        cases.len(),
        escape_attr(&timestamp)
    );
    x.push_str("    <properties>\n");
    let mut props = vec![
        ("conform.version", info.version.to_string()),
        ("target", info.target.clone()),
        ("base_url", info.base_url.clone()),
    ];
    if let Some(s) = info.shard {
        props.push(("shard", s.to_string()));
    }
    if !info.filters.is_empty() {
        props.push(("filters", info.filters.join(" ")));
    }
    for (name, value) in props {
        let _ = writeln!(
            x,
            "      <property name=\"{}\" value=\"{}\"/>",
            escape_attr(name),
            escape_attr(&value)
        );
    }
    x.push_str("    </properties>\n");
    for c in cases {
        testcase(&mut x, c, info);
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

fn testcase(x: &mut String, c: &CaseResult, info: &RunInfo) {
    let classname = match c.name.rsplit_once('/') {
        Some((folder, _)) => folder.replace('/', "."),
        None => "conform".to_string(),
    };
    let _ = write!(
        x,
        "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\" time=\"{}\"",
        escape_attr(&c.name),
        escape_attr(&classname),
        escape_attr(&c.loc.file),
        c.loc.at.line,
        secs(c.duration)
    );
    let detail = detail_text(c, info);
    let head = || -> String {
        match c.findings.first() {
            Some(f) if c.findings.len() > 1 => format!(
                "{} {}: {} (and {} more findings)",
                f.rule,
                f.check.name(),
                f.message,
                c.findings.len() - 1
            ),
            Some(f) => format!("{} {}: {}", f.rule, f.check.name(), f.message),
            None => String::new(),
        }
    };
    let mut body = String::new();
    match c.verdict {
        Verdict::Changed => {
            // Every check passed, but the answer differs from the accepted snapshot.
            let _ = writeln!(
                body,
                "      <failure message=\"{}\" type=\"snapshot\">{}</failure>",
                escape_attr("the result differs from its accepted snapshot"),
                escape_text(&detail)
            );
        }
        Verdict::Fail => {
            let f = c.findings.first();
            let _ = writeln!(
                body,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                escape_attr(&head()),
                escape_attr(
                    &f.map(|f| format!("{} {}", f.rule, f.check.name()))
                        .unwrap_or_default()
                ),
                escape_text(&detail)
            );
        }
        Verdict::Error => {
            let msg = c
                .requests
                .iter()
                .find_map(|q| q.error.as_ref().map(|e| format!("GET {}: {e}", q.path)))
                .unwrap_or_else(|| "no usable answer".into());
            let _ = writeln!(
                body,
                "      <error message=\"{}\" type=\"transport\">{}</error>",
                escape_attr(&msg),
                escape_text(&detail)
            );
        }
        Verdict::Waived => {
            // Neither passed nor failed: a known, declared deviation.
            let reasons: Vec<&str> = c.waived.iter().map(|(_, w)| w.as_str()).collect();
            let _ = writeln!(
                body,
                "      <skipped message=\"{}\"/>",
                escape_attr(&format!("waived: {}", reasons.join("; ")))
            );
        }
        Verdict::Skipped => {
            let _ = writeln!(
                body,
                "      <skipped message=\"{}\"/>",
                escape_attr(&c.notices.join("; "))
            );
        }
        Verdict::Pass | Verdict::Vacuous => {}
    }
    // Vacuous passes and observations must stay visible to a dashboard reader.
    let mut out = String::new();
    if c.verdict == Verdict::Vacuous {
        out.push_str("VACUOUS: passed, but compared nothing (the expected result was empty)\n");
    }
    if matches!(c.verdict, Verdict::Pass | Verdict::Vacuous) {
        out.push_str(&detail);
    }
    if !out.is_empty() {
        let _ = writeln!(body, "      <system-out>{}</system-out>", escape_text(&out));
    }
    if body.is_empty() {
        x.push_str("/>\n");
    } else {
        x.push_str(">\n");
        x.push_str(&body);
        x.push_str("    </testcase>\n");
    }
}

fn secs(d: std::time::Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// Replaces what XML 1.0 cannot carry (control characters other than tab, newline and
/// carriage return; U+FFFE, U+FFFF) with U+FFFD, so a hostile body cannot break the file.
fn xml_char(c: char) -> char {
    match c {
        '\t' | '\n' | '\r' => c,
        c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
        c => c,
    }
}

/// Escapes element text.
pub fn escape_text(s: &str) -> String {
    escape(s, false)
}

/// Escapes an attribute value (double-quoted); newlines and tabs as character
/// references, because parsers normalise literal ones in attributes to spaces.
pub fn escape_attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(xml_char) {
        let reference = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '\r' => "&#13;",
            '"' if attr => "&quot;",
            '\'' if attr => "&apos;",
            '\n' if attr => "&#10;",
            '\t' if attr => "&#9;",
            c => {
                out.push(c);
                continue;
            }
        };
        out.push_str(reference);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;

    #[test]
    fn escaping() {
        assert_eq!(escape_text("a<b>&c\u{1}\"'"), "a&lt;b&gt;&amp;c\u{FFFD}\"'");
        assert_eq!(
            escape_attr("x\"y'<z>&\n\t"),
            "x&quot;y&apos;&lt;z&gt;&amp;&#10;&#9;"
        );
        assert_eq!(escape_text("名前 ok\u{FFFF}"), "名前 ok\u{FFFD}");
    }

    #[test]
    fn one_testcase_per_case_with_the_right_element() {
        let (info, results) = sample();
        let xml = render(&info, &results, std::time::Duration::from_millis(1234));
        assert_eq!(xml.matches("<testcase ").count(), results.len());
        assert!(xml.contains("<testsuite name=\"conform\" tests=\"5\" failures=\"1\" errors=\"1\" skipped=\"1\" time=\"1.234\" timestamp=\"2025-01-02T03:04:05Z\">"), "{xml}");
        assert!(xml.contains("name=\"paging/limit-&lt;one&gt;\" classname=\"paging\" file=\"cases/paging/limit-&lt;one&gt;.toml\" line=\"1\""), "{xml}");
        assert!(xml.contains(
            "<failure message=\"C10 paging: more instances than limit\" type=\"C10 paging\">"
        ));
        assert!(
            xml.contains("  actual:   3 \u{FFFD} &lt;&amp;&gt;"),
            "{xml}"
        );
        assert!(xml.contains("<error message=\"GET /v1.0/p/instances?limit=2: no answer"));
        assert!(xml.contains("<skipped message=\"no status left unused\"/>"));
        assert!(xml.contains("<system-out>VACUOUS: passed"));
        assert!(xml.contains("observed (C2): case-insensitive match tolerated"));
        assert!(xml.contains("<testcase name=\"basics/unfiltered\" classname=\"basics\""));
    }
}
