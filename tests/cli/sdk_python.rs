//! A real client: the vendor's official Python SDK (`huaweicloudsdkdcs`, pinned in
//! tests/sdk/requirements.txt) lists instances through the v2 API of `conform mock`,
//! signing every request with an access key pair (SDK-HMAC-SHA256) that the mock checks.
//! Through every filter the SDK's ListInstancesRequest exposes (all of the page's but
//! `capacity`, which the SDK model lacks), the SDK must decode each answer and see what
//! the v2 contract says it should (conform's oracle over the mock's built-in data); a
//! wrong secret key is refused with 401.
//!
//! It needs a Python with the SDK: `CONFORM_SDK_PYTHON`, or `.venv-sdk/bin/python`, which
//! `.ci/run` makes. Without one the test says how to get it and passes without running.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use conform::check::filter::{expected, Query};
use conform::contract::Contract;
use conform::mock::{DataSet, MAIN_PROJECT};
use serde_json::{json, Value};

const AK: &str = "AKSDKTEST0123456789";
const SK: &str = "sdk-test-secret-key-0123456789";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A Python that can import the SDK, or why there is none.
fn python() -> Result<PathBuf, String> {
    let candidate = std::env::var_os("CONFORM_SDK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv-sdk/bin/python"));
    let ok = Command::new(&candidate)
        .args(["-c", "import huaweicloudsdkdcs.v2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Ok(candidate)
    } else {
        Err(format!(
            "no Python with the vendor's SDK at {} (set CONFORM_SDK_PYTHON, or run \
             `python3 -m venv .venv-sdk && .venv-sdk/bin/pip install -r tests/sdk/requirements.txt`; \
             `bash .ci/run` does both)",
            candidate.display()
        ))
    }
}

/// `conform mock` with the built-in data, accepting the test's key pair only.
struct Mock {
    child: Child,
    base: String,
}

impl Mock {
    fn start() -> Mock {
        let mut child = Command::new(env!("CARGO_BIN_EXE_conform"))
            .args(["mock", "--port", "0"])
            .args(["--access-key-env", "MOCK_AK", "--secret-key-env", "MOCK_SK"])
            .env("MOCK_AK", AK)
            .env("MOCK_SK", SK)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the mock starts");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap()
            .to_string();
        // The rest of what it prints is read too: a closed pipe would end the mock at
        // its next line.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        Mock { child, base }
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the SDK decoded for each query.
fn sdk(python: &Path, base: &str, sk: &str, queries: &[Value]) -> Vec<Value> {
    let out = Command::new(python)
        .arg(root().join("tests/sdk/list_instances.py"))
        .args([
            base,
            MAIN_PROJECT,
            &Value::from(queries.to_vec()).to_string(),
        ])
        .env("SDK_AK", AK)
        .env("SDK_SK", sk)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the script prints JSON")
}

/// What the v2 contract says a query returns from the mock's data: ids of the page, and
/// the number of matches.
fn contract_says(query: &Value) -> (Vec<String>, usize) {
    let v2 = Contract::from_file(&root().join("schemas/v2/list-instances.contract.toml"))
        .expect("the v2 description");
    let data = DataSet::builtin();
    let items = data.instances(MAIN_PROJECT).unwrap();
    // The data marks deleted instances; the contract learns them (V7) from the list
    // with and without include_delete: here they are marked as that walk would.
    let bit = v2
        .desc()
        .hidden
        .iter()
        .find_map(|h| h.learnt)
        .expect("the v2 contract learns deleted instances");
    let baseline = v2.baseline(
        items
            .iter()
            .filter_map(|v| {
                let mut i = v2.read_item(v)?;
                if v["deleted"] == true {
                    i.marks |= 1 << bit;
                }
                Some(i)
            })
            .collect(),
    );
    let pairs: Vec<(String, String)> = query
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            (k.clone(), v)
        })
        .collect();
    let q = Query::parse(v2.desc(), &pairs).unpaged();
    let all: Vec<String> = expected(&baseline, &q)
        .iter()
        .map(|i| i.id().to_string())
        .collect();
    let offset = query["offset"].as_u64().unwrap_or(0) as usize;
    let limit = query["limit"].as_u64().unwrap_or(10) as usize;
    let page = all.iter().skip(offset).take(limit).cloned().collect();
    (page, all.len())
}

