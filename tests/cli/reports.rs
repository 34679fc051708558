//! The reports of `conform run` end to end (issue 6): the binary against its built-in
//! mock, with a fault so that failures are reported. JUnit is validated against the
//! vendored Jenkins schema with xmllint, and read back with Python's junitparser when it
//! is installed; shards and filters are checked through `conform list`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn conform() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_conform"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    c
}

fn run(args: &[&str]) -> Output {
    conform().args(args).output().expect("conform runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The Python the tests use: `.ci/run`'s virtual environment when there is one.
fn test_python() -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-sdk/bin/python");
    if venv.is_file() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

fn have(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// One failing run writing every report; shared by the checks below.
struct FailingRun {
    _dir: tempfile::TempDir,
    junit: PathBuf,
    html: PathBuf,
    json: Vec<Value>,
    code: Option<i32>,
}

fn failing_run() -> FailingRun {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let html = dir.path().join("report.html");
    let out = run(&[
        "run",
        "--contract",
        "v1.0",
        "--explore",
        "0",
        "--mock-fault",
        "limit-off-by-one",
        // A failing run in the repository must leave no pending snapshot behind.
        "--snapshots",
        "off",
        "--format",
        "json",
        "--junit",
        junit.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    let json = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    FailingRun {
        _dir: dir,
        junit,
        html,
        json,
        code: out.status.code(),
    }
}

#[test]
fn a_failing_run_writes_json_lines_junit_and_html() {
    let r = failing_run();
    assert_eq!(r.code, Some(1), "the fault breaks C10");
    let first = &r.json[0];
    assert_eq!(first["event"], "run-started");
    let n = first["cases"].as_u64().unwrap() as usize;
    assert_eq!(first["target"], "the built-in mock");
    assert_eq!(first["version"], env!("CARGO_PKG_VERSION"));
    let cases: Vec<&Value> = r
        .json
        .iter()
        .filter(|e| e["event"] == "case-finished")
        .collect();
    assert_eq!(cases.len(), n);
    assert_eq!(r.json.len(), n + 2);
    let last = r.json.last().unwrap();
    assert_eq!(last["event"], "run-finished");
    assert_eq!(last["exit_code"], 1);
    assert!(last["summary"]["failed"].as_u64().unwrap() > 0);
    let failed = cases.iter().find(|c| c["verdict"] == "fail").unwrap();
    let f = &failed["findings"][0];
    assert_eq!(f["rule"], "C10");
    assert_eq!(f["check"], "paging");
    assert!(f["request_path"].as_str().unwrap().starts_with("/v1.0/"));
    assert!(failed["reproduce"]
        .as_str()
        .unwrap()
        .contains("$CONFORM_TOKEN"));

    let xml = std::fs::read_to_string(&r.junit).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), n);
    assert!(xml.contains("<failure message=\"C10 paging"));
    assert!(xml.contains("<skipped "));
    let html = std::fs::read_to_string(&r.html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("8 failed") || html.contains("failed"));
    for external in ["<link", "<script src", "@import", "url(", "https://"] {
        assert!(
            !html.contains(external),
            "the HTML report fetches something: {external}"
        );
    }
    // The mock's random token (`conform-` and 16 hex digits) is never written anywhere.
    let json_text = r
        .json
        .iter()
        .map(std::string::ToString::to_string)
        .collect::<String>();
    for t in [&xml, &html, &json_text] {
        let leaked = t.match_indices("conform-").any(|(i, m)| {
            let rest = &t[i + m.len()..];
            rest.len() >= 16 && rest[..16].chars().all(|c| c.is_ascii_hexdigit())
        });
        assert!(!leaked, "a token reached a report");
    }
}

#[test]
fn junit_report_validates_against_the_jenkins_schema() {
    if !have("xmllint", "--version") {
        crate::need::missing(
            "xmllint",
            "Debian: apt-get install libxml2-utils (`bash .ci/run` installs it); it validates the JUnit report against tests/fixtures/junit/junit-10.xsd",
        );
        return;
    }
    let r = failing_run();
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit/junit-10.xsd");
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(&r.junit)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "xmllint rejects the JUnit report:\n{}",
        text(&out.stderr)
    );
}

#[test]
fn junit_report_loads_in_junitparser() {
    let python = test_python();
    let probe = Command::new(&python)
        .args(["-c", "import junitparser"])
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        crate::need::missing(
            "junitparser",
            "Python's junitparser: `bash .ci/run` installs it into .venv-sdk (pip install -r tests/sdk/requirements.txt)",
        );
        return;
    }
    let r = failing_run();
    let script = r"
import sys
from junitparser import JUnitXml, Failure, Skipped, Error
xml = JUnitXml.fromfile(sys.argv[1])
cases = [c for s in xml for c in s]
fails = [c for c in cases if any(isinstance(x, Failure) for x in c.result)]
skips = [c for c in cases if any(isinstance(x, Skipped) for x in c.result)]
print(len(cases), len(fails), len(skips), fails[0].classname, fails[0].name)
";
    let out = Command::new(&python)
        .args(["-c", script])
        .arg(&r.junit)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let line = text(&out.stdout);
    let parts: Vec<&str> = line.split_whitespace().collect();
    let n = r.json[0]["cases"].as_u64().unwrap().to_string();
    assert_eq!(parts[0], n, "{line}");
    let fails = r.json.last().unwrap()["summary"]["failed"].to_string();
    assert_eq!(parts[1], fails, "{line}");
    assert_eq!(parts[3], "basics", "{line}");
}

/// The names of the cases `conform list ARGS` selects.
fn listed(args: &[&str]) -> Vec<String> {
    listed_in(args).into_iter().map(|(_, name)| name).collect()
}

/// The (contract, name) of the cases `conform list ARGS` selects.
fn listed_in(args: &[&str]) -> Vec<(String, String)> {
    let mut all = vec!["list", "--format", "json"];
    all.extend_from_slice(args);
    let out = run(&all);
    if out.status.code() == Some(4) {
        return Vec::new();
    }
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let contract = v["contract"].as_str().unwrap().to_string();
            (contract, v["name"].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn shards_cover_the_suite_exactly_once() {
    // Both contracts: a case name may be in each (basics/unfiltered), as two cases.
    let all = listed_in(&[]);
    assert!(all.iter().any(|(c, _)| c == "v1.0") && all.iter().any(|(c, _)| c == "v2"));
    for n in [2, 3, 7] {
        let mut seen = Vec::new();
        for k in 1..=n {
            seen.extend(listed_in(&["--shard", &format!("{k}/{n}")]));
        }
        let unique: BTreeSet<&(String, String)> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "shards of {n} overlap");
        assert_eq!(unique, all.iter().collect(), "shards of {n} miss cases");
    }
    let bad = run(&["list", "--shard", "4/3"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn filter_selects_by_name_path_and_rule() {
    assert_eq!(
        listed_in(&["--filter", "cases/v1.0/errors/limit-zero.toml"]),
        [("v1.0".to_string(), "errors/limit-zero".to_string())]
    );
    let errors = listed(&["--filter", "errors/"]);
    assert!(errors.len() > 3 && errors.iter().all(|n| n.starts_with("errors/")));
    let c14 = listed(&["--filter", "C14"]);
    assert!(c14.iter().any(|n| n.starts_with("tenancy/")), "{c14:?}");
    let both = listed(&["--filter", "C14", "--filter", "errors/"]);
    assert_eq!(
        both.len(),
        c14.len() + errors.len() - c14.iter().filter(|n| errors.contains(n)).count()
    );
    let none = run(&["list", "--filter", "no-such-case"]);
    assert_eq!(none.status.code(), Some(4));
    let run_none = run(&["run", "--filter", "no-such-case"]);
    assert_eq!(run_none.status.code(), Some(4));
}

#[test]
fn list_human_output_names_rules() {
    let out = run(&["list", "--filter", "name/exact-name"]);
    assert!(out.status.success());
    let s = text(&out.stdout);
    assert!(
        s.lines()
            .any(|l| l.starts_with("name/exact-name ") && l.contains("C3")),
        "{s}"
    );
}

#[test]
fn check_validates_without_sending() {
    let ok = run(&["check"]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).starts_with("ok: "));
    let ok_dir = run(&[
        "check",
        "--schemas",
        "schemas/v1.0",
        "--cases",
        "cases/v1.0",
    ]);
    assert_eq!(ok_dir.status.code(), Some(0), "{}", text(&ok_dir.stderr));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "description = \"x\"\nrules = [\"C99\"]\n",
    )
    .unwrap();
    let bad = run(&["check", "--cases", dir.path().to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("bad.toml"),
        "{}",
        text(&bad.stderr)
    );
    let no_schemas = run(&["check", "--schemas", dir.path().to_str().unwrap()]);
    assert_eq!(no_schemas.status.code(), Some(2));
}

#[test]
fn color_follows_the_option_and_no_color() {
    let args = [
        "run",
        "--explore",
        "0",
        "--filter",
        "name/exact-name",
        "--mock-fault",
        "limit-off-by-one",
        "--snapshots",
        "off",
    ];
    let piped = run(&args);
    assert!(
        !text(&piped.stdout).contains('\u{1b}'),
        "no colour into a pipe by default"
    );
    let always = run(&[&args[..], &["--color", "always"]].concat());
    assert!(
        text(&always.stdout).contains("\u{1b}["),
        "--color always colours"
    );
    let never = conform()
        .args(args)
        .args(["--color", "never"])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(!text(&never.stdout).contains('\u{1b}'));
    let no_color = conform().args(args).env("NO_COLOR", "1").output().unwrap();
    assert!(!text(&no_color.stdout).contains('\u{1b}'));
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("j.xml");
    let mut child = conform()
        .args([
            "run",
            "--explore",
            "0",
            "--mock-fault",
            "limit-off-by-one",
            "--snapshots",
            "off",
            "--junit",
        ])
        .arg(&junit)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is dropped here, like `head -1` exiting.
    let out = child.wait_with_output().unwrap();
    let err = text(&out.stderr);
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(1));
    // The report file is still complete.
    assert!(std::fs::read_to_string(&junit)
        .unwrap()
        .ends_with("</testsuites>\n"));
}

#[test]
fn report_paths_are_checked_before_anything_is_sent() {
    let out = run(&["run", "--junit", "/no/such/folder/j.xml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no folder /no/such/folder"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_run_that_dies_leaves_the_previous_report_whole() {
    // The target cannot be reached: the run stops (exit 3) before any report is due.
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("j.xml");
    std::fs::write(&junit, "previous complete report").unwrap();
    let out = conform()
        .args([
            "run",
            "--explore",
            "0",
            "--target",
            "http://127.0.0.1:9",
            "--project-id",
            "p",
            "--timeout",
            "2",
        ])
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(&junit).unwrap(),
        "previous complete report"
    );
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "no temporary file is left behind");
}
