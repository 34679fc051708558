//! C14: a project's list never contains another project's instances.

use super::{CheckKind, Context, Finding, Outcome};
use crate::case::Rule;
use crate::plan::Inst;

pub fn check(ctx: &Context<'_>, request: usize, list: &[Inst], out: &mut Outcome) {
    for (pos, inst) in list.iter().enumerate() {
        // An instance_id listed by another project cannot be this project's too, even if
        // this project's own (leaking) baseline lists it.
        if ctx.foreign.get(&inst.id).is_some() {
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
                .item(
                    "instances of another project",
                    format!("{} ({:?})", inst.id, inst.name),
                )
                .at(format!("/instances/{pos}")),
            );
        }
    }
}
