//! Two list contracts asked the same question (`conform diff --across`): their answers
//! compared where the pages say they mean the same, every difference the pages document
//! reported as expected with its reason, and everything else as a divergence.

use std::collections::HashSet;

use serde_json::Value;

use super::diff::Kind;
use crate::contract::correspond::Correspond;
use crate::plan::across::Across;

/// One list's answer to a question: every page of it for an unpaged question.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub status: Option<u16>,
    /// A transport error instead of an answer, in words.
    pub transport: Option<String>,
    pub items: Vec<Value>,
    /// The total the (first) answer states.
    pub total: Option<u64>,
}

/// What the comparison knows about the account beyond one answer.
pub struct Facts<'a> {
    pub c: &'a Correspond,
    /// Each list's id member.
    pub ids: (&'a str, &'a str),
    /// The ids the right list shows only with its deleted flag.
    pub deleted: &'a HashSet<String>,
    /// The ids the left list shows under a status only its table has.
    pub table_only: &'a HashSet<String>,
    /// Both lists give their common instances in the same order.
    pub same_order: bool,
}

/// One difference found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub kind: Kind,
    pub rules: Vec<String>,
    pub what: String,
}

fn id(i: &Value, member: &str) -> String {
    i.get(member)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn words(a: &Answer) -> String {
    match (&a.transport, a.status) {
        (Some(t), _) => format!("({t})"),
        (None, Some(s)) => s.to_string(),
        (None, None) => "none".into(),
    }
}

impl Facts<'_> {
    fn expected(&self, id: &str, what: String) -> Found {
        let e = self.c.expected(id);
        Found {
            kind: Kind::Expected,
            rules: e.map(|e| e.rules.clone()).unwrap_or_default(),
            what: format!(
                "{what}: expected, {}",
                e.map_or("documented", |e| e.why.as_str())
            ),
        }
    }
}

/// The differences between the two answers to `q`.
pub fn compare(q: &Across, left: &Answer, right: &Answer, f: &Facts<'_>) -> Vec<Found> {
    if left.status != right.status || left.transport.is_some() || right.transport.is_some() {
        if left.status == right.status && left.transport == right.transport {
            return Vec::new();
        }
        return vec![unexpected(
            q,
            format!("status {} against {}", words(left), words(right)),
        )];
    }
    if !matches!(left.status, Some(200..=299)) {
        return Vec::new();
    }
    if q.unpaged {
        compare_sets(q, left, right, f)
    } else {
        compare_pages(q, left, right, f)
    }
}

fn unexpected(q: &Across, what: String) -> Found {
    Found {
        kind: Kind::Answer,
        rules: q.rules.clone(),
        what,
    }
}

/// Every match of each list: the same instances, each one listed by one list only
/// excused or not, and totals that differ by the excused ones at most.
fn compare_sets(q: &Across, left: &Answer, right: &Answer, f: &Facts<'_>) -> Vec<Found> {
    let (lid, rid) = f.ids;
    let l: Vec<String> = left.items.iter().map(|i| id(i, lid)).collect();
    let r: Vec<String> = right.items.iter().map(|i| id(i, rid)).collect();
    let (ls, rs): (HashSet<&String>, HashSet<&String>) = (l.iter().collect(), r.iter().collect());
    // Named ignoring case only: the term is in the name, but not as written.
    let by_case = |i: &Value| {
        q.name_term.as_deref().is_some_and(|t| {
            let n = i.get("name").and_then(Value::as_str).unwrap_or_default();
            !n.contains(t) && n.to_lowercase().contains(&t.to_lowercase())
        })
    };
    let mut found = Vec::new();
    // Ids excused on each side: the totals may differ by as many.
    let mut excused = [0u64; 2];
    let sides = [(left, &l, &rs), (right, &r, &ls)];
    for (at, (answer, ids, other)) in sides.into_iter().enumerate() {
        let side = if at == 0 { "left" } else { "right" };
        for (item, i) in answer
            .items
            .iter()
            .zip(ids)
            .filter(|(_, i)| !other.contains(i))
        {
            let excuse = if at == 0 && f.deleted.contains(i) {
                Some(("deleted", "and the right lists it only as deleted"))
            } else if f.table_only.contains(i) {
                Some((
                    "status-table",
                    "the left list showing it under a status only its table has",
                ))
            } else if by_case(item) {
                Some(("name-case", "its name matching only ignoring case"))
            } else {
                None
            };
            let what = format!("{i} is listed by the {side} list only");
            found.push(match excuse {
                Some((id, why)) => {
                    excused[at] += 1;
                    f.expected(id, format!("{what}, {why}"))
                }
                None => unexpected(q, what),
            });
        }
    }
    let [left_excused, right_excused] = excused;
    let excused = left
        .total
        .map(|t| (t + right_excused).saturating_sub(left_excused));
    if left.total != right.total && excused != right.total {
        found.push(unexpected(
            q,
            format!("total {} against {}", shown(left.total), shown(right.total)),
        ));
    }
    found
}

/// A page of each list: as long, the same instances in the same order where the lists
/// order alike, and the same total unless the right one counts its page.
fn compare_pages(q: &Across, left: &Answer, right: &Answer, f: &Facts<'_>) -> Vec<Found> {
    let (lid, rid) = f.ids;
    let l: Vec<String> = left.items.iter().map(|i| id(i, lid)).collect();
    let r: Vec<String> = right.items.iter().map(|i| id(i, rid)).collect();
    let mut found = Vec::new();
    if l.len() != r.len() {
        found.push(unexpected(
            q,
            format!("a page of {} instances against {}", l.len(), r.len()),
        ));
    } else if l != r {
        let what = format!(
            "the page holds [{}] against [{}]",
            l.join(", "),
            r.join(", ")
        );
        found.push(if f.same_order {
            unexpected(q, what)
        } else {
            f.expected("order", what)
        });
    }
    if left.total != right.total {
        let what = format!("total {} against {}", shown(left.total), shown(right.total));
        found.push(if right.total == Some(r.len() as u64) {
            f.expected("page-total", what)
        } else {
            unexpected(q, what)
        });
    }
    found
}

