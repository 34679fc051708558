//! Exploration against a target: the probes of [`crate::plan::explore`] sent as
//! synthetic cases and judged by the shipped checks, each failure shrunk to a minimal
//! probe that still breaks the same rule, the distinct ones reported like case failures.

use std::collections::HashSet;
use std::time::Instant;

use crate::base::Baseline;
use crate::case::{Case, Rule};
use crate::contract::Contract;
use crate::exec::Client;
use crate::outcome::{CaseResult, ExploreFailure, ExploreReport, Verdict};
use crate::plan::explore::{self, Probe, Space};
use crate::select::Shard;

use super::settle::Account;
use super::{judge_plans, plan_batch, RunError, TargetSpec};

/// How much to explore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExploreOptions {
    /// Requests the exploration may send in all: its probes, shrinking its failures
    /// and probing what moved.
    pub budget: usize,
    pub seed: u64,
    /// Only this shard's probes (by the probe's name, as cases are sharded).
    pub shard: Option<Shard>,
}

/// The exploration budget of a default `conform run` (and of each selfcheck run): enough
/// to cover every pair of classes of the parameters the contract says interact, on both
/// shipped contracts with the built-in data (`bench/explore.sh` prints the coverage).
pub const DEFAULT_BUDGET: usize = 400;

/// The most requests spent shrinking one failure.
pub const SHRINK_REQUESTS: usize = 120;
/// The share of the budget held back from the sweep's first part for shrinking (one
/// fifth), at most [`SHRINK_REQUESTS`]; unused, it goes to the rest of the sweep.
pub const RESERVE_SHARE: usize = 5;
/// The most distinct failures shrunk (the others are counted with the one they repeat).
pub const MAX_FAILURES: usize = 12;
/// The most instances that moved during the run probed after the sweep.
pub const MOVED_PROBED: usize = 3;

/// Requests of the sweep sent again at the end, all at once: the same request, repeated
/// after others and in flight with others, must still be answered right.
pub const AT_ONCE: usize = 8;

/// What a failure is about: its first finding's rule.
fn first_rule(r: &CaseResult) -> Option<Rule> {
    (r.verdict == Verdict::Fail)
        .then(|| r.findings.first().map(|f| f.rule))
        .flatten()
}

