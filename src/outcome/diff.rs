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

/// What a diff keeps of one body: the ids and each item's members as hashes, the first
/// few ids as they are, the error code and the total.
#[derive(Debug, Default, PartialEq, Eq)]
struct Reduced {
    ids: Vec<u64>,
    first_ids: Vec<String>,
    members: Vec<u64>,
    error_code: Option<String>,
    total: Option<String>,
}

/// The list's member, the id member, and the members an error code and a total are read
/// from, in order of preference.
const LIST: &str = "instances";
const ID: &str = "instance_id";
const ERROR_CODE: &str = "error_code";
const TOTALS: [&str; 2] = ["instance_num", "count"];

impl Reduced {
    /// From a parsed body.
    fn of_value(body: &Value, skip: &[&str]) -> Reduced {
        let items: &[Value] = body
            .get(LIST)
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        let id_of = |i: &Value| i.get(ID).cloned().unwrap_or(Value::Null);
        Reduced {
            ids: items.iter().map(|i| hash_of(&id_of(i), &[])).collect(),
            first_ids: items
                .iter()
                .take(SHOWN_IDS)
                .map(|i| id_of(i).as_str().unwrap_or("?").to_string())
                .collect(),
            members: items.iter().map(|i| hash_of(i, skip)).collect(),
            error_code: body
                .get(ERROR_CODE)
                .or_else(|| body.pointer("/error/code"))
                .map(code_text),
            total: TOTALS
                .iter()
                .find_map(|t| body.get(*t))
                .map(Value::to_string),
        }
    }

    /// From a raw body, in one streaming pass that builds no tree: the same hashes as
    /// [`Reduced::of_value`] (a large account's answers are read several times faster).
    /// A body that is not a JSON object reduces to nothing, as it does parsed.
    fn of_raw(raw: &[u8], skip: &[&str]) -> Reduced {
        use serde::de::DeserializeSeed;
        let mut out = Reduced::default();
        let mut de = serde_json::Deserializer::from_slice(raw);
        match (Top {
            skip,
            out: &mut out,
        })
        .deserialize(&mut de)
        .and_then(|()| de.end())
        {
            Ok(()) => out,
            Err(_) => Reduced::default(),
        }
    }
}

fn code_text(c: &Value) -> String {
    c.as_str().map_or_else(|| c.to_string(), String::from)
}

/// The body's top level: the list item by item, the error code and the total.
struct Top<'a> {
    skip: &'a [&'a str],
    out: &'a mut Reduced,
}

impl<'de> serde::de::DeserializeSeed<'de> for Top<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Top<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (mut code, mut nested_code) = (None, None);
        let mut totals: [Option<String>; 2] = [None, None];
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == LIST {
                map.next_value_seed(Items {
                    skip: self.skip,
                    out: &mut *self.out,
                })?;
            } else if key == ERROR_CODE {
                code = Some(code_text(&map.next_value::<Value>()?));
            } else if key == "error" {
                let v: Value = map.next_value()?;
                nested_code = v.get("code").map(code_text);
            } else if let Some(at) = TOTALS.iter().position(|t| key == *t) {
                totals[at] = Some(map.next_value::<Value>()?.to_string());
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        self.out.error_code = code.or(nested_code);
        let [first, second] = totals;
        self.out.total = first.or(second);
        Ok(())
    }
}

/// The list: each item's id and members hashed as it streams by.
struct Items<'a> {
    skip: &'a [&'a str],
    out: &'a mut Reduced,
}

impl<'de> serde::de::DeserializeSeed<'de> for Items<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Items<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            let mut id = Value::Null;
            let Some(members) = seq.next_element_seed(Hashed {
                skip: self.skip,
                id: Some(&mut id),
            })?
            else {
                return Ok(());
            };
            self.out.ids.push(hash_of(&id, &[]));
            if self.out.first_ids.len() < SHOWN_IDS {
                self.out
                    .first_ids
                    .push(id.as_str().unwrap_or("?").to_string());
            }
            self.out.members.push(members);
        }
    }
    // A list member that is no list holds no items, as `as_array` finds none.
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
}

/// [`hash_of`] of a value as it streams by; for an item, its id is kept too.
struct Hashed<'a> {
    skip: &'a [&'a str],
    id: Option<&'a mut Value>,
}

fn fnv(f: impl FnOnce(&mut Fnv)) -> u64 {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    f(&mut h);
    h.finish()
}

