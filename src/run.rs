//! `conform run`: load the cases, fetch the baseline, send every request concurrently,
//! check the answers and report them in case order.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};

use crate::base::{Baseline, Inst};
use crate::case::{AuthSel, Case, ProjectSel, ResultsExpect};
use crate::check::{self, filter, paging, Context, Purpose};
use crate::contract::Contract;
use crate::contract::Desc;
use crate::exec::{Client, Exchange, Request, Target, TransportError};
use crate::plan;
use crate::report::{terminal, CaseResult, Event, RequestRecord, RunInfo, Summary, Verdict};
use crate::secret::{Redactor, Secret};

/// Options of `conform run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Folder of case files (`**/*.toml`).
    #[arg(long, default_value = "cases", value_name = "DIR")]
    pub cases: PathBuf,
    /// A contract description (`*.contract.toml`, with the schemas it names beside it)
    /// to check instead of the built-in one. The built-in mock serves only the built-in
    /// contract, so another one needs --target.
    #[arg(long, value_name = "FILE", requires = "target")]
    pub contract: Option<PathBuf>,
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
    #[command(flatten)]
    pub credentials: CredentialArgs,
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Requests in flight at once.
    #[arg(long, short = 'j', default_value_t = 16, value_name = "N")]
    pub jobs: usize,
    /// Per-request timeout, in seconds.
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    pub timeout: f64,
    /// At most this many requests per second; 0 = unlimited. Default: 10 for a target
    /// outside this machine (be gentle with real services), unlimited on loopback.
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
    /// Known deviations of the target: a TOML file of `[[waiver]]` entries (rule, case,
    /// reason, expires or link). A failure a live waiver covers is reported as WAIVED.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// Serve this data set in the built-in mock (same format as `conform mock --data`).
    #[arg(long = "mock-data", value_name = "FILE", conflicts_with = "target")]
    pub mock_data: Option<PathBuf>,
    #[command(flatten)]
    pub select: crate::select::SelectArgs,
    #[command(flatten)]
    pub report: crate::report::ReportArgs,
    #[command(flatten)]
    pub snapshots: crate::snapshot::SnapshotArgs,
}

/// How a real target's certificate is trusted (shared by `run` and `record`).
#[derive(Debug, Clone, clap::Args)]
pub struct TlsArgs {
    /// Also trust the CA certificate(s) in this PEM file (for a private CA).
    #[arg(long, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,
    /// Do not verify TLS certificates. Dangerous: said loudly on every run that uses it.
    #[arg(long)]
    pub insecure: bool,
}

impl TlsArgs {
    /// The loud warning `--insecure` asks for, written to `err`.
    pub fn warn(&self, err: &mut impl std::io::Write) {
        if self.insecure {
            let _ = writeln!(
                err,
                "WARNING: --insecure: TLS certificates are NOT verified; anyone on the path can read and change this run's traffic"
            );
        }
    }
}

/// Where credentials for a real target come from (shared by `run` and `record`).
#[derive(Debug, Clone, clap::Args)]
pub struct CredentialArgs {
    /// How requests are authenticated: `token` (X-Auth-Token from --token-env or
    /// --token-file), `aksk` (signed with an access key pair from HUAWEICLOUD_SDK_AK /
    /// HUAWEICLOUD_SDK_SK or --credentials-file), `none`, or `auto`: a token if one is
    /// set, else an access key pair if one is set, else none.
    #[arg(long, default_value = "auto", value_name = "SCHEME", value_parser = ["auto", "token", "aksk", "none"])]
    pub auth: String,
    /// Name of the environment variable that holds the X-Auth-Token.
    #[arg(long, value_name = "NAME", default_value = "CONFORM_TOKEN")]
    pub token_env: String,
    /// File that holds the X-Auth-Token (instead of an environment variable).
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// AK/SK credentials file: the vendor SDKs' INI file (`[basic]` with ak, sk,
    /// security_token) or the console's credentials.csv.
    #[arg(long, value_name = "PATH")]
    pub credentials_file: Option<PathBuf>,
}

