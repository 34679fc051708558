//! A client with a body budget holds at most that many bytes of answer bodies: a request
//! whose answer does not fit waits, before reading its body, until an earlier answer is
//! released; a body larger than the whole budget still comes through alone.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use conform::exec::{Client, Request};

const BODY: usize = 100_000;

/// Answers every list request with a JSON body of exactly `BODY` bytes (declared), and
/// counts the requests.
async fn serve(hits: Arc<AtomicUsize>) -> String {
    let router = Router::new().route(
        "/v1.0/{p}/instances",
        get(move || {
            hits.fetch_add(1, Ordering::SeqCst);
            async move {
                let pad = BODY - r#"{"instances":[],"instance_num":0,"pad":""}"#.len();
                let body = format!(
                    r#"{{"instances":[],"instance_num":0,"pad":"{}"}}"#,
                    "x".repeat(pad)
                );
                ([("Content-Type", "application/json")], body)
            }
        }),
    );
    crate::serve(router).await
}

fn client(base_url: String) -> Client {
    crate::client(base_url, Duration::from_secs(10))
}

fn list() -> Request {
    Request::list(conform::contract::Contract::embedded().desc(), "p", vec![])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_that_does_not_fit_waits_for_the_one_held_to_be_released() {
    let hits = Arc::new(AtomicUsize::new(0));
    let c = client(serve(hits.clone()).await).with_body_budget(BODY + BODY / 2);
    let mut first = c.send(&list()).await;
    assert_eq!(first.outcome.as_ref().unwrap().body.len(), BODY);

    let again = c.clone();
    let second = tokio::spawn(async move { again.send(&list()).await });
    // The second request reaches the server (its headers come back), then waits for
    // room in the budget before reading its body.
    for _ in 0..200 {
        if hits.load(Ordering::SeqCst) == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        2,
        "the second request was sent"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !second.is_finished(),
        "a second body of {BODY} bytes does not fit beside the first in {} bytes",
        BODY + BODY / 2
    );

    first
        .outcome
        .as_mut()
        .unwrap()
        .release_body(conform::exec::Keep::Nothing);
    assert!(first.outcome.as_ref().unwrap().body.is_empty());
    let second = tokio::time::timeout(Duration::from_secs(10), second)
        .await
        .expect("released room lets the waiting answer in")
        .unwrap();
    assert_eq!(second.outcome.unwrap().body.len(), BODY);
}

#[tokio::test]
async fn a_body_larger_than_the_budget_comes_through_alone() {
    let hits = Arc::new(AtomicUsize::new(0));
    let c = client(serve(hits).await).with_body_budget(BODY / 10);
    let ex = c.send(&list()).await;
    assert_eq!(ex.outcome.unwrap().body.len(), BODY);
    // Dropped, not released: its share goes back all the same.
    let ex = tokio::time::timeout(Duration::from_secs(10), c.send(&list()))
        .await
        .expect("a dropped answer gives its share back");
    assert_eq!(ex.outcome.unwrap().body.len(), BODY);
}

#[tokio::test]
async fn a_released_answer_keeps_its_parsed_body_only_when_asked() {
    let hits = Arc::new(AtomicUsize::new(0));
    let c = client(serve(hits).await).with_body_budget(BODY);
    let mut kept = c.send(&list()).await.outcome.unwrap();
    kept.release_body(conform::exec::Keep::Parsed);
    assert!(kept.body.is_empty());
    assert_eq!(kept.json().unwrap()["instance_num"], 0);
    let mut gone = c.send(&list()).await.outcome.unwrap();
    let _ = gone.json();
    gone.release_body(conform::exec::Keep::Nothing);
    assert!(gone.json().is_err(), "nothing left to parse");
}
