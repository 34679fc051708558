//! `conform diff` (issue 27): the mock served twice agrees with itself; a mock with any
//! one breaking fault diverges under the fault's rule; a mock in another accepted reading
//! differs as a reading, never as a contract divergence; the reports say so.

use conform::mock::{Fault, FaultKind, LIST_PATH, LIST_V2_PATH, MAIN_PROJECT, OTHER_PROJECT};
use serde_json::Value;

use crate::support::{conform, mock_with_token, text};

/// The JSON Lines of a diff: its divergences and its closing events.
fn events(o: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn divergences<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["event"] == "divergence" && e["kind"] == kind)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_served_twice_agrees_with_itself() {
    let token = "diff-token-7f3a";
    let served = mock_with_token(token).await;
    let url = served.base_url();
    let o = tokio::task::spawn_blocking(move || {
        conform(
            &[
                "diff",
                "--target",
                &url,
                "--project-id",
                MAIN_PROJECT,
                "--other-project-id",
                OTHER_PROJECT,
                "--auth",
                "token",
            ],
            &[("CONFORM_TOKEN", token)],
        )
    })
    .await
    .unwrap();
    served.shutdown().await;
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("v1.0: the two sides agree"), "{out}");
    assert!(out.contains("v2: the two sides agree"), "{out}");
    assert!(
        out.contains("== contract v1.0:") && out.contains("400 generated"),
        "{out}"
    );
    assert!(!out.contains(token), "the token never appears");
}

/// One breaking fault of each rule of each contract (those a still mock with a token can
/// show): at least one contract divergence, and the fault's rule among the rules named.
/// The cases alone are asked first; the generated questions only when they miss it.
/// `bench/diff.sh` asks the same of every fault of the catalogue, in a release build.
#[test]
fn a_breaking_fault_of_every_rule_diverges_under_its_rule() {
    // A server error is blamed on the rule of the request that got it, not on C12; the
    // cache in front of the credentials check shows only in exploration's sequence,
    // which a diff does not send (it diverges under the rule of the request it spoils).
    let named_elsewhere = ["intermittent-500", "auth-cached"];
    let contracts = [("v1.0", LIST_PATH), ("v2", LIST_V2_PATH)];
    let ask = |fault: Fault, contract: &str, explore: &str| {
        let o = conform(
            &[
                "diff",
                "--contract",
                contract,
                "--mock-fault",
                fault.name(),
                "--format",
                "json",
                "--explore",
                explore,
            ],
            &[],
        );
        let code = o.status.code();
        assert!(
            matches!(code, Some(0 | 1)),
            "{}: {}",
            fault.name(),
            text(&o)
        );
        events(&o)
    };
    // Under the fault's rule on `contract`, among its contract divergences.
    let found = |events: &[Value], contract: &str, rule: &str, fault: Fault| {
        let mine: Vec<&Value> = divergences(events, "contract")
            .into_iter()
            .filter(|d| d["contract"] == contract)
            .collect();
        !mine.is_empty()
            && (named_elsewhere.contains(&fault.name())
                || mine
                    .iter()
                    .any(|d| d["rules"].as_array().unwrap().iter().any(|r| r == rule)))
    };
    let mut missed = Vec::new();
    let mut rules_seen: Vec<(&str, &str)> = Vec::new();
    for &fault in Fault::catalogue() {
        if fault.needs_churn() || fault.needs_signing() {
            continue;
        }
        // The first fault of each rule not seen yet, on either contract.
        let new_rule = contracts.iter().any(|&(c, path)| {
            let rule = fault.rule_on(path);
            !rule.is_empty()
                && fault.kind_on(path) == FaultKind::Breaks
                && !rules_seen.contains(&(c, rule))
        });
        if !new_rule {
            continue;
        }
        for &(c, path) in &contracts {
            rules_seen.push((c, fault.rule_on(path)));
        }
        let breaking: Vec<(&str, &str)> = contracts
            .iter()
            .map(|&(c, path)| (c, fault.rule_on(path), fault.kind_on(path)))
            .filter(|(_, rule, kind)| !rule.is_empty() && *kind == FaultKind::Breaks)
            .map(|(c, rule, _)| (c, rule))
            .collect();
        if breaking.is_empty() {
            continue;
        }
        // The cases of both contracts first, in one diff; the generated questions only
        // where the cases miss it.
        let cases = ask(fault, "all", "0");
        for (contract, rule) in breaking {
            if !found(&cases, contract, rule, fault)
                && !found(&ask(fault, contract, "400"), contract, rule, fault)
            {
                missed.push(format!("{contract} {} ({rule})", fault.name()));
            }
        }
    }
    assert!(
        missed.is_empty(),
        "no divergence under the rule: {missed:?}"
    );
}

