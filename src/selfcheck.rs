//! How strong is the suite (`conform selfcheck`, in `cli::selfcheck`)? Runs it against
//! the in-process mock once faithful and once per fault of the mock's catalogue, and
//! reports which cases caught which fault, a score, and the rules the data could not
//! exercise.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use serde::Serialize;

use crate::case::{Case, Rule};
use crate::contract::Contract;
use crate::exec::Target;
use crate::mock::{Churn, DataSet, Fault, FaultKind};
use crate::outcome::{CaseResult, Verdict};
use crate::runner::{run_cases, serve_mock, RunOptions};

/// What one fault did to the suite.
#[derive(Debug, Clone, Serialize)]
pub struct FaultResult {
    pub fault: &'static str,
    pub rule: &'static str,
    pub kind: &'static str,
    /// Cases that failed with the fault on.
    pub caught_by: Vec<String>,
    /// Distinct exploration failures with the fault on (`explore/NNNN (rule)`).
    pub explored_by: Vec<String>,
    /// Cases whose answers differed from the faithful run's (what snapshots would show).
    pub answers_changed_in: Vec<String>,
    /// Cases that could not get a usable answer.
    pub errors: Vec<String>,
    /// The rules the failures broke (cases and exploration), for the moving column.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules_broken: Vec<String>,
    /// True when the suite behaved as it should: a rule-breaking fault caught (or inert);
    /// a tolerated or additive one not reported.
    pub ok: bool,
    /// True when the fault changed no answer the suite received: with this data set
    /// (and these cases) there was nothing to catch. Not counted in the score.
    pub inert: bool,
    /// The same fault while the account moves (`selfcheck --churn`), when measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moving: Option<MovingResult>,
}

/// What one fault did to the suite while the mock's account moved.
#[derive(Debug, Clone, Serialize)]
pub struct MovingResult {
    /// Cases that failed with a finding under the fault's rule.
    pub caught_by: Vec<String>,
    /// Distinct exploration failures under the fault's rule.
    pub explored_by: Vec<String>,
    /// Cases (and exploration failures) that failed only under other rules.
    pub failed_otherwise: Vec<String>,
    /// The rules those broke.
    pub other_rules: Vec<String>,
    /// A breaking fault caught under its rule; a tolerated or additive one not reported.
    pub ok: bool,
}

/// The moving-account column of the selfcheck (`--churn`).
#[derive(Debug, Clone, Serialize)]
pub struct MovingSummary {
    /// How the account moved: `KIND:EVERY (seed S)`.
    pub churn: String,
    /// Cases (and exploration failures) of the faithful mock that failed while it moved:
    /// false alarms.
    pub faithful_failures: Vec<String>,
    /// Breaking faults caught on the still mock that are caught under the same rule
    /// while the account moves, of those caught on the still mock.
    pub still_caught: usize,
    pub still_total: usize,
    /// Faults that show only while the account moves, caught (under their rule or,
    /// where a check blames another, under that one).
    pub moving_only_caught: usize,
    pub moving_only_total: usize,
    /// Each fault that shows only while the account moves, and what it did.
    pub moving_only: Vec<MovingOnly>,
}

/// A fault that shows only while the account moves (inert on the still mock).
#[derive(Debug, Clone, Serialize)]
pub struct MovingOnly {
    pub fault: &'static str,
    pub rule: &'static str,
    pub result: MovingResult,
}

/// One run of the suite against the mock with several tolerated switches on at once
/// (readings of the points the page leaves open, and other tolerated behaviour).
#[derive(Debug, Clone, Serialize)]
pub struct TogetherRun {
    /// The switches on, by name.
    pub switches: Vec<&'static str>,
    /// Cases (and exploration failures) that failed or errored: false alarms.
    pub failures: Vec<String>,
}

/// A rule the data could not exercise, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Unexercised {
    pub rule: String,
    pub cases: Vec<String>,
    pub why: Vec<String>,
}

