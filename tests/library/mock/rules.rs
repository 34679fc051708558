//! One test per rule, in-process through the router, against the hand data set. Every
//! expected list is written out by hand from the table in `common::hand_data`.

use super::common::*;
use conform::contract::Contract;

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(std::string::ToString::to_string).collect()
}

async fn expect(query: &str, want: &[&str]) {
    let app = app(&[], None);
    let a = list(&app, query).await;
    assert_eq!(a.ids(), ids(want), "query {query}");
    assert_eq!(a.num(), want.len() as i64, "instance_num for {query}");
}

#[tokio::test]
async fn c1_empty_values_are_absent() {
    expect("", &DEFAULT).await;
    expect("?name=&status=&id=", &DEFAULT).await;
    expect(
        "?name=&status=&id=&start=&limit=&includeFailure=&isExactMatchName=",
        &DEFAULT,
    )
    .await;
}

#[tokio::test]
async fn c2_fuzzy_name_is_a_case_sensitive_substring() {
    expect("?name=cache", &["a1", "a3", "a7"]).await;
    expect("?name=prod", &["a1", "a7"]).await;
    expect("?name=Prod", &["a2"]).await;
    expect("?name=CACHE", &[]).await;
    expect("?name=cache-prod", &["a1", "a7"]).await;
}

#[tokio::test]
async fn c2_names_are_form_decoded() {
    // "a+b c&d=e%f": %2B is `+`, `+` and %20 are spaces, %26 `&`, %3D `=`, %25 `%`.
    expect("?name=a%2Bb%20c%26d%3De%25f", &["a5"]).await;
    expect("?name=a%2Bb+c", &["a5"]).await;
    expect("?name=b+c", &["a5"]).await;
    expect("?name=a+b", &[]).await; // decodes to "a b"
    expect("?name=c%26d", &["a5"]).await;
    expect("?name=d%3De", &["a5"]).await;
    expect("?name=e%25f", &["a5"]).await;
    expect("?name=%E8%AE%A2%E5%8D%95", &["a6"]).await; // 订单
    expect("?name=%E7%BC%93%E5%AD%98&isExactMatchName=true", &[]).await; // 缓存, exact
}

#[tokio::test]
async fn c3_only_literal_true_turns_exact_matching_on() {
    expect("?name=cache-prod&isExactMatchName=true", &["a1"]).await;
    expect("?name=cache&isExactMatchName=true", &["a3"]).await;
    expect("?name=cache-pro&isExactMatchName=true", &[]).await;
    for other in ["false", "TRUE", "True", "1", "yes", ""] {
        expect(
            &format!("?name=cache-prod&isExactMatchName={other}"),
            &["a1", "a7"],
        )
        .await;
    }
}

#[tokio::test]
async fn c4_status_equals_and_unknown_status_is_an_empty_200() {
    expect("?status=RUNNING", &["a1", "a2", "a5", "b0"]).await;
    expect("?status=CLOSED", &["a3"]).await;
    expect("?status=FROZEN", &["a6"]).await;
    expect("?status=running", &[]).await;
    expect("?status=BOGUS", &[]).await;
    expect("?status=STARTING", &[]).await;
}

#[tokio::test]
async fn c5_id_is_exact_and_unknown_ids_are_not_errors() {
    expect("?id=a3", &["a3"]).await;
    expect("?id=a", &[]).await;
    expect("?id=A3", &[]).await;
    expect("?id=zzz", &[]).await;
    expect("?id=c1", &[]).await; // another project's instance (C14)
}

#[tokio::test]
async fn c6_failed_instances_need_literal_true() {
    expect(
        "?includeFailure=true",
        &["a4", "a1", "a2", "a3", "a5", "a6", "a7", "b0"],
    )
    .await;
    for other in ["false", "TRUE", "1", "yes"] {
        expect(&format!("?includeFailure={other}"), &DEFAULT).await;
    }
    // Whatever the other filters say.
    expect("?status=CREATEFAILED", &[]).await;
    expect("?id=a4", &[]).await;
    expect("?name=prod-cache&isExactMatchName=true", &[]).await;
    expect("?status=CREATEFAILED&includeFailure=true", &["a4"]).await;
    expect("?name=prod&includeFailure=true", &["a4", "a1", "a7"]).await;
}

