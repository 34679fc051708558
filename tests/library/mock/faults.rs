//! Every fault of the catalogue, each with a request whose answer differs from the faithful
//! mock's, and a hand-written expectation of how it differs (tolerated and additive faults
//! differ only in the way the contract allows).

use std::collections::HashSet;

use super::common::*;
use conform::contract::Contract;
use conform::mock::{Fault, FaultKind};
use serde_json::Value;

/// How to probe a fault: the request (on the hand data set, with the token unless
/// `token` says otherwise), how often to send it, and what the faulty answers look like.
struct Probe {
    fault: &'static str,
    /// More than ten instances in one project (for v2's default page size); else the
    /// hand data set.
    big: bool,
    uri: &'static str,
    token: Option<&'static str>,
    /// The request is sent this many times to both mocks (intermittent and unstable faults
    /// need more than one).
    times: usize,
    /// The same request is sent once with the token first (a sequence: `auth-cached`).
    primed: bool,
    check: fn(&[Answer], &[Answer]),
}

fn p(fault: &'static str, uri: &'static str, check: fn(&[Answer], &[Answer])) -> Probe {
    Probe {
        fault,
        big: false,
        uri,
        token: Some(TOKEN),
        times: 1,
        primed: false,
        check,
    }
}

fn s(list: &[&str]) -> Vec<String> {
    list.iter().map(std::string::ToString::to_string).collect()
}

fn first_instance(a: &Answer) -> Value {
    a.json()["instances"][0].clone()
}

