//! Two targets asked the same questions (`conform diff`): each side's results, judged
//! by the same checks against each side's own account, compared case by case and
//! request by request. A divergence is one of four kinds:
//!
//! - **contract**: one side breaks a rule the other keeps (the rules named are the
//!   findings' and the case's own);
//! - **reading**: both keep the contract, but follow different readings of a point the
//!   page leaves open (the observations differ): reported as a reading, never as a fault;
//! - **answer**: both keep the contract with the same readings, but the answers differ
//!   (status, error code, media type, ids in order, the total, an instance's members
//!   after the volatile ones are set aside): the two accounts, or the two services, differ;
//! - **moved**: an answer divergence where either side saw its account move while it was
//!   read: each side was re-checked against its own account as in a run, so the
//!   difference is reported apart, as evidence about the accounts, not the services.
//!
//! Bodies are reduced to an [`Answer`] as each result arrives, so a diff of large
//! accounts never holds two runs' bodies at once.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{CaseResult, Verdict};

/// One answer, reduced to what a diff compares.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answer {
    /// Path and query, as sent (the project id replaced by `<project>`).
    pub path: String,
    pub status: Option<u16>,
    /// A transport error instead of an answer, in words.
    pub transport: Option<String>,
    pub error_code: Option<String>,
    /// The ids of the list, in order.
    pub ids: Vec<String>,
    pub total: Option<String>,
    /// Each instance's members, volatile ones set aside, as compact JSON, by id.
    pub members: BTreeMap<String, String>,
}

/// One side's result of one case, reduced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    pub verdict: Verdict,
    /// Rules of the findings, with their first message.
    pub broken: Vec<(String, String)>,
    /// The observations, in words (`C2: reading followed: ...`).
    pub observed: Vec<String>,
    pub answers: Vec<Answer>,
    /// The account was seen moving while this case was judged.
    pub moved: bool,
    /// The curl line of the case's first request, as this side would send it.
    pub curl: Option<String>,
}