/// Explores with a client and the account a run already has: each probe that disagrees
/// with the account only as first seen is settled as a case is (settle.rs).
pub(crate) async fn explore_with(
    client: &Client,
    contract: &Contract,
    spec: &TargetSpec,
    account: &mut Account,
    opts: ExploreOptions,
) -> ExploreReport {
    let started = Instant::now();
    let desc = contract.desc();
    let empty = Baseline::default();
    // Probes are drawn from the first look, judged against the latest.
    let base = account.first_look().as_ref().unwrap_or(&empty);
    let other = account.other.as_ref().and_then(|o| o.as_ref().ok());
    let space = space_for(contract, spec, base, other);
    let probes: Vec<(usize, Probe)> = explore::plan(&space, opts.budget, opts.seed)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| {
            opts.shard
                .is_none_or(|s| s.contains(&format!("explore/{i:04}")))
        })
        .collect();
    // The budget holds every request the exploration sends: the sweep first, less a
    // reserve; the failures found are shrunk within what is left; then the rest of the
    // sweep with what remains (the same probes as without a failure, the plan being
    // fixed by the seed; what no longer fits is left out and counted as not sent).
    let reserve = (opts.budget / RESERVE_SHARE).min(SHRINK_REQUESTS);
    // The two requests of the sequence below are kept out of the sweep.
    let pair = space
        .sequence()
        .filter(|_| opts.shard.is_none() && opts.budget >= 2);
    let at_once = match opts.shard.is_none() && opts.budget >= 2 * AT_ONCE {
        true => AT_ONCE,
        false => 0,
    };
    let sequence = if pair.is_some() { 2 } else { 0 } + at_once;
    let split = probes.len().saturating_sub(reserve);
    let mut requests = 0;
    let mut errors = 0;
    let mut failures: Vec<(Probe, ExploreFailure)> = Vec::new();
    let mut sent: Vec<Probe> = Vec::new();
    for part in [&probes[..split], &probes[split..]] {
        let room = opts.budget.saturating_sub(requests + sequence);
        let part = &part[..part.len().min(room)];
        if part.is_empty() {
            continue;
        }
        let cases: Vec<Case> = part
            .iter()
            .map(|(i, p)| explore::probe_case(desc, &space, p, *i))
            .collect();
        let (plans, results) = plan_and_judge(client, contract, spec, account, &cases).await;
        requests += results.iter().map(|r| r.requests.len()).sum::<usize>();
        let results = settled(client, contract, spec, account, &cases, plans, results).await;
        errors += results
            .iter()
            .filter(|r| r.verdict == Verdict::Error)
            .count();
        for ((i, probe), result) in part.iter().zip(results) {
            sent.push(probe.clone());
            let Some(rule) = first_rule(&result) else {
                continue;
            };
            // A failure a known minimal one explains (same rule, its parameters a subset
            // of this probe's) is counted with it, not shrunk again.
            if let Some((_, known)) = failures
                .iter_mut()
                .find(|(min, f)| first_rule(&f.result) == Some(rule) && explains(min, probe))
            {
                known.repeats += 1;
                continue;
            }
            if failures.len() >= MAX_FAILURES {
                continue;
            }
            let found = space.describe(probe);
            let limit = SHRINK_REQUESTS.min(opts.budget.saturating_sub(requests + sequence));
            let (minimal, result, spent) = shrink(
                client, contract, spec, account, &space, probe, result, rule, *i, limit,
            )
            .await;
            requests += spent;
            let why = format!(
                "{} {}",
                rule,
                result
                    .findings
                    .first()
                    .map(|f| f.message.as_str())
                    .unwrap_or("")
            );
            failures.push((
                minimal.clone(),
                ExploreFailure {
                    case_file: explore::case_file(desc, &space, &minimal, &why),
                    result,
                    found,
                    repeats: 0,
                },
            ));
        }
    }
    // The same request again, right after it was answered, without credentials: still
    // refused (C14), whatever sits in front of the check (a cache keyed on the URL).
    // Sent one after the other, nothing else in flight, and never shrunk.
    if let Some(pair) = pair.filter(|_| requests + 2 <= opts.budget) {
        let n = probes.len();
        for (k, probe) in pair.iter().enumerate() {
            let case = explore::probe_case(desc, &space, probe, n + k);
            let cases = [case];
            let (plans, results) = plan_and_judge(client, contract, spec, account, &cases).await;
            requests += results.iter().map(|r| r.requests.len()).sum::<usize>();
            let results = settled(client, contract, spec, account, &cases, plans, results).await;
            sent.push(probe.clone());
            for result in results {
                let Some(rule) = first_rule(&result) else {
                    continue;
                };
                let after = "right after the same request with credentials";
                failures.push(follow_up(desc, &space, probe, result, rule, after));
            }
        }
    }
    // The first requests of the sweep that carry parameters and valid credentials, again,
    // all in flight together: judged against the account as it is now, each must be
    // right again (a server that mixes up concurrent requests, or a cache that went stale).
    let answered: HashSet<&Probe> = sent.iter().collect();
    let again: Vec<(usize, Probe)> = probes
        .iter()
        .filter(|(_, p)| {
            p.auth == crate::case::AuthSel::Configured && p.classes.iter().any(|&c| c != 0)
        })
        .filter(|(_, p)| answered.contains(p))
        .take(at_once.min(opts.budget.saturating_sub(requests)))
        .cloned()
        .collect();
    if !again.is_empty() {
        let n = probes.len() + 2;
        let cases: Vec<Case> = again
            .iter()
            .enumerate()
            .map(|(k, (_, p))| explore::probe_case(desc, &space, p, n + k))
            .collect();
        let (plans, results) = plan_and_judge(client, contract, spec, account, &cases).await;
        requests += results.iter().map(|r| r.requests.len()).sum::<usize>();
        let results = settled(client, contract, spec, account, &cases, plans, results).await;
        let others = again.len() - 1;
        for ((_, probe), result) in again.iter().zip(results) {
            let Some(rule) = first_rule(&result) else {
                continue;
            };
            if failures.len() >= MAX_FAILURES {
                break;
            }
            let after = format!("sent again at once with {others} other requests");
            failures.push(follow_up(desc, &space, probe, result, rule, &after));
        }
    }
    // Where the account moved, the instances that moved are probed too: an index, a
    // cache or a cursor that missed a change shows only there. Nothing is sent when the
    // account did not move (or was never looked at again).
    let moved: Vec<crate::base::Inst> = account.moved(MOVED_PROBED).into_iter().cloned().collect();
    let moved: Vec<&crate::base::Inst> = moved.iter().collect();
    let mut extra = explore::moved_cases(desc, &moved);
    extra.truncate(opts.budget.saturating_sub(requests));
    if !extra.is_empty() && opts.shard.is_none() {
        let (cases, files): (Vec<Case>, Vec<String>) = extra.into_iter().unzip();
        let (plans, results) = plan_and_judge(client, contract, spec, account, &cases).await;
        requests += results.iter().map(|r| r.requests.len()).sum::<usize>();
        let results = settled(client, contract, spec, account, &cases, plans, results).await;
        for ((case, file), result) in cases.iter().zip(files).zip(results) {
            let Some(rule) = first_rule(&result) else {
                continue;
            };
            if failures.len() >= MAX_FAILURES {
                break;
            }
            let why = format!(
                "{rule} {}",
                result.findings.first().map_or("", |f| f.message.as_str())
            );
            let case_file = format!(
                "{}{file}",
                why.lines().map(|l| format!("# {l}\n")).collect::<String>()
            );
            failures.push((
                Probe {
                    classes: Vec::new(),
                    auth: crate::case::AuthSel::Configured,
                },
                ExploreFailure {
                    case_file,
                    result,
                    found: case.description.clone(),
                    repeats: 0,
                },
            ));
        }
    }
    ExploreReport {
        seed: opts.seed,
        budget: opts.budget,
        probes: sent.len(),
        requests,
        coverage: explore::coverage(&space, &sent),
        unreachable: space.unreachable.clone(),
        failures: failures.into_iter().map(|(_, f)| f).collect(),
        errors,
        elapsed: started.elapsed(),
    }
}

