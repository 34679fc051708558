//! The questions of `conform diff --across`: one question asked of two list contracts
//! under each list's own names (per [`Correspond`]), drawn from the left list's account:
//! each filter alone and with another, the failed instances' flag, pages, and paging
//! values each list must refuse.

use serde_json::Value;

use crate::contract::correspond::Correspond;
use crate::contract::desc::Desc;

/// One question, in each list's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Across {
    pub name: String,
    pub left: Vec<(String, String)>,
    pub right: Vec<(String, String)>,
    /// The left list answers with every match (no page size, none by default): the
    /// right list is walked page by page at its largest page size.
    pub unpaged: bool,
    /// The name term, when the question filters by name (a match ignoring letter case
    /// is then a documented difference).
    pub name_term: Option<String>,
    pub rules: Vec<String>,
}

/// The right list's words for a left question; `None` when a parameter has no
/// counterpart. Paging values translate by the two bases (`start=3` with base 1 is
/// `offset=2` with base 0); a value that is no integer passes as it is.
pub fn translate(
    c: &Correspond,
    left: &Desc,
    right: &Desc,
    query: &[(String, String)],
) -> Option<Vec<(String, String)>> {
    query
        .iter()
        .map(|(k, v)| {
            if *k == c.paging.start.left {
                let (lb, rb) = (
                    i64::from(left.start.as_ref()?.base),
                    i64::from(right.start.as_ref()?.base),
                );
                let v = v
                    .parse::<i64>()
                    .map_or_else(|_| v.clone(), |n| (n - lb + rb).to_string());
                Some((c.paging.start.right.clone(), v))
            } else if *k == c.paging.limit.left {
                Some((c.paging.limit.right.clone(), v.clone()))
            } else {
                c.right_param(k).map(|r| (r.to_string(), v.clone()))
            }
        })
        .collect()
}

/// A question in the left list's words: its name and its pairs.
type Asked = (String, Vec<(String, String)>);

fn pair(k: &str, v: &str) -> (String, String) {
    (k.to_string(), v.to_string())
}

/// The questions for an account whose left list holds `items` (every item, hidden ones
/// included).
pub fn questions(c: &Correspond, left: &Desc, right: &Desc, items: &[Value]) -> Vec<Across> {
    let flag = c
        .param
        .iter()
        .find(|x| left.hidden.iter().any(|h| h.unless.param == x.left))
        .map(|x| x.left.clone());
    let mut asked = filter_questions(c, left, items, flag.as_deref());
    asked.extend(paging_questions(
        c,
        left,
        right,
        items.len(),
        flag.as_deref(),
    ));
    let limit = &c.paging.limit.left;
    let unpaged_by_default = left.limit.as_ref().is_none_or(|l| l.default.is_none());
    asked
        .into_iter()
        .filter_map(|(name, q)| {
            let right_q = translate(c, left, right, &q)?;
            let mut rules: Vec<String> = Vec::new();
            for (k, _) in &q {
                for r in c.rules_of(k) {
                    if !rules.contains(&r) {
                        rules.push(r);
                    }
                }
            }
            Some(Across {
                name: format!("across/{name}"),
                unpaged: unpaged_by_default && !q.iter().any(|(k, _)| k == limit),
                name_term: q.iter().find(|(k, _)| k == "name").map(|(_, v)| v.clone()),
                left: q,
                right: right_q,
                rules,
            })
        })
        .collect()
}