fn probes() -> Vec<Probe> {
    vec![
        // C1
        p(
            "empty-value-filters",
            "/v1.0/p1/instances?status=",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&DEFAULT));
                assert_eq!(bad[0].ids(), s(&[]));
            },
        ),
        // C2
        p(
            "fuzzy-prefix-only",
            "/v1.0/p1/instances?name=prod",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a1", "a7"]));
                assert_eq!(bad[0].ids(), s(&[]));
            },
        ),
        p(
            "fuzzy-drops-one-match",
            "/v1.0/p1/instances?name=cache",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a1", "a3", "a7"]));
                assert_eq!((bad[0].ids(), bad[0].num()), (s(&["a1", "a3"]), 2));
            },
        ),
        p(
            "fuzzy-case-insensitive",
            "/v1.0/p1/instances?name=cache",
            |good, bad| {
                // Tolerated: a superset whose extras contain the term only case-insensitively.
                assert_eq!(good[0].ids(), s(&["a1", "a3", "a7"]));
                assert_eq!(bad[0].ids(), s(&["a1", "a2", "a3", "a7"]));
                assert_eq!(bad[0].json()["instances"][1]["name"], "Cache-Prod");
            },
        ),
        // C3
        p(
            "exact-any-truthy",
            "/v1.0/p1/instances?name=cache-prod&isExactMatchName=TRUE",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a1", "a7"]));
                assert_eq!(bad[0].ids(), s(&["a1"]));
            },
        ),
        p(
            "exact-ignored",
            "/v1.0/p1/instances?name=cache-prod&isExactMatchName=true",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a1"]));
                assert_eq!(bad[0].ids(), s(&["a1", "a7"]));
            },
        ),
        // C4
        p(
            "status-ignored",
            "/v1.0/p1/instances?status=CLOSED",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a3"]));
                assert_eq!(bad[0].ids(), s(&DEFAULT));
            },
        ),
        p(
            "status-case-insensitive",
            "/v1.0/p1/instances?status=running",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&[]));
                assert_eq!(bad[0].ids(), s(&["a1", "a2", "a5", "b0"]));
            },
        ),
        p(
            "unknown-status-400",
            "/v1.0/p1/instances?status=BOGUS",
            |good, bad| {
                // Tolerated: 400 with a C13 body instead of an empty 200.
                assert_eq!((good[0].ids(), good[0].num()), (s(&[]), 0));
                bad[0].assert_json_error(400);
            },
        ),
        // C5
        p("id-prefix-match", "/v1.0/p1/instances?id=a", |good, bad| {
            assert_eq!(good[0].ids(), s(&[]));
            assert_eq!(bad[0].ids(), s(&["a1", "a2", "a3", "a5", "a6", "a7"]));
        }),
        p(
            "unknown-id-404",
            "/v1.0/p1/instances?id=zzz",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&[]));
                bad[0].assert_json_error(404);
            },
        ),
        // C6
        p("failed-always-shown", "/v1.0/p1/instances", |good, bad| {
            assert_eq!(good[0].ids(), s(&DEFAULT));
            assert_eq!(
                bad[0].ids(),
                s(&["a4", "a1", "a2", "a3", "a5", "a6", "a7", "b0"])
            );
        }),
        p(
            "include-failure-any-value",
            "/v1.0/p1/instances?includeFailure=false",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&DEFAULT));
                assert_eq!(
                    bad[0].ids(),
                    s(&["a4", "a1", "a2", "a3", "a5", "a6", "a7", "b0"])
                );
            },
        ),
        p(
            "failed-shown-by-status",
            "/v1.0/p1/instances?status=CREATEFAILED",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&[]));
                assert_eq!(bad[0].ids(), s(&["a4"]));
            },
        ),
        // C7
        p(
            "filters-or",
            "/v1.0/p1/instances?name=zeta&status=CLOSED",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&[]));
                assert_eq!(bad[0].ids(), s(&["a3", "b0"]));
            },
        ),
        p(
            "unknown-param-400",
            "/v1.0/p1/instances?marker=x",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&DEFAULT));
                bad[0].assert_json_error(400);
            },
        ),
        // C8
        p("oldest-first", "/v1.0/p1/instances", |good, bad| {
            assert_eq!(good[0].ids(), s(&DEFAULT));
            assert_eq!(bad[0].ids(), s(&["b0", "a5", "a6", "a7", "a3", "a2", "a1"]));
        }),
        p("tie-break-descending", "/v1.0/p1/instances", |good, bad| {
            assert_eq!(good[0].ids(), s(&DEFAULT));
            assert_eq!(bad[0].ids(), s(&["a1", "a2", "a3", "a7", "a6", "a5", "b0"]));
        }),
        Probe {
            times: 2,
            ..p("unstable-order", "/v1.0/p1/instances", |good, bad| {
                assert_eq!(good[0].ids(), good[1].ids());
                assert_eq!(bad[0].ids(), s(&DEFAULT));
                assert_eq!(bad[1].ids(), s(&["a1", "a2", "a3", "a7", "a6", "a5", "b0"]));
            })
        },
        // C9
        p(
            "start-zero-based",
            "/v1.0/p1/instances?start=1&limit=2",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a1", "a2"]));
                assert_eq!(bad[0].ids(), s(&["a2", "a3"]));
            },
        ),
        p(
            "start-past-end-400",
            "/v1.0/p1/instances?start=8",
            |good, bad| {
                assert_eq!((good[0].ids(), good[0].num()), (s(&[]), 7));
                bad[0].assert_json_error(400);
            },
        ),
        // C10
        p(
            "limit-ignored",
            "/v1.0/p1/instances?limit=2",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a1", "a2"]));
                assert_eq!(bad[0].ids(), s(&DEFAULT));
            },
        ),
        p(
            "limit-off-by-one",
            "/v1.0/p1/instances?limit=2",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a1", "a2"]));
                assert_eq!(bad[0].ids(), s(&["a1", "a2", "a3"]));
            },
        ),
        p(
            "limit-zero-accepted",
            "/v1.0/p1/instances?limit=0",
            |good, bad| {
                good[0].assert_json_error(400);
                assert_eq!(bad[0].ids(), s(&[]));
            },
        ),
        p(
            "bad-limit-500",
            "/v1.0/p1/instances?limit=ten",
            |good, bad| {
                good[0].assert_json_error(400);
                bad[0].assert_json_error(500);
            },
        ),
        // C11
        p(
            "instance-num-page-size",
            "/v1.0/p1/instances?limit=2",
            |good, bad| {
                assert_eq!(good[0].num(), 7);
                assert_eq!((bad[0].ids(), bad[0].num()), (s(&["a1", "a2"]), 2));
            },
        ),
        p(
            "instance-num-unfiltered",
            "/v1.0/p1/instances?status=CLOSED",
            |good, bad| {
                assert_eq!(good[0].num(), 1);
                assert_eq!((bad[0].ids(), bad[0].num()), (s(&["a3"]), 7));
            },
        ),
        // C12
        p("port-as-string", "/v1.0/p1/instances?id=a1", |good, bad| {
            assert_eq!(first_instance(&good[0])["port"], 6379);
            assert_eq!(first_instance(&bad[0])["port"], "6379");
        }),
        p("field-missing", "/v1.0/p1/instances?id=a3", |good, bad| {
            assert_eq!(first_instance(&good[0])["domainName"], "");
            assert!(first_instance(&bad[0]).get("domainName").is_none());
        }),
        p(
            "used-exceeds-max",
            "/v1.0/p1/instances?id=a1",
            |good, bad| {
                assert_eq!(first_instance(&good[0])["used_memory"], 10);
                assert_eq!(first_instance(&bad[0])["used_memory"], 1639);
            },
        ),
        p("duplicate-id", "/v1.0/p1/instances?limit=2", |good, bad| {
            assert_eq!(good[0].ids(), s(&["a1", "a2"]));
            assert_eq!(bad[0].ids(), s(&["a1", "a2", "a1"]));
        }),
        p(
            "created-at-no-zone",
            "/v1.0/p1/instances?id=a1",
            |good, bad| {
                assert_eq!(
                    first_instance(&good[0])["created_at"],
                    "2024-05-03T00:00:00Z"
                );
                assert_eq!(first_instance(&bad[0])["created_at"], "2024-05-03T00:00:00");
            },
        ),
        p("content-type-text", "/v1.0/p1/instances", |good, bad| {
            assert_eq!(good[0].content_type, "application/json");
            assert!(bad[0].content_type.starts_with("text/plain"));
            assert_eq!(bad[0].body, good[0].body);
        }),
        p("extra-field", "/v1.0/p1/instances", |good, bad| {
            // Additive: the body is the faithful one plus one member per instance, and still
            // satisfies the schema.
            let mut v = bad[0].json();
            assert!(Contract::embedded().validate_response(&v).is_empty());
            for i in v["instances"].as_array_mut().unwrap() {
                assert!(i
                    .as_object_mut()
                    .unwrap()
                    .shift_remove("az_codes")
                    .is_some());
            }
            assert_eq!(v, good[0].json());
        }),
        Probe {
            times: 14,
            ..p("intermittent-500", "/v1.0/p1/instances", |good, bad| {
                let statuses: Vec<u16> = bad.iter().map(|a| a.status).collect();
                let want: Vec<u16> = (1..=14)
                    .map(|n| if n % 7 == 0 { 500 } else { 200 })
                    .collect();
                assert_eq!(statuses, want);
                bad[6].assert_json_error(500);
                assert!(good.iter().all(|a| a.status == 200));
            })
        },
        // C13
        p(
            "error-body-text",
            "/v1.0/p1/instances?limit=0",
            |good, bad| {
                good[0].assert_json_error(400);
                assert_eq!(bad[0].status, 400);
                assert!(serde_json::from_slice::<Value>(&bad[0].body).is_err());
            },
        ),
        p(
            "error-body-missing-msg",
            "/v1.0/p1/instances?limit=0",
            |good, bad| {
                good[0].assert_json_error(400);
                let v = bad[0].json();
                assert!(
                    v["error_code"].is_string() && v.get("error_msg").is_none(),
                    "{v}"
                );
            },
        ),
        // C14
        p("tenant-leak", "/v1.0/p2/instances", |good, bad| {
            assert_eq!(good[0].ids(), s(&["c1", "c2"]));
            let leaked: HashSet<String> = bad[0].ids().into_iter().collect();
            assert!(leaked.contains("c1") && leaked.contains("a1"), "{leaked:?}");
        }),
        Probe {
            token: None,
            ..p("auth-ignored", "/v1.0/p1/instances", |good, bad| {
                good[0].assert_json_error(401);
                assert_eq!(bad[0].ids(), s(&DEFAULT));
            })
        },
        // The grammar of a value and of a parameter's name, the shapes of a token.
        p(
            "name-trimmed",
            "/v1.0/p1/instances?name=%20zeta",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&[]));
                assert_eq!(bad[0].ids(), s(&["b0"]));
            },
        ),
        p("name-glob", "/v1.0/p1/instances?name=c*he", |good, bad| {
            assert_eq!(good[0].ids(), s(&[]));
            assert!(
                bad[0].ids().contains(&"a3".to_string()),
                "{:?}",
                bad[0].ids()
            );
        }),
        p(
            "param-name-other-convention",
            "/v1.0/p1/instances?include_failure=true",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&DEFAULT));
                assert!(
                    bad[0].ids().contains(&"a4".to_string()),
                    "{:?}",
                    bad[0].ids()
                );
            },
        ),
        p(
            "param-name-plural",
            "/v1.0/p1/instances?limits=1",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&DEFAULT));
                assert_eq!(bad[0].ids(), s(&["a1"]));
            },
        ),
        p(
            "repeated-param-joined",
            "/v1.0/p1/instances?limit=2&limit=1",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&DEFAULT[..2]), "the first value counts");
                bad[0].assert_json_error(400);
            },
        ),
        p(
            "repeated-param-last-wins",
            "/v1.0/p1/instances?limit=2&limit=1",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&DEFAULT[..2]));
                assert_eq!(bad[0].ids(), s(&DEFAULT[..1]));
            },
        ),
        p(
            "paging-32-bit-wrap",
            "/v1.0/p1/instances?limit=4294967297",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&DEFAULT));
                assert_eq!(bad[0].ids(), s(&DEFAULT[..1]));
            },
        ),
        p(
            "paging-beyond-32-bit-400",
            "/v1.0/p1/instances?start=2147483648",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&[]), "read, it is past the end");
                bad[0].assert_json_error(400);
            },
        ),
        p(
            "paging-plus-sign-read",
            "/v1.0/p1/instances?limit=%2B1",
            |good, bad| {
                good[0].assert_json_error(400);
                assert_eq!(bad[0].ids(), s(&DEFAULT[..1]));
            },
        ),
        p(
            "name-like-wildcards",
            "/v1.0/p1/instances?name=c_che",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&[]));
                assert!(
                    bad[0].ids().contains(&"a3".to_string()),
                    "{:?}",
                    bad[0].ids()
                );
            },
        ),
        p(
            "name-double-decoded",
            "/v1.0/p1/instances?name=%257Aeta",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&[]));
                assert_eq!(bad[0].ids(), s(&["b0"]));
            },
        ),
        p(
            "id-case-insensitive",
            "/v1.0/p1/instances?id=B0",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&[]));
                assert_eq!(bad[0].ids(), s(&["b0"]));
            },
        ),
        p("id-trimmed", "/v1.0/p1/instances?id=b0%20", |good, bad| {
            assert_eq!(good[0].ids(), s(&[]));
            assert_eq!(bad[0].ids(), s(&["b0"]));
        }),
        p(
            "status-trimmed",
            "/v2/p1/instances?status=%20FROZEN",
            |good, bad| {
                // v2 shows CLOSED (a3) as FROZEN too.
                assert_eq!(good[0].ids(), s(&[]));
                assert_eq!(bad[0].ids(), s(&["a3", "a6"]));
            },
        ),
        p(
            "param-name-case-insensitive",
            "/v1.0/p1/instances?Limit=1",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&DEFAULT));
                assert_eq!(bad[0].ids(), s(&["a1"]));
            },
        ),
        Probe {
            big: true,
            ..p(
                "leading-zero-octal",
                "/v1.0/p1/instances?limit=010",
                |good, bad| {
                    assert_eq!(good[0].ids().len(), 10);
                    assert_eq!(bad[0].ids().len(), 8);
                },
            )
        },
        Probe {
            big: true,
            ..p("page-cap-50", "/v1.0/p1/instances", |good, bad| {
                let all = good[0].json()["instance_num"].as_u64().unwrap();
                assert!(all > 50 && good[0].ids().len() as u64 == all, "{all}");
                assert_eq!(bad[0].ids().len(), 50);
                assert_eq!(bad[0].json()["instance_num"].as_u64(), Some(all));
            })
        },
        Probe {
            token: None,
            primed: true,
            ..p(
                "auth-cached",
                "/v1.0/p1/instances?name=zeta",
                |good, bad| {
                    good[0].assert_json_error(401);
                    assert_eq!(bad[0].ids(), s(&["b0"]));
                },
            )
        },
        Probe {
            token: Some(""),
            ..p("token-empty-accepted", "/v1.0/p1/instances", |good, bad| {
                good[0].assert_json_error(401);
                assert_eq!(bad[0].ids(), s(&DEFAULT));
            })
        },
        Probe {
            token: Some("s3cret-toke"),
            ..p(
                "token-prefix-accepted",
                "/v1.0/p1/instances",
                |good, bad| {
                    good[0].assert_json_error(401);
                    assert_eq!(bad[0].ids(), s(&DEFAULT));
                },
            )
        },
        Probe {
            token: Some("s3cret-token-"),
            ..p(
                "token-extended-accepted",
                "/v1.0/p1/instances",
                |good, bad| {
                    good[0].assert_json_error(401);
                    assert_eq!(bad[0].ids(), s(&DEFAULT));
                },
            )
        },
        Probe {
            token: Some("S3CRET-TOKEN"),
            ..p(
                "token-case-insensitive",
                "/v1.0/p1/instances",
                |good, bad| {
                    good[0].assert_json_error(401);
                    assert_eq!(bad[0].ids(), s(&DEFAULT));
                },
            )
        },
        Probe {
            token: Some("not-the-token"),
            ..p("auth-any-token", "/v1.0/p1/instances", |good, bad| {
                good[0].assert_json_error(401);
                assert_eq!(bad[0].ids(), s(&DEFAULT));
            })
        },
        Probe {
            token: None,
            ..p("auth-403", "/v1.0/p1/instances", |good, bad| {
                // Tolerated: 403 instead of 401, still with a C13 body.
                good[0].assert_json_error(401);
                bad[0].assert_json_error(403);
            })
        },
        // Faults a hand-written case missed and exploration finds (issue 14).
        p(
            "empty-start-400",
            "/v1.0/p1/instances?start=",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&DEFAULT));
                bad[0].assert_json_error(400);
            },
        ),
        p(
            "fuzzy-misses-suffix",
            "/v1.0/p1/instances?name=prod",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a1", "a7"]));
                assert_eq!(bad[0].ids(), s(&["a7"]));
            },
        ),
        p(
            "punctuation-equivalent",
            "/v1.0/p1/instances?name=cache_prod",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&[]));
                assert_eq!(bad[0].ids(), s(&["a1", "a7"]));
            },
        ),
        p(
            "non-ascii-whole-only",
            "/v1.0/p1/instances?name=%E7%BC%93%E5%AD%98",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a6"]));
                assert_eq!(bad[0].ids(), s(&[]));
            },
        ),
        p(
            "exact-case-insensitive",
            "/v1.0/p1/instances?name=cache-prod&isExactMatchName=true",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a1"]));
                assert_eq!(bad[0].ids(), s(&["a1", "a2"]));
            },
        ),
        p(
            "status-ignored-with-exact",
            "/v1.0/p1/instances?status=CLOSED&isExactMatchName=false",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a3"]));
                assert_eq!(bad[0].ids(), s(&DEFAULT));
            },
        ),
        p(
            "include-failure-capitalised",
            "/v1.0/p1/instances?includeFailure=True",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&DEFAULT));
                assert_eq!(
                    bad[0].ids(),
                    s(&["a4", "a1", "a2", "a3", "a5", "a6", "a7", "b0"])
                );
            },
        ),
        p(
            "unlisted-param-with-paging-400",
            "/v1.0/p1/instances?foo=1&limit=2",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a1", "a2"]));
                bad[0].assert_json_error(400);
            },
        ),
        p(
            "limit-before-filters",
            "/v1.0/p1/instances?status=CLOSED&limit=1",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a3"]));
                assert_eq!(bad[0].ids(), s(&[]));
            },
        ),
        p(
            "empty-limit-400",
            "/v1.0/p1/instances?limit=",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&DEFAULT));
                bad[0].assert_json_error(400);
            },
        ),
        p(
            "empty-include-failure-shown",
            "/v1.0/p1/instances?includeFailure=",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&DEFAULT));
                assert_eq!(
                    bad[0].ids(),
                    s(&["a4", "a1", "a2", "a3", "a5", "a6", "a7", "b0"])
                );
            },
        ),
        p(
            "later-statuses-400",
            "/v1.0/p1/instances?status=RESTORING",
            |good, bad| {
                // RESTORING is in the table: no instance has it, so an empty 200.
                assert_eq!((good[0].ids(), good[0].num()), (s(&[]), 0));
                bad[0].assert_json_error(400);
            },
        ),
        p(
            "unlisted-param-with-start-400",
            "/v1.0/p1/instances?foo=1&start=2",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a2", "a3", "a5", "a6", "a7", "b0"]));
                bad[0].assert_json_error(400);
            },
        ),
        p(
            "tenant-leak-by-id",
            "/v1.0/p1/instances?id=c1",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&[]));
                assert_eq!(bad[0].ids(), s(&["c1"]));
            },
        ),
        // The v2 list's own parameters.
        p(
            "ip-prefix-match",
            "/v2/p1/instances?ip=192.168.0.1",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a2", "a3", "a5", "a6", "b0"]));
                assert_eq!(bad[0].ids(), s(&["a1", "a2", "a3", "a5", "a6", "b0"]));
            },
        ),
        p(
            "ip-cluster-first-only",
            "/v2/p1/instances?ip=192.168.0.8",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a7"]));
                assert_eq!(bad[0].ids(), s(&[]));
            },
        ),
        p(
            "offset-one-based",
            "/v2/p1/instances?offset=1",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&DEFAULT[1..]));
                assert_eq!(bad[0].ids(), s(&DEFAULT));
            },
        ),
        Probe {
            big: true,
            ..p("default-limit-all", "/v2/p1/instances", |good, bad| {
                assert_eq!(good[0].ids().len(), 10);
                assert!(bad[0].ids().len() > 10);
                assert_eq!(bad[0].ids()[..10], good[0].ids());
            })
        },
        p(
            "limit-over-max-clamped",
            "/v2/p1/instances?limit=1001",
            |good, bad| {
                good[0].assert_json_error(400);
                assert_eq!(bad[0].ids(), s(&DEFAULT));
            },
        ),
        p(
            "include-delete-any-value",
            "/v2/p1/instances?include_delete=false",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&DEFAULT));
                let mut with_d1 = s(&["d1"]);
                with_d1.extend(s(&DEFAULT));
                assert_eq!(bad[0].ids(), with_d1);
            },
        ),
        p(
            "deleted-shown-with-filters",
            "/v2/p1/instances?name=cache",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a1", "a3", "a7"]));
                assert_eq!(bad[0].ids(), s(&["d1", "a1", "a3", "a7"]));
            },
        ),
        p(
            "deleted-counted",
            "/v2/p1/instances?name=cache",
            |good, bad| {
                assert_eq!(good[0].ids(), bad[0].ids());
                assert_eq!((good[0].num(), bad[0].num()), (3, 4));
            },
        ),
        p(
            "tags-any-pair",
            "/v2/p1/instances?tags=env%3Dprod%2Cteam%3Dcore",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a1"]));
                assert_eq!(bad[0].ids(), s(&["a1", "a2", "a7"]));
            },
        ),
        p(
            "tags-key-only",
            "/v2/p1/instances?tags=env%3Dtest",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a7"]));
                assert_eq!(bad[0].ids(), s(&["a1", "a2", "a7"]));
            },
        ),
        p(
            "capacity-minor-ignored",
            "/v2/p1/instances?capacity=0.125",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&["a2"]));
                assert_eq!(bad[0].ids(), s(&[]));
            },
        ),
        // The exact flag and the hidden instances (issue 23).
        p(
            "exact-shows-failed",
            "/v1.0/p1/instances?name=prod-cache&isExactMatchName=true",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&[]));
                assert_eq!(bad[0].ids(), s(&["a4"]));
            },
        ),
        p(
            "exact-shows-deleted",
            "/v2/p1/instances?name=cache-old&name_equal=true",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&[]));
                assert_eq!(bad[0].ids(), s(&["d1"]));
            },
        ),
        // Readings of the points the v2 page leaves open.
        p(
            "order-by-id",
            "/v1.0/p1/instances?includeFailure=true",
            |good, bad| {
                assert_eq!(
                    good[0].ids(),
                    s(&["a4", "a1", "a2", "a3", "a5", "a6", "a7", "b0"])
                );
                assert_eq!(
                    bad[0].ids(),
                    s(&["a1", "a2", "a3", "a4", "a5", "a6", "a7", "b0"])
                );
            },
        ),
        p(
            "ip-substring",
            "/v2/p1/instances?ip=168.0.1",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&[]));
                assert_eq!(bad[0].ids(), s(&["a1", "a2", "a3", "a5", "a6", "b0"]));
            },
        ),
        p(
            "capacity-zero-finds-small",
            "/v2/p1/instances?capacity=0",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&[]));
                assert_eq!(bad[0].ids(), s(&["a2"]));
            },
        ),
        p(
            "tags-item-key-only",
            "/v2/p1/instances?tags=team",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&[]));
                assert_eq!(bad[0].ids(), s(&["a1", "a7"]));
            },
        ),
        p(
            "tags-item-ignored",
            "/v2/p1/instances?tags=team",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&[]));
                assert_eq!(bad[0].ids(), s(&DEFAULT));
            },
        ),
        p(
            "tags-item-400",
            "/v2/p1/instances?tags=team",
            |good, bad| {
                assert_eq!(good[0].ids(), s(&[]));
                bad[0].assert_json_error(400);
            },
        ),
        p("id-alias-ignored", "/v2/p1/instances?id=a3", |good, bad| {
            assert_eq!(good[0].ids(), s(&["a3"]));
            assert_eq!(bad[0].ids(), s(&DEFAULT));
        }),
        p(
            "nulls-as-empty",
            "/v2/p1/instances?instance_id=a1",
            |good, bad| {
                let (g, b) = (good[0].json(), bad[0].json());
                for member in ["publicip_id", "publicip_address", "order_id"] {
                    assert_eq!(
                        g["instances"][0][member],
                        serde_json::Value::Null,
                        "{member}"
                    );
                    assert_eq!(b["instances"][0][member], "", "{member}");
                }
            },
        ),
        p(
            "created-at-seconds",
            "/v2/p1/instances?instance_id=a2",
            |good, bad| {
                assert_eq!(
                    good[0].json()["instances"][0]["created_at"],
                    "2024-05-02T00:00:00.5Z"
                );
                assert_eq!(
                    bad[0].json()["instances"][0]["created_at"],
                    "2024-05-02T00:00:00Z"
                );
            },
        ),
        p(
            "capacity-minor-leading-zero",
            "/v2/p1/instances?instance_id=a2",
            |good, bad| {
                assert_eq!(good[0].json()["instances"][0]["capacity_minor"], ".125");
                assert_eq!(bad[0].json()["instances"][0]["capacity_minor"], "0.125");
            },
        ),
    ]
}

