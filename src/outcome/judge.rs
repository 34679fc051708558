//! The verdict: one case's checked answers (or the reason it was not run) become its
//! [`CaseResult`].

use crate::case::{AuthSel, ResultsExpect};
use crate::check::{self, Answer, Context};

use super::{CaseResult, RequestRecord, Verdict};

/// Checks a case's answers, each already read ([`check::read_answer`], in request
/// order), and judges it. `skip`: why the case was not sent (a notice, verdict SKIP);
/// `failure`: why it could not be judged (a C12 finding, verdict FAIL). An answer read
/// with its body kept keeps it in its [`RequestRecord`].
pub fn judge(
    ctx: &Context<'_>,
    skip: Option<String>,
    failure: Option<String>,
    answers: Vec<Answer>,
) -> CaseResult {
    let case = ctx.case;
    let outcome = (skip.is_none() && failure.is_none()).then(|| check::check_case(ctx, &answers));
    // The records take the parsed bodies over (no second parse, no copy).
    let requests: Vec<RequestRecord> = answers
        .into_iter()
        .map(|a| (a.purpose, a.exchange))
        .map(|(p, ex)| {
            let (status, elapsed) = ex
                .outcome
                .as_ref()
                .map_or((None, std::time::Duration::ZERO), |r| {
                    (Some(r.status), r.elapsed)
                });
            let error = ex.outcome.as_ref().err().cloned();
            let (body, raw) = match ex.outcome {
                Ok(r) => (r.parsed.into_inner().and_then(Result::ok), r.body),
                Err(_) => (None, Vec::new()),
            };
            RequestRecord {
                purpose: p,
                path: ex.request.path_and_query(),
                with_token: ex.request.auth == AuthSel::Configured,
                auth: ex.request.auth,
                status,
                error,
                retries: ex.retries,
                elapsed,
                body,
                raw,
            }
        })
        .collect();
    let mut result = CaseResult {
        duration: requests.iter().map(|r| r.elapsed).sum(),
        requests,
        ..CaseResult::of(case)
    };
    if let Some(why) = skip {
        result.verdict = Verdict::Skipped;
        result.skip = Some(super::Skip::Unexercisable);
        result.notices.push(why);
        return result;
    }
    if let Some(why) = failure {
        result.verdict = Verdict::Fail;
        result.findings.push(check::Finding::new(
            ctx.contract.desc().shape_rule,
            check::CheckKind::Status,
            0,
            format!("no usable baseline: {why}"),
        ));
        return result;
    }
    let mut outcome = outcome.unwrap_or_default();
    result.sightings = std::mem::take(&mut outcome.sightings);
    let transport = result.requests.iter().any(|r| r.error.is_some());
    for r in result.requests.iter().filter(|r| r.retries > 0) {
        result
            .notices
            .push(format!("GET {} was retried {} time(s)", r.path, r.retries));
    }
    result.verdict = if !outcome.findings.is_empty() {
        Verdict::Fail
    } else if transport {
        Verdict::Error
    } else if outcome.compared_list
        && outcome.expected_instances == 0
        && case.expect.results == ResultsExpect::Some
    {
        result
            .notices
            .push("the expected result was empty: this case compared nothing".into());
        Verdict::Vacuous
    } else {
        Verdict::Pass
    };
    result.findings = outcome.findings;
    result.observations = outcome.observations;
    result
}
