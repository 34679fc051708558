//! `conform run` end to end through the binary: the documented exit codes (0 passed,
//! 1 contract broken, 2 bad input and nothing sent, 3 unreachable, 4 nothing selected)
//! and the shape of the human output.

use std::process::Output;

use crate::support::{self, text};

fn conform(args: &[&str]) -> Output {
    support::conform(args, &[])
}

#[test]
fn shipped_suite_passes_against_the_built_in_mock() {
    let o = conform(&["run"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains(" 0 failed"), "{out}");
    let cases = std::fs::read_dir("cases").unwrap().count();
    assert!(cases >= 8, "case folders: {cases}");
}

#[test]
fn a_rule_breaking_fault_exits_1_and_names_rule_file_request_and_repro() {
    let o = conform(&[
        "run",
        "--mock-fault",
        "limit-off-by-one",
        "--filter",
        "paging/limit-one",
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL"), "{out}");
    assert!(
        out.contains("C10 paging: more instances than limit"),
        "{out}"
    );
    assert!(out.contains("--> cases/paging/limit-one.toml:"), "{out}");
    assert!(
        out.contains("request:  GET http://127.0.0.1:") && out.contains("/instances?limit=1"),
        "{out}"
    );
    assert!(
        out.contains("reproduce: curl -sS -H \"X-Auth-Token: $CONFORM_TOKEN\""),
        "{out}"
    );
}

/// Issue 13: a filter that is not applied lists many instances it should not; they make
/// one block, under a request line printed once.
#[test]
fn many_unexpected_instances_are_one_block_under_one_request_line() {
    let o = conform(&[
        "run",
        "--mock-fault",
        "status-ignored",
        "--filter",
        "combine/name-and-status",
        "--snapshots",
        "off",
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("C7 filter: 13 unexpected instances\n"),
        "{out}"
    );
    assert!(out.contains("and 10 more"), "{out}");
    assert_eq!(out.matches("request:  GET").count(), 1, "{out}");
    assert_eq!(out.matches("reproduce: curl").count(), 1, "{out}");
}

#[test]
fn broken_case_files_exit_2_with_every_problem_located() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.toml"),
        "description = \"x\"\nrulez = [\"C1\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.toml"),
        "description = \"y\"\nrules = [\"C2\"]\n[query]\nname = { draw = \"nmae\" }\n",
    )
    .unwrap();
    let o = conform(&["run", "--cases", dir.path().to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("a.toml:2:1"), "{out}");
    assert!(out.contains("did you mean `rules`?"), "{out}");
    assert!(out.contains("b.toml:4:8"), "{out}");
    assert!(
        out.contains("2 problems in case files; nothing was sent"),
        "{out}"
    );
}

#[test]
fn an_unreachable_target_exits_3() {
    // Port 9 (discard) on loopback: nothing listens there on a test machine.
    let o = conform(&[
        "run",
        "--target",
        "http://127.0.0.1:9",
        "--project-id",
        "p",
        "--timeout",
        "2",
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(out.contains("could not be reached"), "{out}");
}

#[test]
fn no_selected_case_exits_4() {
    let o = conform(&["run", "--filter", "no-case-is-called-this"]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    let dir = tempfile::tempdir().unwrap();
    let o = conform(&["run", "--cases", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
}

#[test]
fn an_unknown_fault_name_is_bad_input() {
    let o = conform(&["run", "--mock-fault", "no-such-fault"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("conform mock --list-faults"), "{out}");
}

#[test]
fn waivers_turn_known_deviations_into_waived_and_expired_ones_back_into_failures() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("waivers.toml");
    let base = [
        "run",
        "--snapshots",
        "off",
        "--mock-fault",
        "oldest-first",
        "--filter",
        "order/stable-unfiltered",
    ];
    let run = |waivers: &str| {
        std::fs::write(&w, waivers).unwrap();
        let mut args = base.to_vec();
        args.extend(["--waivers", w.to_str().unwrap()]);
        conform(&args)
    };
    let live = run("[[waiver]]\nrule = \"C8\"\ncase = \"order/*\"\nreason = \"the vendor lists oldest first\"\nexpires = 2999-01-01\n\n[[waiver]]\nrule = \"C3\"\nreason = \"never needed\"\nlink = \"https://tracker.example/1\"\n");
    let out = text(&live);
    assert_eq!(live.status.code(), Some(0), "{out}");
    assert!(out.contains("WAIVED"), "{out}");
    assert!(
        out.contains("C8 waived: the vendor lists oldest first"),
        "{out}"
    );
    assert!(out.contains("warning: unused waiver for C3"), "{out}");

    let expired = run("[[waiver]]\nrule = \"C8\"\nreason = \"the vendor lists oldest first\"\nexpires = 2001-01-01\n");
    let out = text(&expired);
    assert_eq!(expired.status.code(), Some(1), "{out}");
    assert!(out.contains("expired on 2001-01-01"), "{out}");

    let bad = run("[[waiver]]\nrule = \"C8\"\nreason = \"no expiry, no link\"\n");
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
}
