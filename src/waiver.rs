//! Known deviations: a real vendor may knowingly differ from a rule. A waiver file
//! declares each deviation (rule, which cases, why, until when); a failure a waiver covers
//! is reported as waived (neither passed nor failed), an expired waiver lets its failures
//! count again and says so, and a waiver that matched nothing is reported as unused.
//!
//! ```toml
//! [[waiver]]
//! rule = "C8"
//! case = "paging/*"          # case name or glob (`*` = any text); default: every case
//! reason = "ties are ordered by name; vendor ticket 1234"
//! expires = 2027-03-01       # a date, or
//! link = "https://tracker.example.com/1234"   # a link to where the deviation is tracked
//! contract = "v1.0"          # only this contract of the workspace; default: every
//!                            # contract that has the rule
//! ```

use std::path::Path;

use serde::Deserialize;

use crate::case::Rule;
use crate::diag::Diagnostic;
use crate::outcome::{CaseResult, Verdict};

/// One declared deviation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    pub rule: Rule,
    /// Case name or glob; `None` = every case.
    pub case: Option<String>,
    pub reason: String,
    /// `YYYY-MM-DD`; after that day the waiver no longer applies.
    pub expires: Option<String>,
    pub link: Option<String>,
    /// The contract (its name in the workspace) it is for; `None` = every contract
    /// whose rules name its rule.
    pub contract: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    waiver: Vec<toml::Spanned<RawWaiver>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    rule: String,
    case: Option<String>,
    reason: String,
    expires: Option<toml::value::Datetime>,
    link: Option<String>,
    contract: Option<String>,
}

