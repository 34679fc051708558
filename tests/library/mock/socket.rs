//! The mock over real loopback sockets (`spawn`), with a plain HTTP client, against the
//! built-in data set. Expectations come from the seed table in `src/mock/data.rs`, by hand.

use std::collections::HashSet;
use std::net::SocketAddr;

use conform::mock::{spawn, DataSet, MockConfig, MAIN_PROJECT, OTHER_PROJECT};
use serde_json::Value;

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

async fn fetch(c: &reqwest::Client, base: &str, project: &str, query: &[(&str, &str)]) -> Value {
    // reqwest is built without its `query` feature: encode as a browser form would.
    let qs = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    let r = c
        .get(format!("{base}/v1.0/{project}/instances?{qs}"))
        .send()
        .await
        .expect("the mock answers");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    json(r).await
}

/// The body as JSON (reqwest is built without its `json` feature).
pub async fn json(r: reqwest::Response) -> Value {
    serde_json::from_slice(&r.bytes().await.expect("a body")).expect("a JSON body")
}

fn names(v: &Value) -> Vec<String> {
    v["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn builtin_data_over_a_socket() {
    let mock = spawn(MockConfig::builtin(), loopback()).await.unwrap();
    assert!(mock.addr().ip().is_loopback() && mock.addr().port() != 0);
    let base = mock.base_url();
    let c = client();

    // C8: the newest three; "…09:15:00.5Z" is newer than "…09:15:00Z".
    let first = fetch(&c, &base, MAIN_PROJECT, &[("limit", "3")]).await;
    assert_eq!(names(&first), ["new-cache", "cache-prod", "Cache-Prod"]);
    assert_eq!(first["instance_num"], 50); // 56 instances, 6 CREATEFAILED hidden (C6)

    // C9..C11: walking limit=10 gives the unpaged list; pages 1 and 2 split a tie group.
    let all = fetch(&c, &base, MAIN_PROJECT, &[]).await;
    let all = all["instances"].as_array().unwrap().clone();
    assert_eq!(all.len(), 50);
    let mut walked = Vec::new();
    for start in [1, 11, 21, 31, 41, 51] {
        let page = fetch(
            &c,
            &base,
            MAIN_PROJECT,
            &[("limit", "10"), ("start", &start.to_string())],
        )
        .await;
        assert_eq!(page["instance_num"], 50);
        walked.extend(page["instances"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(walked, all);
    assert_eq!(
        all[9]["created_at"], all[10]["created_at"],
        "a tie straddles the page boundary"
    );
    let ids: HashSet<&str> = all
        .iter()
        .map(|i| i["instance_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 50);

    // Names with special characters, encoded by the client (space as `+`, `+` as %2B).
    for name in [
        "a+b=c & 50% off",
        "用户 会话",
        "100% hot",
        "k=v store",
        "c++ objects",
        "r&d cache",
        "session cache",
    ] {
        let v = fetch(
            &c,
            &base,
            MAIN_PROJECT,
            &[("name", name), ("isExactMatchName", "true")],
        )
        .await;
        assert_eq!(names(&v), [name], "{name}");
    }
    let v = fetch(&c, &base, MAIN_PROJECT, &[("name", "缓存")]).await;
    let got: HashSet<String> = names(&v).into_iter().collect();
    assert_eq!(
        got,
        HashSet::from(["订单缓存".to_string(), "订单缓存-备".to_string()])
    );
    // Raw %20 and `+` both decode to a space.
    for raw in ["name=session%20cache", "name=session+cache"] {
        let r = c
            .get(format!("{base}/v1.0/{MAIN_PROJECT}/instances?{raw}"))
            .send()
            .await
            .unwrap();
        let v: Value = json(r).await;
        assert_eq!(names(&v), ["session cache"], "{raw}");
    }

    // C3 + C6: the failed "cache-prod" appears only with includeFailure=true.
    let q = [("name", "cache-prod"), ("isExactMatchName", "true")];
    let v = fetch(&c, &base, MAIN_PROJECT, &q).await;
    assert_eq!(v["instance_num"], 1);
    let v = fetch(
        &c,
        &base,
        MAIN_PROJECT,
        &[q[0], q[1], ("includeFailure", "true")],
    )
    .await;
    let statuses: Vec<&str> = v["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["RUNNING", "CREATEFAILED"]);

    // C4 with the later revisions' statuses.
    let v = fetch(&c, &base, MAIN_PROJECT, &[("status", "RESTORING")]).await;
    assert_eq!(names(&v), ["orders-restore"]);

    // C14: the other project sees its own four visible instances, newest first.
    let v = fetch(&c, &base, OTHER_PROJECT, &[]).await;
    assert_eq!(
        names(&v),
        ["analytics", "cache-prod", "订单缓存", "reporting"]
    );
    assert_eq!(v["instance_num"], 4);

    // C13 over the wire.
    let r = c
        .get(format!("{base}/v1.0/{MAIN_PROJECT}/instances?limit=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/json");

    mock.shutdown().await;
}

#[tokio::test]
async fn token_and_shutdown_over_a_socket() {
    let config = MockConfig {
        data: DataSet::builtin(),
        faults: vec![],
        token: Some("tok-123".into()),
        access_key: None,
        churn: None,
    };
    let mock = spawn(config, loopback()).await.unwrap();
    let url = format!("{}/v1.0/{OTHER_PROJECT}/instances", mock.base_url());
    let c = client();
    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = json(r).await;
    assert!(body["error_code"].is_string() && body["error_msg"].is_string());
    let r = c
        .get(&url)
        .header("X-Auth-Token", "tok-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let addr = mock.addr();
    mock.shutdown().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still listening after shutdown"
    );
}
