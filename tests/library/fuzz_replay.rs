//! Issue 9: the fuzz targets' inputs, replayed on a stable toolchain. Each target's entry
//! point (`conform::fuzz::*`, the same function its `fuzz/fuzz_targets/*.rs` calls) gets
//! the committed seed corpus (`tests/fixtures/fuzz-seeds/<target>/`), every input a
//! fuzzer ever crashed on (`tests/fixtures/fuzz-regressions/<target>/`) and the project's
//! own fixtures of that kind. A panic fails the test and names the input.

use std::path::{Path, PathBuf};

fn inputs(dirs: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in dirs {
        if !Path::new(dir).is_dir() {
            continue;
        }
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let entry = entry.unwrap();
            if entry.file_type().is_file() && entry.file_name() != "README.md" {
                out.push(entry.into_path());
            }
        }
    }
    out
}

/// Feeds every input to `entry`; returns (inputs, accepted inputs).
fn replay(target: &str, entry: fn(&[u8]) -> bool, extra: &[&str]) -> (usize, usize) {
    let seeds = format!("tests/fixtures/fuzz-seeds/{target}");
    let regressions = format!("tests/fixtures/fuzz-regressions/{target}");
    let mut dirs = vec![seeds.as_str(), regressions.as_str()];
    dirs.extend_from_slice(extra);
    let files = inputs(&dirs);
    assert!(
        !inputs(&[&seeds]).is_empty(),
        "no committed seeds for {target}"
    );
    let mut accepted = 0;
    for file in &files {
        let data = std::fs::read(file).unwrap();
        let ok = std::panic::catch_unwind(|| entry(&data))
            .unwrap_or_else(|_| panic!("{target} panicked on {}", file.display()));
        accepted += usize::from(ok);
    }
    (files.len(), accepted)
}

#[test]
fn derive_page_corpus_replays_without_panic() {
    let (n, ok) = replay(
        "derive_page",
        conform::fuzz::derive_page,
        &["schemas/v1.0/source", "tests/fixtures/derive"],
    );
    // The vendor pages under schemas/v1.0/source/ derive; the bad fixtures do not.
    assert!(ok >= 1 && ok < n, "{ok} of {n} derived");
}

#[test]
fn case_file_corpus_replays_without_panic() {
    let (n, ok) = replay(
        "case_file",
        conform::fuzz::case_file,
        &["cases", "tests/fixtures/cases-invalid"],
    );
    // Every shipped case of the built-in contract loads (the fuzz target reads with it;
    // cases/v2 is the second contract's, refused here); no invalid one does.
    let shipped = inputs(&["cases"])
        .iter()
        .filter(|p| !p.starts_with("cases/v2") && p.extension().is_some_and(|e| e == "toml"))
        .count();
    assert!(ok >= shipped && ok < n, "{ok} of {n} loaded");
}

#[test]
fn check_response_corpus_replays_without_panic() {
    let (n, ok) = replay("check_response", conform::fuzz::check_response, &[]);
    // Some seeds pass the checks and some break the contract.
    assert!(ok >= 1 && ok < n, "{ok} of {n} passed");
}

#[test]
fn read_list_corpus_replays_and_agrees_with_the_full_path() {
    let (n, ok) = replay(
        "read_list",
        conform::fuzz::read_list,
        &["tests/fixtures/fuzz-seeds/check_response"],
    );
    // The valid seeds take the fast path; the broken ones do not.
    assert!(ok >= 3 && ok < n, "{ok} of {n} read by the fast path");
}
