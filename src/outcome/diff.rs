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

use std::hash::{Hash, Hasher};

use serde_json::Value;

use super::{CaseResult, Verdict};

/// One answer, reduced to what a diff compares.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Answer {
    /// Path and query, as sent (the project id replaced by `<project>`).
    pub path: String,
    pub status: Option<u16>,
    /// A transport error instead of an answer, in words.
    pub transport: Option<String>,
    pub error_code: Option<String>,
    /// The ids of the list, in order, as hashes (a large account's lists are never kept
    /// as text), and the first few as they are, for messages.
    pub ids: Vec<u64>,
    pub first_ids: Vec<String>,
    pub total: Option<String>,
    /// Each instance's members, volatile ones set aside, as a hash, in list order.
    pub members: Vec<u64>,
}

/// Ids shown in a message.
const SHOWN_IDS: usize = 3;

/// FNV-1a, 64 bits: fast for the short strings of an answer, and the same in every
/// process (both sides are hashed in one anyway).
struct Fnv(u64);

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A hash of a JSON value that does not depend on the order of an object's members (a
/// member's hash is summed, so no sorting): `skip` names top-level members set aside.
fn hash_of(v: &Value, skip: &[&str]) -> u64 {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    match v {
        Value::Null => 0u8.hash(&mut h),
        Value::Bool(b) => (1u8, b).hash(&mut h),
        Value::Number(n) => (2u8, n.to_string()).hash(&mut h),
        Value::String(s) => (3u8, s).hash(&mut h),
        Value::Array(a) => {
            (4u8, a.len()).hash(&mut h);
            for x in a {
                hash_of(x, &[]).hash(&mut h);
            }
        }
        Value::Object(o) => {
            let sum = o
                .iter()
                .filter(|(k, _)| !skip.contains(&k.as_str()))
                .map(|(k, x)| {
                    let mut m = Fnv(0xcbf2_9ce4_8422_2325);
                    (k, hash_of(x, &[])).hash(&mut m);
                    m.finish()
                })
                .fold(0u64, u64::wrapping_add);
            (5u8, sum).hash(&mut h);
        }
    }
    h.finish()
}

/// One side's result of one case, reduced.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
                let items: &[Value] = list.map_or(&[], Vec::as_slice);
                let id_of = |i: &Value| i.get("instance_id").cloned().unwrap_or(Value::Null);
                Answer {
                    path: q.path.replace(project, "<project>"),
                    status: q.status,
                    transport: q.error.as_ref().map(|e| e.to_string()),
                    error_code: body
                        .and_then(|b| b.get("error_code").or_else(|| b.pointer("/error/code")))
                        .map(|c| c.as_str().map_or_else(|| c.to_string(), String::from)),
                    ids: items.iter().map(|i| hash_of(&id_of(i), &[])).collect(),
                    first_ids: items
                        .iter()
                        .take(SHOWN_IDS)
                        .map(|i| id_of(i).as_str().unwrap_or("?").to_string())
                        .collect(),
                    total: body
                        .and_then(|b| b.get("instance_num").or_else(|| b.get("count")))
                        .map(Value::to_string),
                    members: items.iter().map(|i| hash_of(i, &set_aside)).collect(),
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
            // A move that excused a finding is a fact about the account, not a reading.
            observed: r
                .observations
                .iter()
                .filter(|o| !o.message.starts_with(super::MOVED_EXCUSE))
                .map(|o| format!("{}: {}", o.rule, o.message))
                .collect(),
            answers,
            moved: !r.sightings.is_empty()
                || r.observations
                    .iter()
                    .any(|o| o.message.starts_with(super::MOVED_EXCUSE)),
            curl,
        }
    }

    /// The side as behaviour alone: how many ids, not which; no members. What compares
    /// between two different accounts, or with an answer anonymised by a key not at hand.
    pub fn behaviour(&self) -> Side {
        let mut s = self.clone();
        for a in &mut s.answers {
            a.ids.iter_mut().for_each(|h| *h = 0);
            a.first_ids.clear();
            a.members.clear();
        }
        s
    }
}

