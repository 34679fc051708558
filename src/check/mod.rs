//! Checks: judge the answers of one case against the schema and the rules C1..C14.
//! They return data ([`Finding`], [`Observation`]); they never print and never send.
//!
//! One file per kind of check: [`status`], [`schema`], [`filter`] (C1..C7 soundness and
//! completeness), [`order`] (C8), [`paging`] (C9..C11), [`errors`] (C13), [`tenancy`] (C14).
//! None of this code is shared with the mock: the two implement the rules independently.

pub mod errors;
pub mod filter;
pub mod moving;
pub mod order;
pub mod paging;
pub mod schema;
pub mod status;
pub mod tenancy;

use crate::base::{Baseline, Inst};
use crate::case::{Case, Rule};
use crate::contract::shape::ListView;
use crate::contract::Contract;
use crate::exec::Exchange;
pub use crate::plan::Purpose;

/// Which kind of check produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckKind {
    Status,
    ContentType,
    Body,
    Schema,
    Filter,
    Order,
    Paging,
    Errors,
    Tenancy,
}

impl CheckKind {
    pub fn name(self) -> &'static str {
        match self {
            CheckKind::Status => "status",
            CheckKind::ContentType => "content-type",
            CheckKind::Body => "body",
            CheckKind::Schema => "schema",
            CheckKind::Filter => "filter",
            CheckKind::Order => "order",
            CheckKind::Paging => "paging",
            CheckKind::Errors => "errors",
            CheckKind::Tenancy => "tenancy",
        }
    }
}

/// A broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub check: CheckKind,
    pub message: String,
    pub expected: Option<String>,
    pub actual: Option<String>,
    /// JSON pointer into the response body, where one applies.
    pub pointer: Option<String>,
    /// Where the broken property comes from in the vendor page (schema findings).
    pub source: Option<String>,
    /// Index of the request (in the case's exchanges) the finding is about.
    pub request: usize,
    /// The item the finding is about, when a check makes one finding per item of one
    /// kind (see [`Item`]); the message names the item too.
    pub item: Option<Item>,
    /// The ids of the instances the finding is about, when it names some: a finding
    /// about the account's data is excused only when these instances moved
    /// ([`moving`]). Empty for a finding about counts or positions.
    pub instances: Vec<String>,
    /// What the answer itself showed moving: the item as answered differs from the
    /// unfiltered list it was judged against (`status RUNNING in the list, RESTARTING in
    /// the answer`). Evidence as good as a look's ([`moving`]).
    pub answered: Option<String>,
}

/// What a finding is about when a check makes one finding per item of one kind: an
/// instance listed though a filter excludes it, one missing though it matches. The
/// terminal groups the findings of one request that share rule, check and item kind
/// into one block ("41 unexpected instances: ..."); the other reports list each finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The kind, in the plural: "unexpected instances".
    pub kind: String,
    /// This item, as people read it: `id ("name")`.
    pub label: String,
}

impl Finding {
    pub fn new(
        rule: Rule,
        check: CheckKind,
        request: usize,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule,
            check,
            message: message.into(),
            expected: None,
            actual: None,
            pointer: None,
            source: None,
            request,
            item: None,
            instances: Vec::new(),
            answered: None,
        }
    }

    /// Says how the answer showed the item moving (see [`Finding::answered`]).
    pub fn answered_as(mut self, change: Option<String>) -> Finding {
        self.answered = change;
        self
    }

    /// Names the instances this finding is about (see [`Finding::instances`]).
    pub fn about<S: Into<String>>(mut self, ids: impl IntoIterator<Item = S>) -> Finding {
        self.instances.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Names the item this finding is about (see [`Item`]).
    pub fn item(mut self, kind: impl Into<String>, label: impl Into<String>) -> Finding {
        self.item = Some(Item {
            kind: kind.into(),
            label: label.into(),
        });
        self
    }

    pub fn expected_actual(
        mut self,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Finding {
        self.expected = Some(expected.into());
        self.actual = Some(actual.into());
        self
    }

    pub fn at(mut self, pointer: impl Into<String>) -> Finding {
        self.pointer = Some(pointer.into());
        self
    }
}

/// Behaviour the contract tolerates, recorded for review (never a failure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub rule: Rule,
    pub message: String,
    pub request: usize,
}

/// What the checks concluded about one case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub observations: Vec<Observation>,
    /// How many instances the expected result held (summed over the lists checked);
    /// zero with a 200 list case means the case tested nothing.
    pub expected_instances: usize,
    /// True when at least one list answer was compared with the oracle.
    pub compared_list: bool,
    /// Items an answer showed in another state than the unfiltered list: (id, what
    /// differed). Not findings: evidence that the account moved ([`moving`]).
    pub sightings: Vec<crate::base::Sighting>,
}

impl Outcome {
    pub fn fail(&mut self, f: Finding) {
        self.findings.push(f);
    }

    /// Takes over another outcome's results (one computed on the side).
    pub fn absorb(&mut self, other: Outcome) {
        self.findings.extend(other.findings);
        self.observations.extend(other.observations);
        self.expected_instances += other.expected_instances;
        self.compared_list |= other.compared_list;
        self.sightings.extend(other.sightings);
    }

