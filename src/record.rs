//! `conform record`: walk a real account's unfiltered list (every page, failed instances
//! included) and save it as a mock data set, optionally with identifying values replaced,
//! so that `conform mock --data FILE` mirrors the account and a suite can be developed
//! offline.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::contract::desc::{Desc, StandIn};
use crate::contract::Contract;
use crate::exec::{Client, Target};
use crate::run::{read_credentials, walk_list, CredentialArgs, TlsArgs};

/// Options of `conform record`.
#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// Base URL of the endpoint, e.g. https://dcs.example.com.
    #[arg(long, value_name = "URL")]
    pub target: String,
    /// The project to record (repeatable: each becomes a project of the data set).
    #[arg(long = "project-id", value_name = "ID", required = true)]
    pub projects: Vec<String>,
    /// Where to write the data set (JSON, the `conform mock --data` format).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Replace identifying values (user names and ids, instance ids, IPs, VPC ids and
    /// names, domain names) with stable stand-ins; instance names and everything the
    /// filters look at keep their shape.
    #[arg(long)]
    pub anonymize: bool,
    #[command(flatten)]
    pub credentials: CredentialArgs,
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Page size for the walk.
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub page: u32,
    /// At most this many requests per second; 0 = unlimited.
    #[arg(long, default_value_t = 10.0, value_name = "N")]
    pub rate: f64,
    /// Per-request timeout, in seconds.
    #[arg(long, default_value_t = 30.0, value_name = "SECS")]
    pub timeout: f64,
}

/// Runs `conform record`; returns the exit code.
pub async fn command(args: RecordArgs) -> u8 {
    let desc = Contract::embedded().desc();
    let mut err = anstream::stderr();
    let credentials = match read_credentials(&args.credentials, &crate::auth::ProcessEnv) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return crate::exit::INPUT_INVALID;
        }
    };
    if reqwest::Url::parse(&args.target).is_err()
        || !crate::run::positive(args.timeout)
        || !crate::run::non_negative(args.rate)
    {
        let _ = writeln!(
            err,
            "error: --target must be a URL, --timeout positive and --rate 0 or more"
        );
        return crate::exit::INPUT_INVALID;
    }
    args.tls.warn(&mut err);
    let client = match Client::new(Target {
        base_url: args.target.trim_end_matches('/').to_string(),
        credentials,
        ca_cert: args.tls.ca_cert.clone(),
        insecure: args.tls.insecure,
        timeout: Duration::from_secs_f64(args.timeout),
        max_body: 256 * 1024 * 1024,
        rate: (args.rate > 0.0).then_some(args.rate),
        jobs: 1,
        token_header: desc.token_header.clone(),
    }) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return crate::exit::INPUT_INVALID;
        }
    };
    let mut projects = Map::new();
    let mut anon = Anonymizer::default();
    for project in &args.projects {
        let list = match walk_list(&client, desc, project, args.page).await {
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return crate::exit::TARGET_UNREACHABLE;
            }
            Ok(Err(e)) => {
                let _ = writeln!(err, "error: project {project}: {e}");
                return crate::exit::CONTRACT_BROKEN;
            }
            Ok(Ok(list)) => list,
        };
        let list: Vec<Value> = if args.anonymize {
            list.into_iter().map(|i| anon.instance(desc, i)).collect()
        } else {
            list
        };
        let _ = writeln!(err, "project {project}: {} instances", list.len());
        let key = if args.anonymize {
            anon.replace("project", StandIn::Id, project)
        } else {
            project.clone()
        };
        projects.insert(key, Value::Array(list));
    }
    let data = json!({
        "comment": format!(
            "recorded by conform record from {}{}",
            if args.anonymize { "a real account" } else { args.target.as_str() },
            if args.anonymize { " (identifying values replaced)" } else { "" }
        ),
        "projects": projects,
    });
    // What the mock will refuse should be said now, not when someone serves the file.
    if let Err(e) = crate::mock::DataSet::from_json(data.clone(), &args.out.display().to_string()) {
        let _ = writeln!(
            err,
            "error: the recorded list is not a valid data set (the target breaks the schema):\n{e}"
        );
        return crate::exit::CONTRACT_BROKEN;
    }
    let text = serde_json::to_string_pretty(&data).unwrap_or_default() + "\n";
    if let Err(e) = crate::report::write_atomic(&args.out, &crate::secret::Redactor::new(), &text) {
        let _ = writeln!(err, "error: cannot write {}: {e}", args.out.display());
        return crate::exit::INPUT_INVALID;
    }
    let _ = writeln!(err, "wrote {}", args.out.display());
    crate::exit::SUCCESS
}

/// Replaces identifying values with stand-ins, the same value always by the same
/// stand-in, so relations (two instances in one VPC, one user) survive.
#[derive(Default)]
pub struct Anonymizer {
    seen: HashMap<(String, String), String>,
    counts: HashMap<String, usize>,
}

impl Anonymizer {
    /// The stand-in for `value` of kind `kind`, looking like `look`.
    pub fn replace(&mut self, kind: &str, look: StandIn, value: &str) -> String {
        if value.is_empty() {
            return String::new();
        }
        if let Some(s) = self.seen.get(&(kind.to_string(), value.to_string())) {
            return s.clone();
        }
        let n = {
            let c = self.counts.entry(kind.to_string()).or_default();
            *c += 1;
            *c
        };
        let stand_in = match look {
            StandIn::Uuid => format!("00000000-0000-4000-8000-{n:012}"),
            StandIn::Id => format!("{kind}-{n:04}").replace('_', "-"),
            StandIn::Ipv4 => format!("10.{}.{}.{}", n / 65_536 % 256, n / 256 % 256, n % 256),
            StandIn::Tenant => format!("tenant-{n}"),
            StandIn::Name => format!("{kind}-{n}").replace('_', "-"),
        };
        self.seen
            .insert((kind.to_string(), value.to_string()), stand_in.clone());
        stand_in
    }

    /// An item with the description's identifying members replaced.
    pub fn instance(&mut self, desc: &Desc, mut v: Value) -> Value {
        if let Some(obj) = v.as_object_mut() {
            for (field, look) in &desc.anonymize {
                if let Some(Value::String(s)) = obj.get(field) {
                    let r = self.replace(field, *look, &s.clone());
                    obj.insert(field.to_string(), Value::String(r));
                }
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_ins_are_stable_and_keep_relations() {
        let mut a = Anonymizer::default();
        let desc = crate::contract::Contract::embedded().desc();
        let x = a.instance(
            desc,
            json!({"user_id": "u-real", "ip": "192.168.1.5", "vpc_id": "v", "name": "keep-me"}),
        );
        let y = a.instance(
            desc,
            json!({"user_id": "u-real", "ip": "192.168.1.6", "vpc_id": "v"}),
        );
        assert_eq!(x["user_id"], y["user_id"], "one user stays one user");
        assert_ne!(x["ip"], y["ip"]);
        assert_eq!(x["name"], "keep-me");
        assert!(!x.to_string().contains("192.168") && !x.to_string().contains("u-real"));
    }
}
