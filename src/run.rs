//! `conform run`: load the cases, fetch the baseline, send every request concurrently,
//! check the answers and report them in case order.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};

use crate::case::{self, AuthSel, Case, ProjectSel, ResultsExpect};
use crate::check::{self, filter, paging, Context, Purpose};
use crate::contract::Contract;
use crate::exec::{Client, Exchange, Request, Target, TransportError};
use crate::plan::{self, Baseline, Inst};
use crate::report::{terminal, CaseResult, RequestRecord, Summary, Verdict};
use crate::secret::Secret;

/// Options of `conform run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Folder of case files (`**/*.toml`).
    #[arg(long, default_value = "cases", value_name = "DIR")]
    pub cases: PathBuf,
    /// Base URL of the endpoint to check, e.g. https://dcs.example.com. Without it, the
    /// built-in mock is served in-process on an ephemeral loopback port.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// The project whose instances are listed (required with --target).
    #[arg(long, value_name = "ID", requires = "target")]
    pub project_id: Option<String>,
    /// A second project of the same account, for the tenancy checks (C14).
    #[arg(long, value_name = "ID", requires = "target")]
    pub other_project_id: Option<String>,
    /// Name of the environment variable that holds the X-Auth-Token.
    #[arg(long, value_name = "NAME", default_value = "CONFORM_TOKEN")]
    pub token_env: String,
    /// File that holds the X-Auth-Token (instead of an environment variable).
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// Requests in flight at once.
    #[arg(long, short = 'j', default_value_t = 16, value_name = "N")]
    pub jobs: usize,
    /// Per-request timeout, in seconds.
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    pub timeout: f64,
    /// At most this many requests per second (for real services).
    #[arg(long, value_name = "N")]
    pub rate: Option<f64>,
    /// Largest response body accepted, in bytes.
    #[arg(long, default_value_t = 64 * 1024 * 1024, value_name = "BYTES")]
    pub max_body: usize,
    /// Page size used to walk the unfiltered list (the baseline).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub baseline_page: u32,
    /// Switch on a fault in the built-in mock (repeatable; see `conform mock --list-faults`).
    #[arg(long = "mock-fault", value_name = "NAME", conflicts_with = "target")]
    pub mock_faults: Vec<String>,
    /// Serve this data set in the built-in mock (same format as `conform mock --data`).
    #[arg(long = "mock-data", value_name = "FILE", conflicts_with = "target")]
    pub mock_data: Option<PathBuf>,
    /// Only run cases whose name or rules contain this text (repeatable: any matches).
    #[arg(long, value_name = "TEXT")]
    pub filter: Vec<String>,
}

/// Where a run sends its requests.
pub struct TargetSpec {
    pub base_url: String,
    pub project: String,
    pub other_project: Option<String>,
    pub token: Option<Secret>,
    /// The variable a reproduction refers to for the token.
    pub token_var: String,
}

/// A finished run.
pub struct RunReport {
    pub results: Vec<CaseResult>,
    pub elapsed: Duration,
    /// The run was stopped (Ctrl-C) before every answer came back: the cases whose
    /// requests had all been answered are judged as usual, the others are reported as
    /// not run (SKIP, with a note saying so).
    pub interrupted: bool,
}

/// Why a run could not start or could not fetch what every case needs.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("the target could not be reached for the baseline: GET {path}: {error}")]
    Unreachable { path: String, error: TransportError },
    #[error("{0}")]
    Client(String),
}

