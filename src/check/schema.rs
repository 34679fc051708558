//! C12: the response schema derived from the vendor page (every violation, with its JSON
//! pointer and the page's table row), plus what a schema cannot say: used_memory <=
//! max_memory and unique instance_ids.

use serde_json::Value;

use super::{status, CheckKind, Finding, IdSet, Outcome};
use crate::case::Rule;
use crate::contract::Contract;
use crate::exec::Response;
use crate::shape::{as_int, ListView};

/// More violations than this in one answer are summarised: one wrong type on 100,000
/// instances is one problem, not 100,000 lines.
const MAX_REPORTED: usize = 20;

/// Checks a successful answer's body: JSON, the schema, the invariants. Returns what the
/// later checks read of it, or `None` when the body is not JSON (a finding says so).
///
/// A valid body is read in one pass by the contract's fast path ([`crate::shape`]);
/// anything else is parsed and validated in full, so that every violation is explained.
pub fn check(
    contract: &Contract,
    request: usize,
    resp: &Response,
    out: &mut Outcome,
) -> Option<ListView> {
    if let Some(view) = contract.read_list(&resp.body) {
        let over = view
            .memory
            .iter()
            .filter(|m| m.1 > m.2)
            .map(|&(i, used, max)| (i, used.to_string(), max.to_string()));
        let ids = view.instances.iter().flatten().map(|inst| inst.id.as_str());
        invariants(request, over, ids.enumerate(), out);
        return Some(view);
    }
    let body = status::json(request, resp, out)?;
    full(contract, request, body, out);
    Some(ListView::from_value(body))
}

/// The full path: every violation of the schema, then the invariants.
pub fn full(contract: &Contract, request: usize, body: &Value, out: &mut Outcome) {
    // Valid bodies are the common case; `is_valid` skips building error values.
    if !contract.response_is_valid(body) {
        let violations = contract.validate_response(body);
        let total = violations.len();
        for v in violations.into_iter().take(MAX_REPORTED) {
            let mut f = Finding::new(Rule(12), CheckKind::Schema, request, v.message).at(v.pointer);
            f.source = v.source;
            out.fail(f);
        }
        if total > MAX_REPORTED {
            out.fail(Finding::new(
                Rule(12),
                CheckKind::Schema,
                request,
                format!("and {} more schema violations", total - MAX_REPORTED),
            ));
        }
    }
    let Some(list) = body.get("instances").and_then(Value::as_array) else {
        return;
    };
    let over = list.iter().enumerate().filter_map(|(i, inst)| {
        let (used, max) = (inst.get("used_memory")?, inst.get("max_memory")?);
        // Exactly when both are 64-bit integers; otherwise as floats, so that an
        // integer beyond 64 bits is compared too, never skipped.
        let exceeds = match (as_int(used), as_int(max)) {
            (Some(u), Some(m)) => u > m,
            _ => used.as_f64()? > max.as_f64()?,
        };
        exceeds.then(|| (i, used.to_string(), max.to_string()))
    });
    let ids = list
        .iter()
        .enumerate()
        .filter_map(|(i, inst)| Some((i, inst.get("instance_id")?.as_str()?)));
    invariants(request, over, ids, out);
}

/// What a schema cannot say: used_memory <= max_memory (`over` lists the instances that
/// break it, with both figures as written) and unique instance_ids.
fn invariants<'a>(
    request: usize,
    over: impl Iterator<Item = (usize, String, String)>,
    ids: impl Iterator<Item = (usize, &'a str)>,
    out: &mut Outcome,
) {
    let finding = |message: String, pointer: String| {
        Finding::new(Rule(12), CheckKind::Schema, request, message).at(pointer)
    };
    let mut reported = 0;
    for (i, used, max) in over.take(MAX_REPORTED) {
        reported += 1;
        out.fail(
            finding(
                "used_memory exceeds max_memory".into(),
                format!("/instances/{i}/used_memory"),
            )
            .expected_actual(format!("<= {max}"), used),
        );
    }
    let mut seen = IdSet::with_capacity_and_hasher(ids.size_hint().0, Default::default());
    for (i, id) in ids {
        if !seen.insert(id) && reported < MAX_REPORTED {
            reported += 1;
            out.fail(finding(
                format!("instance_id {id} appears twice"),
                format!("/instances/{i}/instance_id"),
            ));
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
        let resp = Response {
            status: 200,
            content_type: Some("application/json".into()),
            body: serde_json::to_vec(body).unwrap(),
            elapsed: std::time::Duration::ZERO,
            retry_after: None,
            parsed: Default::default(),
        };
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
                .join("schemas")
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