/// Loads a waiver file for a run of the named contracts (one, or several run together);
/// every problem is reported, located. A waiver's rule must be a rule of its `contract`
/// or, without one, of some contract of the run; [`Waivers::for_contract`] then picks
/// each contract's.
pub fn load(
    path: &Path,
    contracts: &[(&str, &crate::contract::Desc)],
) -> Result<Vec<Waiver>, Vec<Diagnostic>> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![Diagnostic::whole_file(
            &shown,
            format!("cannot read the waiver file: {e}"),
        )]
    })?;
    let raw: RawFile = toml::from_str(&text).map_err(|e| {
        vec![Diagnostic::at_span(
            &shown,
            &text,
            e.span().unwrap_or(0..0),
            e.message().trim().replace('\n', " "),
        )]
    })?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for w in raw.waiver {
        let span = w.span();
        let w = w.into_inner();
        let mut scope: Vec<&(&str, &crate::contract::Desc)> = contracts.iter().collect();
        if let Some(name) = &w.contract {
            scope.retain(|(n, _)| n == name);
            if scope.is_empty() {
                let names: Vec<&str> = contracts.iter().map(|(n, _)| *n).collect();
                problems.push(
                    Diagnostic::at_span(
                        &shown,
                        &text,
                        span,
                        format!("no contract `{name}` in this run"),
                    )
                    .with_hint(format!("the run's contracts: {}", names.join(", "))),
                );
                continue;
            }
        }
        let Some(rule) = Rule::parse(&w.rule).filter(|r| scope.iter().any(|(_, d)| d.has_rule(*r)))
        else {
            let known: Vec<String> = scope
                .iter()
                .map(|(n, d)| format!("{n}: {}", rule_range(d)))
                .collect();
            problems.push(
                Diagnostic::at_span(&shown, &text, span, format!("unknown rule `{}`", w.rule))
                    .with_hint(format!("rules are {}", known.join("; "))),
            );
            continue;
        };
        if w.reason.trim().is_empty() {
            problems.push(Diagnostic::at_span(
                &shown,
                &text,
                span,
                "a waiver needs a reason",
            ));
            continue;
        }
        let expires = match &w.expires {
            Some(d) => match d.date {
                Some(date) if d.time.is_none() => Some(format!(
                    "{:04}-{:02}-{:02}",
                    date.year, date.month, date.day
                )),
                _ => {
                    problems.push(Diagnostic::at_span(
                        &shown,
                        &text,
                        span,
                        "`expires` must be a date such as 2027-03-01",
                    ));
                    continue;
                }
            },
            None => None,
        };
        if expires.is_none() && w.link.as_deref().is_none_or(|l| l.trim().is_empty()) {
            problems.push(
                Diagnostic::at_span(&shown, &text, span, "a waiver needs an expiry date or a link")
                    .with_hint("a deviation nobody tracks is forgotten: add `expires = YYYY-MM-DD` or `link = \"...\"`"),
            );
            continue;
        }
        out.push(Waiver {
            rule,
            case: w.case,
            reason: w.reason,
            expires,
            link: w.link,
            contract: w.contract,
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The contract's rules as a range, `C1..C14`.
fn rule_range(desc: &crate::contract::Desc) -> String {
    match (desc.rules.first(), desc.rules.last()) {
        (Some((a, _)), Some((b, _))) => format!("{a}..{b}"),
        _ => "none".into(),
    }
}

/// `*` matches any text (including `/`); everything else matches itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

impl Waiver {
    fn covers(&self, case: &str, rule: Rule) -> bool {
        self.rule == rule && self.case.as_deref().is_none_or(|p| glob(p, case))
    }

    fn expired(&self, today: &str) -> bool {
        self.expires.as_deref().is_some_and(|e| e < today)
    }

    fn label(&self) -> String {
        let mut s = format!("{} waived: {}", self.rule, self.reason);
        if let Some(l) = &self.link {
            s.push_str(&format!(" ({l})"));
        }
        if let Some(e) = &self.expires {
            s.push_str(&format!(" until {e}"));
        }
        s
    }
}

/// The waivers of a run, applied to each result as it comes; remembers which matched.
#[derive(Debug, Clone)]
pub struct Waivers {
    list: Vec<Waiver>,
    used: Vec<bool>,
    /// `YYYY-MM-DD` (passed in, so tests need no clock).
    today: String,
}

impl Waivers {
    /// The waivers of `list` for one contract of the run: those naming it, and those
    /// naming none whose rule it has.
    pub fn for_contract(
        list: &[Waiver],
        name: &str,
        desc: &crate::contract::Desc,
        today: String,
    ) -> Waivers {
        let mine = list
            .iter()
            .filter(|w| w.contract.as_deref().is_none_or(|c| c == name) && desc.has_rule(w.rule))
            .cloned()
            .collect();
        Waivers::new(mine, today)
    }

    pub fn new(list: Vec<Waiver>, today: String) -> Waivers {
        Waivers {
            used: vec![false; list.len()],
            list,
            today,
        }
    }

    /// Moves the findings a live waiver covers from `findings` to `waived`; a failing
    /// case with no finding left becomes [`Verdict::Waived`]. An expired waiver's
    /// findings stay, with a notice.
    pub fn apply(&mut self, r: &mut CaseResult) {
        if r.findings.is_empty() {
            return;
        }
        let waivers = &self.list;
        let mut kept = Vec::new();
        for f in std::mem::take(&mut r.findings) {
            let matching: Vec<usize> = (0..waivers.len())
                .filter(|i| waivers[*i].covers(&r.name, f.rule))
                .collect();
            for i in &matching {
                self.used[*i] = true;
            }
            match matching.iter().find(|i| !waivers[**i].expired(&self.today)) {
                Some(i) => r.waived.push((f, waivers[*i].label())),
                None => {
                    if let Some(i) = matching.first() {
                        let w = &waivers[*i];
                        let note = format!(
                            "the waiver for {} ({}) expired on {}: its failures count again",
                            w.rule,
                            w.reason,
                            w.expires.as_deref().unwrap_or("?")
                        );
                        if !r.notices.contains(&note) {
                            r.notices.push(note);
                        }
                    }
                    kept.push(f);
                }
            }
        }
        r.findings = kept;
        if r.verdict == Verdict::Fail && r.findings.is_empty() {
            r.verdict = Verdict::Waived;
        }
    }

    /// One line per waiver that matched no failure so far (at the end of a run: at all).
    pub fn unused(&self) -> Vec<String> {
        self.list
            .iter()
            .zip(&self.used)
            .filter(|(_, u)| !**u)
            .map(|(w, _)| {
                format!(
                    "waiver for {} on {} matched no failure: {}",
                    w.rule,
                    w.case.as_deref().unwrap_or("every case"),
                    w.reason
                )
            })
            .collect()
    }
}

/// Applies waivers to a whole run's results; returns one line per waiver that matched
/// nothing. `today` is `YYYY-MM-DD`.
pub fn apply(waivers: &[Waiver], results: &mut [CaseResult], today: &str) -> Vec<String> {
    let mut w = Waivers::new(waivers.to_vec(), today.to_string());
    for r in results.iter_mut() {
        w.apply(r);
    }
    w.unused()
}

/// Today's date in UTC, as `YYYY-MM-DD`.
pub fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{CheckKind, Finding};
    use crate::report::tests::sample;

    #[test]
    fn globs_match_case_names() {
        assert!(glob("paging/*", "paging/walk-unfiltered"));
        assert!(glob("*walk*", "paging/walk-unfiltered"));
        assert!(!glob("paging/*", "name/exact"));
        assert!(glob("name/exact", "name/exact"));
    }

    fn waiver(rule: u8, case: &str, expires: Option<&str>) -> Waiver {
        Waiver {
            rule: Rule::c(rule),
            case: Some(case.into()),
            reason: "known".into(),
            expires: expires.map(String::from),
            link: None,
            contract: None,
        }
    }

    #[test]
    fn waived_expired_and_unused() {
        let (_, mut results) = sample();
        let i = results
            .iter()
            .position(|r| r.verdict == Verdict::Fail)
            .expect("a failing sample");
        let name = results[i].name.clone();
        let rule = results[i].findings[0].rule;
        results[i].findings.truncate(1);

        // An active waiver: the failure becomes WAIVED.
        let mut r1 = results.clone();
        let unused = apply(
            &[
                waiver(rule.n, &name, Some("2999-01-01")),
                waiver(3, "nothing/*", Some("2999-01-01")),
            ],
            &mut r1,
            "2026-11-28",
        );
        assert_eq!(r1[i].verdict, Verdict::Waived);
        assert_eq!(r1[i].waived.len(), 1);
        assert_eq!(unused.len(), 1, "{unused:?}");

        // Expired: the failure counts again, and says so.
        let mut r2 = results.clone();
        apply(
            &[waiver(rule.n, &name, Some("2020-01-01"))],
            &mut r2,
            "2026-11-28",
        );
        assert_eq!(r2[i].verdict, Verdict::Fail);
        assert!(
            r2[i]
                .notices
                .iter()
                .any(|n| n.contains("expired on 2020-01-01")),
            "{:?}",
            r2[i].notices
        );

        // Another rule's finding on the same case is not waived.
        let mut r3 = results.clone();
        r3[i].findings.push(Finding::new(
            Rule::c(if rule.n == 1 { 2 } else { 1 }),
            CheckKind::Filter,
            0,
            "other",
        ));
        apply(&[waiver(rule.n, &name, None)], &mut r3, "2026-11-28");
        assert_eq!(r3[i].verdict, Verdict::Fail);
        assert_eq!(r3[i].findings.len(), 1);
    }

    #[test]
    fn a_waiver_needs_a_reason_and_an_expiry_or_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("w.toml");
        std::fs::write(&p, "[[waiver]]\nrule = \"C8\"\nreason = \"x\"\n\n[[waiver]]\nrule = \"C99\"\nreason = \"y\"\nlink = \"l\"\n").unwrap();
        let e = load(
            &p,
            &[("v1.0", crate::contract::Contract::embedded().desc())],
        )
        .unwrap_err();
        assert_eq!(e.len(), 2);
        assert!(e[0].message.contains("expiry date or a link"));
        assert_eq!(e[0].at.line, 1);
        assert!(e[1].message.contains("C99"));
        std::fs::write(&p, "[[waiver]]\nrule = \"C8\"\ncase = \"paging/*\"\nreason = \"x\"\nexpires = 2027-03-01\n").unwrap();
        let w = load(
            &p,
            &[("v1.0", crate::contract::Contract::embedded().desc())],
        )
        .unwrap();
        assert_eq!(w[0].expires.as_deref(), Some("2027-03-01"));
    }

    #[test]
    fn a_waiver_file_serves_several_contracts_each_its_own() {
        let v1 = crate::contract::Contract::embedded();
        let v2 = crate::contract::Contract::from_file(Path::new(
            "schemas/v2/list-instances.contract.toml",
        ))
        .unwrap();
        let both = [("v1.0", v1.desc()), ("v2", v2.desc())];
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("w.toml");
        let entry = |rule: &str, contract: &str| {
            format!("[[waiver]]\nrule = \"{rule}\"\nreason = \"r\"\nlink = \"l\"\n{contract}\n")
        };
        let text = entry("C8", "")
            + &entry("V5", "")
            + &entry("C3", "contract = \"v1.0\"")
            + &entry("V5", "contract = \"v2\"");
        std::fs::write(&p, &text).unwrap();
        let list = load(&p, &both).unwrap();
        let rules = |w: &Waivers| {
            w.list
                .iter()
                .map(|w| w.rule.to_string())
                .collect::<Vec<_>>()
        };
        let today = || "2026-12-07".to_string();
        assert_eq!(
            rules(&Waivers::for_contract(&list, "v1.0", v1.desc(), today())),
            ["C8", "C3"]
        );
        assert_eq!(
            rules(&Waivers::for_contract(&list, "v2", v2.desc(), today())),
            ["V5", "V5"]
        );
        // A rule of the other contract only, or a contract not in the run: located errors.
        std::fs::write(
            &p,
            entry("V5", "contract = \"v1.0\"") + &entry("C1", "contract = \"v3\""),
        )
        .unwrap();
        let e = load(&p, &both).unwrap_err();
        assert!(e[0].message.contains("unknown rule `V5`"), "{}", e[0]);
        assert!(e[0].to_string().contains("v1.0: C1..C14"), "{}", e[0]);
        assert!(e[1].message.contains("no contract `v3`"), "{}", e[1]);
    }
}
