//! `conform record` (issue 7): recording the built-in mock and serving the recording
//! gives the same data, and the suite passes against it, anonymized or not.

use std::path::Path;
use std::process::Output;

use conform::mock::{spawn, DataSet, MockConfig, MAIN_PROJECT, OTHER_PROJECT};
use serde_json::{json, Value};

use crate::support::{self, text};

fn conform(args: &[&str], token: &str) -> Output {
    support::conform(args, &[("CONFORM_TOKEN", token)])
}

fn ids(v: &serde_json::Value, project: &str) -> Vec<String> {
    select(v, project, |_| true)
}

/// The sorted ids of a project's instances that `keep` keeps.
fn select(
    v: &serde_json::Value,
    project: &str,
    keep: impl Fn(&serde_json::Value) -> bool,
) -> Vec<String> {
    let mut ids: Vec<String> = v["projects"][project]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| keep(i))
        .map(|i| i["instance_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn deleted(i: &serde_json::Value) -> bool {
    i["deleted"] == true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recording_the_mock_round_trips_and_the_suite_passes_against_it() {
    let token = "record-test-token";
    let mock = crate::support::mock_with_token(token).await;
    let url = mock.base_url();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.json");
    let anon = dir.path().join("anon.json");
    let (plain_s, anon_s) = (
        plain.to_str().unwrap().to_string(),
        anon.to_str().unwrap().to_string(),
    );
    let (o1, o2) = tokio::task::spawn_blocking(move || {
        let base = [
            "record",
            "--target",
            &url,
            "--project-id",
            MAIN_PROJECT,
            "--project-id",
            OTHER_PROJECT,
            "--page",
            "7",
            "--rate",
            "0",
        ];
        let mut a = base.to_vec();
        a.extend(["--out", &plain_s]);
        let o1 = conform(&a, token);
        let mut b = base.to_vec();
        b.extend(["--out", &anon_s, "--anonymize"]);
        let o2 = conform(&b, token);
        (o1, o2)
    })
    .await
    .unwrap();
    mock.shutdown().await;
    assert_eq!(o1.status.code(), Some(0), "{}", text(&o1));
    assert_eq!(o2.status.code(), Some(0), "{}", text(&o2));
    assert!(!text(&o1).contains(token));

    // Same instances as the mock serves, walked in pages of 7: the v1.0 list never
    // shows a deleted instance, so the recording has none.
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plain).unwrap()).unwrap();
    let builtin = DataSet::builtin().to_json();
    for p in [MAIN_PROJECT, OTHER_PROJECT] {
        assert_eq!(
            ids(&recorded, p),
            select(&builtin, p, |i| !deleted(i)),
            "project {p}"
        );
    }
    assert!(!select(&builtin, MAIN_PROJECT, deleted).is_empty());
    DataSet::from_file(&plain).expect("a valid data set");

    // Anonymized: no real user id, ip or instance id is left, names are kept.
    let anon_text = std::fs::read_to_string(&anon).unwrap();
    let builtin_text = builtin.to_string();
    for inst in builtin["projects"][MAIN_PROJECT].as_array().unwrap() {
        for field in ["instance_id", "ip", "user_id"] {
            let v = inst[field].as_str().unwrap();
            assert!(
                !anon_text.contains(&format!("\"{v}\"")),
                "{field} {v} survived"
            );
        }
    }
    assert!(anon_text.contains("\"name\""));
    assert!(builtin_text.len() > 1000);

    // The suite means the same against the recordings.
    for file in [&plain, &anon] {
        let f = file.to_str().unwrap().to_string();
        let o = tokio::task::spawn_blocking(move || {
            conform(&["run", "--mock-data", &f, "--snapshots", "off"], "x")
        })
        .await
        .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    }
}

