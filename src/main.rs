//! The `conform` binary: parses the command line and hands over to the library's
//! commands (`conform::cli`).

use std::process::ExitCode;

use clap::Parser;

/// Many small allocations (JSON values, strings) dominate a run's CPU time; mimalloc
/// serves them faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (the same place in its option list in versions 2
/// and 3; the bindings do not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Memory freed is given back to the system at once instead of after a delay: a run
    // against a large account frees and takes tens of megabytes per answer, and with the
    // delay the process holds the freed answers beside the new ones (docs/performance.md).
    // SAFETY: sets one integer option of the allocator; no pointer is involved and it
    // is called before any other thread exists.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    let cli = conform::cli::Cli::parse();
    // One TLS crypto provider for the whole process (reqwest is built without a default one).
    let _ = rustls::crypto::ring::default_provider().install_default();
    ExitCode::from(conform::cli::dispatch(cli.command))
}
