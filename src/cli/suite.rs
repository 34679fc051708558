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
    /// Folder of case files (`**/*.toml`).
    #[arg(long, default_value = "cases", value_name = "DIR")]
    pub cases: PathBuf,
    /// Read the cases against this contract description (`*.contract.toml`) instead of
    /// the built-in one.
    #[arg(long, value_name = "FILE")]
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
    /// Folder of case files (`**/*.toml`).
    #[arg(long, default_value = "cases", value_name = "DIR")]
    pub cases: PathBuf,
    /// Check against the contract in this folder (its `*.contract.toml` and the schemas
    /// it names, as `conform derive` writes them) instead of the one built into conform.
    #[arg(long, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
}

/// One case as `conform list --format json` prints it.
#[derive(Debug, Serialize)]
pub struct ListedCase<'a> {
    pub name: &'a str,
    pub file: &'a str,
    pub line: usize,
    pub rules: Vec<String>,
    pub description: &'a str,
}

impl<'a> ListedCase<'a> {
    pub fn of(c: &'a Case) -> Self {
        ListedCase {
            name: &c.name,
            file: &c.loc.file,
            line: c.loc.at.line,
            rules: c.rules.iter().map(|r| r.to_string()).collect(),
            description: &c.description,
        }
    }
}

/// Writes the list of cases.
pub fn write_list(w: &mut dyn Write, cases: &[Case], format: Format) -> std::io::Result<()> {
    let width = cases
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0)
        .min(48);
    for c in cases {
        match format {
            Format::Human => {
                let rules: Vec<String> = c.rules.iter().map(|r| r.to_string()).collect();
                writeln!(
                    w,
                    "{:<width$}  {:<14} {}",
                    c.name,
                    rules.join(","),
                    c.description
                )?;
            }
            Format::Json => {
                let line = serde_json::to_string(&ListedCase::of(c))
                    .expect("a listed case always serializes");
                writeln!(w, "{line}")?;
            }
        }
    }
    Ok(())
}

/// Runs `conform list`; returns the exit code.
pub fn list_command(args: ListArgs) -> u8 {
    let loaded = match super::options::load_contract_file(args.contract.as_deref()) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let contract: &Contract = loaded.as_ref().unwrap_or_else(|| Contract::embedded());
    let cases = match args.select.load(&args.cases, contract) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut out = std::io::stdout().lock();
    // A broken pipe (`conform list | head`) ends the listing quietly.
    let _ = write_list(&mut out, &cases, args.format).and_then(|_| out.flush());
    crate::exit::SUCCESS
}

/// Runs `conform check`; returns 0 when every case file and the schemas are valid, 2
/// otherwise (with every problem on stderr).
pub fn check_command(args: CheckArgs) -> u8 {
    let loaded;
    let contract: &Contract = match &args.schemas {
        None => Contract::embedded(),
        Some(dir) => match Contract::from_dir(dir) {
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
    match case::load_dir(&args.cases, contract) {
        Ok(cases) => {
            let schemas = args
                .schemas
                .as_ref()
                .map_or("the built-in schemas".to_string(), |d| {
                    format!("the schemas in {}", d.display())
                });
            let _ = writeln!(
                std::io::stdout(),
                "ok: {} case files in {} are valid against {schemas}",
                cases.len(),
                args.cases.display()
            );
            crate::exit::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "{e}");
            crate::exit::INPUT_INVALID
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_prints_rules_in_both_formats() {
        let cases = case::load_dir(std::path::Path::new("cases"), Contract::embedded()).unwrap();
        let mut human = Vec::new();
        write_list(&mut human, &cases, Format::Human).unwrap();
        let human = String::from_utf8(human).unwrap();
        assert_eq!(human.lines().count(), cases.len());
        let line = human
            .lines()
            .find(|l| l.starts_with("name/exact-name "))
            .unwrap();
        assert!(line.contains("C3"), "{line}");
        let mut json = Vec::new();
        write_list(&mut json, &cases, Format::Json).unwrap();
        let first: serde_json::Value =
            serde_json::from_str(String::from_utf8(json).unwrap().lines().next().unwrap()).unwrap();
        assert_eq!(first["name"], cases[0].name);
        assert!(first["file"].as_str().unwrap().ends_with(".toml"));
        assert!(first["rules"].as_array().is_some_and(|r| !r.is_empty()));
    }
}
