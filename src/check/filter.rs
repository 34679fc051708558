//! C1..C7 and the page slice (C9..C11 for one answer): the oracle computes, from the
//! baseline, which instances the query must return, and compares by instance_id.
//! Missing ones break completeness, extra ones break soundness.

use serde_json::Number;

use super::{CheckKind, Context, Finding, Outcome};
use crate::case::{ResultsExpect, Rule};
use crate::exec::Request;
use crate::plan::{Baseline, Inst};

/// The query as the contract reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub name: Option<String>,
    pub exact: bool,
    pub status: Option<String>,
    pub id: Option<String>,
    pub include_failed: bool,
    /// 1-based (C9); `None` when absent or empty.
    pub start: Option<usize>,
    /// `None` = all (C10).
    pub limit: Option<usize>,
    /// Parameters sent with an empty value (C1).
    pub empty: Vec<String>,
    /// True when start or limit is not a decimal integer >= 1 (a 400 is due).
    pub invalid_paging: bool,
    /// Fuzzy matching ignores case: the reading C2 tolerates, tried only when the
    /// strict reading fails.
    pub case_insensitive: bool,
}

impl Query {
    /// Reads the decoded query; the last value of a repeated parameter wins.
    pub fn parse(pairs: &[(String, String)]) -> Query {
        let mut q = Query::default();
        let get = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let non_empty = |name: &str| get(name).filter(|v| !v.is_empty()).map(str::to_string);
        for (k, v) in pairs {
            if v.is_empty() && !q.empty.contains(k) {
                q.empty.push(k.clone());
            }
        }
        q.name = non_empty("name");
        // C3: only the literal `true` turns exact matching on; C6 likewise.
        q.exact = get("isExactMatchName") == Some("true");
        q.include_failed = get("includeFailure") == Some("true");
        q.status = non_empty("status");
        q.id = non_empty("id");
        let number = |name: &str, q: &mut Query| -> Option<usize> {
            let v = non_empty(name)?;
            match v.parse::<usize>() {
                Ok(n) if n >= 1 && v.bytes().all(|b| b.is_ascii_digit()) => Some(n),
                _ => {
                    q.invalid_paging = true;
                    None
                }
            }
        };
        q.start = number("start", &mut q);
        q.limit = number("limit", &mut q);
        q
    }

    /// Why `inst` must not be in the result (the rule it would break), if so.
    pub fn excludes(&self, inst: &Inst) -> Option<(Rule, String)> {
        if inst.failed() && !self.include_failed {
            return Some((
                Rule(6),
                "status CREATEFAILED without includeFailure=true".into(),
            ));
        }
        if let Some(n) = &self.name {
            if self.exact && inst.name != *n {
                return Some((
                    Rule(3),
                    format!("name {:?} is not exactly {n:?}", inst.name),
                ));
            }
            if !self.exact && !self.fuzzy_match(&inst.name, n) {
                return Some((
                    Rule(2),
                    format!("name {:?} does not contain {n:?}", inst.name),
                ));
            }
        }
        if let Some(s) = &self.status {
            if inst.status != *s {
                return Some((Rule(4), format!("status {} is not {s}", inst.status)));
            }
        }
        if let Some(id) = &self.id {
            if inst.id != *id {
                return Some((Rule(5), format!("instance_id is not {id}")));
            }
        }
        None
    }

    fn fuzzy_match(&self, name: &str, term: &str) -> bool {
        if self.case_insensitive {
            name.to_lowercase().contains(&term.to_lowercase())
        } else {
            name.contains(term)
        }
    }

    /// The reading C2 tolerates, when it differs from this one.
    pub fn tolerant(&self) -> Option<Query> {
        (self.name.is_some() && !self.exact && !self.case_insensitive).then(|| Query {
            case_insensitive: true,
            ..self.clone()
        })
    }

    /// How many filters are active (for blaming C7 when they are OR-ed).
    fn active_filters(&self) -> usize {
        usize::from(self.name.is_some())
            + usize::from(self.status.is_some())
            + usize::from(self.id.is_some())
    }

    /// True when `inst` passes at least one active filter (an OR would let it in).
    fn passes_some_filter(&self, inst: &Inst) -> bool {
        let name = self.name.as_ref().is_some_and(|n| {
            if self.exact {
                inst.name == *n
            } else {
                self.fuzzy_match(&inst.name, n)
            }
        });
        name || self.status.as_ref().is_some_and(|s| inst.status == *s)
            || self.id.as_ref().is_some_and(|i| inst.id == *i)
    }