/// The whole selfcheck.
#[derive(Debug, Clone, Serialize)]
pub struct SelfcheckReport {
    /// The contract the suite checks (its description's title).
    pub contract: String,
    pub cases: usize,
    /// Cases that failed or errored against the faithful mock (should be none).
    pub faithful_failures: Vec<String>,
    pub faults: Vec<FaultResult>,
    /// Rule-breaking faults the cases alone catch.
    pub breaking_caught: usize,
    /// Rule-breaking faults the cases or the exploration catch.
    pub breaking_caught_with_exploration: usize,
    /// Rule-breaking faults that changed at least one answer (the score's denominator).
    pub breaking_total: usize,
    /// Rule-breaking faults that changed no answer with this data (see `unexercised`).
    pub breaking_inert: usize,
    pub tolerated_reported: usize,
    pub tolerated_total: usize,
    pub additive_seen: usize,
    pub additive_total: usize,
    pub unexercised: Vec<Unexercised>,
    /// The suite against the tolerated switches together ([`Fault::tolerated_together`]).
    pub together: Vec<TogetherRun>,
    /// The moving-account column, when asked for (`--churn`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moving: Option<MovingSummary>,
    pub seconds: f64,
}

impl SelfcheckReport {
    pub fn passed(&self) -> bool {
        self.faithful_failures.is_empty()
            && self.together.iter().all(|t| t.failures.is_empty())
            && self
                .faults
                .iter()
                .all(|f| f.ok && f.moving.as_ref().is_none_or(|m| m.ok))
            && self.moving.as_ref().is_none_or(|m| {
                m.faithful_failures.is_empty() && m.moving_only.iter().all(|x| x.result.ok)
            })
    }
}