#[tokio::test]
async fn c7_filters_and_together_and_unknown_parameters_are_ignored() {
    expect("?name=cache&status=RUNNING", &["a1"]).await;
    expect("?status=RUNNING&id=a2", &["a2"]).await;
    expect("?status=CLOSED&id=a2", &[]).await;
    expect("?name=zeta&status=CLOSED", &[]).await;
    expect(
        "?name=cache&status=RUNNING&foo=bar&offset=3&project_id=p2",
        &["a1"],
    )
    .await;
    expect("?Name=zeta", &DEFAULT).await; // parameter names are case-sensitive
}

#[tokio::test]
async fn c8_newest_first_ties_by_id_ascending_same_every_time() {
    let app = app(&[], None);
    for _ in 0..3 {
        assert_eq!(list(&app, "").await.ids(), ids(&DEFAULT));
    }
}

#[tokio::test]
async fn c9_start_is_one_based() {
    expect_page("?start=1&limit=2", &["a1", "a2"], 7).await;
    expect_page("?start=2&limit=2", &["a2", "a3"], 7).await;
    expect_page("?start=7", &["b0"], 7).await;
    expect_page("?start=8", &[], 7).await;
    expect_page("?start=99999999999999999999", &[], 7).await;
    expect_page("?status=RUNNING&start=3", &["a5", "b0"], 4).await;
}

async fn expect_page(query: &str, want: &[&str], num: i64) {
    let app = app(&[], None);
    let a = list(&app, query).await;
    assert_eq!(a.ids(), ids(want), "{query}");
    assert_eq!(a.num(), num, "{query}");
}

#[tokio::test]
async fn c10_limit_and_bad_paging_parameters() {
    expect_page("?limit=3", &["a1", "a2", "a3"], 7).await;
    expect_page("?limit=1", &["a1"], 7).await;
    expect_page("?limit=007", &["a1", "a2", "a3", "a5", "a6", "a7", "b0"], 7).await;
    expect_page("?limit=100", &DEFAULT, 7).await;
    let app = app(&[], None);
    for bad in [
        "limit=0",
        "limit=-1",
        "start=0",
        "start=-3",
        "limit=ten",
        "limit=1.5",
        "start=1e2",
        "limit=%2B3",
        "limit=+3",
        "start=0x1",
        "limit=3%20",
        "start=%EF%BC%91",
    ] {
        list(&app, &format!("?{bad}")).await.assert_json_error(400);
    }
}

#[tokio::test]
async fn c11_instance_num_counts_all_pages() {
    let app = app(&[], None);
    for limit in 1..=8 {
        let mut walked = Vec::new();
        let mut start = 1;
        loop {
            let a = list(&app, &format!("?limit={limit}&start={start}")).await;
            assert_eq!(a.num(), 7);
            let page = a.ids();
            assert!(page.len() <= limit);
            if page.is_empty() {
                break;
            }
            start += page.len();
            walked.extend(page);
        }
        assert_eq!(walked, ids(&DEFAULT), "limit {limit}");
    }
}

#[tokio::test]
async fn c12_content_type_and_schema() {
    let app = app(&[], None);
    for q in ["", "?includeFailure=true", "?limit=2", "?status=BOGUS"] {
        let a = list(&app, q).await;
        assert_eq!(a.status, 200);
        assert_eq!(a.content_type, "application/json");
        let v = Contract::embedded().validate_response(&a.json());
        assert!(v.is_empty(), "{q}: {v:?}");
    }
    // Instances are served exactly as the data set holds them, in its member order.
    // Tags are the v2 list's: the v1.0 list leaves them out.
    let a = list(&app, "?id=a1").await;
    let mut a1 = hand_data().instances(P1).unwrap()[1].clone();
    assert!(a1.as_object_mut().unwrap().shift_remove("tags").is_some());
    let want = serde_json::json!({"instances": [a1], "instance_num": 1});
    assert_eq!(a.body, serde_json::to_vec(&want).unwrap());
}

#[tokio::test]
async fn c13_errors_are_json() {
    let app = app(&[], None);
    list(&app, "?limit=0").await.assert_json_error(400);
    get(&app, "/v1.0/p1/instance").await.assert_json_error(404);
    get(&app, "/").await.assert_json_error(404);
    get(&app, "/v1.0/p1/instances/")
        .await
        .assert_json_error(404);
    get(&app, "/v3/p1/instances").await.assert_json_error(404);
    for m in ["POST", "PUT", "DELETE", "PATCH"] {
        let a = request(&app, m, "/v1.0/p1/instances", None).await;
        a.assert_json_error(405);
    }
}

