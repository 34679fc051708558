//! A moving account (issue 22): the built-in mock whose data changes while it is read
//! (`--mock-churn`). A correct server gets no false alarm, a discrepancy that a move
//! explains becomes an observation naming the move, a fault is still caught, and a run
//! against a still account takes no extra look.

use conform::contract::Contract;
use conform::mock::{Churn, DataSet, Fault};
use conform::outcome::Verdict;
use conform::runner::{run_cases, serve_mock, ExploreOptions, RunOptions, RunReport};

async fn run(faults: Vec<Fault>, churn: Option<&str>, seed: u64) -> RunReport {
    let churn = churn.map(|c| Churn {
        seed,
        ..Churn::parse(c).unwrap()
    });
    let (mock, spec) = serve_mock(DataSet::builtin(), faults, churn).await.unwrap();
    let contract = Contract::embedded();
    let cases = conform::case::load_dir(std::path::Path::new("cases/v1.0"), contract).unwrap();
    let target = crate::mock_target(&spec, contract);
    let report = run_cases(RunOptions {
        cases: &cases,
        target,
        spec: &spec,
        contract,
        baseline_page: 1000,
        keep_bodies: conform::exec::Keep::Nothing,
        explore: Some(ExploreOptions {
            budget: 150,
            seed: 0,
            shard: None,
        }),
    })
    .await
    .unwrap();
    mock.shutdown().await;
    report
}

fn failed(r: &RunReport) -> Vec<String> {
    r.results
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .map(|c| c.name.clone())
        .collect()
}

#[tokio::test]
async fn a_still_account_is_looked_at_once_and_a_fault_on_it_fails_at_the_first_look() {
    let still = run(Vec::new(), None, 1).await;
    assert!(failed(&still).is_empty(), "{:?}", failed(&still));
    assert_eq!(
        still.account.looks, 0,
        "nothing looked wrong: no second look"
    );
    // A fault on a still account: one more look shows nothing moved, so it fails.
    let faulty = run(vec![Fault::StatusCaseInsensitive], None, 1).await;
    assert!(!failed(&faulty).is_empty());
    assert!(
        faulty.account.moves.is_empty(),
        "{:?}",
        faulty.account.moves
    );
    assert_eq!(faulty.account.excused, 0);
}

#[tokio::test]
async fn status_changes_while_the_suite_runs_are_excused_with_what_moved() {
    for seed in [1, 2, 3] {
        let r = run(Vec::new(), Some("status:20"), seed).await;
        assert!(failed(&r).is_empty(), "seed {seed}: {:?}", failed(&r));
        assert_eq!(
            r.explore
                .as_ref()
                .map_or(0, conform::outcome::ExploreReport::failed),
            0,
            "seed {seed}"
        );
        assert!(
            !r.account.moves.is_empty(),
            "seed {seed}: the account moved"
        );
        let excused: Vec<&String> = r
            .results
            .iter()
            .flat_map(|c| &c.observations)
            .map(|o| &o.message)
            .filter(|m| m.starts_with("excused, the account moved"))
            .collect();
        assert!(
            !excused.is_empty(),
            "seed {seed}: an excused finding is an observation"
        );
        assert!(
            excused
                .iter()
                .all(|m| ["→", "created", "removed", "in the answer"]
                    .iter()
                    .any(|w| m.contains(w))),
            "{excused:?}"
        );
    }
}

#[tokio::test]
async fn creations_and_deletions_raise_no_false_alarm() {
    for churn in ["create:20", "delete:20", "mix:20"] {
        let r = run(Vec::new(), Some(churn), 1).await;
        assert!(failed(&r).is_empty(), "{churn}: {:?}", failed(&r));
        assert_eq!(r.account.unsettled, 0, "{churn}");
    }
}

#[tokio::test]
async fn a_breaking_fault_is_still_caught_under_its_rule_while_the_account_moves() {
    let r = run(vec![Fault::StatusIgnored], Some("status:10"), 1).await;
    let rules: Vec<String> = r
        .results
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .flat_map(|c| c.findings.iter().map(|f| f.rule.to_string()))
        .collect();
    assert!(rules.iter().any(|r| r == "C4"), "{rules:?}");
}

#[tokio::test]
async fn an_index_that_misses_status_changes_changes_nothing_on_a_still_account() {
    let still = run(vec![Fault::StaleStatusIndex], None, 1).await;
    assert!(failed(&still).is_empty(), "{:?}", failed(&still));
    assert_eq!(still.account.looks, 0);
}
