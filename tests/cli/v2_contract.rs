//! The second contract, the v2 list (`GET /v2/{project_id}/instances`): a description
//! (schemas/v2/list-instances.contract.toml), schemas derived from the vendor's v2 page,
//! and the suite in cases/v2, run against the built-in mock, which serves v2 from the same
//! data. A folder of another contract's cases is skipped by a run and refused as its cases
//! folder, with the command that runs it.

use crate::support::{conform, text};

const V2: &[&str] = &[
    "run",
    "--contract",
    "schemas/v2/list-instances.contract.toml",
    "--cases",
    "cases/v2",
    "--snapshot-dir",
    "snapshots/v2",
];

/// The number of case files under a folder.
fn case_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            if p.is_dir() {
                case_files(&p)
            } else {
                usize::from(p.extension().is_some_and(|x| x == "toml"))
            }
        })
        .sum()
}

#[test]
fn the_v2_suite_passes_against_the_built_in_mock_with_its_snapshots() {
    let o = conform(V2, &[("CI", "1")]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    // Every case passes but `status/absent`: the built-in data uses every status.
    let n = case_files(std::path::Path::new("cases/v2"));
    assert!(n >= 100, "{n}");
    assert!(
        out.contains(&format!("{n} cases: {} passed, 0 failed, 0 changed", n - 1))
            && out.contains("1 skipped"),
        "{out}"
    );
    // The v2 paths, rules and parameters, not v1.0's.
    assert!(
        out.contains("paging/offset-past-end") && out.contains("V13"),
        "{out}"
    );
    assert!(out.contains("0 distinct failure(s)"), "{out}");
}

#[test]
fn a_v2_case_whose_expectation_the_answer_breaks_fails_on_its_v_rule() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("CONTRACT"), "dcs-v2-list-instances\n").unwrap();
    // offset=0 is valid in v2 (0-based); a case that expects v1.0's 400 for it fails.
    std::fs::write(
        dir.path().join("zero.toml"),
        "description = \"offset=0 refused\"\nrules = [\"V15\"]\n[query]\noffset = \"0\"\n[expect]\nstatus = 400\n",
    )
    .unwrap();
    let run = |dir: &std::path::Path| {
        conform(
            &[
                "run",
                "--contract",
                "schemas/v2/list-instances.contract.toml",
                "--cases",
                dir.to_str().unwrap(),
                "--snapshots",
                "off",
                "--explore",
                "0",
            ],
            &[],
        )
    };
    let o = run(dir.path());
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL") && out.contains("V15"), "{out}");
    // A case citing a v1.0 rule is refused by the v2 contract before anything is sent.
    std::fs::write(
        dir.path().join("v1-rule.toml"),
        "description = \"cites C9\"\nrules = [\"C9\"]\n",
    )
    .unwrap();
    let o = run(dir.path());
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("C9"), "{out}");
}

#[test]
fn one_contracts_folders_are_refused_for_another_with_the_command_to_use() {
    let o = conform(&["list", "--contract", "v1.0"], &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        !out.contains("V13") && !out.contains("offset-past-end"),
        "{out}"
    );
    // v2's cases with the v1.0 contract (the first, which --cases alone means).
    let o = conform(&["run", "--cases", "cases/v2"], &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("cases/v2 holds the cases of contract `dcs-v2-list-instances`")
            && out.contains("--contract NAME"),
        "{out}"
    );
    // v2 with v1.0's snapshots: refused before anything is sent or written.
    let o = conform(
        &[
            "run",
            "--contract",
            "v2",
            "--snapshot-dir",
            "snapshots/v1.0",
        ],
        &[],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("snapshots/v1.0 holds the snapshots of contract `dcs-v1.0-list-instances`, not of `dcs-v2-list-instances`"),
        "{out}"
    );
    // An override with every contract at once is ambiguous.
    let o = conform(&["run", "--contract", "all", "--cases", "cases/v2"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("give the contract too"), "{}", text(&o));
    // A name that is not in conform.toml: the names it has, and the near one.
    let o = conform(&["run", "--contract", "V2"], &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("it names v1.0, v2") && out.contains("did you mean `--contract v2`?"),
        "{out}"
    );
}

#[test]
fn a_contract_the_built_in_mock_does_not_serve_needs_a_target() {
    let o = conform(
        &[
            "run",
            "--contract",
            "tests/fixtures/contracts/things/things.contract.toml",
            "--cases",
            "tests/fixtures/contracts/things/cases",
        ],
        &[],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("the built-in mock does not serve /api/{tenant}/things")
            && out.contains("give --target"),
        "{out}"
    );
}

#[test]
fn the_default_run_runs_both_shipped_contracts_into_one_set_of_reports() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("j.xml");
    let html = dir.path().join("r.html");
    let o = conform(
        &[
            "run",
            "--junit",
            junit.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
            "--format",
            "json",
        ],
        &[("CI", "1")],
    );
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v1 = case_files(std::path::Path::new("cases/v1.0"));
    let v2 = case_files(std::path::Path::new("cases/v2"));
    // Every line is JSON and names its contract; each contract's events in a block.
    let mut per: std::collections::BTreeMap<String, usize> = Default::default();
    let mut order = Vec::new();
    for line in out.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"));
        let c = v["contract"]
            .as_str()
            .unwrap_or_else(|| panic!("no contract: {line}"));
        assert_eq!(
            line.find("\"contract\""),
            Some(line.find(',').unwrap() + 1),
            "{line}"
        );
        if v["event"] == "case-finished" {
            *per.entry(c.to_string()).or_default() += 1;
        }
        if order.last() != Some(&c.to_string()) {
            order.push(c.to_string());
        }
    }
    assert_eq!(order, ["v1.0", "v2"], "one block per contract");
    assert_eq!(per["v1.0"], v1);
    assert_eq!(per["v2"], v2);
    // One JUnit file, a testsuite per contract with distinct names.
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testsuite ").count(), 2, "{xml}");
    assert!(
        xml.contains(&format!("<testsuite name=\"conform v1.0\" tests=\"{v1}\"")),
        "{xml}"
    );
    assert!(
        xml.contains(&format!("<testsuite name=\"conform v2\" tests=\"{v2}\"")),
        "{xml}"
    );
    assert!(xml.contains(&format!(
        "<testsuites name=\"conform\" tests=\"{}\"",
        v1 + v2
    )));
    // One HTML report, a section per contract.
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("id=\"contract-0\">v1.0</h2>") && page.contains("id=\"contract-1\">v2</h2>")
    );
    // The terminal: a block per contract, labelled, and the combined summary last.
    let o = conform(&["run", "--snapshots", "off"], &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let a = out
        .find(&format!("== contract v1.0 ({v1} cases) =="))
        .expect("v1.0 block");
    let b = out
        .find(&format!("== contract v2 ({v2} cases) =="))
        .expect("v2 block");
    let end = out.find("all contracts:").expect("combined summary");
    assert!(a < b && b < end, "{out}");
    assert!(
        out.contains("  v1.0     ok")
            && out.contains("  v2       ok")
            && out.contains("\nexit code 0\n"),
        "{out}"
    );
}

