//! Issue 9: malformed case files. Every file under `tests/fixtures/cases-invalid/` is
//! refused with a located diagnostic (file:line:col, the line with carets, a hint),
//! snapshotted one file per snapshot; `conform run` on the folder exits 2 and sends
//! nothing (a counting server proves it). A data set that cannot satisfy a draw is not
//! an input error: that case is skipped at run time with a note naming the draw.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::support::{run_conform, serve, Act, Applies};
use conform::case::{load_dir, load_file};
use conform::contract::Contract;
use conform::diag::Diagnostic;

const DIR: &str = "tests/fixtures/cases-invalid";

/// Messages about a file as a whole, which have no line to show.
const WHOLE_FILE: [&str; 4] = [
    "missing `description`",
    "missing `rules`",
    "case file is empty",
    "case file is ",
];

fn files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn render(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(std::string::ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_located(file: &Path, diags: &[Diagnostic]) {
    assert!(!diags.is_empty(), "{}: no diagnostic", file.display());
    for d in diags {
        let shown = d.to_string();
        assert_eq!(d.file, file.display().to_string(), "{shown}");
        assert!(d.at.line >= 1 && d.at.col >= 1, "{shown}");
        assert!(d.hint.is_some(), "{}: no hint:\n{shown}", file.display());
        if !WHOLE_FILE.iter().any(|m| d.message.starts_with(m)) {
            assert!(
                d.excerpt.is_some(),
                "{}: no excerpt:\n{shown}",
                file.display()
            );
        }
    }
}

#[test]
fn every_invalid_case_file_gets_a_located_diagnostic_with_a_hint() {
    let files = files();
    assert!(files.len() >= 40, "only {} invalid case files", files.len());
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let diags = match load_file(&file, &name, Contract::embedded()) {
            Ok(case) => panic!("{} loaded: {case:?}", file.display()),
            Err(d) => d,
        };
        assert_located(&file, &diags);
        insta::with_settings!({
            snapshot_path => "snapshots/cases-invalid",
            prepend_module_to_snapshot => false,
            description => format!("conform's diagnostics for {}", file.display()),
        }, {
            insta::assert_snapshot!(name, render(&diags));
        });
    }
}

/// A file far past the size limit (generated here, not committed).
fn huge_case_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("description = \"x\"\nrules = [\"C1\"]\n");
    while text.len() < 3 * 1024 * 1024 {
        text.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(dir.path().join("huge.toml"), text).unwrap();
    dir
}

#[test]
fn a_huge_case_file_is_refused_without_parsing_it() {
    let dir = huge_case_dir();
    let err = load_dir(dir.path(), Contract::embedded()).unwrap_err();
    let diags = err.diagnostics();
    assert_eq!(diags.len(), 1);
    assert_located(&dir.path().join("huge.toml"), diags);
    let prefix = regex_escape(&format!("{}/", dir.path().display()));
    insta::with_settings!({
        snapshot_path => "snapshots/cases-invalid",
        prepend_module_to_snapshot => false,
        filters => vec![(prefix.as_str(), "[TMP]/")],
    }, {
        insta::assert_snapshot!("huge", err.to_string());
    });
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '/' || c == '_' || c == '-' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

#[test]
fn run_on_the_invalid_corpus_exits_2_and_sends_nothing() {
    let server = serve(Applies::All, Act::Silent);
    let huge = huge_case_dir();
    for dir in [Path::new(DIR), huge.path()] {
        let r = run_conform(
            &[
                "run",
                "--cases",
                dir.to_str().unwrap(),
                "--target",
                &server.base_url,
                "--project-id",
                "p",
                "--timeout",
                "1",
                "--snapshots",
                "off",
            ],
            Duration::from_secs(20),
            |_| false,
        );
        let all = r.text();
        assert_eq!(r.code, Some(2), "{all}");
        assert!(!all.contains("panicked"), "{all}");
        assert!(
            r.stderr.contains("in case files; nothing was sent"),
            "{all}"
        );
        assert!(r.stdout.is_empty(), "{all}");
    }
    // Give a stray request time to arrive before counting.
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        0,
        "a request was sent"
    );
}

#[test]
fn every_problem_of_the_corpus_is_reported_in_one_run() {
    let err = load_dir(Path::new(DIR), Contract::embedded()).unwrap_err();
    let per_file: usize = files()
        .iter()
        .map(|f| load_file(f, "x", Contract::embedded()).unwrap_err().len())
        .sum();
    assert_eq!(err.diagnostics().len(), per_file);
    assert!(err.to_string().ends_with(&format!(
        "{per_file} problems in case files; nothing was sent"
    )));
}

/// Not an input error: whether a draw can be satisfied depends on the target's data, so
/// the case is skipped at run time with a note naming the draw (never a silent pass).
#[test]
fn a_draw_the_data_cannot_satisfy_is_skipped_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = conform::mock::DataSet::builtin().to_json();
    for list in data["projects"].as_object_mut().unwrap().values_mut() {
        list.as_array_mut()
            .unwrap()
            .retain(|i| i["status"] != "CREATEFAILED");
    }
    let data_file = dir.path().join("no-failures.json");
    std::fs::write(&data_file, serde_json::to_vec(&data).unwrap()).unwrap();
    let cases = dir.path().join("cases");
    std::fs::create_dir(&cases).unwrap();
    std::fs::write(
        cases.join("failed-included.toml"),
        "description = \"a CREATEFAILED instance is listed with includeFailure=true\"\n\
         rules = [\"C6\"]\n\n[query]\nid = { draw = \"hidden\" }\nincludeFailure = \"true\"\n",
    )
    .unwrap();
    std::fs::write(
        cases.join("unfiltered.toml"),
        "description = \"the unfiltered list\"\nrules = [\"C12\"]\n",
    )
    .unwrap();
    let r = run_conform(
        &[
            "run",
            "--cases",
            cases.to_str().unwrap(),
            "--mock-data",
            data_file.to_str().unwrap(),
            "--snapshots",
            "off",
        ],
        Duration::from_secs(20),
        |_| false,
    );
    let all = r.text();
    assert_eq!(r.code, Some(0), "{all}");
    assert!(r.stdout.contains("SKIP    failed-included"), "{all}");
    assert!(
        r.stdout
            .contains("note: draw `hidden`: the target's data has no CREATEFAILED instance"),
        "{all}"
    );
    assert!(r.stdout.contains("PASS    unfiltered"), "{all}");
    assert!(
        r.stdout
            .contains("1 passed, 0 failed, 0 changed, 0 vacuous, 1 skipped"),
        "{all}"
    );
}
