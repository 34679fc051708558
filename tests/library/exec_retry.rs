//! Retries never hide a wrong answer: only connection failures and 429/503 with
//! Retry-After are retried, a retried request says so, and a 500 is returned as it is.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::serve;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use conform::exec::{Client, Request};

fn client(base_url: String) -> Client {
    crate::client(base_url, Duration::from_secs(5))
}

/// Answers the first `failures` requests with `status` (and Retry-After: 0), then 200.
fn flaky(status: StatusCode, failures: usize, hits: Arc<AtomicUsize>) -> Router {
    Router::new().route(
        "/v1.0/{p}/instances",
        get(move || {
            let hits = hits.clone();
            async move {
                let n = hits.fetch_add(1, Ordering::SeqCst);
                if n < failures {
                    (status, [("Retry-After", "0")], "{}").into_response()
                } else {
                    (
                        StatusCode::OK,
                        [("Content-Type", "application/json")],
                        "{\"instances\":[],\"instance_num\":0}",
                    )
                        .into_response()
                }
            }
        }),
    )
}

#[tokio::test]
async fn too_many_requests_with_retry_after_is_retried_and_counted() {
    let hits = Arc::new(AtomicUsize::new(0));
    let c = client(serve(flaky(StatusCode::TOO_MANY_REQUESTS, 1, hits.clone())).await);
    let ex = c
        .send(&Request::list(
            conform::contract::Contract::embedded().desc(),
            "p",
            vec![],
        ))
        .await;
    assert_eq!(ex.outcome.unwrap().status, 200);
    assert_eq!(ex.retries, 1);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_server_error_is_never_retried() {
    let hits = Arc::new(AtomicUsize::new(0));
    let c = client(serve(flaky(StatusCode::INTERNAL_SERVER_ERROR, 1, hits.clone())).await);
    let ex = c
        .send(&Request::list(
            conform::contract::Contract::embedded().desc(),
            "p",
            vec![],
        ))
        .await;
    assert_eq!(ex.outcome.unwrap().status, 500);
    assert_eq!(ex.retries, 0);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn retries_stop_after_two() {
    let hits = Arc::new(AtomicUsize::new(0));
    let c = client(serve(flaky(StatusCode::SERVICE_UNAVAILABLE, 10, hits.clone())).await);
    let ex = c
        .send(&Request::list(
            conform::contract::Contract::embedded().desc(),
            "p",
            vec![],
        ))
        .await;
    assert_eq!(ex.outcome.unwrap().status, 503);
    assert_eq!(ex.retries, 2);
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_redirect_is_reported_not_followed() {
    let router = Router::new().route(
        "/v1.0/{p}/instances",
        get(|| async {
            (
                StatusCode::FOUND,
                [("Location", "http://127.0.0.2:9/elsewhere")],
                "",
            )
                .into_response()
        }),
    );
    let c = client(serve(router).await);
    let ex = c
        .send(&Request::list(
            conform::contract::Contract::embedded().desc(),
            "p",
            vec![],
        ))
        .await;
    assert_eq!(ex.outcome.unwrap().status, 302);
}

#[tokio::test]
async fn a_body_over_the_cap_is_a_transport_error() {
    let router = Router::new().route("/v1.0/{p}/instances", get(|| async { "x".repeat(2 << 20) }));
    let c = client(serve(router).await);
    let ex = c
        .send(&Request::list(
            conform::contract::Contract::embedded().desc(),
            "p",
            vec![],
        ))
        .await;
    assert!(
        matches!(ex.outcome, Err(conform::exec::TransportError::TooLarge(_))),
        "{:?}",
        ex.outcome.map(|r| r.status)
    );
}
