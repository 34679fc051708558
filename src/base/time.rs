//! Timestamps as the list rules read them: RFC 3339 in UTC, compared to the nanosecond.

/// A timestamp as nanoseconds since the epoch, so `.5Z` and `.500Z` compare equal.
/// The vendor's own shape (`2017-03-31T12:24:46.297Z`) is read by hand, which is many
/// times faster than a general parser on lists of 100,000 instances; anything else goes
/// through RFC 3339 parsing; a value that is no timestamp at all gives `i128::MIN` (the
/// schema check reports it).
pub fn timestamp_nanos(s: &str) -> i128 {
    fast_utc(s.as_bytes()).unwrap_or_else(|| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .map(time::OffsetDateTime::unix_timestamp_nanos)
            .unwrap_or(i128::MIN)
    })
}

/// The fields of `YYYY-MM-DDTHH:MM:SS[.fraction]Z` — year, month, day, hour, minute,
/// second — and the fraction's digits, read without judging their ranges. Shared with the
/// one-pass reader's `date-time` check (`contract::shape`).
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