/// Where a run sends its requests.
pub struct TargetSpec {
    pub base_url: String,
    pub project: String,
    pub other_project: Option<String>,
    pub credentials: crate::auth::Credentials,
    /// The variable a reproduction refers to for the token.
    pub token_var: String,
}

/// The default request rate for a target outside this machine, in requests per second.
pub const DEFAULT_REMOTE_RATE: f64 = 10.0;

/// A finished run.
pub struct RunReport {
    pub results: Vec<CaseResult>,
    pub elapsed: Duration,
    /// The run was stopped (Ctrl-C) before every answer came back: the cases whose
    /// answers were all in are judged, the others are reported as not run.
    pub interrupted: bool,
}

/// Why a run could not start or could not fetch what every case needs.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("the target could not be reached for the baseline: GET {path}: {error}")]
    Unreachable { path: String, error: TransportError },
    #[error("{0}")]
    Client(#[from] crate::exec::ClientError),
}

/// Runs `conform run`; returns the exit code.
pub async fn command(args: RunArgs) -> u8 {
    args.report.color.choice().write_global();
    let loaded;
    let contract: &Contract = match &args.contract {
        None => Contract::embedded(),
        Some(path) => match Contract::from_file(path) {
            Ok(c) => {
                loaded = c;
                &loaded
            }
            Err(e) => {
                let _ = writeln!(anstream::stderr(), "error: {e}");
                return crate::exit::INPUT_INVALID;
            }
        },
    };
    let cases = match args.select.load(&args.cases, contract) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if args.jobs == 0 || !positive(args.timeout) || args.rate.is_some_and(|r| !non_negative(r)) {
        let _ = writeln!(
            anstream::stderr(),
            "error: --jobs and --timeout must be positive, --rate 0 or more"
        );
        return crate::exit::INPUT_INVALID;
    }
    let waivers = match &args.waivers {
        None => Vec::new(),
        Some(path) => match crate::waiver::load(path, contract.desc()) {
            Ok(w) => w,
            Err(diags) => {
                for d in diags {
                    let _ = writeln!(anstream::stderr(), "{d}");
                }
                return crate::exit::INPUT_INVALID;
            }
        },
    };
    if let Err(e) = args.report.validate() {
        let _ = writeln!(anstream::stderr(), "error: {e}");
        return crate::exit::INPUT_INVALID;
    }
    let snapshots = match crate::snapshot::Session::open(
        &args.snapshots,
        &args.cases,
        args.target.as_deref(),
        contract.desc(),
    ) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "error: {e}");
            return crate::exit::INPUT_INVALID;
        }
    };

    let mut mock = None;
    let spec = match &args.target {
        Some(url) => {
            let Some(project) = args.project_id.clone() else {
                let _ = writeln!(anstream::stderr(), "error: --target needs --project-id");
                return crate::exit::INPUT_INVALID;
            };
            let credentials = match read_credentials(&args.credentials, &crate::auth::ProcessEnv) {
                Ok(c) => c,
                Err(e) => {
                    let _ = writeln!(anstream::stderr(), "error: {e}");
                    return crate::exit::INPUT_INVALID;
                }
            };
            if let Err(e) = reqwest::Url::parse(url) {
                let _ = writeln!(
                    anstream::stderr(),
                    "error: --target {url} is not a URL: {e}"
                );
                return crate::exit::INPUT_INVALID;
            }
            TargetSpec {
                base_url: url.trim_end_matches('/').to_string(),
                project,
                other_project: args.other_project_id.clone(),
                credentials,
                token_var: args.credentials.token_env.clone(),
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

    let rate = match args.rate {
        Some(0.0) => None,
        Some(r) => Some(r),
        None if is_loopback(&spec.base_url) => None,
        None => {
            let _ = writeln!(
                anstream::stderr(),
                "note: at most {DEFAULT_REMOTE_RATE} requests/s to a target outside this machine (--rate to change)"
            );
            Some(DEFAULT_REMOTE_RATE)
        }
    };
    args.tls.warn(&mut anstream::stderr());
    let target = Target {
        base_url: spec.base_url.clone(),
        credentials: spec.credentials.clone(),
        ca_cert: args.tls.ca_cert.clone(),
        insecure: args.tls.insecure,
        timeout: Duration::from_secs_f64(args.timeout),
        max_body: args.max_body,
        rate,
        jobs: args.jobs,
        token_header: contract.desc().token_header.clone(),
    };
    let shown = if mock.is_some() {
        "the built-in mock"
    } else {
        spec.base_url.as_str()
    };
    let shard = args
        .select
        .shard
        .map(|s| format!(" (shard {s})"))
        .unwrap_or_default();
    let _ = writeln!(
        anstream::stderr(),
        "conform: {} cases{shard} against {shown}",
        cases.len()
    );
    let info = RunInfo {
        version: env!("CARGO_PKG_VERSION"),
        target: shown.to_string(),
        base_url: spec.base_url.clone(),
        token_var: spec.token_var.clone(),
        token_header: contract.desc().token_header.clone(),
        cases: cases.len(),
        shard: args.select.shard,
        filters: args.select.filter.clone(),
        started_at: {
            let now = time::OffsetDateTime::now_utc();
            now.replace_nanosecond(0).unwrap_or(now)
        },
    };
    let mut redactor = Redactor::new();
    spec.credentials.register(&mut redactor);
    let (progress, wants_progress) = progress_bar(&cases);
    // Drawn only once the run takes longer than a moment: a quick run stays uncluttered.
    let draw_from = Instant::now() + Duration::from_millis(300);
    let report = run_cases_until(
        &cases,
        target,
        &spec,
        contract,
        args.baseline_page,
        &|n| {
            if wants_progress && progress.is_hidden() && Instant::now() >= draw_from {
                progress.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            progress.inc(n as u64)
        },
        ctrl_c(),
        snapshots.is_some(),
    )
    .await;
    progress.finish_and_clear();
    if let Some(m) = mock {
        m.shutdown().await;
    }
    let mut report = match report {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "error: {e}");
            return crate::exit::TARGET_UNREACHABLE;
        }
    };
    for unused in crate::waiver::apply(&waivers, &mut report.results, &crate::waiver::today()) {
        let _ = writeln!(anstream::stderr(), "warning: unused {unused}");
    }
    let footer = snapshots.map(|s| s.apply(&mut report.results, &spec));
    let width = cases
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(10)
        .min(48);
    let mut reporters = crate::report::Reporters::new(&args.report, width, &redactor);
    let mut errors = reporters.emit(&Event::RunStarted(&info));
    for r in &report.results {
        errors.extend(reporters.emit(&Event::CaseFinished(r)));
    }
    for e in &errors {
        let _ = writeln!(anstream::stderr(), "error: {e}");
    }
    let code = reporters.finish(&Summary::of(&report.results), report.elapsed);
    // Snapshot bookkeeping (pending files, orphans) follows the summary; with
    // `--format json` it goes to stderr, so that stdout holds events only.
    if let Some(f) = footer {
        let _ = match args.report.format {
            crate::report::Format::Human => f.write(&mut anstream::stdout()),
            crate::report::Format::Json => f.write(&mut anstream::stderr()),
        };
    }
    if report.interrupted {
        let not_run = report.results.iter().filter(|r| is_not_run(r)).count();
        let line = format!(
            "interrupted (Ctrl-C): {} of {} cases finished, {not_run} not run",
            report.results.len() - not_run,
            report.results.len()
        );
        let _ = match args.report.format {
            crate::report::Format::Human => writeln!(anstream::stdout(), "{line}"),
            crate::report::Format::Json => writeln!(anstream::stderr(), "{line}"),
        };
        return crate::exit::INTERRUPTED;
    }
    if errors.is_empty() {
        code
    } else {
        crate::exit::INPUT_INVALID
    }
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
        snapshot_diff: None,
        snapshot: None,
        waived: Vec::new(),
    }
}

