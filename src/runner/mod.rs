//! Running cases against a target: the library entry point behind `conform run` and
//! `conform selfcheck`. It drives the stages below it: fetch the baseline, plan each
//! case, send every request concurrently ([`crate::exec`]), check and judge each case as
//! soon as its answers are in ([`crate::outcome::judge`]), and hand the results to a
//! [`RunObserver`] in case order, each as soon as it and every case before it are done.
//! It prints nothing: the observer decides what a result becomes.

use std::future::Future;
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};
use serde_json::Value;

use crate::base::Baseline;
use crate::case::{Case, ProjectSel};
use crate::check::{read_answer, Answer, Context};
use crate::contract::Contract;
use crate::exec::{
    fetch_baseline, Client, Exchange, NoBaseline, Target, TransportError, BODY_BUDGET,
};
use crate::outcome::{judge, CaseResult};
use crate::plan::{plan_case, DrawMemo, Planned, Projects, Purpose};
use crate::secret::Secret;

pub use crate::exec::{listed_without, walk_list};

pub mod across;
pub mod explore;
pub(crate) mod settle;
pub use crate::outcome::{AccountReport, ExploreFailure, ExploreReport};
pub use explore::{explore_target, probe_cases, ExploreOptions};

/// Where a run sends its requests.
pub struct TargetSpec {
    pub base_url: String,
    pub project: String,
    pub other_project: Option<String>,
    pub credentials: crate::auth::Credentials,
    /// The variable a reproduction refers to for the token.
    pub token_var: String,
}

/// What to run, where, and how.
pub struct RunOptions<'a> {
    pub cases: &'a [Case],
    /// How requests are sent (base URL, credentials, TLS, timeouts, rate, concurrency).
    pub target: Target,
    pub spec: &'a TargetSpec,
    pub contract: &'a Contract,
    /// Page size used to walk the unfiltered list (the baseline).
    pub baseline_page: u32,
    /// Keep each answer's parsed body in its result's records (snapshots and selfcheck
    /// need them). Without, they are dropped as soon as the case is judged, which keeps a
    /// long run's memory flat.
    pub keep_bodies: crate::exec::Keep,
    /// Explore the query space after the cases (`None`: no exploration).
    pub explore: Option<ExploreOptions>,
}

/// What a run tells its caller while it goes. Every method has a default that does
/// nothing.
pub trait RunObserver {
    /// The unfiltered list of a project, as walked, before any case is sent: called
    /// once per page (the pages of a project in order), so that a large account is
    /// never held whole as JSON.
    fn baseline(&mut self, _instances: &[Value]) {}
    /// Whether [`RunObserver::baseline`] reads the items: when it does not, the walk
    /// reads each valid page in one pass and never builds its JSON tree.
    fn sees_baseline(&self) -> bool {
        false
    }
    /// One more case was judged (in any order): for a progress bar.
    fn judged(&mut self) {}
    /// The next result in case order: this case and every case before it are finished.
    /// Called once per case, also for the cases an interruption left not run. The
    /// observer may amend the result (waivers, snapshots); the run keeps it as amended.
    fn finished(&mut self, _result: &mut CaseResult) {}
    /// The exploration after the cases is done (once, only when the run explores).
    /// The observer may amend its failures' results (waivers).
    fn explored(&mut self, _report: &mut ExploreReport) {}
}

/// An observer that does nothing.
pub struct Quiet;

impl RunObserver for Quiet {}

/// A finished run.
pub struct RunReport {
    /// Every case's result, in case order, as the observer left it.
    pub results: Vec<CaseResult>,
    pub elapsed: Duration,
    /// The run was stopped (Ctrl-C) before every answer came back: the cases whose
    /// answers were all in are judged, the others are reported as not run.
    pub interrupted: bool,
    /// The exploration's report, when the run explored (and was not interrupted).
    pub explore: Option<ExploreReport>,
    /// What the run saw of the account moving while it read it.
    pub account: AccountReport,
    /// Every request sent to the target: baselines, cases, fresh looks, exploration.
    pub sent: u64,
}

/// Why a run could not start or could not fetch what every case needs.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Unreachable(#[from] crate::exec::Unreachable),
    /// The target answered the unfiltered list, but not with a list: nothing can be
    /// judged against it, so nothing more is sent.
    #[error("the target answered nothing usable: {error}\n  = hint: check the base URL (--target), the project id and the credentials; {sent} request(s) were sent, no case was run")]
    NoList { error: NoBaseline, sent: u64 },
    #[error(transparent)]
    Client(#[from] crate::exec::ClientError),
}

