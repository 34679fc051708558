//! `conform derive --diff`: contract drift between revisions of the list page in the
//! shared vendor corpus, pinned as insta snapshots (text and JSON), and the exit codes
//! (0 when nothing breaking changed, 1 otherwise). Without the shared folder the corpus
//! tests say they skipped and pass.

use std::path::{Path, PathBuf};
use std::process::Command;

use conform::derive::diff_pages;

fn revisions() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/vendor-docs/revisions/查询所有实例列表");
    if dir.is_dir() {
        Some(dir)
    } else {
        crate::need::missing(
            "shared",
            "the vendor pages: check out the shared folder (contract notes and vendor-docs/) beside the repository, as ../shared",
        );
        None
    }
}

#[test]
fn the_revision_that_adds_ip_and_tags_is_a_compatible_change() {
    let Some(dir) = revisions() else { return };
    let report = diff_pages(&dir.join("2019-04-28.md"), &dir.join("2019-12-11.md"))
        .expect("both revisions derive");
    assert!(!report.breaking);
    insta::assert_snapshot!("2019-04-28_to_2019-12-11", report.text());
}

#[test]
fn the_revision_that_drops_the_time_format_is_breaking() {
    let Some(dir) = revisions() else { return };
    let report = diff_pages(&dir.join("2020-05-16.md"), &dir.join("2021-09-25.md"))
        .expect("both revisions derive");
    assert!(report.breaking);
    insta::assert_snapshot!("2020-05-16_to_2021-09-25.json", report.json());
}

#[test]
fn unchanged_revisions_report_no_change() {
    let Some(dir) = revisions() else { return };
    let report = diff_pages(&dir.join("2018-12-04.md"), &dir.join("2019-04-28.md"))
        .expect("both revisions derive");
    assert!(report.changes.is_empty(), "{}", report.text());
    assert!(!report.breaking);
}

#[test]
fn the_v1_page_against_the_v2_page_is_breaking() {
    let Some(dir) = revisions() else { return };
    let v2 = dir.join("../../reference/查询所有实例列表.md");
    let report = diff_pages(&dir.join("2021-09-25.md"), &v2).expect("both derive");
    assert!(report.breaking);
    insta::assert_snapshot!("2021-09-25_to_v2", report.text());
}

#[test]
fn the_reverse_of_a_compatible_change_breaks() {
    // Removing what 2019-12-11 added breaks clients of the newer page.
    let Some(dir) = revisions() else { return };
    let report = diff_pages(&dir.join("2019-12-11.md"), &dir.join("2019-04-28.md"))
        .expect("both revisions derive");
    assert!(report.breaking);
    let removed: Vec<&str> = report
        .changes
        .iter()
        .filter(|c| c.change == "parameter removed")
        .map(|c| c.at.as_str())
        .collect();
    assert_eq!(removed, ["query parameter `ip`", "query parameter `tags`"]);
}

#[test]
fn the_cli_exits_0_without_and_1_with_breaking_changes() {
    let bin = env!("CARGO_BIN_EXE_conform");
    // A page against itself: no change, exit 0 (works without the shared corpus).
    let page = "tests/fixtures/derive/ok/backups/查询备份记录.md";
    let out = Command::new(bin)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["derive", "--diff", page, page, "--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["breaking"], false);
    assert_eq!(json["changes"], serde_json::json!([]));

    let Some(dir) = revisions() else { return };
    let run = |old: &str, new: &str| {
        Command::new(bin)
            .args(["derive", "--diff"])
            .arg(dir.join(old))
            .arg(dir.join(new))
            .output()
            .expect("runs")
    };
    let out = run("2019-04-28.md", "2019-12-11.md");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 breaking"));
    let out = run("2020-05-16.md", "2021-09-25.md");
    assert_eq!(out.status.code(), Some(1));
    // A page that cannot be derived is wrong input.
    let out = run("2020-05-16.md", "no-such-revision.md");
    assert_eq!(out.status.code(), Some(2));
}
