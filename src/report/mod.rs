//! Results of a run, as data, and the reporters that turn them into text.
//! The runner produces [`CaseResult`]s in case order; reporters write to any `Write`.

pub mod terminal;

use std::time::Duration;

use crate::case::{Loc, Rule};
use crate::check::{Finding, Observation, Purpose};
use crate::exec::TransportError;

/// The verdict on one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    Pass,
    /// Passed, but compared nothing (an empty expected result): a warning.
    Vacuous,
    /// Not run: the data or the configuration cannot exercise it (a notice says why).
    Skipped,
    /// Every check passed, but the result differs from its accepted snapshot (or has
    /// none yet): the target's behaviour changed and needs a review. Fails the run.
    Changed,
    /// The target broke the contract.
    Fail,
    /// No usable answer (connection, timeout, body too large).
    Error,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Vacuous => "VACUOUS",
            Verdict::Skipped => "SKIP",
            Verdict::Changed => "CHANGED",
            Verdict::Fail => "FAIL",
            Verdict::Error => "ERROR",
        }
    }
}

/// One request of a case as reports show it: never with credentials.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    pub purpose: Purpose,
    /// Path and query, as sent.
    pub path: String,
    /// Whether credentials were sent (shown as `$CONFORM_TOKEN` in reproductions).
    pub with_token: bool,
    pub status: Option<u16>,
    pub error: Option<TransportError>,
    pub retries: u32,
    pub elapsed: Duration,
    /// The answer's body, when it was JSON (for snapshots and reports).
    pub body: Option<serde_json::Value>,
}

/// Everything known about one case after the run.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub name: String,
    pub description: String,
    pub loc: Loc,
    pub rules: Vec<Rule>,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    pub observations: Vec<Observation>,
    pub notices: Vec<String>,
    pub requests: Vec<RequestRecord>,
    pub duration: Duration,
    /// The snapshot comparison, when snapshots are on and the case was compared.
    pub snapshot: Option<crate::snapshot::Outcome>,
}

/// Totals for the summary block and the exit code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub vacuous: usize,
    pub skipped: usize,
    pub errors: usize,
    /// Cases whose snapshot is new or differs.
    pub changed: usize,
    pub observations: usize,
    pub requests: usize,
    pub retried: usize,
}

impl Summary {
    pub fn of(results: &[CaseResult]) -> Summary {
        let mut s = Summary::default();
        for r in results {
            match r.verdict {
                Verdict::Pass => s.passed += 1,
                Verdict::Fail => s.failed += 1,
                Verdict::Vacuous => s.vacuous += 1,
                Verdict::Skipped => s.skipped += 1,
                Verdict::Error => s.errors += 1,
                Verdict::Changed => s.changed += 1,
            }
            s.observations += r.observations.len();
            s.requests += r.requests.len();
            s.retried += r.requests.iter().filter(|q| q.retries > 0).count();
        }
        s
    }

    /// The documented exit code for these totals.
    pub fn exit_code(&self) -> u8 {
        if self.failed > 0 {
            crate::exit::CONTRACT_BROKEN
        } else if self.errors > 0 {
            crate::exit::TARGET_UNREACHABLE
        } else if self.changed > 0 {
            crate::exit::CONTRACT_BROKEN
        } else {
            crate::exit::SUCCESS
        }
    }
}
