//! `conform diff`: two targets asked the same questions (every case of the contract and
//! the exploration's probes, planned once against the left side's account), each side
//! judged by the same checks against its own account, and every divergence reported by
//! kind and rule (see [`crate::outcome::diff`]). The left side is `--target` (or the
//! built-in mock); the right side is `--against` (or the built-in mock serving
//! `--mock-data` with any `--mock-fault`).

use crate::exit::Failure;
use std::io::Write;
use std::path::PathBuf;

use crate::case::Case;
use crate::contract::Contract;
use crate::outcome::answers::{mask, Key, Recording, Section};
use crate::outcome::diff::{compare, Divergence, Kind, Side};
use crate::outcome::CaseResult;
use crate::report::RunInfo;
use crate::runner::{self, RunObserver, RunOptions, TargetSpec};
use crate::secret::Redactor;

use super::options::{non_negative, positive, CredentialArgs, TargetArgs, TlsArgs};
use super::run::{client_target, reach_target};

/// Options of `conform diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The contract compared: a name from conform.toml, a `*.contract.toml` file, or
    /// `all` (the default): each in turn.
    #[arg(long, value_name = "NAME|FILE|all")]
    pub contract: Option<PathBuf>,
    /// The left side: base URL of an endpoint. Without it, the built-in mock (its own
    /// data, no fault).
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// The left side's project (required with --target).
    #[arg(long, value_name = "ID", requires = "target")]
    pub project_id: Option<String>,
    /// The left side's second project, for the tenancy cases.
    #[arg(long, value_name = "ID", requires = "target")]
    pub other_project_id: Option<String>,
    #[command(flatten)]
    pub credentials: CredentialArgs,
    #[command(flatten)]
    pub tls: TlsArgs,
    /// The right side: base URL of another endpoint (another region, another account).
    /// Without it, the built-in mock, with --mock-data and --mock-fault.
    #[arg(long, value_name = "URL")]
    pub against: Option<String>,
    /// The right side's project (required with --against).
    #[arg(long, value_name = "ID", requires = "against")]
    pub against_project_id: Option<String>,
    /// The right side's second project.
    #[arg(long, value_name = "ID", requires = "against")]
    pub against_other_project_id: Option<String>,
    /// Name of the environment variable holding the right side's X-Auth-Token.
    #[arg(long, value_name = "NAME", default_value = "CONFORM_AGAINST_TOKEN")]
    pub against_token_env: String,
    /// The right side's mock serves this data set (a `conform record` of your account:
    /// the one-line check of the mock's fidelity to it).
    #[arg(long = "mock-data", value_name = "FILE", conflicts_with = "against")]
    pub mock_data: Option<PathBuf>,
    /// Switch on a fault in the right side's mock (repeatable).
    #[arg(long = "mock-fault", value_name = "NAME", conflicts_with = "against")]
    pub mock_faults: Vec<String>,
    /// The right side: answers recorded by `conform record --answers` (today against
    /// last month, without the old service). The left side is asked the recording's
    /// questions: the cases, and the exploration planned with the recorded seed and
    /// budget.
    #[arg(long = "against-answers", value_name = "FILE",
          conflicts_with_all = ["against", "mock_data", "mock_faults", "mock_churn"])]
    pub against_answers: Option<PathBuf>,
    /// Compare the contracts with each other instead of two targets: the left side's v1.0
    /// list against its v2 list on the same account, question by corresponding question
    /// (per schemas/v1.0-v2.correspond.toml), each difference the pages document reported
    /// as expected, never failing. --mock-fault and --mock-data then set up the built-in
    /// mock that serves both lists.
    #[arg(long, conflicts_with_all = ["against", "against_answers", "mock_churn"])]
    pub across: bool,
    /// With --across: another correspondence file than the shipped one.
    #[arg(long, value_name = "FILE", requires = "across")]
    pub correspond: Option<PathBuf>,
    /// Name of the environment variable holding the key an anonymised recording was made
    /// with: with it, values compare; without it, only behaviour.
    #[arg(long, value_name = "NAME", default_value = "CONFORM_ANONYMIZE_KEY")]
    pub anonymize_key_env: String,
    /// Let the right side's mock account move while it is read: one change of KIND
    /// (status, create, delete, usage, lag, mix) every EVERY list requests (default 20).
    #[arg(long = "mock-churn", value_name = "KIND[:EVERY]", conflicts_with = "against",
          value_parser = crate::mock::Churn::parse)]
    pub mock_churn: Option<crate::mock::Churn>,
    /// The seed of --mock-churn.
    #[arg(
        long = "mock-seed",
        value_name = "S",
        default_value_t = 1,
        requires = "mock_churn"
    )]
    pub mock_seed: u64,
    /// Generated questions added to the cases' (0 = the cases only).
    #[arg(long, default_value_t = runner::explore::DEFAULT_BUDGET, value_name = "N")]
    pub explore: usize,
    /// Seed of the generated questions.
    #[arg(long, default_value_t = 0, value_name = "S")]
    pub seed: u64,
    /// Requests in flight at once, per side.
    #[arg(long, short = 'j', default_value_t = 16, value_name = "N")]
    pub jobs: usize,
    /// Per-request timeout, in seconds.
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    pub timeout: f64,
    /// At most this many requests per second per side; 0 = unlimited (default: 10 for a
    /// target outside this machine, unlimited on loopback).
    #[arg(long, value_name = "N")]
    pub rate: Option<f64>,
    /// Page size used to walk each side's unfiltered list.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub baseline_page: u32,
    /// Output: `human` (divergences grouped by kind and rule) or `json` (JSON Lines: one
    /// `divergence` event each, then `diff-finished` per contract).
    #[arg(long, default_value = "human", value_name = "FORMAT", value_parser = ["human", "json"])]
    pub format: String,
    /// Also write a JUnit XML report to PATH: one testcase per divergence group.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Also write a self-contained HTML page to PATH: every divergence, by group.
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,
}

