//! Process exit codes. They are part of conform's interface: CI pipelines branch on them,
//! so they are listed in `--help` and the README and never change meaning.

/// Every selected case passed (observations and vacuous passes do not change this).
pub const SUCCESS: u8 = 0;
/// The target answered, and at least one answer broke the contract, or a case's result
/// differs from its accepted snapshot (`conform review` also uses it for "pending
/// snapshots remain").
pub const CONTRACT_BROKEN: u8 = 1;
/// The input is wrong (options, case files, schemas, data files); nothing was sent.
pub const INPUT_INVALID: u8 = 2;
/// The target could not be reached, or answered nothing usable.
pub const TARGET_UNREACHABLE: u8 = 3;
/// No case was selected (empty folder, or filters that match nothing).
pub const NOTHING_SELECTED: u8 = 4;
/// The run was interrupted (Ctrl-C): the cases that finished were reported, the others
/// were not run. 130 is the shells' convention for a process ended by SIGINT.
pub const INTERRUPTED: u8 = 130;

/// The table printed at the end of `conform --help`.
pub const HELP_TABLE: &str = "\
Exit codes:
  0    every selected case passed
  1    the target answered and broke the contract, or a snapshot differs
  2    the input (options, case files, schemas, data) is wrong; nothing was sent
  3    the target could not be reached or answered nothing usable
  4    no case was selected
  130  interrupted (Ctrl-C): finished cases reported, the rest not run";
