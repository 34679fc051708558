//! Puts the commit conform is built from into `conform --version` (`CONFORM_COMMIT`),
//! or "unknown commit" outside a git checkout (a crate tarball, a copy without `.git`),
//! and rebuilds conform when the shipped workspace it embeds changes.

fn main() {
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown commit".into());
    println!("cargo:rustc-env=CONFORM_COMMIT={commit}");
    // Rebuilt when HEAD moves (a commit, a checkout), not on every build.
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    // The shipped workspace `conform init` writes is embedded: rebuilt when any of it
    // changes (cargo scans a folder named here for any change below it).
    for shipped in ["conform.toml", "schemas", "cases", "snapshots"] {
        println!("cargo:rerun-if-changed={shipped}");
    }
}
