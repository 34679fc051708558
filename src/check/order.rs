//! C8: created_at newest first, ties by instance_id ascending; the same query twice
//! gives the same order.

use super::{CheckKind, Finding, Outcome};
use crate::case::Rule;
use crate::plan::Inst;

/// A sortable key for a created_at value: nanoseconds since the epoch when it parses as
/// RFC 3339, so `.5Z` and `.500Z` compare equal; the raw text otherwise (reported by the
/// schema check, ordered as text here).
pub fn timestamp_key(s: &str) -> (i128, String) {
    match time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        Ok(t) => (t.unix_timestamp_nanos(), String::new()),
        Err(_) => (i128::MIN, s.to_string()),
    }
}

/// Every adjacent pair must be in contract order; the first pair that is not is reported.
pub fn check_sorted(request: usize, list: &[Inst], out: &mut Outcome) {
    for (i, pair) in list.windows(2).enumerate() {
        let (a, b) = (&pair[0], &pair[1]);
        let (ka, kb) = (timestamp_key(&a.created_at), timestamp_key(&b.created_at));
        let wrong = ka < kb || (ka == kb && a.id > b.id);
        if wrong {
            let why = if ka == kb {
                format!(
                    "equal created_at {}: instance_id {} should come before {}",
                    a.created_at, b.id, a.id
                )
            } else {
                format!(
                    "{} (created {}) should come before {} (created {})",
                    b.id, b.created_at, a.id, a.created_at
                )
            };
            out.fail(
                Finding::new(Rule(8), CheckKind::Order, request, "instances out of order")
                    .expected_actual("created_at newest first, then instance_id ascending", why)
                    .at(format!("/instances/{}", i + 1)),
            );
            return;
        }
    }
}

/// The same query sent again must list the same instances in the same order.
pub fn check_stable(request: usize, first: &[Inst], again: &[Inst], out: &mut Outcome) {
    let a: Vec<&str> = first.iter().map(|i| i.id.as_str()).collect();
    let b: Vec<&str> = again.iter().map(|i| i.id.as_str()).collect();
    if a != b {
        let at = a
            .iter()
            .zip(&b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        out.fail(
            Finding::new(
                Rule(8),
                CheckKind::Order,
                request,
                "the same query gave a different order",
            )
            .expected_actual(
                format!("position {}: {}", at + 1, a.get(at).unwrap_or(&"(end)")),
                format!("position {}: {}", at + 1, b.get(at).unwrap_or(&"(end)")),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(id: &str, at: &str) -> Inst {
        Inst {
            id: id.into(),
            name: String::new(),
            status: "RUNNING".into(),
            created_at: at.into(),
        }
    }

    #[test]
    fn newest_first_then_id() {
        let ok = [
            inst("b", "2021-01-01T00:00:00Z"),
            inst("a", "2020-01-01T00:00:00.5Z"),
            inst("c", "2020-01-01T00:00:00.500Z"),
        ];
        let mut out = Outcome::default();
        check_sorted(0, &ok, &mut out);
        assert!(out.findings.is_empty(), "{:?}", out.findings);
        let bad = [
            inst("b", "2020-01-01T00:00:00Z"),
            inst("a", "2020-01-01T00:00:00Z"),
        ];
        check_sorted(0, &bad, &mut out);
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].rule, Rule(8));
    }
}