/// One contract's diff.
struct Compared {
    contract: String,
    questions: usize,
    probes: usize,
    divergences: Vec<Divergence>,
    /// What the reader should know about how the sides were compared.
    notes: Vec<String>,
}

/// Runs `conform diff`; exit 0 when the sides agree, 1 when they diverge, 2 for bad
/// input, 3 when a side cannot be reached.
pub async fn command(args: DiffArgs) -> u8 {
    if args.jobs == 0 || !positive(args.timeout) || args.rate.is_some_and(|r| !non_negative(r)) {
        return input_error("--jobs and --timeout must be positive, --rate 0 or more").report();
    }
    if args.across {
        return match across(&args).await {
            Ok(c) => report(&args, &[c]),
            Err(f) => f.report(),
        };
    }
    let recording = match &args.against_answers {
        None => None,
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
            .and_then(|t| Recording::from_json(&t, &path.display().to_string()))
        {
            Ok(r) => Some(r),
            Err(e) => return input_error(e).report(),
        },
    };
    // Against a recording, its contracts unless one is named.
    let named: Vec<Option<PathBuf>> = match (&recording, &args.contract) {
        (Some(r), None) => r
            .contracts
            .iter()
            .map(|s| Some(PathBuf::from(&s.contract)))
            .collect(),
        _ => vec![args.contract.clone()],
    };
    let mut contracts = Vec::new();
    for contract in &named {
        match super::options::selected_contracts(
            contract.as_deref(),
            None,
            None,
            args.target.is_some() || args.against.is_some(),
            true,
        ) {
            Ok(c) => contracts.extend(c),
            Err(f) => return f.report(),
        }
    }
    let mut all = Vec::new();
    for (sel, contract) in &contracts {
        let (name, contract) = (&sel.name, contract);
        let cases = match crate::case::load_dir(&sel.cases, contract.get()) {
            Ok(c) => c,
            Err(e) => {
                let _ = writeln!(anstream::stderr(), "{e}");
                return crate::exit::INPUT_INVALID;
            }
        };
        let compared = match &recording {
            None => diff_one(&args, name, contract.get(), cases).await,
            Some(r) => {
                let Some(section) = r.section(name) else {
                    let held: Vec<&str> = r.contracts.iter().map(|s| s.contract.as_str()).collect();
                    return input_error(format!(
                        "the recording holds no answers for contract {name} (it holds {})",
                        held.join(", ")
                    ))
                    .report();
                };
                diff_recorded(&args, name, contract.get(), cases, r, section).await
            }
        };
        match compared {
            Ok(c) => all.push(c),
            Err(f) => return f.report(),
        }
    }
    report(&args, &all)
}

