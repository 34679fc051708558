//! The HTTP side of the mock: an axum [`Router`] serving `GET /v1.0/{project_id}/instances`
//! from a data set (C1..C14), its JSON errors (C13), token auth (C14), and [`spawn`] to
//! serve it on a socket with graceful shutdown.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::churn::{Change, Mover};
use super::data::{parse_created_at, DataSet, LIST_PATH, LIST_V2_PATH};
use super::faults::{Fault, INTERMITTENT_PERIOD};
use super::filter::{gigabytes, ProjectIndex, Row, SelectError};
use super::query;
use super::FaultSet;

/// Everything the mock serves and how. Its `Debug` form redacts the token.
#[derive(Clone)]
pub struct MockConfig {
    pub data: DataSet,
    /// Deliberate contract violations to switch on (empty: the faithful mock).
    pub faults: Vec<Fault>,
    /// When set, every request needs `X-Auth-Token: <token>` (C14).
    pub token: Option<String>,
    /// When set, a request signed with this key pair is let in too (or alone, without a
    /// token).
    pub access_key: Option<super::AccessKey>,
    /// When set, the account moves while it is read (`--churn`).
    pub churn: Option<super::Churn>,
}

impl std::fmt::Debug for MockConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockConfig")
            .field("projects", &self.data.projects().collect::<Vec<_>>())
            .field("faults", &self.faults)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("access_key", &self.access_key)
            .field("churn", &self.churn)
            .finish()
    }
}

impl MockConfig {
    /// The built-in data set, no faults, no token.
    pub fn builtin() -> MockConfig {
        MockConfig {
            data: DataSet::builtin(),
            faults: Vec::new(),
            token: None,
            access_key: None,
            churn: None,
        }
    }
}

// Error codes of the mock's own (the contract only asks for strings, C13).
const CODE_BAD_PARAMETER: &str = "DCS.4000";
/// v2's code for an invalid parameter (V15).
const CODE_V2_BAD_PARAMETER: &str = "DCS.4800";
const CODE_UNAUTHORIZED: &str = "APIGW.0301";
const CODE_FORBIDDEN: &str = "APIGW.0302";
const CODE_NOT_FOUND: &str = "APIGW.0101";
const CODE_METHOD: &str = "APIGW.0105";
const CODE_NO_INSTANCE: &str = "DCS.4404";
const CODE_INTERNAL: &str = "DCS.5000";

/// The account's data (each project's instances) and what moves it, with `--churn`.
type Moving = (Mover, Vec<(String, Vec<Value>)>);

struct Mock {
    faults: FaultSet,
    token: Option<String>,
    access_key: Option<super::AccessKey>,
    /// List requests so far (`intermittent-500`, `unstable-order`, `--churn`).
    requests: AtomicU64,
    /// What is served now: the projects' indexes (replaced whole when the account moves).
    served: RwLock<Served>,
    /// The account's data and what moves it, with `--churn`.
    mover: Option<Mutex<Moving>>,
    /// Each instance's name and status when the mock started (the `stale-*` faults read
    /// them; an instance created since has none).
    start: Arc<HashMap<String, (String, String)>>,
    /// `auth-cached`: the answers to authorized queries with parameters, by URL.
    cached: Mutex<HashMap<String, (StatusCode, Vec<u8>)>>,
    /// `concurrent-queries-mixed`: the one query slot every request in flight shares.
    slot: Mutex<Option<String>>,
}

type Indexes = HashMap<String, ProjectIndex>;

/// The indexes served, and while a new instance lags (`--churn lag`), the ones without it
/// and the request number until which every other request gets those.
struct Served {
    now: Arc<Indexes>,
    lagging: Option<(Arc<Indexes>, u64)>,
}

