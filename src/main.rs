//! The `conform` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Many small allocations (JSON values, strings) dominate a run's CPU time; mimalloc
/// serves them faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use conform::exit;

/// conform turns a vendor's API reference page into an executable contract and checks
/// any endpoint against it.
#[derive(Debug, Parser)]
#[command(name = "conform", version, about, long_about = None, after_help = exit::HELP_TABLE)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// `run`'s options dwarf the others'; the enum is built once per process, so its size
// does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Derive JSON Schemas and an OpenAPI document from a vendor API page.
    Derive(conform::derive::DeriveArgs),
    /// Serve the faithful mock of the endpoint (with optional faults) on loopback.
    Mock(conform::mock::MockArgs),
    /// Run the case files against a target (the built-in mock when none is given).
    Run(conform::run::RunArgs),
    /// Measure the suite's strength: run it against the mock with each fault switched on.
    Selfcheck(conform::selfcheck::SelfcheckArgs),
    /// List the case files with the rules they exercise (sends nothing).
    List(conform::suite::ListArgs),
    /// Validate the case files and schemas without sending anything (exit 0 or 2).
    Check(conform::suite::CheckArgs),
    /// Save a target's full list as a mock data set (`conform mock --data`).
    Record(conform::record::RecordArgs),
    /// Review pending snapshots: show each diff, then accept, reject or skip it.
    Review(conform::snapshot::review::ReviewArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One TLS crypto provider for the whole process (reqwest is built without a default one).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let code = match cli.command {
        Command::Derive(args) => conform::derive::command(args),
        Command::Mock(args) => runtime().block_on(conform::mock::command(args)),
        Command::Run(args) => runtime().block_on(conform::run::command(args)),
        Command::Selfcheck(args) => runtime().block_on(conform::selfcheck::command(args)),
        Command::List(args) => conform::suite::list_command(args),
        Command::Check(args) => conform::suite::check_command(args),
        Command::Record(args) => runtime().block_on(conform::record::command(args)),
        Command::Review(args) => conform::snapshot::review::command(args),
    };
    ExitCode::from(code)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
}
