//! `conform run`: check the options, reach the target (or serve the built-in mock),
//! run the cases and report each result as soon as it and every case before it are
//! done, then the summary.

use crate::exit::Failure;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::case::Case;
use crate::contract::{Contract, Desc};
use crate::exec::Target;
use crate::mock::{DataSet, Fault, RunningMock};
use crate::outcome::{CaseResult, Summary};
use crate::report::{terminal, Event, Format, ReportArgs, Reporters, RunInfo};
use crate::runner::{self, RunObserver, RunOptions, TargetSpec};
use crate::secret::Redactor;
use crate::select::SelectArgs;
use crate::snapshot::{self, SnapshotArgs};
use crate::waiver::{self, Waivers};
use crate::workspace::Selected;

use super::options::{non_negative, positive, read_credentials, selected_contracts, TargetArgs};

/// Options of `conform run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Folder of case files (`**/*.toml`), instead of the contract's own (conform.toml).
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    #[command(flatten)]
    pub endpoint: TargetArgs,
    /// Explore the query space after the cases with this many generated requests
    /// (0 = off); see `conform explore`.
    #[arg(long = "explore", default_value_t = DEFAULT_RUN_BUDGET, value_name = "N")]
    pub explore: usize,
    /// Seed of the exploration: the same seed and data send the same requests.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub seed: u64,
    /// Known deviations of the target: a TOML file of `[[waiver]]` entries (rule, case,
    /// reason, expires or link, and `contract` to apply to one contract only). A failure
    /// a live waiver covers is reported as WAIVED.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub snapshots: SnapshotArgs,
}

/// The default exploration budget of `conform run` ([`runner::explore::DEFAULT_BUDGET`]);
/// the main command against the built-in mock stays well under a second with it.
pub const DEFAULT_RUN_BUDGET: usize = runner::explore::DEFAULT_BUDGET;

/// The default request rate for a target outside this machine, in requests per second.
pub const DEFAULT_REMOTE_RATE: f64 = 10.0;