/// The left side's and the right side's target options.
fn sides(args: &DiffArgs) -> (TargetArgs, TargetArgs) {
    let base = |target: Option<String>,
                project_id: Option<String>,
                other: Option<String>,
                credentials: CredentialArgs| TargetArgs {
        contract: None,
        target,
        project_id,
        other_project_id: other,
        credentials,
        tls: args.tls.clone(),
        jobs: args.jobs,
        timeout: args.timeout,
        rate: args.rate,
        max_body: 64 * 1024 * 1024,
        baseline_page: args.baseline_page,
        mock_faults: Vec::new(),
        mock_data: None,
        mock_churn: None,
        mock_seed: 1,
    };
    let left = base(
        args.target.clone(),
        args.project_id.clone(),
        args.other_project_id.clone(),
        args.credentials.clone(),
    );
    let mut right = base(
        args.against.clone(),
        args.against_project_id.clone(),
        args.against_other_project_id.clone(),
        CredentialArgs {
            auth: "auto".into(),
            token_env: args.against_token_env.clone(),
            token_file: None,
            credentials_file: None,
        },
    );
    right.mock_faults = args.mock_faults.clone();
    right.mock_data = args.mock_data.clone();
    right.mock_churn = args.mock_churn;
    right.mock_seed = args.mock_seed;
    (left, right)
}

async fn diff_one(
    args: &DiffArgs,
    name: &str,
    contract: &Contract,
    cases: Vec<Case>,
) -> Result<Compared, Failure> {
    let (left_args, right_args) = sides(args);
    let (left, left_mock) = reach_target(&left_args).await?;
    let (right, right_mock) = match reach_target(&right_args).await {
        Ok(r) => r,
        Err(failure) => {
            if let Some(m) = left_mock {
                m.shutdown().await;
            }
            return Err(failure);
        }
    };
    let shown = |spec: &TargetSpec, mock: bool, t: &TargetArgs| {
        if !mock {
            return spec.base_url.clone();
        }
        let mut s = "the built-in mock".to_string();
        if let Some(d) = &t.mock_data {
            s.push_str(&format!(" serving {}", d.display()));
        }
        if !t.mock_faults.is_empty() {
            s.push_str(&format!(" with {}", t.mock_faults.join(", ")));
        }
        s
    };
    let _ = writeln!(
        anstream::stderr(),
        "conform: {name}: {} against {}",
        shown(&left, left_mock.is_some(), &left_args),
        shown(&right, right_mock.is_some(), &right_args)
    );
    let result = async {
        let (questions, probes_n) =
            plan_questions(&left_args, &left, contract, cases, args.explore, args.seed)
                .await
                .map_err(|e| unreachable_error(&e))?;
        let (l, r) = tokio::join!(
            ask(name, contract, &questions, &left_args, &left),
            ask(name, contract, &questions, &right_args, &right)
        );
        let (l, r) = (
            l.map_err(|e| unreachable_error(&e))?,
            r.map_err(|e| unreachable_error(&e))?,
        );
        let divergences = questions
            .iter()
            .zip(l.iter().zip(&r))
            .filter_map(|(case, (a, b))| {
                let rules: Vec<String> = case.rules.iter().map(ToString::to_string).collect();
                compare(&case.name, &rules, a, b)
            })
            .collect();
        Ok(Compared {
            contract: name.to_string(),
            questions: questions.len(),
            probes: probes_n,
            divergences,
            notes: Vec::new(),
        })
    }
    .await;
    for m in [left_mock, right_mock].into_iter().flatten() {
        m.shutdown().await;
    }
    result.map(|c| redacted(c, &[&left, &right]))
}

