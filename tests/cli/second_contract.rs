//! A second list endpoint of another shape is a description file plus cases, and no Rust:
//! `conform run --contract` checks the test contract in
//! tests/fixtures/contracts/things/ against a small fixture server written here, by hand,
//! from that contract's words (0-based `offset`, `size` with a default of 5 and a maximum
//! of 50, `q` matched by containment unless `exact=yes`, `GONE` things hidden unless
//! `all=1`, oldest first with ties by key descending, a total named `count`, an `X-Token`
//! header). The faithful server passes every case; each fault is caught.

use std::net::SocketAddr;
use std::sync::mpsc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::support::{conform, text};

const DIR: &str = "tests/fixtures/contracts/things";
const TOKEN: &str = "things-token-0123456789";

/// A deliberate one-line bug in the fixture server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// `offset` read as 1-based.
    OffsetOneBased,
    /// `exact=yes` ignored.
    ExactIgnored,
    /// `count` is the size of the page.
    CountIsPage,
    /// Newest first instead of oldest first.
    NewestFirst,
    /// Gone things listed without `all=1`.
    GoneShown,
    /// No page-size default: everything when `size` is absent.
    NoDefaultSize,
}

fn thing(key: &str, title: &str, state: &str, made: &str) -> Value {
    json!({"key": key, "title": title, "state": state, "made": made, "used": 3, "capacity": 8})
}

fn data(tenant: &str) -> Vec<Value> {
    match tenant {
        "t1" => vec![
            thing("k01", "alpha", "UP", "2024-01-01T00:00:00Z"),
            thing("k02", "alpha-two", "UP", "2024-01-02T00:00:00Z"),
            thing("k03", "Alpha-Three", "DOWN", "2024-01-02T00:00:00Z"),
            thing("k04", "beta box", "UP", "2024-01-03T00:00:00Z"),
            thing("k05", "beta crate", "DOWN", "2024-01-04T00:00:00Z"),
            thing("k06", "gamma 箱子", "UP", "2024-01-05T00:00:00Z"),
            thing("k07", "gamma", "GONE", "2024-01-06T00:00:00Z"),
            thing("k08", "delta-box", "UP", "2024-01-07T00:00:00Z"),
            thing("k09", "alpha-gone", "GONE", "2024-01-08T00:00:00Z"),
            thing("k10", "epsilon", "UP", "2024-01-08T00:00:00Z"),
            thing("k11", "box zeta", "DOWN", "2024-01-09T00:00:00Z"),
        ],
        "t2" => vec![thing(
            "x01",
            "alpha elsewhere",
            "UP",
            "2024-02-01T00:00:00Z",
        )],
        _ => Vec::new(),
    }
}

fn error(status: StatusCode, message: &str) -> axum::response::Response {
    (
        status,
        Json(json!({"code": "THINGS.400", "message": message})),
    )
        .into_response()
}

