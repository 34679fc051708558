//! Planning: the requests of each case ([`plan_case`]), with drawn values resolved
//! deterministically against the target's own unfiltered list (the baseline). What a
//! draw reads (which member, which items are hidden, the paging base) comes from the
//! contract description.

pub mod across;
mod case;
pub mod explore;
mod request;

pub use case::{plan_case, plan_walk, without_paging, Planned, Projects, Purpose, MAX_PAGES};
pub use request::Request;

use crate::base::Baseline;
use crate::case::{Case, Draw, DrawKind, QueryValue};
use crate::contract::desc::{Desc, FieldRef, Filter, Match};

/// Why a draw found no value in this baseline: the case is skipped with this notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsatisfiable(pub String);

/// Resolves every drawn value of a case against the main project's baseline.
pub fn resolve_query(
    desc: &Desc,
    case: &Case,
    baseline: &Baseline,
) -> Result<Vec<(String, String)>, Unsatisfiable> {
    resolve_query_memo(desc, case, baseline, &DrawMemo::default())
}

/// [`resolve_query`], reusing the draws `memo` already made against the same baseline.
pub fn resolve_query_memo(
    desc: &Desc,
    case: &Case,
    baseline: &Baseline,
    memo: &DrawMemo,
) -> Result<Vec<(String, String)>, Unsatisfiable> {
    case.query
        .iter()
        .map(|p| match &p.value {
            QueryValue::Literal(v) => Ok((p.name.clone(), v.clone())),
            QueryValue::Drawn(d) => memo
                .draw(desc, &p.name, d, baseline)
                .map(|v| (p.name.clone(), v)),
        })
        .collect()
}

/// The draws made so far in one run, by parameter and draw: a draw depends only on the
/// baseline, and a suite asks for the same one in many cases (a shared substring of the
/// names in a dozen), each a pass over every value of a large account. One memo serves
/// one baseline; a run makes one for its main project's.
#[derive(Debug, Default)]
pub struct DrawMemo {
    made: std::cell::RefCell<
        std::collections::HashMap<(String, Draw), Result<String, Unsatisfiable>>,
    >,
}

impl DrawMemo {
    /// [`draw`], or the value it gave before for the same parameter and draw.
    pub fn draw(
        &self,
        desc: &Desc,
        param: &str,
        d: &Draw,
        b: &Baseline,
    ) -> Result<String, Unsatisfiable> {
        let key = (param.to_string(), d.clone());
        if let Some(made) = self.made.borrow().get(&key) {
            return made.clone();
        }
        let made = draw(desc, param, d, b);
        self.made.borrow_mut().insert(key, made.clone());
        made
    }
}

fn pick(mut candidates: Vec<String>, d: &Draw, what: &str) -> Result<String, Unsatisfiable> {
    candidates.sort();
    candidates.dedup();
    if candidates.is_empty() {
        let narrowed = d
            .containing
            .as_deref()
            .map(|c| format!(" containing {c:?}"))
            .unwrap_or_default();
        return Err(Unsatisfiable(format!(
            "draw `{}`: the target's data has no {what}{narrowed}",
            d.kind.name()
        )));
    }
    let i = d.nth.unwrap_or(candidates.len() / 2) % candidates.len();
    Ok(candidates.swap_remove(i))
}

/// The value with every letter's case flipped (`Cache-1` → `cACHE-1`).
pub fn flip_case(v: &str) -> String {
    v.chars()
        .map(|c| {
            if c.is_uppercase() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                c.to_uppercase().next().unwrap_or(c)
            }
        })
        .collect()
}