/// Recording the v2 list (issue 17) keeps what v2 adds: the deleted instances (learnt
/// from the list with and without include_delete, marked `"deleted": true`), tags and
/// small capacities; the recording serves both lists, and both suites pass against it,
/// the v2 suite against an anonymized recording too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recording_the_v2_list_keeps_deleted_instances_tags_and_small_capacities() {
    let mock = spawn(MockConfig::builtin(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let url = mock.base_url();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v2.json");
    let out_s = out.to_str().unwrap().to_string();
    let o = tokio::task::spawn_blocking(move || {
        conform(
            &[
                "record",
                "--target",
                &url,
                "--auth",
                "none",
                "--contract",
                "schemas/v2/list-instances.contract.toml",
                "--project-id",
                MAIN_PROJECT,
                "--page",
                "9",
                "--rate",
                "0",
                "--out",
                &out_s,
            ],
            "x",
        )
    })
    .await
    .unwrap();
    let anon = dir.path().join("v2-anon.json");
    let anon_o = record_v2(mock.base_url(), MAIN_PROJECT, &anon, true).await;
    mock.shutdown().await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(anon_o.status.code(), Some(0), "{}", text(&anon_o));
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let builtin = DataSet::builtin().to_json();
    assert_eq!(ids(&recorded, MAIN_PROJECT), ids(&builtin, MAIN_PROJECT));
    assert_eq!(
        select(&recorded, MAIN_PROJECT, deleted),
        select(&builtin, MAIN_PROJECT, deleted)
    );
    let with = |member: &str| {
        select(&builtin, MAIN_PROJECT, |i| {
            i.get(member)
                .is_some_and(|v| !v.is_null() && v != &serde_json::json!([]))
        })
    };
    for member in ["tags", "capacity_minor"] {
        assert!(!with(member).is_empty(), "{member}");
        let recorded_with = select(&recorded, MAIN_PROJECT, |i| {
            i.get(member)
                .is_some_and(|v| !v.is_null() && v != &serde_json::json!([]))
        });
        assert_eq!(recorded_with, with(member), "{member}");
    }
    // Recorded in the v2 shape, served as the data format: both suites pass.
    let data = DataSet::from_file(&out).expect("a valid data set");
    assert_eq!(
        data.instances(MAIN_PROJECT).unwrap().len(),
        builtin["projects"][MAIN_PROJECT].as_array().unwrap().len()
    );
    // ... and so does the v2 suite against the anonymized recording: the addresses of a
    // cluster, the tag pairs and the ids it draws are stand-ins that keep their relations.
    let (f, fa) = (
        out.to_str().unwrap().to_string(),
        anon.to_str().unwrap().to_string(),
    );
    let o = tokio::task::spawn_blocking(move || {
        let v2 = |data: &str| {
            conform(
                &[
                    "run",
                    "--mock-data",
                    data,
                    "--contract",
                    V2_CONTRACT,
                    "--cases",
                    "cases/v2",
                    "--snapshots",
                    "off",
                ],
                "x",
            )
        };
        let v1 = conform(&["run", "--mock-data", &f, "--snapshots", "off"], "x");
        (v1, v2(&f), v2(&fa))
    })
    .await
    .unwrap();
    assert_eq!(o.0.status.code(), Some(0), "{}", text(&o.0));
    assert_eq!(o.1.status.code(), Some(0), "{}", text(&o.1));
    assert_eq!(o.2.status.code(), Some(0), "{}", text(&o.2));
}

/// The project of [`acme_account`]: recognisable, like every identifying value in it.
const ACME_PROJECT: &str = "ac3e5ec7ac3e5ec7ac3e5ec7ac3e5ec7";

/// An account whose v2 answers hold what a real account's do and the built-in data does
/// not: the nulls the page allows (V17), an empty `ip` (a failed instance), a cluster's
/// address list (V9), tags (V8), a small capacity (V10), a public address, a read-only
/// domain name, and a recognisable value (`acme`, `ac3e…`, `172.31.77.…`) in every
/// member that can tell whose account it is. Two instances share a VPC, a user and a tag
/// value, so that relations can be seen to survive.
fn acme_account() -> Value {
    let base = DataSet::builtin().instances(MAIN_PROJECT).unwrap()[0].clone();
    let shared = json!({
        "vpc_id": "ac3e0001-5ec7-4e7a-9c11-0000000000a1",
        "vpc_name": "acme-prod-vpc",
        "subnet_id": "ac3e0002-5ec7-4e7a-9c11-0000000000a2",
        "security_group_id": "ac3e0003-5ec7-4e7a-9c11-0000000000a3",
        "user_id": "ac3e5ec7000000000000000000000a11",
        "user_name": "alice_acme",
        "domainName": "",
    });
    let make = |own: Value| {
        let mut i = base.clone();
        for (k, v) in shared
            .as_object()
            .unwrap()
            .iter()
            .chain(own.as_object().unwrap())
        {
            i[k] = v.clone();
        }
        i
    };
    let owner = json!({"key": "owner", "value": "alice-acme"});
    json!({"projects": {ACME_PROJECT: [
        make(json!({
            "name": "orders", "instance_id": "ac3e1001-5ec7-4e7a-9c11-000000001001",
            "ip": "172.31.77.11", "domain_name": null, "created_at": "2024-06-01T10:00:00Z",
            "capacity_minor": null, "publicip_id": null, "publicip_address": null,
            "order_id": null, "access_user": null, "enterprise_project_id": "0",
            "description": "", "service_task_id": "", "tags": [],
        })),
        make(json!({
            "name": "sessions", "instance_id": "ac3e1002-5ec7-4e7a-9c11-000000001002",
            "ip": "172.31.77.21,172.31.77.22,172.31.77.23",
            "domainName": "redis-sessions.acme-corp.example",
            "readonly_domain_name": "readonly-sessions.acme-corp.example",
            "resource_spec_code": "dcs.cluster", "charging_mode": 1,
            "created_at": "2024-06-02T10:00:00Z", "capacity_minor": "",
            "publicip_id": "ac3e2001-5ec7-4e7a-9c11-000000002001",
            "publicip_address": "121.36.77.5", "enable_publicip": true,
            "order_id": "CS2405ACME0RDER1", "access_user": "acme_svc",
            "enterprise_project_id": "ac3e3001-5ec7-4e7a-9c11-000000003001",
            "service_upgrade": true, "service_task_id": "ac3e4001-5ec7-4e7a-9c11-000000004001",
            "description": "payments cache, owner alice@acme.example",
            "tags": [owner, {"key": "cost-centre", "value": "cc-4711-acme"}],
        })),
        make(json!({
            "name": "tiny", "instance_id": "ac3e1003-5ec7-4e7a-9c11-000000001003",
            "ip": "172.31.77.31", "capacity": 0, "capacity_minor": ".125",
            "created_at": "2024-06-03T10:00:00Z", "tags": [owner],
        })),
        make(json!({
            "name": "old", "instance_id": "ac3e1004-5ec7-4e7a-9c11-000000001004",
            "ip": "172.31.77.41", "created_at": "2024-05-01T10:00:00Z", "deleted": true,
        })),
        make(json!({
            "name": "broken", "instance_id": "ac3e1005-5ec7-4e7a-9c11-000000001005",
            "ip": "", "status": "CREATEFAILED", "created_at": "2024-06-04T10:00:00Z",
        })),
    ]}})
}

/// Serves `data` on a loopback port.
async fn serve(data: DataSet) -> conform::mock::RunningMock {
    spawn(
        MockConfig {
            data,
            ..MockConfig::builtin()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

/// Records `url`'s project with the v2 contract into `out`; the run's output.
async fn record_v2(url: String, project: &str, out: &Path, anonymize: bool) -> Output {
    let (project, out) = (project.to_string(), out.to_str().unwrap().to_string());
    tokio::task::spawn_blocking(move || {
        let mut args = vec![
            "record",
            "--target",
            &url,
            "--auth",
            "none",
            "--contract",
            V2_CONTRACT,
            "--project-id",
            &project,
            "--page",
            "2",
            "--rate",
            "0",
            "--out",
            &out,
        ];
        if anonymize {
            args.push("--anonymize");
        }
        conform(&args, "x")
    })
    .await
    .unwrap()
}

const V2_CONTRACT: &str = "schemas/v2/list-instances.contract.toml";

/// A v2 list answer of `project`, every instance (V6, V7) on one page, with `query` added.
async fn v2_list(base: &str, project: &str, query: &str) -> Value {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let r = reqwest::get(format!(
        "{base}/v2/{project}/instances?limit=1000&include_failure=true&include_delete=true{query}"
    ))
    .await
    .expect("the mock answers");
    assert_eq!(r.status(), 200);
    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
}

/// The one project of a recording.
fn only_project(recorded: &Value) -> String {
    let projects = recorded["projects"].as_object().unwrap();
    assert_eq!(projects.len(), 1);
    projects.keys().next().unwrap().clone()
}

/// `b` has `a`'s form: the same members, JSON types, nulls, empty strings, list lengths
/// and, in `ip`, as many comma-separated addresses (V9).
fn same_form(a: &Value, b: &Value, at: &str) {
    match (a, b) {
        (Value::Null, Value::Null)
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Number(_), Value::Number(_)) => {}
        (Value::String(x), Value::String(y)) => {
            assert_eq!(x.is_empty(), y.is_empty(), "{at}: {x:?} became {y:?}");
            if at.ends_with(".ip") {
                assert_eq!(
                    x.split(',').count(),
                    y.split(',').count(),
                    "{at}: {x:?} became {y:?}"
                );
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}: {a} became {b}");
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                same_form(x, y, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            let mut xk: Vec<&String> = x.keys().collect();
            let mut yk: Vec<&String> = y.keys().collect();
            xk.sort();
            yk.sort();
            assert_eq!(xk, yk, "{at}: members");
            for (k, v) in x {
                same_form(v, &y[k], &format!("{at}.{k}"));
            }
        }
        _ => panic!("{at}: {a} became {b}"),
    }
}

/// Recording a v2 target and serving the recording (`conform mock --data` reads it with
/// `DataSet::from_file`, as here) gives back the v2 answer member by member: without
/// --anonymize the very same answer (a null or empty `domain_name` came back made up);
/// with it the same members, types, nulls, empty strings, list lengths and cluster
/// address counts, every member the contract does not anonymize equal, and an address
/// of the cluster still finds it (V9).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v2_recording_serves_back_the_v2_answer_member_by_member() {
    let source = serve(DataSet::from_json(acme_account(), "acme").unwrap()).await;
    let want = v2_list(&source.base_url(), ACME_PROJECT, "").await;
    assert_eq!(want["instance_num"], 5, "{want}");
    let dir = tempfile::tempdir().unwrap();
    let (plain, anon) = (dir.path().join("plain.json"), dir.path().join("anon.json"));
    let o1 = record_v2(source.base_url(), ACME_PROJECT, &plain, false).await;
    let o2 = record_v2(source.base_url(), ACME_PROJECT, &anon, true).await;
    source.shutdown().await;
    assert_eq!(o1.status.code(), Some(0), "{}", text(&o1));
    assert_eq!(o2.status.code(), Some(0), "{}", text(&o2));
    assert!(!text(&o2).contains("warning"), "{}", text(&o2));

    let contract = conform::contract::Contract::from_file(Path::new(V2_CONTRACT)).unwrap();
    let replaced: Vec<&str> = contract
        .desc()
        .anonymize
        .iter()
        .map(|(m, _)| m.as_str())
        .collect();
    for (file, anonymized) in [(&plain, false), (&anon, true)] {
        let recorded: Value =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let project = only_project(&recorded);
        let mock = serve(DataSet::from_file(file).expect("a valid data set")).await;
        let got = v2_list(&mock.base_url(), &project, "").await;
        if !anonymized {
            assert_eq!(project, ACME_PROJECT);
            assert_eq!(got, want);
            mock.shutdown().await;
            continue;
        }
        assert_ne!(project, ACME_PROJECT);
        same_form(&want, &got, "answer");
        let (w, g) = (
            want["instances"].as_array().unwrap(),
            got["instances"].as_array().unwrap(),
        );
        for (w, g) in w.iter().zip(g) {
            for (member, value) in w.as_object().unwrap() {
                if !replaced.contains(&member.as_str()) {
                    assert_eq!(&g[member], value, "{} {member}", w["name"]);
                }
            }
            for address in g["ip"]
                .as_str()
                .unwrap()
                .split(',')
                .filter(|a| !a.is_empty())
            {
                assert!(address.parse::<std::net::Ipv4Addr>().is_ok(), "{g}");
            }
        }
        let cluster = g.iter().find(|i| i["name"] == "sessions").unwrap();
        assert!(cluster["publicip_address"]
            .as_str()
            .unwrap()
            .parse::<std::net::Ipv4Addr>()
            .is_ok());
        assert_eq!(cluster["enterprise_project_id"].as_str().unwrap().len(), 36);
        let second = cluster["ip"].as_str().unwrap().split(',').nth(1).unwrap();
        let found = v2_list(&mock.base_url(), &project, &format!("&ip={second}")).await;
        assert_eq!(found["instances"][0]["name"], "sessions", "{found}");
        assert_eq!(found["instance_num"], 1, "{found}");
        // One VPC, one user and one tag value stay one.
        let tiny = g.iter().find(|i| i["name"] == "tiny").unwrap();
        for member in ["vpc_id", "user_id", "user_name"] {
            assert_eq!(cluster[member], tiny[member], "{member}");
        }
        assert_eq!(cluster["tags"][0], tiny["tags"][0]);
        mock.shutdown().await;
    }
}

/// --anonymize leaves nothing that can tell whose account was recorded: no value of an
/// identifying member (each address of a cluster's list, each tag value, the project id)
/// appears anywhere in the written file, nor does the account's mark `acme`. What stays:
/// instance names, tag keys, the default enterprise project "0".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymized_v2_recording_holds_no_identifying_value() {
    let source = serve(DataSet::from_json(acme_account(), "acme").unwrap()).await;
    let answer = v2_list(&source.base_url(), ACME_PROJECT, "").await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("anon.json");
    let o = record_v2(source.base_url(), ACME_PROJECT, &out, true).await;
    source.shutdown().await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let written = std::fs::read_to_string(&out).unwrap();

    let identifying = [
        "instance_id",
        "ip",
        "publicip_id",
        "publicip_address",
        "vpc_id",
        "vpc_name",
        "subnet_id",
        "security_group_id",
        "domain_name",
        "readonly_domain_name",
        "access_user",
        "user_id",
        "user_name",
        "order_id",
        "enterprise_project_id",
        "service_task_id",
        "description",
    ];
    let mut secrets = vec![ACME_PROJECT.to_string()];
    for inst in answer["instances"].as_array().unwrap() {
        for member in identifying {
            if let Some(v) = inst[member].as_str() {
                secrets.push(v.to_string());
                secrets.extend(v.split(',').map(String::from));
            }
        }
        for tag in inst["tags"].as_array().unwrap() {
            secrets.push(tag["value"].as_str().unwrap().to_string());
        }
    }
    secrets.retain(|s| !s.is_empty() && s != "0");
    assert!(secrets.len() > 40, "{secrets:?}");
    for s in &secrets {
        assert!(
            !written.contains(s.as_str()),
            "{s:?} is in the file:\n{written}"
        );
    }
    for mark in ["acme", "ac3e", "172.31.", "121.36."] {
        assert!(!written.to_lowercase().contains(mark), "{mark}:\n{written}");
    }
    assert!(written.contains("\"sessions\"") && written.contains("\"cost-centre\""));
    assert!(written.contains("\"enterprise_project_id\": \"0\""));
}