/// Runs cases against a target to the end, reporting nothing on the way.
pub async fn run_cases(opts: RunOptions<'_>) -> Result<RunReport, RunError> {
    run_cases_until(opts, &mut Quiet, std::future::pending::<()>()).await
}

/// [`run_cases`], telling `observer` about each result as it is ready, and stopped
/// early when `stop` completes (`conform run` passes Ctrl-C): requests still in flight
/// are dropped, the cases whose requests were all answered are judged, and the others
/// are reported as not run ([`RunReport::interrupted`]).
pub async fn run_cases_until(
    opts: RunOptions<'_>,
    observer: &mut impl RunObserver,
    stop: impl Future<Output = ()>,
) -> Result<RunReport, RunError> {
    let started = Instant::now();
    tokio::pin!(stop);
    let cases = opts.cases;
    let client = Client::new(opts.target)?;
    let baselines = tokio::select! {
        b = fetch_baselines(&client, opts.contract, opts.spec, opts.baseline_page, observer) => Some(b?),
        () = &mut stop => None,
    };
    let Some((main, other)) = baselines else {
        let results = InOrder::new(cases.len());
        return Ok(RunReport {
            results: results.finish(cases, observer),
            elapsed: started.elapsed(),
            interrupted: true,
            explore: None,
            account: AccountReport::default(),
            sent: client.sent(),
        });
    };
    let judge = Judge {
        cases,
        contract: opts.contract,
        main: &main,
        other: other.as_ref(),
        empty: Baseline::default(),
        keep_bodies: opts.keep_bodies,
    };
    let plans = plan_batch(opts.contract, opts.spec, &main, other.as_ref(), cases);
    let mut sent = Sent::spawn(&client, &plans);
    let mut plans: Vec<Option<Planned>> = plans.into_iter().map(Some).collect();
    let mut results = InOrder::new(cases.len());
    // Cases whose findings are all about the account's data wait for evidence that the
    // account did not move (settle.rs) before they are handed over.
    let mut held: Vec<(usize, CaseResult, Planned)> = Vec::new();
    let mut sighted: Vec<(crate::case::ProjectSel, crate::base::Sighting)> = Vec::new();
    let mut complete = |ci: usize, answers: Vec<Option<Answer>>, observer: &mut _| {
        let plan = plans[ci].take().expect("each case is judged once");
        let kept = Planned {
            requests: plan.requests.clone(),
            skip: None,
            failure: None,
        };
        let result = judge.case(ci, plan, answers);
        // What answers showed moving is evidence for every case, not only this one.
        sighted.extend(
            result
                .sightings
                .iter()
                .map(|s| (cases[ci].project, s.clone())),
        );
        if settle::suspect(&result) {
            held.push((ci, result, kept));
        } else {
            results.set(ci, result, observer);
        }
    };
    // Cases that send nothing (skipped, or without a usable baseline) are judged first.
    for ci in 0..cases.len() {
        if sent.left[ci] == 0 {
            complete(ci, Vec::new(), observer);
        }
    }
    let mut interrupted = false;
    loop {
        let next = tokio::select! {
            next = sent.pending.next() => next,
            () = &mut stop => {
                interrupted = true;
                None
            }
        };
        let Some((ci, ri, purpose, ex)) = next else {
            break;
        };
        let answer = judge.read(ci, ri, purpose, ex);
        if let Some(answers) = sent.answered(ci, ri, answer) {
            complete(ci, answers, observer);
        }
    }
    // After an interruption the requests still in flight are cancelled; their cases
    // were not judged.
    if interrupted {
        sent.abort();
    }
    let mut account = settle::Account::new(main, other, opts.baseline_page);
    for (project, s) in &sighted {
        account.sightings(*project, std::slice::from_ref(s));
    }
    let held: Vec<(usize, CaseResult)> = if interrupted || held.is_empty() {
        held.into_iter().map(|(ci, r, _)| (ci, r)).collect()
    } else {
        let keep = opts.keep_bodies;
        let settled = tokio::select! {
            r = settle::settle(&client, opts.contract, opts.spec, &mut account, cases, held.clone(), keep) => Some(r),
            () = &mut stop => {
                interrupted = true;
                None
            }
        };
        settled.unwrap_or_else(|| held.into_iter().map(|(ci, r, _)| (ci, r)).collect())
    };
    for (ci, r) in held {
        results.set(ci, r, observer);
    }
    let results = results.finish(cases, observer);
    let explore = match opts.explore.filter(|e| e.budget > 0 && !interrupted) {
        None => None,
        Some(e) => {
            let explored = tokio::select! {
                r = explore::explore_with(&client, opts.contract, opts.spec, &mut account, e) => Some(r),
                () = &mut stop => {
                    interrupted = true;
                    None
                }
            };
            explored.map(|mut r| {
                observer.explored(&mut r);
                r
            })
        }
    };
    Ok(RunReport {
        results,
        elapsed: started.elapsed(),
        interrupted,
        explore,
        account: account.report(opts.contract),
        sent: client.sent(),
    })
}

