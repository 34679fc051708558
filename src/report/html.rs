//! The HTML reporter (`--html PATH`): one self-contained file for people. The summary
//! sits at the top; below it a table of cases that can be filtered by verdict, rule and
//! text (a few lines of inline JavaScript; without JavaScript every row shows); each
//! case that did not pass cleanly opens to its findings, expected vs actual side by
//! side, the request, a curl reproduction and, when the snapshot stage provides one,
//! the snapshot diff.
//!
//! Nothing is fetched: CSS and JavaScript are inline, fonts are the system's, so the
//! file can be archived as a CI artifact and opened offline.

use std::fmt::Write as _;

use super::{CaseResult, RunInfo, RunSection, Summary, Verdict};

/// Escapes text for HTML element content and double-quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub const STYLE: &str = r#"
:root { --pass:#1a7f37; --fail:#cf222e; --warn:#9a6700; --muted:#57606a; --line:#d0d7de; --bg2:#f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; }
header { padding: 16px 24px; border-bottom: 1px solid var(--line); background: var(--bg2); }
h1 { font-size: 20px; margin: 0 0 4px; }
.meta { color: var(--muted); font-size: 13px; }
.cards { display: flex; gap: 10px; margin-top: 12px; flex-wrap: wrap; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 6px 14px; background: #fff; min-width: 92px; }
.card b { display: block; font-size: 20px; }
.card.pass b { color: var(--pass); } .card.fail b, .card.error b { color: var(--fail); }
h2.contract { font-size: 16px; margin: 16px 0 4px; }
.card.vacuous b, .card.skipped b, .card.changed b, .card.waived b { color: var(--warn); }
.verdict-line { font-weight: 600; margin-top: 10px; }
.verdict-line.bad { color: var(--fail); } .verdict-line.good { color: var(--pass); }
main { padding: 12px 24px 40px; }
.filters { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; margin: 8px 0 12px; }
.filters label { user-select: none; }
.filters input[type=search] { padding: 4px 8px; width: 240px; }
table.cases { border-collapse: collapse; width: 100%; }
table.cases th { text-align: left; font-weight: 600; border-bottom: 2px solid var(--line); padding: 6px 8px; }
table.cases td { border-bottom: 1px solid var(--line); padding: 5px 8px; vertical-align: top; }
td.name { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
td.num { text-align: right; white-space: nowrap; color: var(--muted); }
td.rules { white-space: nowrap; }
.badge { display: inline-block; min-width: 64px; text-align: center; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 700; color: #fff; }
.badge.pass { background: var(--pass); } .badge.fail, .badge.error { background: var(--fail); }
.badge.vacuous, .badge.skipped, .badge.changed, .badge.waived { background: var(--warn); }
.desc { color: var(--muted); font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 13px; }
.filters select { max-width: 260px; }
.jump { margin-top: 10px; font-size: 13px; }
.jump a { color: var(--fail); margin-right: 12px; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
tr.detail td { background: var(--bg2); padding: 8px 12px 12px 24px; }
.finding { margin: 6px 0 12px; }
.finding h3 { font-size: 14px; margin: 0 0 4px; color: var(--fail); }
.kv { display: grid; grid-template-columns: 90px 1fr; gap: 2px 10px; font-size: 13px; }
.kv span:nth-child(odd) { color: var(--muted); }
.kv code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.ea { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; margin-top: 6px; }
.ea div { border: 1px solid var(--line); border-radius: 4px; background: #fff; }
.ea div p { margin: 0; padding: 2px 8px; font-size: 12px; font-weight: 600; border-bottom: 1px solid var(--line); }
.ea .exp p { color: var(--pass); } .ea .act p { color: var(--fail); }
pre { margin: 0; padding: 6px 8px; white-space: pre-wrap; word-break: break-all; }
.notes { margin: 4px 0; font-size: 13px; }
.notes li.obs { color: var(--muted); }
.repro { margin-top: 6px; }
.diff .add { color: var(--pass); } .diff .del { color: var(--fail); }
details > summary { cursor: pointer; color: var(--muted); font-size: 12px; }
.hidden { display: none; }
#none { color: var(--muted); padding: 12px 0; }
"#;

const SCRIPT: &str = r"
(function () {
  var boxes = document.querySelectorAll('input[name=verdict]');
  var rule = document.getElementById('rule');
  var text = document.getElementById('text');
  function apply() {
    var on = {};
    boxes.forEach(function (b) { on[b.value] = b.checked; });
    var r = rule.value, t = text.value.toLowerCase(), shown = 0;
    document.querySelectorAll('tr.case').forEach(function (row) {
      var ok = on[row.dataset.verdict]
        && (!r || (' ' + row.dataset.rules + ' ').indexOf(' ' + r + ' ') >= 0)
        && (!t || row.dataset.search.indexOf(t) >= 0);
      row.classList.toggle('hidden', !ok);
      var d = document.getElementById('d-' + row.id);
      if (d) d.classList.toggle('hidden', !ok);
      if (ok) shown++;
    });
    document.getElementById('none').classList.toggle('hidden', shown > 0);
  }
  // A link can preselect filters: report.html#verdict=fail,error&rule=C10
  var h = {};
  location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
    var p = kv.split('='); if (p[0]) h[p[0]] = decodeURIComponent(p[1] || '');
  });
  if (h.verdict) {
    var want = h.verdict.split(',');
    boxes.forEach(function (b) { b.checked = want.indexOf(b.value) >= 0; });
  }
  if (h.rule) rule.value = h.rule;
  if (h.text) text.value = h.text;
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  rule.addEventListener('change', apply);
  text.addEventListener('input', apply);
  apply();
})();
";

/// The whole document for one run (the tests' shorthand for [`render_all`]).
#[cfg(test)]
pub fn render(
    info: &RunInfo,
    cases: &[CaseResult],
    s: &Summary,
    elapsed: std::time::Duration,
) -> String {
    render_all(&[RunSection {
        info: info.clone(),
        cases: cases.to_vec(),
        summary: s.clone(),
        elapsed,
    }])
}

/// The whole document for a run of one contract or several: a summary per contract at
/// the top, one set of filters, then a table of cases per contract (headed by its name
/// when there are several).
pub fn render_all(sections: &[RunSection]) -> String {
    let mut h = String::new();
    let many = sections.len() > 1;
    let worst = sections
        .iter()
        .map(|x| verdict_word(&x.summary))
        .find(|w| *w != "passed")
        .unwrap_or("passed");
    let target = sections.first().map_or("", |x| x.info.target.as_str());
    let title = format!("conform: {worst} against {target}");
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    let _ = writeln!(h, "<header>\n<h1>conform report</h1>");
    for (k, x) in sections.iter().enumerate() {
        if many {
            let _ = writeln!(
                h,
                "<h2 class=\"contract\"><a href=\"#contract-{k}\">{}</a></h2>",
                esc(&x.info.contract)
            );
        }
        summary_block(&mut h, k, x);
    }
    h.push_str("</header>\n<main>\n");
    filters(&mut h, sections);
    for (k, x) in sections.iter().enumerate() {
        if many {
            let _ = writeln!(
                h,
                "<h2 class=\"contract\" id=\"contract-{k}\">{}</h2>",
                esc(&x.info.contract)
            );
        }
        h.push_str("<table class=\"cases\">\n<thead><tr><th>verdict</th><th>case</th><th>rules</th><th>time</th></tr></thead>\n<tbody>\n");
        for (i, c) in x.cases.iter().enumerate() {
            row(&mut h, &format!("c{k}-{i}"), c, &x.info);
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("<div id=\"none\" class=\"hidden\">No case matches the filters.</div>\n</main>\n");
    let _ = write!(h, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    h
}

/// One contract's summary: what ran where, the verdict line, the cards, and links to
/// the cases that broke.
fn summary_block(h: &mut String, k: usize, x: &RunSection) {
    let (info, s, cases) = (&x.info, &x.summary, &x.cases);
    let started = info
        .started_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut meta = format!(
        "target {} ({}) · conform {} · started {} · {:.2} s · {} requests ({} retried)",
        esc(&info.target),
        esc(&info.base_url),
        esc(info.version),
        esc(&started),
        x.elapsed.as_secs_f64(),
        s.requests,
        s.retried
    );
    if let Some(sh) = info.shard {
        let _ = write!(meta, " · shard {sh}");
    }
    if !info.filters.is_empty() {
        let _ = write!(meta, " · filter {}", esc(&info.filters.join(" ")));
    }
    let _ = writeln!(h, "<div class=\"meta\">{meta}</div>");
    let bad = s.failed > 0 || s.errors > 0 || s.explore_failed > 0;
    let mut verdict = format!("{} of {} cases passed", s.passed + s.vacuous, s.total);
    if s.failed > 0 || s.errors > 0 {
        let _ = write!(verdict, ": {} failed, {} errors", s.failed, s.errors);
    }
    if s.explore_failed > 0 {
        // The exploration's failures fail the run too (exit 1), though no case failed.
        let _ = write!(
            verdict,
            "; exploration found {} failure{}",
            s.explore_failed,
            if s.explore_failed == 1 { "" } else { "s" }
        );
    }
    let _ = writeln!(
        h,
        "<div class=\"verdict-line {}\">{verdict}</div>",
        if bad { "bad" } else { "good" },
    );
    h.push_str("<div class=\"cards\">");
    for (class, label, n) in [
        ("pass", "passed", s.passed),
        ("fail", "failed", s.failed),
        ("changed", "changed", s.changed),
        ("waived", "waived", s.waived),
        ("error", "errors", s.errors),
        ("vacuous", "vacuous", s.vacuous),
        ("skipped", "skipped", s.skipped),
        ("obs", "observations", s.observations),
    ] {
        let _ = write!(h, "<div class=\"card {class}\"><b>{n}</b>{label}</div>");
    }
    h.push_str("</div>\n");
    // The cases a reader at 2 a.m. wants first, one click away.
    let broken: Vec<(usize, &CaseResult)> = cases
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.verdict, Verdict::Fail | Verdict::Error | Verdict::Changed))
        .collect();
    if !broken.is_empty() {
        h.push_str("<div class=\"jump\">Failed: ");
        for (i, c) in broken {
            let _ = write!(h, "<a href=\"#c{k}-{i}\">{}</a>", esc(&c.name));
        }
        h.push_str("</div>\n");
    }
}

/// The filters over every contract's cases: verdicts, rules (with each contract's
/// titles), text.
fn filters(h: &mut String, sections: &[RunSection]) {
    let all = || sections.iter().flat_map(|x| x.cases.iter());
    let mut rules: Vec<crate::case::Rule> = all().flat_map(|c| c.rules.iter().copied()).collect();
    rules.extend(all().flat_map(|c| c.findings.iter().map(|f| f.rule)));
    rules.sort();
    rules.dedup();
    h.push_str("<div class=\"filters\"><span>Show:</span>");
    for v in [
        Verdict::Fail,
        Verdict::Changed,
        Verdict::Waived,
        Verdict::Error,
        Verdict::Vacuous,
        Verdict::Skipped,
        Verdict::Pass,
    ] {
        let n = all().filter(|c| c.verdict == v).count();
        let _ = write!(
            h,
            "<label><input type=\"checkbox\" name=\"verdict\" value=\"{}\" checked> {} ({n})</label>",
            v.name(),
            v.label()
        );
    }
    h.push_str("<label>rule <select id=\"rule\"><option value=\"\">any</option>");
    for r in rules {
        let title = sections
            .iter()
            .flat_map(|x| x.info.rules.iter())
            .find(|(id, _)| *id == r)
            .map_or("unknown rule", |(_, t)| t.as_str());
        let _ = write!(h, "<option value=\"{r}\">{r} {}</option>", esc(title));
    }
    h.push_str(
        "</select></label><input type=\"search\" id=\"text\" placeholder=\"name or text\"></div>\n",
    );
}

fn verdict_word(s: &Summary) -> &'static str {
    if s.failed > 0 {
        "FAILED"
    } else if s.errors > 0 {
        "ERRORS"
    } else {
        "passed"
    }
}

/// Findings shown open per case; the others are folded.
const SHOWN_FINDINGS: usize = 3;

fn row(h: &mut String, id: &str, c: &CaseResult, info: &RunInfo) {
    let rules: Vec<String> = c
        .rules
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    // Filter by rule matches both the rules a case cites and the rules it broke.
    let mut filter_rules = rules.clone();
    filter_rules.extend(c.findings.iter().map(|f| f.rule.to_string()));
    let search = format!(
        "{} {} {}",
        c.name,
        c.description,
        c.findings
            .iter()
            .map(|f| f.message.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    )
    .to_lowercase();
    let v = c.verdict;
    let _ = writeln!(
        h,
        "<tr class=\"case\" id=\"{id}\" data-verdict=\"{}\" data-rules=\"{}\" data-search=\"{}\">\
         <td><span class=\"badge {}\">{}</span></td>\
         <td class=\"name\">{}<div class=\"desc\">{}</div></td>\
         <td class=\"rules\">{}</td><td class=\"num\">{} ms</td></tr>",
        v.name(),
        esc(&filter_rules.join(" ")),
        esc(&search),
        v.name(),
        v.label(),
        esc(&c.name),
        esc(&c.description),
        esc(&rules.join(", ")),
        c.duration.as_millis()
    );
    let has_detail = !c.findings.is_empty()
        || !c.waived.is_empty()
        || !c.notices.is_empty()
        || !c.observations.is_empty()
        || c.snapshot_diff().is_some()
        || c.requests.iter().any(|q| q.error.is_some());
    if !has_detail {
        return;
    }
    let _ = write!(h, "<tr class=\"detail\" id=\"d-{id}\"><td colspan=\"4\">");
    for (n, f) in c.findings.iter().enumerate() {
        // Long walks can break a rule on every page: the first few say it all, the
        // rest stay one click away.
        if n == SHOWN_FINDINGS {
            let _ = write!(
                h,
                "<details><summary>{} more findings</summary>",
                c.findings.len() - SHOWN_FINDINGS
            );
        }
        let _ = write!(
            h,
            "<div class=\"finding\"><h3>{} {}: {}</h3><div class=\"kv\"><span>case</span><code>{}</code>",
            f.rule,
            f.check.name(),
            esc(&f.message),
            esc(&c.loc.to_string())
        );
        if let Some(q) = c.requests.get(f.request) {
            let _ = write!(
                h,
                "<span>request</span><code>GET {}</code>",
                esc(&info.url(q))
            );
        }
        if let Some(p) = &f.pointer {
            let _ = write!(h, "<span>at</span><code>{}</code>", esc(p));
        }
        if let Some(src) = &f.source {
            let _ = write!(h, "<span>source</span><span>{}</span>", esc(src));
        }
        h.push_str("</div>");
        if f.expected.is_some() || f.actual.is_some() {
            let _ = write!(
                h,
                "<div class=\"ea\"><div class=\"exp\"><p>expected</p><pre>{}</pre></div>\
                 <div class=\"act\"><p>actual</p><pre>{}</pre></div></div>",
                esc(f.expected.as_deref().unwrap_or("")),
                esc(f.actual.as_deref().unwrap_or(""))
            );
        }
        h.push_str("</div>");
    }
    if c.findings.len() > SHOWN_FINDINGS {
        h.push_str("</details>");
    }
    for q in c.requests.iter().filter(|q| q.error.is_some()) {
        let _ = write!(
            h,
            "<div class=\"finding\"><h3>error: GET {}</h3><pre>{}</pre></div>",
            esc(&info.url(q)),
            esc(&q
                .error
                .as_ref()
                .map(std::string::ToString::to_string)
                .unwrap_or_default())
        );
    }
    if !c.notices.is_empty() || !c.observations.is_empty() || !c.waived.is_empty() {
        h.push_str("<ul class=\"notes\">");
        for (f, why) in &c.waived {
            let _ = write!(
                h,
                "<li>waived {} {}: {} ({})</li>",
                f.rule,
                f.check.name(),
                esc(&f.message),
                esc(why)
            );
        }
        for n in &c.notices {
            let _ = write!(h, "<li>note: {}</li>", esc(n));
        }
        for o in &c.observations {
            let _ = write!(
                h,
                "<li class=\"obs\">observed ({}): {}</li>",
                o.rule,
                esc(&o.message)
            );
        }
        h.push_str("</ul>");
    }
    // The snapshot stage's unified diff, shown as is.
    if let Some(d) = c.snapshot_diff() {
        h.push_str("<div class=\"finding diff\"><h3>snapshot diff</h3><pre>");
        for line in d.lines() {
            let class = match line.chars().next() {
                Some('+') => "add",
                Some('-') => "del",
                _ => "",
            };
            let _ = writeln!(h, "<span class=\"{class}\">{}</span>", esc(line));
        }
        h.push_str("</pre></div>");
    }
    if matches!(v, Verdict::Fail | Verdict::Error) {
        if let Some(q) = info.repro_request(c) {
            let _ = write!(
                h,
                "<details class=\"repro\" open><summary>reproduce</summary><pre>{}</pre></details>",
                esc(&info.curl(q))
            );
        }
    }
    h.push_str("</td></tr>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;

    #[test]
    fn self_contained_escaped_and_filterable() {
        let (info, mut results) = sample();
        results[0].snapshot = Some(crate::outcome::SnapshotOutcome {
            state: crate::outcome::SnapshotState::Changed,
            file: "snapshots/x.snap".into(),
            pending: None,
            diff: Some("-old\n+new <b>".into()),
            error: None,
        });
        let s = Summary::of(&results);
        let html = render(&info, &results, &s, std::time::Duration::from_secs(1));
        // Nothing fetched from anywhere.
        for needle in ["http://", "https://", "src=", "@import", "url("] {
            let outside_data: Vec<&str> = html
                .match_indices(needle)
                .map(|(i, _)| &html[i.saturating_sub(40)..(i + 60).min(html.len())])
                .filter(|ctx| !ctx.contains("127.0.0.1:4000"))
                .collect();
            assert!(outside_data.is_empty(), "{needle}: {outside_data:?}");
        }
        assert!(html.contains("paging/limit-&lt;one&gt;"));
        assert!(!html.contains("<one>"));
        assert!(html.contains("data-verdict=\"fail\" data-rules=\"C10 C9 C10\""));
        assert!(html.contains("<option value=\"C10\">C10 limit</option>"));
        assert!(html.contains("<p>expected</p><pre>at most 2</pre>"));
        assert!(html.contains("<span class=\"add\">+new &lt;b&gt;</span>"));
        assert!(html.contains("X-Auth-Token: $CONFORM_TOKEN"));
        assert!(html.contains("1 of 5 cases passed") || html.contains("2 of 5 cases passed"));
    }

    #[test]
    fn a_failure_found_by_exploration_is_in_the_verdict_line() {
        let (info, results) = sample();
        let passing: Vec<CaseResult> = results
            .into_iter()
            .filter(|r| r.verdict == Verdict::Pass)
            .collect();
        let mut s = Summary::of(&passing);
        let html = render(&info, &passing, &s, std::time::Duration::from_secs(1));
        assert!(
            html.contains("verdict-line good"),
            "no failure, a good line"
        );
        s.explore_failed = 2;
        let html = render(&info, &passing, &s, std::time::Duration::from_secs(1));
        assert!(html.contains("verdict-line bad"));
        assert!(html.contains("cases passed; exploration found 2 failures"));
    }
}