/// A failure of a request sent after the sweep (the sequence, the repeat at once), kept
/// as found and never shrunk; `after` says how it was sent.
fn follow_up(
    desc: &crate::contract::Desc,
    space: &Space,
    probe: &Probe,
    result: CaseResult,
    rule: Rule,
    after: &str,
) -> (Probe, ExploreFailure) {
    let why = format!(
        "{rule} {} ({after})",
        result.findings.first().map_or("", |f| f.message.as_str())
    );
    (
        probe.clone(),
        ExploreFailure {
            case_file: explore::case_file(desc, space, probe, &why),
            found: format!("{}, {after}", space.describe(probe)),
            result,
            repeats: 0,
        },
    )
}

/// Plans a batch of probes against the latest look, sends them and judges them there;
/// their plans (to send again when settling) and results.
async fn plan_and_judge(
    client: &Client,
    contract: &Contract,
    spec: &TargetSpec,
    account: &Account,
    cases: &[Case],
) -> (Vec<crate::plan::Planned>, Vec<CaseResult>) {
    let (main, other) = (&account.main, account.other.as_ref());
    let plans = plan_batch(contract, spec, main, other, cases);
    let results = judge_plans(
        client,
        contract,
        main,
        other,
        cases,
        plans.clone(),
        crate::exec::Keep::Nothing,
    )
    .await;
    (plans, results)
}

/// The probes' results, each that disagrees only with the account as first seen settled.
async fn settled(
    client: &Client,
    contract: &Contract,
    spec: &TargetSpec,
    account: &mut Account,
    cases: &[Case],
    plans: Vec<crate::plan::Planned>,
    mut results: Vec<CaseResult>,
) -> Vec<CaseResult> {
    for r in &results {
        account.sightings(crate::case::ProjectSel::Main, &r.sightings);
    }
    let held: Vec<(usize, CaseResult, crate::plan::Planned)> = results
        .iter()
        .zip(plans)
        .enumerate()
        .filter(|(_, (r, _))| super::settle::suspect(r))
        .map(|(i, (r, p))| (i, r.clone(), p))
        .collect();
    if held.is_empty() {
        return results;
    }
    for (i, r) in super::settle::settle(
        client,
        contract,
        spec,
        account,
        cases,
        held,
        crate::exec::Keep::Nothing,
    )
    .await
    {
        results[i] = r;
    }
    results
}

/// True when every parameter `min` sets, `p` sets to the same class, with the same
/// credentials.
fn explains(min: &Probe, p: &Probe) -> bool {
    min.auth == p.auth
        && min
            .classes
            .iter()
            .zip(&p.classes)
            .all(|(&m, &c)| m == 0 || m == c)
}

