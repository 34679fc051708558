//! The order rule (C8): the order the contract description gives (a timestamp member
//! newest or oldest first, ties by id); the same query twice gives the same order.

use super::{CheckKind, Finding, IdList, Outcome};
use crate::base::Inst;
use crate::contract::Desc;

/// Every adjacent pair must be in contract order; the first pair that is not is reported.
pub fn check_sorted(desc: &Desc, request: usize, list: &[Inst], out: &mut Outcome) {
    let order = &desc.layout.order;
    for (i, pair) in list.windows(2).enumerate() {
        let (a, b) = (&pair[0], &pair[1]);
        if order.cmp(a, b) != std::cmp::Ordering::Greater {
            continue;
        }
        let id = &desc.id;
        let why = match (order.by, &desc.order.field) {
            (Some(slot), Some(field)) if a.at != b.at => {
                let word = field_word(field);
                format!(
                    "{} ({word} {}) should come before {} ({word} {})",
                    b.id(),
                    b.field(slot),
                    a.id(),
                    a.field(slot)
                )
            }
            (Some(slot), Some(field)) => format!(
                "equal {field} {}: {id} {} should come before {}",
                a.field(slot),
                b.id(),
                a.id()
            ),
            _ => format!("{id} {} should come before {}", b.id(), a.id()),
        };
        out.fail(
            Finding::new(
                desc.order.rule,
                CheckKind::Order,
                request,
                "instances out of order",
            )
            .expected_actual(describe(desc), why)
            .at(format!("/{}/{}", desc.list, i + 1))
            .about([a.id(), b.id()]),
        );
        return;
    }
}

/// The word shown before a timestamp in order messages: `created` for a member named
/// like a creation time, else the member's name.
fn field_word(field: &str) -> &str {
    if field.starts_with("created") {
        "created"
    } else {
        field
    }
}

/// The order in words, e.g. "created_at newest first, then instance_id ascending".
pub fn describe(desc: &Desc) -> String {
    let o = &desc.order;
    let id = format!(
        "{} {}",
        desc.id,
        if o.id_descending {
            "descending"
        } else {
            "ascending"
        }
    );
    match &o.field {
        Some(f) => format!(
            "{f} {}, then {id}",
            if o.newest_first {
                "newest first"
            } else {
                "oldest first"
            }
        ),
        None => id,
    }
}

/// The same query sent again must list the same instances in the same order.
pub fn check_stable(
    desc: &Desc,
    request: usize,
    first: &IdList,
    again: &IdList,
    out: &mut Outcome,
) {
    let a: Vec<&str> = first.iter().collect();
    let b: Vec<&str> = again.iter().collect();
    if a != b {
        let at = a
            .iter()
            .zip(&b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        out.fail(
            Finding::new(
                desc.order.rule,
                CheckKind::Order,
                request,
                "the same query gave a different order",
            )
            .expected_actual(
                format!("position {}: {}", at + 1, a.get(at).unwrap_or(&"(end)")),
                format!("position {}: {}", at + 1, b.get(at).unwrap_or(&"(end)")),
            )
            .about(a.get(at).into_iter().chain(b.get(at)).copied()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Rule;
    use crate::contract::Contract;

    fn inst(id: &str, at: &str) -> Inst {
        Contract::embedded().item(id, &[("status", "RUNNING"), ("created_at", at)])
    }

    #[test]
    fn newest_first_then_id() {
        let desc = Contract::embedded().desc();
        let ok = [
            inst("b", "2021-01-01T00:00:00Z"),
            inst("a", "2020-01-01T00:00:00.5Z"),
            inst("c", "2020-01-01T00:00:00.500Z"),
        ];
        let mut out = Outcome::default();
        check_sorted(desc, 0, &ok, &mut out);
        assert!(out.findings.is_empty(), "{:?}", out.findings);
        let bad = [
            inst("b", "2020-01-01T00:00:00Z"),
            inst("a", "2020-01-01T00:00:00Z"),
        ];
        check_sorted(desc, 0, &bad, &mut out);
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].rule, Rule::c(8));
        assert_eq!(
            out.findings[0].expected.as_deref(),
            Some("created_at newest first, then instance_id ascending")
        );
        assert_eq!(
            out.findings[0].actual.as_deref(),
            Some("equal created_at 2020-01-01T00:00:00Z: instance_id a should come before b")
        );
        let late = [
            inst("a", "2020-01-01T00:00:00Z"),
            inst("b", "2021-01-01T00:00:00Z"),
        ];
        check_sorted(desc, 0, &late, &mut out);
        assert_eq!(
            out.findings[1].actual.as_deref(),
            Some("b (created 2021-01-01T00:00:00Z) should come before a (created 2020-01-01T00:00:00Z)")
        );
    }
}
