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
    /// Folder of case files, instead of the contract's own (conform.toml).
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    /// The contract whose suite is measured: a name from conform.toml (`v1.0`, `v2`), a
    /// `*.contract.toml` file (the mock must serve its path), or `all` (the default):
    /// one matrix per contract. Each contract's faults are the catalogue's with its rules.
    #[arg(long, value_name = "NAME|FILE|all")]
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

/// Runs `conform selfcheck`: one matrix per contract selected; returns the exit code,
/// the worst of the contracts'.
pub async fn command(args: SelfcheckArgs) -> u8 {
    use super::options::selected_contracts;
    use super::run::worst;
    let contracts = match selected_contracts(
        args.contract.as_deref(),
        args.cases.as_deref(),
        None,
        false,
        true,
    ) {
        Ok(c) => c,
        Err(f) => return f.report(),
    };
    if contracts.len() > 1 && (args.html.is_some() || args.format == "json") {
        let _ = writeln!(
            anstream::stderr(),
            "error: --html and --format json write one contract's matrix\n  = hint: give the contract: --contract {}",
            contracts[0].0.name
        );
        return crate::exit::INPUT_INVALID;
    }
    let mut codes = Vec::new();
    for (i, (sel, contract)) in contracts.iter().enumerate() {
        if i > 0 {
            println!();
        }
        let one = one_contract(&args, &sel.cases, contract.get()).await;
        if one == crate::exit::INPUT_INVALID {
            return one;
        }
        codes.push(one);
    }
    worst(codes)
}

/// One contract's selfcheck.
async fn one_contract(
    args: &SelfcheckArgs,
    cases_dir: &std::path::Path,
    contract: &Contract,
) -> u8 {
    let cases = match case::load_dir(cases_dir, contract) {
        Ok(c) if c.is_empty() => {
            let _ = writeln!(
                anstream::stderr(),
                "error: no case in {}",
                cases_dir.display()
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
