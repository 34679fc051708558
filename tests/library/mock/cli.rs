//! `conform mock` as a process: the first line is the address; --data errors exit 2.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

fn conform() -> Command {
    Command::new(env!("CARGO_BIN_EXE_conform"))
}

/// Starts `conform mock --port 0 ARGS` and returns it with the URL from its first line and
/// the `banner` lines after it.
fn start(args: &[&str], env: &[(&str, &str)], banner: usize) -> (Child, String, Vec<String>) {
    let mut child = conform()
        .args(["mock", "--port", "0"])
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let url = first
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let rest = out.lines().take(banner).map(Result::unwrap).collect();
    (child, url, rest)
}

fn terminate(mut child: Child) -> std::process::ExitStatus {
    #[cfg(unix)]
    {
        let ok = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }
    #[cfg(not(unix))]
    child.kill().unwrap();
    child.wait().unwrap()
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

#[tokio::test]
async fn serves_and_stops_on_sigterm() {
    let (child, url, banner) = start(&[], &[], 2);
    assert_eq!(
        banner,
        [
            "project bd6b78e2ff9e4e47bc260803ddcc7a21: 56 instances, and 3 deleted ones (v2, include_delete=true)",
            "project 7c3e9a1f5b2d4e6a8c0b1d3f5a7e9c2b: 5 instances"
        ]
    );
    let r = client()
        .get(format!(
            "{url}/v1.0/bd6b78e2ff9e4e47bc260803ddcc7a21/instances?limit=2"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = super::socket::json(r).await;
    assert_eq!(v["instances"].as_array().unwrap().len(), 2);
    assert_eq!(v["instance_num"], 50);
    let status = terminate(child);
    #[cfg(unix)]
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
    let _ = status;
}

#[tokio::test]
async fn token_from_env_is_required_and_never_printed() {
    let (mut child, url, banner) = start(
        &["--token-env", "MOCK_TEST_TOKEN"],
        &[("MOCK_TEST_TOKEN", "hush-42")],
        3,
    );
    assert_eq!(
        banner.last().map(String::as_str),
        Some("auth: requests need the configured X-Auth-Token")
    );
    let list = format!("{url}/v1.0/bd6b78e2ff9e4e47bc260803ddcc7a21/instances?limit=1");
    let c = client();
    assert_eq!(c.get(&list).send().await.unwrap().status(), 401);
    let r = c
        .get(&list)
        .header("X-Auth-Token", "hush-42")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut err = String::new();
    let stderr = child.stderr.take().unwrap();
    terminate(child);
    BufReader::new(stderr).read_to_string(&mut err).unwrap();
    assert!(!banner.concat().contains("hush-42") && !err.contains("hush-42"));
}

#[test]
fn serves_a_data_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.json");
    let inst = super::common::inst("x1", "only", "RUNNING", "2024-01-01T00:00:00Z");
    std::fs::write(
        &path,
        json!({"comment": "mine", "projects": {"proj-a": [inst]}}).to_string(),
    )
    .unwrap();
    let (child, _url, banner) = start(&["--data", path.to_str().unwrap()], &[], 1);
    assert_eq!(banner[0], "project proj-a: 1 instances");
    terminate(child);
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = conform().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_data_files_exit_2_and_say_where() {
    let dir = tempfile::tempdir().unwrap();
    let bad_json = dir.path().join("broken.json");
    std::fs::write(&bad_json, "{\"projects\": {").unwrap();
    let (code, out, err) = run(&["mock", "--port", "0", "--data", bad_json.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "nothing served: {out}");
    assert!(err.contains("broken.json: not valid JSON"), "{err}");

    let mut inst = super::common::inst("x1", "only", "RUNNING", "2024-01-01T00:00:00Z");
    inst.as_object_mut().unwrap().remove("maintain_end");
    inst["charging_mode"] = json!("0");
    let wrong = dir.path().join("wrong.json");
    std::fs::write(&wrong, json!({"projects": {"proj-a": [inst]}}).to_string()).unwrap();
    let (code, out, err) = run(&["mock", "--port", "0", "--data", wrong.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("wrong.json"), "{err}");
    assert!(
        err.contains("project \"proj-a\", instances[0] (instance_id \"x1\", name \"only\")"),
        "{err}"
    );
    assert!(err.contains("field `maintain_end`: missing"), "{err}");
    assert!(err.contains("field `charging_mode`"), "{err}");

    let missing = dir.path().join("absent.json");
    let (code, _, err) = run(&["mock", "--data", missing.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot read data file") && err.contains("absent.json"),
        "{err}"
    );
}

#[test]
fn list_faults_and_unknown_faults() {
    let (code, out, _) = run(&["mock", "--list-faults"]);
    assert_eq!(code, 0);
    for f in conform::mock::Fault::catalogue() {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("{} ", f.name())))
            .unwrap_or_else(|| panic!("{f}"));
        assert!(
            line.contains(f.rule()) && line.contains(f.kind().as_str()),
            "{line}"
        );
    }
    let (code, _, err) = run(&["mock", "--fault", "no-such-fault"]);
    assert_eq!(code, 2);
    assert!(err.contains("--list-faults"), "{err}");
}

#[test]
fn print_data_round_trips() {
    let (code, out, _) = run(&["mock", "--print-data"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let data = conform::mock::DataSet::from_json(v, "stdout").unwrap();
    assert_eq!(data, conform::mock::DataSet::builtin());
}
