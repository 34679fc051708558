//! `conform record`: walk a real account's unfiltered list (every page, failed instances
//! included) and save it as a mock data set, optionally with identifying values replaced,
//! so that `conform mock --data FILE` mirrors the account and a suite can be developed
//! offline. With `--answers FILE`, record instead the target's answers to a diff's
//! questions (every case and the exploration's probes), for `conform diff
//! --against-answers FILE` to compare with later.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::contract::desc::StandIn;
use crate::contract::Contract;
use crate::exec::{Client, Target};
use crate::outcome::answers::{Key, Question, Recording, Section, FORMAT};
use crate::record::Anonymizer;
use crate::runner::{listed_without, walk_list};

use super::options::{non_negative, positive, read_credentials, CredentialArgs, TlsArgs};

/// Options of `conform record`.
#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// Base URL of the endpoint, e.g. https://dcs.example.com.
    #[arg(long, value_name = "URL")]
    pub target: String,
    /// The project to record (repeatable: each becomes a project of the data set).
    #[arg(long = "project-id", value_name = "ID", required = true)]
    pub projects: Vec<String>,
    /// The contract whose list to walk: a name from conform.toml (`v1.0`, `v2`) or a
    /// `*.contract.toml` file; the built-in v1.0 one by default. With the v2 list's the
    /// recording also holds tags, small capacities and the deleted instances, marked
    /// `"deleted": true`.
    #[arg(long, value_name = "NAME|FILE")]
    pub contract: Option<PathBuf>,
    /// Where to write the data set (JSON, the `conform mock --data` format).
    #[arg(long, value_name = "FILE", required_unless_present = "answers")]
    pub out: Option<PathBuf>,
    /// Record the target's answers instead: every case's and the exploration's questions
    /// (as `conform diff` asks them), each answer reduced to its statuses, error codes,
    /// totals, verdicts, readings and hashes of its ids and members (never a body), into
    /// FILE with what was asked, when and of which endpoint. `conform diff
    /// --against-answers FILE` compares a target with it later. Every contract by
    /// default.
    #[arg(long, value_name = "FILE", conflicts_with = "out")]
    pub answers: Option<PathBuf>,
    /// With --answers: generated questions added to the cases' (0 = the cases only).
    #[arg(long, default_value_t = crate::runner::explore::DEFAULT_BUDGET, value_name = "N")]
    pub explore: usize,
    /// With --answers: the seed of the generated questions.
    #[arg(long, default_value_t = 0, value_name = "S")]
    pub seed: u64,
    /// With --answers --anonymize: the environment variable holding the key identifying
    /// values are replaced with. Keep it: a later recording or diff with the same key
    /// compares value for value; without it, only behaviour compares.
    #[arg(long, value_name = "NAME", default_value = "CONFORM_ANONYMIZE_KEY")]
    pub anonymize_key_env: String,
    /// Replace identifying values (the contract's `[record] anonymize` members: user names
    /// and ids, instance ids, addresses, VPC, subnet and security-group ids, domain names,
    /// order and project ids, descriptions, tag values) with stable stand-ins of the same
    /// form; nulls, empty strings, list lengths and instance names stay.
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
    if let Some(path) = &args.answers {
        return record_answers(&args, path).await;
    }
    let Some(out) = args.out.clone() else {
        return crate::exit::INPUT_INVALID;
    };
    if args.contract.as_deref() == Some(std::path::Path::new(crate::workspace::ALL)) {
        let _ = writeln!(
            anstream::stderr(),
            "error: record walks one contract's list into one data set\n  = hint: give one: --contract v1.0 or --contract v2"
        );
        return crate::exit::INPUT_INVALID;
    }
    let loaded = match &args.contract {
        None => super::options::Loaded::Builtin,
        Some(file) if file.is_file() => match super::options::load_contract_file(Some(file)) {
            Ok(c) => c.map_or(super::options::Loaded::Builtin, |c| {
                super::options::Loaded::File(Box::new(c))
            }),
            Err(f) => return f.report(),
        },
        Some(_) => {
            match super::options::selected_contracts(
                args.contract.as_deref(),
                None,
                None,
                true,
                false,
            ) {
                Ok(mut c) => c.remove(0).1,
                Err(f) => return f.report(),
            }
        }
    };
    let contract = loaded.get();
    let desc = contract.desc();
    let mut err = anstream::stderr();
    let credentials = match read_credentials(&args.credentials, &crate::auth::ProcessEnv) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return crate::exit::INPUT_INVALID;
        }
    };
    if reqwest::Url::parse(&args.target).is_err()
        || !positive(args.timeout)
        || !non_negative(args.rate)
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
        let list = match walk_marked(&client, desc, project, args.page).await {
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
            let unjudged = undescribed(contract, &list);
            if !unjudged.is_empty() {
                let _ = writeln!(
                    err,
                    "warning: project {project}: kept as recorded, described neither by the response schema nor by [record] anonymize: {}\n  = hint: check them before sharing {}",
                    unjudged.join(", "),
                    out.display()
                );
            }
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
    if let Err(e) = crate::mock::DataSet::from_json(data.clone(), &out.display().to_string()) {
        let _ = writeln!(
            err,
            "error: the recorded list is not a valid data set (the target breaks the schema):\n{e}"
        );
        return crate::exit::CONTRACT_BROKEN;
    }
    let text = serde_json::to_string_pretty(&data).unwrap_or_default() + "\n";
    if let Err(e) = crate::report::write_atomic(&out, &crate::secret::Redactor::new(), &text) {
        let _ = writeln!(err, "error: cannot write {}: {e}", out.display());
        return crate::exit::INPUT_INVALID;
    }
    let _ = writeln!(err, "wrote {}", out.display());
    crate::exit::SUCCESS
}