    pub fn observe(&mut self, rule: Rule, request: usize, message: impl Into<String>) {
        self.observations.push(Observation {
            rule,
            message: message.into(),
            request,
        });
    }
}

/// Everything the checks of one case need to know besides the answers.
pub struct Context<'a> {
    pub contract: &'a Contract,
    pub case: &'a Case,
    /// The unfiltered list of the queried project.
    pub baseline: &'a Baseline,
    /// Instances of another project, which must never appear (C14); empty if unknown.
    pub foreign: &'a Baseline,
}

/// The rule to blame for a wrong status: the case's first declared rule, which says
/// why the case expects what it expects; the shape rule (C12) when it declares none.
pub fn case_rule(ctx: &Context<'_>) -> Rule {
    ctx.case
        .rules
        .first()
        .copied()
        .unwrap_or(ctx.contract.desc().shape_rule)
}

/// One answer of a case, read: the checks of the answer on its own are done, its raw
/// body is gone (the parsed tree is kept only when asked for), and what the checks
/// across the case's answers need of it (its list) is kept.
///
/// The runner reads each answer as it arrives, so that a case's answers never wait,
/// raw, for each other: a large account's answers are held once, compactly.
pub struct Answer {
    pub purpose: Purpose,
    pub exchange: Exchange,
    /// The findings of this answer's own checks.
    out: Outcome,
    /// What is kept of the answer's list, when it was read as one.
    view: Option<Kept>,
    /// A page of a walk (read or not: a page that could not be read leaves a gap).
    walk: bool,
}

/// Reads answer `request` of a case (its index in the case's requests) and runs the
/// checks that need only this answer: status, schema, order, tenancy, and the filter for
/// the case's main request. Then releases the raw body, keeping what `keep_body` says.
pub fn read_answer(
    ctx: &Context<'_>,
    request: usize,
    purpose: Purpose,
    mut exchange: Exchange,
    keep_body: crate::exec::Keep,
) -> Answer {
    let mut out = Outcome::default();
    let (view, walk) = match &exchange.outcome {
        Ok(resp) => read_response(ctx, request, purpose, &exchange.request, resp, &mut out),
        Err(_) => (None, false),
    };
    let view = view.map(|v| Kept {
        ids: v.instances.as_deref().map(IdList::of),
        total: v.total,
    });
    if let Ok(resp) = &mut exchange.outcome {
        resp.release_body(keep_body);
    }
    Answer {
        purpose,
        exchange,
        out,
        view,
        walk,
    }
}

/// The per-answer checks; returns the answer's list and whether it is a page of a walk.
fn read_response(
    ctx: &Context<'_>,
    i: usize,
    purpose: Purpose,
    request: &crate::exec::Request,
    resp: &crate::exec::Response,
    out: &mut Outcome,
) -> (Option<ListView>, bool) {
    let is_page = matches!(purpose, Purpose::Page { .. });
    let expected_status: &[u16] = match purpose {
        Purpose::Main | Purpose::Repeat => &ctx.case.expect.status,
        Purpose::Page { .. } => &[200],
    };
    if !status::check(ctx, i, resp, expected_status, out) {
        return (None, is_page);
    }
    if resp.status != 200 {
        if let Some(body) = status::json(ctx.contract.desc(), i, resp, out) {
            if resp.status >= 400 {
                errors::check(ctx.contract.desc(), i, body, out);
            }
        }
        return (None, false);
    }
    let Some(view) = schema::check(ctx.contract, i, resp, out) else {
        return (None, is_page);
    };
    if let Some(list) = &view.instances {
        let desc = ctx.contract.desc();
        order::check_sorted(desc, ctx.baseline, i, list, out);
        if desc.order.any_stable
            && purpose == Purpose::Main
            && ctx.case.rules.contains(&desc.order.rule)
        {
            // The page leaves the order open: the case about order records the one the
            // target follows, so a change of order is a snapshot diff, not a failure.
            let point = crate::contract::desc::point_prefix(&desc.order.point);
            out.observe(
                desc.order.rule,
                i,
                format!(
                    "{point}order followed: {}",
                    order::describe_spec(desc, &ctx.baseline.order)
                ),
            );
        }
        tenancy::check(ctx, i, list, out);
        if purpose == Purpose::Main {
            filter::check(ctx, i, request, view.total.as_ref(), list, out);
            if ctx.case.rules.contains(&desc.shape_rule) {
                record_forms(desc, i, list, out);
            }
        }
    }
    (Some(view), is_page)
}

/// Where the page leaves a member's written form open (`[answer] forms`), the forms an
/// answer uses, recorded (never judged): `created_at: 9-9-9T9:9:9.999Z`.
fn record_forms(desc: &crate::contract::Desc, request: usize, list: &[Inst], out: &mut Outcome) {
    for (name, field) in &desc.forms {
        let forms: std::collections::BTreeSet<String> = list
            .iter()
            .map(|i| crate::contract::desc::written_form(field.of(i)))
            .collect();
        if !forms.is_empty() {
            let forms: Vec<String> = forms.into_iter().collect();
            out.observe(
                desc.shape_rule,
                request,
                format!("forms of {name}: {}", forms.join(", ")),
            );
        }
    }
}

