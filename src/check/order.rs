//! C8: created_at newest first, ties by instance_id ascending; the same query twice
//! gives the same order.

use super::{CheckKind, Finding, Outcome};
use crate::case::Rule;
use crate::plan::Inst;

/// created_at as nanoseconds since the epoch, so `.5Z` and `.500Z` compare equal.
/// The vendor's own shape (`2017-03-31T12:24:46.297Z`) is read by hand, which is many
/// times faster than a general parser on lists of 100,000 instances; anything else goes
/// through RFC 3339 parsing; a value that is no timestamp at all gives `i128::MIN` (the
/// schema check reports it).
pub fn timestamp_nanos(s: &str) -> i128 {
    fast_utc(s.as_bytes()).unwrap_or_else(|| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .map(|t| t.unix_timestamp_nanos())
            .unwrap_or(i128::MIN)
    })
}

/// The fields of `YYYY-MM-DDTHH:MM:SS[.fraction]Z` — year, month, day, hour, minute,
/// second — and the fraction's digits, read without judging their ranges. Shared with the
/// one-pass reader's `date-time` check (`crate::shape`).
pub fn utc_fields(b: &[u8]) -> Option<([i64; 6], &[u8])> {
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || *b.last()? != b'Z'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        b[r].iter().try_fold(0i64, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let fields = [
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    ];
    let frac = match &b[19..b.len() - 1] {
        [] => &[][..],
        [b'.', frac @ ..] if !frac.is_empty() && frac.iter().all(u8::is_ascii_digit) => frac,
        _ => return None,
    };
    Some((fields, frac))
}

fn fast_utc(b: &[u8]) -> Option<i128> {
    let ([y, mo, d, h, mi, sec], frac) = utc_fields(b)?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    if frac.len() > 9 {
        return None;
    }
    let mut nanos: i64 = 0;
    for (i, c) in frac.iter().enumerate() {
        nanos += i64::from(c - b'0') * 10i64.pow(8 - i as u32);
    }
    // Days from the civil date (H. Hinnant's algorithm), proleptic Gregorian calendar.
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec;
    Some(i128::from(secs) * 1_000_000_000 + i128::from(nanos))
}

/// Sorts into the order C8 defines: created_at newest first, then instance_id ascending.
pub fn sort_contract(list: &mut [Inst]) {
    list.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.id.cmp(&b.id)));
}

/// Every adjacent pair must be in contract order; the first pair that is not is reported.
pub fn check_sorted(request: usize, list: &[Inst], out: &mut Outcome) {
    for (i, pair) in list.windows(2).enumerate() {
        let (a, b) = (&pair[0], &pair[1]);
        let (ka, kb) = (a.at, b.at);
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
        Inst::new(id, "", "RUNNING", at)
    }

    #[test]
    fn the_fast_reader_agrees_with_rfc3339() {
        for s in [
            "2017-03-31T12:24:46.297Z",
            "1999-12-31T23:59:59Z",
            "2024-02-29T00:00:00.5Z",
            "1970-01-01T00:00:00.000000001Z",
            "2400-03-01T10:00:00.120Z",
        ] {
            let slow =
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                    .unwrap()
                    .unix_timestamp_nanos();
            assert_eq!(fast_utc(s.as_bytes()), Some(slow), "{s}");
        }
        assert_eq!(
            timestamp_nanos("2018-04-12T11:20:10.126+08:00"),
            timestamp_nanos("2018-04-12T03:20:10.126Z")
        );
        assert_eq!(timestamp_nanos("yesterday"), i128::MIN);
        assert_eq!(fast_utc(b"2018-13-12T03:20:10Z"), None);
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
