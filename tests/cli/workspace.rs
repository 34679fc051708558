//! The workspace from a user's side: `conform init` in an empty folder gives a workspace
//! whose `conform run` passes as the repository's does, from the folder or any folder
//! below it; outside any workspace, a command that needs cases says what to do.

use std::path::Path;
use std::process::{Command, Output};

fn conform_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(args)
        .current_dir(dir)
        .env("CI", "1")
        .env("NO_COLOR", "1")
        .output()
        .expect("conform runs")
}

fn all(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn init_gives_a_workspace_whose_run_passes_from_any_folder_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("my-service");
    let o = conform_in(dir.path(), &["init", "my-service"]);
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    for f in [
        "conform.toml",
        "schemas/v1.0/list-instances.contract.toml",
        "schemas/v2/list-instances.response.schema.json",
        "cases/v2/CONTRACT",
        "snapshots/v1.0/mock/basics/unfiltered.snap",
    ] {
        assert!(ws.join(f).is_file(), "{f} written");
    }
    // The shipped suite, against the built-in mock, with the shipped snapshots (CI: any
    // difference would fail and nothing would be written).
    let o = conform_in(&ws, &["run"]);
    let out = all(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("== contract v1.0") && out.contains("== contract v2"),
        "{out}"
    );
    assert!(out.contains(" 0 changed"), "{out}");
    // From a folder below, conform.toml is found above; the paths stay the workspace's.
    let o = conform_in(
        &ws.join("cases/v2/tags"),
        &["list", "--contract", "v2", "--format", "json"],
    );
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    assert!(out.contains("\"file\":\"../../../cases/v2/tags/"), "{out}");
    // A second init changes nothing.
    let o = conform_in(dir.path(), &["init", "my-service"]);
    assert_eq!(o.status.code(), Some(2), "{}", all(&o));
    assert!(all(&o).contains("nothing was written"), "{}", all(&o));
}

#[test]
fn outside_a_workspace_a_command_that_needs_cases_says_to_init() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["run"][..],
        &["list"],
        &["check"],
        &["review"],
        &["run", "--contract", "v2"],
    ] {
        let o = conform_in(dir.path(), args);
        let out = all(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {out}");
        assert!(
            out.contains("no conform.toml in this folder or any folder above it")
                && out.contains("`conform init`"),
            "{args:?}: {out}"
        );
    }
    // The mock needs no workspace.
    let o = conform_in(dir.path(), &["mock", "--list-faults"]);
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
}
