//! Evidence before blame: whether the account's own movement explains a finding.
//!
//! A real account moves while it is read. A finding about the account's data (filters,
//! order, paging) is excused only by evidence that the instances it is about moved
//! between two looks at the unfiltered list: the ones it names, or, for a finding about a
//! count or a position, an instance that matches the query in one of its states. Moves
//! elsewhere in the account excuse nothing. The runner takes the looks and judges again;
//! this file only weighs.

use super::filter::Query;
use super::{CheckKind, Context, Finding};
use crate::base::Moves;

/// What the moves seen so far say about one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Weight {
    /// Not about the data, or about instances that never moved: the target is at fault.
    Stands,
    /// The instances involved moved: what moved, in words (`id ("name") status A → B`).
    Explained(Vec<String>),
    /// About an instance listed by an answer but by no look at the unfiltered list yet
    /// (a new instance that a replica lists first, or one that comes from nowhere): the
    /// next look decides.
    Unseen,
}

/// True for the kinds of finding that depend on the account's data.
pub fn about_data(f: &Finding) -> bool {
    matches!(
        f.check,
        CheckKind::Filter | CheckKind::Order | CheckKind::Paging
    )
}

/// Weighs a finding of the case in `ctx` (judged against `ctx.baseline`) whose request
/// sent `query`, against the moves seen by looks after look number `since` (0: every
/// move of the run).
pub fn weigh(
    ctx: &Context<'_>,
    f: &Finding,
    query: &[(String, String)],
    moves: &Moves,
    since: usize,
) -> Weight {
    if !about_data(f) {
        return Weight::Stands;
    }
    let desc = ctx.contract.desc();
    let layout = &desc.layout;
    let said = |m: &crate::base::Move| m.said(layout);
    if let (Some(change), Some(id)) = (&f.answered, f.instances.first()) {
        // The answer itself shows the item in another state than the list: it moved
        // between the two (sent again, a fault would show the same once more).
        return Weight::Explained(vec![format!("{id} {change}")]);
    }
    if !f.instances.is_empty() {
        let explained: Vec<String> = f
            .instances
            .iter()
            .flat_map(|id| moves.of(id))
            .filter(|m| m.look > since)
            .map(said)
            .collect();
        if !explained.is_empty() {
            return Weight::Explained(explained);
        }
        let unseen = f
            .instances
            .iter()
            .all(|id| ctx.baseline.get(id).is_none() && ctx.foreign.get(id).is_none());
        return if unseen {
            Weight::Unseen
        } else {
            Weight::Stands
        };
    }
    // A count or a position: any instance the query matches, before or after its move.
    let q = Query::parse(desc, query).unpaged();
    let matches = |i: &Option<crate::base::Inst>| i.as_ref().is_some_and(|i| q.admits(i));
    let explained: Vec<String> = moves
        .iter()
        .filter(|m| m.look > since && (matches(&m.before) || matches(&m.after)))
        .map(said)
        .collect();
    if explained.is_empty() {
        Weight::Stands
    } else {
        Weight::Explained(explained)
    }
}