/// `--across`: the left side's two list contracts asked the same questions.
async fn across(args: &DiffArgs) -> Result<Compared, Failure> {
    use crate::contract::correspond::{Correspond, SHIPPED, SHIPPED_PATH};
    let (text, origin) = match &args.correspond {
        None => (SHIPPED.to_string(), SHIPPED_PATH.to_string()),
        Some(p) => (
            std::fs::read_to_string(p)
                .map_err(|e| input_error(format!("cannot read {}: {e}", p.display())))?,
            p.display().to_string(),
        ),
    };
    // The two contracts it names, then the names inside it checked against them.
    let names: toml::Table =
        toml::from_str(&text).map_err(|e| input_error(format!("{origin}: {e}")))?;
    let name = |side: &str| {
        names
            .get(side)
            .and_then(toml::Value::as_str)
            .map(PathBuf::from)
            .ok_or_else(|| input_error(format!("{origin}: `{side}` names no contract")))
    };
    let (ln, rn) = (name("left")?, name("right")?);
    let remote = args.target.is_some();
    let pick = |n: &PathBuf| {
        super::options::selected_contracts(Some(n.as_path()), None, None, remote, true)
            .map(|mut c| c.remove(0))
    };
    let ((lsel, left), (rsel, right)) = (pick(&ln)?, pick(&rn)?);
    let c = Correspond::parse(&text, &origin, left.get().desc(), right.get().desc())
        .map_err(input_error)?;
    if left.get().desc().token_header != right.get().desc().token_header {
        return Err(input_error(
            "the two contracts carry the token in different headers",
        ));
    }
    let (mut t, _) = sides(args);
    t.mock_faults = args.mock_faults.clone();
    t.mock_data = args.mock_data.clone();
    let (spec, mock) = reach_target(&t).await?;
    let label = format!("{} against {}", lsel.name, rsel.name);
    let _ = writeln!(
        anstream::stderr(),
        "conform: {label}, on {}",
        if mock.is_some() {
            "the built-in mock".to_string()
        } else {
            spec.base_url.clone()
        }
    );
    let result = runner::across::across(
        client_target(&t, &spec, left.get().desc()),
        &spec,
        left.get(),
        right.get(),
        &c,
        args.baseline_page,
    )
    .await;
    if let Some(m) = mock {
        m.shutdown().await;
    }
    let r = result.map_err(|e| unreachable_error(&e))?;
    let curl = |path: &str| {
        let url = format!("{}{path}", spec.base_url).replace('\'', "'\\''");
        if spec.token_var.is_empty() {
            format!("curl -sS '{url}'")
        } else {
            format!(
                "curl -sS -H \"{}: ${}\" '{url}'",
                left.get().desc().token_header,
                spec.token_var
            )
        }
    };
    let hide = |p: &str| p.replace(&spec.project, "<project>");
    let divergences = r
        .differences
        .iter()
        .map(|d| Divergence {
            case: d.question.clone(),
            kind: d.found.kind,
            rules: d.found.rules.clone(),
            what: d.found.what.clone(),
            request: format!("{} | {}", hide(&d.requests.0), hide(&d.requests.1)),
            curl: (Some(curl(&d.requests.0)), Some(curl(&d.requests.1))),
        })
        .collect();
    let compared = Compared {
        contract: label,
        questions: r.questions,
        probes: 0,
        divergences,
        notes: Vec::new(),
    };
    Ok(redacted(compared, &[&spec]))
}

/// Tokens and keys never reach the reports: each side's secrets are redacted.
fn redacted(mut c: Compared, sides: &[&TargetSpec]) -> Compared {
    let mut redactor = Redactor::new();
    for s in sides {
        s.credentials.register(&mut redactor);
    }
    for d in &mut c.divergences {
        d.what = redactor.redact(&d.what).into_owned();
        d.request = redactor.redact(&d.request).into_owned();
    }
    c
}

