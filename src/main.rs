//! The `conform` binary: parses the command line and hands over to the library's
//! commands (`conform::cli`).

use std::process::ExitCode;

use clap::Parser;

/// Many small allocations (JSON values, strings) dominate a run's CPU time; mimalloc
/// serves them faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = conform::cli::Cli::parse();
    // One TLS crypto provider for the whole process (reqwest is built without a default one).
    let _ = rustls::crypto::ring::default_provider().install_default();
    ExitCode::from(conform::cli::dispatch(cli.command))
}