async fn list(
    State(fault): State<Fault>,
    Path(tenant): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> axum::response::Response {
    if headers.get("X-Token").and_then(|v| v.to_str().ok()) != Some(TOKEN) {
        return error(StatusCode::UNAUTHORIZED, "token missing or wrong");
    }
    // The last value of a repeated parameter wins; an empty value is no value.
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |k: &str| {
        pairs
            .iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let digits = |v: &str| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
    let mut offset = match get("offset") {
        None => 0,
        Some(v) if digits(v) => v.parse::<usize>().unwrap_or(usize::MAX),
        Some(_) => return error(StatusCode::BAD_REQUEST, "offset is not a number"),
    };
    if fault == Fault::OffsetOneBased {
        offset = offset.saturating_sub(1);
    }
    let size = match get("size") {
        None if fault == Fault::NoDefaultSize => usize::MAX,
        None => 5,
        Some(v) if digits(v) => match v.parse::<usize>() {
            Ok(n @ 1..=50) => n,
            _ => return error(StatusCode::BAD_REQUEST, "size is 1 to 50"),
        },
        Some(_) => return error(StatusCode::BAD_REQUEST, "size is not a number"),
    };
    let exact = get("exact") == Some("yes") && fault != Fault::ExactIgnored;
    let all = get("all") == Some("1") || fault == Fault::GoneShown;
    let field = |t: &Value, k: &str| t[k].as_str().unwrap_or_default().to_string();
    let mut things: Vec<Value> = data(&tenant)
        .into_iter()
        .filter(|t| all || field(t, "state") != "GONE")
        .filter(|t| match get("q") {
            None => true,
            Some(q) if exact => field(t, "title") == q,
            Some(q) => field(t, "title").contains(q),
        })
        .filter(|t| get("state").is_none_or(|s| field(t, "state") == s))
        .filter(|t| get("key").is_none_or(|k| field(t, "key") == k))
        .collect();
    // Oldest first; ties by key descending. The timestamps share one format.
    things.sort_by(|a, b| {
        field(a, "made")
            .cmp(&field(b, "made"))
            .then_with(|| field(b, "key").cmp(&field(a, "key")))
    });
    if fault == Fault::NewestFirst {
        things.reverse();
    }
    let count = things.len();
    let page: Vec<Value> = things.into_iter().skip(offset).take(size).collect();
    let count = if fault == Fault::CountIsPage {
        page.len()
    } else {
        count
    };
    Json(json!({"things": page, "count": count})).into_response()
}

/// Serves the fixture on 127.0.0.1 in a thread of its own for the rest of the test.
fn serve(fault: Fault) -> SocketAddr {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let app = Router::new()
                .route("/api/{tenant}/things", get(list))
                .with_state(fault);
            axum::serve(listener, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

fn run_against(fault: Fault) -> std::process::Output {
    let addr = serve(fault);
    let target = format!("http://{addr}");
    conform(
        &[
            "run",
            "--contract",
            &format!("{DIR}/things.contract.toml"),
            "--cases",
            &format!("{DIR}/cases"),
            "--target",
            &target,
            "--project-id",
            "t1",
            "--other-project-id",
            "t2",
            "--auth",
            "token",
            "--snapshots",
            "off",
        ],
        &[("CONFORM_TOKEN", TOKEN)],
    )
}

#[test]
fn the_faithful_fixture_passes_every_case_of_the_second_contract() {
    let o = run_against(Fault::None);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("21 passed, 0 failed"), "{out}");
    assert!(!out.contains("VACUOUS") && !out.contains("SKIP"), "{out}");
    assert!(!out.contains(TOKEN), "the token never appears: {out}");
}

#[test]
fn every_fault_of_the_fixture_is_caught_under_its_rule() {
    for (fault, case, rule) in [
        (Fault::OffsetOneBased, "offset-window", "C9"),
        (Fault::ExactIgnored, "exact", "C3"),
        (Fault::CountIsPage, "title-shared-walk", "C11"),
        (Fault::NewestFirst, "unfiltered", "C8"),
        (Fault::GoneShown, "gone-hidden", "C6"),
        (Fault::NoDefaultSize, "unfiltered", "C10"),
    ] {
        let o = run_against(fault);
        let out = text(&o);
        if std::env::var_os("SHOW").is_some() {
            eprintln!("{out}");
        }
        assert_eq!(o.status.code(), Some(1), "{fault:?}: {out}");
        let line = out
            .lines()
            .find(|l| l.starts_with("FAIL") && l.contains(case))
            .unwrap_or_else(|| panic!("{fault:?}: no failure of {case}: {out}"));
        assert!(
            out.contains(&format!("{rule} ")),
            "{fault:?}: {line} does not cite {rule}: {out}"
        );
        assert!(
            out.contains("reproduce: curl -sS -H \"X-Token: $CONFORM_TOKEN\""),
            "{fault:?}: the reproduction sends the contract's token header: {out}"
        );
    }
}

#[test]
fn a_broken_description_is_refused_with_its_location_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["things.response.schema.json", "things.query.schema.json"] {
        std::fs::copy(format!("{DIR}/{f}"), dir.path().join(f)).unwrap();
    }
    let desc = std::fs::read_to_string(format!("{DIR}/things.contract.toml"))
        .unwrap()
        .replace("field = \"made\"", "field = \"maed\"");
    let path = dir.path().join("things.contract.toml");
    std::fs::write(&path, desc).unwrap();
    let o = conform(
        &[
            "run",
            "--contract",
            path.to_str().unwrap(),
            "--cases",
            &format!("{DIR}/cases"),
            "--target",
            "http://127.0.0.1:9",
            "--project-id",
            "t1",
        ],
        &[],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("`maed` is not a member of a list item"),
        "{out}"
    );
    assert!(out.contains("things.contract.toml:"), "{out}");
}
