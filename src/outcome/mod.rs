//! The result model: what a run concluded about each case, as data.
//!
//! The stage after the checks: [`judge`] turns one case's checked answers into a
//! [`CaseResult`] with its [`Verdict`]; waivers (`waiver`) and snapshots (`snapshot`)
//! then amend that result, case by case, and the reporters (`report`) turn it into
//! text. All of them depend on this module; it depends on nothing above the checks.

pub mod across;
pub mod answers;
pub mod diff;
pub mod explore;
mod judge;

use std::path::PathBuf;
use std::time::Duration;

use crate::case::{Case, Loc, Rule};
use crate::check::{Finding, Observation, Purpose};
use crate::exec::TransportError;

pub use explore::{ExploreFailure, ExploreReport};

/// How an observation begins when a move of the account excused a finding (written by
/// the runner's settling, read by snapshots and diffs as a fact about the data).
pub const MOVED_EXCUSE: &str = "excused, the account moved";
pub use judge::judge;

/// The verdict on one case.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    /// Passed, but compared nothing (an empty expected result): a warning.
    Vacuous,
    /// Not run: the data or the configuration cannot exercise it (a notice says why).
    Skipped,
    /// Every check passed, but the result differs from its accepted snapshot (or has
    /// none yet): the target's behaviour changed and needs a review. Fails the run.
    Changed,
    /// The target broke a rule, but a waiver declares that deviation as known: neither
    /// passed nor failed (see `--waivers`).
    Waived,
    /// The target broke the contract.
    Fail,
    /// No usable answer (connection, timeout, body too large).
    Error,
}

impl Verdict {
    /// The lowercase name used in JSON, JUnit properties and HTML filters.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Vacuous => "vacuous",
            Verdict::Skipped => "skipped",
            Verdict::Changed => "changed",
            Verdict::Waived => "waived",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Vacuous => "VACUOUS",
            Verdict::Skipped => "SKIP",
            Verdict::Changed => "CHANGED",
            Verdict::Waived => "WAIVED",
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
    /// Which credentials: the configured ones, none, a wrong token, or a shape of the
    /// real one (reproductions shape `$CONFORM_TOKEN` the same way).
    pub auth: crate::case::AuthSel,
    pub status: Option<u16>,
    pub error: Option<TransportError>,
    pub retries: u32,
    pub elapsed: Duration,
    /// The answer's body, when it was JSON (for snapshots and reports).
    pub body: Option<serde_json::Value>,
    /// The raw body, when the run keeps raw bodies ([`crate::exec::Keep::Raw`]); empty
    /// otherwise.
    pub raw: Vec<u8>,
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
    /// Why the case was not sent, when it was not (verdict SKIP; a notice says it in
    /// words).
    pub skip: Option<Skip>,
    /// The snapshot comparison, when snapshots are on and the case was compared; its
    /// diff is what the reporters show ([`CaseResult::snapshot_diff`]).
    pub snapshot: Option<SnapshotOutcome>,
    /// Findings a waiver covers, each with the waiver's description; not in `findings`.
    pub waived: Vec<(Finding, String)>,
    /// Items an answer showed in another state than the unfiltered list the case was
    /// judged against: (id, what differed). Evidence that the account moved, read by
    /// the runner (settle.rs); empty on a still account.
    pub sightings: Vec<crate::base::Sighting>,
}

/// Totals for the summary block and the exit code.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub vacuous: usize,
    pub skipped: usize,
    pub errors: usize,
    /// Cases whose snapshot is new or differs.
    pub changed: usize,
    /// Cases whose every failure a waiver covers.
    pub waived: usize,
    pub observations: usize,
    pub requests: usize,
    pub retried: usize,
    /// Distinct failures the exploration found (not waived); they fail the run.
    #[serde(skip_serializing_if = "is_zero")]
    pub explore_failed: usize,
    /// Every request sent to the target in the run: baselines, cases, fresh looks at the
    /// account and exploration (0 when not counted).
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub requests_sent: u64,
    /// Looks at the account taken after the baseline, because an answer disagreed with
    /// it (see `runner::settle`); none when every answer agreed.
    #[serde(skip_serializing_if = "is_zero")]
    pub account_looks: usize,
    /// Instances seen moving between two looks (created, removed, a member changed).
    #[serde(skip_serializing_if = "is_zero")]
    pub account_moved: usize,
    /// Cases (and probes) whose disagreement a move explained: judged again, passed.
    #[serde(skip_serializing_if = "is_zero")]
    pub account_excused: usize,
    /// Cases (and probes) that failed because the account moved on every look.
    #[serde(skip_serializing_if = "is_zero")]
    pub account_unsettled: usize,
    /// Each move seen, in words (`id ("name") status RUNNING → RESTARTING`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub account_moves: Vec<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

