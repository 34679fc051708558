//! What a test does when something it needs is not on the machine (a tool, a Python
//! package, the vendor pages in `../shared/`): outside CI it says so and skips; with
//! `CI` set it fails, saying what to install, so that a CI run never passes a test that
//! did not run. `.ci/run` installs what the tests need; what it could not install it
//! lists in `CONFORM_TEST_MISSING` (comma-separated names), and said loudly in its own
//! output, those tests skip in CI too.

/// True when `CI` is set as CI services set it (anything but empty, `0` or `false`).
fn in_ci() -> bool {
    !matches!(
        std::env::var("CI").ok().as_deref(),
        None | Some("" | "0" | "false")
    )
}

/// Reports that `name` is missing: a panic with `install` in CI (unless `.ci/run` said
/// it could not be installed), else a line on stderr. The caller returns after it.
pub fn missing(name: &str, install: &str) {
    let known = std::env::var("CONFORM_TEST_MISSING").unwrap_or_default();
    let said = known.split(',').any(|k| k.trim() == name);
    if in_ci() && !said {
        panic!(
            "{name} is missing, and CI is set, so this test fails instead of skipping: {install}"
        );
    }
    eprintln!("SKIPPED: {name} is missing: {install}");
}

/// The vendor pages beside the repository, or `None` after [`missing`].
#[allow(dead_code)] // Used by the library tests, not the cli ones, which share this file.
pub fn shared() -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vendor-docs");
    if dir.is_dir() {
        Some(dir)
    } else {
        missing(
            "shared",
            "the vendor pages: check out the shared folder (contract notes and vendor-docs/) beside the repository, as ../shared",
        );
        None
    }
}