/// Plans a batch of cases against baselines already fetched.
pub(crate) fn plan_batch(
    contract: &Contract,
    spec: &TargetSpec,
    main: &Result<Baseline, NoBaseline>,
    other: Option<&Result<Baseline, NoBaseline>>,
    cases: &[Case],
) -> Vec<Planned> {
    let projects = Projects {
        main: &spec.project,
        other: spec.other_project.as_deref(),
        credentials: spec.credentials != crate::auth::Credentials::None,
        signed: matches!(spec.credentials, crate::auth::Credentials::AkSk { .. }),
    };
    let memo = DrawMemo::default();
    cases
        .iter()
        .map(|c| plan_case(contract.desc(), c, &projects, main, other, &memo))
        .collect()
}

/// Sends the planned requests of a batch of cases and judges each case against the
/// baselines given (which need not be the ones it was planned with: settle.rs sends a
/// case's requests again and judges them against a fresh look).
pub(crate) async fn judge_plans(
    client: &Client,
    contract: &Contract,
    main: &Result<Baseline, NoBaseline>,
    other: Option<&Result<Baseline, NoBaseline>>,
    cases: &[Case],
    plans: Vec<Planned>,
    keep_bodies: crate::exec::Keep,
) -> Vec<CaseResult> {
    let judge = Judge {
        cases,
        contract,
        main,
        other,
        empty: Baseline::default(),
        keep_bodies,
    };
    let mut sent = Sent::spawn(client, &plans);
    let mut plans: Vec<Option<Planned>> = plans.into_iter().map(Some).collect();
    let mut done: Vec<Option<CaseResult>> = (0..cases.len()).map(|_| None).collect();
    for ci in 0..cases.len() {
        if sent.left[ci] == 0 {
            if let Some(plan) = plans[ci].take() {
                done[ci] = Some(judge.case(ci, plan, Vec::new()));
            }
        }
    }
    while let Some((ci, ri, purpose, ex)) = sent.pending.next().await {
        let answer = judge.read(ci, ri, purpose, ex);
        if let Some(answers) = sent.answered(ci, ri, answer) {
            if let Some(plan) = plans[ci].take() {
                done[ci] = Some(judge.case(ci, plan, answers));
            }
        }
    }
    cases
        .iter()
        .zip(done)
        .map(|(c, r)| r.unwrap_or_else(|| CaseResult::not_run(c)))
        .collect()
}

/// The main project's baseline, and the other project's when one is known.
pub(crate) type Baselines = (
    Result<Baseline, NoBaseline>,
    Option<Result<Baseline, NoBaseline>>,
);

async fn fetch_baselines(
    client: &Client,
    contract: &Contract,
    spec: &TargetSpec,
    page: u32,
    observer: &mut impl RunObserver,
) -> Result<Baselines, RunError> {
    let sees = observer.sees_baseline();
    let mut seen = |l: &[Value]| observer.baseline(l);
    let main = fetch_baseline(
        client,
        contract,
        &spec.project,
        page,
        sees.then_some(&mut seen as &mut dyn FnMut(&[Value])),
    )
    .await?;
    // Without the main project's list no case can be judged (and exploration would only
    // pile up failures that say the same): the run stops here.
    let main = match main {
        Ok(b) => Ok(b),
        Err(error) => {
            return Err(RunError::NoList {
                error,
                sent: client.sent(),
            })
        }
    };
    // The other project's list is fetched whenever it is known: every list answer is
    // checked for its instances (C14), not only the tenancy cases'.
    let other = match &spec.other_project {
        Some(p) => Some(
            fetch_baseline(
                client,
                contract,
                p,
                page,
                sees.then_some(&mut seen as &mut dyn FnMut(&[Value])),
            )
            .await?,
        ),
        None => None,
    };
    Ok((main, other))
}