/// Runs `conform run`; returns the exit code.
pub async fn command(args: RunArgs) -> u8 {
    let contract = Contract::embedded();
    let cases = match case::load_dir(&args.cases, contract) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "{e}");
            return crate::exit::INPUT_INVALID;
        }
    };
    let cases: Vec<Case> = cases
        .into_iter()
        .filter(|c| selected(c, &args.filter))
        .collect();
    if cases.is_empty() {
        let _ = writeln!(
            anstream::stderr(),
            "error: no case selected in {}",
            args.cases.display()
        );
        return crate::exit::NOTHING_SELECTED;
    }
    if args.jobs == 0 || !(args.timeout > 0.0) || args.rate.is_some_and(|r| !(r > 0.0)) {
        let _ = writeln!(
            anstream::stderr(),
            "error: --jobs, --timeout and --rate must be positive"
        );
        return crate::exit::INPUT_INVALID;
    }

    let mut mock = None;
    let spec = match &args.target {
        Some(url) => {
            let Some(project) = args.project_id.clone() else {
                let _ = writeln!(anstream::stderr(), "error: --target needs --project-id");
                return crate::exit::INPUT_INVALID;
            };
            let token = match read_token(&args) {
                Ok(t) => t,
                Err(e) => {
                    let _ = writeln!(anstream::stderr(), "error: {e}");
                    return crate::exit::INPUT_INVALID;
                }
            };
            TargetSpec {
                base_url: url.trim_end_matches('/').to_string(),
                project,
                other_project: args.other_project_id.clone(),
                token,
                token_var: args.token_env.clone(),
            }
        }
        None => {
            let mut faults = Vec::new();
            for name in &args.mock_faults {
                match crate::mock::Fault::from_name(name) {
                    Some(f) => faults.push(f),
                    None => {
                        let _ = writeln!(
                            anstream::stderr(),
                            "error: unknown mock fault `{name}`\n  = hint: `conform mock --list-faults` prints the catalogue"
                        );
                        return crate::exit::INPUT_INVALID;
                    }
                }
            }
            let data = match &args.mock_data {
                None => crate::mock::DataSet::builtin(),
                Some(path) => match crate::mock::DataSet::from_file(path) {
                    Ok(d) => d,
                    Err(e) => {
                        let _ = writeln!(anstream::stderr(), "error: {e}");
                        return crate::exit::INPUT_INVALID;
                    }
                },
            };
            let (running, spec) = match serve_mock(data, faults).await {
                Ok(m) => m,
                Err(e) => {
                    let _ = writeln!(
                        anstream::stderr(),
                        "error: cannot start the built-in mock: {e}"
                    );
                    return crate::exit::TARGET_UNREACHABLE;
                }
            };
            mock = Some(running);
            spec
        }
    };

    let target = Target {
        base_url: spec.base_url.clone(),
        token: spec.token.clone(),
        timeout: Duration::from_secs_f64(args.timeout),
        max_body: args.max_body,
        rate: args.rate,
        jobs: args.jobs,
    };
    let shown = if mock.is_some() {
        "the built-in mock"
    } else {
        spec.base_url.as_str()
    };
    let _ = writeln!(
        anstream::stderr(),
        "conform: {} cases against {shown}",
        cases.len()
    );
    let progress = progress_bar(&cases);
    let report = run_cases_until(
        &cases,
        target,
        &spec,
        contract,
        args.baseline_page,
        &|n| progress.inc(n as u64),
        ctrl_c(),
    )
    .await;
    progress.finish_and_clear();
    if let Some(m) = mock {
        m.shutdown().await;
    }
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "error: {e}");
            return crate::exit::TARGET_UNREACHABLE;
        }
    };
    let mut out = anstream::stdout().lock();
    let width = report
        .results
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(10)
        .min(48);
    let repro = terminal::Repro {
        base_url: &spec.base_url,
        token_var: &spec.token_var,
    };
    for r in &report.results {
        if terminal::write_case(&mut out, r, &repro, width).is_err() {
            return crate::exit::SUCCESS; // broken pipe: the reader is gone, stop quietly
        }
    }
    let summary = Summary::of(&report.results);
    let _ = terminal::write_summary(&mut out, &summary, report.results.len(), report.elapsed);
    if report.interrupted {
        let not_run = report.results.iter().filter(|r| is_not_run(r)).count();
        let _ = writeln!(
            out,
            "interrupted (Ctrl-C): {} of {} cases finished, {not_run} not run",
            report.results.len() - not_run,
            report.results.len()
        );
        return crate::exit::INTERRUPTED;
    }
    summary.exit_code()
}

/// Completes on the first Ctrl-C (SIGINT). If the handler cannot be installed it never
/// completes: the signal then ends the process as it would without conform's handler.
async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

const NOT_RUN: &str = "not run: the run was interrupted before its answers came back";

fn is_not_run(r: &CaseResult) -> bool {
    r.verdict == Verdict::Skipped && r.notices.iter().any(|n| n == NOT_RUN)
}