impl Summary {
    pub fn of(results: &[CaseResult]) -> Summary {
        let mut s = Summary {
            total: results.len(),
            ..Summary::default()
        };
        for r in results {
            match r.verdict {
                Verdict::Pass => s.passed += 1,
                Verdict::Fail => s.failed += 1,
                Verdict::Vacuous => s.vacuous += 1,
                Verdict::Skipped => s.skipped += 1,
                Verdict::Error => s.errors += 1,
                Verdict::Changed => s.changed += 1,
                Verdict::Waived => s.waived += 1,
            }
            s.observations += r.observations.len();
            s.requests += r.requests.len();
            s.retried += r.requests.iter().filter(|q| q.retries > 0).count();
        }
        s
    }

    /// The documented exit code for these totals.
    pub fn exit_code(&self) -> u8 {
        if self.failed > 0 || self.explore_failed > 0 {
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

/// What a run saw of the account moving while it read it (see `runner::settle`): the
/// looks taken after the baseline, every instance that moved between two looks, and how
/// many cases a move excused or could not settle. All zero when no answer disagreed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AccountReport {
    pub looks: usize,
    /// How many instances moved (an instance may move several times).
    pub instances: usize,
    /// Each move in words: `id ("name") status RUNNING → RESTARTING`, `... created`.
    pub moves: Vec<String>,
    /// Cases that disagreed with the account as first seen, and passed once the moves
    /// were taken into account.
    pub excused: usize,
    /// Cases that failed because the account moved on every look.
    pub unsettled: usize,
}

impl AccountReport {
    /// Puts the counts into the summary.
    pub fn count_into(&self, s: &mut Summary) {
        s.account_looks = self.looks;
        s.account_moved = self.instances;
        s.account_excused = self.excused;
        s.account_unsettled = self.unsettled;
        s.account_moves.clone_from(&self.moves);
    }
}

/// What happened to one case's snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotState {
    /// Equal to the accepted snapshot.
    Matched,
    /// No accepted snapshot yet.
    New,
    /// Differs from the accepted snapshot.
    Changed,
    /// Written as the accepted snapshot (`--snapshots update`): it was new or differed.
    Updated,
}

/// One case's snapshot comparison, filled in by the snapshot stage, for reporters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotOutcome {
    pub state: SnapshotState,
    /// The accepted file.
    pub file: PathBuf,
    /// The pending file written by this run, if one was.
    pub pending: Option<PathBuf>,
    /// Unified diff, accepted → this run (for a changed snapshot).
    pub diff: Option<String>,
    /// A write that failed.
    pub error: Option<String>,
}

/// Why a case was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// The run was interrupted (Ctrl-C) before the case's answers came back.
    Interrupted,
    /// The account or the configuration cannot exercise it (no second project, no
    /// access key, nothing to draw a value from).
    Unexercisable,
}

/// The notice of a case whose answers had not all come back when the run was stopped.
const NOT_RUN: &str = "not run: the run was interrupted before its answers came back";

impl CaseResult {
    /// A case's result before anything is known of it: PASS, nothing found, nothing
    /// sent. Every result starts here.
    pub fn new(name: String, description: String, loc: Loc, rules: Vec<Rule>) -> CaseResult {
        CaseResult {
            name,
            description,
            loc,
            rules,
            verdict: Verdict::Pass,
            findings: Vec::new(),
            observations: Vec::new(),
            notices: Vec::new(),
            requests: Vec::new(),
            duration: Duration::ZERO,
            skip: None,
            snapshot: None,
            waived: Vec::new(),
            sightings: Vec::new(),
        }
    }

    /// [`CaseResult::new`] for `case`.
    pub fn of(case: &Case) -> CaseResult {
        CaseResult::new(
            case.name.clone(),
            case.description.clone(),
            case.loc.clone(),
            case.rules.clone(),
        )
    }

    /// The result of a case the run was stopped before (Ctrl-C): skipped, and saying why.
    pub fn not_run(case: &Case) -> CaseResult {
        CaseResult {
            verdict: Verdict::Skipped,
            skip: Some(Skip::Interrupted),
            notices: vec![NOT_RUN.to_string()],
            ..CaseResult::of(case)
        }
    }

    /// True for a result made by [`CaseResult::not_run`].
    pub fn is_not_run(&self) -> bool {
        self.skip == Some(Skip::Interrupted)
    }

    /// The diff between this run's normalised answer and the accepted snapshot, when
    /// they differ. The reporters only show it (HTML as a diff block, JSON as
    /// `snapshot_diff`, JUnit in the failure text); the snapshot stage makes it.
    pub fn snapshot_diff(&self) -> Option<&str> {
        self.snapshot.as_ref()?.diff.as_deref()
    }

    /// Drops the answers' parsed bodies (the largest part of a result), once nothing
    /// after the reporters needs them.
    pub fn drop_bodies(&mut self) {
        for q in &mut self.requests {
            q.body = None;
        }
    }
}