/// Why a selfcheck could not measure the suite.
#[derive(Debug, thiserror::Error)]
pub enum SelfcheckError {
    #[error("cannot start the built-in mock: {0}")]
    Mock(std::io::Error),
    #[error(transparent)]
    Run(#[from] crate::runner::RunError),
    #[error("the faithful run is missing")]
    NoFaithfulRun,
}

/// The faults of the mock's catalogue that bend a rule of this contract (the mock serves
/// two lists; a fault may touch one or both), with that rule.
pub fn faults_for(contract: &Contract) -> Vec<(Fault, &'static str)> {
    let path = contract.desc().path.text();
    // The faults that show only while the account moves are inert on the still mock
    // this selfcheck serves (tests/library/moving.rs checks them while it moves).
    Fault::catalogue()
        .iter()
        // Selfcheck's mocks take a token: the signature faults are measured signed, apart.
        .filter(|f| !f.needs_churn() && !f.needs_signing())
        .map(|f| (*f, f.rule_on(&path)))
        .filter(|(_, rule)| !rule.is_empty())
        .collect()
}

/// Runs the suite against the faithful mock and against each fault of the contract's
/// list ([`faults_for`]).
pub async fn selfcheck(
    cases: &[Case],
    contract: &Contract,
    data: &DataSet,
    parallel: usize,
) -> Result<SelfcheckReport, SelfcheckError> {
    selfcheck_moving(cases, contract, data, parallel, None).await
}

/// [`selfcheck`], and with `churn`, a second column: the faithful mock and every fault
/// again while the account moves, each breaking fault judged by whether a case (or the
/// exploration) still fails under its rule, and the faults that show only while the
/// account moves added.
pub async fn selfcheck_moving(
    cases: &[Case],
    contract: &Contract,
    data: &DataSet,
    parallel: usize,
    churn: Option<Churn>,
) -> Result<SelfcheckReport, SelfcheckError> {
    let started = Instant::now();
    let mut variants: Vec<Option<Fault>> = vec![None];
    let rules = faults_for(contract);
    variants.extend(rules.iter().map(|(f, _)| Some(*f)));
    let runs: Vec<(Option<Fault>, Run)> = stream::iter(variants)
        .map(|fault| async move {
            let results = run_against_mock(
                cases,
                contract,
                data.clone(),
                fault.into_iter().collect(),
                None,
            )
            .await?;
            Ok::<_, SelfcheckError>((fault, results))
        })
        .buffer_unordered(parallel.max(1))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let mut runs: BTreeMap<Option<usize>, (Option<Fault>, Run)> = runs
        .into_iter()
        .map(|(f, r)| {
            (
                f.map(|f| Fault::catalogue().iter().position(|x| *x == f).unwrap_or(0)),
                (f, r),
            )
        })
        .collect();
    let (_, faithful_run) = runs.remove(&None).ok_or(SelfcheckError::NoFaithfulRun)?;
    let faithful_failures = faithful_run.false_alarms();
    let faithful = faithful_run.results;
    let mut faults = Vec::new();
    for (_, (fault, results)) in runs {
        let fault = fault.expect("fault runs have a fault");
        let rule = rules
            .iter()
            .find(|(f, _)| *f == fault)
            .map_or("", |(_, r)| r);
        let kind = fault.kind_on(&contract.desc().path.text());
        faults.push(judge_fault(fault, kind, rule, &faithful, &results));
    }
    let moving = match churn {
        None => None,
        Some(c) => Some(moving_column(cases, contract, data, parallel, c, &mut faults).await?),
    };
    let together = stream::iter(Fault::tolerated_together(&contract.desc().path.text()))
        .map(|set| async move {
            let run = run_against_mock(cases, contract, data.clone(), set.clone(), None).await?;
            Ok::<_, SelfcheckError>(TogetherRun {
                switches: set.iter().map(Fault::name).collect(),
                failures: run.false_alarms(),
            })
        })
        .buffered(parallel.max(1))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    let count = |kind: FaultKind| faults.iter().filter(|f| f.kind == kind.as_str()).count();
    let count_ok = |kind: FaultKind| {
        faults
            .iter()
            .filter(|f| f.kind == kind.as_str() && f.ok)
            .count()
    };
    Ok(SelfcheckReport {
        contract: contract.desc().title.clone(),
        cases: cases.len(),
        faithful_failures,
        breaking_caught: faults
            .iter()
            .filter(|f| f.kind == FaultKind::Breaks.as_str() && !f.caught_by.is_empty())
            .count(),
        breaking_caught_with_exploration: faults
            .iter()
            .filter(|f| {
                f.kind == FaultKind::Breaks.as_str()
                    && (!f.caught_by.is_empty() || !f.explored_by.is_empty())
            })
            .count(),
        breaking_total: faults
            .iter()
            .filter(|f| f.kind == FaultKind::Breaks.as_str() && !f.inert)
            .count(),
        breaking_inert: faults
            .iter()
            .filter(|f| f.kind == FaultKind::Breaks.as_str() && f.inert)
            .count(),
        tolerated_reported: count(FaultKind::Tolerated) - count_ok(FaultKind::Tolerated),
        tolerated_total: count(FaultKind::Tolerated),
        additive_seen: faults
            .iter()
            .filter(|f| f.kind == FaultKind::Additive.as_str() && !f.answers_changed_in.is_empty())
            .count(),
        additive_total: count(FaultKind::Additive),
        unexercised: unexercised(contract, &faithful, &faults),
        together,
        faults,
        moving,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The exploration budget of each selfcheck run: `conform run`'s default.
pub const EXPLORE_BUDGET: usize = crate::runner::explore::DEFAULT_BUDGET;

/// One run's case results and its exploration's distinct failures.
struct Run {
    results: Vec<CaseResult>,
    explored: Vec<String>,
    /// The exploration's failures themselves (the moving column reads every rule).
    explored_results: Vec<CaseResult>,
}

/// The suite (and, where it can change a verdict, the exploration) against the mock with
/// `faults` switched on at once.
impl Run {
    /// The cases that failed or errored, then the exploration's distinct failures: on a
    /// run that should pass (the faithful mock, tolerated switches), false alarms.
    fn false_alarms(&self) -> Vec<String> {
        self.results
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Fail | Verdict::Error))
            .map(|r| r.name.clone())
            .chain(self.explored.iter().cloned())
            .collect()
    }
}

async fn run_against_mock<'a>(
    cases: &'a [Case],
    contract: &'a Contract,
    data: DataSet,
    faults: Vec<Fault>,
    churn: Option<Churn>,
) -> Result<Run, SelfcheckError> {
    let path = contract.desc().path.text();
    let breaking = faults.iter().any(|f| f.kind_on(&path) == FaultKind::Breaks);
    let (mock, spec) = serve_mock(data, faults, churn)
        .await
        .map_err(SelfcheckError::Mock)?;
    let target = Target {
        base_url: spec.base_url.clone(),
        credentials: spec.credentials.clone(),
        ca_cert: None,
        insecure: false,
        timeout: Duration::from_secs(10),
        max_body: 64 * 1024 * 1024,
        rate: None,
        jobs: 8,
        token_header: contract.desc().token_header.clone(),
    };
    // Cases first. Exploration runs only where it can change the verdict: against the
    // faithful mock and tolerated or additive faults (it must report nothing there), and
    // against a rule-breaking fault no case caught. A fault the cases catch is caught by
    // cases plus exploration too, whatever the probes find.
    let run = |cases: &'a [Case], explore: bool, target: Target| {
        let spec = &spec;
        async move {
            run_cases(RunOptions {
                cases,
                target,
                spec,
                contract,
                baseline_page: 1000,
                keep_bodies: crate::exec::Keep::Parsed,
                explore: explore.then_some(crate::runner::ExploreOptions {
                    budget: EXPLORE_BUDGET,
                    seed: 0,
                    shard: None,
                }),
            })
            .await
        }
    };
    // While the account moves, cases and exploration run as one run, as `conform run`
    // does: the exploration then probes what the cases' looks saw moving.
    if churn.is_some() {
        let report = run(cases, true, target).await;
        mock.shutdown().await;
        let mut report = report?;
        let explored_results: Vec<CaseResult> = report
            .explore
            .take()
            .map(|e| {
                e.results()
                    .filter(|x| x.verdict == Verdict::Fail)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        return Ok(Run {
            explored: explore_failures(explored_results.iter()),
            explored_results,
            results: report.results,
        });
    }
    let report = run(cases, false, target.clone()).await;
    let needs_probes =
        |results: &[CaseResult]| !breaking || !results.iter().any(|r| r.verdict == Verdict::Fail);
    let explored = match &report {
        Ok(r) if needs_probes(&r.results) => Some(run(&[], true, target).await),
        _ => None,
    };
    mock.shutdown().await;
    let report = report?;
    let explored_results: Vec<CaseResult> = match explored {
        Some(e) => e?
            .explore
            .map(|e| {
                e.results()
                    .filter(|x| x.verdict == Verdict::Fail)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let explored = explore_failures(explored_results.iter());
    Ok(Run {
        explored,
        explored_results,
        results: report.results,
    })
}

/// The moving-account column: the faithful mock, the breaking faults the still mock's
/// run caught, and the faults that show only while the account moves, each run again
/// against a moving mock.
async fn moving_column(
    cases: &[Case],
    contract: &Contract,
    data: &DataSet,
    parallel: usize,
    churn: Churn,
    faults: &mut [FaultResult],
) -> Result<MovingSummary, SelfcheckError> {
    let path = contract.desc().path.text();
    let moving_only: Vec<Fault> = Fault::catalogue()
        .iter()
        .copied()
        .filter(|f| f.needs_churn() && !f.rule_on(&path).is_empty())
        .collect();
    let mut variants: Vec<Option<Fault>> = vec![None];
    variants.extend(
        faults
            .iter()
            .filter(|f| f.kind == FaultKind::Breaks.as_str() && !f.inert && f.ok)
            .filter_map(|f| Fault::from_name(f.fault))
            .map(Some),
    );
    variants.extend(moving_only.iter().copied().map(Some));
    let runs: Vec<(Option<Fault>, Run)> = stream::iter(variants)
        .map(|fault| async move {
            let run = run_against_mock(
                cases,
                contract,
                data.clone(),
                fault.into_iter().collect(),
                Some(churn),
            )
            .await?;
            Ok::<_, SelfcheckError>((fault, run))
        })
        .buffer_unordered(parallel.max(1))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let mut summary = MovingSummary {
        churn: format!("{} (seed {})", churn.label(), churn.seed),
        faithful_failures: Vec::new(),
        still_caught: 0,
        still_total: 0,
        moving_only_caught: 0,
        moving_only_total: moving_only.len(),
        moving_only: Vec::new(),
    };
    for (fault, run) in runs {
        let Some(fault) = fault else {
            summary.faithful_failures = run.false_alarms();
            continue;
        };
        let rule = fault.rule_on(&path);
        // The same rule: the fault's own, or one the still mock's run failed it under
        // (a wrong status is blamed on the case's first rule).
        let mut same: Vec<String> = faults
            .iter()
            .find(|f| f.fault == fault.name())
            .map(|f| f.rules_broken.clone())
            .unwrap_or_default();
        same.push(rule.to_string());
        let same = &same;
        let under_rule = |r: &CaseResult| {
            r.verdict == Verdict::Fail
                && r.findings
                    .iter()
                    .any(|f| same.contains(&f.rule.to_string()))
        };
        let caught_by: Vec<String> = run
            .results
            .iter()
            .filter(|r| under_rule(r))
            .map(|r| r.name.clone())
            .collect();
        let otherwise: Vec<&CaseResult> = run
            .results
            .iter()
            .chain(&run.explored_results)
            .filter(|r| r.verdict == Verdict::Fail && !under_rule(r))
            .collect();
        let failed_otherwise = otherwise.iter().map(|r| r.name.clone()).collect();
        let other_rules = broken_rules(otherwise.iter().copied());
        let explored_by: Vec<String> = run
            .explored_results
            .iter()
            .filter(|r| under_rule(r))
            .map(|r| r.name.clone())
            .collect();
        // A fault that shows only while the account moves is caught when anything fails
        // (the rule a check blames can differ: an id filter that misses an instance on
        // a default-sized page reads as a short page); one the still mock's run caught
        // must be caught under the same rule.
        let ok = !caught_by.is_empty()
            || !explored_by.is_empty()
            || (fault.needs_churn() && !other_rules.is_empty());
        let result = MovingResult {
            caught_by,
            explored_by,
            failed_otherwise,
            other_rules,
            ok,
        };
        if fault.needs_churn() {
            summary.moving_only_caught += usize::from(ok);
            summary.moving_only.push(MovingOnly {
                fault: fault.name(),
                rule,
                result,
            });
        } else {
            summary.still_total += 1;
            summary.still_caught += usize::from(ok);
            if let Some(f) = faults.iter_mut().find(|f| f.fault == fault.name()) {
                f.moving = Some(result);
            }
        }
    }
    Ok(summary)
}

/// An exploration's failures as `explore/NNNN (rule)`.
fn explore_failures<'a>(results: impl Iterator<Item = &'a CaseResult>) -> Vec<String> {
    results
        .filter(|x| x.verdict == Verdict::Fail)
        .map(|x| {
            let rule = x
                .findings
                .first()
                .map(|f| f.rule.to_string())
                .unwrap_or_default();
            format!("{} ({rule})", x.name)
        })
        .collect()
}

/// The distinct rules of the failing cases' findings (the exploration's included).
fn broken_rules<'a>(results: impl Iterator<Item = &'a CaseResult>) -> Vec<String> {
    let mut rules: Vec<String> = results
        .filter(|r| r.verdict == Verdict::Fail)
        .flat_map(|r| r.findings.iter().map(|f| f.rule.to_string()))
        .collect();
    rules.sort();
    rules.dedup();
    rules
}

fn judge_fault(
    fault: Fault,
    kind: FaultKind,
    rule: &'static str,
    faithful: &[CaseResult],
    run: &Run,
) -> FaultResult {
    let results = &run.results;
    let explored_by = run.explored.clone();
    let caught_by: Vec<String> = results
        .iter()
        .filter(|r| r.verdict == Verdict::Fail)
        .map(|r| r.name.clone())
        .collect();
    let errors = results
        .iter()
        .filter(|r| r.verdict == Verdict::Error)
        .map(|r| r.name.clone())
        .collect();
    let answers_changed_in = results
        .iter()
        .zip(faithful)
        .filter(|(a, b)| {
            a.requests.len() != b.requests.len()
                || a.requests
                    .iter()
                    .zip(&b.requests)
                    .any(|(x, y)| x.status != y.status || x.body != y.body)
        })
        .map(|(a, _)| a.name.clone())
        .collect::<Vec<_>>();
    let rules_broken = broken_rules(results.iter().chain(&run.explored_results));
    let inert = answers_changed_in.is_empty() && caught_by.is_empty() && explored_by.is_empty();
    let ok = match kind {
        FaultKind::Breaks => !caught_by.is_empty() || !explored_by.is_empty() || inert,
        FaultKind::Tolerated | FaultKind::Additive => {
            caught_by.is_empty() && explored_by.is_empty()
        }
    };
    FaultResult {
        fault: fault.name(),
        rule,
        kind: kind.as_str(),
        caught_by,
        explored_by,
        answers_changed_in,
        errors,
        rules_broken,
        ok,
        inert,
        moving: None,
    }
}

/// Rules whose cases were all skipped (or vacuous) against the faithful mock: the data
/// cannot exercise them.
fn unexercised(
    contract: &Contract,
    faithful: &[CaseResult],
    faults: &[FaultResult],
) -> Vec<Unexercised> {
    let mut out = Vec::new();
    let rules: Vec<Rule> = contract.desc().rules.iter().map(|(r, _)| *r).collect();
    for rule in rules {
        let inert: Vec<String> = faults
            .iter()
            .filter(|f| {
                f.inert && f.kind == FaultKind::Breaks.as_str() && f.rule == rule.to_string()
            })
            .map(|f| format!("fault `{}` changed no answer with this data", f.fault))
            .collect();
        let cases: Vec<&CaseResult> = faithful
            .iter()
            .filter(|r| r.rules.contains(&rule))
            .collect();
        let idle: Vec<&&CaseResult> = cases
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Skipped | Verdict::Vacuous))
            .collect();
        if idle.is_empty() && inert.is_empty() {
            continue;
        }
        let exercised = cases.len() - idle.len();
        let mut why: Vec<String> = idle
            .iter()
            .flat_map(|r| r.notices.iter().cloned())
            .collect();
        why.extend(inert);
        why.sort();
        why.dedup();
        out.push(Unexercised {
            rule: if exercised == 0 {
                format!("{rule} (no case exercised it)")
            } else {
                format!("{rule} ({exercised} of {} cases exercised it)", cases.len())
            },
            cases: idle.iter().map(|r| r.name.clone()).collect(),
            why,
        });
    }
    out
}

/// The moving-account column for a person: false alarms, the still mock's catches kept,
/// and the faults that show only while the account moves.
fn write_moving(
    w: &mut dyn Write,
    m: &MovingSummary,
    faults: &[FaultResult],
) -> std::io::Result<()> {
    use anstyle::AnsiColor;
    let red = AnsiColor::Red.on_default().bold();
    let green = AnsiColor::Green.on_default().bold();
    writeln!(w, "\nmoving account ({}):", m.churn)?;
    if m.faithful_failures.is_empty() {
        writeln!(w, "  {green}faithful mock:{green:#} no false alarm")?;
    } else {
        writeln!(
            w,
            "  {red}faithful mock: {} false alarm(s):{red:#} {}",
            m.faithful_failures.len(),
            short_list(&m.faithful_failures)
        )?;
    }
    writeln!(
        w,
        "  {}/{} rule-breaking faults caught on the still mock are still caught under their rule",
        m.still_caught, m.still_total
    )?;
    for f in faults {
        if let Some(x) = f.moving.as_ref().filter(|x| !x.ok) {
            writeln!(
                w,
                "  {red}{} ({}) not caught under its rule while the account moves{red:#}{}",
                f.fault,
                f.rule,
                if x.failed_otherwise.is_empty() {
                    String::new()
                } else {
                    format!(" (failed otherwise: {})", short_list(&x.failed_otherwise))
                }
            )?;
        }
    }
    writeln!(
        w,
        "  {}/{} faults that show only while the account moves caught:",
        m.moving_only_caught, m.moving_only_total
    )?;
    for x in &m.moving_only {
        let style = if x.result.ok { green } else { red };
        let under_rule = [x.result.caught_by.clone(), x.result.explored_by.clone()].concat();
        let said = if !under_rule.is_empty() {
            format!("caught ({})", short_list(&under_rule))
        } else if x.result.ok {
            format!(
                "caught under {} ({})",
                x.result.other_rules.join(", "),
                short_list(&x.result.failed_otherwise)
            )
        } else {
            "SLIPPED THROUGH".to_string()
        };
        writeln!(
            w,
            "    {:<26} {:<5} {style}{said}{style:#}",
            x.fault, x.rule
        )?;
    }
    Ok(())
}

/// The selfcheck as a matrix for a person: one line per fault, the score, what the
/// data could not exercise.
pub fn write_human(w: &mut dyn Write, r: &SelfcheckReport) -> std::io::Result<()> {
    use anstyle::AnsiColor;
    let red = AnsiColor::Red.on_default().bold();
    let green = AnsiColor::Green.on_default().bold();
    writeln!(w, "contract: {} ({} cases)", r.contract, r.cases)?;
    if r.faithful_failures.is_empty() {
        writeln!(w, "{green}faithful mock:{green:#} every case passed")?;
    } else {
        writeln!(
            w,
            "{red}faithful mock: {} case(s) failed:{red:#} {}",
            r.faithful_failures.len(),
            r.faithful_failures.join(", ")
        )?;
    }
    writeln!(w)?;
    writeln!(w, "{:<30} {:<5} {:<10} result", "fault", "rule", "kind")?;
    for f in &r.faults {
        let style = if f.ok { green } else { red };
        let verdict = match (f.kind, f.ok) {
            ("breaks", true) if f.inert => {
                "inert: changed no answer with this data (not scored)".to_string()
            }
            ("breaks", true) if f.caught_by.is_empty() => format!(
                "cases: slipped through; exploration: caught ({})",
                short_list(&f.explored_by)
            ),
            ("breaks", true) => format!(
                "cases: caught by {} ({}); exploration: {}",
                f.caught_by.len(),
                short_list(&f.caught_by),
                if f.explored_by.is_empty() {
                    "not caught".to_string()
                } else {
                    format!("caught ({})", short_list(&f.explored_by))
                }
            ),
            ("breaks", false) => {
                "SLIPPED THROUGH: no case failed and exploration found nothing".to_string()
            }
            (_, false) => format!(
                "WRONGLY REPORTED by {}",
                short_list(&[f.caught_by.clone(), f.explored_by.clone()].concat())
            ),
            ("additive", true) => format!(
                "not reported; answers differ in {} case(s) (snapshot diff)",
                f.answers_changed_in.len()
            ),
            _ => "not reported (tolerated)".to_string(),
        };
        writeln!(
            w,
            "{:<30} {:<5} {:<10} {style}{}{style:#}",
            f.fault, f.rule, f.kind, verdict
        )?;
    }
    writeln!(w)?;
    let pct = if r.breaking_total > 0 {
        100.0 * r.breaking_caught_with_exploration as f64 / r.breaking_total as f64
    } else {
        100.0
    };
    writeln!(
        w,
        "score: {}/{} rule-breaking faults caught by the cases alone, {}/{} by cases + exploration ({pct:.0}%; {} inert with this data); {}/{} tolerated faults wrongly reported; {}/{} additive faults seen only as answer (snapshot) diffs",
        r.breaking_caught, r.breaking_total, r.breaking_caught_with_exploration, r.breaking_total, r.breaking_inert, r.tolerated_reported, r.tolerated_total, r.additive_seen, r.additive_total
    )?;
    for missed in r.faults.iter().filter(|f| f.kind == "breaks" && !f.ok) {
        writeln!(
            w,
            "  write a case for {}: fault `{}` breaks it and no case noticed",
            missed.rule, missed.fault
        )?;
    }
    if !r.together.is_empty() {
        writeln!(
            w,
            "\ntolerated switches together (readings of the points the page leaves open):"
        )?;
        for t in &r.together {
            let verdict = if t.failures.is_empty() {
                "every case passed".to_string()
            } else {
                format!("false alarms: {}", t.failures.join(", "))
            };
            writeln!(w, "  {}: {verdict}", t.switches.join(" + "))?;
        }
    }
    if let Some(m) = &r.moving {
        write_moving(w, m, &r.faults)?;
    }
    if !r.unexercised.is_empty() {
        writeln!(w, "\nrules the data could not fully exercise:")?;
        for u in &r.unexercised {
            writeln!(w, "  {}: {}", u.rule, u.why.join("; "))?;
        }
    }
    writeln!(
        w,
        "\n{} suite runs in {:.2} s",
        r.faults.len() + 1 + r.together.len(),
        r.seconds
    )
}

/// The selfcheck page's own classes, on top of the run report's style (one look for
/// every page conform writes).
const SELFCHECK_STYLE: &str = "
.ok { color: var(--pass); font-weight: 600; } .bad { color: var(--fail); font-weight: 600; }
.inert { color: var(--warn); }
table.cases td:first-child, table.cases td:nth-child(4) { white-space: nowrap; }
h2 { font-size: 16px; margin: 18px 0 6px; }
";

/// The matrix as one self-contained HTML page: the score, then one row per fault with
/// the cases that caught it.
pub fn html(r: &SelfcheckReport) -> String {
    use crate::report::html::{esc, STYLE};
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>conform selfcheck</title>\n<style>{STYLE}{SELFCHECK_STYLE}</style>\n</head>\n<body>\n\
         <header><h1>conform selfcheck</h1><div class=\"meta\">Contract: {} ({} cases)</div></header>\n<main>\n",
        esc(&r.contract),
        r.cases
    );
    let pct = if r.breaking_total > 0 {
        100.0 * r.breaking_caught_with_exploration as f64 / r.breaking_total as f64
    } else {
        100.0
    };
    h.push_str(&format!(
        "<p class=\"verdict-line {}\">{} / {} rule-breaking faults caught by the cases alone, {} / {} by cases + exploration ({pct:.0}%); {} inert with this data; {} / {} tolerated faults wrongly reported; {} / {} additive faults seen as answer diffs. Faithful run: {}.</p>",
        if r.passed() { "good" } else { "bad" },
        r.breaking_caught, r.breaking_total, r.breaking_caught_with_exploration, r.breaking_total, r.breaking_inert, r.tolerated_reported, r.tolerated_total,
        r.additive_seen, r.additive_total,
        if r.faithful_failures.is_empty() { "every case passed".to_string() } else { esc(&r.faithful_failures.join(", ")) }
    ));
    h.push_str(
        "<table class=\"cases\"><tr><th>fault</th><th>rule</th><th>kind</th><th>result</th><th>caught by</th></tr>",
    );
    for f in &r.faults {
        let (class, verdict) = match (f.kind, f.ok, f.inert) {
            ("breaks", true, true) => ("inert", "inert with this data"),
            ("breaks", true, false) => ("ok", "caught"),
            ("breaks", false, _) => ("bad", "slipped through"),
            (_, true, _) => ("ok", "not reported"),
            (_, false, _) => ("bad", "wrongly reported"),
        };
        h.push_str(&format!(
            "<tr><td class=\"name\">{}</td><td class=\"rules\">{}</td><td>{}</td><td class=\"{class}\">{verdict}</td><td class=\"name\">{}</td></tr>",
            esc(f.fault), f.rule, f.kind,
            f.caught_by.iter().map(|c| esc(c)).collect::<Vec<_>>().join(" ")
        ));
    }
    h.push_str("</table>");
    if !r.together.is_empty() {
        h.push_str("<h2>Tolerated switches together</h2><ul>");
        for t in &r.together {
            let verdict = if t.failures.is_empty() {
                "every case passed".to_string()
            } else {
                format!("false alarms: {}", t.failures.join(", "))
            };
            h.push_str(&format!(
                "<li><code>{}</code>: {}</li>",
                esc(&t.switches.join(" + ")),
                esc(&verdict)
            ));
        }
        h.push_str("</ul>");
    }
    if !r.unexercised.is_empty() {
        h.push_str("<h2>Rules the data could not fully exercise</h2><ul>");
        for u in &r.unexercised {
            h.push_str(&format!(
                "<li>{}: {}</li>",
                esc(&u.rule),
                esc(&u.why.join("; "))
            ));
        }
        h.push_str("</ul>");
    }
    h.push_str(&format!(
        "<p class=\"desc\">{} suite runs in {:.2} s</p>\n</main>\n</body>\n</html>\n",
        r.faults.len() + 1 + r.together.len(),
        r.seconds
    ));
    h
}

fn short_list(names: &[String]) -> String {
    let mut s = names.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > 3 {
        s.push_str(&format!(", +{}", names.len() - 3));
    }
    s
}
