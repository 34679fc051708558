//! `conform mock`: a faithful HTTP mock of the list-instances endpoint (rules C1..C14 of the
//! contract notes), with switchable faults. Independent of the checks by design: nothing
//! here calls check code, so the two implementations of the rules test each other.
//!
//! - [`data`]: the data set (built-in, or a validated `--data` file), instances by project;
//! - [`faults`]: the catalogue of deliberate violations;
//! - `query`, `filter`: reading a query, then filtering, ordering and paging (C1..C11);
//! - [`server`]: the axum router, errors, auth, and serving on a socket.

pub mod churn;
pub mod data;
pub mod faults;
mod filter;
pub mod generate;
mod query;
pub mod server;
pub mod sign;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

pub use churn::{Churn, ChurnKind};
pub use data::{
    DataError, DataSet, InstanceProblem, LIST_PATH, LIST_V2_PATH, MAIN_PROJECT, OTHER_PROJECT,
};
pub use faults::{Fault, FaultKind};
pub use server::{router, spawn, MockConfig, RunningMock};
pub use sign::AccessKey;

/// A set of faults, as bits, so the request path tests one with a mask.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FaultSet(u128);

impl FaultSet {
    pub(crate) fn has(self, f: Fault) -> bool {
        self.0 & (1u128 << f as u32) != 0
    }
}

impl From<&[Fault]> for FaultSet {
    fn from(faults: &[Fault]) -> FaultSet {
        const _: () = assert!(faults::CATALOGUE_LEN <= 128, "FaultSet holds 128 faults");
        FaultSet(faults.iter().fold(0, |acc, f| acc | 1u128 << *f as u32))
    }
}

/// The port `conform mock` listens on by default (and reproductions of a run against the
/// built-in mock point at).
pub const DEFAULT_PORT: u16 = 8080;

/// Options of `conform mock`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Prints `listening on http://ADDR` as its first line, then one line per \
    project served. Stops cleanly on Ctrl-C or SIGTERM."
)]
pub struct MockArgs {
    /// Address to bind; loopback by default.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Port to listen on; 0 picks a free one (printed on the first line).
    #[arg(long, default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// Serve this data set instead of the built-in one: `{"projects": {"<project id>":
    /// [<instance>, ...]}}`, each instance as the endpoint returns it.
    #[arg(long, value_name = "FILE", conflicts_with = "generate")]
    pub data: Option<PathBuf>,
    /// Serve a generated data set of N instances in one project (plus the built-in second
    /// project) instead of the built-in one; with --print-data, write it as a data file.
    /// The same N and --seed always give the same data.
    #[arg(long, value_name = "N")]
    pub generate: Option<usize>,
    /// The seed of --generate and of --churn: the same seed gives the same data and moves
    /// it the same way.
    #[arg(long, value_name = "S", default_value_t = generate::DEFAULT_SEED)]
    pub seed: u64,
    /// Let the account move while it is read, as a real one does: one change of KIND
    /// every EVERY list requests (default 20). KIND: status (an instance's next step:
    /// RUNNING → RESTARTING → RUNNING ...), create, delete, usage (used_memory), lag (a
    /// new instance listed by every other request for a while), mix.
    #[arg(long, value_name = "KIND[:EVERY]", value_parser = Churn::parse)]
    pub churn: Option<Churn>,
    /// Require `X-Auth-Token: T` on every request (C14). Prefer --token-env or --token-file:
    /// command lines end up in shell history and process lists.
    #[arg(long, value_name = "T", group = "auth")]
    pub token: Option<String>,
    /// Read the required token from this environment variable.
    #[arg(long, value_name = "NAME", group = "auth")]
    pub token_env: Option<String>,
    /// Read the required token from this file (surrounding whitespace is trimmed).
    #[arg(long, value_name = "PATH", group = "auth")]
    pub token_file: Option<PathBuf>,
    /// Also accept requests signed with this access key pair (`SDK-HMAC-SHA256`, as the
    /// vendor's SDKs sign them): the environment variable that holds the access key id.
    /// With a token too, either one lets a request in.
    #[arg(long, value_name = "NAME", requires = "secret_key_env")]
    pub access_key_env: Option<String>,
    /// The environment variable that holds the secret key of --access-key-env.
    #[arg(long, value_name = "NAME", requires = "access_key_env")]
    pub secret_key_env: Option<String>,
    /// Switch on a deliberate contract violation (repeatable); see --list-faults.
    #[arg(long = "fault", value_name = "NAME", value_parser = parse_fault)]
    pub faults: Vec<Fault>,
    /// Print the fault catalogue (name, rule, kind, description) and exit.
    #[arg(long)]
    pub list_faults: bool,
    /// Print the data set (built-in, --data's or --generate's) in the --data file format
    /// and exit (a starting point for your own file).
    #[arg(long)]
    pub print_data: bool,
}

/// Why `conform mock`'s options cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MockArgError {
    #[error("no fault named {name:?}; {hint}", name = .0, hint = Fault::hint_for(.0))]
    UnknownFault(String),
    #[error("--token-env {0}: the variable is not set (or not UTF-8)")]
    TokenEnv(String),
    #[error("--token-file {}: {source}", .path.display())]
    TokenFile {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("the token is empty")]
    EmptyToken,
    #[error("--{flag} {name}: the variable is not set, empty, or not UTF-8")]
    KeyEnv { flag: &'static str, name: String },
}

