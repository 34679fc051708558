//! C12: the response schema derived from the vendor page (every violation, with its JSON
//! pointer and the page's table row), plus what a schema cannot say: used_memory <=
//! max_memory and unique instance_ids.

use std::collections::HashSet;

use serde_json::Value;

use super::{CheckKind, Finding, Outcome};
use crate::case::Rule;
use crate::contract::Contract;

/// More violations than this in one answer are summarised: one wrong type on 100,000
/// instances is one problem, not 100,000 lines.
const MAX_REPORTED: usize = 20;

pub fn check(contract: &Contract, request: usize, body: &Value, out: &mut Outcome) {
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
    invariants(request, body, out);
}

fn invariants(request: usize, body: &Value, out: &mut Outcome) {
    let Some(list) = body.get("instances").and_then(Value::as_array) else {
        return;
    };
    let mut seen = HashSet::with_capacity(list.len());
    let mut reported = 0;
    for (i, inst) in list.iter().enumerate() {
        // As floats, so that integers beyond 64 bits are compared too.
        if let (Some(used), Some(max)) = (
            inst.get("used_memory").and_then(Value::as_f64),
            inst.get("max_memory").and_then(Value::as_f64),
        ) {
            if used > max && reported < MAX_REPORTED {
                let (used, max) = (&inst["used_memory"], &inst["max_memory"]);
                reported += 1;
                out.fail(
                    Finding::new(
                        Rule(12),
                        CheckKind::Schema,
                        request,
                        "used_memory exceeds max_memory",
                    )
                    .expected_actual(format!("<= {max}"), used.to_string())
                    .at(format!("/instances/{i}/used_memory")),
                );
            }
        }
        if let Some(id) = inst.get("instance_id").and_then(Value::as_str) {
            if !seen.insert(id) && reported < MAX_REPORTED {
                reported += 1;
                out.fail(
                    Finding::new(
                        Rule(12),
                        CheckKind::Schema,
                        request,
                        format!("instance_id {id} appears twice"),
                    )
                    .at(format!("/instances/{i}/instance_id")),
                );
            }
        }
    }
}