/// Judges a case once all its answers are in: checks run while other requests are
/// still in flight, instead of all at the end.
struct Judge<'a> {
    cases: &'a [Case],
    contract: &'a Contract,
    main: &'a Result<Baseline, NoBaseline>,
    other: Option<&'a Result<Baseline, NoBaseline>>,
    empty: Baseline,
    keep_bodies: crate::exec::Keep,
}

impl Judge<'_> {
    /// What the checks of case `ci` read besides its answers.
    fn ctx(&self, ci: usize) -> Context<'_> {
        let case = &self.cases[ci];
        let main = self.main.as_ref().ok();
        let other = self.other.and_then(|o| o.as_ref().ok());
        let (baseline, foreign) = match case.project {
            ProjectSel::Main => (main, other),
            ProjectSel::Other => (other, main),
        };
        Context {
            contract: self.contract,
            case,
            baseline: baseline.unwrap_or(&self.empty),
            foreign: foreign.unwrap_or(&self.empty),
        }
    }

    /// Reads one answer as it arrives: its own checks run and its raw body is released
    /// at once, so that answers never wait, raw, for the rest of their case.
    fn read(&self, ci: usize, ri: usize, purpose: Purpose, ex: Exchange) -> Answer {
        read_answer(&self.ctx(ci), ri, purpose, ex, self.keep_bodies)
    }

    fn case(&self, ci: usize, plan: Planned, answers: Vec<Option<Answer>>) -> CaseResult {
        let answers = answers
            .into_iter()
            .map(|a| a.expect("every request was sent"))
            .collect();
        judge(&self.ctx(ci), plan.skip, plan.failure, answers)
    }
}

/// Every request of the run, each its own task, and the answers gathered per case.
struct Sent {
    /// Answers as they come: (case, request, why it was sent, exchange).
    pending:
        FuturesUnordered<futures::future::BoxFuture<'static, (usize, usize, Purpose, Exchange)>>,
    aborts: Vec<tokio::task::AbortHandle>,
    /// Per case, its answers so far (read), in request order.
    answers: Vec<Vec<Option<Answer>>>,
    /// Per case, how many answers are still to come.
    left: Vec<usize>,
}

impl Sent {
    /// Sends every request of `plans` through a client that holds at most
    /// [`BODY_BUDGET`] bytes of bodies at once: each answer must be read
    /// ([`Judge::read`], which releases its body) as soon as it is taken from `pending`.
    fn spawn(client: &Client, plans: &[Planned]) -> Sent {
        let client = client.with_body_budget(BODY_BUDGET);
        let mut sent = Sent {
            pending: FuturesUnordered::new(),
            aborts: Vec::new(),
            answers: plans
                .iter()
                .map(|p| p.requests.iter().map(|_| None).collect())
                .collect(),
            left: plans.iter().map(|p| p.requests.len()).collect(),
        };
        for (ci, p) in plans.iter().enumerate() {
            for (ri, &(purpose, ref req)) in p.requests.iter().enumerate() {
                let client = client.clone();
                let req = req.clone();
                // Each request is its own task, so sending and receiving spread over the
                // runtime's threads while this task judges the cases that are complete.
                let task = tokio::spawn(async move { client.send(&req).await });
                sent.aborts.push(task.abort_handle());
                let fallback = p.requests[ri].1.clone();
                sent.pending.push(Box::pin(async move {
                    let ex = task.await.unwrap_or_else(|e| Exchange {
                        request: fallback,
                        outcome: Err(TransportError::Other(format!(
                            "the request task failed: {e}"
                        ))),
                        retries: 0,
                    });
                    (ci, ri, purpose, ex)
                }));
            }
        }
        sent
    }

    /// Files one answer; returns the case's answers when it was the last one.
    fn answered(&mut self, ci: usize, ri: usize, answer: Answer) -> Option<Vec<Option<Answer>>> {
        self.answers[ci][ri] = Some(answer);
        self.left[ci] -= 1;
        (self.left[ci] == 0).then(|| std::mem::take(&mut self.answers[ci]))
    }

    fn abort(self) {
        drop(self.pending);
        self.aborts.iter().for_each(tokio::task::AbortHandle::abort);
    }
}

