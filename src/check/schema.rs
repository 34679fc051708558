//! The shape rule (C12): the response schema derived from the vendor page (every
//! violation, with its JSON pointer and the page's table row), plus what a schema cannot
//! say: the description's invariants (`value <= bound` within an item) and unique ids.

use serde_json::Value;

use super::{status, CheckKind, Finding, IdSet, Outcome};
use crate::contract::shape::{as_int, ListView};
use crate::contract::{Contract, Desc};
use crate::exec::Response;

/// More violations than this in one answer are summarised: one wrong type on 100,000
/// instances is one problem, not 100,000 lines.
const MAX_REPORTED: usize = 20;

/// Checks a successful answer's body: JSON, the schema, the invariants. Returns what the
/// later checks read of it, or `None` when the body is not JSON (a finding says so).
///
/// A valid body is read in one pass by the contract's fast path ([`crate::contract::shape`]);
/// anything else is parsed and validated in full, so that every violation is explained.
pub fn check(
    contract: &Contract,
    request: usize,
    resp: &Response,
    out: &mut Outcome,
) -> Option<ListView> {
    let desc = contract.desc();
    if let Some(view) = contract.read_list(&resp.body) {
        let over = view
            .bounds
            .iter()
            .filter(|m| m.2 > m.3)
            .map(|&(i, k, v, b)| (i, k, v.to_string(), b.to_string()));
        let ids = view.instances.iter().flatten().map(crate::base::Inst::id);
        invariants(desc, request, over, ids.enumerate(), out);
        return Some(view);
    }
    let body = status::json(desc, request, resp, out)?;
    full(contract, request, body, out);
    Some(ListView::from_value(body, desc))
}

/// The full path: every violation of the schema, then the invariants.
pub fn full(contract: &Contract, request: usize, body: &Value, out: &mut Outcome) {
    let desc = contract.desc();
    let rule = desc.shape_rule;
    // Valid bodies are the common case; `is_valid` skips building error values.
    if !contract.response_is_valid(body) {
        let violations = contract.validate_response(body);
        let total = violations.len();
        for v in violations.into_iter().take(MAX_REPORTED) {
            let mut f = Finding::new(rule, CheckKind::Schema, request, v.message).at(v.pointer);
            f.source = v.source;
            out.fail(f);
        }
        if total > MAX_REPORTED {
            out.fail(Finding::new(
                rule,
                CheckKind::Schema,
                request,
                format!("and {} more schema violations", total - MAX_REPORTED),
            ));
        }
    }
    let Some(list) = body.get(&desc.list).and_then(Value::as_array) else {
        return;
    };
    let over = list.iter().enumerate().flat_map(|(i, item)| {
        desc.invariants
            .iter()
            .enumerate()
            .filter_map(move |(k, inv)| {
                let (value, bound) = (item.get(&inv.field)?, item.get(&inv.at_most)?);
                // Exactly when both are 64-bit integers; otherwise as floats, so that an
                // integer beyond 64 bits is compared too, never skipped.
                let exceeds = match (as_int(value), as_int(bound)) {
                    (Some(v), Some(b)) => v > b,
                    _ => value.as_f64()? > bound.as_f64()?,
                };
                exceeds.then(|| (i, k, value.to_string(), bound.to_string()))
            })
    });
    let ids = list
        .iter()
        .enumerate()
        .filter_map(|(i, item)| Some((i, item.get(&desc.id)?.as_str()?)));
    invariants(desc, request, over, ids, out);
}

/// What a schema cannot say: each invariant (`over` lists the items that break one, with
/// both figures as written) and unique ids.
fn invariants<'a>(
    desc: &Desc,
    request: usize,
    over: impl Iterator<Item = (usize, usize, String, String)>,
    ids: impl Iterator<Item = (usize, &'a str)>,
    out: &mut Outcome,
) {
    let list = &desc.list;
    let mut reported = 0;
    for (i, k, value, bound) in over.take(MAX_REPORTED) {
        reported += 1;
        let inv = &desc.invariants[k];
        out.fail(
            Finding::new(
                inv.rule,
                CheckKind::Schema,
                request,
                format!("{} exceeds {}", inv.field, inv.at_most),
            )
            .at(format!("/{list}/{i}/{}", inv.field))
            .expected_actual(format!("<= {bound}"), value),
        );
    }
    let mut seen = IdSet::with_capacity_and_hasher(ids.size_hint().0, Default::default());
    for (i, id) in ids {
        if !seen.insert(id) && reported < MAX_REPORTED {
            reported += 1;
            out.fail(
                Finding::new(
                    desc.shape_rule,
                    CheckKind::Schema,
                    request,
                    format!("{} {id} appears twice", desc.id),
                )
                .at(format!("/{list}/{i}/{}", desc.id)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn instance(id: &str, used: Value, max: Value) -> Value {
        json!({
            "name": "n", "engine": "Redis", "capacity": 1, "ip": "10.0.0.1", "domainName": "",
            "port": 6379, "status": "RUNNING", "max_memory": max, "used_memory": used,
            "instance_id": id, "resource_spec_code": "dcs.cluster", "engine_version": "5.0",
            "internal_version": null, "charging_mode": 0, "vpc_id": "v", "vpc_name": "v",
            "created_at": "2024-01-01T00:00:00Z", "error_code": null, "user_id": "u",
            "user_name": "u", "maintain_begin": "02:00:00", "maintain_end": "06:00:00"
        })
    }

    fn findings(contract: &Contract, body: &Value) -> Vec<(String, Option<String>)> {
        let resp = Response::new(
            200,
            Some("application/json".into()),
            serde_json::to_vec(body).unwrap(),
        );
        let mut out = Outcome::default();
        check(contract, 0, &resp, &mut out).expect("JSON");
        out.findings
            .into_iter()
            .map(|f| (f.message, f.pointer))
            .collect()
    }

    fn full_path() -> Contract {
        Contract::from_dir(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("schemas/v1.0")
                .as_path(),
        )
        .unwrap()
        .without_fast_path()
    }

    #[test]
    fn invariants_are_the_same_on_both_paths() {
        let body = json!({"instance_num": 3, "instances": [
            instance("a", json!(900), json!(1024)),
            instance("b", json!(2048), json!(1024)),
            instance("a", json!(1), json!(1)),
        ]});
        // Valid against the schema: the fast path reads it.
        assert!(Contract::embedded()
            .read_list(&serde_json::to_vec(&body).unwrap())
            .is_some());
        let fast = findings(Contract::embedded(), &body);
        assert_eq!(
            fast,
            vec![
                (
                    "used_memory exceeds max_memory".into(),
                    Some("/instances/1/used_memory".into())
                ),
                (
                    "instance_id a appears twice".into(),
                    Some("/instances/2/instance_id".into())
                ),
            ]
        );
        assert_eq!(findings(&full_path(), &body), fast);
    }

    #[test]
    fn memory_beyond_64_bits_is_compared_not_skipped() {
        // 2^64 + 1 is no 64-bit integer: the fast path leaves it to the full path, which
        // compares it as a float.
        let body = json!({"instance_num": 1, "instances": [
            instance("a", serde_json::from_str("18446744073709551617").unwrap(), json!(1024)),
        ]});
        let got = findings(Contract::embedded(), &body);
        assert!(
            got.iter().any(|f| f.0 == "used_memory exceeds max_memory"),
            "{got:?}"
        );
    }
}