impl<'de> serde::de::DeserializeSeed<'de> for Hashed<'_> {
    type Value = u64;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Hashed<'_> {
    type Value = u64;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<u64, E> {
        Ok(fnv(|h| 0u8.hash(h)))
    }
    fn visit_bool<E>(self, b: bool) -> Result<u64, E> {
        Ok(fnv(|h| (1u8, b).hash(h)))
    }
    fn visit_u64<E>(self, n: u64) -> Result<u64, E> {
        Ok(fnv(|h| (2u8, n.to_string()).hash(h)))
    }
    fn visit_i64<E>(self, n: i64) -> Result<u64, E> {
        Ok(fnv(|h| (2u8, n.to_string()).hash(h)))
    }
    fn visit_f64<E>(self, n: f64) -> Result<u64, E> {
        let text = serde_json::Number::from_f64(n).map_or_else(String::new, |n| n.to_string());
        Ok(fnv(|h| (2u8, text).hash(h)))
    }
    fn visit_str<E>(self, s: &str) -> Result<u64, E> {
        Ok(fnv(|h| (3u8, s).hash(h)))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<u64, A::Error> {
        let mut each = Vec::new();
        while let Some(x) = seq.next_element_seed(Hashed {
            skip: &[],
            id: None,
        })? {
            each.push(x);
        }
        Ok(fnv(|h| {
            (4u8, each.len()).hash(h);
            for x in each {
                x.hash(h);
            }
        }))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<u64, A::Error> {
        let mut sum = 0u64;
        let mut id = self.id;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let value = match id.as_deref_mut() {
                Some(slot) if key == ID => {
                    *slot = map.next_value::<Value>()?;
                    hash_of(slot, &[])
                }
                _ => map.next_value_seed(Hashed {
                    skip: &[],
                    id: None,
                })?,
            };
            if !self.skip.contains(&&*key) {
                let key: &str = &key;
                sum = sum.wrapping_add(fnv(|h| (key, value).hash(h)));
            }
        }
        Ok(fnv(|h| (5u8, sum).hash(h)))
    }
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
                let reduced = match &q.body {
                    Some(body) => Reduced::of_value(body, &set_aside),
                    None => Reduced::of_raw(&q.raw, &set_aside),
                };
                Answer {
                    path: q.path.replace(project, "<project>"),
                    status: q.status,
                    transport: q.error.as_ref().map(std::string::ToString::to_string),
                    error_code: reduced.error_code,
                    ids: reduced.ids,
                    first_ids: reduced.first_ids,
                    total: reduced.total,
                    members: reduced.members,
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
            observed: observed
                .iter()
                .map(std::string::ToString::to_string)
                .collect(),
            answers: vec![Answer {
                path: "/v1.0/<project>/instances?name=a".into(),
                status: Some(200),
                ids: ids.iter().map(|i| hash_of(&Value::from(*i), &[])).collect(),
                first_ids: ids.iter().map(std::string::ToString::to_string).collect(),
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

    /// The streaming pass and the parsed tree reduce a body alike: the same hashes, ids,
    /// error code and total; a body that is no object reduces to nothing either way.
    #[test]
    fn a_raw_body_reduces_as_its_parsed_tree_does() {
        let bodies = [
            r#"{"instance_num": 2, "instances": [
                {"instance_id": "a", "name": "x", "used_memory": 5, "capacity": 1.5,
                 "port": -1, "big": 18446744073709551615, "tags": [{"key": "k", "value": null}],
                 "ok": true, "nested": {"b": [1, 2.25e10, "s"]}},
                {"name": "no id"},
                7]}"#,
            r#"{"error_code": "DCS.4800", "error_msg": "bad", "count": 3}"#,
            r#"{"error": {"code": 401, "message": "no"}}"#,
            r#"{"instances": {"not": "a list"}, "count": 1, "instance_num": 2}"#,
            r"[1, 2]",
            r#"{"instances": [ {"instance_id": "a"} "#,
        ];
        let skip = ["used_memory"];
        for raw in bodies {
            let parsed = serde_json::from_str::<Value>(raw)
                .map(|v| Reduced::of_value(&v, &skip))
                .unwrap_or_default();
            assert_eq!(Reduced::of_raw(raw.as_bytes(), &skip), parsed, "{raw}");
        }
        let r = Reduced::of_raw(bodies[0].as_bytes(), &skip);
        assert_eq!(
            (r.ids.len(), r.first_ids.clone()),
            (3, vec!["a".to_string(), "?".into(), "?".into()])
        );
        assert_eq!(r.total.as_deref(), Some("2"));
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
