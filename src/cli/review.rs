//! `conform review`: the pending snapshots, reviewed from standard input
//! ([`crate::snapshot::review`]).

use std::io::{self, Write};

use crate::snapshot::review::{review, ReviewArgs};

/// Runs `conform review`: the snapshots of every contract selected, one contract after
/// the other; returns the exit code (the worst of the contracts').
pub fn command(args: ReviewArgs) -> u8 {
    let contracts = match crate::workspace::resolve(crate::workspace::Ask {
        contract: args.contract.as_deref(),
        cases: args.cases.as_deref(),
        snapshots: args.snapshot_dir.as_deref(),
        many: true,
    }) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "error: {e}");
            return crate::exit::INPUT_INVALID;
        }
    };
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let mut out = anstream::stdout().lock();
    let many = contracts.len() > 1;
    let mut code = crate::exit::SUCCESS;
    for sel in contracts {
        let Some(snapshots) = sel.snapshots else {
            let _ = writeln!(
                anstream::stderr(),
                "error: {}: no snapshot folder (give --snapshot-dir DIR)",
                sel.name
            );
            return crate::exit::INPUT_INVALID;
        };
        if many {
            let _ = writeln!(out, "{}: {}", sel.name, snapshots.display());
        }
        let one = ReviewArgs {
            contract: None,
            snapshot_dir: Some(snapshots),
            cases: Some(sel.cases),
            profile: args.profile.clone(),
            ..args
        };
        match review(&one, &mut input, &mut out) {
            Ok(c) => code = code.max(c),
            Err(e) => {
                let _ = writeln!(anstream::stderr(), "error: {}: {e}", sel.name);
                return crate::exit::INPUT_INVALID;
            }
        }
    }
    code
}
