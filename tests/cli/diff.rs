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

/// Records the answers of a mock served in this process (with `faults`) into `file`.
async fn record_answers(
    file: &std::path::Path,
    faults: &[&str],
    extra: &[&str],
    env: &[(&str, &str)],
) {
    let token = "record-token-51c9";
    let served = conform::mock::spawn(
        conform::mock::MockConfig {
            token: Some(token.into()),
            faults: faults
                .iter()
                .map(|f| Fault::from_name(f).unwrap())
                .collect(),
            ..conform::mock::MockConfig::builtin()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let mut args: Vec<String> = [
        "record",
        "--target",
        &served.base_url(),
        "--project-id",
        MAIN_PROJECT,
        "--project-id",
        OTHER_PROJECT,
        "--auth",
        "token",
        "--rate",
        "0",
        "--answers",
        file.to_str().unwrap(),
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    args.extend(extra.iter().map(ToString::to_string));
    let mut env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    env.push(("CONFORM_TOKEN".into(), token.into()));
    let o = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        conform(&args, &env)
    })
    .await
    .unwrap();
    served.shutdown().await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let written = std::fs::read_to_string(file).unwrap();
    assert!(
        !written.contains(token),
        "the token never reaches a recording"
    );
}

/// Today against last month: a target's recorded answers are a side. The built-in mock
/// agrees with a recording of itself; a recording of a broken mock diverges under the
/// fault's rule; both on each contract, with the recording's own questions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_answers_are_a_side() {
    let dir = tempfile::tempdir().unwrap();
    let same = dir.path().join("same.json");
    record_answers(&same, &[], &["--explore", "100"], &[]).await;
    let recording: Value = serde_json::from_str(&std::fs::read_to_string(&same).unwrap()).unwrap();
    assert_eq!(recording["format"], "conform-answers/1");
    assert!(recording["endpoint"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    assert_eq!(recording["contracts"][1]["contract"], "v2");
    assert_eq!(recording["contracts"][0]["explore"], 100);
    let o = conform(&["diff", "--against-answers", same.to_str().unwrap()], &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("v1.0: the two sides agree") && out.contains("v2: the two sides agree"),
        "{out}"
    );
    assert!(
        out.contains("100 generated"),
        "the recording's budget is used: {out}"
    );
    assert!(!out.contains("note:"), "every question matched: {out}");

    let broken = dir.path().join("broken.json");
    record_answers(&broken, &["status-ignored"], &["--explore", "0"], &[]).await;
    let o = conform(
        &[
            "diff",
            "--against-answers",
            broken.to_str().unwrap(),
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let events = events(&o);
    for (contract, rule) in [("v1.0", "C4"), ("v2", "V4")] {
        assert!(
            divergences(&events, "contract")
                .iter()
                .any(|d| d["contract"] == contract
                    && d["rules"].as_array().unwrap().iter().any(|r| r == rule)),
            "{contract} {rule}: {}",
            text(&o)
        );
    }
    // A contract the recording does not hold is named, and nothing is compared.
    let only_v2 = dir.path().join("v2.json");
    record_answers(&only_v2, &[], &["--explore", "0", "--contract", "v2"], &[]).await;
    let o = conform(
        &[
            "diff",
            "--against-answers",
            only_v2.to_str().unwrap(),
            "--contract",
            "v1.0",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("holds no answers for contract v1.0 (it holds v2)"),
        "{}",
        text(&o)
    );
}

/// An anonymised recording holds no id of the account; with its key, a diff compares
/// value for value; without it, behaviour only, and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymised_recording_compares_with_its_key_or_by_behaviour() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("anon.json");
    let key = [("CONFORM_ANONYMIZE_KEY", "keep-this-secret")];
    record_answers(&file, &[], &["--anonymize", "--explore", "100"], &key).await;
    let written = std::fs::read_to_string(&file).unwrap();
    let one_id = crate::support::instances()[0]["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    for secret in [
        MAIN_PROJECT,
        OTHER_PROJECT,
        one_id.as_str(),
        "127.0.0.1",
        "keep-this-secret",
    ] {
        assert!(!written.contains(secret), "{secret} is in the recording");
    }
    let recording: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(recording["anonymized"], true);
    let path = file.to_str().unwrap();
    let o = conform(&["diff", "--against-answers", path], &key);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains("compared by behaviour"), "{}", text(&o));
    let o = conform(
        &["diff", "--against-answers", path],
        &[("CONFORM_ANONYMIZE_KEY", "another")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("compared by behaviour"), "{}", text(&o));
}

/// A file that is not a recording is bad input: exit 2, saying where and what.
#[test]
fn a_broken_recording_says_where_and_what() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("old.json");
    std::fs::write(
        &file,
        "{\"format\": \"conform-answers/1\",\n \"contracts\": [}",
    )
    .unwrap();
    let o = conform(&["diff", "--against-answers", file.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("old.json:2:"), "{}", text(&o));
    assert!(
        text(&o).contains("not a recording of answers"),
        "{}",
        text(&o)
    );
}

/// `--across`: the mock's v1.0 and v2 lists, serving one account, agree wherever the
/// pages say they mean the same; what the pages allow is listed as expected, with its
/// reason, and does not fail the diff.
#[test]
fn the_two_lists_of_one_account_agree_where_the_pages_say_they_should() {
    let o = conform(&["diff", "--across", "--format", "json"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let events = events(&o);
    let expected = divergences(&events, "expected");
    assert!(
        !expected.is_empty(),
        "the built-in data has instances in v1.0-only statuses"
    );
    assert!(expected
        .iter()
        .all(|d| d["what"].as_str().unwrap().contains(": expected, ")));
    assert!(divergences(&events, "answer").is_empty(), "{}", text(&o));
    let finished = events
        .iter()
        .find(|e| e["event"] == "diff-finished")
        .unwrap();
    assert_eq!(finished["contract"], "v1.0 against v2");
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("across.xml");
    let human = conform(
        &["diff", "--across", "--junit", junit.to_str().unwrap()],
        &[],
    );
    assert!(
        text(&human).contains("v1.0 against v2: the two sides agree, with"),
        "{}",
        text(&human)
    );
    // Expected groups pass in JUnit, their questions kept in system-out.
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("failures=\"0\"") && xml.contains("<system-out>"),
        "{xml}"
    );
    assert!(!xml.contains("<failure"), "{xml}");
}

/// A fault of one list only, on a point the two lists share, is a divergence; a fault of
/// both lists alike is not (each list against its own contract is `run`'s business).
#[test]
fn a_fault_of_one_list_diverges_across() {
    for (fault, rule) in [
        ("start-zero-based", Some("C9")),
        ("offset-one-based", Some("V13")),
        ("deleted-shown-with-filters", None),
        ("deleted-counted", None),
    ] {
        let o = conform(
            &[
                "diff",
                "--across",
                "--mock-fault",
                fault,
                "--format",
                "json",
            ],
            &[],
        );
        assert_eq!(o.status.code(), Some(1), "{fault}: {}", text(&o));
        let events = events(&o);
        let answers = divergences(&events, "answer");
        assert!(!answers.is_empty(), "{fault}");
        if let Some(rule) = rule {
            assert!(
                answers
                    .iter()
                    .any(|d| d["rules"].as_array().unwrap().iter().any(|r| r == rule)),
                "{fault}: {}",
                text(&o)
            );
        }
    }
    let o = conform(&["diff", "--across", "--mock-fault", "status-ignored"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

/// A correspondence that names a parameter neither list reads is bad input.
#[test]
fn a_wrong_correspondence_says_where_and_what() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(
        &file,
        conform::contract::correspond::SHIPPED
            .replace("right = \"instance_id\"", "right = \"iid\""),
    )
    .unwrap();
    let o = conform(
        &["diff", "--across", "--correspond", file.to_str().unwrap()],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("right parameter \"iid\" is not a parameter of"),
        "{}",
        text(&o)
    );
}