fn not_run(case: &Case) -> CaseResult {
    CaseResult {
        name: case.name.clone(),
        description: case.description.clone(),
        loc: case.loc.clone(),
        rules: case.rules.clone(),
        verdict: Verdict::Skipped,
        findings: Vec::new(),
        observations: Vec::new(),
        notices: vec![NOT_RUN.to_string()],
        requests: Vec::new(),
        duration: Duration::ZERO,
    }
}

fn selected(case: &Case, filters: &[String]) -> bool {
    filters.is_empty()
        || filters.iter().any(|f| {
            case.name.contains(f.as_str())
                || case
                    .rules
                    .iter()
                    .any(|r| r.to_string().eq_ignore_ascii_case(f))
        })
}

fn read_token(args: &RunArgs) -> Result<Option<Secret>, String> {
    if let Some(path) = &args.token_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the token file {}: {e}", path.display()))?;
        let t = text.trim();
        if t.is_empty() {
            return Err(format!("the token file {} is empty", path.display()));
        }
        return Ok(Some(Secret::new(t)));
    }
    Ok(std::env::var(&args.token_env)
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .map(Secret::new))
}

/// Serves the built-in mock in-process on an ephemeral loopback port, with a random
/// token (so the C14 auth cases run) and, when the data has one, a second project.
/// The main project is the mock's own main project when present, else the first.
pub async fn serve_mock(
    data: crate::mock::DataSet,
    faults: Vec<crate::mock::Fault>,
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
    };
    let running = crate::mock::spawn(config, ([127, 0, 0, 1], 0).into()).await?;
    let spec = TargetSpec {
        base_url: running.base_url(),
        project,
        other_project,
        token: Some(Secret::new(token)),
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

fn progress_bar(cases: &[Case]) -> indicatif::ProgressBar {
    // On a terminal and outside CI only: progress is for people watching.
    if !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(cases.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} cases {wide_bar} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// Fetches the unfiltered list of a project, page by page, failed instances included.
pub async fn fetch_baseline(
    client: &Client,
    project: &str,
    page: u32,
) -> Result<Result<Baseline, String>, RunError> {
    let mut instances: Vec<Inst> = Vec::new();
    let page = page.max(1);
    for index in 0..10_000u32 {
        let mut query = vec![("includeFailure".to_string(), "true".to_string())];
        // The first page relies on start's default (C9) so that an off-by-one in start
        // cannot corrupt the baseline; the paging cases check start itself.
        if index > 0 {
            query.push(("start".into(), (index * page + 1).to_string()));
        }
        query.push(("limit".into(), page.to_string()));
        let req = Request::list(project, query);
        let ex = client.send(&req).await;
        let resp = match ex.outcome {
            Ok(r) => r,
            Err(error) => {
                return Err(RunError::Unreachable {
                    path: req.path_and_query(),
                    error,
                })
            }
        };
        if resp.status != 200 {
            return Ok(Err(format!(
                "the baseline request GET {} answered {} {}",
                req.path_and_query(),
                resp.status,
                check::status::preview(&resp.body)
            )));
        }
        let body = match resp.json() {
            Ok(b) => b,
            Err(e) => return Ok(Err(format!("the baseline answer is not JSON: {e}"))),
        };
        let Some(list) = check::instances_of(&body) else {
            return Ok(Err(
                "the baseline answer has no readable `instances` array".into()
            ));
        };
        let got = list.len();
        let total = body.get("instance_num").and_then(serde_json::Value::as_u64);
        instances.extend(list);
        if got < page as usize || got == 0 || total.is_some_and(|t| instances.len() as u64 >= t) {
            break;
        }
    }
    Ok(Ok(Baseline::new(instances)))
}

struct Planned {
    requests: Vec<(Purpose, Request)>,
    skip: Option<String>,
    failure: Option<String>,
}

/// Runs cases against a target: the library entry point behind `conform run`.
pub async fn run_cases(
    cases: &[Case],
    target: Target,
    spec: &TargetSpec,
    contract: &Contract,
    baseline_page: u32,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<RunReport, RunError> {
    let never = std::future::pending::<()>();
    run_cases_until(
        cases,
        target,
        spec,
        contract,
        baseline_page,
        progress,
        never,
    )
    .await
}

/// [`run_cases`], stopped early when `stop` completes (`conform run` passes Ctrl-C):
/// requests still in flight are dropped, the cases whose requests were all answered are
/// judged, and the others are reported as not run ([`RunReport::interrupted`]).
pub async fn run_cases_until(
    cases: &[Case],
    target: Target,
    spec: &TargetSpec,
    contract: &Contract,
    baseline_page: u32,
    progress: &(dyn Fn(usize) + Sync),
    stop: impl std::future::Future<Output = ()>,
) -> Result<RunReport, RunError> {
    let started = Instant::now();
    tokio::pin!(stop);
    let client = Client::new(target).map_err(RunError::Client)?;
    let baselines = async {
        let main = fetch_baseline(&client, &spec.project, baseline_page).await?;
        // The other project's list is fetched whenever it is known: every list answer is
        // checked for its instances (C14), not only the tenancy cases'.
        let other = match &spec.other_project {
            Some(p) => Some(fetch_baseline(&client, p, baseline_page).await?),
            None => None,
        };
        Ok::<_, RunError>((main, other))
    };
    let (main, other) = tokio::select! {
        b = baselines => b?,
        () = &mut stop => {
            return Ok(RunReport {
                results: cases.iter().map(not_run).collect(),
                elapsed: started.elapsed(),
                interrupted: true,
            });
        }
    };
    let empty = Baseline::default();

    let plans: Vec<Planned> = cases
        .iter()
        .map(|c| plan_case(c, spec, &main, other.as_ref()))
        .collect();

    let mut slots: Vec<Vec<Option<Exchange>>> =
        plans.iter().map(|p| vec![None; p.requests.len()]).collect();
    let mut pending = FuturesUnordered::new();
    for (ci, p) in plans.iter().enumerate() {
        for (ri, (_, req)) in p.requests.iter().enumerate() {
            let client = client.clone();
            let req = req.clone();
            pending.push(async move { (ci, ri, client.send(&req).await) });
        }
    }
    let mut left: Vec<usize> = plans.iter().map(|p| p.requests.len()).collect();
    progress(left.iter().filter(|n| **n == 0).count());
    let mut interrupted = false;
    loop {
        let next = tokio::select! {
            next = pending.next() => next,
            () = &mut stop => {
                interrupted = true;
                None
            }
        };
        let Some((ci, ri, ex)) = next else { break };
        slots[ci][ri] = Some(ex);
        left[ci] -= 1;
        if left[ci] == 0 {
            progress(1);
        }
    }
    // Dropping the futures abandons the requests still in flight.
    drop(pending);

    let results = cases
        .iter()
        .zip(plans)
        .zip(slots)
        .map(|((case, plan), slots)| {
            if slots.iter().any(Option::is_none) {
                return not_run(case); // only after an interruption
            }
            let exchanges: Vec<(Purpose, Exchange)> = plan
                .requests
                .iter()
                .map(|(p, _)| *p)
                .zip(slots.into_iter().flatten())
                .collect();
            let (baseline, foreign) = match case.project {
                ProjectSel::Main => (
                    main.as_ref().ok(),
                    other.as_ref().and_then(|o| o.as_ref().ok()),
                ),
                ProjectSel::Other => (
                    other.as_ref().and_then(|o| o.as_ref().ok()),
                    main.as_ref().ok(),
                ),
            };
            let ctx = Context {
                contract,
                case,
                baseline: baseline.unwrap_or(&empty),
                foreign: foreign.unwrap_or(&empty),
            };
            judge(&ctx, plan.skip, plan.failure, exchanges)
        })
        .collect();
    Ok(RunReport {
        results,
        elapsed: started.elapsed(),
        interrupted,
    })
}

fn plan_case(
    case: &Case,
    spec: &TargetSpec,
    main: &Result<Baseline, String>,
    other: Option<&Result<Baseline, String>>,
) -> Planned {
    let skip = |why: String| Planned {
        requests: Vec::new(),
        skip: Some(why),
        failure: None,
    };
    let (project, baseline) = match case.project {
        ProjectSel::Main => (spec.project.clone(), Some(main)),
        ProjectSel::Other => match &spec.other_project {
            Some(p) => (p.clone(), other),
            None => {
                return skip("no second project (--other-project-id): tenancy case not run".into())
            }
        },
    };
    if case.auth != AuthSel::Configured && spec.token.is_none() {
        return skip("no credentials configured: the target is run without auth, so C14's 401 cannot be checked".into());
    }
    let needs_baseline = case.expect.wants_list() || case.draws();
    let baseline = match baseline {
        Some(Ok(b)) => Some(b),
        Some(Err(e)) if needs_baseline => {
            return Planned {
                requests: Vec::new(),
                skip: None,
                failure: Some(e.clone()),
            };
        }
        _ => None,
    };
    // Draws come from the main project's list, whatever project the case queries.
    let draw_from = main.as_ref().ok().or(baseline).cloned().unwrap_or_default();
    let query = match plan::resolve_query(case, &draw_from) {
        Ok(q) => q,
        Err(e) => return skip(e.0),
    };
    let main_req = Request {
        project,
        auth: case.auth,
        raw_query: case.raw_query.clone(),
        query,
        headers: case.headers.clone(),
    };
    let mut requests = vec![(Purpose::Main, main_req.clone())];
    for _ in 1..case.expect.repeat {
        requests.push((Purpose::Repeat, main_req.clone()));
    }
    if let Some(b) = baseline {
        for &limit in &case.expect.pages {
            let mut q = filter::Query::parse(&main_req.decoded_query());
            q.start = None;
            q.limit = None;
            let total = filter::expected(b, &q).len();
            requests.extend(paging::plan_walk(&main_req, total, limit));
        }
    }
    Planned {
        requests,
        skip: None,
        failure: None,
    }
}

fn judge(
    ctx: &Context<'_>,
    skip: Option<String>,
    failure: Option<String>,
    exchanges: Vec<(Purpose, Exchange)>,
) -> CaseResult {
    let case = ctx.case;
    let outcome = (skip.is_none() && failure.is_none()).then(|| check::check_case(ctx, &exchanges));
    // The records take the parsed bodies over (no second parse, no copy).
    let requests: Vec<RequestRecord> = exchanges
        .into_iter()
        .map(|(p, ex)| RequestRecord {
            purpose: p,
            path: ex.request.path_and_query(),
            with_token: ex.request.auth == AuthSel::Configured,
            status: ex.outcome.as_ref().ok().map(|r| r.status),
            error: ex.outcome.as_ref().err().cloned(),
            retries: ex.retries,
            elapsed: ex.outcome.as_ref().map(|r| r.elapsed).unwrap_or_default(),
            body: ex.outcome.ok().and_then(|r| {
                let _ = r.json();
                r.parsed.into_inner().and_then(Result::ok)
            }),
        })
        .collect();
    let mut result = CaseResult {
        name: case.name.clone(),
        description: case.description.clone(),
        loc: case.loc.clone(),
        rules: case.rules.clone(),
        verdict: Verdict::Pass,
        findings: Vec::new(),
        observations: Vec::new(),
        notices: Vec::new(),
        duration: requests.iter().map(|r| r.elapsed).sum(),
        requests,
    };
    if let Some(why) = skip {
        result.verdict = Verdict::Skipped;
        result.notices.push(why);
        return result;
    }
    if let Some(why) = failure {
        result.verdict = Verdict::Fail;
        result.findings.push(check::Finding::new(
            crate::case::Rule(12),
            check::CheckKind::Status,
            0,
            format!("no usable baseline: {why}"),
        ));
        return result;
    }
    let outcome = outcome.unwrap_or_default();
    let transport = result.requests.iter().any(|r| r.error.is_some());
    for r in result.requests.iter().filter(|r| r.retries > 0) {
        result
            .notices
            .push(format!("GET {} was retried {} time(s)", r.path, r.retries));
    }
    result.verdict = if !outcome.findings.is_empty() {
        Verdict::Fail
    } else if transport {
        Verdict::Error
    } else if outcome.compared_list
        && outcome.expected_instances == 0
        && case.expect.results == ResultsExpect::Some
    {
        result
            .notices
            .push("the expected result was empty: this case compared nothing".into());
        Verdict::Vacuous
    } else {
        Verdict::Pass
    };
    result.findings = outcome.findings;
    result.observations = outcome.observations;
    result
}