/// Runs `conform run`: every contract selected, one after the other, against one target
/// (one built-in mock serves them all), into one set of reports; returns the exit code,
/// the worst of the contracts'.
pub async fn command(args: RunArgs) -> u8 {
    args.report.color.choice().write_global();
    let contracts = match selected_contracts(
        args.endpoint.contract.as_deref(),
        args.cases.as_deref(),
        args.snapshots.snapshot_dir.as_deref(),
        args.endpoint.target.is_some(),
        true,
    ) {
        Ok(c) => c,
        Err(f) => return f.report(),
    };
    // Everything is read before anything is sent: a broken case file of the second
    // contract stops the run before the first is sent.
    let all: Vec<(&str, &Desc)> = contracts
        .iter()
        .map(|(s, c)| (s.name.as_str(), c.get().desc()))
        .collect();
    let waivers = match &args.waivers {
        None => Vec::new(),
        Some(path) => match waiver::load(path, &all) {
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
        return input_error(e).report();
    }
    let suites: Vec<(&std::path::Path, &Contract)> = contracts
        .iter()
        .map(|(s, c)| (s.cases.as_path(), c.get()))
        .collect();
    let selected = match args.select.load_each(&suites) {
        Ok(s) => s,
        Err(f) => return f.report(),
    };
    let mut inputs = Vec::new();
    for ((sel, contract), cases) in contracts.iter().zip(selected) {
        match Inputs::read(&args, sel, contract.get(), cases, &waivers) {
            Ok(i) => inputs.push(i),
            Err(f) => return f.report(),
        }
    }
    let (spec, mock) = match reach_target(&args.endpoint).await {
        Ok(t) => t,
        Err(f) => return f.report(),
    };
    let mut redactor = Redactor::new();
    spec.credentials.register(&mut redactor);
    let width = inputs
        .iter()
        .map(|i| name_width(&i.cases))
        .max()
        .unwrap_or(10);
    let mut reporters = Reporters::new(&args.report, width, &redactor);
    let many = contracts.len();
    let mut ends: Vec<(String, u8, Option<Summary>)> = Vec::new();
    for ((sel, contract), inputs) in contracts.iter().zip(inputs) {
        if inputs.cases.is_empty() {
            // Another contract's cases were selected: this one has nothing to run.
            let _ = writeln!(
                anstream::stderr(),
                "conform: {}: no case selected, not run",
                sel.name
            );
            continue;
        }
        let run = OneRun {
            args: &args,
            name: &sel.name,
            contracts: many,
            contract: contract.get(),
            spec: &spec,
            mock: mock.is_some(),
        };
        let (code, summary) = run.go(inputs, &mut reporters).await;
        ends.push((sel.name.clone(), code, summary));
        if code == crate::exit::INTERRUPTED {
            break;
        }
    }
    if let Some(m) = mock {
        m.shutdown().await;
        if ends
            .iter()
            .any(|(_, c, _)| *c == crate::exit::CONTRACT_BROKEN)
        {
            // The mock of this run is gone; the same one can be served again.
            let _ = writeln!(
                anstream::stderr(),
                "to reproduce a failure: `CONFORM_TOKEN=dev {}` serves the same mock on 127.0.0.1:8080; \
                 then run its curl line above with CONFORM_TOKEN=dev",
                mock_command(&args.endpoint)
            );
        }
    }
    let code = worst(ends.iter().map(|(_, c, _)| *c));
    if many > 1 && args.report.format == Format::Human {
        let _ = write!(anstream::stdout(), "{}", combined_summary(&ends, code));
    }
    code
}

/// The last lines of a run over several contracts: each contract's outcome on one line,
/// then the exit code the run ends with.
fn combined_summary(ends: &[(String, u8, Option<Summary>)], code: u8) -> String {
    let mut s = String::from("\nall contracts:\n");
    for (name, c, summary) in ends {
        let what = match summary {
            Some(sum) => format!(
                "{} passed, {} failed, {} changed, {} errors",
                sum.passed, sum.failed, sum.changed, sum.errors
            ),
            None => "did not finish".to_string(),
        };
        let verdict = if *c == crate::exit::SUCCESS {
            "ok"
        } else {
            "FAILED"
        };
        s.push_str(&format!("  {name:<8} {verdict:<7} {what} (exit {c})\n"));
    }
    s.push_str(&format!("exit code {code}\n"));
    s
}

/// The exit code of several contracts' runs: the worst of theirs ([`worse`]); 0 for none.
pub(crate) fn worst(codes: impl IntoIterator<Item = u8>) -> u8 {
    codes
        .into_iter()
        .reduce(worse)
        .unwrap_or(crate::exit::SUCCESS)
}

/// Of two runs' exit codes, the one a CI job should see: an interruption, then bad
/// input, an unreachable target, a broken contract; "nothing selected" only when both
/// selected nothing.
pub(crate) fn worse(a: u8, b: u8) -> u8 {
    use crate::exit::*;
    for code in [
        INTERRUPTED,
        INPUT_INVALID,
        TARGET_UNREACHABLE,
        CONTRACT_BROKEN,
    ] {
        if a == code || b == code {
            return code;
        }
    }
    if a == NOTHING_SELECTED && b == NOTHING_SELECTED {
        NOTHING_SELECTED
    } else {
        SUCCESS
    }
}

/// One contract's part of a run.
struct OneRun<'a> {
    args: &'a RunArgs,
    name: &'a str,
    contracts: usize,
    contract: &'a Contract,
    spec: &'a TargetSpec,
    mock: bool,
}

impl OneRun<'_> {
    /// Runs the contract's cases into the shared reporters; its exit code and summary
    /// (none when the target could not be read).
    async fn go(self, inputs: Inputs, reporters: &mut Reporters) -> (u8, Option<Summary>) {
        let OneRun {
            args,
            contract,
            spec,
            ..
        } = self;
        let desc = contract.desc();
        let target = client_target(&args.endpoint, spec, desc);
        let info = announce(args, &self, &inputs.cases, spec, self.mock, desc);
        let mut stream = Stream {
            reporters,
            info: &info,
            started: false,
            errors: Vec::new(),
            waivers: inputs.waivers,
            snapshots: inputs.snapshots.map(|s| {
                s.start(
                    &spec.base_url,
                    &spec.credentials,
                    snapshot::Projects {
                        main: spec.project.clone(),
                        other: spec.other_project.clone(),
                    },
                )
                .with_draws(&inputs.cases)
                .with_documented(contract.item_members())
            }),
            progress: Progress::new(inputs.cases.len()),
        };
        let keep_bodies = if stream.snapshots.is_some() {
            crate::exec::Keep::Parsed
        } else {
            crate::exec::Keep::Nothing
        };
        let report = runner::run_cases_until(
            RunOptions {
                cases: &inputs.cases,
                target,
                spec,
                contract,
                baseline_page: args.endpoint.baseline_page,
                keep_bodies,
                explore: (args.explore > 0).then_some(runner::ExploreOptions {
                    budget: args.explore,
                    seed: args.seed,
                    shard: args.select.shard,
                }),
            },
            &mut stream,
            ctrl_c(),
        )
        .await;
        stream.progress.bar.finish_and_clear();
        match report {
            Ok(report) => stream.finish(&args.report, &report),
            Err(e) => {
                let _ = writeln!(anstream::stderr(), "error: {}: {e}", self.name);
                (crate::exit::TARGET_UNREACHABLE, None)
            }
        }
    }
}

