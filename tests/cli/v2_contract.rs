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
fn the_default_run_skips_the_v2_suite_and_refuses_it_as_its_own_cases() {
    let o = conform(&["list"], &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        !out.contains("V13") && !out.contains("offset-past-end"),
        "{out}"
    );
    let o = conform(&["run", "--cases", "cases/v2"], &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("cases/v2 holds the cases of contract `dcs-v2-list-instances`")
            && out.contains("--contract schemas/v2/list-instances.contract.toml"),
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
fn contract_all_runs_both_shipped_contracts_against_the_mock() {
    let o = conform(&["run", "--contract", "all"], &[("CI", "1")]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let v1 =
        case_files(std::path::Path::new("cases")) - case_files(std::path::Path::new("cases/v2"));
    assert!(
        out.contains(&format!("{v1} cases: {} passed", v1 - 1))
            && out.contains(&format!(
                "{} cases: {} passed",
                case_files(std::path::Path::new("cases/v2")),
                case_files(std::path::Path::new("cases/v2")) - 1
            )),
        "{out}"
    );
    // One report file per contract: refused for both at once.
    let o = conform(&["run", "--contract", "all", "--junit", "x.xml"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
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
