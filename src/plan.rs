//! Planning: the baseline (the target's own unfiltered list) and the concrete query of
//! each case, with drawn values resolved deterministically against that baseline.

use serde_json::Value;

use crate::case::{Case, Draw, DrawKind, QueryValue};

/// The status the contract calls "creation failed" (C6).
pub const FAILED: &str = "CREATEFAILED";

/// The status table's values (C12), used to draw a status no instance has.
pub const STATUSES: [&str; 12] = [
    "CREATING",
    "CREATEFAILED",
    "RUNNING",
    "ERROR",
    "STARTING",
    "RESTARTING",
    "CLOSING",
    "CLOSED",
    "FROZEN",
    "EXTENDING",
    "RESTORING",
    "FLUSHING",
];

/// What the checks need of one instance. Read leniently: a baseline with a wrong type
/// somewhere is still usable for filtering, and the schema check reports the type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inst {
    pub id: String,
    pub name: String,
    pub status: String,
    pub created_at: String,
    /// created_at in nanoseconds since the epoch (`i128::MIN` when it does not parse),
    /// computed once: ordering (C8) compares it many times.
    pub at: i128,
}

impl Inst {
    pub fn new(id: &str, name: &str, status: &str, created_at: &str) -> Inst {
        Inst {
            id: id.into(),
            name: name.into(),
            status: status.into(),
            created_at: created_at.into(),
            at: crate::check::order::timestamp_nanos(created_at),
        }
    }

    pub fn from_json(v: &Value) -> Option<Inst> {
        let text = |k: &str| match v.get(k) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        let created_at = text("created_at").unwrap_or_default();
        Some(Inst {
            id: text("instance_id")?,
            name: text("name").unwrap_or_default(),
            status: text("status").unwrap_or_default(),
            at: crate::check::order::timestamp_nanos(&created_at),
            created_at,
        })
    }

    pub fn failed(&self) -> bool {
        self.status == FAILED
    }
}

/// The unfiltered list of one project, every page, failed instances included.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    pub instances: Vec<Inst>,
    /// instance_id → position in `instances`, so lookups stay O(1) on large accounts.
    index: std::collections::HashMap<String, usize, foldhash::fast::RandomState>,
}

impl Baseline {
    /// Builds a baseline, kept in contract order (C8) so that every expected list is a
    /// filter of it, never a fresh sort; a repeated instance_id keeps its first occurrence.
    pub fn new(mut list: Vec<Inst>) -> Baseline {
        crate::check::order::sort_contract(&mut list);
        let mut index =
            std::collections::HashMap::with_capacity_and_hasher(list.len(), Default::default());
        let mut instances = Vec::with_capacity(list.len());
        for inst in list {
            if !index.contains_key(&inst.id) {
                index.insert(inst.id.clone(), instances.len());
                instances.push(inst);
            }
        }
        Baseline { instances, index }
    }

    pub fn get(&self, id: &str) -> Option<&Inst> {
        self.index.get(id).map(|i| &self.instances[*i])
    }

    /// Where an instance sits in `instances`.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    pub fn len(&self) -> usize {
        self.instances.len()
    }

    pub fn is_empty(&self) -> bool {
        self.instances.is_empty()
    }

    fn visible(&self) -> impl Iterator<Item = &Inst> {
        self.instances.iter().filter(|i| !i.failed())
    }
}

/// Why a draw found no value in this baseline: the case is skipped with this notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsatisfiable(pub String);

/// Resolves every drawn value of a case against the main project's baseline.
pub fn resolve_query(
    case: &Case,
    baseline: &Baseline,
) -> Result<Vec<(String, String)>, Unsatisfiable> {
    case.query
        .iter()
        .map(|p| match &p.value {
            QueryValue::Literal(v) => Ok((p.name.clone(), v.clone())),
            QueryValue::Drawn(d) => draw(d, baseline).map(|v| (p.name.clone(), v)),
        })
        .collect()
}

fn pick(mut candidates: Vec<String>, d: &Draw, what: &str) -> Result<String, Unsatisfiable> {
    candidates.sort();
    candidates.dedup();
    if candidates.is_empty() {
        let narrowed = d
            .containing
            .as_deref()
            .map(|c| format!(" containing {c:?}"))
            .unwrap_or_default();
        return Err(Unsatisfiable(format!(
            "draw `{}`: the target's data has no {what}{narrowed}",
            d.kind.name()
        )));
    }
    let i = d.nth.unwrap_or(candidates.len() / 2) % candidates.len();
    Ok(candidates.swap_remove(i))
}

