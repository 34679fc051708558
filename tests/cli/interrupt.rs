//! Issue 9: Ctrl-C during `conform run`. The binary runs against a server that never
//! answers one request (or the baseline); once everything else has been answered it gets
//! SIGINT, and must exit promptly with code 130 and a partial summary: the finished cases
//! judged as usual, the others reported as not run.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::support::{run_conform, serve, Act, Applies, Run, Server};

/// Runs the hostile-cases suite with a long timeout and sends SIGINT once the server has
/// seen `requests` requests (and a moment has passed for their answers to be read).
fn interrupted_run(
    server: &Server,
    requests: usize,
    snapshot_dir: &std::path::Path,
) -> (Run, Duration) {
    let mut ready_at = None;
    let mut sent_at = Duration::ZERO;
    let r = run_conform(
        &[
            "run",
            "--target",
            &server.base_url,
            "--project-id",
            "p",
            "--cases",
            "tests/fixtures/hostile-cases",
            "--timeout",
            "60",
            // Snapshots stay on (an interrupted run must leave them intact and complete),
            // kept out of the repository's own folder.
            "--snapshots",
            "update",
            "--snapshot-dir",
            snapshot_dir.to_str().unwrap(),
        ],
        Duration::from_secs(30),
        |elapsed| {
            if server.requests.load(Ordering::SeqCst) < requests {
                return false;
            }
            let ready = *ready_at.get_or_insert(elapsed);
            if elapsed >= ready + Duration::from_millis(300) {
                sent_at = elapsed;
                return true;
            }
            false
        },
    );
    let after_signal = r.elapsed.saturating_sub(sent_at);
    (r, after_signal)
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

#[test]
fn ctrl_c_reports_the_finished_cases_and_exits_130() {
    // Baseline and two cases answer; the `hostile=1` request is never answered.
    let server = serve(Applies::Marked, Act::Silent);
    let snapshots = tempfile::tempdir().unwrap();
    let (r, after_signal) = interrupted_run(&server, 4, snapshots.path());
    let all = r.text();
    assert_eq!(r.code, Some(130), "{all}");
    // The finished cases' snapshots are written whole; the case that did not finish has none.
    let written: Vec<String> = walk(snapshots.path());
    assert!(
        written.iter().any(|f| f.ends_with("1-unfiltered.snap")),
        "{written:?}"
    );
    assert!(
        written.iter().any(|f| f.ends_with("3-by-id.snap")),
        "{written:?}"
    );
    assert!(
        !written.iter().any(|f| f.contains("2-hostile")),
        "{written:?}"
    );
    for f in written.iter().filter(|f| f.ends_with(".snap")) {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(
            text.starts_with("---\n") && text.matches("---\n").count() >= 2,
            "{f}: {text}"
        );
    }
    assert!(after_signal < Duration::from_secs(2), "{all}");
    assert!(!all.contains("panicked"), "{all}");
    assert!(r.stdout.contains("PASS    1-unfiltered"), "{all}");
    assert!(r.stdout.contains("PASS    3-by-id"), "{all}");
    assert!(r.stdout.contains("SKIP    2-hostile"), "{all}");
    assert!(
        r.stdout
            .contains("note: not run: the run was interrupted before its answers came back"),
        "{all}"
    );
    assert!(r.stdout.contains("3 cases: 2 passed, 0 failed"), "{all}");
    assert!(
        r.stdout
            .contains("interrupted (Ctrl-C): 2 of 3 cases finished, 1 not run"),
        "{all}"
    );
}

#[test]
fn ctrl_c_during_the_baseline_reports_every_case_as_not_run() {
    let server = serve(Applies::Baseline, Act::Silent);
    let (r, after_signal) = interrupted_run(&server, 1, tempfile::tempdir().unwrap().path());
    let all = r.text();
    assert_eq!(r.code, Some(130), "{all}");
    assert!(after_signal < Duration::from_secs(2), "{all}");
    assert!(
        r.stdout
            .contains("interrupted (Ctrl-C): 0 of 3 cases finished, 3 not run"),
        "{all}"
    );
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        1,
        "cases ran anyway"
    );
}
