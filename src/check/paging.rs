//! Paging across pages (C9..C11): walk a query with several page sizes; the pages
//! concatenated equal the unpaged list, with no overlap and no gap; the total is the same
//! on every page and counts every match; a start past the end gives an empty page.

use serde_json::Number;

use super::filter::{expected, paging_rules, Query};
use super::{CheckKind, Context, Finding, IdSet, Kept, Outcome, Purpose};
use crate::contract::Desc;
use crate::exec::Request;
use crate::plan::without_paging;

/// Checks every walk of a case. `walks` holds (page size, page index, exchange index,
/// body) for each page answer that had a usable status.
pub fn check_walks(
    ctx: &Context<'_>,
    base: &Request,
    purposes: &[Purpose],
    walks: &[(u32, u32, usize, Option<&Kept>)],
    out: &mut Outcome,
) {
    let desc = ctx.contract.desc();
    let q = Query::parse(desc, &without_paging(desc, base).decoded_query()).unpaged();
    let mut limits: Vec<u32> = walks.iter().map(|w| w.0).collect();
    limits.sort_unstable();
    limits.dedup();
    for limit in limits {
        let mut pages: Vec<&(u32, u32, usize, Option<&Kept>)> =
            walks.iter().filter(|w| w.0 == limit).collect();
        pages.sort_by_key(|w| w.1);
        let last_index = purposes
            .iter()
            .filter_map(|p| match p {
                Purpose::Page { limit: l, index } if *l == limit => Some(*index),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        let judge = |q: &Query<'_>, out: &mut Outcome| {
            let full = expected(ctx.baseline, q);
            let ids: Vec<&str> = full.iter().map(|i| i.id()).collect();
            walk(desc, limit, last_index, &pages, &ids, out);
            out.expected_instances += full.len();
            out.compared_list = true;
        };
        let mut strict = Outcome::default();
        judge(&q, &mut strict);
        // As in filter.rs: where the page is silent, another accepted reading of the
        // filters, tried when the contract's own fails, passes with an observation.
        if !strict.findings.is_empty() {
            let followed = q.alternatives().into_iter().find_map(|alt| {
                let mut under = Outcome::default();
                judge(&alt, &mut under);
                under.findings.is_empty().then_some((alt, under))
            });
            if let Some((alt, under)) = followed {
                let request = pages.first().map_or(0, |p| p.2);
                out.observe(
                    alt.readings_rule().unwrap_or(desc.and_rule),
                    request,
                    format!(
                        "pages with {}={limit} follow a reading: {} (accepted)",
                        limit_param(desc),
                        alt.readings_said()
                    ),
                );
                out.absorb(under);
                continue;
            }
        }
        out.absorb(strict);
    }
}
/// The walk's totals: the same on every page and counting every match (C11); where the
/// page leaves it open (S10 of the v2 notes), each page's items instead. Returns what
/// the total was seen to count, to be recorded only if the walk is right otherwise.
fn check_totals(
    desc: &Desc,
    nums: &[(u32, usize, &Number, usize)],
    matches: usize,
    label: &dyn Fn(u32) -> String,
    out: &mut Outcome,
) -> Option<(crate::contract::Rule, usize, String)> {
    let per_page = desc.total.as_ref().is_some_and(|t| t.counts_page_too)
        && !nums.is_empty()
        && nums
            .iter()
            .all(|(_, _, n, len)| n.as_u64() == Some(*len as u64));
    if let (Some((_, _, first, _)), Some(total)) = (nums.first(), &desc.total) {
        for (index, request, n, _) in nums {
            if per_page {
                break;
            }
            if *n != *first || n.as_u64() != Some(matches as u64) {
                out.fail(
                    Finding::new(
                        total.rule,
                        CheckKind::Paging,
                        *request,
                        format!("{}: {} is not the total", label(*index), total.field),
                    )
                    .expected_actual(matches.to_string(), n.to_string()),
                );
                break;
            }
        }
    }
    match (per_page, &desc.total, nums.first()) {
        (true, Some(total), Some((_, request, _, _)))
            if nums.iter().any(|(_, _, _, len)| *len != matches) =>
        {
            Some((
                total.rule,
                *request,
                format!(
                    "{}reading followed: {} counts each page's items",
                    crate::contract::desc::point_prefix(&total.point),
                    total.field
                ),
            ))
        }
        _ => None,
    }
}

fn limit_param(desc: &Desc) -> &str {
    desc.limit
        .as_ref()
        .map_or("the page size", |l| l.param.as_str())
}

fn walk(
    desc: &Desc,
    limit: u32,
    last_index: u32,
    pages: &[&(u32, u32, usize, Option<&Kept>)],
    full: &[&str],
    out: &mut Outcome,
) {
    let (start_rule, limit_rule) = paging_rules(desc);
    let lp = limit_param(desc);
    let label = |index: u32| format!("page {} with {lp}={limit}", index + 1);
    let mut seen = IdSet::default();
    let mut concat: Vec<&str> = Vec::new();
    let mut nums: Vec<(u32, usize, &Number, usize)> = Vec::new();
    let mut complete = true;
    for (_, index, request, body) in pages {
        let Some(Kept {
            ids: Some(list),
            total: page_total,
        }) = body
        else {
            complete = false;
            continue;
        };
        // Any number, so that one beyond 64 bits (a float) is compared, not skipped.
        if let Some(n) = page_total {
            nums.push((*index, *request, n, list.len()));
        }
        if *index == last_index && full.len() <= (last_index * limit) as usize {
            // The page past the end must be empty and still a 200 (C9).
            if !list.is_empty() {
                out.fail(
                    Finding::new(
                        start_rule,
                        CheckKind::Paging,
                        *request,
                        format!("{}: a start past the end returned instances", label(*index)),
                    )
                    .expected_actual(
                        format!("an empty {} array", desc.list),
                        format!("{} instances", list.len()),
                    ),
                );
            }
            continue;
        }
        if list.len() > limit as usize {
            out.fail(
                Finding::new(
                    limit_rule,
                    CheckKind::Paging,
                    *request,
                    format!("{}: more instances than {lp}", label(*index)),
                )
                .expected_actual(format!("at most {limit}"), list.len().to_string()),
            );
        }
        let mut overlap_reported = false;
        for id in list.iter() {
            if !seen.insert(id) && !std::mem::replace(&mut overlap_reported, true) {
                out.fail(
                    Finding::new(
                        start_rule,
                        CheckKind::Paging,
                        *request,
                        format!(
                            "{}: instance {} was already on an earlier page",
                            label(*index),
                            id
                        ),
                    )
                    .expected_actual("each instance on exactly one page", "pages overlap"),
                );
            }
            concat.push(id);
        }
    }
    let shown = check_totals(desc, &nums, full.len(), &label, out);
    let walked_all = (last_index * limit) as usize >= full.len();
    if complete && walked_all {
        let expected: Vec<&str> = full.to_vec();
        let got: Vec<&str> = concat;
        if got != expected {
            let got_set: IdSet = got.iter().copied().collect();
            let gaps: Vec<&str> = expected
                .iter()
                .copied()
                .filter(|i| !got_set.contains(i))
                .collect();
            let request = pages.first().map_or(0, |p| p.2);
            if !gaps.is_empty() {
                out.fail(
                    Finding::new(
                        start_rule,
                        CheckKind::Paging,
                        request,
                        format!(
                            "pages with {lp}={limit} skip {} instance{} of the unpaged list",
                            gaps.len(),
                            if gaps.len() == 1 { "" } else { "s" }
                        ),
                    )
                    .expected_actual(
                        "every instance on some page",
                        format!(
                            "missing {}",
                            gaps.iter().take(5).copied().collect::<Vec<_>>().join(", ")
                        ),
                    ),
                );
            } else if got.len() == expected.len() {
                let at = got
                    .iter()
                    .zip(&expected)
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                out.fail(
                    Finding::new(
                        desc.order.rule,
                        CheckKind::Order,
                        request,
                        format!(
                            "pages with {lp}={limit} concatenated are not in the unpaged order"
                        ),
                    )
                    .expected_actual(
                        format!("position {}: {}", at + 1, expected[at]),
                        format!("position {}: {}", at + 1, got[at]),
                    ),
                );
            }
        }
    }
    if let Some((rule, request, message)) = shown.filter(|_| out.findings.is_empty()) {
        out.observe(rule, request, message);
    }
}
