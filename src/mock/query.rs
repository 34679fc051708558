//! Reading the list query: raw query string in, a [`ListQuery`] or a 400 reason out.
//!
//! Values are form-decoded (percent escapes, and `+` as a space), so names with spaces,
//! `+`, `&`, `%`, `=` and Chinese characters arrive intact. The first occurrence of a
//! repeated parameter wins.

use std::borrow::Cow;

use super::faults::Fault;
use super::FaultSet;

/// The parameters of doc Table 1, decoded. `None` means absent or, by C1, empty.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ListQuery {
    pub name: Option<String>,
    pub status: Option<String>,
    pub id: Option<String>,
    /// Raw value of includeFailure (C6 looks at the literal).
    pub include_failure: Option<String>,
    /// Raw value of isExactMatchName (C3 looks at the literal).
    pub exact: Option<String>,
    /// v2's `ip` (V9); v1.0 has no such parameter.
    pub ip: Option<String>,
    /// The query is the v2 list's (which can list deleted instances, V7).
    pub v2: bool,
    /// v2's raw `include_delete` (V7 looks at the literal).
    pub include_delete: Option<String>,
    /// v2's `tags`: `key=value` pairs, comma-separated (V8).
    pub tags: Option<String>,
    /// v2's `capacity`, a decimal number of GB (V10).
    pub capacity: Option<String>,
    /// 0-based offset of the first instance returned (C9: start - 1).
    pub offset: u64,
    /// Page size; `None` means all (C10).
    pub limit: Option<u64>,
}

/// Why a query gets 400 (C10, or C7 under a fault).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum QueryError {
    /// start or limit is not a decimal integer.
    NotAnInteger { param: &'static str, value: String },
    /// start or limit is below 1.
    BelowOne { param: &'static str, value: String },
    /// Only under `unknown-param-400`.
    UnknownParam(String),
}

impl QueryError {
    pub(crate) fn message(&self) -> String {
        match self {
            QueryError::NotAnInteger { param, value } => {
                format!("invalid parameter {param}: {value:?} is not a decimal integer")
            }
            QueryError::BelowOne { param, value } => match *param {
                "offset" => format!("invalid parameter offset: {value} is below the minimum 0"),
                "limit" if value.starts_with(|c: char| c.is_ascii_digit()) && value != "0" => {
                    format!("invalid parameter limit: {value} is above the maximum 1000")
                }
                _ => format!("invalid parameter {param}: {value} is below the minimum 1"),
            },
            QueryError::UnknownParam(p) => format!("unknown parameter {p:?}"),
        }
    }
}

const KNOWN: [&str; 7] = [
    "start",
    "limit",
    "name",
    "id",
    "status",
    "includeFailure",
    "isExactMatchName",
];

/// Parses a decimal integer: optional `-`, then ASCII digits only (no `+`, spaces or
/// exponents). Values too large for u64 saturate: they are still integers (C10), and a
/// huge start is simply past the end (C9).
fn decimal(param: &'static str, value: &str, faults: FaultSet) -> Result<i128, QueryError> {
    let signed = match faults.has(Fault::PagingPlusSignRead) {
        true => value.strip_prefix('+').unwrap_or(value),
        false => value,
    };
    let digits = signed.strip_prefix('-').unwrap_or(signed);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(QueryError::NotAnInteger {
            param,
            value: value.to_string(),
        });
    }
    let octal = faults.has(Fault::LeadingZeroOctal) && digits.len() > 1 && digits.starts_with('0');
    let magnitude = match octal {
        true => u64::from_str_radix(digits, 8).ok(),
        false => None,
    }
    .unwrap_or_else(|| digits.parse::<u64>().unwrap_or(u64::MAX));
    // Kept in 32 bits: the digits' value modulo 2^32 (2^64 + 1 and 2^32 + 1 are 1).
    let magnitude = match faults.has(Fault::Paging32BitWrap) {
        true => digits
            .bytes()
            .fold(0u64, |n, b| (n * 10 + u64::from(b - b'0')) % (1 << 32)),
        false => magnitude,
    } as i128;
    if faults.has(Fault::PagingBeyond32Bit400) && magnitude > i128::from(i32::MAX) {
        return Err(QueryError::NotAnInteger {
            param,
            value: value.to_string(),
        });
    }
    Ok(if signed.starts_with('-') {
        -magnitude
    } else {
        magnitude
    })
}