    /// The rule a missing instance is blamed on: the filter that should have let it in.
    pub fn completeness_rule(&self, inst: &Inst) -> Rule {
        if inst.failed() && self.include_failed {
            Rule(6)
        } else if self.name.is_some() {
            Rule(if self.exact { 3 } else { 2 })
        } else if self.status.is_some() {
            Rule(4)
        } else if self.id.is_some() {
            Rule(5)
        } else if !self.empty.is_empty() {
            Rule(1)
        } else {
            Rule(7)
        }
    }
}

/// Every instance of the baseline the query must return, in contract order (all pages).
pub fn expected<'a>(baseline: &'a Baseline, q: &Query) -> Vec<&'a Inst> {
    expected_positions(baseline, q)
        .into_iter()
        .map(|p| &baseline.instances[p])
        .collect()
}

/// The same, as positions in the baseline.
pub fn expected_positions(baseline: &Baseline, q: &Query) -> Vec<usize> {
    // The baseline is kept in contract order (C8), so filtering keeps it.
    (0..baseline.len())
        .filter(|&p| q.excludes(&baseline.instances[p]).is_none())
        .collect()
}

/// Compares one list answer with the oracle.
pub fn check(
    ctx: &Context<'_>,
    request: usize,
    req: &Request,
    instance_num: Option<&Number>,
    got: &[Inst],
    out: &mut Outcome,
) {
    let q = Query::parse(&req.decoded_query());
    let mut strict = Outcome::default();
    check_with(ctx, request, &q, instance_num, got, &mut strict);
    // C2 tolerates case-insensitive fuzzy matching: if the answer is right under that
    // reading (names, page window and instance_num alike), it passes with an observation.
    if !strict.findings.is_empty() {
        if let Some(tq) = q.tolerant() {
            let mut tolerant = Outcome::default();
            check_with(ctx, request, &tq, instance_num, got, &mut tolerant);
            if tolerant.findings.is_empty() {
                out.observe(
                    Rule(2),
                    request,
                    format!(
                        "name {:?} is matched case-insensitively (tolerated)",
                        q.name.as_deref().unwrap_or("")
                    ),
                );
                out.absorb(tolerant);
                return;
            }
        }
    }
    out.absorb(strict);
}

fn check_with(
    ctx: &Context<'_>,
    request: usize,
    q: &Query,
    instance_num: Option<&Number>,
    got: &[Inst],
    out: &mut Outcome,
) {
    let full_at = expected_positions(ctx.baseline, q);
    let full: Vec<&Inst> = full_at
        .iter()
        .map(|&p| &ctx.baseline.instances[p])
        .collect();
    // The window this answer should hold (C9, C10): it decides whether the case
    // compared anything, and completeness is judged against it.
    let start = q.start.unwrap_or(1);
    let from = (start - 1).min(full.len());
    let to = q.limit.map_or(full.len(), |l| (from + l).min(full.len()));
    let page = &full[from..to];
    out.compared_list = true;
    out.expected_instances += page.len();
    if ctx.case.expect.results == ResultsExpect::None && !page.is_empty() {
        out.observe(
            ctx.case.rules.first().copied().unwrap_or(Rule(7)),
            request,
            format!(
                "the case expects no results, but {} instances of the target's data match",
                page.len()
            ),
        );
    }

    // C11: instance_num counts every match, across pages. Any number is compared: one
    // beyond 64 bits arrives as a float and must fail here, not be skipped.
    if let Some(n) = instance_num {
        if n.as_u64() != Some(full.len() as u64) {
            out.fail(
                Finding::new(
                    Rule(11),
                    CheckKind::Paging,
                    request,
                    "instance_num is not the number of matches",
                )
                .expected_actual(full.len().to_string(), n.to_string())
                .at("/instance_num"),
            );
        }
    }

    // Soundness: nothing that breaks a filter. Each returned instance is looked up in
    // the baseline once; `returned` marks what came back, for completeness below.
    let mut returned = vec![false; ctx.baseline.len()];
    let mut unsound = 0;
    for (pos, inst) in got.iter().enumerate() {
        let Some(at) = ctx.baseline.position(&inst.id) else {
            unsound += 1;
            // Not in the unfiltered list at all: another project's instance is C14's to
            // report (tenancy.rs); anything else appeared from nowhere.
            if ctx.foreign.get(&inst.id).is_none() {
                out.fail(
                    Finding::new(
                        Rule(7),
                        CheckKind::Filter,
                        request,
                        format!(
                            "instance {} ({:?}) is not in the unfiltered list",
                            inst.id, inst.name
                        ),
                    )
                    .item(
                        "instances not in the unfiltered list",
                        format!("{} ({:?})", inst.id, inst.name),
                    )
                    .at(format!("/instances/{pos}")),
                );
            }
            continue;
        };
        returned[at] = true;
        let known = &ctx.baseline.instances[at];
        let Some((rule, why)) = q.excludes(known) else {
            continue;
        };
        unsound += 1;
        let rule = if q.active_filters() > 1 && q.passes_some_filter(known) && rule != Rule(6) {
            Rule(7)
        } else {
            rule
        };
        out.fail(
            Finding::new(
                rule,
                CheckKind::Filter,
                request,
                format!("unexpected instance {} ({:?})", known.id, known.name),
            )
            .item(
                "unexpected instances",
                format!("{} ({:?})", known.id, known.name),
            )
            .expected_actual("no such instance", why)
            .at(format!("/instances/{pos}")),
        );
    }

    // Completeness and the page slice.
    let paged = q.start.is_some() || q.limit.is_some();
    if let Some(limit) = q.limit {
        if got.len() > limit {
            out.fail(
                Finding::new(
                    Rule(10),
                    CheckKind::Paging,
                    request,
                    "more instances than limit",
                )
                .expected_actual(format!("at most {limit}"), got.len().to_string()),
            );
            return;
        }
    }
    let missing: Vec<&&Inst> = page
        .iter()
        .zip(&full_at[from..to])
        .filter(|(_, &at)| !returned[at])
        .map(|(i, _)| i)
        .collect();
    if missing.is_empty() {
        return;
    }
    if paged && unsound == 0 {
        // Every returned instance matches, but the window is wrong: name the position.
        if let Some(offset) = window_offset(&full, got) {
            out.fail(
                Finding::new(
                    Rule(9),
                    CheckKind::Paging,
                    request,
                    "the page starts at the wrong position",
                )
                .expected_actual(
                    format!("position {start}"),
                    format!("position {}", offset + 1),
                ),
            );
            return;
        }
        if q.limit.is_some()
            && got.len() < page.len()
            && got.iter().zip(page).all(|(a, b)| a.id == b.id)
        {
            out.fail(
                Finding::new(
                    Rule(10),
                    CheckKind::Paging,
                    request,
                    "fewer instances than limit allows",
                )
                .expected_actual(page.len().to_string(), got.len().to_string()),
            );
            return;
        }
    }
    for m in missing.iter().take(20) {
        out.fail(
            Finding::new(
                q.completeness_rule(m),
                CheckKind::Filter,
                request,
                format!("missing instance {} ({:?})", m.id, m.name),
            )
            .item("missing instances", format!("{} ({:?})", m.id, m.name))
            .expected_actual("present (it matches every filter)", "absent"),
        );
    }
    if missing.len() > 20 {
        out.fail(Finding::new(
            q.completeness_rule(missing[0]),
            CheckKind::Filter,
            request,
            format!("and {} more missing instances", missing.len() - 20),
        ));
    }
}