/// Everything read from the options and files before anything is sent.
struct Inputs {
    cases: Vec<Case>,
    waivers: Waivers,
    snapshots: Option<snapshot::Session>,
}

impl Inputs {
    /// One contract's selected cases, with its waivers and snapshot profile, every option
    /// checked; on a problem, says so on stderr and returns the exit code.
    fn read(
        args: &RunArgs,
        sel: &Selected,
        contract: &Contract,
        cases: Vec<Case>,
        waivers: &[waiver::Waiver],
    ) -> Result<Inputs, Failure> {
        let desc = contract.desc();
        if args.endpoint.jobs == 0
            || !positive(args.endpoint.timeout)
            || args.endpoint.rate.is_some_and(|r| !non_negative(r))
        {
            return Err(input_error(
                "--jobs and --timeout must be positive, --rate 0 or more",
            ));
        }
        let snapshot_args = SnapshotArgs {
            snapshot_dir: sel.snapshots.clone(),
            ..args.snapshots.clone()
        };
        let snapshots = snapshot::Session::open_moving(
            &snapshot_args,
            &sel.cases,
            args.endpoint.target.as_deref(),
            args.endpoint.mock_churn.is_some(),
            desc,
        )
        .map_err(input_error)?;
        Ok(Inputs {
            cases,
            waivers: Waivers::for_contract(waivers, &sel.name, desc, waiver::today()),
            snapshots,
        })
    }
}

/// Wrong input (exit 2), said by whoever reports it.
fn input_error(message: impl std::fmt::Display) -> Failure {
    Failure::input(message)
}

/// The target the options name, or the built-in mock served on loopback (returned so
/// that it can be shut down after the run).
pub(super) async fn reach_target(
    args: &TargetArgs,
) -> Result<(TargetSpec, Option<RunningMock>), Failure> {
    match &args.target {
        Some(url) => real_target(args, url).map(|spec| (spec, None)),
        None => {
            let (running, spec) = serve_mock(args).await?;
            Ok((spec, Some(running)))
        }
    }
}

fn real_target(args: &TargetArgs, url: &str) -> Result<TargetSpec, Failure> {
    let Some(project) = args.project_id.clone() else {
        return Err(input_error("--target needs --project-id"));
    };
    let credentials =
        read_credentials(&args.credentials, &crate::auth::ProcessEnv).map_err(input_error)?;
    if let Err(e) = reqwest::Url::parse(url) {
        let hint = if url.contains("://") {
            String::new()
        } else {
            format!("\n  = hint: give the scheme too: --target http://{url} (or https://)")
        };
        return Err(input_error(format!(
            "--target {url} is not a URL: {e}{hint}"
        )));
    }
    // A reproduction carries a token reference only when there is a token to refer to.
    let token_var = match credentials {
        crate::auth::Credentials::None => String::new(),
        _ => args.credentials.token_env.clone(),
    };
    Ok(TargetSpec {
        base_url: url.trim_end_matches('/').to_string(),
        project,
        other_project: args.other_project_id.clone(),
        credentials,
        token_var,
    })
}

pub(super) async fn serve_mock(args: &TargetArgs) -> Result<(RunningMock, TargetSpec), Failure> {
    let mut faults = Vec::new();
    for name in &args.mock_faults {
        match Fault::from_name(name) {
            Some(f) => faults.push(f),
            None => {
                return Err(input_error(format!(
                    "unknown mock fault `{name}`\n  = hint: {}",
                    Fault::hint_for(name)
                )))
            }
        }
    }
    let data = match &args.mock_data {
        None => DataSet::builtin(),
        Some(path) => DataSet::from_file(path).map_err(input_error)?,
    };
    let churn = args.mock_churn.map(|c| crate::mock::Churn {
        seed: args.mock_seed,
        ..c
    });
    runner::serve_mock(data, faults, churn)
        .await
        .map_err(|e| Failure::unreachable(format!("cannot start the built-in mock: {e}")))
}

