//! The `conform` binary end to end, on temporary copies of `cases/` and `snapshots/`:
//! the committed mock snapshots are complete and stable, an additive change in the target
//! shows up only as snapshot diffs, the review flow (listing, accepting, rejecting,
//! interactive answers on stdin, orphans), atomic writes under a killed process, and
//! insta snapshots of the CLI's own output (help texts, a case-file diagnostic, a run's
//! summary). Regression tests for issue 5 ("Snapshots and review").

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use conform::snapshot::store::{self, SnapFile};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary workspace holding copies of the v1.0 contract's schemas, cases and
/// snapshots, with a conform.toml that names that contract only.
struct Project {
    dir: tempfile::TempDir,
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walkable");
        let dest = to.join(entry.path().strip_prefix(from).expect("below"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

impl Project {
    fn new() -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        for part in ["schemas/v1.0", "cases/v1.0", "snapshots/v1.0"] {
            copy_tree(&root().join(part), &dir.path().join(part));
        }
        std::fs::write(
            dir.path().join("conform.toml"),
            "[[contract]]\nname = \"v1.0\"\ndescription = \"schemas/v1.0/list-instances.contract.toml\"\n\
             cases = \"cases/v1.0\"\nsnapshots = \"snapshots/v1.0\"\n",
        )
        .expect("manifest written");
        Project { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `conform ARGS` in the project folder; `ci` sets or clears the CI variable.
    fn cmd(&self, args: &[&str], ci: bool) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_conform"));
        c.args(args)
            .current_dir(self.path())
            .env_remove("TF_BUILD")
            .env("NO_COLOR", "1");
        if ci {
            c.env("CI", "true");
        } else {
            c.env_remove("CI");
        }
        c
    }

    fn run(&self, args: &[&str], ci: bool) -> Output {
        self.cmd(args, ci).output().expect("conform runs")
    }

    fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .cmd(args, false)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("conform starts");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("stdin written");
        child.wait_with_output().expect("conform ends")
    }

    /// Every snapshot file (relative path → text).
    fn files(&self) -> BTreeMap<String, String> {
        store::list(&self.path().join("snapshots"))
            .into_iter()
            .map(|l| {
                let rel = l
                    .path
                    .strip_prefix(self.path())
                    .expect("below")
                    .to_string_lossy()
                    .replace('\\', "/");
                (rel, std::fs::read_to_string(&l.path).expect("readable"))
            })
            .collect()
    }

    fn pending(&self) -> Vec<String> {
        self.files()
            .into_keys()
            .filter(|k| k.ends_with(".snap.new"))
            .collect()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("an exit code")
}

/// (verdict, case) of every case line of a run's output.
fn verdicts(out: &str) -> Vec<(String, String)> {
    out.lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let v = words.next()?;
            ["PASS", "FAIL", "CHANGED", "SKIP", "ERROR", "VACUOUS"]
                .contains(&v)
                .then(|| (v.to_string(), words.next().unwrap_or("").to_string()))
        })
        .collect()
}

fn committed_snapshots() -> Vec<store::Listed> {
    store::list(&root().join("snapshots/v1.0/mock"))
}

#[test]
fn every_shipped_case_has_a_committed_mock_snapshot_and_no_pending_one() {
    let listed = committed_snapshots();
    assert!(
        listed.iter().all(|l| !l.pending),
        "pending files are committed"
    );
    let cases: Vec<String> = walkdir::WalkDir::new(root().join("cases/v1.0"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
        .map(|e| {
            e.path()
                .strip_prefix(root().join("cases/v1.0"))
                .expect("below")
                .with_extension("")
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    for l in &listed {
        assert!(
            cases.contains(&l.case),
            "orphaned snapshot {}",
            l.path.display()
        );
    }
    // status/absent is skipped against the mock (its data uses every status).
    assert_eq!(listed.len(), cases.len() - 1);
}

#[test]
fn committed_snapshots_parse_with_insta_and_hold_no_port_host_or_token() {
    for l in committed_snapshots() {
        let text = std::fs::read_to_string(&l.path).expect("readable");
        let ours = SnapFile::parse(&text).unwrap_or_else(|| panic!("{}", l.path.display()));
        assert_eq!(
            ours.render(),
            text,
            "{} is not in canonical form",
            l.path.display()
        );
        let theirs = insta::Snapshot::from_file(&l.path).expect("insta parses it");
        assert_eq!(
            theirs.metadata().source(),
            Some(format!("cases/v1.0/{}.toml", l.case).as_str())
        );
        assert_eq!(theirs.metadata().expression(), Some(l.case.as_str()));
        let contents = theirs.as_text().expect("a text snapshot").to_string();
        assert_eq!(contents, ours.body, "{}", l.path.display());
        for leak in ["127.0.0.1", "localhost", "http://", "X-Auth-Token:"] {
            assert!(!text.contains(leak), "{} contains {leak}", l.path.display());
        }
        // The in-process mock's token is `conform-` and 16 hex digits.
        let token_like = text.match_indices("conform-").any(|(at, m)| {
            let rest = &text[at + m.len()..];
            rest.len() >= 16 && rest[..16].chars().all(|c| c.is_ascii_hexdigit())
        });
        assert!(!token_like, "{} holds a token", l.path.display());
        assert!(
            !text.contains(conform::mock::MAIN_PROJECT),
            "{}",
            l.path.display()
        );
    }
}

#[test]
fn a_clean_checkout_passes_in_ci_and_two_runs_in_a_row_change_nothing() {
    let p = Project::new();
    let before = p.files();
    let ci = p.run(&["run"], true);
    assert_eq!(code(&ci), 0, "{}", stdout(&ci));
    assert_eq!(p.files(), before, "a CI run wrote snapshot files");
    for _ in 0..2 {
        let local = p.run(&["run"], false);
        assert_eq!(code(&local), 0, "{}", stdout(&local));
        assert_eq!(p.files(), before);
    }
}

#[test]
fn an_additive_change_fails_only_through_snapshot_diffs() {
    let p = Project::new();
    let before = p.files();
    let o = p.run(&["run", "--mock-fault", "extra-field"], true);
    let out = stdout(&o);
    assert_eq!(code(&o), 1, "{out}");
    let v = verdicts(&out);
    let shipped = walkdir::WalkDir::new("cases/v1.0")
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
        .count();
    assert_eq!(v.len(), shipped, "one verdict per shipped case");
    for (verdict, case) in &v {
        assert!(
            ["PASS", "CHANGED", "SKIP"].contains(&verdict.as_str()),
            "{case}: {verdict}\n{out}"
        );
    }
    let changed = v.iter().filter(|(v, _)| v == "CHANGED").count();
    assert!(changed > 40, "{changed} changed\n{out}");
    assert!(
        out.contains(&format!(", 0 failed, {changed} changed,")),
        "{out}"
    );
    // Every changed line of every diff is the new member, and nothing else.
    let diff_lines: Vec<&str> = out
        .lines()
        .map(str::trim_start)
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(diff_lines.len(), changed, "{out}");
    assert!(
        diff_lines.iter().all(|l| *l == "+  az_codes"),
        "{diff_lines:?}"
    );
    assert_eq!(p.files(), before, "CI: nothing is written");
}

#[test]
fn review_lists_rejects_and_accepts_pending_snapshots() {
    let p = Project::new();
    let before = p.files();
    let args = ["run", "--mock-fault", "extra-field", "--filter", "basics"];
    let o = p.run(&args, false);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    let pending = p.pending();
    assert_eq!(pending.len(), 8, "{pending:?}");
    assert!(stdout(&o).contains("8 pending in snapshots/v1.0/mock"));

    let list = p.run(&["review", "--list"], false);
    assert_eq!(code(&list), 1);
    let text = stdout(&list);
    assert!(
        text.contains("pending  changed  snapshots/v1.0/mock/basics/unfiltered.snap.new"),
        "{text}"
    );
    assert!(text.ends_with("8 pending, 0 orphaned\n"), "{text}");

    let reject = p.run(&["review", "--reject-all"], false);
    assert_eq!(code(&reject), 0, "{}", stdout(&reject));
    assert!(stdout(&reject).ends_with("0 accepted, 8 rejected, 0 skipped\n"));
    assert_eq!(p.files(), before);
    let list = p.run(&["review", "--list", "--profile", "mock"], false);
    assert_eq!(code(&list), 0);

    p.run(&args, false);
    let accept = p.run(&["review", "--accept-all", "--profile", "mock"], false);
    assert_eq!(code(&accept), 0, "{}", stdout(&accept));
    assert!(p.pending().is_empty());
    let unfiltered = &p.files()["snapshots/v1.0/mock/basics/unfiltered.snap"];
    assert!(unfiltered.contains("\n  az_codes\n"), "{unfiltered}");
    // The accepted snapshots now describe the faulty mock, and the plain mock differs.
    assert_eq!(code(&p.run(&args, true)), 0);
    assert_eq!(code(&p.run(&["run", "--filter", "basics"], true)), 1);
}

#[test]
fn interactive_review_reads_answers_from_stdin() {
    let p = Project::new();
    let before = p.files();
    p.run(
        &["run", "--mock-fault", "extra-field", "--filter", "basics"],
        false,
    );
    let pending = p.pending();
    assert_eq!(pending.len(), 8);
    // accept, an unknown answer then reject, skip, then end of input: the rest is skipped.
    let o = p.run_with_stdin(&["review"], "a\nwhat\nr\ns\n");
    let out = stdout(&o);
    assert_eq!(code(&o), 1, "{out}");
    assert!(
        out.contains("[1/8] snapshots/v1.0/mock/basics/doc-example-request.snap.new"),
        "{out}"
    );
    assert!(out.contains("+  az_codes"), "{out}");
    assert!(out.contains("unknown answer `what`"), "{out}");
    assert!(
        out.ends_with("1 accepted, 1 rejected, 6 skipped\n"),
        "{out}"
    );
    let after = p.files();
    assert!(after["snapshots/v1.0/mock/basics/doc-example-request.snap"].contains("az_codes"));
    assert_eq!(
        after["snapshots/v1.0/mock/basics/empty-values-ignored.snap"],
        before["snapshots/v1.0/mock/basics/empty-values-ignored.snap"]
    );
    assert_eq!(p.pending(), pending[2..].to_vec());

    let o = p.run_with_stdin(&["review"], "q\n");
    assert!(stdout(&o).ends_with("0 accepted, 0 rejected, 6 skipped\n"));
    // --remove-orphans alone leaves the pending snapshots alone and says so.
    let o = p.run_with_stdin(&["review", "--remove-orphans"], "");
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(
        stdout(&o).contains("6 pending snapshot(s) left for review"),
        "{}",
        stdout(&o)
    );
    assert_eq!(p.pending().len(), 6);
    // r, then A: this one and every remaining one accepted without more questions.
    let o = p.run_with_stdin(&["review"], "r\nA\n");
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(
        stdout(&o).ends_with("5 accepted, 1 rejected, 0 skipped\n"),
        "{}",
        stdout(&o)
    );
    assert!(p.pending().is_empty());
}

#[test]
fn a_missing_snapshot_is_new_written_locally_and_never_in_ci() {
    let p = Project::new();
    let snap = p.path().join("snapshots/v1.0/mock/id/present.snap");
    let accepted = std::fs::read_to_string(&snap).expect("committed");
    std::fs::remove_file(&snap).expect("removed");

    let o = p.run(&["run", "--filter", "id/"], true);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).contains(
            "snapshot: new, no accepted snapshots/v1.0/mock/id/present.snap yet; CI: nothing written"
        ),
        "{}",
        stdout(&o)
    );
    assert!(p.pending().is_empty());

    let o = p.run(&["run", "--filter", "id/"], false);
    assert_eq!(code(&o), 1);
    assert!(verdicts(&stdout(&o)).contains(&("CHANGED".into(), "id/present".into())));
    assert_eq!(p.pending(), ["snapshots/v1.0/mock/id/present.snap.new"]);
    let pending = std::fs::read_to_string(p.path().join("snapshots/v1.0/mock/id/present.snap.new"))
        .expect("written");
    assert_eq!(pending, accepted);

    let o = p.run(&["run", "--filter", "id/", "--snapshots", "update"], true);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert_eq!(std::fs::read_to_string(&snap).expect("written"), accepted);
    assert!(p.pending().is_empty(), "update removes stale pending files");
}

#[test]
fn update_accepts_everything_and_off_ignores_snapshots() {
    let p = Project::new();
    let o = p.run(
        &[
            "run",
            "--mock-fault",
            "extra-field",
            "--snapshots",
            "update",
        ],
        true,
    );
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("snapshot updated: snapshots/v1.0/mock/basics/unfiltered.snap"));
    assert_eq!(
        code(&p.run(&["run", "--mock-fault", "extra-field"], true)),
        0
    );
    assert_eq!(code(&p.run(&["run"], true)), 1);
    assert_eq!(code(&p.run(&["run", "--snapshots", "off"], false)), 0);
    assert!(p.pending().is_empty());
}

#[test]
fn orphans_are_reported_by_run_and_removed_by_review() {
    let p = Project::new();
    let orphan = p.path().join("snapshots/v1.0/mock/gone/case.snap");
    let text = std::fs::read_to_string(p.path().join("snapshots/v1.0/mock/id/present.snap"))
        .expect("committed");
    store::write_atomic(&orphan, &text).expect("written");
    let o = p.run(&["run", "--filter", "id/present"], true);
    assert_eq!(code(&o), 0, "orphans are a warning");
    let out = stdout(&o);
    assert!(
        out.contains("warning: 1 snapshot file(s) belong to no case"),
        "{out}"
    );
    assert!(out.contains("snapshots/v1.0/mock/gone/case.snap"), "{out}");

    let list = p.run(&["review", "--list"], false);
    assert!(
        stdout(&list).contains("orphan            snapshots/v1.0/mock/gone/case.snap"),
        "{}",
        stdout(&list)
    );
    let o = p.run(
        &["review", "--remove-orphans", "--cases", "no-such-folder"],
        false,
    );
    assert_eq!(code(&o), 2, "a wrong --cases must not delete anything");
    assert!(orphan.exists());
    let o = p.run(&["review", "--remove-orphans"], false);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).ends_with("0 accepted, 0 rejected, 0 skipped, 1 orphans removed\n"));
    assert!(!orphan.exists());
}

