//! The command line: one module per command, and the options `run` and `record` share
//! ([`options`]). Each command reads its options, calls the library stages below it and
//! turns what they return into output and an exit code ([`crate::exit`]).

pub mod diff;
pub mod explore;
pub mod init;
pub mod options;
pub mod record;
pub mod review;
pub mod run;
pub mod selfcheck;
pub mod suite;

use clap::{Parser, Subcommand};

/// The version with the commit it was built from: `0.1.0 (1a2b3c4d5e6f)`.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("CONFORM_COMMIT"), ")");

/// conform turns a vendor's API reference page into an executable contract and checks
/// any endpoint against it.
#[derive(Debug, Parser)]
#[command(name = "conform", version = VERSION, about, long_about = None, after_help = crate::exit::HELP_TABLE)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// `run`'s options dwarf the others'; the enum is built once per process, so its size
// does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Derive JSON Schemas and an OpenAPI document from a vendor API page.
    Derive(crate::derive::DeriveArgs),
    /// Serve the faithful mock of the endpoint (with optional faults) on loopback.
    Mock(crate::mock::MockArgs),
    /// Run the case files against a target (the built-in mock when none is given).
    Run(run::RunArgs),
    /// Explore the query space systematically: generated requests judged by the same
    /// checks as the cases, failures shrunk and (with --save) written as case files.
    Explore(explore::ExploreArgs),
    /// Ask two targets the same questions (the cases and generated ones) and report every
    /// divergence: the mock against your account, one region against another.
    Diff(diff::DiffArgs),
    /// Measure the suite's strength: run it against the mock with each fault switched on.
    Selfcheck(selfcheck::SelfcheckArgs),
    /// List the case files with the rules they exercise (sends nothing).
    List(suite::ListArgs),
    /// Validate the case files and schemas without sending anything (exit 0 or 2).
    Check(suite::CheckArgs),
    /// Save a target's full list as a mock data set (`conform mock --data`).
    Record(record::RecordArgs),
    /// Review pending snapshots: show each diff, then accept, reject or skip it.
    Review(crate::snapshot::review::ReviewArgs),
    /// Write the shipped workspace (conform.toml, schemas, cases, snapshots) into a folder.
    Init(init::InitArgs),
}

/// Runs one command; returns its exit code.
pub fn dispatch(command: Command) -> u8 {
    match command {
        Command::Derive(args) => crate::derive::command(args),
        Command::Mock(args) => runtime().block_on(crate::mock::command(args)),
        Command::Run(args) => runtime().block_on(run::command(args)),
        Command::Explore(args) => runtime().block_on(explore::command(args)),
        Command::Diff(args) => runtime().block_on(diff::command(args)),
        Command::Selfcheck(args) => runtime().block_on(selfcheck::command(args)),
        Command::List(args) => suite::list_command(args),
        Command::Check(args) => suite::check_command(args),
        Command::Record(args) => runtime().block_on(record::command(args)),
        Command::Review(args) => review::command(args),
        Command::Init(args) => init::command(args),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
}