/// How requests are sent: the options, with the default rate for a remote target
/// (said on stderr) and the `--insecure` warning.
pub(super) fn client_target(args: &TargetArgs, spec: &TargetSpec, desc: &Desc) -> Target {
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
    Target {
        base_url: spec.base_url.clone(),
        credentials: spec.credentials.clone(),
        ca_cert: args.tls.ca_cert.clone(),
        insecure: args.tls.insecure,
        timeout: Duration::from_secs_f64(args.timeout),
        max_body: args.max_body,
        rate,
        jobs: args.jobs,
        token_header: desc.token_header.clone(),
    }
}

/// The `conform mock` command that serves the mock of a run again: its data, faults and
/// moves, on the mock's default port, with the token from `CONFORM_TOKEN`.
fn mock_command(args: &TargetArgs) -> String {
    let mut cmd = String::from("conform mock --token-env CONFORM_TOKEN");
    if let Some(d) = &args.mock_data {
        cmd.push_str(&format!(" --data {}", d.display()));
    }
    for f in &args.mock_faults {
        cmd.push_str(&format!(" --fault {f}"));
    }
    if let Some(c) = &args.mock_churn {
        cmd.push_str(&format!(
            " --churn {}:{} --seed {}",
            c.kind.name(),
            c.every,
            args.mock_seed
        ));
    }
    cmd
}

/// Says on stderr what is about to run, and returns the same for the reporters.
fn announce(
    args: &RunArgs,
    run: &OneRun<'_>,
    cases: &[Case],
    spec: &TargetSpec,
    mock: bool,
    desc: &Desc,
) -> RunInfo {
    let shown = if mock {
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
        "conform: {}: {} cases{shard} against {shown}",
        run.name,
        cases.len()
    );
    RunInfo {
        version: env!("CARGO_PKG_VERSION"),
        contract: run.name.to_string(),
        contracts: run.contracts,
        target: shown.to_string(),
        // The in-process mock's port is gone after the run: reproductions point at the
        // port `conform mock` serves the same mock on (see `mock_command`).
        base_url: if mock {
            format!("http://127.0.0.1:{}", crate::mock::DEFAULT_PORT)
        } else {
            spec.base_url.clone()
        },
        token_var: spec.token_var.clone(),
        token_header: desc.token_header.clone(),
        rules: desc.rules.clone(),
        cases: cases.len(),
        shard: args.select.shard,
        filters: args.select.filter.clone(),
        started_at: {
            let now = time::OffsetDateTime::now_utc();
            now.replace_nanosecond(0).unwrap_or(now)
        },
    }
}

/// The column width for case names in human output: the longest, capped.
fn name_width(cases: &[Case]) -> usize {
    cases
        .iter()
        .map(|c| unicode_width::UnicodeWidthStr::width(c.name.as_str()))
        .max()
        .unwrap_or(10)
        .min(48)
}

/// Completes on the first Ctrl-C (SIGINT). If the handler cannot be installed it never
/// completes: the signal then ends the process as it would without conform's handler.
async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
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

/// The progress bar on stderr: only for a person at a terminal, and drawn only once the
/// run takes longer than a moment, so a quick run stays uncluttered.
struct Progress {
    bar: indicatif::ProgressBar,
    wanted: bool,
    draw_from: Instant,
}

impl Progress {
    fn new(cases: usize) -> Progress {
        let ci = terminal::ci_from_env(std::env::var_os("CI").as_deref());
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(cases as u64),
            indicatif::ProgressDrawTarget::hidden(),
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {pos}/{len} cases {wide_bar} {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Progress {
            bar,
            wanted: terminal::show_progress(std::io::stderr().is_terminal(), ci),
            draw_from: Instant::now() + Duration::from_millis(300),
        }
    }

    fn inc(&self) {
        if self.wanted && self.bar.is_hidden() && Instant::now() >= self.draw_from {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        self.bar.inc(1);
    }
}

/// The observer of a run: applies waivers and snapshots to each result as it comes,
/// in case order, and hands it to the reporters at once.
struct Stream<'a> {
    reporters: &'a mut Reporters,
    info: &'a RunInfo,
    /// Whether `RunStarted` went out: it goes with the first result, so that a run that
    /// cannot reach its target writes nothing on stdout.
    started: bool,
    /// Errors writing report files.
    errors: Vec<String>,
    waivers: Waivers,
    snapshots: Option<snapshot::Comparison>,
    progress: Progress,
}

impl RunObserver for Stream<'_> {
    fn baseline(&mut self, instances: &[serde_json::Value]) {
        if let Some(s) = &mut self.snapshots {
            s.baseline(instances);
        }
    }

