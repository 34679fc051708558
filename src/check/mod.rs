//! Checks: judge the answers of one case against the schema and the rules C1..C14.
//! They return data ([`Finding`], [`Observation`]); they never print and never send.
//!
//! One file per kind of check: [`status`], [`schema`], [`filter`] (C1..C7 soundness and
//! completeness), [`order`] (C8), [`paging`] (C9..C11), [`errors`] (C13), [`tenancy`] (C14).
//! None of this code is shared with the mock: the two implement the rules independently.

pub mod errors;
pub mod filter;
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
        }
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

/// Runs every check on the answers of one case.
pub fn check_case(ctx: &Context<'_>, exchanges: &[(Purpose, Exchange)]) -> Outcome {
    let mut out = Outcome::default();
    let mut main_list: Option<Vec<Inst>> = None;
    let mut repeats: Vec<(usize, Vec<Inst>)> = Vec::new();
    let mut walks: Vec<(u32, u32, usize, Option<ListView>)> = Vec::new();
    for (i, (purpose, ex)) in exchanges.iter().enumerate() {
        let Ok(resp) = &ex.outcome else { continue };
        let expected_status: &[u16] = match purpose {
            Purpose::Main | Purpose::Repeat => &ctx.case.expect.status,
            Purpose::Page { .. } => &[200],
        };
        let usable = status::check(ctx, i, resp, expected_status, &mut out);
        let view = if !usable {
            None
        } else if resp.status == 200 {
            schema::check(ctx.contract, i, resp, &mut out)
        } else {
            if let Some(body) = status::json(ctx.contract.desc(), i, resp, &mut out) {
                if resp.status >= 400 {
                    errors::check(ctx.contract.desc(), i, body, &mut out);
                }
            }
            continue;
        };
        let Some(view) = view else {
            if let Purpose::Page { limit, index } = purpose {
                walks.push((*limit, *index, i, None));
            }
            continue;
        };
        if let Some(list) = &view.instances {
            order::check_sorted(ctx.contract.desc(), i, list, &mut out);
            tenancy::check(ctx, i, list, &mut out);
        }
        match purpose {
            Purpose::Main => {
                if let Some(list) = &view.instances {
                    filter::check(ctx, i, &ex.request, view.total.as_ref(), list, &mut out);
                }
                main_list = view.instances;
            }
            Purpose::Repeat => {
                if let Some(list) = view.instances {
                    repeats.push((i, list));
                }
            }
            Purpose::Page { limit, index } => walks.push((*limit, *index, i, Some(view))),
        }
    }
    if let Some(first) = &main_list {
        for (i, again) in &repeats {
            order::check_stable(ctx.contract.desc(), *i, first, again, &mut out);
        }
    }
    if !walks.is_empty() {
        let base = exchanges
            .iter()
            .find(|(p, _)| matches!(p, Purpose::Page { .. }))
            .map(|(_, e)| e.request.clone());
        if let Some(base) = base {
            paging::check_walks(ctx, &base, exchanges, &walks, &mut out);
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

/// A set of instance ids, as the checks build them over whole answers; foldhash is much
/// faster than the standard SipHash on short keys, and its per-process random seed keeps
/// a target from choosing ids that collide.
pub type IdSet<'a> = std::collections::HashSet<&'a str, foldhash::fast::RandomState>;

/// Findings kept per case: past this, more lines say nothing new to a reader.
pub const MAX_FINDINGS: usize = 30;