/// The credentials `--auth` asks for. Errors name the variable or file, never a value.
pub fn read_credentials(
    args: &CredentialArgs,
    env: &dyn crate::auth::Env,
) -> Result<crate::auth::Credentials, String> {
    use crate::auth::{load, Credentials, TokenSource};
    let token_source = match &args.token_file {
        Some(path) => TokenSource::File(path.clone()),
        None => TokenSource::Env(args.token_env.clone()),
    };
    let aksk = || match &args.credentials_file {
        Some(path) => load::ak_sk_from_file(path),
        None => load::ak_sk_default(env),
    };
    match args.auth.as_str() {
        "none" => Ok(Credentials::None),
        "token" => load::token(&token_source, env).map_err(|e| e.to_string()),
        "aksk" => aksk().map_err(|e| e.to_string()),
        _ => {
            // auto: an explicit source that fails is an error; an absent one is not.
            if args.token_file.is_some() || env.var_os(&args.token_env).is_some() {
                return load::token(&token_source, env).map_err(|e| e.to_string());
            }
            if args.credentials_file.is_some() {
                return aksk().map_err(|e| e.to_string());
            }
            match aksk() {
                Ok(c) => Ok(c),
                Err(load::LoadError::NoAccessKey) => Ok(Credentials::None),
                Err(e) => Err(e.to_string()),
            }
        }
    }
}