/// Reduces a failing probe: each round sends every candidate of
/// [`explore::shrink_candidates`] and keeps the first (in candidate order, so the result
/// does not depend on timing) that still fails with the same rule, once settled like
/// any probe (a candidate that fails only because the account moved is not kept).
#[allow(clippy::too_many_arguments)]
async fn shrink(
    client: &Client,
    contract: &Contract,
    spec: &TargetSpec,
    account: &mut Account,
    space: &Space,
    probe: &Probe,
    result: CaseResult,
    rule: Rule,
    index: usize,
    limit: usize,
) -> (Probe, CaseResult, usize) {
    let desc = contract.desc();
    let (mut best, mut best_result) = (probe.clone(), result);
    let mut spent = 0;
    let mut tried: HashSet<Probe> = HashSet::new();
    'rounds: loop {
        let candidates: Vec<Probe> = explore::shrink_candidates(space, &best)
            .into_iter()
            .filter(|c| tried.insert(c.clone()))
            .take(limit.saturating_sub(spent))
            .collect();
        if candidates.is_empty() {
            break;
        }
        let cases: Vec<Case> = candidates
            .iter()
            .map(|c| explore::probe_case(desc, space, c, index))
            .collect();
        let (plans, results) = plan_and_judge(client, contract, spec, account, &cases).await;
        spent += results.iter().map(|r| r.requests.len()).sum::<usize>();
        for (k, ((c, r), plan)) in candidates.into_iter().zip(results).zip(plans).enumerate() {
            if first_rule(&r) != Some(rule) {
                continue;
            }
            let r = if super::settle::suspect(&r) {
                let held = vec![(k, r, plan)];
                let settled = super::settle::settle(
                    client,
                    contract,
                    spec,
                    account,
                    &cases,
                    held,
                    crate::exec::Keep::Nothing,
                )
                .await;
                match settled.into_iter().next() {
                    Some((_, r)) => r,
                    None => continue,
                }
            } else {
                r
            };
            if first_rule(&r) == Some(rule) {
                best = c;
                best_result = r;
                continue 'rounds;
            }
        }
        break;
    }
    if best != *probe {
        best_result
            .notices
            .push(format!("shrunk from: {}", space.describe(probe)));
    }
    (best, best_result, spent)
}

/// `conform explore` against a target: fetches the baselines, then explores.
pub async fn explore_target(
    target: crate::exec::Target,
    spec: &TargetSpec,
    contract: &Contract,
    baseline_page: u32,
    opts: ExploreOptions,
) -> Result<ExploreReport, RunError> {
    let (client, (main, other)) = looked_at(target, spec, contract, baseline_page).await?;
    let mut account = Account::new(main, other, baseline_page);
    Ok(explore_with(&client, contract, spec, &mut account, opts).await)
}

/// A client for `target` and the baselines of its projects, fetched with it.
async fn looked_at(
    target: crate::exec::Target,
    spec: &TargetSpec,
    contract: &Contract,
    baseline_page: u32,
) -> Result<(Client, super::Baselines), RunError> {
    let client = Client::new(target)?;
    let baselines =
        super::fetch_baselines(&client, contract, spec, baseline_page, &mut super::Quiet).await?;
    Ok((client, baselines))
}

/// The space explored for these credentials: requests without and with wrong ones when
/// the run has any, and the signature's own shapes when it signs.
fn space_for(
    contract: &Contract,
    spec: &TargetSpec,
    main: &Baseline,
    other: Option<&Baseline>,
) -> Space {
    let credentials = spec.credentials != crate::auth::Credentials::None;
    let mut space = explore::space(contract, main, other, credentials);
    space.signed = matches!(spec.credentials, crate::auth::Credentials::AkSk { .. });
    space
}

/// The exploration's probes as cases, planned against `target`'s account (the first
/// `budget` of the plan for `seed`), for sending elsewhere too: `conform diff` asks two
/// targets the same generated questions.
pub async fn probe_cases(
    target: crate::exec::Target,
    spec: &TargetSpec,
    contract: &Contract,
    baseline_page: u32,
    budget: usize,
    seed: u64,
) -> Result<Vec<Case>, RunError> {
    let (_, (main, other)) = looked_at(target, spec, contract, baseline_page).await?;
    let empty = Baseline::default();
    let space = space_for(
        contract,
        spec,
        main.as_ref().unwrap_or(&empty),
        other.as_ref().and_then(|o| o.as_ref().ok()),
    );
    Ok(explore::plan(&space, budget, seed)
        .iter()
        .enumerate()
        .map(|(i, p)| explore::probe_case(contract.desc(), &space, p, i))
        .collect())
}