pub(crate) fn parse(raw: Option<&str>, faults: FaultSet) -> Result<ListQuery, QueryError> {
    let mut q = ListQuery::default();
    let mut seen: [bool; 7] = [false; 7];
    let mut start: Option<String> = None;
    let mut limit: Option<String> = None;
    let mut unlisted: Option<String> = None;
    for (key, value) in decoded(raw, faults) {
        let Some(slot) = KNOWN.iter().position(|k| same_name(k, &key, faults)) else {
            // C7: parameters the page does not list are ignored.
            if faults.has(Fault::UnknownParam400) {
                return Err(QueryError::UnknownParam(key.into_owned()));
            }
            unlisted.get_or_insert_with(|| key.into_owned());
            continue;
        };
        if std::mem::replace(&mut seen[slot], true) {
            continue; // first occurrence wins
        }
        if value.is_empty() && slot == 0 && faults.has(Fault::EmptyStart400) {
            return Err(QueryError::NotAnInteger {
                param: "start",
                value: String::new(),
            });
        }
        if value.is_empty() && slot == 1 && faults.has(Fault::EmptyLimit400) {
            return Err(QueryError::NotAnInteger {
                param: "limit",
                value: String::new(),
            });
        }
        if value.is_empty() && slot == 5 && faults.has(Fault::EmptyIncludeFailureShown) {
            q.include_failure = Some("true".to_string());
            continue;
        }
        // C1: an empty value is the same as an absent parameter.
        if value.is_empty() && !faults.has(Fault::EmptyValueFilters) {
            continue;
        }
        let value = value.into_owned();
        match slot {
            0 => start = Some(value),
            1 => limit = Some(value),
            2 => q.name = Some(value),
            3 => q.id = Some(value),
            4 => q.status = Some(value),
            5 => q.include_failure = Some(value),
            _ => q.exact = Some(value),
        }
    }
    // Under empty-value-filters, empty start/limit/includeFailure/isExactMatchName still
    // mean "absent": that fault is about the three filters of C1's example.
    let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty());
    let start = nonempty(start);
    let limit = nonempty(limit);
    if let (Some(p), Some(_)) = (&unlisted, &limit) {
        if faults.has(Fault::UnlistedParamWithPaging400) {
            return Err(QueryError::UnknownParam(p.clone()));
        }
    }
    if let (Some(p), Some(_)) = (&unlisted, &start) {
        if faults.has(Fault::UnlistedParamWithStart400) {
            return Err(QueryError::UnknownParam(p.clone()));
        }
    }
    q.include_failure = nonempty(q.include_failure);
    q.exact = nonempty(q.exact);

    // C9/C10: start is 1-based, at least 1.
    if let Some(s) = start {
        let n = decimal("start", &s, faults)?;
        let min = if faults.has(Fault::StartZeroBased) {
            0
        } else {
            1
        };
        if n < min {
            return Err(QueryError::BelowOne {
                param: "start",
                value: s,
            });
        }
        let n = n as u64;
        q.offset = if faults.has(Fault::StartZeroBased) {
            n
        } else {
            n - 1
        };
    }
    // C10: limit is at least 1; absent means all.
    if let Some(l) = limit {
        let n = decimal("limit", &l, faults)?;
        if n < 1 && !(n == 0 && faults.has(Fault::LimitZeroAccepted)) {
            return Err(QueryError::BelowOne {
                param: "limit",
                value: l,
            });
        }
        q.limit = Some(n as u64);
    }
    bend_values(&mut q, faults);
    Ok(q)
}

/// Whether a parameter arrived under a listed name: exactly (C7), or, under the name
/// faults, in any letter case, in the other naming convention, or with an `s` added.
fn same_name(listed: &str, arrived: &str, faults: FaultSet) -> bool {
    let squash = |s: &str| s.replace('_', "").to_ascii_lowercase();
    listed == arrived
        || (faults.has(Fault::ParamNameCaseInsensitive) && listed.eq_ignore_ascii_case(arrived))
        || (faults.has(Fault::ParamNameOtherConvention)
            && listed.contains('_') != arrived.contains('_')
            && squash(listed) == squash(arrived))
        || (faults.has(Fault::ParamNamePlural) && arrived.strip_suffix('s') == Some(listed))
}