#[test]
fn the_vendors_python_sdk_lists_through_every_filter_and_sees_the_contracts_results() {
    let python = match python() {
        Ok(p) => p,
        Err(why) => {
            crate::need::missing("sdk", &why);
            return;
        }
    };
    let mock = Mock::start();
    let data = DataSet::builtin();
    let items = data.instances(MAIN_PROJECT).unwrap();
    let some_id = items[3]["instance_id"].as_str().unwrap();
    let some_ip = items[3]["ip"].as_str().unwrap();
    // A cluster's second address, and a deleted instance's name.
    let cluster = items
        .iter()
        .find_map(|i| i["ip"].as_str().filter(|ip| ip.contains(',')))
        .expect("the built-in data has a cluster");
    let second = cluster.split(',').nth(1).unwrap();
    let deleted_name = items
        .iter()
        .find(|i| i["deleted"] == true)
        .and_then(|i| i["name"].as_str())
        .expect("the built-in data has a deleted instance");
    let filtered = [
        json!({}),
        json!({"limit": 1000, "include_failure": "true"}),
        json!({"offset": 3, "limit": 4}),
        json!({"offset": 0, "limit": 1}),
        json!({"name": "cache", "limit": 1000}),
        json!({"name": "cache", "name_equal": "true", "limit": 1000}),
        json!({"name": "Cache", "name_equal": "false", "limit": 1000}),
        json!({"name": "订单", "limit": 1000}),
        json!({"status": "RUNNING", "limit": 1000}),
        json!({"status": "CREATEFAILED", "include_failure": "true", "limit": 1000}),
        json!({"include_failure": "True", "limit": 1000}),
        json!({"instance_id": some_id}),
        json!({"ip": some_ip, "limit": 1000}),
        json!({"ip": some_ip, "status": "RUNNING", "limit": 1000}),
        json!({"ip": second, "limit": 1000}),
        json!({"include_delete": "true", "limit": 1000}),
        json!({"include_delete": "true", "include_failure": "true", "limit": 1000}),
        json!({"include_delete": "false", "limit": 1000}),
        json!({"name": deleted_name, "include_delete": "true", "limit": 1000}),
        json!({"name": deleted_name, "limit": 1000}),
        json!({"tags": "env=prod", "limit": 1000}),
        json!({"tags": "env=prod,team=core", "limit": 1000}),
        json!({"tags": "env=nowhere"}),
    ];
    let answers = sdk(&python, &mock.base, SK, &filtered);
    assert_eq!(answers.len(), filtered.len());
    for (query, got) in filtered.iter().zip(&answers) {
        let (ids, total) = contract_says(query);
        assert_eq!(got["status"], 200, "{query}: {got}");
        assert_eq!(got["ids"], json!(ids), "{query}");
        assert_eq!(got["instance_num"], json!(total), "{query}");
        // The SDK decodes each instance's tags: every pair asked for is among them.
        if let Some(tags) = query["tags"].as_str() {
            for decoded in got["tags"].as_array().unwrap() {
                for pair in tags.split(',') {
                    let (k, v) = pair.split_once('=').unwrap();
                    assert!(
                        decoded.as_array().unwrap().contains(&json!([k, v])),
                        "{query}: {decoded}"
                    );
                }
            }
        }
    }
    // The queries above reach deleted, tagged and cluster instances, not only empty pages.
    let nonempty = |q: &Value| !contract_says(q).0.is_empty();
    assert!(filtered[14..19].iter().all(nonempty) && nonempty(&filtered[20]));
    // `capacity` (V10) is not in the SDK's ListInstancesRequest: conform's own cases
    // send it.
    // Invalid paging: the SDK raises the 400 with the contract's error code (V15, V18).
    let bad = [
        json!({"limit": 0}),
        json!({"limit": 1001}),
        json!({"offset": -1}),
    ];
    for (query, got) in bad.iter().zip(sdk(&python, &mock.base, SK, &bad)) {
        assert_eq!(
            got,
            json!({"status": 400, "error_code": "DCS.4800"}),
            "{query}"
        );
    }
    // A wrong secret key: the mock's check of the signature refuses it.
    let refused = sdk(&python, &mock.base, "not-the-secret", &[json!({})]);
    assert_eq!(refused[0]["status"], 401, "{refused:?}");
}
