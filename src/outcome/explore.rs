//! What an exploration of the query space found: its coverage and its distinct,
//! shrunk failures, each judged as a case (see `runner::explore`).

use std::time::Duration;

use crate::plan::explore::Coverage;

use super::CaseResult;

/// One distinct failure, shrunk.
#[derive(Debug, Clone)]
pub struct ExploreFailure {
    /// The minimal probe's result, judged as a case (name `explore/NNNN` of the probe
    /// that first failed this way).
    pub result: CaseResult,
    /// The probe as first found, before shrinking.
    pub found: String,
    /// The minimal probe as a case file in the shipped format (`--save`).
    pub case_file: String,
    /// Other failing probes that shrink to this one (not shrunk again).
    pub repeats: usize,
}

/// What an exploration did and found.
#[derive(Debug, Clone)]
pub struct ExploreReport {
    pub seed: u64,
    pub budget: usize,
    /// Probes sent (this shard's).
    pub probes: usize,
    /// Requests sent, shrinking included.
    pub requests: usize,
    pub coverage: Coverage,
    /// Classes the data could not fill, and why.
    pub unreachable: Vec<String>,
    pub failures: Vec<ExploreFailure>,
    /// Probes that could not be judged (transport errors).
    pub errors: usize,
    pub elapsed: Duration,
}

impl ExploreReport {
    /// The failures' results, as the reporters take cases.
    pub fn results(&self) -> impl Iterator<Item = &CaseResult> {
        self.failures.iter().map(|f| &f.result)
    }

    /// Failures no waiver covers.
    pub fn failed(&self) -> usize {
        self.results()
            .filter(|r| r.verdict == super::Verdict::Fail)
            .count()
    }
}