/// The query's decoded pairs in order. Under `repeated-param-joined` a repeated name's
/// values are joined with commas into its first occurrence; under
/// `repeated-param-last-wins` the last value replaces it.
fn decoded(raw: Option<&str>, faults: FaultSet) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
    let mut out: Vec<(Cow<'_, str>, Cow<'_, str>)> = Vec::new();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if faults.has(Fault::RepeatedParamJoined) {
            if let Some((_, v)) = out.iter_mut().find(|(k, _)| *k == key) {
                *v = Cow::Owned(format!("{v},{value}"));
                continue;
            }
        }
        if faults.has(Fault::RepeatedParamLastWins) {
            if let Some((_, v)) = out.iter_mut().find(|(k, _)| *k == key) {
                *v = value;
                continue;
            }
        }
        out.push((key, value));
    }
    out
}

/// What the grammar faults do to decoded values: trimming, decoding twice. A value left
/// empty is absent (C1).
fn bend_values(q: &mut ListQuery, faults: FaultSet) {
    let trim = |v: &mut Option<String>| {
        *v = v
            .take()
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty());
    };
    if faults.has(Fault::NameTrimmed) {
        trim(&mut q.name);
    }
    if faults.has(Fault::StatusTrimmed) {
        trim(&mut q.status);
    }
    if faults.has(Fault::IdTrimmed) {
        trim(&mut q.id);
    }
    if faults.has(Fault::NameDoubleDecoded) {
        q.name = q.name.take().map(|n| {
            percent_encoding::percent_decode_str(&n)
                .decode_utf8_lossy()
                .into_owned()
        });
    }
}

/// The v2 list's parameters (docs/contract-v2-notes.md). Read into the same
/// [`ListQuery`]: `offset` is 0-based and at least 0 (V13), `limit` from 1 to 1000 with 10
/// when absent (V14), `name_equal` is the exact flag (V3), `instance_id` the id (V5; the
/// page's own example sends `id`, read the same), `include_failure` the failed-instance
/// flag (V6), `include_delete` the deleted-instance flag (V7), `tags` the `key=value`
/// pairs (V8), `ip` the address (V9), `capacity` the size in GB (V10). Faults bend it as
/// they bend [`parse`], each on the v2 parameter that plays the same part.
pub(crate) fn parse_v2(raw: Option<&str>, faults: FaultSet) -> Result<ListQuery, QueryError> {
    const PARAMS: [&str; 11] = [
        "offset",
        "limit",
        "name",
        "instance_id",
        "status",
        "include_failure",
        "name_equal",
        "ip",
        "include_delete",
        "tags",
        "capacity",
    ];
    let mut q = ListQuery {
        v2: true,
        ..ListQuery::default()
    };
    let mut values: [Option<String>; 11] = Default::default();
    let mut unlisted: Option<String> = None;
    for (key, value) in decoded(raw, faults) {
        let key = if key == "id" && !faults.has(Fault::IdAliasIgnored) {
            "instance_id".into()
        } else {
            key
        };
        let Some(slot) = PARAMS.iter().position(|k| same_name(k, &key, faults)) else {
            // V11: parameters the page does not list are ignored.
            if faults.has(Fault::UnknownParam400) {
                return Err(QueryError::UnknownParam(key.into_owned()));
            }
            unlisted.get_or_insert_with(|| key.into_owned());
            continue;
        };
        if values[slot].is_some() {
            continue; // the first occurrence wins
        }
        if value.is_empty() {
            let fault = match slot {
                0 => faults.has(Fault::EmptyStart400),
                1 => faults.has(Fault::EmptyLimit400),
                _ => false,
            };
            if fault {
                return Err(QueryError::NotAnInteger {
                    param: PARAMS[slot],
                    value: String::new(),
                });
            }
            let literal = match slot {
                5 if faults.has(Fault::EmptyIncludeFailureShown) => "true",
                2..=4 if faults.has(Fault::EmptyValueFilters) => "",
                // V1: empty is absent.
                _ => continue,
            };
            values[slot] = Some(literal.to_string());
            continue;
        }
        values[slot] = Some(value.into_owned());
    }
    let [offset, limit, name, id, status, include_failure, exact, ip, include_delete, tags, capacity] =
        values;
    if let Some(p) = &unlisted {
        if (limit.is_some() && faults.has(Fault::UnlistedParamWithPaging400))
            || (offset.is_some() && faults.has(Fault::UnlistedParamWithStart400))
        {
            return Err(QueryError::UnknownParam(p.clone()));
        }
    }
    q.ip = ip;
    q.name = name;
    q.id = id;
    q.status = status;
    q.include_failure = include_failure;
    q.include_delete = include_delete;
    q.exact = exact;
    q.tags = tags;
    q.capacity = capacity;
    if let Some(o) = offset {
        let n = decimal("offset", &o, faults)?;
        if n < 0 {
            return Err(QueryError::BelowOne {
                param: "offset",
                value: o,
            });
        }
        q.offset = if faults.has(Fault::OffsetOneBased) {
            (n as u64).saturating_sub(1)
        } else {
            n as u64
        };
    }
    q.limit = match limit {
        None if faults.has(Fault::DefaultLimitAll) => None,
        None => Some(V2_DEFAULT_LIMIT),
        Some(l) => {
            let n = decimal("limit", &l, faults)?;
            if n > V2_MAX_LIMIT as i128 && faults.has(Fault::LimitOverMaxClamped) {
                Some(V2_MAX_LIMIT)
            } else if n == 0 && faults.has(Fault::LimitZeroAccepted) {
                Some(0)
            } else if !(1..=V2_MAX_LIMIT as i128).contains(&n) {
                return Err(QueryError::BelowOne {
                    param: "limit",
                    value: l,
                });
            } else {
                Some(n as u64)
            }
        }
    };
    bend_values(&mut q, faults);
    Ok(q)
}