/// One contract's diff against recorded answers: the left side asked the recording's
/// questions (the cases, and the exploration planned with its seed and budget), each
/// answer matched to the recorded one by question and request.
async fn diff_recorded(
    args: &DiffArgs,
    name: &str,
    contract: &Contract,
    cases: Vec<Case>,
    recording: &Recording,
    section: &Section,
) -> Result<Compared, Failure> {
    let (left_args, _) = sides(args);
    let (left, left_mock) = reach_target(&left_args).await?;
    let _ = writeln!(
        anstream::stderr(),
        "conform: {name}: {} against the answers of {} recorded {} ({} questions)",
        if left_mock.is_some() {
            "the built-in mock"
        } else {
            left.base_url.as_str()
        },
        recording.endpoint,
        recording.recorded_at,
        section.questions.len()
    );
    let result = async {
        let (questions, probes_n) = plan_questions(
            &left_args,
            &left,
            contract,
            cases,
            section.explore,
            section.seed,
        )
        .await
        .map_err(|e| unreachable_error(&e))?;
        let sides = ask(name, contract, &questions, &left_args, &left)
            .await
            .map_err(|e| unreachable_error(&e))?;
        Ok(match_recorded(
            name,
            &questions,
            sides,
            recording,
            section,
            &args.anonymize_key_env,
            probes_n,
        ))
    }
    .await;
    if let Some(m) = left_mock {
        m.shutdown().await;
    }
    result.map(|c| redacted(c, &[&left]))
}

/// Compares today's answers with the recorded ones, question by question: an anonymised
/// recording is met by today's answers anonymised with the same key, or, without the key,
/// both sides reduced to their behaviour.
fn match_recorded(
    name: &str,
    questions: &[Case],
    sides: Vec<Side>,
    recording: &Recording,
    section: &Section,
    key_env: &str,
    probes: usize,
) -> Compared {
    let mut notes = Vec::new();
    let key = std::env::var(key_env)
        .ok()
        .filter(|k| !k.is_empty())
        .map(|k| Key::new(k.as_bytes()));
    let behaviour_only =
        recording.anonymized && key.as_ref().map(Key::check) != recording.key_check;
    let today: Vec<Side> = sides
        .into_iter()
        .map(|s| match &key {
            _ if behaviour_only => mask(&s).behaviour(),
            Some(k) if recording.anonymized => k.side(&s),
            _ => s,
        })
        .collect();
    if behaviour_only {
        notes.push(format!(
            "the recording is anonymised and ${key_env} does not hold its key: compared by behaviour (statuses, error codes, totals, how many instances, verdicts, readings), not by values"
        ));
    }
    let recorded: std::collections::HashMap<(String, String), &Side> = section
        .questions
        .iter()
        .map(|q| {
            if behaviour_only {
                (q.key_masked(), &q.side)
            } else {
                (q.key(), &q.side)
            }
        })
        .collect();
    let mut divergences = Vec::new();
    let mut unmatched = Vec::new();
    let mut matched = std::collections::HashSet::new();
    for (case, side) in questions.iter().zip(&today) {
        let key = (
            case.name.clone(),
            side.answers
                .first()
                .map(|a| a.path.clone())
                .unwrap_or_default(),
        );
        let Some(then) = recorded.get(&key) else {
            unmatched.push(case.name.clone());
            continue;
        };
        matched.insert(key);
        let then = if behaviour_only {
            then.behaviour()
        } else {
            (*then).clone()
        };
        let rules: Vec<String> = case.rules.iter().map(ToString::to_string).collect();
        divergences.extend(compare(&case.name, &rules, side, &then));
    }
    let only_then = recorded.len().saturating_sub(matched.len());
    if !unmatched.is_empty() || only_then > 0 {
        let shown: Vec<&str> = unmatched.iter().take(3).map(String::as_str).collect();
        notes.push(format!(
            "{} questions asked now are not in the recording{} and {only_then} recorded ones were not asked now: the exploration plans from the account, which has changed since (or the cases have)",
            unmatched.len(),
            if shown.is_empty() { String::new() } else { format!(" ({}{})", shown.join(", "), if unmatched.len() > 3 { ", ..." } else { "" }) }
        ));
    }
    Compared {
        contract: name.to_string(),
        questions: questions.len(),
        probes,
        divergences,
        notes,
    }
}

