//! Filters and the page slice (C1..C7, C9..C11 for one answer, as the contract
//! description names them): the oracle computes, from the baseline, which items the
//! query must return, and compares by id. Missing ones break completeness, extra ones
//! break soundness.

use serde_json::Number;

use super::{CheckKind, Context, Finding, Observation, Outcome};
use crate::base::Inst;
use crate::case::ResultsExpect;
pub use crate::contract::query::{expected, expected_positions, paging_rules, Active, Query};
use crate::exec::Request;

/// Compares one list answer with the oracle.
pub fn check(
    ctx: &Context<'_>,
    request: usize,
    req: &Request,
    total_member: Option<&Number>,
    got: &[Inst],
    out: &mut Outcome,
) {
    let desc = ctx.contract.desc();
    let pairs = req.decoded_query();
    let q = Query::parse(desc, &pairs);
    // A repeated parameter: the page is silent, so the last value winning and the first
    // are both readings; the answer passes under either and the one followed is recorded.
    let Some(first) = q.first_wins(&pairs) else {
        return check_query(ctx, request, &q, total_member, got, out);
    };
    let mut last = Outcome::default();
    check_query(ctx, request, &q, total_member, got, &mut last);
    if last.findings.is_empty() {
        if expected_positions(ctx.baseline, &first) != expected_positions(ctx.baseline, &q) {
            out.observe(
                desc.and_rule,
                request,
                "reading followed: a repeated parameter, its last value counts",
            );
        }
        return out.absorb(last);
    }
    let mut under_first = Outcome::default();
    check_query(ctx, request, &first, total_member, got, &mut under_first);
    if under_first.findings.is_empty() {
        out.observe(
            desc.and_rule,
            request,
            "reading followed: a repeated parameter, its first value counts (accepted)",
        );
        return out.absorb(under_first);
    }
    for f in &mut last.findings {
        f.message = format!(
            "{} (under both readings of the repeated parameter: its last value, its first)",
            f.message
        );
    }
    out.absorb(last);
}

/// Judges one answer under one reading of the query (and the readings of its filters).
fn check_query(
    ctx: &Context<'_>,
    request: usize,
    q: &Query<'_>,
    total_member: Option<&Number>,
    got: &[Inst],
    out: &mut Outcome,
) {
    let mut strict = Outcome::default();
    let shown = check_with(ctx, request, q, total_member, got, &mut strict);
    // Where the page is silent, a filter accepts other readings (the contract notes'
    // S points): the answer passes when it is right under one of them (items, page
    // window and total alike), and the reading it follows is recorded. A reading is
    // recorded only for an answer that is right under it.
    let alternatives = q.alternatives();
    if strict.findings.is_empty() {
        // Recorded only when another reading would have given another answer: then
        // this answer tells which one the target follows.
        let own = expected_positions(ctx.baseline, q);
        let differs = alternatives
            .iter()
            .any(|alt| expected_positions(ctx.baseline, alt) != own);
        if differs {
            out.observe(
                q.active
                    .iter()
                    .map(|a| q.desc.filters[a.filter].rule)
                    .next()
                    .unwrap_or(q.desc.and_rule),
                request,
                format!("reading followed: {}", q.open_points().join("; ")),
            );
        }
        out.observations.extend(shown);
        out.absorb(strict);
        return;
    }
    for alt in &alternatives {
        let mut under = Outcome::default();
        let shown = check_with(ctx, request, alt, total_member, got, &mut under);
        if under.findings.is_empty() {
            out.observe(
                alt.readings_rule().unwrap_or(q.desc.and_rule),
                request,
                format!("reading followed: {} (accepted)", alt.readings_said()),
            );
            out.observations.extend(shown);
            out.absorb(under);
            return;
        }
    }
    let open = q.open_points();
    if !open.is_empty() {
        // Wrong under every reading the contract accepts: say which were tried.
        for f in &mut strict.findings {
            f.message = format!(
                "{} (under every accepted reading: {})",
                f.message,
                open.join("; ")
            );
        }
    }
    out.absorb(strict);
}

