//! The JUnit XML reporter (`--junit PATH`): one `<testcase>` per case, for CI test
//! dashboards (Jenkins, GitLab, GitHub test reporters).
//!
//! Layout: `<testsuites>` → one `<testsuite name="conform NAME">` per contract, with the run's properties
//! → one `<testcase>` per case: `classname` is the case's folder (dotted: `name`,
//! `paging`), `name` the case's name, `file`/`line` where it is written. A failure is
//! one `<failure>` carrying every finding as text; a transport problem is `<error>`; a
//! skipped case `<skipped>`; notices and observations (and so vacuous passes) go to
//! `<system-out>`. The output validates against the Jenkins xUnit plugin's
//! `junit-10.xsd` (vendored in `tests/fixtures/junit/`, checked by `tests/cli/reports.rs`).
//!
//! quick-xml writes the elements (always balanced) and escapes text and attribute values.
//! It passes through the characters XML 1.0 cannot carry at all (most control
//! characters, U+FFFE, U+FFFF), which would make the file unreadable, so every value goes
//! through [`xml_chars`] first: they become U+FFFD.

use std::borrow::Cow;
use std::io;

use quick_xml::escape::partial_escape;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use super::{detail_text, CaseResult, RunInfo, RunSection, Verdict};

type Xml = Writer<Vec<u8>>;

/// The whole document for one run (the tests' shorthand for [`render_all`]).
#[cfg(test)]
pub fn render(info: &RunInfo, cases: &[CaseResult], elapsed: std::time::Duration) -> String {
    render_all(&[RunSection {
        info: info.clone(),
        cases: cases.to_vec(),
        summary: crate::outcome::Summary::of(cases),
        elapsed,
    }])
}

/// The whole document for a run of one contract or several: one `<testsuite>` per
/// contract, named `conform NAME`, so that two contracts' cases of the same name stay
/// apart in a dashboard.
pub fn render_all(sections: &[RunSection]) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    document(&mut w, sections).expect("writing into memory cannot fail");
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    // Every byte comes from a `&str` or an ASCII literal: the lossy path is never taken.
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Tests, failures, errors, skipped of some cases.
fn counts<'a>(cases: impl Iterator<Item = &'a CaseResult>) -> [usize; 4] {
    let mut n = [0; 4];
    for c in cases {
        n[0] += 1;
        match c.verdict {
            Verdict::Fail => n[1] += 1,
            Verdict::Error => n[2] += 1,
            Verdict::Skipped => n[3] += 1,
            _ => {}
        }
    }
    n
}