/// The questions of a diff: the cases, then the exploration's probes planned against
/// `spec`'s account; and how many of them are probes.
pub(super) async fn plan_questions(
    t: &TargetArgs,
    spec: &TargetSpec,
    contract: &Contract,
    cases: Vec<Case>,
    explore: usize,
    seed: u64,
) -> Result<(Vec<Case>, usize), runner::RunError> {
    let probes = runner::probe_cases(
        client_target(t, spec, contract.desc()),
        spec,
        contract,
        t.baseline_page,
        explore,
        seed,
    )
    .await?;
    let n = probes.len();
    let mut questions = cases;
    questions.extend(probes);
    Ok((questions, n))
}

/// Asks one side every question; each result reduced as it is judged.
pub(super) async fn ask(
    name: &str,
    contract: &Contract,
    questions: &[Case],
    t: &TargetArgs,
    spec: &TargetSpec,
) -> Result<Vec<Side>, runner::RunError> {
    let desc = contract.desc();
    let mut reducer = Reducer {
        sides: Vec::new(),
        project: spec.project.clone(),
        mask: desc.snapshot_mask.clone(),
        info: info(name, contract, spec),
    };
    runner::run_cases_until(
        RunOptions {
            cases: questions,
            target: client_target(t, spec, desc),
            spec,
            contract,
            baseline_page: t.baseline_page,
            keep_bodies: crate::exec::Keep::Raw,
            explore: None,
        },
        &mut reducer,
        std::future::pending::<()>(),
    )
    .await
    .map(|_| reducer.sides)
}

/// Reduces each result as it is judged and drops its bodies.
struct Reducer {
    sides: Vec<Side>,
    project: String,
    mask: Vec<String>,
    info: RunInfo,
}

impl RunObserver for Reducer {
    fn finished(&mut self, result: &mut CaseResult) {
        let curl = result.requests.first().map(|q| self.info.curl(q));
        self.sides
            .push(Side::of(result, &self.project, &self.mask, curl));
        for q in &mut result.requests {
            q.body = None;
        }
    }
}

fn info(name: &str, contract: &Contract, spec: &TargetSpec) -> RunInfo {
    let desc = contract.desc();
    RunInfo {
        version: env!("CARGO_PKG_VERSION"),
        contract: name.to_string(),
        contracts: 1,
        target: spec.base_url.clone(),
        base_url: spec.base_url.clone(),
        token_var: spec.token_var.clone(),
        token_header: desc.token_header.clone(),
        rules: desc.rules.clone(),
        cases: 0,
        shard: None,
        filters: Vec::new(),
        started_at: time::OffsetDateTime::now_utc(),
    }
}

fn unreachable_error(e: &runner::RunError) -> Failure {
    Failure::unreachable(e)
}

fn input_error(message: impl std::fmt::Display) -> Failure {
    Failure::input(message)
}

/// Writes the reports; the exit code.
fn report(args: &DiffArgs, all: &[Compared]) -> u8 {
    let text = if args.format == "json" {
        json_lines(all)
    } else {
        human(all)
    };
    let _ = anstream::stdout().write_all(text.as_bytes());
    // The reports are written whole or not at all, as `run`'s are.
    let files = [
        (&args.junit, junit as fn(&[Compared]) -> String),
        (&args.html, html),
    ];
    for (path, make) in files {
        let Some(path) = path else { continue };
        if let Err(e) =
            crate::report::write_atomic_with(path, |w| w.write_all(make(all).as_bytes()))
        {
            return input_error(format!("cannot write {}: {e}", path.display())).report();
        }
    }
    if all
        .iter()
        .any(|c| c.divergences.iter().any(|d| d.kind != Kind::Expected))
    {
        crate::exit::CONTRACT_BROKEN
    } else {
        crate::exit::SUCCESS
    }
}