fn check_with(
    ctx: &Context<'_>,
    request: usize,
    q: &Query<'_>,
    total_member: Option<&Number>,
    got: &[Inst],
    out: &mut Outcome,
) -> Option<Observation> {
    let desc = q.desc;
    // What this answer shows of an open point (what the total counts), for the caller
    // to record if the answer is right under the reading it is judged by.
    let mut shown = None;
    let (start_rule, limit_rule) = paging_rules(desc);
    let full_at = expected_positions(ctx.baseline, q);
    let full: Vec<&Inst> = full_at
        .iter()
        .map(|&p| &ctx.baseline.instances[p])
        .collect();
    // The window this answer should hold (C9, C10): it decides whether the case
    // compared anything, and completeness is judged against it.
    // Saturating: a start or limit beyond any list (2^64 + 1) is read, not refused.
    let start = q.start.unwrap_or(0).saturating_add(1);
    let from = (start - 1).min(full.len());
    let to = q
        .limit
        .map_or(full.len(), |l| from.saturating_add(l).min(full.len()));
    let page = &full[from..to];
    out.compared_list = true;
    out.expected_instances += page.len();
    if ctx.case.expect.results == ResultsExpect::None && !page.is_empty() {
        out.observe(
            ctx.case.rules.first().copied().unwrap_or(desc.and_rule),
            request,
            format!(
                "the case expects no results, but {} instances of the target's data match",
                page.len()
            ),
        );
    }

    // The total counts every match, across pages (C11). Any number is compared: one
    // beyond 64 bits arrives as a float and must fail here, not be skipped.
    if let (Some(n), Some(total)) = (total_member, &desc.total) {
        let counts_all = n.as_u64() == Some(full.len() as u64);
        let counts_page = n.as_u64() == Some(got.len() as u64);
        if full.len() != got.len() && total.counts_page_too && (counts_all || counts_page) {
            // The page leaves open what the total counts (S10): this answer tells.
            let point = crate::contract::desc::point_prefix(&total.point);
            let what = if counts_all {
                "every match"
            } else {
                "this page's items"
            };
            shown = Some(Observation {
                rule: total.rule,
                request,
                message: format!("{point}reading followed: {} counts {what}", total.field),
            });
        } else if !counts_all && (!total.counts_page_too || !counts_page) {
            out.fail(
                Finding::new(
                    total.rule,
                    CheckKind::Paging,
                    request,
                    format!("{} is not the number of matches", total.field),
                )
                .expected_actual(
                    if total.counts_page_too {
                        format!("{} (every match) or {} (this page)", full.len(), got.len())
                    } else {
                        full.len().to_string()
                    },
                    n.to_string(),
                )
                .at(format!("/{}", total.field)),
            );
        }
    }

    // Soundness: nothing that breaks a filter. Each returned instance is looked up in
    // the baseline once; `returned` marks what came back, for completeness below.
    let mut returned = vec![false; ctx.baseline.len()];
    let mut unsound = 0;
    for (pos, inst) in got.iter().enumerate() {
        let Some(at) = ctx.baseline.position(inst.id()) else {
            unsound += 1;
            // Not in the unfiltered list at all: another project's item is the tenancy
            // rule's to report (tenancy.rs); anything else appeared from nowhere.
            if ctx.foreign.get(inst.id()).is_none() {
                out.fail(
                    Finding::new(
                        desc.and_rule,
                        CheckKind::Filter,
                        request,
                        format!(
                            "instance {} ({:?}) is not in the unfiltered list",
                            inst.id(),
                            inst.label(&desc.layout)
                        ),
                    )
                    .item(
                        format!("{}s not in the unfiltered list", desc.item),
                        format!("{} ({:?})", inst.id(), inst.label(&desc.layout)),
                    )
                    .about([inst.id()])
                    .at(format!("/{}/{pos}", desc.list)),
                );
            }
            continue;
        };
        returned[at] = true;
        let known = &ctx.baseline.instances[at];
        if let Some(change) = answered_change(desc, known, inst) {
            // The answer shows the item in another state than the list: the account
            // moved between the two (kept as evidence, whatever the verdict).
            if out.sightings.len() < MAX_SIGHTINGS {
                out.sightings.push(crate::base::Sighting {
                    listed: known.clone(),
                    answered: inst.clone(),
                    what: change,
                });
            }
        }
        let Some((rule, why)) = q.excludes(known) else {
            continue;
        };
        unsound += 1;
        let rule = if q.blames_and(rule, known) {
            desc.and_rule
        } else {
            rule
        };
        out.fail(
            Finding::new(
                rule,
                CheckKind::Filter,
                request,
                format!(
                    "unexpected instance {} ({:?})",
                    known.id(),
                    known.label(&desc.layout)
                ),
            )
            .item(
                format!("unexpected {}s", desc.item),
                format!("{} ({:?})", known.id(), known.label(&desc.layout)),
            )
            .about([known.id()])
            .answered_as(answered_change(desc, known, inst))
            .expected_actual("no such instance", why)
            .at(format!("/{}/{pos}", desc.list)),
        );
    }

    // Completeness and the page slice.
    let paged = q.start.is_some() || q.limit.is_some();
    if let Some(limit) = q.limit {
        if got.len() > limit {
            out.fail(
                Finding::new(
                    limit_rule,
                    CheckKind::Paging,
                    request,
                    format!("more instances than {}", limit_param(desc)),
                )
                .expected_actual(format!("at most {limit}"), got.len().to_string()),
            );
            return shown;
        }
    }
    let missing: Vec<&&Inst> = page
        .iter()
        .zip(&full_at[from..to])
        .filter(|(_, &at)| !returned[at])
        .map(|(i, _)| i)
        .collect();
    if missing.is_empty() {
        return shown;
    }
    if paged && unsound == 0 {
        // Every returned instance matches, but the window is wrong: name the position.
        if let Some(offset) = window_offset(&full, got) {
            out.fail(
                Finding::new(
                    start_rule,
                    CheckKind::Paging,
                    request,
                    "the page starts at the wrong position",
                )
                .expected_actual(
                    format!("position {start}"),
                    format!("position {}", offset + 1),
                ),
            );
            return shown;
        }
    }
    // The answer is the start of the page it should be, cut short: a page size the
    // target imposes (asked for 1000, got 50 of 60), not a filter.
    // Unpaged, only when the answer's own total counts every match: then the target
    // knows the rest and left it out, where a target that lost an item counts without it.
    let counts_all = total_member
        .and_then(Number::as_u64)
        .is_some_and(|t| t == full.len() as u64);
    let cut_short = unsound == 0
        && got.len() < page.len()
        && got.iter().zip(page).all(|(a, b)| a.id() == b.id());
    if cut_short && (q.limit.is_some() || (!paged && counts_all)) {
        let asked = match q.limit {
            Some(l) => format!("{}={l}", limit_param(desc)),
            None => format!("no {} (every match)", limit_param(desc)),
        };
        out.fail(
            Finding::new(
                limit_rule,
                CheckKind::Paging,
                request,
                format!(
                    "the page stops short: asked for {asked}, got {} of {}",
                    got.len(),
                    page.len()
                ),
            )
            .expected_actual(
                format!("{} instances", page.len()),
                format!(
                    "{} instances, the first {0} in order: the target caps its pages",
                    got.len()
                ),
            )
            // Unpaged, the items left out are the ones to look at again: an account
            // that lost them since the list was read explains the short answer.
            .about(
                page[got.len()..]
                    .iter()
                    .filter(|_| !paged)
                    .map(|i| i.id().to_string()),
            ),
        );
        return shown;
    }
    for m in missing.iter().take(20) {
        out.fail(
            Finding::new(
                q.completeness_rule(m),
                CheckKind::Filter,
                request,
                format!("missing instance {} ({:?})", m.id(), m.label(&desc.layout)),
            )
            .item(
                format!("missing {}s", desc.item),
                format!("{} ({:?})", m.id(), m.label(&desc.layout)),
            )
            // A page's missing items are the ones a move before the window pushed out:
            // only an unpaged answer's missing item is itself the one to look at.
            .about((!paged).then(|| m.id()))
            .expected_actual("present (it matches every filter)", "absent"),
        );
    }
    if missing.len() > 20 {
        out.fail(
            Finding::new(
                q.completeness_rule(missing[0]),
                CheckKind::Filter,
                request,
                format!("and {} more missing instances", missing.len() - 20),
            )
            .about(missing[20..].iter().filter(|_| !paged).map(|m| m.id())),
        );
    }
    shown
}

