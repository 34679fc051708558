//! `conform review`: the pending snapshots, reviewed from standard input
//! ([`crate::snapshot::review`]).

use std::io::{self, Write};

use crate::snapshot::review::{review, ReviewArgs};

/// Runs `conform review`; returns the exit code.
pub fn command(args: ReviewArgs) -> u8 {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let mut out = anstream::stdout().lock();
    match review(&args, &mut input, &mut out) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "error: {e}");
            crate::exit::INPUT_INVALID
        }
    }
}