#[tokio::test]
async fn c14_projects_are_separate() {
    let app = app(&[], None);
    let a = get(&app, "/v1.0/p2/instances").await;
    assert_eq!(a.ids(), ids(&["c1", "c2"]));
    let a = get(&app, "/v1.0/p2/instances?name=cache").await;
    assert_eq!(a.ids(), ids(&["c1"]));
    let a = get(&app, "/v1.0/unknown/instances").await;
    assert_eq!((a.ids(), a.num()), (vec![], 0));
    let a = get(&app, "/v1.0/P1/instances").await; // project ids are case-sensitive
    assert_eq!((a.ids(), a.num()), (vec![], 0));
}

#[tokio::test]
async fn c14_token_is_required_when_configured() {
    let app = app(&[], Some(TOKEN));
    let uri = "/v1.0/p1/instances";
    request(&app, "GET", uri, None).await.assert_json_error(401);
    request(&app, "GET", uri, Some("wrong"))
        .await
        .assert_json_error(401);
    request(&app, "GET", uri, Some("s3cret-toke"))
        .await
        .assert_json_error(401);
    request(&app, "GET", "/elsewhere", None)
        .await
        .assert_json_error(401);
    let a = request(&app, "GET", uri, Some(TOKEN)).await;
    assert_eq!(a.ids(), ids(&DEFAULT));
    // The token is never echoed.
    let a = request(&app, "GET", uri, Some("wrong")).await;
    assert!(!String::from_utf8_lossy(&a.body).contains(TOKEN));
}

async fn v2(app: &axum::Router, query: &str) -> Answer {
    get(app, &format!("/v2/{P1}/instances{query}")).await
}

/// The v2 list from the same data (docs/contract-v2-notes.md): 0-based offset, 10 by
/// default, at most 1000, `name_equal` and `include_failure` as its flags, v1.0's
/// parameters ignored, errors with DCS.4800.
#[tokio::test]
async fn v2_pages_from_offset_zero_with_ten_by_default_and_its_own_flags() {
    let app = app(&[], None);
    let v1 = list(&app, "?includeFailure=true").await.ids();
    let all = v2(&app, "?include_failure=true&limit=1000").await;
    assert_eq!(all.ids(), v1, "the same data, in the same order");
    assert_eq!(all.num(), v1.len() as i64);
    assert_eq!(
        v2(&app, "?include_failure=true&offset=1&limit=2")
            .await
            .ids(),
        v1[1..3]
    );
    let visible = list(&app, "").await.ids();
    let first = v2(&app, "").await;
    assert_eq!(
        first.ids(),
        visible[..visible.len().min(10)],
        "10 without limit"
    );
    assert_eq!(first.num(), visible.len() as i64);
    // v1.0's parameter names mean nothing to v2.
    assert_eq!(
        v2(&app, "?includeFailure=true&start=3").await.ids(),
        first.ids()
    );
    let exact = v2(&app, "?name=cache&name_equal=true").await;
    assert!(exact.ids().iter().all(|id| {
        exact.json()["instances"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["instance_id"] == id.as_str() && i["name"] == "cache")
    }));
    assert_eq!(
        v2(&app, "?name=cache&name_equal=true").await.ids().len(),
        list(&app, "?name=cache&isExactMatchName=true")
            .await
            .ids()
            .len()
    );
    for bad in ["?offset=-1", "?limit=0", "?limit=1001", "?offset=x"] {
        let a = v2(&app, bad).await;
        a.assert_json_error(400);
        assert_eq!(a.json()["error_code"], "DCS.4800", "{bad}");
    }
}

/// The v2 list as its own page says (issue 23): the 9 statuses of the status table it
/// links (a CLOSED instance shows as FROZEN; STARTING, CLOSING, CLOSED find nothing),
/// and null where the page says null (no public access; pay-per-use: no order).
#[tokio::test]
async fn v2_speaks_its_own_status_table_and_the_pages_nulls() {
    let app = app(&[], None);
    let a3 = v2(&app, "?instance_id=a3").await.json();
    assert_eq!(a3["instances"][0]["status"], "FROZEN");
    assert!(v2(&app, "?status=CLOSED").await.ids().is_empty());
    assert!(v2(&app, "?status=FROZEN")
        .await
        .ids()
        .contains(&"a3".to_string()));
    assert_eq!(
        list(&app, "?id=a3").await.json()["instances"][0]["status"],
        "CLOSED"
    );
    let a1 = &a3["instances"][0];
    for member in ["publicip_id", "publicip_address", "order_id"] {
        assert_eq!(a1[member], serde_json::Value::Null, "{member}");
    }
}