/// Draws one value. Every rule here depends only on the baseline, so the same data
/// gives the same requests.
pub fn draw(d: &Draw, b: &Baseline) -> Result<String, Unsatisfiable> {
    let contains = |name: &str| d.containing.as_deref().is_none_or(|c| name.contains(c));
    let names = || -> Vec<&str> {
        b.visible()
            .map(|i| i.name.as_str())
            .filter(|n| !n.is_empty())
            .collect()
    };
    match d.kind {
        DrawKind::Name => pick(
            names()
                .into_iter()
                .filter(|n| contains(n))
                .map(String::from)
                .collect(),
            d,
            "visible instance name",
        ),
        DrawKind::NameUnicode => pick(
            names()
                .into_iter()
                .filter(|n| contains(n) && !n.is_ascii())
                .map(String::from)
                .collect(),
            d,
            "name with a non-ASCII character",
        ),
        DrawKind::NameInfix => {
            let all = names();
            let mut infixes = Vec::new();
            for n in &all {
                let chars: Vec<char> = n.chars().collect();
                for len in 3..=5 {
                    for start in 1..chars.len().saturating_sub(len - 1) {
                        let s: String = chars[start..start + len].iter().collect();
                        // Found inside this name, and a prefix of no name at all: a
                        // prefix-only matcher returns nothing for it.
                        if s.trim() == s && !all.iter().any(|m| m.starts_with(&s)) {
                            infixes.push(s);
                        }
                    }
                }
            }
            pick(infixes, d, "name with an inner substring")
        }
        DrawKind::NameSubstring => pick(
            shared_substrings(&names()),
            d,
            "substring shared by several names",
        ),
        DrawKind::NamePrefix => {
            let all = names();
            let prefixes = all
                .iter()
                .filter(|n| {
                    contains(n) && all.iter().any(|m| m.len() > n.len() && m.starts_with(**n))
                })
                .map(|n| n.to_string())
                .collect();
            pick(prefixes, d, "name that is a prefix of another name")
        }
        DrawKind::NameOtherCase => {
            let all: Vec<&str> = b.instances.iter().map(|i| i.name.as_str()).collect();
            let variants = names()
                .into_iter()
                .filter(|n| contains(n))
                .filter_map(|n| {
                    let flipped: String = n
                        .chars()
                        .map(|c| {
                            if c.is_uppercase() {
                                c.to_lowercase().next().unwrap_or(c)
                            } else {
                                c.to_uppercase().next().unwrap_or(c)
                            }
                        })
                        .collect();
                    (flipped != n && !all.contains(&flipped.as_str())).then_some(flipped)
                })
                .collect();
            pick(variants, d, "name with letters")
        }
        DrawKind::FailedName => pick(
            b.instances
                .iter()
                .filter(|i| i.failed() && !i.name.is_empty() && contains(&i.name))
                .map(|i| i.name.clone())
                .collect(),
            d,
            "CREATEFAILED instance",
        ),
        DrawKind::AbsentName => {
            let mut candidate = String::from("zq-conform-absent");
            while b.instances.iter().any(|i| i.name.contains(&candidate)) {
                candidate.push('x');
            }
            Ok(candidate)
        }
        DrawKind::Status => {
            let mut counts: Vec<(usize, &str)> = Vec::new();
            for i in b.visible() {
                match counts.iter_mut().find(|(_, s)| *s == i.status) {
                    Some(c) => c.0 += 1,
                    None => counts.push((1, &i.status)),
                }
            }
            // Most frequent first, then by name: deterministic, and the status that
            // filters out the fewest instances tests completeness hardest.
            counts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
            match d.nth {
                None => counts.first().map(|(_, s)| s.to_string()).ok_or_else(|| {
                    Unsatisfiable("draw `status`: the target's data has no visible instance".into())
                }),
                Some(_) => pick(
                    counts.iter().map(|(_, s)| s.to_string()).collect(),
                    d,
                    "status",
                ),
            }
        }
        DrawKind::AbsentStatus => pick(
            STATUSES
                .iter()
                .filter(|s| !b.instances.iter().any(|i| i.status == **s))
                .map(|s| s.to_string())
                .collect(),
            d,
            "status left unused (every status of the table is present)",
        ),
        DrawKind::Id => pick(
            b.visible().map(|i| i.id.clone()).collect(),
            d,
            "visible instance",
        ),
        DrawKind::FailedId => pick(
            b.instances
                .iter()
                .filter(|i| i.failed())
                .map(|i| i.id.clone())
                .collect(),
            d,
            "CREATEFAILED instance",
        ),
        DrawKind::AbsentId => {
            let mut n = 0u32;
            loop {
                let id = format!("00000000-0000-4000-8000-{n:012}");
                if b.get(&id).is_none() {
                    return Ok(id);
                }
                n += 1;
            }
        }
        DrawKind::IdPrefix => {
            let ids: Vec<String> = b
                .visible()
                .filter(|i| i.id.chars().count() >= 2)
                .map(|i| {
                    i.id.chars()
                        .take(i.id.chars().count() / 2)
                        .collect::<String>()
                })
                .filter(|p| b.get(p).is_none())
                .collect();
            pick(ids, d, "instance_id long enough to cut")
        }
        DrawKind::PastEnd => Ok((b.visible().count() + 1).to_string()),
        DrawKind::Total => Ok(b.visible().count().max(1).to_string()),
    }
}

