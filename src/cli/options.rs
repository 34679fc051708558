//! The options the commands share, in one place: which contracts they work on
//! ([`selected_contracts`]), where credentials come from, how a target's certificate is
//! trusted, and the checks every numeric option goes through.

use crate::exit::Failure;
use std::path::PathBuf;

use crate::contract::Contract;
use crate::workspace::{self, Selected};

/// Where requests go and how they are sent (shared by `run` and `explore`): the
/// target or the built-in mock, its contract, credentials, TLS, concurrency, timeout
/// and rate.
#[derive(Debug, Clone, clap::Args)]
pub struct TargetArgs {
    /// The contract to check: a name from conform.toml (`v1.0`, `v2`), a
    /// `*.contract.toml` file, or `all` (the default of run and explore): every contract
    /// of the workspace, one after the other, into one set of reports. Without --target,
    /// the built-in mock serves them all (`/v1.0/{project_id}/instances`,
    /// `/v2/{project_id}/instances`).
    #[arg(long, value_name = "NAME|FILE|all")]
    pub contract: Option<PathBuf>,
    /// Base URL of the endpoint to check, e.g. https://dcs.example.com. Without it, the
    /// built-in mock is served in-process on an ephemeral loopback port.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// The project whose instances are listed (required with --target).
    #[arg(long, value_name = "ID", requires = "target")]
    pub project_id: Option<String>,
    /// A second project of the same account, for the tenancy checks (C14).
    #[arg(long, value_name = "ID", requires = "target")]
    pub other_project_id: Option<String>,
    #[command(flatten)]
    pub credentials: CredentialArgs,
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Requests in flight at once.
    #[arg(long, short = 'j', default_value_t = 16, value_name = "N")]
    pub jobs: usize,
    /// Per-request timeout, in seconds.
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    pub timeout: f64,
    /// At most this many requests per second; 0 = unlimited. Default: 10 for a target
    /// outside this machine (be gentle with real services), unlimited on loopback.
    #[arg(long, value_name = "N")]
    pub rate: Option<f64>,
    /// Largest response body accepted, in bytes.
    #[arg(long, default_value_t = 64 * 1024 * 1024, value_name = "BYTES")]
    pub max_body: usize,
    /// Page size used to walk the unfiltered list (the baseline).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub baseline_page: u32,
    /// Switch on a fault in the built-in mock (repeatable; see `conform mock --list-faults`).
    #[arg(long = "mock-fault", value_name = "NAME", conflicts_with = "target")]
    pub mock_faults: Vec<String>,
    /// Serve this data set in the built-in mock (same format as `conform mock --data`).
    #[arg(long = "mock-data", value_name = "FILE", conflicts_with = "target")]
    pub mock_data: Option<PathBuf>,
    /// Let the built-in mock's account move while it is read: one change of KIND
    /// (status, create, delete, usage, lag, mix) every EVERY list requests (default 20).
    #[arg(long = "mock-churn", value_name = "KIND[:EVERY]", conflicts_with = "target",
          value_parser = crate::mock::Churn::parse)]
    pub mock_churn: Option<crate::mock::Churn>,
    /// The seed of --mock-churn: the same seed moves the account the same way.
    #[arg(
        long = "mock-seed",
        value_name = "S",
        default_value_t = 1,
        requires = "mock_churn"
    )]
    pub mock_seed: u64,
}

/// How a real target's certificate is trusted (shared by `run` and `record`).
#[derive(Debug, Clone, clap::Args)]
pub struct TlsArgs {
    /// Also trust the CA certificate(s) in this PEM file (for a private CA).
    #[arg(long, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,
    /// Do not verify TLS certificates. Dangerous: said loudly on every run that uses it.
    #[arg(long)]
    pub insecure: bool,
}

impl TlsArgs {
    /// The loud warning `--insecure` asks for, written to `err`.
    pub fn warn(&self, err: &mut impl std::io::Write) {
        if self.insecure {
            let _ = writeln!(
                err,
                "WARNING: --insecure: TLS certificates are NOT verified; anyone on the path can read and change this run's traffic"
            );
        }
    }
}

/// Where credentials for a real target come from (shared by `run` and `record`).
#[derive(Debug, Clone, clap::Args)]
pub struct CredentialArgs {
    /// How requests are authenticated: `token` (X-Auth-Token from --token-env or
    /// --token-file), `aksk` (signed with an access key pair from HUAWEICLOUD_SDK_AK /
    /// HUAWEICLOUD_SDK_SK or --credentials-file), `none`, or `auto`: a token if one is
    /// set, else an access key pair if one is set, else none.
    #[arg(long, default_value = "auto", value_name = "SCHEME", value_parser = ["auto", "token", "aksk", "none"])]
    pub auth: String,
    /// Name of the environment variable that holds the X-Auth-Token.
    #[arg(long, value_name = "NAME", default_value = "CONFORM_TOKEN")]
    pub token_env: String,
    /// File that holds the X-Auth-Token (instead of an environment variable).
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// AK/SK credentials file: the vendor SDKs' INI file (`[basic]` with ak, sk,
    /// security_token) or the console's credentials.csv.
    #[arg(long, value_name = "PATH")]
    pub credentials_file: Option<PathBuf>,
}