/// `x > 0`, false for NaN (a `--timeout nan` must be refused, not accepted).
pub fn positive(x: f64) -> bool {
    x > 0.0
}

/// `x >= 0`, false for NaN.
pub fn non_negative(x: f64) -> bool {
    x >= 0.0
}

/// True when the URL's host is this machine (no rate limit by default).
fn is_loopback(base_url: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(base_url) else {
        return false;
    };
    let host = url
        .host_str()
        .unwrap_or("")
        .trim_start_matches('[')
        .trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
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

fn progress_bar(cases: &[Case]) -> (indicatif::ProgressBar, bool) {
    let ci = terminal::ci_from_env(std::env::var_os("CI").as_deref());
    let wanted = terminal::show_progress(std::io::stderr().is_terminal(), ci);
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(cases.len() as u64),
        indicatif::ProgressDrawTarget::hidden(),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} cases {wide_bar} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    (bar, wanted)
}

/// Fetches the unfiltered list of a project, page by page, failed instances included.
pub async fn fetch_baseline(
    client: &Client,
    desc: &Desc,
    project: &str,
    page: u32,
) -> Result<Result<Baseline, String>, RunError> {
    Ok(walk_list(client, desc, project, page)
        .await?
        .and_then(|list| {
            list.iter()
                .map(|v| Inst::from_json(&desc.layout, v))
                .collect::<Option<Vec<Inst>>>()
                .map(|items| Baseline::new(items, &desc.layout.order))
                .ok_or_else(|| format!("an instance of the baseline has no {}", desc.id))
        }))
}

/// Walks the unfiltered list of a project, failed instances included, page by page, and
/// returns every instance as the target sent it. The outer error: no usable answer; the
/// inner one: an answer that is not a list.
pub async fn walk_list(
    client: &Client,
    desc: &Desc,
    project: &str,
    page: u32,
) -> Result<Result<Vec<serde_json::Value>, String>, RunError> {
    let mut instances: Vec<serde_json::Value> = Vec::new();
    let page = match desc.limit.as_ref().and_then(|l| l.max) {
        Some(max) => page.max(1).min(u32::try_from(max).unwrap_or(u32::MAX)),
        None => page.max(1),
    };
    for index in 0..10_000u32 {
        let mut query = desc.everything();
        // The first page relies on the start's default (C9) so that an off-by-one in it
        // cannot corrupt the baseline; the paging cases check the start itself.
        if let Some(s) = desc.start.as_ref().filter(|_| index > 0) {
            query.push((
                s.param.clone(),
                (index * page + u32::from(s.base)).to_string(),
            ));
        }
        if let Some(l) = &desc.limit {
            query.push((l.param.clone(), page.to_string()));
        }
        let req = Request::list(desc, project, query);
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
                "the list request GET {} answered {} {}",
                req.path_and_query(),
                resp.status,
                check::status::preview(&resp.body)
            )));
        }
        let body = match resp.json() {
            Ok(b) => b,
            Err(e) => return Ok(Err(format!("the list answer is not JSON: {e}"))),
        };
        let Some(list) = body.get(&desc.list).and_then(serde_json::Value::as_array) else {
            return Ok(Err(format!("the list answer has no `{}` array", desc.list)));
        };
        let got = list.len();
        let total = desc
            .total
            .as_ref()
            .and_then(|t| body.get(&t.field))
            .and_then(serde_json::Value::as_u64);
        instances.extend(list.iter().cloned());
        // Without paging parameters the first answer is the whole list.
        if desc.start.is_none()
            || got < page as usize
            || got == 0
            || total.is_some_and(|t| instances.len() as u64 >= t)
        {
            break;
        }
    }
    Ok(Ok(instances))
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
        true,
    )
    .await
}

