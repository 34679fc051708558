//! Exploration against the built-in mock (issue 14): the same seed gives the same
//! requests and verdicts, the faithful mock gives no failure, and a fault the cases miss
//! is found, shrunk and saved as a case that fails on its own.

use conform::contract::Contract;
use conform::mock::{DataSet, Fault};
use conform::outcome::ExploreReport;
use conform::runner::{explore_target, serve_mock, ExploreOptions};

async fn explore(faults: Vec<Fault>, seed: u64, budget: usize) -> ExploreReport {
    let (mock, spec) = serve_mock(DataSet::builtin(), faults, None).await.unwrap();
    let target = crate::mock_target(&spec, Contract::embedded());
    let opts = ExploreOptions {
        budget,
        seed,
        shard: None,
    };
    let r = explore_target(target, &spec, Contract::embedded(), 1000, opts)
        .await
        .unwrap();
    mock.shutdown().await;
    r
}

/// What a run sent and concluded, without timings or the mock's port and project.
fn verdicts(r: &ExploreReport) -> Vec<(String, String, Vec<String>, Vec<String>)> {
    r.failures
        .iter()
        .map(|f| {
            let paths = f
                .result
                .requests
                .iter()
                .map(|q| {
                    q.path
                        .split_once("/instances")
                        .map_or("", |x| x.1)
                        .to_string()
                })
                .collect();
            let findings = f
                .result
                .findings
                .iter()
                .map(|x| x.rule.to_string())
                .collect();
            (f.result.name.clone(), f.found.clone(), paths, findings)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_sends_the_same_requests_and_gets_the_same_verdicts() {
    let a = explore(vec![Fault::StatusIgnored], 5, 300).await;
    let b = explore(vec![Fault::StatusIgnored], 5, 300).await;
    assert!(!a.failures.is_empty(), "the fault is found");
    assert_eq!((a.probes, a.requests), (b.probes, b.requests));
    assert_eq!(a.coverage, b.coverage);
    assert_eq!(verdicts(&a), verdicts(&b));
    let c = explore(vec![Fault::StatusIgnored], 6, 300).await;
    assert_eq!(
        a.coverage.classes, c.coverage.classes,
        "every class either way"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_faithful_mock_gives_no_failure_and_a_small_budget_covers_every_class() {
    let r = explore(vec![], 0, 150).await;
    assert!(r.failures.is_empty(), "{:?}", verdicts(&r));
    assert_eq!(r.errors, 0);
    assert_eq!(r.coverage.classes, r.coverage.classes_total);
    assert!(r.unreachable.is_empty(), "{:?}", r.unreachable);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_is_shrunk_to_the_parameters_that_matter_and_saved_as_a_case() {
    let r = explore(vec![Fault::TenantLeakById], 0, 150).await;
    let f = r.failures.first().expect("the leak is found");
    let path = &f.result.requests[0].path;
    let query = path.split_once('?').map_or("", |x| x.1);
    assert!(
        query.starts_with("id=") && !query.contains('&'),
        "only the id is left: {path}"
    );
    assert!(f.case_file.contains("rules = [\"C5\""), "{}", f.case_file);
    let case = conform::case::parse_case("x.toml", &f.case_file, "x", Contract::embedded())
        .unwrap_or_else(|e| panic!("{e:?}\n{}", f.case_file));
    assert_eq!(case.expect.status, [200]);
}

/// The budget is every request the exploration sends, shrinking included: a fault that
/// fails many probes is found, shrunk within the budget, and nothing more is sent; the
/// faithful mock gets the whole budget as probes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_budget_holds_every_request_shrinking_included() {
    for budget in [40, 150] {
        let r = explore(vec![Fault::StatusIgnored], 0, budget).await;
        assert!(!r.failures.is_empty(), "the fault is found");
        assert!(
            r.requests <= budget,
            "{} requests, budget {budget}",
            r.requests
        );
        assert!(r.probes < budget, "part of the budget went to shrinking");
        // Every request of the faithful run is a probe, but the eight sent again at once.
        let faithful = explore(vec![], 0, budget).await;
        let again = conform::runner::explore::AT_ONCE;
        assert_eq!(
            (faithful.probes, faithful.requests),
            (budget - again, budget)
        );
    }
}

/// The default budget covers every pair of classes of the parameters each shipped
/// contract says interact, with the built-in data, and finds nothing on the faithful mock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_budget_covers_every_interacting_pair_of_both_contracts() {
    let v2 = Contract::from_file(std::path::Path::new(
        "schemas/v2/list-instances.contract.toml",
    ))
    .unwrap();
    for contract in [Contract::embedded(), &v2] {
        let (mock, spec) = serve_mock(DataSet::builtin(), vec![], None).await.unwrap();
        let target = crate::mock_target(&spec, contract);
        let opts = ExploreOptions {
            budget: conform::runner::explore::DEFAULT_BUDGET,
            seed: 0,
            shard: None,
        };
        let r = explore_target(target, &spec, contract, 1000, opts)
            .await
            .unwrap();
        mock.shutdown().await;
        let c = &r.coverage;
        assert!(c.interacting_total > 1000, "{c:?}");
        assert_eq!(
            c.interacting,
            c.interacting_total,
            "{}: {c:?}",
            contract.desc().name
        );
        assert!(r.failures.is_empty(), "{:?}", verdicts(&r));
        assert!(r.requests <= conform::runner::explore::DEFAULT_BUDGET);
    }
}

/// A cache in front of the credentials check lets the same request in without them right
/// after it was answered with them: only the sequence after the sweep shows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_request_without_credentials_right_after_is_still_refused() {
    let r = explore(vec![Fault::AuthCached], 0, 150).await;
    let f = r
        .failures
        .iter()
        .find(|f| {
            f.found
                .contains("right after the same request with credentials")
        })
        .unwrap_or_else(|| panic!("{:?}", verdicts(&r)));
    assert_eq!(f.result.findings[0].rule.to_string(), "C14");
    assert!(r.requests <= 150);
    let faithful = explore(vec![], 0, 150).await;
    assert!(faithful.failures.is_empty(), "{:?}", verdicts(&faithful));
}

/// Exploration with AK/SK credentials against the mock that checks signatures.
async fn explore_signed(faults: Vec<Fault>) -> ExploreReport {
    use conform::auth::Credentials;
    use conform::mock::{AccessKey, MockConfig, OTHER_PROJECT};
    use conform::secret::Secret;
    let key = AccessKey {
        ak: "AK-explore".into(),
        sk: "SK-explore-secret".into(),
    };
    let config = MockConfig {
        faults,
        token: None,
        access_key: Some(key.clone()),
        ..MockConfig::builtin()
    };
    let mock = conform::mock::spawn(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let spec = conform::runner::TargetSpec {
        base_url: mock.base_url(),
        project: conform::mock::MAIN_PROJECT.into(),
        other_project: Some(OTHER_PROJECT.into()),
        credentials: Credentials::AkSk {
            access_key: Secret::new(key.ak),
            secret_key: Secret::new(key.sk),
            security_token: None,
        },
        token_var: "CONFORM_TOKEN".into(),
    };
    let target = crate::mock_target(&spec, Contract::embedded());
    let opts = ExploreOptions {
        budget: 150,
        seed: 0,
        shard: None,
    };
    let r = explore_target(target, &spec, Contract::embedded(), 1000, opts)
        .await
        .unwrap();
    mock.shutdown().await;
    r
}

/// Signed credentials have two shapes of their own: a signature over the path alone sent
/// with a query must be refused (C14), and a signature dated a day ago may be refused or
/// answered (the page states no window), never failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signature_over_another_query_is_refused_and_a_stale_one_is_either() {
    let faithful = explore_signed(vec![]).await;
    assert!(faithful.failures.is_empty(), "{:?}", verdicts(&faithful));
    let fallback = explore_signed(vec![Fault::SignatureQueryFallback]).await;
    let f = fallback
        .failures
        .iter()
        .find(|f| f.result.description.contains("credentials=other-query"))
        .unwrap_or_else(|| panic!("{:?}", verdicts(&fallback)));
    assert_eq!(f.result.findings[0].rule.to_string(), "C14");
    let stale = explore_signed(vec![Fault::SignatureStaleAccepted]).await;
    assert!(stale.failures.is_empty(), "{:?}", verdicts(&stale));
}
