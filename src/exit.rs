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

/// Why a command stops early: the words for the user and the exit code it ends with
/// (one of the classes above). Made where the problem is found and carried up with `?`;
/// said once, by the command ([`Failure::report`]), never where it is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    code: u8,
    /// The whole text, `error: ...` and its hints, as printed.
    text: String,
}

impl Failure {
    /// Bad input (exit 2): `error: {message}`.
    pub fn input(message: impl std::fmt::Display) -> Failure {
        Failure::with(INPUT_INVALID, format!("error: {message}"))
    }

    /// The target could not be reached (exit 3): `error: {message}`.
    pub fn unreachable(message: impl std::fmt::Display) -> Failure {
        Failure::with(TARGET_UNREACHABLE, format!("error: {message}"))
    }

    /// Any class, the text printed as it is (a diagnostic that locates its own problems).
    pub fn with(code: u8, text: impl Into<String>) -> Failure {
        Failure {
            code,
            text: text.into(),
        }
    }

    pub fn code(&self) -> u8 {
        self.code
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Says the failure on stderr and gives its exit code.
    pub fn report(self) -> u8 {
        use std::io::Write;
        let _ = writeln!(anstream::stderr(), "{}", self.text.trim_end_matches('\n'));
        self.code
    }
}

/// The table printed at the end of `conform --help`.
pub const HELP_TABLE: &str = "\
Exit codes:
  0    every selected case passed
  1    the target answered and broke the contract, or a snapshot differs
  2    the input (options, case files, schemas, data) is wrong; nothing was sent
  3    the target could not be reached or answered nothing usable
  4    no case was selected
  130  interrupted (Ctrl-C): finished cases reported, the rest not run";

#[cfg(test)]
mod tests {
    use super::*;

    /// A failure keeps its class and its words, hints included, and reports its class.
    #[test]
    fn a_failure_carries_its_exit_class_and_its_words() {
        let f = Failure::input("--target x is not a URL\n  = hint: give the scheme");
        assert_eq!(f.code(), INPUT_INVALID);
        assert_eq!(
            f.text(),
            "error: --target x is not a URL\n  = hint: give the scheme"
        );
        assert_eq!(Failure::unreachable("gone").code(), TARGET_UNREACHABLE);
        let selected = Failure::with(NOTHING_SELECTED, "error: no case selected in cases");
        assert_eq!(selected.clone().report(), NOTHING_SELECTED);
        assert_eq!(selected.text(), "error: no case selected in cases");
    }

    /// The README's exit-code table lists exactly the codes of `--help`'s, which is
    /// written here beside the constants.
    #[test]
    fn the_readme_lists_the_exit_codes_of_this_module() {
        let codes = |rows: Vec<&str>| -> Vec<u8> {
            rows.iter()
                .filter_map(|r| r.split_whitespace().next()?.parse().ok())
                .collect()
        };
        let help = codes(HELP_TABLE.lines().skip(1).collect());
        assert_eq!(
            help,
            [
                SUCCESS,
                CONTRACT_BROKEN,
                INPUT_INVALID,
                TARGET_UNREACHABLE,
                NOTHING_SELECTED,
                INTERRUPTED
            ]
        );
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let table = readme
            .split("| exit code | meaning |")
            .nth(1)
            .expect("the README has an exit-code table");
        let rows: Vec<&str> = table
            .lines()
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .map(|l| l.trim_start_matches('|'))
            .collect();
        assert_eq!(codes(rows), help);
    }
}
