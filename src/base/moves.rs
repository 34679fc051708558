//! How an account moved between looks at its unfiltered list: instances created,
//! removed, and members the rules read that changed (status RUNNING → RESTARTING). A run
//! takes a new look only when an answer disagrees with the one before; what moved
//! between two looks is the evidence that excuses a discrepancy (see `check::moving`).

use std::collections::HashMap;

use super::{Baseline, Inst, Layout};

/// One instance's change between two looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    /// The look that saw it (1 is the first look after the baseline).
    pub look: usize,
    pub id: String,
    /// The instance before (`None`: it was not listed) and after (`None`: it is gone).
    pub before: Option<Inst>,
    pub after: Option<Inst>,
    /// In words: `created`, `removed`, `status RUNNING → RESTARTING`.
    pub what: String,
}

impl Move {
    /// The move in words, with the item's label: `id ("name") status A → B`.
    pub fn said(&self, layout: &Layout) -> String {
        let label = self
            .after
            .as_ref()
            .or(self.before.as_ref())
            .map(|i| i.label(layout))
            .unwrap_or_default();
        format!("{} ({label:?}) {}", self.id, self.what)
    }
}

/// An item that an answer showed in another state than the unfiltered list the answer
/// was judged against: the account moved between the two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    pub listed: Inst,
    pub answered: Inst,
    /// In words: `status "RUNNING" in the unfiltered list, "RESTARTING" in the answer`.
    pub what: String,
}

/// Every move seen during a run, by instance.
#[derive(Debug, Clone, Default)]
pub struct Moves {
    by_id: HashMap<String, Vec<Move>>,
    /// In the order seen.
    order: Vec<String>,
}

impl Moves {
    /// Records what changed from `old` to `new`, seen by look number `look`; returns how
    /// many instances moved.
    pub fn record(
        &mut self,
        look: usize,
        layout: &Layout,
        old: &Baseline,
        new: &Baseline,
    ) -> usize {
        let mut moved = 0;
        for before in &old.instances {
            let after = new.get(before.id());
            if let Some(what) = describe(layout, Some(before), after) {
                self.push(
                    look,
                    before.id(),
                    Some(before.clone()),
                    after.cloned(),
                    what,
                );
                moved += 1;
            }
        }
        for after in new.instances.iter().filter(|i| old.get(i.id()).is_none()) {
            self.push(
                look,
                after.id(),
                None,
                Some(after.clone()),
                "created".to_string(),
            );
            moved += 1;
        }
        moved
    }

    /// Records an item an answer showed in another state than the look it was judged
    /// against, as a move seen at look number `look`.
    pub fn sighted(&mut self, look: usize, s: &Sighting) {
        let id = s.listed.id();
        if self.of(id).iter().any(|m| m.what == s.what) {
            return;
        }
        self.push(
            look,
            id,
            Some(s.listed.clone()),
            Some(s.answered.clone()),
            s.what.clone(),
        );
    }

    fn push(
        &mut self,
        look: usize,
        id: &str,
        before: Option<Inst>,
        after: Option<Inst>,
        what: String,
    ) {
        let entry = self.by_id.entry(id.to_string()).or_default();
        if entry.is_empty() {
            self.order.push(id.to_string());
        }
        entry.push(Move {
            look,
            id: id.to_string(),
            before,
            after,
            what,
        });
    }

    /// The moves of one instance, oldest first (empty: it never moved).
    pub fn of(&self, id: &str) -> &[Move] {
        self.by_id.get(id).map_or(&[], Vec::as_slice)
    }

    /// Every move, instance by instance in the order first seen.
    pub fn iter(&self) -> impl Iterator<Item = &Move> {
        self.order.iter().flat_map(|id| self.of(id))
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// How many instances moved.
    pub fn instances(&self) -> usize {
        self.order.len()
    }
}

/// What changed in one instance, in words; `None` when nothing the rules read did.
fn describe(layout: &Layout, before: Option<&Inst>, after: Option<&Inst>) -> Option<String> {
    let (b, a) = match (before, after) {
        (None, None) => return None,
        (None, Some(_)) => return Some("created".to_string()),
        (Some(_), None) => return Some("removed".to_string()),
        (Some(b), Some(a)) => (b, a),
    };
    let mut changes: Vec<String> = layout
        .fields
        .iter()
        .enumerate()
        .filter(|&(slot, _)| b.field(slot) != a.field(slot))
        .map(|(slot, name)| format!("{name} {} → {}", shown(b.field(slot)), shown(a.field(slot))))
        .collect();
    if b.marks != a.marks {
        changes.push(if a.marks > b.marks { "hidden" } else { "shown" }.to_string());
    }
    (!changes.is_empty()).then(|| changes.join(", "))
}

fn shown(v: &str) -> &str {
    if v.is_empty() {
        "(none)"
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::OrderSpec;

    fn layout() -> Layout {
        Layout {
            id: "id".into(),
            fields: vec!["status".into(), "used".into()],
            label: Some(0),
            order: OrderSpec::default(),
        }
    }

    #[test]
    fn creations_removals_and_changed_members_are_recorded_by_instance() {
        let l = layout();
        let old = Baseline::new(
            vec![
                Inst::new(&l, "a", ["RUNNING", "1"]),
                Inst::new(&l, "b", ["RUNNING", "1"]),
                Inst::new(&l, "c", ["RUNNING", "1"]),
            ],
            &l.order,
        );
        let new = Baseline::new(
            vec![
                Inst::new(&l, "a", ["RESTARTING", "1"]),
                Inst::new(&l, "c", ["RUNNING", "1"]),
                Inst::new(&l, "d", ["CREATING", "1"]),
            ],
            &l.order,
        );
        let mut m = Moves::default();
        assert_eq!(m.record(1, &l, &old, &new), 3);
        assert_eq!(m.of("a")[0].what, "status RUNNING → RESTARTING");
        assert_eq!(m.of("b")[0].what, "removed");
        assert_eq!(m.of("d")[0].what, "created");
        assert!(
            m.of("c").is_empty(),
            "an instance that did not change did not move"
        );
        assert_eq!(m.instances(), 3);
        assert_eq!(
            m.record(2, &l, &new, &new),
            0,
            "the same look twice: nothing moved"
        );
    }
}