/// What kind of divergence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Contract,
    Reading,
    Answer,
    Moved,
    /// Two list contracts differ where their pages say they may (`diff --across`):
    /// reported with the reason, never a failure.
    Expected,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Contract => "contract",
            Kind::Reading => "reading",
            Kind::Answer => "answer",
            Kind::Moved => "moved",
            Kind::Expected => "expected",
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
    // The rules broken, not the messages: those name the account's own values.
    let rules_of = |s: &Side| s.broken.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>();
    if rules_of(left) != rules_of(right) || failing(left) != failing(right) {
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
        let said = side.broken.first().map_or_else(
            || format!("{:?}", side.verdict),
            |(r, m)| format!("{r}: {m}"),
        );
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
        // Which readings an answer shows depends on the data it holds: on an account
        // that moved, a different set is evidence about the account first.
        let kind = if left.moved || right.moved {
            Kind::Moved
        } else {
            Kind::Reading
        };
        return Some(make(
            kind,
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
            format!("status {} against {}", status_words(a), status_words(b))
        } else if a.error_code != b.error_code {
            format!(
                "error code {} against {}",
                a.error_code.as_deref().unwrap_or("none"),
                b.error_code.as_deref().unwrap_or("none")
            )
        } else if a.ids != b.ids {
            format!("instances {} against {}", ids_words(a), ids_words(b))
        } else if a.total != b.total {
            format!(
                "total {} against {}",
                a.total.as_deref().unwrap_or("none"),
                b.total.as_deref().unwrap_or("none")
            )
        } else if a.members != b.members {
            let at = a
                .members
                .iter()
                .zip(&b.members)
                .position(|(x, y)| x != y)
                .unwrap_or(0);
            let id = a
                .first_ids
                .get(at)
                .map_or(String::new(), |i| format!(" ({i})"));
            format!(
                "the members of the instance at position {}{id} differ",
                at + 1
            )
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

fn ids_words(a: &Answer) -> String {
    let mut v: Vec<&str> = a.first_ids.iter().map(String::as_str).collect();
    if a.ids.len() > SHOWN_IDS {
        v.push("...");
    }
    format!("[{}] ({})", v.join(", "), a.ids.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(verdict: Verdict, broken: &[&str], observed: &[&str], ids: &[&str]) -> Side {
        Side {
            verdict,
            broken: broken
                .iter()
                .map(|r| (r.to_string(), "why".into()))
                .collect(),
            observed: observed.iter().map(|o| o.to_string()).collect(),
            answers: vec![Answer {
                path: "/v1.0/<project>/instances?name=a".into(),
                status: Some(200),
                ids: ids.iter().map(|i| hash_of(&Value::from(*i), &[])).collect(),
                first_ids: ids.iter().map(|i| i.to_string()).collect(),
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
        assert_eq!(
            (d.kind, d.rules.clone()),
            (Kind::Contract, vec!["C11".into(), "C2".into()])
        );
        assert!(d.what.starts_with("the right side breaks"), "{}", d.what);
        let read = side(
            Verdict::Pass,
            &[],
            &["C2: reading followed: ignore_case"],
            &["a1", "a2"],
        );
        let d = compare("x", &rules, &a, &read).unwrap();
        assert_eq!((d.kind, d.rules[0].as_str()), (Kind::Reading, "C2"));
        let other = side(Verdict::Pass, &[], &[], &["a2", "a1"]);
        let d = compare("x", &rules, &a, &other).unwrap();
        assert_eq!(d.kind, Kind::Answer);
        assert!(
            d.what.contains("[a1, a2] (2) against [a2, a1] (2)"),
            "{}",
            d.what
        );
        let moved = Side {
            moved: true,
            ..other
        };
        assert_eq!(compare("x", &rules, &a, &moved).unwrap().kind, Kind::Moved);
    }

    #[test]
    fn a_digest_sets_volatile_members_aside_and_ignores_member_order() {
        let a = serde_json::json!({"id": "a", "used_memory": 1, "tags": [1, 2]});
        let b = serde_json::json!({"tags": [1, 2], "used_memory": 9, "id": "a"});
        assert_ne!(hash_of(&a, &[]), hash_of(&b, &[]));
        assert_eq!(hash_of(&a, &["used_memory"]), hash_of(&b, &["used_memory"]));
        let c = serde_json::json!({"id": "a", "used_memory": 1, "tags": [2, 1]});
        assert_ne!(hash_of(&a, &["used_memory"]), hash_of(&c, &["used_memory"]));
    }
}