#[test]
fn another_accepted_reading_is_reported_as_a_reading() {
    for fault in ["fuzzy-case-insensitive", "repeated-param-last-wins"] {
        let o = conform(
            &[
                "diff",
                "--contract",
                "v1.0",
                "--mock-fault",
                fault,
                "--format",
                "json",
            ],
            &[],
        );
        let e = events(&o);
        assert_eq!(o.status.code(), Some(1), "{fault}: {}", text(&o));
        assert!(divergences(&e, "contract").is_empty(), "{fault}: {e:?}");
        let readings = divergences(&e, "reading");
        assert!(!readings.is_empty(), "{fault}");
        let finished = e.iter().find(|x| x["event"] == "diff-finished").unwrap();
        assert_eq!(finished["divergences"]["reading"], readings.len());
    }
    // The terminal names it a reading of a point the page leaves open.
    let o = conform(
        &[
            "diff",
            "--contract",
            "v1.0",
            "--mock-fault",
            "fuzzy-case-insensitive",
        ],
        &[],
    );
    let out = text(&o);
    assert!(out.contains("reading C2 ("), "{out}");
    assert!(
        out.contains("another reading of a point the page leaves open"),
        "{out}"
    );
    assert!(
        out.contains("v1.0: 4 divergences (contract 0, reading 4"),
        "{out}"
    );
}

#[test]
fn junit_has_one_testcase_per_divergence_group() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diff.xml");
    let page = dir.path().join("diff.html");
    let o = conform(
        &[
            "diff",
            "--contract",
            "v1.0",
            "--mock-fault",
            "status-ignored",
            "--explore",
            "0",
            "--junit",
            path.to_str().unwrap(),
            "--html",
            page.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let xml = std::fs::read_to_string(&path).unwrap();
    let out = text(&o);
    let groups: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("contract ") || l.starts_with("reading "))
        .map(|l| l.split(" (").next().unwrap())
        .collect();
    assert!(!groups.is_empty(), "{out}");
    assert_eq!(xml.matches("<testcase ").count(), groups.len(), "{xml}");
    assert_eq!(xml.matches("<failure ").count(), groups.len(), "{xml}");
    let html = std::fs::read_to_string(&page).unwrap();
    for g in &groups {
        assert!(xml.contains(&format!("name=\"{g}\"")), "{g}: {xml}");
        assert!(html.contains(&format!("<h3>{g} ")), "{g}");
    }
    // Every divergence is a row of the page, not only the three the terminal shows.
    let total: usize = out
        .lines()
        .find_map(|l| l.strip_prefix("v1.0: "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the verdict line counts the divergences");
    assert_eq!(html.matches("<tr><td class=\"name\">").count(), total);
    // And a side that cannot be reached is exit 3, with no report written.
    let gone = dir.path().join("gone.xml");
    let o = conform(
        &[
            "diff",
            "--contract",
            "v1.0",
            "--against",
            "http://127.0.0.1:9",
            "--against-project-id",
            "p",
            "--junit",
            gone.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("error:"), "{}", text(&o));
    assert!(!gone.exists());
}

/// A right side whose account moves while it is read (the mock with `--mock-churn`): the
/// differences are reported as moved, each side having been re-checked against its own
/// account; none blames the service.
#[test]
fn a_moving_account_diverges_as_moved_never_as_a_contract_divergence() {
    let o = conform(&["diff", "--mock-churn", "mix:20", "--format", "json"], &[]);
    let e = events(&o);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(divergences(&e, "contract").is_empty(), "{e:?}");
    assert!(divergences(&e, "reading").is_empty(), "{e:?}");
    for contract in ["v1.0", "v2"] {
        let moved = divergences(&e, "moved")
            .into_iter()
            .filter(|d| d["contract"] == contract)
            .count();
        assert!(moved > 0, "{contract}: the account moved and it shows");
    }
}