#[test]
fn a_killed_update_leaves_every_snapshot_old_or_new_never_partial() {
    // The complete "new" state: every snapshot updated for an additive fault.
    let done = Project::new();
    let args = [
        "run",
        "--mock-fault",
        "extra-field",
        "--snapshots",
        "update",
    ];
    assert_eq!(code(&done.run(&args, false)), 0);
    let new = done.files();
    let old = Project::new().files();

    let changing = new.iter().filter(|(k, v)| old.get(*k) != Some(*v)).count();
    assert!(changing > 40, "the fault changes most snapshots");

    // Kill the same run while it writes: as soon as `target` snapshots are new on disk
    // (watched, not timed, so a slow machine hits the write phase too), and once before.
    let mut mixed = 0;
    for target in [0usize, 1, 5, 15, 30, 45] {
        let p = Project::new();
        let mut child = p
            .cmd(&args, false)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("conform starts");
        let started = std::time::Instant::now();
        loop {
            if child.try_wait().expect("waitable").is_some() {
                break;
            }
            let done = p
                .files()
                .iter()
                .filter(|(k, v)| new.get(*k) == Some(*v) && old.get(*k) != Some(*v))
                .count();
            if done >= target || started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = child.wait();
        let mut updated = 0;
        for (name, text) in p.files() {
            assert!(
                SnapFile::parse(&text).is_some(),
                "{name} is not a complete snapshot after a kill at {target} written"
            );
            if name.ends_with(".snap") {
                assert!(
                    old.get(&name) == Some(&text) || new.get(&name) == Some(&text),
                    "{name} is neither the old nor the new snapshot (kill at {target} written)"
                );
                updated += usize::from(old.get(&name) != Some(&text));
            }
        }
        if 0 < updated && updated < changing {
            mixed += 1;
        }
        let debris: Vec<_> = walkdir::WalkDir::new(p.path().join("snapshots"))
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .map(|e| e.path().to_path_buf())
            .collect();
        // A kill between creating and renaming a temporary file may leave one behind
        // (`.conform-*.tmp`, ignored by git); it never takes a snapshot's name.
        assert!(debris.len() <= 1, "{debris:?}");
    }
    assert!(
        mixed > 0,
        "no kill landed while snapshots were being written"
    );
}

/// Filters for what changes between runs and machines.
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
    s.add_filter(r"\d+\.\d+ s \(\d+ requests/s\)", "[time]");
    s.add_filter(r" *\d+ ms\b", " [ms]");
    s.add_filter(r"/tmp/\.tmp\w+|/tmp/\w+", "[tmp]");
    s.set_prepend_module_to_snapshot(true);
    s.set_omit_expression(false);
    s
}