/// The divergences of one contract, by group (kind, then first rule), in order.
fn groups(c: &Compared) -> Vec<(String, Vec<&Divergence>)> {
    let mut keyed: Vec<(Kind, String, &Divergence)> = c
        .divergences
        .iter()
        .map(|d| (d.kind, d.group(), d))
        .collect();
    keyed.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let mut out: Vec<(String, Vec<&Divergence>)> = Vec::new();
    for (_, g, d) in keyed {
        match out.last_mut() {
            Some((k, v)) if *k == g => v.push(d),
            _ => out.push((g, vec![d])),
        }
    }
    out
}

fn counts(c: &Compared) -> String {
    let n = |k: Kind| c.divergences.iter().filter(|d| d.kind == k).count();
    let expected = match n(Kind::Expected) {
        0 => String::new(),
        e => format!(", expected {e}"),
    };
    format!(
        "contract {}, reading {}, answer {}, moved {}{expected}",
        n(Kind::Contract),
        n(Kind::Reading),
        n(Kind::Answer),
        n(Kind::Moved)
    )
}

/// Whether the sides agree, and the line that says so: differences the pages allow
/// (`expected`) do not stop two sides agreeing.
fn verdict(c: &Compared) -> (bool, String) {
    let expected = c
        .divergences
        .iter()
        .filter(|d| d.kind == Kind::Expected)
        .count();
    if c.divergences.is_empty() {
        (true, "the two sides agree".to_string())
    } else if expected == c.divergences.len() {
        (
            true,
            format!("the two sides agree, with {expected} differences the pages allow (expected)"),
        )
    } else {
        (
            false,
            format!("{} divergences ({})", c.divergences.len(), counts(c)),
        )
    }
}

/// Questions shown per group in the terminal, the smallest requests first.
const SHOWN: usize = 3;

fn human(all: &[Compared]) -> String {
    let mut s = String::new();
    for c in all {
        s.push_str(&format!(
            "== contract {}: {} questions{} ==\n",
            c.contract,
            c.questions,
            if c.probes == 0 {
                String::new()
            } else {
                format!(
                    " ({} cases, {} generated)",
                    c.questions - c.probes,
                    c.probes
                )
            }
        ));
        for (group, ds) in groups(c) {
            s.push_str(&format!("{group} ({} questions)\n", ds.len()));
            // The smallest request first: the one to look at.
            let mut ds = ds;
            ds.sort_by_key(|d| d.request.len());
            let more = ds.len().saturating_sub(SHOWN);
            for d in ds.into_iter().take(SHOWN) {
                s.push_str(&format!("  {}: {}\n", d.case, d.what));
                s.push_str(&format!("    request: {}\n", d.request));
                if let Some(l) = &d.curl.0 {
                    s.push_str(&format!("    left:  {l}\n"));
                }
                if let Some(r) = &d.curl.1 {
                    s.push_str(&format!("    right: {r}\n"));
                }
            }
            if more > 0 {
                s.push_str(&format!(
                    "  ... and {more} more (all of them with --format json)\n"
                ));
            }
        }
        for n in &c.notes {
            s.push_str(&format!("note: {n}\n"));
        }
        s.push_str(&format!("{}: {}\n", c.contract, verdict(c).1));
    }
    s
}

fn json_lines(all: &[Compared]) -> String {
    let mut s = String::new();
    for c in all {
        for d in &c.divergences {
            let line = serde_json::json!({
                "event": "divergence",
                "contract": c.contract,
                "case": d.case,
                "kind": d.kind.name(),
                "group": d.group(),
                "rules": d.rules,
                "what": d.what,
                "request": d.request,
                "curl_left": d.curl.0,
                "curl_right": d.curl.1,
            });
            s.push_str(&format!("{line}\n"));
        }
        let n = |k: Kind| c.divergences.iter().filter(|d| d.kind == k).count();
        let line = serde_json::json!({
            "event": "diff-finished",
            "contract": c.contract,
            "questions": c.questions,
            "generated": c.probes,
            "notes": c.notes,
            "divergences": {
                "contract": n(Kind::Contract),
                "reading": n(Kind::Reading),
                "answer": n(Kind::Answer),
                "moved": n(Kind::Moved),
                "expected": n(Kind::Expected),
            },
        });
        s.push_str(&format!("{line}\n"));
    }
    s
}