/// Everything; the failed instances' flag; each status both tables hold that the
/// account shows, and one it does not; a name whole, in part and in capitals, exactly;
/// an id and an unknown one.
fn filter_questions(
    c: &Correspond,
    left: &Desc,
    items: &[Value],
    flag: Option<&str>,
) -> Vec<Asked> {
    let text = |i: &Value, m: &str| {
        i.get(m)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let exact = left
        .filters
        .iter()
        .find_map(|f| f.exact.as_ref())
        .map(|e| e.param.clone());
    let mut asked: Vec<Asked> = vec![("everything".into(), Vec::new())];
    if let Some(f) = flag {
        asked.push(("failures-included".into(), vec![pair(f, "true")]));
    }
    let present: Vec<&String> = c
        .statuses
        .iter()
        .filter(|s| {
            items
                .iter()
                .any(|i| i.get("status").and_then(Value::as_str) == Some(s))
        })
        .collect();
    for s in &present {
        asked.push((
            format!("status-{}", s.to_lowercase()),
            vec![pair("status", s)],
        ));
    }
    if let Some(absent) = c.statuses.iter().find(|s| !present.contains(s)) {
        asked.push(("status-absent".into(), vec![pair("status", absent)]));
    }
    if let (Some(f), Some(_)) = (flag, present.first()) {
        asked.push((
            "status-with-failures".into(),
            vec![pair("status", "CREATEFAILED"), pair(f, "true")],
        ));
    }
    if let Some(first) = items.first() {
        let name = text(first, "name");
        let part: String = name.chars().take(4).collect();
        asked.push(("name-whole".into(), vec![pair("name", &name)]));
        asked.push(("name-part".into(), vec![pair("name", &part)]));
        asked.push((
            "name-other-case".into(),
            vec![pair("name", &part.to_uppercase())],
        ));
        if let Some(x) = &exact {
            asked.push((
                "name-exact".into(),
                vec![pair("name", &name), pair(x, "true")],
            ));
            asked.push((
                "name-exact-part".into(),
                vec![pair("name", &part), pair(x, "true")],
            ));
        }
        if let Some(s) = present.first() {
            asked.push((
                "name-and-status".into(),
                vec![pair("name", &part), pair("status", s)],
            ));
        }
        asked.push(("id".into(), vec![pair("id", &text(first, &left.id))]));
    }
    asked.push((
        "name-absent".into(),
        vec![pair("name", "conform-no-such-name")],
    ));
    asked.push((
        "id-absent".into(),
        vec![pair("id", "00000000-0000-4000-8000-000000000000")],
    ));
    asked
}

/// Pages, on each list's largest page size at most, one past the end, one with the
/// failed instances; and paging values each list must refuse.
fn paging_questions(
    c: &Correspond,
    left: &Desc,
    right: &Desc,
    items: usize,
    flag: Option<&str>,
) -> Vec<Asked> {
    let (start, limit) = (&c.paging.start.left, &c.paging.limit.left);
    let max = [left.limit.as_ref(), right.limit.as_ref()]
        .iter()
        .filter_map(|l| l.and_then(|l| l.max))
        .min()
        .unwrap_or(1000)
        .to_string();
    let past = (items + 1).to_string();
    let mut asked: Vec<Asked> = [
        ("1", "1"),
        ("2", "2"),
        ("3", "10"),
        ("1", &max[..]),
        (&past[..], "5"),
    ]
    .iter()
    .map(|(s, l)| {
        (
            format!("page-{s}-{l}"),
            vec![pair(start, s), pair(limit, l)],
        )
    })
    .collect();
    if let Some(f) = flag {
        asked.push((
            "page-with-failures".into(),
            vec![pair(start, "2"), pair(limit, "3"), pair(f, "true")],
        ));
    }
    asked.extend([
        (
            "refused-start-zero".into(),
            vec![pair(start, "0"), pair(limit, "1")],
        ),
        ("refused-limit-zero".into(), vec![pair(limit, "0")]),
        ("refused-limit-word".into(), vec![pair(limit, "ten")]),
        (
            "refused-start-word".into(),
            vec![pair(start, "one"), pair(limit, "1")],
        ),
    ]);
    asked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::correspond::shipped;

    #[test]
    fn a_question_translates_names_and_paging_bases() {
        let (l, r, c) = shipped();
        let q = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            translate(
                &c,
                l.desc(),
                r.desc(),
                &q(&[("start", "3"), ("limit", "10"), ("id", "x")])
            ),
            Some(q(&[("offset", "2"), ("limit", "10"), ("instance_id", "x")]))
        );
        assert_eq!(
            translate(
                &c,
                l.desc(),
                r.desc(),
                &q(&[("start", "0"), ("includeFailure", "true")])
            ),
            Some(q(&[("offset", "-1"), ("include_failure", "true")]))
        );
        assert_eq!(
            translate(&c, l.desc(), r.desc(), &q(&[("start", "one")])),
            Some(q(&[("offset", "one")])),
            "a value that is no integer passes as it is"
        );
        assert_eq!(
            translate(&c, l.desc(), r.desc(), &q(&[("ip", "10.0.0.1")])),
            None
        );
    }

    #[test]
    fn questions_cover_every_correspondence_and_mark_unpaged_ones() {
        let (l, r, c) = shipped();
        let items = vec![
            serde_json::json!({"instance_id": "a", "name": "dcs-one", "status": "RUNNING"}),
            serde_json::json!({"instance_id": "b", "name": "dcs-two", "status": "CREATEFAILED"}),
        ];
        let qs = questions(&c, l.desc(), r.desc(), &items);
        for p in &c.param {
            assert!(
                qs.iter().any(|q| q.left.iter().any(|(k, _)| *k == p.left)
                    && q.right.iter().any(|(k, _)| *k == p.right)),
                "{} is asked",
                p.left
            );
        }
        let everything = qs.iter().find(|q| q.name == "across/everything").unwrap();
        assert!(everything.unpaged && everything.right.is_empty());
        let page = qs.iter().find(|q| q.name == "across/page-2-2").unwrap();
        assert!(!page.unpaged);
        assert_eq!(
            page.right,
            vec![("offset".into(), "1".into()), ("limit".into(), "2".into())]
        );
        assert_eq!(
            qs.iter()
                .find(|q| q.name == "across/name-other-case")
                .unwrap()
                .name_term
                .as_deref(),
            Some("DCS-")
        );
        assert!(qs.iter().any(|q| q.name == "across/status-absent"));
    }
}
