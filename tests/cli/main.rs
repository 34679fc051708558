//! Integration tests that run the `conform` binary as a process: exit codes, human output,
//! reports, snapshots and review, recording, HTTPS targets, malformed case files, hostile
//! targets and Ctrl-C. They share one test binary so that `cargo test` links the crate
//! once for all of them; `cargo test --test cli` runs only these.
//!
//! Each module covers one area and its tests are named after it: `cargo test --test cli
//! hostile::` runs the hostile-target tests. Insta snapshots live in `snapshots/` next to
//! this file, named after the module path (`cli__cli__help.snap`).

#[path = "../support/need.rs"]
mod need;
#[path = "../support/mod.rs"]
mod support;

mod cases_invalid;
mod ci_examples;
mod cli;
mod diff;
mod generated;
mod hostile;
mod interrupt;
mod real_target;
mod record;
mod reports;
mod run_cli;
mod sdk_python;
mod second_contract;
mod v2_contract;
mod workspace;
