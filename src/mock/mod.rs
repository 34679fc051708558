//! `conform mock`: a faithful HTTP mock of the list-instances endpoint (rules C1..C14 of the
//! contract notes), with switchable faults. Independent of the checks by design.

/// Options of `conform mock`.
#[derive(Debug, clap::Args)]
pub struct MockArgs {
    /// Address to bind; loopback by default.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
}

/// Runs `conform mock` until Ctrl-C / SIGTERM; returns the exit code.
pub async fn command(_args: MockArgs) -> u8 {
    eprintln!("error: conform mock is not built yet");
    crate::exit::INPUT_INVALID
}