/// Substrings (3 to 6 characters) that occur in at least two names but not in all of
/// them, best first: the ones shared by most names. Only a few are returned, in a stable
/// order, so `nth` stays meaningful.
fn shared_substrings(names: &[&str]) -> Vec<String> {
    use std::collections::BTreeMap;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for name in names {
        let chars: Vec<char> = name.chars().collect();
        let mut seen = std::collections::BTreeSet::new();
        for len in 3..=6 {
            for w in chars.windows(len) {
                let s: String = w.iter().collect();
                if s.trim() == s && seen.insert(s.clone()) {
                    *counts.entry(s).or_default() += 1;
                }
            }
        }
    }
    let mut shared: Vec<(usize, String)> = counts
        .into_iter()
        .filter(|(_, c)| *c >= 2 && *c < names.len())
        .map(|(s, c)| (c, s))
        .collect();
    // The longest among the most shared: a longer term says more about the filter.
    shared.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.chars().count().cmp(&a.1.chars().count()))
            .then(a.1.cmp(&b.1))
    });
    shared.truncate(8);
    let mut out: Vec<String> = shared.into_iter().map(|(_, s)| s).collect();
    // `pick` sorts; keep the best first by prefixing nothing: callers use nth over this
    // sorted list, so the default (middle) is still one of the well-shared terms.
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(id: &str, name: &str, status: &str) -> Inst {
        Inst::new(id, name, status, "2020-01-01T00:00:00.000Z")
    }

    fn base() -> Baseline {
        Baseline::new(vec![
            inst("a", "redis-prod", "RUNNING"),
            inst("b", "redis-prod-2", "RUNNING"),
            inst("c", "Redis-Test", "CLOSED"),
            inst("d", "cache x", "RUNNING"),
            inst("e", "broken", FAILED),
        ])
    }

    fn d(kind: DrawKind) -> Draw {
        Draw {
            kind,
            containing: None,
            nth: None,
        }
    }

    #[test]
    fn draws_are_deterministic_and_fit_their_kind() {
        let b = base();
        assert_eq!(draw(&d(DrawKind::NamePrefix), &b).unwrap(), "redis-prod");
        assert_eq!(draw(&d(DrawKind::Status), &b).unwrap(), "RUNNING");
        assert_eq!(draw(&d(DrawKind::FailedId), &b).unwrap(), "e");
        assert_eq!(draw(&d(DrawKind::PastEnd), &b).unwrap(), "5");
        let sub = draw(&d(DrawKind::NameSubstring), &b).unwrap();
        let hits = b
            .instances
            .iter()
            .filter(|i| !i.failed() && i.name.contains(&sub))
            .count();
        assert!((2..4).contains(&hits), "{sub} matched {hits}");
        let other = draw(&d(DrawKind::NameOtherCase), &b).unwrap();
        assert!(b.instances.iter().all(|i| i.name != other));
        assert_eq!(
            draw(&d(DrawKind::NameSubstring), &b),
            draw(&d(DrawKind::NameSubstring), &b)
        );
    }

    #[test]
    fn a_draw_the_data_cannot_satisfy_says_why() {
        let b = Baseline::new(vec![inst("a", "x", "RUNNING")]);
        let e = draw(&d(DrawKind::FailedId), &b).unwrap_err();
        assert!(e.0.contains("no CREATEFAILED instance"), "{e:?}");
        let e = draw(
            &Draw {
                kind: DrawKind::Name,
                containing: Some("+".into()),
                nth: None,
            },
            &b,
        )
        .unwrap_err();
        assert!(e.0.contains("containing \"+\""), "{e:?}");
    }
}