/// The most items an answer reports as seen in another state than the list.
const MAX_SIGHTINGS: usize = 64;

/// How an item as answered differs from the same item in the unfiltered list, in the
/// members the rules read; `None` when it does not.
fn answered_change(desc: &crate::contract::Desc, listed: &Inst, answered: &Inst) -> Option<String> {
    let changes: Vec<String> = desc
        .layout
        .fields
        .iter()
        .enumerate()
        .filter(|&(slot, _)| listed.field(slot) != answered.field(slot))
        .map(|(slot, name)| {
            format!(
                "{name} {:?} in the unfiltered list, {:?} in the answer",
                listed.field(slot),
                answered.field(slot)
            )
        })
        .collect();
    (!changes.is_empty()).then(|| changes.join(", "))
}

fn limit_param(desc: &crate::contract::Desc) -> &str {
    desc.limit
        .as_ref()
        .map_or("the page size", |l| l.param.as_str())
}

/// Where `got` sits in `full` as one contiguous run, if it does.
fn window_offset(full: &[&Inst], got: &[Inst]) -> Option<usize> {
    let first = got.first()?;
    let at = full.iter().position(|i| i.id() == first.id())?;
    let run = full.get(at..at + got.len())?;
    run.iter()
        .zip(got)
        .all(|(a, b)| a.id() == b.id())
        .then_some(at)
}