/// Where `got` sits in `full` as one contiguous run, if it does.
fn window_offset(full: &[&Inst], got: &[Inst]) -> Option<usize> {
    let first = got.first()?;
    let at = full.iter().position(|i| i.id == first.id)?;
    let run = full.get(at..at + got.len())?;
    run.iter().zip(got).all(|(a, b)| a.id == b.id).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn inst(id: &str, name: &str, status: &str, at: &str) -> Inst {
        Inst::new(id, name, status, at)
    }

    #[test]
    fn query_reads_the_contract_literally() {
        let q = Query::parse(&pairs(&[
            ("name", ""),
            ("isExactMatchName", "TRUE"),
            ("includeFailure", "1"),
            ("start", "2"),
            ("limit", "x"),
        ]));
        assert_eq!(q.name, None, "C1: empty is absent");
        assert!(!q.exact, "C3: only `true`");
        assert!(!q.include_failed, "C6: only `true`");
        assert_eq!(q.start, Some(2));
        assert!(q.invalid_paging);
        assert_eq!(q.empty, vec!["name".to_string()]);
    }

    #[test]
    fn expected_list_filters_and_orders_by_contract() {
        let b = Baseline::new(vec![
            inst("b", "cache-a", "RUNNING", "2020-01-01T00:00:00.000Z"),
            inst("a", "cache-b", "RUNNING", "2020-01-01T00:00:00.000Z"),
            inst("c", "Cache-c", "RUNNING", "2021-01-01T00:00:00.000Z"),
            inst("d", "cache-d", "CREATEFAILED", "2022-01-01T00:00:00.000Z"),
        ]);
        let q = Query::parse(&pairs(&[("name", "cache")]));
        let ids: Vec<&str> = expected(&b, &q).iter().map(|i| i.id.as_str()).collect();
        assert_eq!(
            ids,
            vec!["a", "b"],
            "C2 case-sensitive, C6 hides failed, C8 tie by id"
        );
        let q = Query::parse(&pairs(&[("name", "cache"), ("includeFailure", "true")]));
        let ids: Vec<&str> = expected(&b, &q).iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, vec!["d", "a", "b"]);
    }
}