/// Results in case order: each is handed to the observer as soon as it and every
/// result before it are in.
struct InOrder {
    waiting: Vec<Option<CaseResult>>,
    done: Vec<CaseResult>,
}

impl InOrder {
    fn new(cases: usize) -> InOrder {
        InOrder {
            waiting: (0..cases).map(|_| None).collect(),
            done: Vec::with_capacity(cases),
        }
    }

    fn set(&mut self, ci: usize, result: CaseResult, observer: &mut impl RunObserver) {
        self.waiting[ci] = Some(result);
        observer.judged();
        while let Some(slot) = self.waiting.get_mut(self.done.len()) {
            let Some(mut r) = slot.take() else { break };
            observer.finished(&mut r);
            self.done.push(r);
        }
    }

    /// The results of every case: the ones not judged (the run was stopped) as not run.
    fn finish(mut self, cases: &[Case], observer: &mut impl RunObserver) -> Vec<CaseResult> {
        let (from, waiting) = (self.done.len(), std::mem::take(&mut self.waiting));
        for (case, slot) in cases.iter().zip(waiting).skip(from) {
            let mut r = slot.unwrap_or_else(|| CaseResult::not_run(case));
            observer.finished(&mut r);
            self.done.push(r);
        }
        self.done
    }
}

/// Serves the built-in mock in-process on an ephemeral loopback port, with a random
/// token (so the C14 auth cases run) and, when the data has one, a second project.
/// The main project is the mock's own main project when present, else the first.
pub async fn serve_mock(
    data: crate::mock::DataSet,
    faults: Vec<crate::mock::Fault>,
    churn: Option<crate::mock::Churn>,
) -> std::io::Result<(crate::mock::RunningMock, TargetSpec)> {
    let mut projects: Vec<String> = data.projects().map(|(p, _)| p.to_string()).collect();
    projects.sort();
    if let Some(i) = projects.iter().position(|p| p == crate::mock::MAIN_PROJECT) {
        let main = projects.remove(i);
        projects.insert(0, main);
    }
    let project = projects
        .first()
        .cloned()
        .unwrap_or_else(|| crate::mock::MAIN_PROJECT.to_string());
    let other_project = projects.get(1).cloned();
    let token = random_token();
    let config = crate::mock::MockConfig {
        data,
        faults,
        token: Some(token.clone()),
        access_key: None,
        churn,
    };
    let running = crate::mock::spawn(config, ([127, 0, 0, 1], 0).into()).await?;
    let spec = TargetSpec {
        base_url: running.base_url(),
        project,
        other_project,
        credentials: crate::auth::Credentials::Token(Secret::new(token)),
        token_var: "CONFORM_TOKEN".into(),
    };
    Ok((running, spec))
}

/// A token for the in-process mock: unguessable enough for loopback, never printed.
fn random_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    format!("conform-{:016x}", h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records what the runner tells it.
    #[derive(Default)]
    struct Seen {
        judged: usize,
        finished: Vec<String>,
    }

    impl RunObserver for Seen {
        fn judged(&mut self) {
            self.judged += 1;
        }
        fn finished(&mut self, result: &mut CaseResult) {
            self.finished.push(result.name.clone());
        }
    }

    #[test]
    fn results_are_handed_over_in_case_order_as_soon_as_their_turn_comes() {
        let cases = crate::case::load_dir(std::path::Path::new("cases/v1.0"), Contract::embedded())
            .unwrap();
        let cases = &cases[..4];
        let name = |i: usize| cases[i].name.clone();
        let done = |i: usize| CaseResult::of(&cases[i]);
        let mut seen = Seen::default();
        let mut order = InOrder::new(cases.len());
        order.set(2, done(2), &mut seen);
        assert_eq!(seen.judged, 1);
        assert!(seen.finished.is_empty(), "case 3 waits for cases 1 and 2");
        order.set(0, done(0), &mut seen);
        assert_eq!(seen.finished, [name(0)]);
        order.set(1, done(1), &mut seen);
        assert_eq!(seen.finished, [name(0), name(1), name(2)]);
        // Stopped before case 4 was judged: it is handed over as not run, last.
        let results = order.finish(cases, &mut seen);
        assert_eq!(seen.finished, [name(0), name(1), name(2), name(3)]);
        assert!(!results[2].is_not_run() && results[3].is_not_run());
    }
}
