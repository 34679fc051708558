//! Status code, Content-Type and JSON body of one answer (C12 for successes, C13 for
//! errors, and the case's own rule when the status is not the one it expects).

use serde_json::Value;

use super::{case_rule, CheckKind, Context, Finding, Outcome};
use crate::case::Rule;
use crate::contract::Desc;
use crate::exec::Response;

/// Checks the status against the accepted ones, then the media type. True when the
/// content checks can go on (the body is read by [`json`] or by the schema check).
pub fn check(
    ctx: &Context<'_>,
    request: usize,
    resp: &Response,
    accepted: &[u16],
    out: &mut Outcome,
) -> bool {
    let rule = case_rule(ctx);
    if !accepted.contains(&resp.status) {
        let expected = if accepted.len() == 1 {
            accepted[0].to_string()
        } else {
            format!(
                "one of {}",
                accepted
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let why = if resp.status >= 500 && accepted.contains(&200) {
            "a valid request got a server error"
        } else if (300..400).contains(&resp.status) {
            "the target redirected (conform does not follow redirects)"
        } else {
            "unexpected status"
        };
        out.fail(
            Finding::new(rule, CheckKind::Status, request, why)
                .expected_actual(expected, resp.status.to_string()),
        );
        return false;
    }
    if accepted.first() != Some(&resp.status) {
        out.observe(
            rule,
            request,
            format!(
                "answered {} where {} is the rule; accepted as the contract tolerates it",
                resp.status, accepted[0]
            ),
        );
    }
    let media = resp.content_type.as_deref().map(|c| {
        c.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    if media.as_deref() != Some("application/json") {
        out.fail(
            Finding::new(
                body_rule(ctx.contract.desc(), resp),
                CheckKind::ContentType,
                request,
                "wrong Content-Type",
            )
            .expected_actual(
                "application/json",
                resp.content_type.clone().unwrap_or_else(|| "(none)".into()),
            ),
        );
    }
    true
}

/// The rule an answer's body answers to: the error rule (C13) for errors, the shape rule
/// (C12) for successes.
fn body_rule(desc: &Desc, resp: &Response) -> Rule {
    if resp.status >= 400 {
        desc.errors.rule
    } else {
        desc.shape_rule
    }
}

/// The body as JSON, or a finding saying why it is not.
pub fn json<'r>(
    desc: &Desc,
    request: usize,
    resp: &'r Response,
    out: &mut Outcome,
) -> Option<&'r Value> {
    match resp.json() {
        Ok(v) => Some(v),
        Err(e) => {
            out.fail(
                Finding::new(
                    body_rule(desc, resp),
                    CheckKind::Body,
                    request,
                    "body is not JSON",
                )
                .expected_actual("a JSON document", format!("{} ({e})", preview(&resp.body))),
            );
            None
        }
    }
}

pub use crate::exec::preview;