/// `conform record --answers`: every contract's questions asked of the target, the
/// answers reduced and, with --anonymize, keyed; one file, written whole or not at all.
async fn record_answers(args: &RecordArgs, path: &std::path::Path) -> u8 {
    let mut err = anstream::stderr();
    if !positive(args.timeout) || !non_negative(args.rate) {
        let _ = writeln!(
            err,
            "error: --timeout must be positive and --rate 0 or more"
        );
        return crate::exit::INPUT_INVALID;
    }
    let contracts = match super::options::selected_contracts(
        args.contract.as_deref(),
        None,
        None,
        true,
        true,
    ) {
        Ok(c) => c,
        Err(f) => return f.report(),
    };
    let target = answers_target(args);
    let key = args.anonymize.then(|| anonymize_key(args));
    let mut sections = Vec::new();
    let mut redactor = crate::secret::Redactor::new();
    for (sel, contract) in &contracts {
        let contract = contract.get();
        let cases = match crate::case::load_dir(&sel.cases, contract) {
            Ok(c) => c,
            Err(e) => {
                let _ = writeln!(err, "{e}");
                return crate::exit::INPUT_INVALID;
            }
        };
        let spec = match super::run::reach_target(&target).await {
            Ok((spec, _)) => spec,
            Err(f) => return f.report(),
        };
        spec.credentials.register(&mut redactor);
        let asked = async {
            let (questions, _) = super::diff::plan_questions(
                &target,
                &spec,
                contract,
                cases,
                args.explore,
                args.seed,
            )
            .await?;
            let sides = super::diff::ask(&sel.name, contract, &questions, &target, &spec).await?;
            Ok::<_, crate::runner::RunError>((questions, sides))
        };
        let (questions, sides) = match asked.await {
            Ok(q) => q,
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return crate::exit::TARGET_UNREACHABLE;
            }
        };
        let _ = writeln!(err, "{}: {} questions answered", sel.name, questions.len());
        sections.push(Section {
            contract: sel.name.clone(),
            explore: args.explore,
            seed: args.seed,
            questions: questions
                .iter()
                .zip(sides)
                .map(|(q, side)| Question {
                    name: q.name.clone(),
                    rules: q.rules.iter().map(ToString::to_string).collect(),
                    side: key.as_ref().map_or_else(|| side.clone(), |k| k.side(&side)),
                })
                .collect(),
        });
    }
    let text = serde_json::to_string_pretty(&recording(args, key.as_ref(), sections))
        .unwrap_or_default()
        + "\n";
    if let Err(e) = crate::report::write_atomic(path, &redactor, &text) {
        let _ = writeln!(err, "error: cannot write {}: {e}", path.display());
        return crate::exit::INPUT_INVALID;
    }
    let _ = writeln!(err, "wrote {}", path.display());
    crate::exit::SUCCESS
}

