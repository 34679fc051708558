//! `conform list` and `conform check`: the suite without a target. `list` prints the
//! selected cases with their rules; `check` validates every case file and the schemas
//! and sends nothing. Both load cases exactly as `conform run` does, so a suite that
//! passes `check` never stops `run` with exit code 2.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use crate::case::{self, Case};
use crate::contract::Contract;
use crate::report::Format;
use crate::select::SelectArgs;

/// Options of `conform list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Folder of case files (`**/*.toml`), instead of the contract's own (conform.toml).
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    /// The contract whose cases to list: a name from conform.toml (`v1.0`, `v2`), a
    /// `*.contract.toml` file (with --cases), or `all` (the default).
    #[arg(long, value_name = "NAME|FILE|all")]
    pub contract: Option<PathBuf>,
    #[command(flatten)]
    pub select: SelectArgs,
    /// `human`: one aligned line per case; `json`: one JSON object per line.
    #[arg(long, value_enum, default_value_t = Format::Human, value_name = "FORMAT")]
    pub format: Format,
}

/// Options of `conform check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Folder of case files (`**/*.toml`), instead of the contract's own (conform.toml).
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    /// The contract to check the cases against: a name from conform.toml (`v1.0`, `v2`),
    /// a `*.contract.toml` file (with --cases), or `all` (the default).
    #[arg(long, value_name = "NAME|FILE|all", conflicts_with = "schemas")]
    pub contract: Option<PathBuf>,
    /// Check against the contract in this folder (its `*.contract.toml` and the schemas
    /// it names, as `conform derive` writes them), with --cases.
    #[arg(long, value_name = "DIR", requires = "cases")]
    pub schemas: Option<PathBuf>,
}

/// One case as `conform list --format json` prints it.
#[derive(Debug, Serialize)]
pub struct ListedCase<'a> {
    pub contract: &'a str,
    pub name: &'a str,
    pub file: &'a str,
    pub line: usize,
    pub rules: Vec<String>,
    pub description: &'a str,
}

impl<'a> ListedCase<'a> {
    pub fn of(contract: &'a str, c: &'a Case) -> Self {
        ListedCase {
            contract,
            name: &c.name,
            file: &c.loc.file,
            line: c.loc.at.line,
            rules: c
                .rules
                .iter()
                .map(std::string::ToString::to_string)
                .collect(),
            description: &c.description,
        }
    }
}

/// Writes the list of cases.
pub fn write_list(
    w: &mut dyn Write,
    contract: &str,
    cases: &[Case],
    format: Format,
) -> std::io::Result<()> {
    let width = cases
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0)
        .min(48);
    for c in cases {
        match format {
            Format::Human => {
                let rules: Vec<String> = c
                    .rules
                    .iter()
                    .map(std::string::ToString::to_string)
                    .collect();
                writeln!(
                    w,
                    "{:<width$}  {:<14} {}",
                    c.name,
                    rules.join(","),
                    c.description
                )?;
            }
            Format::Json => {
                let line = serde_json::to_string(&ListedCase::of(contract, c))
                    .expect("a listed case always serializes");
                writeln!(w, "{line}")?;
            }
        }
    }
    Ok(())
}

/// Runs `conform list`: the cases of every contract selected (the contract's name
/// heads each block when there are several); returns the exit code.
pub fn list_command(args: ListArgs) -> u8 {
    let contracts = match super::options::selected_contracts(
        args.contract.as_deref(),
        args.cases.as_deref(),
        None,
        true,
        true,
    ) {
        Ok(c) => c,
        Err(f) => return f.report(),
    };
    let suites: Vec<(&std::path::Path, &Contract)> = contracts
        .iter()
        .map(|(s, c)| (s.cases.as_path(), c.get()))
        .collect();
    let listed: Vec<(&str, Vec<Case>)> = match args.select.load_each(&suites) {
        Ok(each) => contracts
            .iter()
            .map(|(s, _)| s.name.as_str())
            .zip(each)
            .filter(|(_, cases)| !cases.is_empty())
            .collect(),
        Err(f) => return f.report(),
    };
    let many = listed.len() > 1;
    let mut out = std::io::stdout().lock();
    for (i, (name, cases)) in listed.iter().enumerate() {
        // A broken pipe (`conform list | head`) ends the listing quietly.
        let header = match args.format {
            Format::Human if many => {
                let gap = if i > 0 { "\n" } else { "" };
                writeln!(out, "{gap}{name}: {} cases", cases.len())
            }
            _ => Ok(()),
        };
        if header
            .and_then(|_| write_list(&mut out, name, cases, args.format))
            .is_err()
        {
            break;
        }
    }
    let _ = out.flush();
    crate::exit::SUCCESS
}

/// Runs `conform check`; returns 0 when every case file and the schemas of every
/// contract selected are valid, 2 otherwise (with every problem on stderr).
pub fn check_command(args: CheckArgs) -> u8 {
    let contracts = match &args.schemas {
        Some(dir) => match Contract::from_dir(dir) {
            Ok(c) => vec![(
                format!("the schemas in {}", dir.display()),
                args.cases.clone().unwrap_or_default(),
                super::options::Loaded::File(Box::new(c)),
            )],
            Err(e) => {
                let _ = writeln!(anstream::stderr(), "error: {e}");
                return crate::exit::INPUT_INVALID;
            }
        },
        None => match super::options::selected_contracts(
            args.contract.as_deref(),
            args.cases.as_deref(),
            None,
            true,
            true,
        ) {
            Ok(c) => c
                .into_iter()
                .map(|(sel, c)| {
                    let against = match &sel.description {
                        Some(d) => format!("contract {} ({})", sel.name, d.display()),
                        None => "the built-in contract".to_string(),
                    };
                    (against, sel.cases, c)
                })
                .collect(),
            Err(f) => return f.report(),
        },
    };
    let mut code = crate::exit::SUCCESS;
    for (against, cases_dir, contract) in &contracts {
        match case::load_dir(cases_dir, contract.get()) {
            Ok(cases) => {
                let _ = writeln!(
                    std::io::stdout(),
                    "ok: {} case files in {} are valid against {against}",
                    cases.len(),
                    cases_dir.display()
                );
            }
            Err(e) => {
                let _ = writeln!(anstream::stderr(), "{e}");
                code = crate::exit::INPUT_INVALID;
            }
        }
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_prints_rules_in_both_formats() {
        let cases =
            case::load_dir(std::path::Path::new("cases/v1.0"), Contract::embedded()).unwrap();
        let mut human = Vec::new();
        write_list(&mut human, "v1.0", &cases, Format::Human).unwrap();
        let human = String::from_utf8(human).unwrap();
        assert_eq!(human.lines().count(), cases.len());
        let line = human
            .lines()
            .find(|l| l.starts_with("name/exact-name "))
            .unwrap();
        assert!(line.contains("C3"), "{line}");
        let mut json = Vec::new();
        write_list(&mut json, "v1.0", &cases, Format::Json).unwrap();
        let first: serde_json::Value =
            serde_json::from_str(String::from_utf8(json).unwrap().lines().next().unwrap()).unwrap();
        assert_eq!(first["name"], cases[0].name);
        assert_eq!(first["contract"], "v1.0");
        assert!(std::path::Path::new(first["file"].as_str().unwrap())
            .extension()
            .is_some_and(|e| e == "toml"));
        assert!(first["rules"].as_array().is_some_and(|r| !r.is_empty()));
    }
}
