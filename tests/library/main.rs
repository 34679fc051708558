//! Integration tests that use the library in-process: deriving schemas from vendor pages,
//! the built-in mock (rules, faults, sockets, and its command), request retries, request
//! signing, the fast list reader, selfcheck and the fuzz targets' replay. They share one
//! test binary so that `cargo test` links the crate once for all of them;
//! `cargo test --test library` runs only these.
//!
//! Each module (a folder for `mock`) covers one area and its tests are named after it:
//! `cargo test --test library mock::rules::` runs the mock's rule tests. Insta snapshots
//! live in `snapshots/` next to this file, named after the module path
//! (`library__derive__list-flavors.query.snap`).

#[path = "../support/need.rs"]
mod need;

mod body_budget;
mod derive;
mod derive_corpus;
mod derive_diff;
mod derive_walkthrough;
mod exec_retry;
mod explore;
mod fuzz_replay;
mod mock;
mod moving;
mod near_duplicates;
mod selfcheck;
mod shape_equivalence;
mod signing_vectors;

/// How the tests send to a mock served in-process: its URL and credentials, 8 requests
/// at once, no rate limit, `contract`'s token header.
pub(crate) fn mock_target(
    spec: &conform::runner::TargetSpec,
    contract: &conform::contract::Contract,
) -> conform::exec::Target {
    conform::exec::Target {
        base_url: spec.base_url.clone(),
        credentials: spec.credentials.clone(),
        ca_cert: None,
        insecure: false,
        timeout: std::time::Duration::from_secs(10),
        max_body: 64 << 20,
        rate: None,
        jobs: 8,
        token_header: contract.desc().token_header.clone(),
    }
}

/// Serves `router` on an ephemeral loopback port; its base URL.
pub(crate) async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// A client for `base_url` without credentials: 4 requests at a time, bodies up to 1 MiB.
pub(crate) fn client(base_url: String, timeout: std::time::Duration) -> conform::exec::Client {
    conform::exec::Client::new(conform::exec::Target {
        base_url,
        credentials: conform::auth::Credentials::None,
        ca_cert: None,
        insecure: false,
        timeout,
        max_body: 1 << 20,
        rate: None,
        jobs: 4,
        token_header: "X-Auth-Token".into(),
    })
    .unwrap()
}