/// Draws one value for parameter `param`. Every rule here depends only on the baseline,
/// so the same data gives the same requests.
pub fn draw(desc: &Desc, param: &str, d: &Draw, b: &Baseline) -> Result<String, Unsatisfiable> {
    let visible = || b.instances.iter().filter(|i| !desc.hides(i));
    if d.kind.paging() {
        let count = visible().count();
        let base = desc.start.as_ref().map_or(1, |s| usize::from(s.base));
        let max = desc.limit.as_ref().and_then(|l| l.max);
        if let (DrawKind::Total, Some(max)) = (d.kind, max) {
            if count as u64 > max {
                return Err(Unsatisfiable(format!(
                    "draw `total`: the {count} visible items are more than the largest page ({max})"
                )));
            }
        }
        return Ok(match d.kind {
            DrawKind::PastEnd => count + base,
            _ => count.max(1),
        }
        .to_string());
    }
    // The loader lets a filter draw stand only for a filter parameter.
    let Some(f): Option<&Filter> = desc.filter(param) else {
        return Err(Unsatisfiable(format!(
            "draw `{}`: `{param}` is not a filter parameter of this contract",
            d.kind.name()
        )));
    };
    let field = f.field;
    let noun = &f.field_name;
    let contains = |v: &str| d.containing.as_deref().is_none_or(|c| v.contains(c));
    // What the visible items offer this filter: the member itself, or its items, pairs
    // or number (see `Filter::terms`).
    let offered: Vec<std::borrow::Cow<str>> = visible().flat_map(|i| f.terms(i)).collect();
    let values = || -> Vec<&str> { offered.iter().map(std::convert::AsRef::as_ref).collect() };
    // What every instance offers, hidden ones included: only two draws need it.
    let every =
        || -> Vec<std::borrow::Cow<str>> { b.instances.iter().flat_map(|i| f.terms(i)).collect() };
    match d.kind {
        DrawKind::Value => pick(
            values()
                .into_iter()
                .filter(|n| contains(n))
                .map(String::from)
                .collect(),
            d,
            &format!("visible instance {noun}"),
        ),
        DrawKind::NonAscii => pick(
            values()
                .into_iter()
                .filter(|n| contains(n) && !n.is_ascii())
                .map(String::from)
                .collect(),
            d,
            &format!("{noun} with a non-ASCII character"),
        ),
        DrawKind::Infix => {
            let all = values();
            let sorted = Sorted::new(&all);
            // Each distinct substring is asked about once (hashing slices of the values,
            // no copies): a large account repeats most of them many times.
            let mut seen: HashSet = HashSet::default();
            let mut infixes = Vec::new();
            for n in &all {
                for s in char_windows(n, 3..=5, 1) {
                    // Found inside this value, and a prefix of no value at all: a
                    // prefix-only matcher returns nothing for it.
                    if seen.insert(s) && s.trim() == s && !sorted.prefixes_some(s) {
                        infixes.push(s.to_string());
                    }
                }
            }
            pick(infixes, d, &format!("{noun} with an inner substring"))
        }
        DrawKind::Shared => pick(
            shared_substrings(&values()),
            d,
            &format!("substring shared by several {noun}s"),
        ),
        DrawKind::Prefix => {
            let all = values();
            let sorted = Sorted::new(&all);
            let prefixes = all
                .iter()
                .filter(|n| contains(n) && sorted.strictly_prefixes_some(n))
                .map(std::string::ToString::to_string)
                .collect();
            pick(
                prefixes,
                d,
                &format!("{noun} that is a prefix of another {noun}"),
            )
        }
        DrawKind::OtherCase => {
            let every = every();
            let all: std::collections::HashSet<&str> =
                every.iter().map(std::convert::AsRef::as_ref).collect();
            let variants = values()
                .into_iter()
                .filter(|n| contains(n))
                .filter_map(|n| {
                    let flipped = flip_case(n);
                    (flipped != n && !all.contains(&flipped.as_str())).then_some(flipped)
                })
                .collect();
            pick(variants, d, &format!("{noun} with letters"))
        }
        DrawKind::Hidden => pick(
            b.instances
                .iter()
                .filter(|i| match d.hidden_by {
                    Some(r) => desc.hidden.iter().any(|h| h.rule == r && h.hides(i)),
                    None => desc.hides(i),
                })
                .flat_map(|i| f.terms(i))
                .filter(|v| contains(v))
                .map(String::from)
                .collect(),
            d,
            &hidden_noun(desc),
        ),
        DrawKind::Absent if !f.values.is_empty() => {
            let present: std::collections::HashSet<&str> =
                b.instances.iter().map(|i| field.of(i)).collect();
            pick(
                f.values
                    .iter()
                    .filter(|s| !present.contains(s.as_str()))
                    .cloned()
                    .collect(),
                d,
                &format!("{noun} left unused (every {noun} of the table is present)"),
            )
        }
        DrawKind::Absent if field == FieldRef::Id => {
            let mut n = 0u32;
            loop {
                let id = format!("00000000-0000-4000-8000-{n:012}");
                if b.get(&id).is_none() {
                    return Ok(id);
                }
                n += 1;
            }
        }
        DrawKind::Absent if f.matching == Match::Number => {
            let mut n = 3u64;
            while b
                .instances
                .iter()
                .any(|i| f.admits(i, &n.to_string(), false, None))
            {
                n += 1;
            }
            Ok(n.to_string())
        }
        DrawKind::Absent => {
            // A pair for a `pairs` filter (an item without `=` is outside such contracts).
            let mut candidate = String::from(if f.matching == Match::Pairs {
                "zq-conform=absent"
            } else {
                "zq-conform-absent"
            });
            let taken = |c: &str| b.instances.iter().any(|i| f.admits(i, c, false, None));
            while taken(&candidate) {
                candidate.push('x');
            }
            Ok(candidate)
        }
        DrawKind::Frequent => {
            let mut tally: std::collections::HashMap<&str, usize> =
                std::collections::HashMap::new();
            for v in values() {
                *tally.entry(v).or_default() += 1;
            }
            let mut counts: Vec<(usize, &str)> = tally.into_iter().map(|(v, n)| (n, v)).collect();
            // Most frequent first, then by value: deterministic, and the value that
            // filters out the fewest items tests completeness hardest.
            counts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
            match d.nth {
                None => counts.first().map(|(_, s)| s.to_string()).ok_or_else(|| {
                    Unsatisfiable(format!(
                        "draw `{}`: the target's data has no visible instance",
                        d.kind.name()
                    ))
                }),
                Some(_) => pick(counts.iter().map(|(_, s)| s.to_string()).collect(), d, noun),
            }
        }
        DrawKind::Half => {
            let every = every();
            let taken: std::collections::HashSet<&str> =
                every.iter().map(std::convert::AsRef::as_ref).collect();
            let halves: Vec<String> = values()
                .into_iter()
                .filter(|v| v.chars().count() >= 2)
                .map(|v| v.chars().take(v.chars().count() / 2).collect::<String>())
                .filter(|p| !taken.contains(p.as_str()))
                .collect();
            pick(halves, d, &format!("{noun} long enough to cut"))
        }
        DrawKind::Several => pick(
            visible()
                .map(|i| f.terms(i))
                .filter(|t| t.len() >= 2)
                .map(|t| t.join(","))
                .collect(),
            d,
            &format!("{noun} with two or more items"),
        ),
        DrawKind::NotFirst => pick(
            visible()
                .flat_map(|i| f.terms(i).into_iter().skip(1))
                .map(String::from)
                .collect(),
            d,
            &format!("{noun} listing several items"),
        ),
        DrawKind::Key => pick(
            visible()
                .flat_map(|i| f.terms(i))
                .filter_map(|t| t.split_once('=').map(|(k, _)| k.to_string()))
                .filter(|k| !k.is_empty())
                .collect(),
            d,
            &format!("{noun} with a key=value pair"),
        ),
        DrawKind::PastEnd | DrawKind::Total => unreachable!("paging draws return above"),
    }
}

