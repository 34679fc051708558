//! C14: a project's list never contains another project's instances.

use super::{CheckKind, Context, Finding, Outcome};
use crate::case::Rule;
use crate::plan::Inst;

pub fn check(ctx: &Context<'_>, request: usize, list: &[Inst], out: &mut Outcome) {
    for (pos, inst) in list.iter().enumerate() {
        if ctx.foreign.get(&inst.id).is_some() && ctx.baseline.get(&inst.id).is_none() {
            out.fail(
                Finding::new(
                    Rule(14),
                    CheckKind::Tenancy,
                    request,
                    format!(
                        "instance {} ({:?}) belongs to another project",
                        inst.id, inst.name
                    ),
                )
                .at(format!("/instances/{pos}")),
            );
        }
    }
}