/// An instance as the v2 list shows it (V17): the v1.0 members it keeps, under their v2
/// names, and the members v2 adds, from the data when it has them, else plain defaults;
/// `readonly_domain_name` only when the data has one, as in the page's own answer. Then
/// bent by the shape faults (V17), as [`render`] does for v1.0.
fn render_v2(inst: &Value, faults: FaultSet) -> Vec<u8> {
    let mut v = inst.clone();
    let missing = faults.has(Fault::FieldMissing) && inst.get("domainName") == Some(&json!(""));
    if let Some(o) = v.as_object_mut() {
        let spec = o.shift_remove("resource_spec_code").unwrap_or(json!(""));
        let domain = o
            .get("domainName")
            .filter(|d| d.as_str().is_some_and(|d| !d.is_empty()))
            .cloned();
        for gone in ["domainName", "error_code", "internal_version"] {
            o.shift_remove(gone);
        }
        let id = o
            .get("instance_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        // The page: "如果未开启公网访问功能，该字段值为null" (publicip_*), "按需实例时此值为
        // null" (order_id, for pay-per-use instances).
        let none = if faults.has(Fault::NullsAsEmpty) {
            json!("")
        } else {
            Value::Null
        };
        let order_id = if o.get("charging_mode").and_then(Value::as_i64) == Some(1) {
            json!(format!(
                "CS{}",
                id.chars()
                    .filter(char::is_ascii_alphanumeric)
                    .take(12)
                    .collect::<String>()
            ))
        } else {
            none.clone()
        };
        let defaults = [
            ("spec_code", spec),
            ("capacity_minor", Value::Null),
            ("publicip_id", none.clone()),
            ("subnet_id", json!("")),
            ("security_group_id", json!("")),
            ("enable_ssl", json!(false)),
            ("publicip_address", none.clone()),
            ("order_id", order_id),
            ("service_upgrade", json!(false)),
            ("no_password_access", json!("false")),
            ("service_task_id", json!("")),
            ("access_user", Value::Null),
            ("enable_publicip", json!(false)),
            (
                "domain_name",
                domain.unwrap_or_else(|| json!(format!("redis-{id}.dcs.example.com"))),
            ),
            ("tags", json!([])),
            ("enterprise_project_id", json!("0")),
            ("description", json!("")),
            ("cpu_type", json!("x86_64")),
            ("az_codes", json!([])),
        ];
        for (k, d) in defaults {
            o.entry(k).or_insert(d);
        }
        // Not members of the v2 answer: how the mock files an instance.
        o.shift_remove("deleted");
        // The v2 page's status table has 9 statuses (V4).
        if let Some(st) = o.get("status").and_then(Value::as_str) {
            let shown = super::filter::status_v2(st).to_string();
            o.insert("status".into(), json!(shown));
        }
        if faults.has(Fault::CreatedAtSeconds) {
            if let Some(at) = o.get("created_at").and_then(Value::as_str) {
                let seconds = match (at.find('.'), at.ends_with('Z')) {
                    (Some(dot), true) => format!("{}Z", &at[..dot]),
                    _ => at.to_string(),
                };
                o.insert("created_at".into(), json!(seconds));
            }
        }
        if faults.has(Fault::CapacityMinorLeadingZero) {
            if let Some(m) = o.get("capacity_minor").and_then(Value::as_str) {
                if m.starts_with('.') {
                    let with_zero = format!("0{m}");
                    o.insert("capacity_minor".into(), json!(with_zero));
                }
            }
        }
        if missing {
            o.shift_remove("domain_name");
        }
    }
    bend(&mut v, faults);
    if faults.has(Fault::ExtraField) {
        v["product_type"] = json!("generic");
    }
    serde_json::to_vec(&v).expect("JSON serialises")
}

/// The instance as the v1.0 list puts it on the wire: faithful, or changed by a C12 fault.
fn render(inst: &Value, faults: FaultSet) -> Vec<u8> {
    let mut v = inst.clone();
    if let Some(o) = v.as_object_mut() {
        // Members of the data set that the v1.0 answer does not have (v2's tags, and how
        // the mock files an instance).
        for v2_only in ["deleted", "tags"] {
            o.shift_remove(v2_only);
        }
    }
    if faults.has(Fault::FieldMissing) && v.get("domainName") == Some(&json!("")) {
        if let Some(o) = v.as_object_mut() {
            o.shift_remove("domainName");
        }
    }
    bend(&mut v, faults);
    if faults.has(Fault::ExtraField) {
        v["az_codes"] = json!(["az1"]);
    }
    serde_json::to_vec(&v).expect("a JSON value serialises")
}

/// The shape faults both lists share (C12, V17): a string port, used memory above the
/// maximum, a timestamp without its zone.
fn bend(v: &mut Value, faults: FaultSet) {
    if faults.has(Fault::PortAsString) {
        if let Some(p) = v.get("port").and_then(Value::as_i64) {
            v["port"] = json!(p.to_string());
        }
    }
    if faults.has(Fault::UsedExceedsMax) {
        if let Some(m) = v.get("max_memory").and_then(Value::as_i64) {
            v["used_memory"] = json!(m + 1);
        }
    }
    if faults.has(Fault::CreatedAtNoZone) {
        if let Some(at) = v.get("created_at").and_then(Value::as_str) {
            let bare = at.strip_suffix('Z').unwrap_or(at).to_string();
            v["created_at"] = json!(bare);
        }
    }
}

fn index(config: MockConfig) -> Mock {
    let faults = FaultSet::from(config.faults.as_slice());
    let projects = config.data.into_projects();
    let start: HashMap<String, (String, String)> = projects
        .iter()
        .flat_map(|(_, l)| l.iter())
        .map(|i| {
            (
                str_field(i, "instance_id"),
                (str_field(i, "name"), str_field(i, "status")),
            )
        })
        .collect();
    let start = Arc::new(start);
    let now = Arc::new(indexes(&projects, faults, &start));
    Mock {
        faults,
        token: config.token,
        access_key: config.access_key,
        requests: AtomicU64::new(0),
        served: RwLock::new(Served { now, lagging: None }),
        mover: config.churn.map(|c| Mutex::new((Mover::new(c), projects))),
        start,
        cached: Mutex::new(HashMap::new()),
        slot: Mutex::new(None),
    }
}

/// Indexes every project's instances as rows, rendered once for both lists.
fn indexes(
    projects: &[(String, Vec<Value>)],
    faults: FaultSet,
    start: &HashMap<String, (String, String)>,
) -> Indexes {
    let row = |inst: &Value| {
        let id = str_field(inst, "instance_id");
        Row {
            foreign: false,
            name: str_field(inst, "name"),
            status: str_field(inst, "status"),
            at_start: start.get(&id).cloned(),
            id,
            ip: str_field(inst, "ip"),
            tags: inst
                .get("tags")
                .and_then(Value::as_array)
                .map(|tags| {
                    tags.iter()
                        .filter_map(|t| Some((t.get("key")?.as_str()?, t.get("value")?.as_str()?)))
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            size: match inst.get("capacity_minor").and_then(Value::as_str) {
                Some(minor) if !minor.is_empty() => gigabytes(minor),
                _ => inst
                    .get("capacity")
                    .and_then(Value::as_u64)
                    .map(|c| (c, String::new())),
            },
            capacity: inst.get("capacity").and_then(Value::as_u64),
            deleted: inst.get("deleted").and_then(Value::as_bool) == Some(true),
            created_at: inst
                .get("created_at")
                .and_then(Value::as_str)
                .and_then(parse_created_at)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
            json: render(inst, faults),
            json_v2: render_v2(inst, faults),
        }
    };
    let mut out = HashMap::new();
    for (project, list) in projects {
        let rows: Vec<Row> = if faults.has(Fault::TenantLeak) {
            projects
                .iter()
                .flat_map(|(_, l)| l.iter().map(row))
                .collect()
        } else if faults.has(Fault::TenantLeakById) {
            let mut rows: Vec<Row> = list.iter().map(row).collect();
            for (other, l) in projects {
                if other != project {
                    rows.extend(l.iter().map(|i| Row {
                        foreign: true,
                        ..row(i)
                    }));
                }
            }
            rows
        } else {
            list.iter().map(row).collect() // C14: a project sees its own instances only
        };
        out.insert(project.clone(), ProjectIndex::new(rows, faults));
    }
    out
}

impl Mock {
    /// The indexes that answer list request `n`: the account moves first when `--churn`
    /// says a change is due, and a lagging new instance is missing from every other
    /// request while it lags.
    fn indexes_for(&self, n: u64) -> Arc<Indexes> {
        if let Some(mover) = &self.mover {
            let mut guard = mover
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let (mover, data) = &mut *guard;
            if n > 0 && n.is_multiple_of(mover.every()) {
                let change = mover.step(data);
                let next = Arc::new(indexes(data, self.faults, &self.start));
                let mut served = self
                    .served
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let before = std::mem::replace(&mut served.now, next);
                served.lagging = matches!(change, Change::Created { lagging: true, .. })
                    .then(|| (before, n + super::churn::LAG_REQUESTS));
            }
        }
        let served = self
            .served
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &served.lagging {
            // Which replica answers is a coin toss per request (fixed for a request number),
            // not a strict alternation that a client's own rhythm could fall in step with.
            Some((before, until)) if n < *until && replica_lags(n) => before.clone(),
            _ => served.now.clone(),
        }
    }
}

/// Whether list request `n` reaches a replica that has not seen the newest instance yet
/// (`--churn lag`): about every other request, mixed by a fixed hash of `n`.
fn replica_lags(n: u64) -> bool {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) & 1 == 1
}

fn str_field(inst: &Value, name: &str) -> String {
    inst.get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The mock as an axum router: the list endpoint, JSON 404 and 405 for anything else, and
/// token auth in front of everything when a token is configured.
pub fn router(config: MockConfig) -> Router {
    let mock = Arc::new(index(config));
    Router::new()
        .route(LIST_PATH, get(list))
        .route(LIST_V2_PATH, get(list_v2))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(mock.clone(), auth))
        .with_state(mock)
}

/// A 4xx/5xx answer with the C13 JSON body (or a broken one under a C13 fault).
fn error(mock: &Mock, status: StatusCode, code: &str, msg: &str) -> Response {
    if mock.faults.has(Fault::ErrorBodyText) {
        return (status, format!("{code}: {msg}")).into_response();
    }
    let body = if mock.faults.has(Fault::ErrorBodyMissingMsg) {
        json!({ "error_code": code })
    } else {
        json!({ "error_code": code, "error_msg": msg })
    };
    json_response(status, serde_json::to_vec(&body).expect("JSON serialises"))
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Compares without an early exit, so response times do not reveal a token's prefix.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// C14: with a token configured, `X-Auth-Token` must carry it; with an access key pair,
/// a valid `SDK-HMAC-SHA256` signature lets a request in too; otherwise 401.
async fn auth(State(mock): State<Arc<Mock>>, req: Request, next: Next) -> Response {
    if (mock.token.is_none() && mock.access_key.is_none()) || mock.faults.has(Fault::AuthIgnored) {
        return next.run(req).await;
    }
    // `auth-cached`: a cache in front of the credentials check, for queries with
    // parameters (what a search cache keys on).
    let cache_key = (mock.faults.has(Fault::AuthCached) && req.uri().query().is_some())
        .then(|| req.uri().to_string());
    if let Some(key) = &cache_key {
        let hit = mock
            .cached
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(key)
            .cloned();
        if let Some((status, body)) = hit {
            return (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        }
    }

    let token_ok = mock.token.as_ref().is_some_and(|token| {
        let t = token.as_bytes();
        let f = |fault| mock.faults.has(fault);
        match req.headers().get("x-auth-token").map(HeaderValue::as_bytes) {
            Some(g) if f(Fault::AuthAnyToken) => !g.is_empty(),
            Some([]) if f(Fault::TokenEmptyAccepted) => true,
            Some(g) if f(Fault::TokenPrefixAccepted) && !g.is_empty() && t.starts_with(g) => true,
            Some(g) if f(Fault::TokenExtendedAccepted) && g.starts_with(t) => true,
            Some(g) if f(Fault::TokenCaseInsensitive) => g.eq_ignore_ascii_case(t),
            Some(g) => same_secret(g, t),
            None => false,
        }
    });
    let signature = match (&mock.access_key, token_ok) {
        (Some(key), false) => {
            let header = |name: &str| {
                req.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            Some(super::sign::verify(
                key,
                &super::sign::Arrived {
                    method: req.method().as_str(),
                    path: req.uri().path(),
                    query: req.uri().query(),
                    header: &header,
                    stale_accepted: mock.faults.has(Fault::SignatureStaleAccepted),
                    query_fallback: mock.faults.has(Fault::SignatureQueryFallback),
                },
            ))
        }
        _ => None,
    };
    if token_ok || matches!(signature, Some(Ok(()))) {
        let answered = next.run(req).await;
        return match cache_key {
            Some(key) => remember(&mock, key, answered).await,
            None => answered,
        };
    }
    if mock.faults.has(Fault::Auth403) {
        return error(
            &mock,
            StatusCode::FORBIDDEN,
            CODE_FORBIDDEN,
            "the request is not authorised",
        );
    }
    let why = match (signature, &mock.token) {
        (Some(Err(why)), Some(_)) => format!("missing or invalid X-Auth-Token, and {why}"),
        (Some(Err(why)), None) => why,
        _ => "missing or invalid X-Auth-Token".to_string(),
    };
    error(&mock, StatusCode::UNAUTHORIZED, CODE_UNAUTHORIZED, &why)
}

/// `auth-cached`: keeps an authorized 200 answer by URL, and hands it on.
async fn remember(mock: &Mock, key: String, answered: Response) -> Response {
    let (parts, body) = answered.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    if parts.status == StatusCode::OK {
        mock.cached
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(key, (parts.status, bytes.to_vec()));
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

async fn not_found(State(mock): State<Arc<Mock>>, req: Request) -> Response {
    let msg = format!(
        "no such API: {}; the mock serves GET /v1.0/{{project_id}}/instances and GET /v2/{{project_id}}/instances",
        req.uri().path()
    );
    error(&mock, StatusCode::NOT_FOUND, CODE_NOT_FOUND, &msg)
}

async fn method_not_allowed(State(mock): State<Arc<Mock>>, req: Request) -> Response {
    let msg = format!("method {} is not allowed; use GET", req.method());
    let mut r = error(&mock, StatusCode::METHOD_NOT_ALLOWED, CODE_METHOD, &msg);
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET,HEAD"));
    r
}

/// Which of the two lists a request is for: their parameters, codes and bodies differ,
/// their data, filters and faults are shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    /// `GET /v1.0/{project_id}/instances` (C1..C14).
    V1,
    /// `GET /v2/{project_id}/instances` (docs/contract-v2-notes.md, V1..V20).
    V2,
}

async fn list(
    State(mock): State<Arc<Mock>>,
    project: Result<Path<String>, axum::extract::rejection::PathRejection>,
    RawQuery(raw): RawQuery,
) -> Response {
    let raw = shared_slot(&mock, raw).await;
    serve(&mock, Api::V1, project, raw.as_deref())
}

/// `concurrent-queries-mixed`: the query goes through one shared slot, read back after a
/// pause, so a request in flight with others may read another's query. Else as it came.
async fn shared_slot(mock: &Mock, raw: Option<String>) -> Option<String> {
    if !mock.faults.has(Fault::ConcurrentQueriesMixed) {
        return raw;
    }
    let slot = || {
        mock.slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    *slot() = raw;
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    slot().clone()
}

async fn list_v2(
    State(mock): State<Arc<Mock>>,
    project: Result<Path<String>, axum::extract::rejection::PathRejection>,
    RawQuery(raw): RawQuery,
) -> Response {
    let raw = shared_slot(&mock, raw).await;
    serve(&mock, Api::V2, project, raw.as_deref())
}

/// One list request: its query read (C1, C9, C10; V1, V13..V15), the project's rows
/// filtered, ordered and paged (C2..C11; V2..V16), the page as JSON.
fn serve(
    mock: &Mock,
    api: Api,
    project: Result<Path<String>, axum::extract::rejection::PathRejection>,
    raw: Option<&str>,
) -> Response {
    let n = mock.requests.fetch_add(1, Ordering::Relaxed);
    if mock.faults.has(Fault::Intermittent500) && n % INTERMITTENT_PERIOD == INTERMITTENT_PERIOD - 1
    {
        return error(
            mock,
            StatusCode::INTERNAL_SERVER_ERROR,
            CODE_INTERNAL,
            "internal error (fault intermittent-500)",
        );
    }
    let Ok(Path(project)) = project else {
        return bad_project(mock);
    };
    let (parsed, bad_code, start) = match api {
        Api::V1 => (query::parse(raw, mock.faults), CODE_BAD_PARAMETER, "start"),
        Api::V2 => (
            query::parse_v2(raw, mock.faults),
            CODE_V2_BAD_PARAMETER,
            "offset",
        ),
    };
    let q = match parsed {
        Ok(q) => q,
        Err(e) => {
            let internal = mock.faults.has(Fault::BadLimit500)
                && matches!(e, query::QueryError::NotAnInteger { .. });
            return if internal {
                error(
                    mock,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    CODE_INTERNAL,
                    "internal error (fault bad-limit-500)",
                )
            } else {
                error(mock, StatusCode::BAD_REQUEST, bad_code, &e.message())
            };
        }
    };
    // The account as it is now (or, while a new instance lags,
    // as every other replica still sees it).
    let served = mock.indexes_for(n);
    // C14, V19: an unknown project has no instances (an empty list, not an error).
    let Some(ix) = served.get(&project) else {
        return page(mock, api, &[], &[], 0);
    };
    match ix.select(&q, mock.faults, n) {
        Ok(sel) => page(mock, api, ix.rows(), &sel.page, sel.total),
        Err(SelectError::UnknownStatus(s)) => error(
            mock,
            StatusCode::BAD_REQUEST,
            bad_code,
            &format!("invalid parameter status: {s:?} is not in the status table"),
        ),
        Err(SelectError::BadTags(t)) => error(
            mock,
            StatusCode::BAD_REQUEST,
            bad_code,
            &format!("invalid parameter tags: {t:?} has an item without `=`"),
        ),
        Err(SelectError::UnknownId(id)) => error(
            mock,
            StatusCode::NOT_FOUND,
            CODE_NO_INSTANCE,
            &format!("instance {id:?} does not exist"),
        ),
        Err(SelectError::StartPastEnd { offset, total }) => {
            let at = if api == Api::V1 { offset + 1 } else { offset };
            error(
                mock,
                StatusCode::BAD_REQUEST,
                bad_code,
                &format!("invalid parameter {start}: {at} is past the last of {total} instances"),
            )
        }
    }
}

/// The answer to a project id that is not valid UTF-8 (either list).
fn bad_project(mock: &Mock) -> Response {
    error(
        mock,
        StatusCode::NOT_FOUND,
        CODE_NOT_FOUND,
        "the project id is not valid UTF-8",
    )
}

/// `[a,b,...]` from items already serialised.
fn json_array(body: &mut Vec<u8>, items: &[&[u8]]) {
    body.push(b'[');
    for (k, item) in items.iter().enumerate() {
        if k > 0 {
            body.push(b',');
        }
        body.extend_from_slice(item);
    }
    body.push(b']');
}

/// The 200 body, assembled from the rows' serialised JSON: v1.0's
/// `{"instances": [...], "instance_num": N}` (C11, C12) or v2's
/// `{"instance_num": N, "instances": [...]}` (V16, V17).
fn page(mock: &Mock, api: Api, rows: &[Row], page: &[usize], total: usize) -> Response {
    let items: Vec<&[u8]> = page
        .iter()
        .map(|&i| match api {
            Api::V1 => rows[i].json.as_slice(),
            Api::V2 => rows[i].json_v2.as_slice(),
        })
        .collect();
    let mut body = Vec::with_capacity(items.iter().map(|j| j.len() + 1).sum::<usize>() + 48);
    let total = total.to_string();
    match api {
        Api::V1 => {
            body.extend_from_slice(b"{\"instances\":");
            json_array(&mut body, &items);
            body.extend_from_slice(b",\"instance_num\":");
            body.extend_from_slice(total.as_bytes());
        }
        Api::V2 => {
            body.extend_from_slice(b"{\"instance_num\":");
            body.extend_from_slice(total.as_bytes());
            body.extend_from_slice(b",\"instances\":");
            json_array(&mut body, &items);
        }
    }
    body.push(b'}');
    let mut r = json_response(StatusCode::OK, body);
    if mock.faults.has(Fault::ContentTypeText) {
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
    }
    r
}

/// A mock serving on a socket in a tokio task. Dropping it also shuts the server down.
#[derive(Debug)]
pub struct RunningMock {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl RunningMock {
    /// The bound address (the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets requests in flight finish, and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningMock {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Binds `addr` (port 0 for an ephemeral one) and serves the mock in a tokio task.
pub async fn spawn(config: MockConfig, addr: SocketAddr) -> std::io::Result<RunningMock> {
    use axum::serve::ListenerExt;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    // Small answers go out at once instead of waiting for Nagle's algorithm.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let app = router(config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    Ok(RunningMock {
        addr,
        stop: Some(stop),
        task: Some(task),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_redacts_the_token() {
        let config = MockConfig {
            token: Some("very-secret".into()),
            access_key: Some(crate::mock::AccessKey {
                ak: "AK-very-secret".into(),
                sk: "SK-very-secret".into(),
            }),
            ..MockConfig::builtin()
        };
        let text = format!("{config:?}");
        assert!(
            !text.contains("very-secret") && text.contains("<redacted>"),
            "{text}"
        );
    }

    #[test]
    fn created_at_parses_fractions_and_offsets() {
        let a = parse_created_at("2024-05-30T09:15:00.5Z").unwrap();
        let b = parse_created_at("2024-05-30T09:15:00Z").unwrap();
        assert!(a > b);
        assert!(parse_created_at("2024-05-30 09:15:00").is_none());
    }
}