/// Values sorted and deduplicated, for prefix questions in O(log n): every value that
/// starts with `p` sits in one run right after where `p` would be inserted.
struct Sorted<'a>(Vec<&'a str>);

impl<'a> Sorted<'a> {
    fn new(values: &[&'a str]) -> Sorted<'a> {
        let mut v = values.to_vec();
        v.sort_unstable();
        v.dedup();
        Sorted(v)
    }

    /// True when some value starts with `p` (or equals it).
    fn prefixes_some(&self, p: &str) -> bool {
        let at = self.0.partition_point(|v| *v < p);
        self.0.get(at).is_some_and(|v| v.starts_with(p))
    }

    /// True when some value other than `p` itself starts with `p`.
    fn strictly_prefixes_some(&self, p: &str) -> bool {
        let at = self.0.partition_point(|v| *v <= p);
        self.0.get(at).is_some_and(|v| v.starts_with(p))
    }
}

/// "CREATEFAILED instance", from the description's hidden rules.
fn hidden_noun(desc: &Desc) -> String {
    let values: Vec<&str> = desc.hidden.iter().map(|h| h.noun.as_str()).collect();
    if values.is_empty() {
        "hidden instance (the contract hides none)".into()
    } else {
        format!("{} instance", values.join(" or "))
    }
}

/// A set keyed by slices of the baseline's values; foldhash, as in the checks' id sets.
type HashSet<'a> = std::collections::HashSet<&'a str, foldhash::fast::RandomState>;

/// The substrings of `value` of `lens` characters that start at character `from` or
/// later, as slices of it, shortest first at each start.
fn char_windows(
    value: &str,
    lens: std::ops::RangeInclusive<usize>,
    from: usize,
) -> impl Iterator<Item = &str> {
    // Byte offsets of every character boundary, the end included.
    let bounds: Vec<usize> = value
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(value.len()))
        .collect();
    let chars = bounds.len() - 1;
    lens.flat_map(move |len| (from..(chars + 1).saturating_sub(len)).map(move |s| (s, len)))
        .map(move |(s, len)| &value[bounds[s]..bounds[s + len]])
        .collect::<Vec<_>>()
        .into_iter()
}

/// Substrings (3 to 6 characters) that occur in at least two values but not in all of
/// them, best first: the ones shared by most names. Only a few are returned, in a stable
/// order, so `nth` stays meaningful. One pass with a hash table of slices: linear in the
/// total length of the values.
fn shared_substrings(names: &[&str]) -> Vec<String> {
    // Per substring: how many values hold it, and the last value counted (so a value
    // that holds it twice counts once).
    let mut counts: std::collections::HashMap<&str, (usize, usize), foldhash::fast::RandomState> =
        Default::default();
    for (k, name) in names.iter().enumerate() {
        for s in char_windows(name, 3..=6, 0) {
            if s.trim() != s {
                continue;
            }
            let e = counts.entry(s).or_insert((0, usize::MAX));
            if e.1 != k {
                *e = (e.0 + 1, k);
            }
        }
    }
    let mut shared: Vec<(usize, &str)> = counts
        .into_iter()
        .filter(|(_, (c, _))| *c >= 2 && *c < names.len())
        .map(|(s, (c, _))| (c, s))
        .collect();
    // The longest among the most shared: a longer term says more about the filter.
    shared.sort_unstable_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.chars().count().cmp(&a.1.chars().count()))
            .then(a.1.cmp(b.1))
    });
    shared.truncate(8);
    let mut out: Vec<String> = shared.into_iter().map(|(_, s)| s.to_string()).collect();
    // `pick` sorts; keep the best first by prefixing nothing: callers use nth over this
    // sorted list, so the default (middle) is still one of the well-shared terms.
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::Inst;
    use crate::contract::Contract;

    /// An item of the built-in contract, created at one fixed time (shared with the
    /// exploration's tests).
    pub(super) fn inst(id: &str, name: &str, status: &str) -> Inst {
        Contract::embedded().item(
            id,
            &[
                ("name", name),
                ("status", status),
                ("created_at", "2020-01-01T00:00:00.000Z"),
            ],
        )
    }

    fn base() -> Baseline {
        Contract::embedded().baseline(vec![
            inst("a", "redis-prod", "RUNNING"),
            inst("b", "redis-prod-2", "RUNNING"),
            inst("c", "Redis-Test", "CLOSED"),
            inst("d", "cache x", "RUNNING"),
            inst("e", "broken", "CREATEFAILED"),
        ])
    }

    fn d(kind: DrawKind) -> Draw {
        Draw {
            kind,
            containing: None,
            nth: None,
            hidden_by: None,
        }
    }

    fn draw_for(param: &str, kind: DrawKind, b: &Baseline) -> Result<String, Unsatisfiable> {
        draw(Contract::embedded().desc(), param, &d(kind), b)
    }

    #[test]
    fn draws_are_deterministic_and_fit_their_kind() {
        let b = base();
        assert_eq!(
            draw_for("name", DrawKind::Prefix, &b).unwrap(),
            "redis-prod"
        );
        assert_eq!(
            draw_for("status", DrawKind::Frequent, &b).unwrap(),
            "RUNNING"
        );
        assert_eq!(draw_for("id", DrawKind::Hidden, &b).unwrap(), "e");
        assert_eq!(draw_for("name", DrawKind::Hidden, &b).unwrap(), "broken");
        assert_eq!(draw_for("start", DrawKind::PastEnd, &b).unwrap(), "5");
        assert_eq!(draw_for("limit", DrawKind::Total, &b).unwrap(), "4");
        assert_eq!(
            draw_for("name", DrawKind::Absent, &b).unwrap(),
            "zq-conform-absent"
        );
        assert_eq!(
            draw_for("id", DrawKind::Absent, &b).unwrap(),
            "00000000-0000-4000-8000-000000000000"
        );
        let unused = draw_for("status", DrawKind::Absent, &b).unwrap();
        assert!(!["RUNNING", "CLOSED", "CREATEFAILED"].contains(&unused.as_str()));
        let sub = draw_for("name", DrawKind::Shared, &b).unwrap();
        let hits = b
            .instances
            .iter()
            .filter(|i| i.id() != "e" && i.field(0).contains(&sub))
            .count();
        assert!((2..4).contains(&hits), "{sub} matched {hits}");
        let other = draw_for("name", DrawKind::OtherCase, &b).unwrap();
        assert!(b.instances.iter().all(|i| i.field(0) != other));
        assert_eq!(
            draw_for("name", DrawKind::Shared, &b),
            draw_for("name", DrawKind::Shared, &b)
        );
    }

    #[test]
    fn a_draw_the_data_cannot_satisfy_says_why() {
        let b = Contract::embedded().baseline(vec![inst("a", "x", "RUNNING")]);
        let e = draw_for("id", DrawKind::Hidden, &b).unwrap_err();
        assert!(e.0.contains("no CREATEFAILED instance"), "{e:?}");
        let e = draw(
            Contract::embedded().desc(),
            "name",
            &Draw {
                kind: DrawKind::Value,
                containing: Some("+".into()),
                nth: None,
                hidden_by: None,
            },
            &b,
        )
        .unwrap_err();
        assert!(e.0.contains("containing \"+\""), "{e:?}");
    }

    /// Many near-duplicate names: chains of prefixes, case variants, shared infixes.
    fn crowded() -> Baseline {
        let mut items = Vec::new();
        let stems = [
            "cache",
            "Cache",
            "cach",
            "cache-prod",
            "cache-prod-2",
            "redis 缓存",
        ];
        let mut n = 0;
        for (k, stem) in stems.iter().enumerate() {
            for i in 0..40 {
                let name = match i % 4 {
                    0 => format!("{stem}-{i}"),
                    1 => format!("{stem}-{}", i / 4),
                    2 => format!("x{stem}{i}"),
                    _ => stem.to_string(),
                };
                let status = ["RUNNING", "CLOSED", "CREATEFAILED", "FROZEN"][(i + k) % 4];
                items.push(inst(&format!("id-{n:04}"), &name, status));
                n += 1;
            }
        }
        Contract::embedded().baseline(items)
    }

    /// The draws as they were first written, comparing values pairwise: the reference
    /// the faster ones must agree with.
    fn naive(kind: DrawKind, b: &Baseline) -> Vec<String> {
        let desc = Contract::embedded().desc();
        let visible: Vec<&str> = b
            .instances
            .iter()
            .filter(|i| !desc.hides(i))
            .map(|i| i.field(0))
            .filter(|n| !n.is_empty())
            .collect();
        let all_names: Vec<&str> = b.instances.iter().map(|i| i.field(0)).collect();
        let mut out: Vec<String> = match kind {
            DrawKind::Prefix => visible
                .iter()
                .filter(|n| {
                    visible
                        .iter()
                        .any(|m| m.len() > n.len() && m.starts_with(**n))
                })
                .map(std::string::ToString::to_string)
                .collect(),
            DrawKind::Infix => {
                let mut v = Vec::new();
                for n in &visible {
                    let chars: Vec<char> = n.chars().collect();
                    for len in 3..=5 {
                        for start in 1..chars.len().saturating_sub(len - 1) {
                            let s: String = chars[start..start + len].iter().collect();
                            if s.trim() == s && !visible.iter().any(|m| m.starts_with(&s)) {
                                v.push(s);
                            }
                        }
                    }
                }
                v
            }
            DrawKind::OtherCase => visible
                .iter()
                .filter_map(|n| {
                    let flipped = flip_case(n);
                    (flipped != *n && !all_names.contains(&flipped.as_str())).then_some(flipped)
                })
                .collect(),
            DrawKind::Shared => {
                // Every 3..6-character substring against every value, by scanning.
                let mut subs: Vec<String> = Vec::new();
                for n in &visible {
                    let chars: Vec<char> = n.chars().collect();
                    for len in 3..=6 {
                        for w in chars.windows(len) {
                            let s: String = w.iter().collect();
                            if s.trim() == s {
                                subs.push(s);
                            }
                        }
                    }
                }
                subs.sort();
                subs.dedup();
                let mut counted: Vec<(usize, String)> = subs
                    .into_iter()
                    .map(|s| (visible.iter().filter(|n| n.contains(&s)).count(), s))
                    .filter(|(c, _)| *c >= 2 && *c < visible.len())
                    .collect();
                counted.sort_by(|a, b| {
                    b.0.cmp(&a.0)
                        .then(b.1.chars().count().cmp(&a.1.chars().count()))
                        .then(a.1.cmp(&b.1))
                });
                counted.into_iter().take(8).map(|(_, s)| s).collect()
            }
            _ => unreachable!(),
        };
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn fast_draws_pick_what_pairwise_comparison_picks_on_near_duplicate_names() {
        let b = crowded();
        let desc = Contract::embedded().desc();
        for kind in [
            DrawKind::Prefix,
            DrawKind::Infix,
            DrawKind::OtherCase,
            DrawKind::Shared,
        ] {
            let candidates = naive(kind, &b);
            assert!(candidates.len() > 3, "{kind:?}: the data exercises it");
            for (nth, expected) in candidates.iter().enumerate() {
                let d = Draw {
                    kind,
                    containing: None,
                    nth: Some(nth),
                    hidden_by: None,
                };
                assert_eq!(
                    &draw(desc, "name", &d, &b).unwrap(),
                    expected,
                    "{kind:?} nth={nth}"
                );
            }
        }
        // The most frequent status among visible instances, and the default pick.
        let mut tally = std::collections::BTreeMap::new();
        for i in b.instances.iter().filter(|i| !desc.hides(i)) {
            *tally.entry(i.field(2).to_string()).or_insert(0usize) += 1;
        }
        let most = tally
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .unwrap();
        assert_eq!(draw_for("status", DrawKind::Frequent, &b).unwrap(), *most.0);
    }

    /// A memo gives each draw of the shipped cases exactly what drawing afresh gives,
    /// the second time from the memo.
    #[test]
    fn a_memoised_draw_is_the_draw() {
        let b = crowded();
        let desc = Contract::embedded().desc();
        let cases = crate::case::load_dir(std::path::Path::new("cases/v1.0"), Contract::embedded())
            .unwrap();
        let memo = DrawMemo::default();
        for _ in 0..2 {
            for case in &cases {
                assert_eq!(
                    resolve_query_memo(desc, case, &b, &memo),
                    resolve_query(desc, case, &b),
                    "{}",
                    case.name
                );
            }
        }
        assert!(memo.made.borrow().len() > 5);
    }

    /// The v2 list's filters, as its description says them: tags as key=value pairs,
    /// ip as one of a cluster's addresses, capacity as a number with capacity_minor
    /// preferred, deleted items learnt (marked by the baseline walk). The oracle and the
    /// draws read them the same way.
    #[test]
    fn v2_pairs_one_of_number_and_learnt_hidden_items() {
        use crate::contract::query::{expected, Query};
        let v2 = Contract::from_file(std::path::Path::new(
            "schemas/v2/list-instances.contract.toml",
        ))
        .unwrap();
        let desc = v2.desc();
        let tags = |pairs: &[(&str, &str)]| {
            serde_json::Value::from(
                pairs
                    .iter()
                    .map(|(k, v)| serde_json::json!({"key": k, "value": v}))
                    .collect::<Vec<_>>(),
            )
            .to_string()
        };
        let item = |id: &str, at: &str, t: &str, ip: &str, cap: &str, minor: &str| {
            v2.item(
                id,
                &[
                    ("name", id),
                    ("status", "RUNNING"),
                    ("created_at", at),
                    ("tags", t),
                    ("ip", ip),
                    ("capacity", cap),
                    ("capacity_minor", minor),
                ],
            )
        };
        let bit = desc.hidden.iter().find_map(|h| h.learnt).unwrap();
        let mut gone = item("d", "2024-01-05T00:00:00Z", "[]", "10.0.0.9", "2", "");
        gone.marks |= 1 << bit;
        let b = v2.baseline(vec![
            item(
                "a",
                "2024-01-04T00:00:00Z",
                &tags(&[("env", "prod"), ("team", "core")]),
                "10.0.0.1",
                "2",
                "",
            ),
            item(
                "b",
                "2024-01-03T00:00:00Z",
                &tags(&[("env", "prod")]),
                "10.0.0.2,10.0.0.3",
                "0",
                ".125",
            ),
            item(
                "c",
                "2024-01-02T00:00:00Z",
                &tags(&[("env", "test"), ("team", "core")]),
                "10.0.0.10",
                "16",
                "",
            ),
            gone,
        ]);
        let ids = |q: &[(&str, &str)]| -> Vec<String> {
            let pairs: Vec<(String, String)> = q
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            expected(&b, &Query::parse(desc, &pairs))
                .iter()
                .map(|i| i.id().to_string())
                .collect()
        };
        assert_eq!(ids(&[("tags", "env=prod")]), ["a", "b"]);
        assert_eq!(ids(&[("tags", "env=prod,team=core")]), ["a"]);
        assert_eq!(ids(&[("tags", "team=core,env=test")]), ["c"]);
        assert!(
            ids(&[("tags", "env")]).is_empty(),
            "an item without = matches nothing"
        );
        assert_eq!(ids(&[("ip", "10.0.0.3")]), ["b"]);
        assert!(ids(&[("ip", "10.0.0")]).is_empty(), "never a prefix");
        assert_eq!(ids(&[("ip", "10.0.0.1")]), ["a"]);
        assert_eq!(ids(&[("capacity", "0.125")]), ["b"]);
        assert_eq!(ids(&[("capacity", ".1250")]), ["b"]);
        assert_eq!(ids(&[("capacity", "2.0")]), ["a"]);
        assert!(
            ids(&[("capacity", "0")]).is_empty(),
            "a small instance is not 0 GB"
        );
        assert!(ids(&[("capacity", "two")]).is_empty());
        // The deleted item only with the literal flag, through any filter.
        assert_eq!(ids(&[("capacity", "2")]), ["a"]);
        assert_eq!(
            ids(&[("capacity", "2"), ("include_delete", "true")]),
            ["d", "a"]
        );
        assert_eq!(ids(&[("include_delete", "True")]), ["a", "b", "c"]);

        let draw_v2 = |param: &str, kind: DrawKind, hidden_by: Option<&str>| {
            draw(
                desc,
                param,
                &Draw {
                    hidden_by: hidden_by.and_then(crate::contract::Rule::parse),
                    ..d(kind)
                },
                &b,
            )
        };
        assert_eq!(draw_v2("ip", DrawKind::NotFirst, None).unwrap(), "10.0.0.3");
        let several = draw_v2("tags", DrawKind::Several, None).unwrap();
        assert!(["env=prod,team=core", "env=test,team=core"].contains(&several.as_str()));
        assert_eq!(
            draw_v2("tags", DrawKind::Frequent, None).unwrap(),
            "env=prod"
        );
        assert_eq!(
            draw_v2("tags", DrawKind::Absent, None).unwrap(),
            "zq-conform=absent"
        );
        let absent = draw_v2("capacity", DrawKind::Absent, None).unwrap();
        assert!(ids(&[("capacity", &absent), ("include_delete", "true")]).is_empty());
        let small = Draw {
            containing: Some(".".into()),
            ..d(DrawKind::Value)
        };
        assert_eq!(draw(desc, "capacity", &small, &b).unwrap(), "0.125");
        assert_eq!(
            draw_v2("capacity", DrawKind::Value, None).unwrap(),
            "16",
            "the middle of 0.125, 16, 2 (sorted as text): the plain numbers, not the members"
        );
        assert_eq!(
            draw_v2("instance_id", DrawKind::Hidden, Some("V7")).unwrap(),
            "d"
        );
        assert!(draw_v2("instance_id", DrawKind::Hidden, Some("V6")).is_err());
        assert_eq!(draw_v2("limit", DrawKind::Total, None).unwrap(), "3");
    }

    #[test]
    fn decimals_compare_as_numbers() {
        use crate::contract::desc::{decimal_text, decimal_value};
        assert_eq!(decimal_value(".125"), decimal_value("0.1250"));
        assert_eq!(decimal_value("2"), decimal_value("2.0"));
        assert_ne!(decimal_value("2"), decimal_value("20"));
        for bad in ["", ".", "-1", "1e3", " 2", "2,5", "0x10"] {
            assert_eq!(decimal_value(bad), None, "{bad:?}");
        }
        assert_eq!(decimal_text(".125").as_deref(), Some("0.125"));
        assert_eq!(decimal_text("16.00").as_deref(), Some("16"));
    }
}
