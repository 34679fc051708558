//! `conform explore`: a systematic, deterministic sweep of the query space against a
//! target (the built-in mock when none is given), judged by the same checks as the
//! cases; each distinct failure is shrunk, printed like a case failure and, with
//! `--save`, written as a case file ready to commit.

use std::io::Write;
use std::path::PathBuf;

use crate::contract::Contract;
use crate::report::{terminal, RunInfo};
use crate::runner::{self, ExploreOptions};
use crate::secret::Redactor;

use super::options::{non_negative, positive, TargetArgs};
use super::run::{client_target, reach_target};

/// Options of `conform explore`.
#[derive(Debug, clap::Args)]
pub struct ExploreArgs {
    #[command(flatten)]
    pub endpoint: TargetArgs,
    /// Generated requests to send (shrinking a failure sends a few more).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub budget: usize,
    /// Seed of the exploration: the same seed and data send the same requests.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub seed: u64,
    /// Write each distinct minimal failure as a case file into this folder (into
    /// DIR/NAME, one folder per contract, when several are explored).
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,
    /// Only this shard of the generated requests (K/N, as `run --shard`).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::select::Shard>,
    /// When to color the output.
    #[arg(long, default_value = "auto", value_name = "WHEN")]
    pub color: terminal::ColorWhen,
}

/// Runs `conform explore`: every contract selected (`--contract`, default all; outside
/// a workspace the built-in one), one after the other; returns the worst exit code.
pub async fn command(args: ExploreArgs) -> u8 {
    args.color.choice().write_global();
    let outside = args.endpoint.contract.is_none()
        && matches!(
            crate::workspace::Workspace::find(std::path::Path::new(".")),
            Ok(None)
        );
    let contracts = if outside {
        vec![("v1.0".to_string(), super::options::Loaded::Builtin)]
    } else {
        match super::options::selected_contracts(
            args.endpoint.contract.as_deref(),
            None,
            None,
            args.endpoint.target.is_some(),
            true,
        ) {
            Ok(c) => c.into_iter().map(|(s, c)| (s.name, c)).collect(),
            Err(f) => return f.report(),
        }
    };
    let many = contracts.len() > 1;
    let mut codes = Vec::new();
    for (name, contract) in &contracts {
        let save = args
            .save
            .as_ref()
            .map(|d| if many { d.join(name) } else { d.clone() });
        let one = explore_one(&args, name, contract.get(), save.as_deref()).await;
        if one == crate::exit::INPUT_INVALID {
            return one;
        }
        codes.push(one);
    }
    super::run::worst(codes)
}

/// One contract's exploration.
async fn explore_one(
    args: &ExploreArgs,
    name: &str,
    contract: &Contract,
    save_dir: Option<&std::path::Path>,
) -> u8 {
    let e = &args.endpoint;
    if e.jobs == 0 || !positive(e.timeout) || e.rate.is_some_and(|r| !non_negative(r)) {
        return input_error("--jobs and --timeout must be positive, --rate 0 or more");
    }
    let (spec, mock) = match reach_target(&args.endpoint).await {
        Ok(t) => t,
        Err(f) => return f.report(),
    };
    let desc = contract.desc();
    let target = client_target(&args.endpoint, &spec, desc);
    let shown = if mock.is_some() {
        "the built-in mock".to_string()
    } else {
        spec.base_url.clone()
    };
    let _ = writeln!(
        anstream::stderr(),
        "conform: {name}: exploring {shown} with {} requests (seed {})",
        args.budget,
        args.seed
    );
    let report = runner::explore_target(
        target,
        &spec,
        contract,
        args.endpoint.baseline_page,
        ExploreOptions {
            budget: args.budget,
            seed: args.seed,
            shard: args.shard,
        },
    )
    .await;
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
    let info = RunInfo {
        version: env!("CARGO_PKG_VERSION"),
        contract: name.to_string(),
        contracts: 1,
        target: shown,
        base_url: spec.base_url.clone(),
        token_var: spec.token_var.clone(),
        token_header: desc.token_header.clone(),
        rules: desc.rules.clone(),
        cases: 0,
        shard: args.shard,
        filters: Vec::new(),
        started_at: time::OffsetDateTime::now_utc(),
    };
    let mut redactor = Redactor::new();
    spec.credentials.register(&mut redactor);
    let mut text = terminal::explore_text(&report, &info, 24);
    for u in &report.unreachable {
        text.push_str(&format!("note: class not reachable with this data: {u}\n"));
    }
    let secs = report.elapsed.as_secs_f64();
    text.push_str(&format!(
        "{} requests in {:.2} s ({:.0} requests/s)\n",
        report.requests,
        secs,
        if secs > 0.0 {
            report.requests as f64 / secs
        } else {
            0.0
        }
    ));
    let _ = anstream::stdout().write_all(redactor.redact(&text).as_bytes());
    if let Some(dir) = save_dir {
        if let Err(e) = save(dir, &report) {
            return input_error(e);
        }
    }
    if report.failed() > 0 {
        crate::exit::CONTRACT_BROKEN
    } else if report.errors > 0 {
        crate::exit::TARGET_UNREACHABLE
    } else {
        crate::exit::SUCCESS
    }
}

/// Writes each distinct failure as `DIR/explore-NNNN.toml` (the probe's number).
fn save(dir: &std::path::Path, report: &crate::outcome::ExploreReport) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for f in &report.failures {
        let file = dir.join(format!("{}.toml", f.result.name.replace('/', "-")));
        crate::atomic::write_with(
            &file,
            ".conform-case",
            |w| w.write_all(f.case_file.as_bytes()),
            || Ok(()),
        )
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        let _ = writeln!(anstream::stderr(), "saved {}", file.display());
    }
    Ok(())
}

fn input_error(message: impl std::fmt::Display) -> u8 {
    let _ = writeln!(anstream::stderr(), "error: {message}");
    crate::exit::INPUT_INVALID
}