/// [`run_cases`], stopped early when `stop` completes (`conform run` passes Ctrl-C):
/// requests still in flight are dropped, the cases whose requests were all answered are
/// judged, and the others are reported as not run ([`RunReport::interrupted`]).
/// `keep_bodies`: keep each answer's parsed body in its [`RequestRecord`] (snapshots need
/// them; without snapshots they are dropped as soon as the case is judged, which keeps a
/// long run's memory flat).
#[allow(clippy::too_many_arguments)]
pub async fn run_cases_until(
    cases: &[Case],
    target: Target,
    spec: &TargetSpec,
    contract: &Contract,
    baseline_page: u32,
    progress: &(dyn Fn(usize) + Sync),
    stop: impl std::future::Future<Output = ()>,
    keep_bodies: bool,
) -> Result<RunReport, RunError> {
    let started = Instant::now();
    tokio::pin!(stop);
    let client = Client::new(target)?;
    let baselines = async {
        let desc = contract.desc();
        let main = fetch_baseline(&client, desc, &spec.project, baseline_page).await?;
        // The other project's list is fetched whenever it is known: every list answer is
        // checked for its instances (C14), not only the tenancy cases'.
        let other = match &spec.other_project {
            Some(p) => Some(fetch_baseline(&client, desc, p, baseline_page).await?),
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
        .map(|c| plan_case(contract.desc(), c, spec, &main, other.as_ref()))
        .collect();

    let mut slots: Vec<Vec<Option<Exchange>>> =
        plans.iter().map(|p| vec![None; p.requests.len()]).collect();
    let mut plans: Vec<Option<Planned>> = plans.into_iter().map(Some).collect();
    let mut results: Vec<Option<CaseResult>> = vec![None; cases.len()];
    // Judges case `ci` once all its answers are in: checks run while other requests are
    // still in flight, instead of all at the end.
    let judge_case = |ci: usize, plan: Planned, slots: Vec<Option<Exchange>>| {
        let case = &cases[ci];
        let exchanges: Vec<(Purpose, Exchange)> = plan
            .requests
            .iter()
            .map(|(p, _)| *p)
            .zip(
                slots
                    .into_iter()
                    .map(|s| s.expect("every request was sent")),
            )
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
        judge(&ctx, plan.skip, plan.failure, exchanges, keep_bodies)
    };
    let mut pending = FuturesUnordered::new();
    let mut aborts = Vec::new();
    let mut left: Vec<usize> = Vec::with_capacity(cases.len());
    for (ci, p) in plans.iter().enumerate() {
        let p = p.as_ref().expect("not judged yet");
        left.push(p.requests.len());
        for (ri, (_, req)) in p.requests.iter().enumerate() {
            let client = client.clone();
            let req = req.clone();
            // Each request is its own task, so sending and receiving spread over the
            // runtime's threads while this task judges the cases that are complete.
            let task = tokio::spawn(async move { client.send(&req).await });
            aborts.push(task.abort_handle());
            let fallback = p.requests[ri].1.clone();
            pending.push(async move {
                let ex = task.await.unwrap_or_else(|e| Exchange {
                    request: fallback,
                    outcome: Err(TransportError::Other(format!(
                        "the request task failed: {e}"
                    ))),
                    retries: 0,
                });
                (ci, ri, ex)
            });
        }
    }
    for ci in 0..cases.len() {
        if left[ci] == 0 {
            let plan = plans[ci].take().expect("judged once");
            results[ci] = Some(judge_case(ci, plan, Vec::new()));
            progress(1);
        }
    }
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
            let plan = plans[ci].take().expect("judged once");
            results[ci] = Some(judge_case(ci, plan, std::mem::take(&mut slots[ci])));
            progress(1);
        }
    }
    drop(pending);
    // After an interruption the requests still in flight are cancelled; their cases
    // were not judged.
    if interrupted {
        aborts.iter().for_each(tokio::task::AbortHandle::abort);
    }
    let results: Vec<CaseResult> = results
        .into_iter()
        .zip(cases)
        .map(|(r, case)| r.unwrap_or_else(|| not_run(case)))
        .collect();
    Ok(RunReport {
        results,
        elapsed: started.elapsed(),
        interrupted,
    })
}

