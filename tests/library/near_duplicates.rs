//! The checks' verdicts on data with many near-duplicate names (chains of prefixes, case
//! variants, shared infixes, repeated names): the answer the rules call for passes, and
//! dropping or adding any one near-duplicate fails, blamed on the right instance. A
//! faster oracle or check cannot change these answers unnoticed. The reference here is
//! written from the rules' wording (shared contract notes C2, C3, C4, C6, C7, C8), item by
//! item, not with conform's oracle.

use conform::base::Baseline;
use conform::check::{check_exchanges, Context, Purpose};
use conform::contract::Contract;
use conform::exec::{Exchange, Request, Response};
use conform::mock::DataSet;
use serde_json::{json, Value};

const STATUSES: [&str; 4] = ["RUNNING", "CLOSED", "CREATEFAILED", "FROZEN"];

/// 240 instances over six stems that prefix, contain and case-vary each other; several
/// share a name, and creation times collide so that the id breaks ties (C8).
fn crowded() -> Vec<Value> {
    let template = DataSet::builtin()
        .instances(conform::mock::MAIN_PROJECT)
        .expect("the built-in main project")[0]
        .clone();
    let stems = [
        "cache",
        "Cache",
        "cach",
        "cache-prod",
        "cache-prod-2",
        "redis 缓存",
    ];
    let mut out = Vec::new();
    for (k, stem) in stems.iter().enumerate() {
        for i in 0..40usize {
            let name = match i % 4 {
                0 => format!("{stem}-{i}"),
                1 => format!("{stem}-{}", i / 4),
                2 => format!("x{stem}{i}"),
                _ => stem.to_string(),
            };
            let mut v = template.clone();
            let n = out.len();
            v["instance_id"] = json!(format!("id-{n:04}"));
            v["name"] = json!(name);
            v["status"] = json!(STATUSES[(i + k) % 4]);
            v["created_at"] = json!(format!("2024-01-{:02}T00:00:00.000Z", 1 + (i % 7)));
            out.push(v);
        }
    }
    out
}

fn text<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_default()
}

/// The rules, item by item: which instances a query must return, in contract order.
fn reference<'a>(data: &'a [Value], query: &[(&str, &str)]) -> Vec<&'a Value> {
    let get = |k: &str| query.iter().find(|(q, _)| *q == k).map(|(_, v)| *v);
    let exact = get("isExactMatchName") == Some("true");
    let failures = get("includeFailure") == Some("true");
    let mut out: Vec<&Value> = data
        .iter()
        .filter(|v| failures || text(v, "status") != "CREATEFAILED")
        .filter(|v| match get("name").filter(|n| !n.is_empty()) {
            None => true,
            Some(n) if exact => text(v, "name") == n,
            Some(n) => text(v, "name").contains(n),
        })
        .filter(|v| get("status").is_none_or(|s| s.is_empty() || text(v, "status") == s))
        .collect();
    out.sort_by(|a, b| contract_order(a, b));
    out
}

/// Newest first, ties by id ascending (C8).
fn contract_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    text(b, "created_at")
        .cmp(text(a, "created_at"))
        .then(text(a, "instance_id").cmp(text(b, "instance_id")))
}

fn answer(items: &[&Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({"instances": items, "instance_num": items.len()})).unwrap()
}

fn baseline(data: &[Value]) -> Baseline {
    let contract = Contract::embedded();
    contract.baseline(
        data.iter()
            .map(|v| contract.read_item(v).expect("every item has an id"))
            .collect(),
    )
}

/// The checks' findings on one answer to `query`, as (rule, message) pairs.
fn findings(baseline: &Baseline, query: &[(&str, &str)], body: Vec<u8>) -> Vec<(String, String)> {
    let contract = Contract::embedded();
    let empty = contract.baseline(Vec::new());
    let toml: String = query
        .iter()
        .map(|(k, v)| format!("{k} = {v:?}\n"))
        .collect();
    let case = conform::case::parse_case(
        "crowded.toml",
        &format!("description = \"crowded\"\nrules = [\"C2\"]\n[query]\n{toml}"),
        "crowded",
        contract,
    )
    .expect("a valid case");
    let ctx = Context {
        contract,
        case: &case,
        baseline,
        foreign: &empty,
    };
    let pairs = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let exchange = Exchange {
        request: Request::list(contract.desc(), "p", pairs),
        outcome: Ok(Response::new(200, Some("application/json".into()), body)),
        retries: 0,
    };
    check_exchanges(&ctx, vec![(Purpose::Main, exchange)])
        .findings
        .into_iter()
        .map(|f| (f.rule.to_string(), f.message))
        .collect()
}

const QUERIES: &[&[(&str, &str)]] = &[
    &[("name", "cache")],
    &[("name", "Cache")],
    &[("name", "cach")],
    &[("name", "cache-prod")],
    &[("name", "cache-prod-2")],
    &[("name", "che-p")],
    &[("name", "缓存")],
    &[("name", "cache"), ("isExactMatchName", "true")],
    &[
        ("name", "cache-prod"),
        ("isExactMatchName", "true"),
        ("includeFailure", "true"),
    ],
    &[("name", "cach"), ("isExactMatchName", "false")],
    &[("name", "cache"), ("status", "CLOSED")],
    &[("name", "cache"), ("includeFailure", "true")],
    &[
        ("name", "Cache"),
        ("isExactMatchName", "true"),
        ("includeFailure", "true"),
    ],
];

#[test]
fn the_answer_the_rules_call_for_passes() {
    let data = crowded();
    let base = baseline(&data);
    for query in QUERIES {
        let want = reference(&data, query);
        assert!(!want.is_empty(), "{query:?} selects something");
        assert_eq!(
            findings(&base, query, answer(&want)),
            Vec::<(String, String)>::new(),
            "{query:?}"
        );
    }
}

#[test]
fn dropping_or_adding_any_near_duplicate_fails_on_that_instance() {
    let data = crowded();
    let base = baseline(&data);
    for query in QUERIES {
        let want = reference(&data, query);
        // Every instance the query selects, dropped in turn: a completeness failure
        // that names it.
        for k in 0..want.len() {
            let mut short = want.clone();
            let gone = short.remove(k);
            let f = findings(&base, query, answer(&short));
            let id = text(gone, "instance_id");
            assert!(
                f.iter().any(|(_, m)| m.contains(id)),
                "{query:?} without {id}: {f:?}"
            );
        }
        // Every near-duplicate the query must not select, added in turn (at its place
        // in the order, so that only the filter can object): a soundness failure that
        // names it.
        let selected: Vec<&str> = want.iter().map(|v| text(v, "instance_id")).collect();
        for extra in data
            .iter()
            .filter(|v| !selected.contains(&text(v, "instance_id")))
        {
            let mut more = want.clone();
            more.push(extra);
            more.sort_by(|a, b| contract_order(a, b));
            let f = findings(&base, query, answer(&more));
            let id = text(extra, "instance_id");
            assert!(
                f.iter().any(|(_, m)| m.contains(id)),
                "{query:?} with {id} ({:?}, {}): {f:?}",
                text(extra, "name"),
                text(extra, "status")
            );
        }
    }
}
