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

// --- Interface stub (the real mock lands from its own branch; these signatures are its API).
use std::net::SocketAddr;

pub const MAIN_PROJECT: &str = "bd6b78e2ff9e4e47bc260803ddcc7a21";
pub const OTHER_PROJECT: &str = "other";

pub struct DataSet;
impl DataSet {
    pub fn builtin() -> DataSet {
        DataSet
    }
}
#[derive(Debug, Clone, Copy)]
pub enum Fault {}
impl Fault {
    pub fn from_name(_n: &str) -> Option<Fault> {
        None
    }
}
pub struct MockConfig {
    pub data: DataSet,
    pub faults: Vec<Fault>,
    pub token: Option<String>,
}
pub struct RunningMock(SocketAddr);
impl RunningMock {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.0)
    }
    pub async fn shutdown(self) {}
}
pub async fn spawn(_c: MockConfig, addr: SocketAddr) -> std::io::Result<RunningMock> {
    Ok(RunningMock(addr))
}