fn document(w: &mut Xml, sections: &[RunSection]) -> io::Result<()> {
    let [tests, failures, errors, _] =
        counts(sections.iter().flat_map(|x| x.cases.iter())).map(|n| n.to_string());
    let time = secs(sections.iter().map(|x| x.elapsed).sum());
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.write_event(Event::Start(element(
        "testsuites",
        &[
            ("name", "conform"),
            ("tests", &tests),
            ("failures", &failures),
            ("errors", &errors),
            ("time", &time),
        ],
    )))?;
    for x in sections {
        testsuite(w, x)?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuites")))
}

fn testsuite(w: &mut Xml, x: &RunSection) -> io::Result<()> {
    let (info, cases) = (&x.info, &x.cases);
    let [tests, failures, errors, skipped] = counts(cases.iter()).map(|n| n.to_string());
    let time = secs(x.elapsed);
    let timestamp = info
        .started_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let name = format!("conform {}", info.contract);
    w.write_event(Event::Start(element(
        "testsuite",
        &[
            ("name", &name),
            ("tests", &tests),
            ("failures", &failures),
            ("errors", &errors),
            ("skipped", &skipped),
            ("time", &time),
            ("timestamp", &timestamp),
        ],
    )))?;
    w.write_event(Event::Start(BytesStart::new("properties")))?;
    let mut props = vec![
        ("conform.version", info.version.to_string()),
        ("contract", info.contract.clone()),
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
        w.write_event(Event::Empty(element(
            "property",
            &[("name", name), ("value", &value)],
        )))?;
    }
    w.write_event(Event::End(BytesEnd::new("properties")))?;
    for c in cases {
        testcase(w, c, info)?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuite")))
}

/// The element a verdict adds to its `<testcase>`: `<failure>`, `<error>` or
/// `<skipped>`, with its text (`None`: an empty element).
struct VerdictElement<'a> {
    name: &'static str,
    attrs: Vec<(&'static str, String)>,
    text: Option<&'a str>,
}

fn testcase(w: &mut Xml, c: &CaseResult, info: &RunInfo) -> io::Result<()> {
    let classname = match c.name.rsplit_once('/') {
        Some((folder, _)) => folder.replace('/', "."),
        None => "conform".to_string(),
    };
    let file = c.loc.file.to_string();
    let line = c.loc.at.line.to_string();
    let time = secs(c.duration);
    let start = element(
        "testcase",
        &[
            ("name", &c.name),
            ("classname", &classname),
            ("file", &file),
            ("line", &line),
            ("time", &time),
        ],
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
    let outcome = match c.verdict {
        // Every check passed, but the answer differs from the accepted snapshot.
        Verdict::Changed => Some(VerdictElement {
            name: "failure",
            attrs: vec![
                (
                    "message",
                    "the result differs from its accepted snapshot".into(),
                ),
                ("type", "snapshot".into()),
            ],
            text: Some(&detail),
        }),
        Verdict::Fail => {
            let f = c.findings.first();
            let ty = f
                .map(|f| format!("{} {}", f.rule, f.check.name()))
                .unwrap_or_default();
            Some(VerdictElement {
                name: "failure",
                attrs: vec![("message", head()), ("type", ty)],
                text: Some(&detail),
            })
        }
        Verdict::Error => {
            let msg = c
                .requests
                .iter()
                .find_map(|q| q.error.as_ref().map(|e| format!("GET {}: {e}", q.path)))
                .unwrap_or_else(|| "no usable answer".into());
            Some(VerdictElement {
                name: "error",
                attrs: vec![("message", msg), ("type", "transport".into())],
                text: Some(&detail),
            })
        }
        // Neither passed nor failed: a known, declared deviation.
        Verdict::Waived => {
            let reasons: Vec<&str> = c.waived.iter().map(|(_, w)| w.as_str()).collect();
            let msg = format!("waived: {}", reasons.join("; "));
            Some(VerdictElement {
                name: "skipped",
                attrs: vec![("message", msg)],
                text: None,
            })
        }
        Verdict::Skipped => Some(VerdictElement {
            name: "skipped",
            attrs: vec![("message", c.notices.join("; "))],
            text: None,
        }),
        Verdict::Pass | Verdict::Vacuous => None,
    };
    // Vacuous passes and observations must stay visible to a dashboard reader.
    let mut out = String::new();
    if c.verdict == Verdict::Vacuous {
        out.push_str("VACUOUS: passed, but compared nothing (the expected result was empty)\n");
    }
    if matches!(c.verdict, Verdict::Pass | Verdict::Vacuous) {
        out.push_str(&detail);
    }
    if outcome.is_none() && out.is_empty() {
        return w.write_event(Event::Empty(start));
    }
    w.write_event(Event::Start(start))?;
    if let Some(o) = &outcome {
        let attrs: Vec<(&str, &str)> = o.attrs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let e = element(o.name, &attrs);
        match o.text {
            Some(t) => text_element(w, e, t)?,
            None => w.write_event(Event::Empty(e))?,
        }
    }
    if !out.is_empty() {
        text_element(w, BytesStart::new("system-out"), &out)?;
    }
    w.write_event(Event::End(BytesEnd::new("testcase")))
}

/// A start (or empty) tag; quick-xml escapes each value (`<>&'"`, and the tab, newline and
/// carriage return that parsers would otherwise turn into spaces).
fn element<'a>(name: &'a str, attrs: &[(&str, &str)]) -> BytesStart<'a> {
    let mut e = BytesStart::new(name);
    for (key, value) in attrs {
        e.push_attribute((*key, xml_chars(value).as_ref()));
    }
    e
}

/// `<name ...>text</name>`, the text escaped as element content (`<`, `>`, `&`, `\r`).
fn text_element(w: &mut Xml, start: BytesStart<'_>, text: &str) -> io::Result<()> {
    let end = start.to_end().into_owned();
    w.write_event(Event::Start(start))?;
    let text = xml_chars(text);
    w.write_event(Event::Text(BytesText::from_escaped(partial_escape(
        text.as_ref(),
    ))))?;
    w.write_event(Event::End(end))
}

fn secs(d: std::time::Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// What XML 1.0 cannot carry (control characters other than tab, newline and carriage
/// return; U+FFFE, U+FFFF) replaced with U+FFFD, so a hostile body cannot break the file.
/// quick-xml escapes markup but writes these as they are.
fn xml_chars(s: &str) -> Cow<'_, str> {
    fn bad(c: char) -> bool {
        !matches!(c, '\t' | '\n' | '\r')
            && ((c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}')
    }
    if s.chars().any(bad) {
        Cow::Owned(
            s.chars()
                .map(|c| if bad(c) { '\u{FFFD}' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;

    /// Escaping through the writer: text and attributes as before the writer was
    /// quick-xml's, and what XML cannot carry replaced, in attributes and text alike.
    #[test]
    fn escaping() {
        let render_one = |e: BytesStart<'_>, text: &str| {
            let mut w = Writer::new(Vec::new());
            text_element(&mut w, e, text).unwrap();
            String::from_utf8(w.into_inner()).unwrap()
        };
        assert_eq!(
            render_one(BytesStart::new("t"), "a<b>&c\u{1}\"'\r\n\t"),
            "<t>a&lt;b&gt;&amp;c\u{FFFD}\"'&#13;\n\t</t>"
        );
        assert_eq!(
            render_one(element("t", &[("a", "x\"y'<z>&\n\t\r\u{1b}")]), ""),
            "<t a=\"x&quot;y&apos;&lt;z&gt;&amp;&#10;&#9;&#13;\u{FFFD}\"></t>"
        );
        assert_eq!(
            render_one(BytesStart::new("t"), "名前 ok\u{FFFF}\u{FFFE}\u{0}"),
            "<t>名前 ok\u{FFFD}\u{FFFD}\u{FFFD}</t>"
        );
        assert!(matches!(xml_chars("plain 名前\t"), Cow::Borrowed(_)));
    }

    /// The document's exact layout, so that a change of writer or of its settings
    /// shows up here and not in a user's dashboard.
    #[test]
    fn layout_is_stable() {
        let (info, results) = sample();
        let xml = render(&info, &results[..2], std::time::Duration::from_millis(1234));
        let want = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<testsuites name=\"conform\" tests=\"2\" failures=\"1\" errors=\"0\" time=\"1.234\">
  <testsuite name=\"conform v1.0\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"1.234\" timestamp=\"2025-01-02T03:04:05Z\">
    <properties>
      <property name=\"conform.version\" value=\"0.1.0\"/>
      <property name=\"contract\" value=\"v1.0\"/>
      <property name=\"target\" value=\"the built-in mock\"/>
      <property name=\"base_url\" value=\"http://127.0.0.1:4000\"/>
    </properties>
    <testcase name=\"paging/limit-&lt;one&gt;\" classname=\"paging\" file=\"cases/paging/limit-&lt;one&gt;.toml\" line=\"1\" time=\"0.007\">
      <failure message=\"C10 paging: more instances than limit\" type=\"C10 paging\">C10 paging: more instances than limit
  --&gt; cases/paging/limit-&lt;one&gt;.toml:1:15
  request:  GET http://127.0.0.1:4000/v1.0/p/instances?limit=2
  at:       /instances
  source:   page.md, Table 3, limit
  expected: at most 2
  actual:   3 \u{FFFD} &lt;&amp;&gt;
reproduce: curl -sS -H \"X-Auth-Token: $CONFORM_TOKEN\" 'http://127.0.0.1:4000/v1.0/p/instances?limit=2'
</failure>
    </testcase>
    <testcase name=\"basics/unfiltered\" classname=\"basics\" file=\"cases/basics/unfiltered.toml\" line=\"1\" time=\"0.007\"/>
  </testsuite>
</testsuites>
";
        assert_eq!(xml, want);
    }

    #[test]
    fn one_testcase_per_case_with_the_right_element() {
        let (info, results) = sample();
        let xml = render(&info, &results, std::time::Duration::from_millis(1234));
        assert_eq!(xml.matches("<testcase ").count(), results.len());
        assert!(xml.contains("<testsuite name=\"conform v1.0\" tests=\"5\" failures=\"1\" errors=\"1\" skipped=\"1\" time=\"1.234\" timestamp=\"2025-01-02T03:04:05Z\">"), "{xml}");
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

    #[test]
    fn one_testsuite_per_contract_with_distinct_names_and_totals_over_all() {
        let (info, results) = sample();
        let mut v2 = info.clone();
        v2.contract = "v2".into();
        let section = |info: &RunInfo| RunSection {
            info: info.clone(),
            cases: results.clone(),
            summary: crate::outcome::Summary::of(&results),
            elapsed: std::time::Duration::from_millis(500),
        };
        let xml = render_all(&[section(&info), section(&v2)]);
        assert_eq!(xml.matches("<testsuite ").count(), 2);
        assert!(
            xml.contains("<testsuite name=\"conform v1.0\" tests=\"5\""),
            "{xml}"
        );
        assert!(
            xml.contains("<testsuite name=\"conform v2\" tests=\"5\""),
            "{xml}"
        );
        assert!(xml.contains("<testsuites name=\"conform\" tests=\"10\" failures=\"2\" errors=\"2\" time=\"1.000\">"), "{xml}");
    }
}
