//! conform's AK/SK signer against reference signatures made by the vendor's Python SDK.
//!
//! `tests/fixtures/signing/vectors.json` was produced offline by `make_vectors.py` in the
//! same folder (see its README); this test reads only the JSON, so it needs no Python.

use conform::auth::{sign, Credentials, Request};
use conform::secret::Secret;
use serde::Deserialize;
use time::macros::format_description;
use time::PrimitiveDateTime;

#[derive(Deserialize)]
struct Fixture {
    package: String,
    package_version: String,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    name: String,
    method: String,
    host: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: String,
    access_key: String,
    secret_key: String,
    security_token: Option<String>,
    date: String,
    expected: Expected,
}

#[derive(Deserialize)]
struct Expected {
    authorization: String,
    headers: Vec<(String, String)>,
    canonical_query: String,
    string_to_sign: String,
}

fn fixture() -> Fixture {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/signing/vectors.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn date(v: &Vector) -> time::OffsetDateTime {
    PrimitiveDateTime::parse(
        &v.date,
        format_description!("[year][month][day]T[hour][minute][second]Z"),
    )
    .unwrap()
    .assume_utc()
}

/// Header set as the server sees it: names case-insensitive, values trimmed, any order.
fn normalised(headers: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut h: Vec<_> = headers
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    h.sort();
    h
}

#[test]
fn fixture_is_from_the_sdk_and_covers_the_cases_we_rely_on() {
    let f = fixture();
    assert_eq!(f.package, "huaweicloudsdkcore");
    assert!(!f.package_version.is_empty());
    assert!(f.vectors.len() >= 8, "{} vectors", f.vectors.len());
    assert!(f.vectors.iter().any(|v| v.security_token.is_some()));
}

#[test]
fn sign_matches_the_sdk_for_every_vector() {
    let mut failures = Vec::new();
    for v in fixture().vectors {
        let mut headers = v.headers.clone();
        if let Some(token) = &v.security_token {
            headers.push(("X-Security-Token".into(), token.clone()));
        }
        let request = Request {
            method: &v.method,
            host: &v.host,
            path: &v.path,
            query: &v.query,
            headers: &headers,
            body: v.body.as_bytes(),
        };
        let signed = sign::sign(&v.access_key, &v.secret_key, &request, date(&v));
        if signed.authorization() != v.expected.authorization {
            failures.push(format!(
                "{}:\n  expected {}\n  actual   {}\n  the SDK signed:\n{}",
                v.name,
                v.expected.authorization,
                signed.authorization(),
                v.expected.string_to_sign
            ));
        }
        assert_eq!(signed.query, v.expected.canonical_query, "{}", v.name);
        let sent = normalised(headers.into_iter().chain(signed.headers));
        assert_eq!(sent, normalised(v.expected.headers.clone()), "{}", v.name);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn credentials_authorize_matches_the_sdk_including_the_security_token() {
    for v in fixture().vectors {
        let creds = Credentials::AkSk {
            access_key: Secret::new(v.access_key.clone()),
            secret_key: Secret::new(v.secret_key.clone()),
            security_token: v.security_token.clone().map(Secret::new),
        };
        let request = Request {
            method: &v.method,
            host: &v.host,
            path: &v.path,
            query: &v.query,
            headers: &v.headers,
            body: v.body.as_bytes(),
        };
        let auth = creds.authorize(&request, date(&v), "X-Auth-Token");
        let sent = normalised(
            v.headers.iter().cloned().chain(
                auth.headers
                    .iter()
                    .map(|(k, s)| (k.clone(), s.expose().to_owned())),
            ),
        );
        assert_eq!(sent, normalised(v.expected.headers.clone()), "{}", v.name);
        assert_eq!(
            auth.query.as_deref(),
            Some(v.expected.canonical_query.as_str())
        );
    }
}