/// `conform selfcheck --contract all`: one matrix per shipped contract, each against the
/// faults that touch its list, every rule-breaking one caught.
#[test]
fn selfcheck_contract_all_measures_both_suites() {
    let o = conform(&["selfcheck", "--contract", "all", "--parallel", "2"], &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("contract: DCS v1.0: list all instances")
            && out.contains("contract: DCS v2: list all instances"),
        "{out}"
    );
    assert_eq!(
        out.matches("by cases + exploration (100%").count(),
        2,
        "{out}"
    );
    // A v2-only fault is in the v2 matrix under its v2 rule, a v1.0-only one is not.
    let v2 = &out[out.find("contract: DCS v2").unwrap()..];
    assert!(v2.contains("tags-any-pair") && v2.contains(" V8 "), "{v2}");
    assert!(!v2.contains("start-zero-based"), "{v2}");
    let o = conform(&["selfcheck", "--contract", "all", "--html", "x.html"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

/// `conform run --contract all --target URL`: both shipped suites against one endpoint
/// (here `conform mock`'s, in-process, with a token), one run after the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_all_runs_both_suites_against_one_target() {
    use conform::mock::{MAIN_PROJECT, OTHER_PROJECT};
    let token = "both-lists-token";
    let mock = crate::support::mock_with_token(token).await;
    let url = mock.base_url();
    let against = format!("cases against {url}");
    let o = tokio::task::spawn_blocking(move || {
        conform(
            &[
                "run",
                "--contract",
                "all",
                "--target",
                &url,
                "--project-id",
                MAIN_PROJECT,
                "--other-project-id",
                OTHER_PROJECT,
                "--snapshots",
                "off",
                "--rate",
                "0",
            ],
            &[("CONFORM_TOKEN", token)],
        )
    })
    .await
    .unwrap();
    mock.shutdown().await;
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let v1 =
        case_files(std::path::Path::new("cases")) - case_files(std::path::Path::new("cases/v2"));
    assert!(
        out.contains(&format!("{v1} cases: {} passed", v1 - 1)),
        "{out}"
    );
    let n = case_files(std::path::Path::new("cases/v2"));
    assert!(
        out.contains(&format!("{n} cases: {} passed", n - 1)),
        "{out}"
    );
    assert_eq!(out.matches(&against).count(), 2, "{out}");
    assert!(!out.contains(token), "the token never appears");
}

/// Issue 23: where the page is silent, a server that follows another reading passes and
/// the reading is recorded; one that follows none fails, naming the point and readings.
#[test]
fn a_reading_the_page_allows_passes_and_is_recorded_and_none_of_them_fails() {
    let run = |faults: &[&str], cases: &str| {
        let mut args: Vec<&str> = vec![
            "run",
            "--contract",
            "schemas/v2/list-instances.contract.toml",
            "--cases",
            cases,
            "--snapshots",
            "off",
            "--explore",
            "0",
        ];
        for f in faults {
            args.extend(["--mock-fault", f]);
        }
        conform(&args, &[])
    };
    let o = run(
        &[
            "ip-substring",
            "capacity-zero-finds-small",
            "order-by-id",
            "instance-num-page-size",
        ],
        "cases/v2",
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("S10: reading followed: instance_num counts this page's items"),
        "{out}"
    );
    assert!(
        out.contains("reading followed: S5: ip also matches a part of the member"),
        "{out}"
    );
    assert!(
        out.contains("reading followed: S7: capacity also matches the integer member"),
        "{out}"
    );
    assert!(
        out.contains("S8: order followed: instance_id ascending"),
        "{out}"
    );
    // The faithful mock follows the contract's own readings, recorded as such.
    let o = run(&[], "cases/v2/ip");
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("reading followed: S5 (ip): `one_of`, also accepted: substring"),
        "{out}"
    );
    // Matching a cluster by its first address only is no reading: it fails, and says
    // which readings it was judged under.
    let o = run(&["ip-cluster-first-only"], "cases/v2/ip");
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("under every accepted reading: S5 (ip)"),
        "{out}"
    );
}