/// The credentials `--auth` asks for. Errors name the variable or file, never a value.
pub fn read_credentials(
    args: &CredentialArgs,
    env: &dyn crate::auth::Env,
) -> Result<crate::auth::Credentials, crate::auth::LoadError> {
    use crate::auth::{load, Credentials, TokenSource};
    let token_source = match &args.token_file {
        Some(path) => TokenSource::File(path.clone()),
        None => TokenSource::Env(args.token_env.clone()),
    };
    let aksk = || match &args.credentials_file {
        Some(path) => load::ak_sk_from_file(path),
        None => load::ak_sk_default(env),
    };
    match args.auth.as_str() {
        "none" => Ok(Credentials::None),
        "token" => load::token(&token_source, env),
        "aksk" => aksk(),
        _ => {
            // auto: an explicit source that fails is an error; an absent one is not.
            if args.token_file.is_some() || env.var_os(&args.token_env).is_some() {
                return load::token(&token_source, env);
            }
            if args.credentials_file.is_some() {
                return aksk();
            }
            match aksk() {
                Ok(c) => Ok(c),
                Err(load::LoadError::NoAccessKey) => Ok(Credentials::None),
                Err(e) => Err(e),
            }
        }
    }
}

/// The contract a `--contract FILE` option names, loaded; `None` for the built-in one
/// (`loaded.as_ref().unwrap_or_else(Contract::embedded)`). A description that cannot
/// be loaded is said on stderr, with every located problem, and gives exit code 2.
pub fn load_contract_file(
    path: Option<&std::path::Path>,
) -> Result<Option<crate::contract::Contract>, Failure> {
    path.map(|p| crate::contract::Contract::from_file(p).map_err(Failure::input))
        .transpose()
}

/// The contract a run or an exploration checks ([`load_contract_file`]); without
/// --target, only one whose path the built-in mock serves.
pub fn load_contract(args: &TargetArgs) -> Result<Option<crate::contract::Contract>, Failure> {
    load_served_contract(args.contract.as_deref(), args.target.is_some())
}

/// [`load_contract_file`], refused when the built-in mock is the target (`remote` false)
/// and does not serve the contract's path.
pub fn load_served_contract(
    path: Option<&std::path::Path>,
    remote: bool,
) -> Result<Option<crate::contract::Contract>, Failure> {
    let Some(contract) = load_contract_file(path)? else {
        return Ok(None);
    };
    let path = path.unwrap_or(std::path::Path::new(""));
    let wanted = contract.desc().path.text();
    let served = [crate::mock::LIST_PATH, crate::mock::LIST_V2_PATH];
    if !remote && !served.contains(&wanted.as_str()) {
        return Err(Failure::input(format!(
            "{}: the built-in mock does not serve {wanted}\n  = hint: it serves {}; give --target for another endpoint",
            path.display(),
            served.join(" and ")
        )));
    }
    Ok(Some(contract))
}

/// `x > 0`, false for NaN (a `--timeout nan` must be refused, not accepted).
pub fn positive(x: f64) -> bool {
    x > 0.0
}

/// `x >= 0`, false for NaN.
pub fn non_negative(x: f64) -> bool {
    x >= 0.0
}

/// The contracts `--contract`, `--cases` and `--snapshot-dir` name ([`workspace::resolve`]),
/// each loaded (a description that does not load, or that the built-in mock does not
/// serve, is said on stderr: exit code 2). `many`: the command takes several.
pub(super) fn selected_contracts(
    contract: Option<&std::path::Path>,
    cases: Option<&std::path::Path>,
    snapshots: Option<&std::path::Path>,
    remote: bool,
    many: bool,
) -> Result<Vec<(Selected, Loaded)>, Failure> {
    let selected = workspace::resolve(workspace::Ask {
        contract,
        cases,
        snapshots,
        many,
    })
    .map_err(Failure::input)?;
    selected
        .into_iter()
        .map(|sel| {
            let contract = match &sel.description {
                None => Loaded::Builtin,
                Some(path) => match load_served_contract(Some(path), remote)? {
                    Some(c) => Loaded::File(Box::new(c)),
                    None => Loaded::Builtin,
                },
            };
            Ok((sel, contract))
        })
        .collect()
}

/// A contract as loaded for a command: the one built into conform or one read from a file.
pub(super) enum Loaded {
    Builtin,
    File(Box<Contract>),
}

impl Loaded {
    pub(super) fn get(&self) -> &Contract {
        match self {
            Loaded::Builtin => Contract::embedded(),
            Loaded::File(c) => c,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Credentials;
    use std::collections::HashMap;

    fn args(auth: &str) -> CredentialArgs {
        CredentialArgs {
            auth: auth.into(),
            token_env: "CONFORM_TOKEN".into(),
            token_file: None,
            credentials_file: None,
        }
    }

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn auto_prefers_a_token_then_an_access_key_pair_then_nothing() {
        let both = env(&[
            ("CONFORM_TOKEN", "t"),
            ("HUAWEICLOUD_SDK_AK", "a"),
            ("HUAWEICLOUD_SDK_SK", "s"),
        ]);
        assert!(matches!(
            read_credentials(&args("auto"), &both),
            Ok(Credentials::Token(_))
        ));
        let keys = env(&[("HUAWEICLOUD_SDK_AK", "a"), ("HUAWEICLOUD_SDK_SK", "s")]);
        assert!(matches!(
            read_credentials(&args("auto"), &keys),
            Ok(Credentials::AkSk { .. })
        ));
        assert!(matches!(
            read_credentials(&args("auto"), &env(&[])),
            Ok(Credentials::None)
        ));
        assert!(matches!(
            read_credentials(&args("none"), &both),
            Ok(Credentials::None)
        ));
    }

    #[test]
    fn a_missing_source_is_named_and_no_value_is_shown() {
        let e = read_credentials(&args("token"), &env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("CONFORM_TOKEN"), "{e}");
        let half = env(&[("HUAWEICLOUD_SDK_AK", "visible-ak")]);
        let e = read_credentials(&args("auto"), &half)
            .unwrap_err()
            .to_string();
        assert!(!e.contains("visible-ak"), "{e}");
    }
}