fn plan_case(
    desc: &Desc,
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
    if case.auth != AuthSel::Configured && spec.credentials == crate::auth::Credentials::None {
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
    let query = match plan::resolve_query(desc, case, &draw_from) {
        Ok(q) => q,
        Err(e) => return skip(e.0),
    };
    let main_req = Request {
        path: desc.path.clone(),
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
            let q = filter::Query::parse(desc, &main_req.decoded_query()).unpaged();
            let total = filter::expected(b, &q).len();
            requests.extend(paging::plan_walk(desc, &main_req, total, limit));
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
    keep_bodies: bool,
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
            body: ex.outcome.ok().filter(|_| keep_bodies).and_then(|r| {
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
        snapshot_diff: None,
        snapshot: None,
        waived: Vec::new(),
    };
    if let Some(why) = skip {
        result.verdict = Verdict::Skipped;
        result.notices.push(why);
        return result;
    }
    if let Some(why) = failure {
        result.verdict = Verdict::Fail;
        result.findings.push(check::Finding::new(
            ctx.contract.desc().shape_rule,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Credentials;
    use std::collections::HashMap;

    fn args(auth: &str) -> CredentialArgs {
        CredentialArgs {
            auth: auth.into(),
            token_env: "CONFORM_TOKEN".into(),
            token_file: None,
            credentials_file: None,
        }
    }

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn auto_prefers_a_token_then_an_access_key_pair_then_nothing() {
        let both = env(&[
            ("CONFORM_TOKEN", "t"),
            ("HUAWEICLOUD_SDK_AK", "a"),
            ("HUAWEICLOUD_SDK_SK", "s"),
        ]);
        assert!(matches!(
            read_credentials(&args("auto"), &both),
            Ok(Credentials::Token(_))
        ));
        let keys = env(&[("HUAWEICLOUD_SDK_AK", "a"), ("HUAWEICLOUD_SDK_SK", "s")]);
        assert!(matches!(
            read_credentials(&args("auto"), &keys),
            Ok(Credentials::AkSk { .. })
        ));
        assert_eq!(
            read_credentials(&args("auto"), &env(&[])),
            Ok(Credentials::None)
        );
        assert_eq!(
            read_credentials(&args("none"), &both),
            Ok(Credentials::None)
        );
    }

    #[test]
    fn a_missing_source_is_named_and_no_value_is_shown() {
        let e = read_credentials(&args("token"), &env(&[])).unwrap_err();
        assert!(e.contains("CONFORM_TOKEN"), "{e}");
        let half = env(&[("HUAWEICLOUD_SDK_AK", "visible-ak")]);
        let e = read_credentials(&args("auto"), &half).unwrap_err();
        assert!(!e.contains("visible-ak"), "{e}");
    }

    #[test]
    fn only_this_machine_is_exempt_from_the_default_rate() {
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost",
            "http://[::1]:9",
            "http://127.9.9.9",
        ] {
            assert!(is_loopback(local), "{local}");
        }
        for remote in [
            "https://dcs.cn-north-4.myhuaweicloud.com",
            "http://10.0.0.1",
            "http://localhost.example.com",
            "not a url",
        ] {
            assert!(!is_loopback(remote), "{remote}");
        }
    }
}