    fn sees_baseline(&self) -> bool {
        self.snapshots.is_some()
    }

    fn judged(&mut self) {
        self.progress.inc();
    }

    fn finished(&mut self, result: &mut CaseResult) {
        self.waivers.apply(result);
        if let Some(s) = &mut self.snapshots {
            s.case(result);
        }
        self.emit(&Event::CaseFinished(result));
        // Reported and compared: nothing needs the answers' bodies any more.
        result.drop_bodies();
    }

    fn explored(&mut self, report: &mut crate::outcome::ExploreReport) {
        self.explore(report);
    }
}

impl Stream<'_> {
    /// The exploration's section: its failures, waivers applied, to every reporter.
    fn explore(&mut self, report: &mut crate::outcome::ExploreReport) {
        for f in &mut report.failures {
            self.waivers.apply(&mut f.result);
        }
        self.emit(&Event::Explored(report));
    }

    /// Hands one event to every reporter, `run-started` first if it has not gone out
    /// yet. The bar is cleared while the lines are written, then drawn again below them.
    fn emit(&mut self, event: &Event<'_>) {
        let Stream {
            reporters,
            info,
            started,
            errors,
            progress,
            ..
        } = self;
        progress.bar.suspend(|| {
            if !*started {
                *started = true;
                errors.extend(reporters.emit(&Event::RunStarted(info)));
            }
            errors.extend(reporters.emit(event));
        });
    }

    /// Ends the run: what the results amount to (summary, report files, snapshot
    /// bookkeeping, the interruption), and the exit code.
    fn finish(mut self, args: &ReportArgs, report: &runner::RunReport) -> (u8, Option<Summary>) {
        for unused in self.waivers.unused() {
            let _ = writeln!(anstream::stderr(), "warning: unused {unused}");
        }
        if !self.started {
            // No case at all reached the reporters: they still get a whole run.
            self.errors
                .extend(self.reporters.emit(&Event::RunStarted(self.info)));
        }
        for e in &self.errors {
            let _ = writeln!(anstream::stderr(), "error: {e}");
        }
        let mut summary = Summary::of(&report.results);
        summary.explore_failed = report
            .explore
            .as_ref()
            .map_or(0, crate::outcome::ExploreReport::failed);
        report.account.count_into(&mut summary);
        summary.requests_sent = report.sent;
        let code = self.reporters.finish(&summary, report.elapsed);
        // Snapshot bookkeeping (pending files, orphans) follows the summary; with
        // `--format json` it goes to stderr, so that stdout holds events only.
        if let Some(footer) = self.snapshots.map(snapshot::Comparison::finish) {
            let _ = match args.format {
                Format::Human => footer.write(&mut anstream::stdout()),
                Format::Json => footer.write(&mut anstream::stderr()),
            };
        }
        if report.interrupted {
            let not_run = report.results.iter().filter(|r| r.is_not_run()).count();
            let line = format!(
                "interrupted (Ctrl-C): {} of {} cases finished, {not_run} not run",
                report.results.len() - not_run,
                report.results.len()
            );
            let _ = match args.format {
                Format::Human => writeln!(anstream::stdout(), "{line}"),
                Format::Json => writeln!(anstream::stderr(), "{line}"),
            };
            return (crate::exit::INTERRUPTED, Some(summary));
        }
        if self.errors.is_empty() {
            (code, Some(summary))
        } else {
            (crate::exit::INPUT_INVALID, Some(summary))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn the_worse_of_two_runs_is_what_ci_sees() {
        use crate::exit::*;
        assert_eq!(super::worse(SUCCESS, SUCCESS), SUCCESS);
        assert_eq!(super::worse(SUCCESS, CONTRACT_BROKEN), CONTRACT_BROKEN);
        assert_eq!(
            super::worse(TARGET_UNREACHABLE, CONTRACT_BROKEN),
            TARGET_UNREACHABLE
        );
        assert_eq!(super::worse(CONTRACT_BROKEN, INPUT_INVALID), INPUT_INVALID);
        assert_eq!(super::worse(NOTHING_SELECTED, SUCCESS), SUCCESS);
        assert_eq!(
            super::worse(NOTHING_SELECTED, NOTHING_SELECTED),
            NOTHING_SELECTED
        );
        assert_eq!(super::worse(INTERRUPTED, INPUT_INVALID), INTERRUPTED);
    }
}
