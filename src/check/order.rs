//! The order rule (C8): the order the contract description gives (a timestamp member
//! newest or oldest first, ties by id); the same query twice gives the same order.
//! Where the page leaves the order open (V12), the order the target follows, read from
//! its unfiltered list: every answer must keep it.

use super::{CheckKind, Finding, IdList, Outcome};
use crate::base::{Baseline, Inst, OrderSpec};
use crate::contract::Desc;

/// Every adjacent pair must be in the baseline's order (the contract's, or the reading
/// the target follows); the first pair that is not is reported.
pub fn check_sorted(
    desc: &Desc,
    baseline: &Baseline,
    request: usize,
    list: &[Inst],
    out: &mut Outcome,
) {
    let order = &baseline.order;
    if order.as_listed {
        return check_as_listed(desc, baseline, request, list, out);
    }
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
            .expected_actual(describe_spec(desc, order), why)
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

/// An answer to a target whose order is none that conform can name: its items must
/// come in the order of the unfiltered list (items it does not hold are skipped).
fn check_as_listed(
    desc: &Desc,
    baseline: &Baseline,
    request: usize,
    list: &[Inst],
    out: &mut Outcome,
) {
    let mut last: Option<(usize, &Inst)> = None;
    for (i, inst) in list.iter().enumerate() {
        let Some(at) = baseline.position(inst.id()) else {
            continue;
        };
        if let Some((before, prev)) = last {
            if at < before {
                out.fail(
                    Finding::new(
                        desc.order.rule,
                        CheckKind::Order,
                        request,
                        "instances out of the target's own order",
                    )
                    .expected_actual(
                        format!(
                            "the order of the unfiltered list ({})",
                            describe_spec(desc, &baseline.order)
                        ),
                        format!(
                            "{} (position {} there) comes after {} (position {})",
                            inst.id(),
                            at + 1,
                            prev.id(),
                            before + 1
                        ),
                    )
                    .at(format!("/{}/{i}", desc.list))
                    .about([prev.id(), inst.id()]),
                );
                return;
            }
        }
        last = Some((at, inst));
    }
}

/// The contract's order in words, e.g. "created_at newest first, then instance_id
/// ascending".
pub fn describe(desc: &Desc) -> String {
    describe_spec(desc, &desc.layout.order)
}

/// An order in words: "created_at newest first, then instance_id ascending", "instance_id
/// descending", or, for an order conform cannot name, "the target's own order".
pub fn describe_spec(desc: &Desc, o: &OrderSpec) -> String {
    if o.as_listed {
        return "the target's own order, none that conform can name".into();
    }
    let id = format!(
        "{} {}",
        desc.id,
        if o.id_descending {
            "descending"
        } else {
            "ascending"
        }
    );
    let field = o.by.and(desc.order.field.as_ref());
    match field {
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
        let b = Contract::embedded().baseline(Vec::new());
        check_sorted(desc, &b, 0, &ok, &mut out);
        assert!(out.findings.is_empty(), "{:?}", out.findings);
        let bad = [
            inst("b", "2020-01-01T00:00:00Z"),
            inst("a", "2020-01-01T00:00:00Z"),
        ];
        check_sorted(desc, &b, 0, &bad, &mut out);
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
        check_sorted(desc, &b, 0, &late, &mut out);
        assert_eq!(
            out.findings[1].actual.as_deref(),
            Some("b (created 2021-01-01T00:00:00Z) should come before a (created 2020-01-01T00:00:00Z)")
        );
    }
}