/// Runs every check on the answers of one case: [`read_answer`] on each, then
/// [`check_case`]. For callers that hold every answer anyway (fuzzing, benchmarks).
pub fn check_exchanges(ctx: &Context<'_>, exchanges: Vec<(Purpose, Exchange)>) -> Outcome {
    let answers: Vec<Answer> = exchanges
        .into_iter()
        .enumerate()
        .map(|(i, (p, ex))| read_answer(ctx, i, p, ex, crate::exec::Keep::Nothing))
        .collect();
    check_case(ctx, &answers)
}

/// The checks of one case across its answers, each already read ([`read_answer`], in
/// request order): the findings of every answer in request order, then the same order
/// on repeats (C8) and the walks (C9..C11).
pub fn check_case(ctx: &Context<'_>, answers: &[Answer]) -> Outcome {
    let mut out = Outcome::default();
    let mut main_list: Option<&IdList> = None;
    let mut repeats: Vec<(usize, &IdList)> = Vec::new();
    let mut walks: Vec<(u32, u32, usize, Option<&Kept>)> = Vec::new();
    for (i, a) in answers.iter().enumerate() {
        out.absorb(a.out.clone());
        let list = a.view.as_ref().and_then(|v| v.ids.as_ref());
        match a.purpose {
            Purpose::Main if a.view.is_some() => main_list = list,
            Purpose::Repeat => repeats.extend(list.map(|l| (i, l))),
            Purpose::Page { limit, index } if a.walk => {
                walks.push((limit, index, i, a.view.as_ref()));
            }
            _ => {}
        }
    }
    if let Some(first) = main_list {
        for (i, again) in &repeats {
            order::check_stable(ctx.contract.desc(), *i, first, again, &mut out);
        }
    }
    if !walks.is_empty() {
        let base = answers
            .iter()
            .find(|a| matches!(a.purpose, Purpose::Page { .. }))
            .map(|a| a.exchange.request.clone());
        if let Some(base) = base {
            let purposes: Vec<Purpose> = answers.iter().map(|a| a.purpose).collect();
            paging::check_walks(ctx, &base, &purposes, &walks, &mut out);
        }
    }
    if out.findings.len() > MAX_FINDINGS {
        let more = out.findings.len() - MAX_FINDINGS;
        out.findings.truncate(MAX_FINDINGS);
        let last = &out.findings[MAX_FINDINGS - 1];
        let (rule, check, request) = (last.rule, last.check, last.request);
        out.fail(Finding::new(
            rule,
            check,
            request,
            format!("and {more} more findings"),
        ));
    }
    out
}

/// What the checks across a case's answers need of one list answer, once its own checks
/// are done: its ids in order and its total (the rest of each item can go).
pub struct Kept {
    /// `None` when the body had no list (or an item without an id).
    pub ids: Option<IdList>,
    /// The total, when it is a number.
    pub total: Option<serde_json::Number>,
}

/// The ids of a list, in order, held compactly: back to back in one string.
#[derive(Debug, Default)]
pub struct IdList {
    text: String,
    ends: Vec<u32>,
}

impl IdList {
    pub fn of(list: &[Inst]) -> IdList {
        let mut ids = IdList {
            text: String::with_capacity(list.iter().map(|i| i.id().len()).sum()),
            ends: Vec::with_capacity(list.len()),
        };
        for inst in list {
            ids.text.push_str(inst.id());
            // A list answer is under --max-body, so its ids are under 4 GiB.
            ids.ends
                .push(u32::try_from(ids.text.len()).unwrap_or(u32::MAX));
        }
        ids
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The id at `k`.
    pub fn get(&self, k: usize) -> Option<&str> {
        let end = *self.ends.get(k)? as usize;
        let start = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        self.text.get(start..end)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).filter_map(|k| self.get(k))
    }
}

/// A set of instance ids, as the checks build them over whole answers; foldhash is much
/// faster than the standard SipHash on short keys, and its per-process random seed keeps
/// a target from choosing ids that collide.
pub type IdSet<'a> = std::collections::HashSet<&'a str, foldhash::fast::RandomState>;

/// Findings kept per case: past this, more lines say nothing new to a reader.
pub const MAX_FINDINGS: usize = 30;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_list_keeps_every_id_in_order_including_empty_and_non_ascii_ones() {
        let contract = Contract::embedded();
        let ids = ["b", "", "实例-1", "a"];
        let list: Vec<Inst> = ids.iter().map(|id| contract.item(id, &[])).collect();
        let kept = IdList::of(&list);
        assert_eq!(kept.len(), 4);
        assert_eq!(kept.iter().collect::<Vec<_>>(), ids);
        assert_eq!(kept.get(2), Some("实例-1"));
        assert_eq!(kept.get(4), None);
        assert!(IdList::of(&[]).is_empty());
    }
}
