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
    let cases = std::fs::read_dir("cases/v1.0").unwrap().count();
    assert!(cases >= 8, "case folders: {cases}");
}

#[test]
fn a_rule_breaking_fault_exits_1_and_names_rule_file_request_and_repro() {
    let o = conform(&[
        "run",
        "--explore",
        "0",
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
    assert!(
        out.contains("--> cases/v1.0/paging/limit-one.toml:"),
        "{out}"
    );
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
        "--contract",
        "v1.0",
        "--explore",
        "0",
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
        "--explore",
        "0",
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
        "--explore",
        "0",
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

/// A server on 127.0.0.1 that answers every request at once except the one marked
/// `hostile=1` (case `2-hostile` of the hostile-cases suite), which it holds until
/// `release` receives a message. `held` is set once that request has arrived.
fn holding_server() -> (
    String,
    std::sync::mpsc::Sender<()>,
    std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let held = Arc::new(AtomicBool::new(false));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let seen = held.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            // The release arrives on a std channel; a blocking task turns it into a
            // notification the held request waits for.
            let released = Arc::new(tokio::sync::Notify::new());
            let notify = released.clone();
            tokio::task::spawn_blocking(move || {
                if release_rx.recv().is_ok() {
                    notify.notify_one();
                }
            });
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    continue;
                };
                let (released, seen) = (released.clone(), seen.clone());
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&head).into_owned();
                    let target = head.split(' ').nth(1).unwrap_or("/").to_string();
                    let query = target.split_once('?').map_or("", |(_, q)| q);
                    if query.split('&').any(|p| p == "hostile=1") {
                        seen.store(true, Ordering::SeqCst);
                        released.notified().await;
                    }
                    let _ = stream
                        .write_all(&support::json_200(&support::good_body(query)))
                        .await;
                });
            }
        });
    });
    (format!("http://{addr}"), release_tx, held)
}

/// Issue 13: results stream. The first case's result is on stdout while a later case's
/// request is still held by the server; the test only lets that request be answered
/// once it has read the first case's line. A conform that printed results only at the
/// end would never show that line before the release: the held request would time out
/// (exit 3, case 2 an ERROR), and the assertions below fail.
#[test]
fn the_first_result_is_printed_before_the_last_case_has_finished() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    use std::sync::atomic::Ordering;

    for (format, first, held_case) in [
        ("human", "PASS    1-unfiltered", "2-hostile"),
        (
            "json",
            "\"name\":\"1-unfiltered\"",
            "\"name\":\"2-hostile\"",
        ),
    ] {
        let (base_url, release, held) = holding_server();
        let mut child = Command::new(env!("CARGO_BIN_EXE_conform"))
            .args([
                "run",
                "--explore",
                "0",
                "--target",
                &base_url,
                "--project-id",
                "p",
                "--cases",
                "tests/fixtures/hostile-cases",
                "--snapshots",
                "off",
                "--format",
                format,
                // Long enough that the held request never times out on a slow machine.
                "--timeout",
                "60",
            ])
            .env("NO_COLOR", "1")
            .env_remove("CONFORM_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary runs");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut lines = Vec::new();
        let mut shown_while_held = false;
        for line in stdout.lines() {
            let line = line.unwrap();
            if line.contains(first) && !shown_while_held {
                // Nothing has been released yet: the held case cannot have finished.
                assert!(
                    !lines.iter().any(|l: &String| l.contains(held_case)),
                    "{format}: the held case was reported before its answer: {lines:?}"
                );
                shown_while_held = true;
                let _ = release.send(());
            }
            lines.push(line);
        }
        let status = child.wait().unwrap();
        let all = lines.join("\n");
        assert!(
            shown_while_held,
            "{format}: the first case never showed: {all}"
        );
        assert!(
            held.load(Ordering::SeqCst),
            "{format}: the held request never arrived: {all}"
        );
        assert_eq!(status.code(), Some(0), "{format}: {all}");
        // Case order is kept: 1, 2, 3, whatever order the answers came in.
        let at = |name: &str| {
            lines
                .iter()
                .position(|l| l.contains(name))
                .unwrap_or_else(|| panic!("{format}: no {name}: {all}"))
        };
        assert!(
            at("1-unfiltered") < at("2-hostile") && at("2-hostile") < at("3-by-id"),
            "{format}: {all}"
        );
    }
}

/// A target that caps its pages (50, whatever `limit` asks): the baseline walk goes on
/// from where it got to, says so once, and a case that asks for every instance fails
/// under C10 with what it asked and what it got, not as missing instances.
#[test]
fn a_page_cap_is_walked_past_and_diagnosed_as_paging() {
    let o = conform(&[
        "run",
        "--contract",
        "v1.0",
        "--explore",
        "0",
        "--snapshots",
        "off",
        "--mock-fault",
        "page-cap-50",
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert_eq!(
        out.matches("note: the baseline walk asked for 1000 a page and got 50 of 56")
            .count(),
        1,
        "{out}"
    );
    assert!(
        out.contains(
            "C10 paging: the page stops short: asked for no limit (every match), got 50 of 56"
        ),
        "{out}"
    );
    assert!(!out.contains("missing instance"), "{out}");
    // A case with its own limit under the cap is right: the cap is not blamed there.
    assert!(out.contains("PASS    paging/limit-one"), "{out}");
}