fn access_key(args: &MockArgs) -> Result<Option<AccessKey>, MockArgError> {
    let (Some(ak), Some(sk)) = (&args.access_key_env, &args.secret_key_env) else {
        return Ok(None);
    };
    let read = |flag: &'static str, name: &String| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| MockArgError::KeyEnv {
                flag,
                name: name.clone(),
            })
    };
    Ok(Some(AccessKey {
        ak: read("access-key-env", ak)?,
        sk: read("secret-key-env", sk)?,
    }))
}

fn parse_fault(name: &str) -> Result<Fault, MockArgError> {
    Fault::from_name(name).ok_or_else(|| MockArgError::UnknownFault(name.to_string()))
}

fn token(args: &MockArgs) -> Result<Option<String>, MockArgError> {
    let token = if let Some(t) = &args.token {
        t.clone()
    } else if let Some(name) = &args.token_env {
        std::env::var(name).map_err(|_| MockArgError::TokenEnv(name.clone()))?
    } else if let Some(path) = &args.token_file {
        std::fs::read_to_string(path)
            .map_err(|source| MockArgError::TokenFile {
                path: path.clone(),
                source,
            })?
            .trim()
            .to_string()
    } else {
        return Ok(None);
    };
    if token.is_empty() {
        return Err(MockArgError::EmptyToken);
    }
    Ok(Some(token))
}

/// A line on stdout for whoever started the mock; if they stopped reading (`| head -1`),
/// the mock goes on serving instead of failing on the closed pipe.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Runs `conform mock` until Ctrl-C / SIGTERM; returns the exit code.
pub async fn command(args: MockArgs) -> u8 {
    use crate::exit;
    if args.list_faults {
        print!("{}", faults::listing());
        return exit::SUCCESS;
    }
    if let (Some(n), true) = (args.generate, args.print_data) {
        // Written as generated, without a parsed copy: the data file of a large set is
        // what the user asked for, and it is valid by construction (tested).
        return print_json(&generate::generate_json(n, args.seed));
    }
    let data = match (&args.data, args.generate) {
        (Some(path), _) => DataSet::from_file(path),
        (None, Some(n)) => generate::generate(n, args.seed),
        (None, None) => Ok(DataSet::builtin()),
    };
    let data = match data {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::INPUT_INVALID;
        }
    };
    if args.print_data {
        let text = serde_json::to_string_pretty(&data.to_json()).expect("JSON serialises");
        println!("{text}");
        return exit::SUCCESS;
    }
    let (token, access_key) = match token(&args).and_then(|t| Ok((t, access_key(&args)?))) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::INPUT_INVALID;
        }
    };
    let projects: Vec<(String, usize, usize)> = data
        .projects()
        .map(|(p, n)| {
            let deleted = data
                .instances(p)
                .unwrap_or_default()
                .iter()
                .filter(|i| i.get("deleted") == Some(&serde_json::Value::Bool(true)))
                .count();
            (p.to_string(), n - deleted, deleted)
        })
        .collect();
    let config = MockConfig {
        data,
        faults: args.faults.clone(),
        token,
        access_key,
        churn: args.churn.map(|c| Churn {
            seed: args.seed,
            ..c
        }),
    };
    let has_token = config.token.is_some();
    let has_key = config.access_key.is_some();
    let addr = SocketAddr::new(args.bind, args.port);
    let running = match spawn(config, addr).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            return exit::INPUT_INVALID;
        }
    };
    say!("listening on {}", running.base_url());
    for (p, n, deleted) in &projects {
        if *deleted > 0 {
            say!(
                "project {p}: {n} instances, and {deleted} deleted ones (v2, include_delete=true)"
            );
        } else {
            say!("project {p}: {n} instances");
        }
    }
    if let Some(c) = &args.churn {
        say!(
            "churn {} (seed {}): the account moves while it is read",
            c.label(),
            args.seed
        );
    }
    for f in &args.faults {
        let rules: Vec<&str> = [f.rule(), f.rule_v2()]
            .into_iter()
            .filter(|r| !r.is_empty())
            .collect();
        say!("fault {} ({}, {})", f.name(), rules.join("/"), f.kind());
    }
    match (has_token, has_key) {
        (true, true) => say!(
            "auth: requests need the configured X-Auth-Token or a signature with the access key pair"
        ),
        (true, false) => say!("auth: requests need the configured X-Auth-Token"),
        (false, true) => say!("auth: requests need a signature with the access key pair"),
        (false, false) => {}
    }
    if !args.bind.is_loopback() {
        eprintln!("warning: {} is reachable from other machines", args.bind);
    }
    shutdown_signal().await;
    running.shutdown().await;
    exit::SUCCESS
}

/// Prints a data file as `conform record` writes it (pretty, one newline at the end).
fn print_json(value: &serde_json::Value) -> u8 {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = serde_json::to_writer_pretty(&mut out, value)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => crate::exit::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => crate::exit::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the data set: {e}");
            crate::exit::INPUT_INVALID
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
