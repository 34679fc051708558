//! `conform selfcheck`: load the suite, run it against the mock once faithful and once
//! per fault ([`crate::selfcheck`]), and print the matrix.

use std::io::Write;
use std::path::PathBuf;

use crate::case;
use crate::contract::Contract;
use crate::mock::DataSet;
use crate::selfcheck::{faults_for, html, selfcheck_moving, write_human};

/// Options of `conform selfcheck`.
#[derive(Debug, clap::Args)]
pub struct SelfcheckArgs {
    /// Folder of case files.
    #[arg(long, default_value = "cases", value_name = "DIR")]
    pub cases: PathBuf,
    /// A contract description to measure the suite of instead of the built-in one; the
    /// mock must serve its path. E.g. `--contract schemas/v2/list-instances.contract.toml
    /// --cases cases/v2` for the v2 list: its faults are the catalogue's with a v2 rule.
    /// `--contract all`: the built-in contract's suite, then the v2 list's (cases/v2).
    #[arg(long, value_name = "FILE")]
    pub contract: Option<PathBuf>,
    /// Data set for the mock (same format as `conform mock --data`); the built-in one by default.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Suite runs in flight at once (each against its own mock).
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub parallel: usize,
    /// Output: `human` (a matrix) or `json` (one JSON document).
    #[arg(long, default_value = "human", value_parser = ["human", "json"])]
    pub format: String,
    /// Also write the matrix as a self-contained HTML page to PATH.
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,
    /// Add a moving-account column: the faithful mock and every fault again while the
    /// mock's account moves (KIND[:EVERY] as `conform mock --churn`, e.g. mix:20), and
    /// the faults that show only then.
    #[arg(long, value_name = "KIND[:EVERY]", value_parser = crate::mock::Churn::parse)]
    pub churn: Option<crate::mock::Churn>,
    /// The seed of --churn.
    #[arg(long, default_value_t = 1, value_name = "S", requires = "churn")]
    pub seed: u64,
}

/// Runs `conform selfcheck`; returns the exit code.
pub async fn command(args: SelfcheckArgs) -> u8 {
    use super::run::{worse, ALL_CONTRACTS, V2_CONTRACT};
    if args.contract.as_deref() != Some(std::path::Path::new(ALL_CONTRACTS)) {
        return one_contract(args).await;
    }
    if args.html.is_some() || args.format == "json" {
        let _ = writeln!(
            anstream::stderr(),
            "error: --contract all prints one matrix per shipped contract\n  = hint: for --html or --format json, give one contract per run (--contract {})",
            V2_CONTRACT[0]
        );
        return crate::exit::INPUT_INVALID;
    }
    let first = SelfcheckArgs {
        contract: None,
        ..args
    };
    let second = SelfcheckArgs {
        contract: Some(V2_CONTRACT[0].into()),
        cases: V2_CONTRACT[1].into(),
        data: first.data.clone(),
        parallel: first.parallel,
        format: first.format.clone(),
        html: None,
        churn: first.churn,
        seed: first.seed,
    };
    let one = one_contract(first).await;
    if one == crate::exit::INPUT_INVALID {
        return one;
    }
    println!();
    let two = one_contract(second).await;
    worse(one, two)
}

/// One contract's selfcheck.
async fn one_contract(args: SelfcheckArgs) -> u8 {
    let loaded = match super::options::load_served_contract(args.contract.as_deref(), false) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let contract: &Contract = loaded.as_ref().unwrap_or_else(|| Contract::embedded());
    let cases = match case::load_dir(&args.cases, contract) {
        Ok(c) if c.is_empty() => {
            let _ = writeln!(
                anstream::stderr(),
                "error: no case in {}",
                args.cases.display()
            );
            return crate::exit::NOTHING_SELECTED;
        }
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "{e}");
            return crate::exit::INPUT_INVALID;
        }
    };
    let data = match &args.data {
        None => DataSet::builtin(),
        Some(p) => match DataSet::from_file(p) {
            Ok(d) => d,
            Err(e) => {
                let _ = writeln!(anstream::stderr(), "error: {e}");
                return crate::exit::INPUT_INVALID;
            }
        },
    };
    let _ = writeln!(
        anstream::stderr(),
        "conform selfcheck: {}: {} cases x {} mock variants",
        contract.desc().title,
        cases.len(),
        faults_for(contract).len() + 1
    );
    let churn = args.churn.map(|c| crate::mock::Churn {
        seed: args.seed,
        ..c
    });
    let report = match selfcheck_moving(&cases, contract, &data, args.parallel, churn).await {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "error: {e}");
            return crate::exit::TARGET_UNREACHABLE;
        }
    };
    let mut out = anstream::stdout().lock();
    let _ = if args.format == "json" {
        serde_json::to_writer_pretty(&mut out, &report)
            .map_err(std::io::Error::other)
            .and_then(|_| writeln!(out))
    } else {
        write_human(&mut out, &report)
    };
    if let Some(path) = &args.html {
        let page = html(&report);
        if let Err(e) = crate::report::write_atomic(path, &crate::secret::Redactor::new(), &page) {
            let _ = writeln!(
                anstream::stderr(),
                "error: cannot write {}: {e}",
                path.display()
            );
            return crate::exit::INPUT_INVALID;
        }
    }
    if report.passed() {
        crate::exit::SUCCESS
    } else {
        crate::exit::CONTRACT_BROKEN
    }
}
