//! Helpers: a small hand-written data set and a one-shot GET against a router.

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use conform::mock::{router, DataSet, Fault, MockConfig};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

pub const P1: &str = "p1";
pub const P2: &str = "p2";
pub const TOKEN: &str = "s3cret-token";

/// An instance that satisfies the response schema; only the four fields that matter vary.
pub fn inst(id: &str, name: &str, status: &str, created_at: &str) -> Value {
    json!({
        "name": name, "engine": "Redis", "capacity": 2, "ip": "192.168.0.1",
        "domainName": "", "port": 6379, "status": status, "max_memory": 1638,
        "used_memory": 10, "instance_id": id, "resource_spec_code": "dcs.single_node",
        "engine_version": "5.0", "internal_version": null, "charging_mode": 0,
        "vpc_id": "vpc-id", "vpc_name": "vpc", "created_at": created_at, "error_code": null,
        "user_id": "u1", "user_name": "someone", "maintain_begin": "02:00:00",
        "maintain_end": "06:00:00"
    })
}

/// The hand data set. Project p1, listed out of order on purpose:
///
/// | id | name | status | created_at |
/// |----|------|--------|------------|
/// | a7 | cache-prod-2 | ERROR | 2024-05-01T00:00:00Z (tie) |
/// | a1 | cache-prod | RUNNING | 2024-05-03T00:00:00Z |
/// | a3 | cache | CLOSED | 2024-05-02T00:00:00Z |
/// | a5 | a+b c&d=e%f | RUNNING | 2024-05-01T00:00:00.000Z (tie) |
/// | a2 | Cache-Prod | RUNNING | 2024-05-02T00:00:00.5Z (newer than a3, though it sorts before it as text) |
/// | a4 | prod-cache | CREATEFAILED | 2024-05-04T00:00:00Z |
/// | b0 | zeta | RUNNING | 2024-04-30T00:00:00Z |
/// | a6 | 订单缓存 | FROZEN | 2024-05-01T00:00:00Z (tie) |
///
/// | d1 | cache-old | RUNNING, deleted | 2024-05-06T00:00:00Z |
///
/// Hand-computed default list (C6 hides a4; C8 newest first, ties by id ascending; d1 is
/// deleted, listed only by v2 with include_delete=true): a1, a2, a3, a5, a6, a7, b0.
/// Project p2: c1 "cache-prod" RUNNING, c2 "other" RUNNING.
///
/// For v2's filters: a1 is at 192.168.0.12 with tags env=prod, team=core; a2 has
/// env=prod and 0.125 GB (capacity 0, capacity_minor ".125"); a7 is a cluster at
/// 192.168.0.7 and 192.168.0.8 with env=test, team=core; the others are at 192.168.0.1,
/// 2 GB, untagged.
pub fn hand_data() -> DataSet {
    let mut a1 = inst("a1", "cache-prod", "RUNNING", "2024-05-03T00:00:00Z");
    a1["domainName"] = json!("a1.example.com");
    a1["ip"] = json!("192.168.0.12");
    a1["tags"] = json!([{"key": "env", "value": "prod"}, {"key": "team", "value": "core"}]);
    let mut a2 = inst("a2", "Cache-Prod", "RUNNING", "2024-05-02T00:00:00.5Z");
    a2["tags"] = json!([{"key": "env", "value": "prod"}]);
    a2["capacity"] = json!(0);
    a2["capacity_minor"] = json!(".125");
    let mut a7 = inst("a7", "cache-prod-2", "ERROR", "2024-05-01T00:00:00Z");
    a7["ip"] = json!("192.168.0.7,192.168.0.8");
    a7["tags"] = json!([{"key": "env", "value": "test"}, {"key": "team", "value": "core"}]);
    let mut d1 = inst("d1", "cache-old", "RUNNING", "2024-05-06T00:00:00Z");
    d1["deleted"] = json!(true);
    let data = json!({
        "comment": "hand-written test data",
        "projects": {
            P1: [
                a7,
                a1,
                inst("a3", "cache", "CLOSED", "2024-05-02T00:00:00Z"),
                inst("a5", "a+b c&d=e%f", "RUNNING", "2024-05-01T00:00:00.000Z"),
                a2,
                d1,
                inst("a4", "prod-cache", "CREATEFAILED", "2024-05-04T00:00:00Z"),
                inst("b0", "zeta", "RUNNING", "2024-04-30T00:00:00Z"),
                inst("a6", "订单缓存", "FROZEN", "2024-05-01T00:00:00Z"),
            ],
            P2: [
                inst("c2", "other", "RUNNING", "2024-01-01T00:00:00Z"),
                inst("c1", "cache-prod", "RUNNING", "2024-05-05T00:00:00Z"),
            ],
        }
    });
    DataSet::from_json(data, "hand data").expect("the hand data set is valid")
}

/// The default p1 list, hand-computed (see [`hand_data`]).
pub const DEFAULT: [&str; 7] = ["a1", "a2", "a3", "a5", "a6", "a7", "b0"];

pub fn app(faults: &[Fault], token: Option<&str>) -> Router {
    app_with(hand_data(), faults, token)
}

/// A router over another data set.
pub fn app_with(data: DataSet, faults: &[Fault], token: Option<&str>) -> Router {
    router(MockConfig {
        data,
        faults: faults.to_vec(),
        token: token.map(str::to_string),
        access_key: None,
        churn: None,
    })
}

/// One HTTP answer, reduced to what the tests look at.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn ids(&self) -> Vec<String> {
        assert_eq!(self.status, 200, "{}", String::from_utf8_lossy(&self.body));
        self.json()["instances"]
            .as_array()
            .expect("instances is an array")
            .iter()
            .map(|i| i["instance_id"].as_str().expect("instance_id").to_string())
            .collect()
    }
    pub fn num(&self) -> i64 {
        self.json()["instance_num"].as_i64().expect("instance_num")
    }
    /// A C13 error body: JSON with string error_code and error_msg.
    pub fn assert_json_error(&self, status: u16) {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.content_type, "application/json");
        let v = self.json();
        assert!(
            v["error_code"].is_string() && v["error_msg"].is_string(),
            "{v}"
        );
    }
}

pub async fn request(app: &Router, method: &str, uri: &str, token: Option<&str>) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("X-Auth-Token", t);
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .expect("the router answers");
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Answer {
        status,
        content_type,
        body,
    }
}

pub async fn get(app: &Router, uri: &str) -> Answer {
    request(app, "GET", uri, None).await
}

/// GET on p1's list with a query string.
pub async fn list(app: &Router, query: &str) -> Answer {
    get(app, &format!("/v1.0/{P1}/instances{query}")).await
}