/// The target `record --answers` asks, as `run` would name it.
fn answers_target(args: &RecordArgs) -> super::options::TargetArgs {
    super::options::TargetArgs {
        contract: None,
        target: Some(args.target.clone()),
        project_id: args.projects.first().cloned(),
        other_project_id: args.projects.get(1).cloned(),
        credentials: args.credentials.clone(),
        tls: args.tls.clone(),
        jobs: 8,
        timeout: args.timeout,
        rate: Some(args.rate),
        max_body: 256 * 1024 * 1024,
        baseline_page: args.page,
        mock_faults: Vec::new(),
        mock_data: None,
        mock_churn: None,
        mock_seed: 1,
    }
}

/// The key identifying values are replaced with: the user's, or one nobody keeps.
fn anonymize_key(args: &RecordArgs) -> Key {
    match std::env::var(&args.anonymize_key_env)
        .ok()
        .filter(|k| !k.is_empty())
    {
        Some(k) => Key::new(k.as_bytes()),
        None => {
            let _ = writeln!(
                anstream::stderr(),
                "warning: ${} is not set: the answers are anonymised with a key nobody keeps, so a later diff compares only their behaviour, not their values\n  = hint: set it to a secret you keep to compare values later",
                args.anonymize_key_env
            );
            Key::random()
        }
    }
}

/// The recording: what was asked, when, of which endpoint, and the answers.
fn recording(args: &RecordArgs, key: Option<&Key>, sections: Vec<Section>) -> Recording {
    let now = time::OffsetDateTime::now_utc();
    Recording {
        format: FORMAT.to_string(),
        comment: "answers recorded by conform record --answers: compare with conform diff --against-answers FILE".into(),
        recorded_at: now
            .replace_nanosecond(0)
            .unwrap_or(now)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        endpoint: if args.anonymize {
            "a real account (identifying values replaced)".into()
        } else {
            args.target.trim_end_matches('/').to_string()
        },
        conform: env!("CARGO_PKG_VERSION").into(),
        anonymized: args.anonymize,
        key_check: key.map(Key::check),
        contracts: sections,
    }
}

/// The members of recorded items, first seen first, that carry a value and that the
/// contract neither documents nor anonymizes: nobody has judged whether they identify
/// the account, so `--anonymize` says so rather than pretend they are safe.
fn undescribed(contract: &Contract, list: &[Value]) -> Vec<String> {
    let desc = contract.desc();
    let known = contract.item_members();
    let mut found: Vec<String> = Vec::new();
    for (member, v) in list.iter().filter_map(Value::as_object).flatten() {
        let judged = known.contains(member)
            || desc.anonymize.iter().any(|(f, _)| f == member)
            || desc
                .hidden
                .iter()
                .any(|h| h.learnt.is_some() && h.noun == *member);
        if !judged && !v.is_null() && !found.contains(member) {
            found.push(member.clone());
        }
    }
    found
}

/// The project's whole list, hidden items included, with the items a learnt hidden rule
/// hides (those the list holds only with its flag) marked by the rule's name set to true:
/// `"deleted": true`, as the mock's data format has it.
async fn walk_marked(
    client: &Client,
    desc: &crate::contract::Desc,
    project: &str,
    page: u32,
) -> Result<Result<Vec<Value>, crate::exec::NoBaseline>, crate::exec::Unreachable> {
    let mut list = match walk_list(client, desc, project, page).await? {
        Ok(list) => list,
        Err(e) => return Ok(Err(e)),
    };
    for h in desc.hidden.iter().filter(|h| h.learnt.is_some()) {
        let without = match listed_without(client, desc, project, page, h).await? {
            Ok(ids) => ids,
            Err(e) => return Ok(Err(e)),
        };
        for item in &mut list {
            let id = item
                .get(&desc.id)
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !without.contains(id) {
                item[h.noun.as_str()] = Value::Bool(true);
            }
        }
    }
    Ok(Ok(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// --anonymize names what it cannot judge: a member beyond the response schema and the
    /// anonymize list, with a value; not the documented members, the anonymized ones,
    /// the `deleted` mark it adds itself, nor an extra member that is null.
    #[test]
    fn members_nobody_judged_are_named() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("schemas/v2/list-instances.contract.toml");
        let v2 = Contract::from_file(&path).unwrap();
        let list = [
            json!({"name": "a", "status": "RUNNING", "user_id": "u", "deleted": true,
                   "owner_email": "alice@example.com", "x_null": null}),
            json!({"name": "b", "owner_email": "bob@example.com", "cost": 3}),
        ];
        assert_eq!(undescribed(&v2, &list), ["owner_email", "cost"]);
        assert!(undescribed(&v2, &list[..0]).is_empty());
    }
}
