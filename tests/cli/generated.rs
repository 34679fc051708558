//! `conform mock --generate N` (issue 16): a large data set in the data-file format, the
//! same for the same seed, on which the shipped suite runs every draw and passes.

use crate::support::{self, text};

fn generated(n: &str, seed: &str) -> String {
    let o = support::conform(
        &["mock", "--generate", n, "--seed", seed, "--print-data"],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8(o.stdout).expect("UTF-8")
}

#[test]
fn a_generated_set_is_deterministic_and_the_shipped_suite_passes_on_it() {
    let data = generated("2000", "16");
    assert_eq!(data, generated("2000", "16"), "same seed, same file");
    assert_ne!(data, generated("2000", "17"), "another seed, another file");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("large.json");
    std::fs::write(&file, &data).unwrap();
    // Loading it validates every instance against the response schema.
    let o = support::conform(
        &[
            "run",
            "--contract",
            "v1.0",
            "--mock-data",
            file.to_str().unwrap(),
            "--snapshots",
            "off",
            "--format",
            "json",
        ],
        &[],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    // Every case ran and passed but the one the data cannot satisfy by design (every
    // status of the table is present, as in the built-in set).
    let results: Vec<serde_json::Value> = out
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|v: &serde_json::Value| v["event"] == "case-finished")
        .collect();
    assert!(results.len() >= 70, "{} results", results.len());
    let not_passed: Vec<&str> = results
        .iter()
        .filter(|r| r["verdict"] != "pass")
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(not_passed, ["status/absent"], "{out}");
}
