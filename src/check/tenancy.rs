//! The tenancy rule (C14): a project's list never contains another project's items.

use super::{CheckKind, Context, Finding, Outcome};
use crate::base::Inst;

pub fn check(ctx: &Context<'_>, request: usize, list: &[Inst], out: &mut Outcome) {
    let desc = ctx.contract.desc();
    for (pos, inst) in list.iter().enumerate() {
        // An instance_id listed by another project cannot be this project's too, even if
        // this project's own (leaking) baseline lists it.
        if ctx.foreign.get(inst.id()).is_some() {
            out.fail(
                Finding::new(
                    desc.auth_rule,
                    CheckKind::Tenancy,
                    request,
                    format!(
                        "instance {} ({:?}) belongs to another project",
                        inst.id(),
                        inst.label(&desc.layout)
                    ),
                )
                .item(
                    format!("{}s of another project", desc.item),
                    format!("{} ({:?})", inst.id(), inst.label(&desc.layout)),
                )
                .at(format!("/{}/{pos}", desc.list)),
            );
        }
    }
}