/// A project of the built-in data set's shape, large enough for v2's default page and
/// for `page-cap-50`.
fn big_data() -> conform::mock::DataSet {
    let mut v = conform::mock::generate::generate_json(60, 1);
    let main = v["projects"][conform::mock::MAIN_PROJECT].take();
    v["projects"] = serde_json::json!({ "p1": main });
    conform::mock::DataSet::from_json(v, "big").unwrap()
}

#[test]
fn every_fault_has_a_probe() {
    let probed: HashSet<&str> = probes().iter().map(|p| p.fault).collect();
    // The faults that show only while the account moves change nothing on a still mock:
    // tests/library/moving.rs probes them while it moves. The signature faults need a
    // signed request: tests/library/explore.rs sends them through the signer. Requests
    // in flight together: `concurrent_requests_are_mixed_up_only_by_their_fault` below.
    let still: Vec<&Fault> = Fault::catalogue()
        .iter()
        .filter(|f| !f.needs_churn() && !f.needs_signing())
        .filter(|f| **f != Fault::ConcurrentQueriesMixed)
        .collect();
    let catalogue: HashSet<&str> = still.iter().map(|f| f.name()).collect();
    assert_eq!(probed, catalogue);
    assert_eq!(probes().len(), still.len());
}

#[tokio::test]
async fn every_fault_differs_from_the_faithful_mock() {
    for probe in probes() {
        let fault = Fault::from_name(probe.fault).expect("a catalogue name");
        let (good_app, bad_app) = if probe.big {
            (
                app_with(big_data(), &[], Some(TOKEN)),
                app_with(big_data(), &[fault], Some(TOKEN)),
            )
        } else {
            (app(&[], Some(TOKEN)), app(&[fault], Some(TOKEN)))
        };
        let mut good = Vec::new();
        let mut bad = Vec::new();
        if probe.primed {
            request(&good_app, "GET", probe.uri, Some(TOKEN)).await;
            request(&bad_app, "GET", probe.uri, Some(TOKEN)).await;
        }
        for _ in 0..probe.times {
            good.push(request(&good_app, "GET", probe.uri, probe.token).await);
            bad.push(request(&bad_app, "GET", probe.uri, probe.token).await);
        }
        assert_ne!(
            good, bad,
            "{} makes no difference on {}",
            probe.fault, probe.uri
        );
        let result = std::panic::catch_unwind(|| (probe.check)(&good, &bad));
        if let Err(e) = result {
            panic!("fault {}: {:?}", probe.fault, e.downcast_ref::<String>());
        }
    }
}