#[test]
fn help_texts() {
    let p = Project::new();
    let _guard = settings().bind_to_scope();
    for (name, args) in [
        ("help", vec!["--help"]),
        ("run_help", vec!["run", "--help"]),
        ("review_help", vec!["review", "--help"]),
    ] {
        let o = p.run(&args, true);
        assert_eq!(code(&o), 0);
        insta::assert_snapshot!(name, stdout(&o));
    }
}

#[test]
fn a_broken_case_file_is_diagnosed_and_nothing_is_sent() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("cases")).expect("mkdir");
    std::fs::write(
        dir.path().join("cases/broken.toml"),
        "description = \"a broken case\"\nrules = [\"C99\"]\n\n[query]\nlimit = \"abc\"\n",
    )
    .expect("written");
    let o = Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(["run", "--cases", "cases"])
        .current_dir(dir.path())
        .env("CI", "true")
        .env("NO_COLOR", "1")
        .output()
        .expect("conform runs");
    assert_eq!(code(&o), 2);
    assert!(!dir.path().join("snapshots").exists(), "nothing written");
    let _guard = settings().bind_to_scope();
    insta::assert_snapshot!("broken_case", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn summary_of_a_run_with_a_snapshot_diff() {
    let p = Project::new();
    let o = p.run(
        &[
            "run",
            "--filter",
            "basics/unfiltered",
            "--mock-fault",
            "extra-field",
        ],
        true,
    );
    assert_eq!(code(&o), 1);
    let _guard = settings().bind_to_scope();
    insta::assert_snapshot!("run_with_diff", stdout(&o));
}

/// `--version` names the commit the binary was built from (issue 25).
#[test]
fn version_names_the_commit() {
    let o = crate::support::conform(&["--version"], &[]);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        out.starts_with(&format!("conform {} (", env!("CARGO_PKG_VERSION"))),
        "{out}"
    );
    let inside = out.trim().rsplit('(').next().unwrap().trim_end_matches(')');
    assert!(
        inside == "unknown commit"
            || (inside.len() == 12 && inside.chars().all(|c| c.is_ascii_hexdigit())),
        "{out}"
    );
}