fn shown(t: Option<u64>) -> String {
    t.map_or("none".into(), |t| t.to_string())
}

/// Each instance both lists hold, member by member (the correspondence's members;
/// instants compared as instants).
pub fn members(left: &[Value], right: &[Value], f: &Facts<'_>) -> Vec<Found> {
    let (lid, rid) = f.ids;
    let by_id: std::collections::HashMap<String, &Value> =
        right.iter().map(|i| (id(i, rid), i)).collect();
    let mut found = Vec::new();
    for l in left {
        let i = id(l, lid);
        let Some(r) = by_id.get(&i) else { continue };
        for m in &f.c.members {
            let (a, b) = (l.get(m), r.get(m));
            let same = if f.c.instants.contains(m) {
                let t = |v: Option<&Value>| {
                    v.and_then(Value::as_str)
                        .map(crate::base::time::timestamp_nanos)
                };
                t(a) == t(b)
            } else {
                a == b
            };
            if same {
                continue;
            }
            let shown = |v: Option<&Value>| v.map_or("absent".to_string(), Value::to_string);
            let what = format!("{m} of {i}: {} against {}", shown(a), shown(b));
            let left_only_status = m == "status"
                && a.and_then(Value::as_str)
                    .is_some_and(|s| !f.c.statuses.iter().any(|x| x == s));
            found.push(if left_only_status {
                f.expected("status-table", what)
            } else {
                Found {
                    kind: Kind::Answer,
                    rules: vec![m.clone()],
                    what,
                }
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn correspond() -> Correspond {
        crate::contract::correspond::shipped().2
    }

    fn answer(ids: &[(&str, &str)], total: u64) -> Answer {
        Answer {
            status: Some(200),
            transport: None,
            items: ids
                .iter()
                .map(|(i, n)| json!({"instance_id": i, "name": n, "status": "RUNNING"}))
                .collect(),
            total: Some(total),
        }
    }

    fn question(unpaged: bool, name: Option<&str>) -> Across {
        Across {
            name: "across/x".into(),
            left: Vec::new(),
            right: Vec::new(),
            unpaged,
            name_term: name.map(String::from),
            rules: vec!["C2".into(), "V2".into()],
        }
    }

    #[test]
    fn documented_differences_are_expected_and_the_rest_diverges() {
        let c = correspond();
        let deleted: HashSet<String> = ["gone".to_string()].into();
        let f = Facts {
            c: &c,
            ids: ("instance_id", "instance_id"),
            deleted: &deleted,
            table_only: &deleted,
            same_order: true,
        };
        let q = question(true, Some("dcs"));
        let same = answer(&[("a", "dcs-a")], 1);
        assert!(compare(&q, &same, &same.clone(), &f).is_empty());
        // The left list shows a deleted instance: expected, and its total with it.
        let with_deleted = answer(&[("a", "dcs-a"), ("gone", "dcs-g")], 2);
        let found = compare(&q, &with_deleted, &same, &f);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].kind, Kind::Expected);
        assert!(
            found[0].what.contains("include_delete"),
            "{}",
            found[0].what
        );
        // A match ignoring case on one side: expected; any other extra: a divergence.
        let cased = answer(&[("a", "dcs-a"), ("b", "DCS-b")], 2);
        assert_eq!(compare(&q, &same, &cased, &f)[0].kind, Kind::Expected);
        let extra = answer(&[("a", "dcs-a"), ("b", "dcs-b")], 2);
        let found = compare(&q, &same, &extra, &f);
        assert_eq!(found[0].kind, Kind::Answer);
        assert!(
            found[0].what.contains("b is listed by the right list only"),
            "{found:?}"
        );
        // A page: another order is expected only when the lists order differently.
        let page = question(false, None);
        let (ab, ba) = (
            answer(&[("a", "x"), ("b", "y")], 2),
            answer(&[("b", "y"), ("a", "x")], 2),
        );
        assert_eq!(compare(&page, &ab, &ba, &f)[0].kind, Kind::Answer);
        let f2 = Facts {
            same_order: false,
            ..f
        };
        assert_eq!(compare(&page, &ab, &ba, &f2)[0].kind, Kind::Expected);
        // A status: any difference diverges.
        let refused = Answer {
            status: Some(400),
            ..Answer::default()
        };
        assert!(compare(&page, &ab, &refused, &f2)[0]
            .what
            .starts_with("status 200 against 400"));
    }

    #[test]
    fn members_compare_by_meaning() {
        let c = correspond();
        let deleted = HashSet::new();
        let f = Facts {
            c: &c,
            ids: ("instance_id", "instance_id"),
            deleted: &deleted,
            table_only: &deleted,
            same_order: true,
        };
        let l = [
            json!({"instance_id": "a", "created_at": "2026-01-01T00:00:00.5Z", "status": "STARTING", "port": 6379, "domainName": "t"}),
        ];
        let r = [
            json!({"instance_id": "a", "created_at": "2026-01-01T00:00:00.500Z", "status": "RESTARTING", "port": 6380, "domain_name": "h"}),
        ];
        let found = members(&l, &r, &f);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(
            found[0].kind,
            Kind::Expected,
            "STARTING is in the v1.0 table only"
        );
        assert_eq!(
            (found[1].kind, found[1].what.as_str()),
            (Kind::Answer, "port of a: 6379 against 6380")
        );
    }
}