#[tokio::test]
async fn tolerated_and_additive_faults_keep_the_faithful_answer_elsewhere() {
    // A tolerated or additive fault changes nothing but its own point: the default list is
    // the faithful one (up to the additive field).
    for f in Fault::catalogue()
        .iter()
        .filter(|f| f.kind() != FaultKind::Breaks)
    {
        let a = list(&app(&[*f], None), "?limit=3").await;
        assert_eq!(a.ids(), s(&["a1", "a2", "a3"]), "{f}");
        assert_eq!(a.num(), 7, "{f}");
    }
}

#[tokio::test]
async fn unstable_order_makes_pages_overlap_and_skip() {
    let bad = app(&[Fault::UnstableOrder], None);
    let page1 = list(&bad, "?limit=4").await.ids();
    let page2 = list(&bad, "?start=5&limit=4").await.ids();
    assert_eq!(page1, s(&["a1", "a2", "a3", "a5"]));
    assert_eq!(page2, s(&["a6", "a5", "b0"])); // a5 twice, a7 never
}

#[tokio::test]
async fn faults_combine() {
    let bad = app(&[Fault::OldestFirst, Fault::LimitOffByOne], None);
    assert_eq!(list(&bad, "?limit=1").await.ids(), s(&["b0", "a5"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_are_mixed_up_only_by_their_fault() {
    for (faults, mixed) in [(vec![], false), (vec![Fault::ConcurrentQueriesMixed], true)] {
        let app = app(&faults, Some(TOKEN));
        let (a, b) = tokio::join!(
            request(&app, "GET", "/v1.0/p1/instances?name=zeta", Some(TOKEN)),
            request(&app, "GET", "/v1.0/p1/instances?limit=1", Some(TOKEN)),
        );
        let right = a.ids() == s(&["b0"]) && b.ids() == s(&DEFAULT[..1]);
        assert_eq!(!right, mixed, "{faults:?}: {:?} {:?}", a.ids(), b.ids());
        // One at a time, even the faulty mock answers right.
        let alone = request(&app, "GET", "/v1.0/p1/instances?name=zeta", Some(TOKEN)).await;
        assert_eq!(alone.ids(), s(&["b0"]));
    }
}