/// V14: the page size when `limit` is absent, and the largest one accepted.
const V2_DEFAULT_LIMIT: u64 = 10;
const V2_MAX_LIMIT: u64 = 1000;

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> ListQuery {
        parse(Some(raw), FaultSet::default()).unwrap()
    }

    #[test]
    fn decodes_form_values() {
        let q = ok("name=a%2Bb+c%26d%3De%25f%E8%AE%A2%E5%8D%95&status=RUNNING");
        assert_eq!(q.name.as_deref(), Some("a+b c&d=e%f订单"));
        assert_eq!(q.status.as_deref(), Some("RUNNING"));
    }

    #[test]
    fn empty_is_absent_and_first_wins() {
        assert_eq!(ok("name=&status=&id=&start=&limit="), ListQuery::default());
        assert_eq!(ok("name=a&name=b").name.as_deref(), Some("a"));
    }

    #[test]
    fn start_and_limit() {
        let q = ok("start=3&limit=010");
        assert_eq!((q.offset, q.limit), (2, Some(10)));
        assert_eq!(ok("start=99999999999999999999999").offset, u64::MAX - 1);
        for bad in ["start=0", "start=-1", "limit=0", "limit=-5"] {
            assert!(
                matches!(
                    parse(Some(bad), FaultSet::default()),
                    Err(QueryError::BelowOne { .. })
                ),
                "{bad}"
            );
        }
        for bad in [
            "start=1.0",
            "limit=ten",
            "limit=%2B5",
            "limit=+5",
            "start=1e3",
            "limit=-",
        ] {
            assert!(
                matches!(
                    parse(Some(bad), FaultSet::default()),
                    Err(QueryError::NotAnInteger { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn v2_offset_is_zero_based_and_limit_defaults_to_ten_up_to_a_thousand() {
        let q = parse_v2(None, FaultSet::default()).unwrap();
        assert_eq!((q.offset, q.limit), (0, Some(10)));
        let q = parse_v2(
            Some("offset=0&limit=1000&name_equal=true&id=x&name="),
            FaultSet::default(),
        )
        .unwrap();
        assert_eq!((q.offset, q.limit), (0, Some(1000)));
        assert_eq!(
            (q.exact.as_deref(), q.id.as_deref(), q.name),
            (Some("true"), Some("x"), None)
        );
        assert_eq!(
            parse_v2(Some("offset=3"), FaultSet::default())
                .unwrap()
                .offset,
            3
        );
        for bad in ["offset=-1", "limit=0", "limit=1001", "limit=-2"] {
            assert!(
                matches!(
                    parse_v2(Some(bad), FaultSet::default()),
                    Err(QueryError::BelowOne { .. })
                ),
                "{bad}"
            );
        }
        let e = parse_v2(Some("limit=1001"), FaultSet::default()).unwrap_err();
        assert!(
            e.message().contains("above the maximum 1000"),
            "{}",
            e.message()
        );
        assert!(matches!(
            parse_v2(Some("offset=1.5"), FaultSet::default()),
            Err(QueryError::NotAnInteger { .. })
        ));
        // v1.0's parameters mean nothing here.
        let q = parse_v2(
            Some("start=5&isExactMatchName=true&includeFailure=true"),
            FaultSet::default(),
        )
        .unwrap();
        assert_eq!(
            q,
            ListQuery {
                limit: Some(10),
                v2: true,
                ..ListQuery::default()
            }
        );
    }
}