fn junit(all: &[Compared]) -> String {
    use quick_xml::escape::escape;
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"conform diff\">\n",
    );
    for c in all {
        let gs = groups(c);
        // A group of differences the pages allow passes, its questions in system-out.
        let expected = |ds: &[&Divergence]| ds.iter().all(|d| d.kind == Kind::Expected);
        let failing = gs.iter().filter(|(_, ds)| !expected(ds)).count();
        s.push_str(&format!(
            "  <testsuite name=\"conform diff {}\" tests=\"{}\" failures=\"{failing}\">\n",
            escape(&c.contract),
            gs.len().max(1),
        ));
        if gs.is_empty() {
            s.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"the two sides agree\"/>\n",
                escape(&c.contract)
            ));
        }
        for (group, ds) in gs {
            let body: String = ds
                .iter()
                .map(|d| format!("{}: {}\nrequest: {}\n", d.case, d.what, d.request))
                .collect();
            let inner = if expected(&ds) {
                format!("<system-out>{}</system-out>", escape(&body))
            } else {
                format!(
                    "<failure message=\"{} questions diverge\">{}</failure>",
                    ds.len(),
                    escape(&body)
                )
            };
            s.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\">\n      {inner}\n    </testcase>\n",
                escape(&c.contract),
                escape(&group),
            ));
        }
        s.push_str("  </testsuite>\n");
    }
    s.push_str("</testsuites>\n");
    s
}

/// The page's own columns: long requests and curl lines wrap instead of widening it.
const DIFF_STYLE: &str = "
table.cases { table-layout: fixed; }
table.cases th:nth-child(1) { width: 16%; } table.cases th:nth-child(2) { width: 34%; }
table.cases th:nth-child(3) { width: 22%; } table.cases th:nth-child(4) { width: 28%; }
table.cases td { overflow-wrap: anywhere; }
h3 { font-size: 15px; margin: 18px 0 6px; }
";

/// One page: per contract, its verdict line, then a table per divergence group.
fn html(all: &[Compared]) -> String {
    use crate::report::html::{esc, STYLE};
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>conform diff</title>\n<style>{STYLE}{DIFF_STYLE}</style>\n</head>\n<body>\n\
         <header><h1>conform diff</h1><div class=\"meta\">the left side against the right \
         side, the same questions; divergences by kind and rule</div></header>\n<main>\n"
    );
    for c in all {
        let (agree, line) = verdict(c);
        let class = if agree { "good" } else { "bad" };
        h.push_str(&format!(
            "<h2 class=\"contract\">{} &middot; {} questions ({} generated)</h2>\n\
             <div class=\"verdict-line {class}\">{}</div>\n",
            esc(&c.contract),
            c.questions,
            c.probes,
            esc(&line)
        ));
        for n in &c.notes {
            h.push_str(&format!("<p class=\"desc\">note: {}</p>\n", esc(n)));
        }
        for (group, ds) in groups(c) {
            h.push_str(&format!(
                "<h3>{} <span class=\"desc\">({} questions)</span></h3>\n\
                 <table class=\"cases\"><tr><th>question</th><th>what differs</th>\
                 <th>request</th><th>curl, left / right</th></tr>\n",
                esc(&group),
                ds.len()
            ));
            for d in ds {
                let curl = [&d.curl.0, &d.curl.1]
                    .iter()
                    .map(|c| esc(c.as_deref().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join("<br>");
                h.push_str(&format!(
                    "<tr><td class=\"name\">{}</td><td>{}</td><td class=\"name\">{}</td>\
                     <td class=\"desc\">{curl}</td></tr>\n",
                    esc(&d.case),
                    esc(&d.what),
                    esc(&d.request)
                ));
            }
            h.push_str("</table>\n");
        }
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}