impl Side {
    /// Reduces a result: `mask` names the members set aside (the contract's volatile
    /// ones, `.instances[].used_memory`), `project` the project id to hide in paths.
    pub fn of(r: &CaseResult, project: &str, mask: &[String], curl: Option<String>) -> Side {
        let set_aside: Vec<&str> = mask
            .iter()
            .filter_map(|m| m.strip_prefix(".instances[]."))
            .collect();
        let answers = r
            .requests
            .iter()
            .map(|q| {
                let body = q.body.as_ref();
                let list = body
                    .and_then(|b| b.get("instances"))
                    .and_then(Value::as_array);
                let id_of = |i: &Value| {
                    i.get("instance_id")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                let members = list
                    .map(|l| {
                        l.iter()
                            .map(|i| {
                                let mut i = i.clone();
                                if let Some(o) = i.as_object_mut() {
                                    for m in &set_aside {
                                        o.remove(*m);
                                    }
                                }
                                (id_of(&i), i.to_string())
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Answer {
                    path: q.path.replace(project, "<project>"),
                    status: q.status,
                    transport: q.error.as_ref().map(|e| e.to_string()),
                    error_code: body
                        .and_then(|b| b.get("error_code").or_else(|| b.pointer("/error/code")))
                        .map(|c| c.as_str().map_or_else(|| c.to_string(), String::from)),
                    ids: list.map(|l| l.iter().map(id_of).collect()).unwrap_or_default(),
                    total: body
                        .and_then(|b| b.get("instance_num").or_else(|| b.get("count")))
                        .map(Value::to_string),
                    members,
                }
            })
            .collect();
        Side {
            verdict: r.verdict,
            broken: r
                .findings
                .iter()
                .map(|f| (f.rule.to_string(), f.message.clone()))
                .collect(),
            observed: r
                .observations
                .iter()
                .map(|o| format!("{}: {}", o.rule, o.message))
                .collect(),
            answers,
            moved: !r.sightings.is_empty(),
            curl,
        }
    }
}

/// What kind of divergence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Contract,
    Reading,
    Answer,
    Moved,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Contract => "contract",
            Kind::Reading => "reading",
            Kind::Answer => "answer",
            Kind::Moved => "moved",
        }
    }
}

/// One case on which the two sides differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    pub case: String,
    pub kind: Kind,
    /// The rules or points it is about: the findings' rules first, then the case's.
    pub rules: Vec<String>,
    /// What differs, in words, left first.
    pub what: String,
    /// The request that shows it (path and query, the project hidden).
    pub request: String,
    /// The curl lines of that request, left and right.
    pub curl: (Option<String>, Option<String>),
}

impl Divergence {
    /// The key divergences are grouped by: the kind and the first rule.
    pub fn group(&self) -> String {
        format!(
            "{} {}",
            self.kind.name(),
            self.rules.first().map_or("-", String::as_str)
        )
    }
}

/// Compares one case's two sides; `None` when they agree. `rules` are the case's own.
pub fn compare(case: &str, rules: &[String], left: &Side, right: &Side) -> Option<Divergence> {
    let shortest = |a: &Side| {
        a.answers
            .iter()
            .map(|x| x.path.clone())
            .min_by_key(String::len)
            .unwrap_or_default()
    };
    let with_rules = |first: Vec<String>| {
        let mut all = first;
        for r in rules {
            if !all.contains(r) {
                all.push(r.clone());
            }
        }
        all
    };
    let make = |kind, rules: Vec<String>, what: String, request: String| Divergence {
        case: case.to_string(),
        kind,
        rules,
        what,
        request,
        curl: (left.curl.clone(), right.curl.clone()),
    };
    let failing = |s: &Side| matches!(s.verdict, Verdict::Fail | Verdict::Error);
    if left.broken != right.broken || failing(left) != failing(right) {
        let (who, side) = if right.broken.len() >= left.broken.len() {
            ("right", right)
        } else {
            ("left", left)
        };
        let broken: Vec<String> = side.broken.iter().map(|(r, _)| r.clone()).collect();
        let mut first: Vec<String> = Vec::new();
        for r in broken {
            if !first.contains(&r) {
                first.push(r);
            }
        }
        let said = side
            .broken
            .first()
            .map_or_else(|| format!("{:?}", side.verdict), |(r, m)| format!("{r}: {m}"));
        let other = if who == "right" { left } else { right };
        return Some(make(
            Kind::Contract,
            with_rules(first),
            format!(
                "the {who} side breaks what the other keeps ({} against {}): {said}",
                side.verdict.name(),
                other.verdict.name()
            ),
            shortest(side),
        ));
    }
    if left.observed != right.observed {
        let only = |a: &Side, b: &Side| -> Vec<String> {
            a.observed
                .iter()
                .filter(|o| !b.observed.contains(o))
                .cloned()
                .collect()
        };
        let (l, r) = (only(left, right), only(right, left));
        // The right side's own observations first: the side under test.
        let point = r
            .iter()
            .chain(&l)
            .filter_map(|o| o.split(':').next())
            .map(String::from)
            .next();
        return Some(make(
            Kind::Reading,
            with_rules(point.into_iter().collect()),
            format!(
                "another reading of a point the page leaves open: left {}; right {}",
                said(&l),
                said(&r)
            ),
            shortest(left),
        ));
    }
    let pairs = left.answers.iter().zip(&right.answers);
    for (a, b) in pairs.filter(|(a, b)| a.path == b.path) {
        let what = if a.status != b.status || a.transport != b.transport {
            format!(
                "status {} against {}",
                status_words(a),
                status_words(b)
            )
        } else if a.error_code != b.error_code {
            format!(
                "error code {} against {}",
                a.error_code.as_deref().unwrap_or("none"),
                b.error_code.as_deref().unwrap_or("none")
            )
        } else if a.ids != b.ids {
            format!(
                "instances {} against {}",
                ids_words(&a.ids),
                ids_words(&b.ids)
            )
        } else if a.total != b.total {
            format!(
                "total {} against {}",
                a.total.as_deref().unwrap_or("none"),
                b.total.as_deref().unwrap_or("none")
            )
        } else if a.members != b.members {
            let id = a
                .members
                .iter()
                .find(|(k, v)| b.members.get(*k) != Some(v))
                .map_or("?", |(k, _)| k.as_str());
            format!("the members of instance {id} differ")
        } else {
            continue;
        };
        let kind = if left.moved || right.moved {
            Kind::Moved
        } else {
            Kind::Answer
        };
        return Some(make(kind, with_rules(Vec::new()), what, a.path.clone()));
    }
    if left.answers.len() != right.answers.len() {
        return Some(make(
            Kind::Answer,
            with_rules(Vec::new()),
            format!(
                "{} requests against {}",
                left.answers.len(),
                right.answers.len()
            ),
            shortest(left),
        ));
    }
    None
}

fn said(v: &[String]) -> String {
    if v.is_empty() {
        "the contract's own".into()
    } else {
        v.join("; ")
    }
}

fn status_words(a: &Answer) -> String {
    match (&a.transport, a.status) {
        (Some(t), _) => format!("({t})"),
        (None, Some(s)) => s.to_string(),
        (None, None) => "none".into(),
    }
}

fn ids_words(ids: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut v: Vec<&str> = ids.iter().take(SHOWN).map(String::as_str).collect();
    if ids.len() > SHOWN {
        v.push("...");
    }
    format!("[{}] ({})", v.join(", "), ids.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(verdict: Verdict, broken: &[&str], observed: &[&str], ids: &[&str]) -> Side {
        Side {
            verdict,
            broken: broken.iter().map(|r| (r.to_string(), "why".into())).collect(),
            observed: observed.iter().map(|o| o.to_string()).collect(),
            answers: vec![Answer {
                path: "/v1.0/<project>/instances?name=a".into(),
                status: Some(200),
                ids: ids.iter().map(|i| i.to_string()).collect(),
                ..Answer::default()
            }],
            moved: false,
            curl: None,
        }
    }

    #[test]
    fn the_same_behaviour_agrees_and_each_difference_has_its_kind() {
        let rules = vec!["C2".to_string()];
        let a = side(Verdict::Pass, &[], &[], &["a1", "a2"]);
        assert_eq!(compare("x", &rules, &a, &a.clone()), None);
        let broken = side(Verdict::Fail, &["C11"], &[], &["a1"]);
        let d = compare("x", &rules, &a, &broken).unwrap();
        assert_eq!((d.kind, d.rules.clone()), (Kind::Contract, vec!["C11".into(), "C2".into()]));
        assert!(d.what.starts_with("the right side breaks"), "{}", d.what);
        let read = side(Verdict::Pass, &[], &["C2: reading followed: ignore_case"], &["a1", "a2"]);
        let d = compare("x", &rules, &a, &read).unwrap();
        assert_eq!((d.kind, d.rules[0].as_str()), (Kind::Reading, "C2"));
        let other = side(Verdict::Pass, &[], &[], &["a2", "a1"]);
        let d = compare("x", &rules, &a, &other).unwrap();
        assert_eq!(d.kind, Kind::Answer);
        assert!(d.what.contains("[a1, a2] (2) against [a2, a1] (2)"), "{}", d.what);
        let moved = Side {
            moved: true,
            ..other
        };
        assert_eq!(compare("x", &rules, &a, &moved).unwrap().kind, Kind::Moved);
    }
}
