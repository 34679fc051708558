//! `conform record` (issue 7): recording the built-in mock and serving the recording
//! gives the same data, and the suite passes against it, anonymized or not.

use std::process::Output;

use conform::mock::{spawn, DataSet, MockConfig, MAIN_PROJECT, OTHER_PROJECT};

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
/// small capacities; the recording serves both lists, and both suites pass against it.
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
    mock.shutdown().await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
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
    let f = out.to_str().unwrap().to_string();
    let o = tokio::task::spawn_blocking(move || {
        let v1 = conform(&["run", "--mock-data", &f, "--snapshots", "off"], "x");
        let v2 = conform(
            &[
                "run",
                "--mock-data",
                &f,
                "--contract",
                "schemas/v2/list-instances.contract.toml",
                "--cases",
                "cases/v2",
                "--snapshots",
                "off",
            ],
            "x",
        );
        (v1, v2)
    })
    .await
    .unwrap();
    assert_eq!(o.0.status.code(), Some(0), "{}", text(&o.0));
    assert_eq!(o.1.status.code(), Some(0), "{}", text(&o.1));
}
