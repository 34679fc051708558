//! One list item as the rules read it, and the target's unfiltered list.

use std::hash::BuildHasher;

use serde_json::Value;

/// Which members of a list item the rules read, by name, and how items are ordered.
/// Built by the contract from its description; everything below reads items through it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The member that identifies an item (an item without it is no item).
    pub id: String,
    /// The other members the rules read, in slot order: [`Inst::fields`] holds their
    /// values in this order.
    pub fields: Vec<String>,
    /// The slot shown next to an id in messages, if any.
    pub label: Option<usize>,
    pub order: OrderSpec,
}

/// The order a list is kept in: a timestamp member (newest or oldest first), then the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderSpec {
    /// The slot of the timestamp member; `None` when the contract orders by id alone.
    pub by: Option<usize>,
    pub newest_first: bool,
    /// Ties (and lists ordered by id alone) by id descending instead of ascending.
    pub id_descending: bool,
    /// The order the target listed the items in, whatever it is (a contract that asks
    /// only for a stable order): every two items compare equal, so a stable sort keeps
    /// the walk's order.
    pub as_listed: bool,
}

impl OrderSpec {
    /// How two items compare in this order.
    pub fn cmp(&self, a: &Inst, b: &Inst) -> std::cmp::Ordering {
        if self.as_listed {
            return std::cmp::Ordering::Equal;
        }
        let by_time = if self.by.is_none() {
            std::cmp::Ordering::Equal
        } else if self.newest_first {
            b.at.cmp(&a.at)
        } else {
            a.at.cmp(&b.at)
        };
        by_time.then_with(|| {
            if self.id_descending {
                b.id().cmp(a.id())
            } else {
                a.id().cmp(b.id())
            }
        })
    }
}

/// What the checks need of one item. Read leniently: a baseline with a wrong type
/// somewhere is still usable for filtering, and the schema check reports the type.
///
/// Held compactly, since a large account holds hundreds of thousands of them: the id and
/// the field values back to back in one string, with their end offsets beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inst {
    /// The id, then the values of the layout's fields in slot order; an absent or null
    /// member reads as the empty string, any other non-string as its JSON text.
    text: Box<str>,
    /// Where the id and each field end in `text`.
    ends: Box<[u32]>,
    /// The order member in nanoseconds since the epoch (`i128::MIN` when it does not
    /// parse), computed once: ordering compares it many times.
    pub at: i128,
    /// One bit per learnt hidden rule of the contract: set when the baseline walk found
    /// this item only with that rule's flag (a deleted instance, say). 0 elsewhere.
    pub marks: u8,
}

impl Inst {
    /// An item from its id and its field values in slot order (missing ones are empty,
    /// extra ones ignored); computes the order key.
    pub fn new<S: AsRef<str>>(
        layout: &Layout,
        id: &str,
        fields: impl IntoIterator<Item = S>,
    ) -> Inst {
        let n = layout.fields.len();
        let mut text = String::with_capacity(id.len() + 16 * n);
        let mut ends = Vec::with_capacity(n + 1);
        let mut end = |text: &mut String, s: &str| {
            text.push_str(s);
            // An item's text beyond 4 GiB cannot come from a body under --max-body.
            ends.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
        };
        end(&mut text, id);
        let mut given = fields.into_iter();
        for _ in 0..n {
            match given.next() {
                Some(f) => end(&mut text, f.as_ref()),
                None => end(&mut text, ""),
            }
        }
        let mut inst = Inst {
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
            at: i128::MIN,
            marks: 0,
        };
        if let Some(slot) = layout.order.by {
            inst.at = super::time::timestamp_nanos(inst.field(slot));
        }
        inst
    }

    /// Reads one item of a list answer; `None` without an id.
    pub fn from_json(layout: &Layout, v: &Value) -> Option<Inst> {
        let text = |k: &str| match v.get(k) {
            Some(Value::String(s)) => Some(std::borrow::Cow::Borrowed(s.as_str())),
            Some(Value::Null) | None => None,
            Some(other) => Some(std::borrow::Cow::Owned(other.to_string())),
        };
        let id = text(&layout.id)?;
        let fields = layout.fields.iter().map(|f| text(f).unwrap_or_default());
        Some(Inst::new(layout, &id, fields))
    }

    /// The item's id.
    pub fn id(&self) -> &str {
        self.part(0)
    }

    /// The value in `slot` (empty when the layout has no such slot).
    pub fn field(&self, slot: usize) -> &str {
        self.part(slot + 1)
    }

    fn part(&self, k: usize) -> &str {
        let Some(&end) = self.ends.get(k) else {
            return "";
        };
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        self.text
            .get(start as usize..end as usize)
            .unwrap_or_default()
    }

    /// The field values in slot order.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        (1..self.ends.len()).map(|k| self.part(k))
    }

    /// The label shown next to the id in messages.
    pub fn label<'a>(&'a self, layout: &Layout) -> &'a str {
        layout.label.map_or("", |s| self.field(s))
    }
}

/// The unfiltered list of one project, every page, hidden items included.
#[derive(Clone, Default)]
pub struct Baseline {
    pub instances: Vec<Inst>,
    /// The order `instances` are kept in: the contract's, or the reading of an open
    /// order that the target follows.
    pub order: OrderSpec,
    /// Positions in `instances`, found by id (hashed with `hasher`), so that lookups stay
    /// O(1) on large accounts without a second copy of every id.
    index: hashbrown::HashTable<u32>,
    hasher: foldhash::fast::RandomState,
}

impl std::fmt::Debug for Baseline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Baseline")
            .field("instances", &self.instances)
            .finish_non_exhaustive()
    }
}

impl Baseline {
    /// Builds a baseline, kept in the contract's order so that every expected list is a
    /// filter of it, never a fresh sort; a repeated id keeps its first occurrence.
    pub fn new(mut list: Vec<Inst>, order: &OrderSpec) -> Baseline {
        // Stable: of two items with the same id and order key, the first stays first.
        list.sort_by(|a, b| order.cmp(a, b));
        let hasher = foldhash::fast::RandomState::default();
        let mut index = hashbrown::HashTable::with_capacity(list.len());
        let mut instances: Vec<Inst> = Vec::with_capacity(list.len());
        for inst in list {
            let hash = hasher.hash_one(inst.id());
            let known = index
                .find(hash, |&p: &u32| instances[p as usize].id() == inst.id())
                .is_some();
            if !known {
                let position = u32::try_from(instances.len()).expect("fewer than 2^32 items");
                index.insert_unique(hash, position, |&p| {
                    hasher.hash_one(instances[p as usize].id())
                });
                instances.push(inst);
            }
        }
        instances.shrink_to_fit();
        Baseline {
            instances,
            order: *order,
            index,
            hasher,
        }
    }

    pub fn get(&self, id: &str) -> Option<&Inst> {
        self.position(id).map(|i| &self.instances[i])
    }

    /// Where an item sits in `instances`.
    pub fn position(&self, id: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(id);
        self.index
            .find(hash, |&p| self.instances[p as usize].id() == id)
            .map(|&p| p as usize)
    }

    pub fn len(&self) -> usize {
        self.instances.len()
    }

    pub fn is_empty(&self) -> bool {
        self.instances.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(newest_first: bool, id_descending: bool) -> Layout {
        Layout {
            id: "key".into(),
            fields: vec!["title".into(), "made".into()],
            label: Some(0),
            order: OrderSpec {
                as_listed: false,
                by: Some(1),
                newest_first,
                id_descending,
            },
        }
    }

    #[test]
    fn a_baseline_keeps_the_layouts_order_and_the_first_of_a_repeated_id() {
        let l = layout(true, false);
        let b = Baseline::new(
            vec![
                Inst::new(&l, "b", ["x", "2020-01-01T00:00:00Z"]),
                Inst::new(&l, "c", ["y", "2021-01-01T00:00:00Z"]),
                Inst::new(&l, "a", ["z", "2020-01-01T00:00:00.000Z"]),
                Inst::new(&l, "a", ["again", "2019-01-01T00:00:00Z"]),
            ],
            &l.order,
        );
        let ids: Vec<&str> = b.instances.iter().map(super::Inst::id).collect();
        assert_eq!(ids, ["c", "a", "b"]);
        assert_eq!(b.get("a").map(|i| i.label(&l)), Some("z"));
        let l = layout(false, true);
        let b = Baseline::new(b.instances.clone(), &l.order);
        let ids: Vec<&str> = b.instances.iter().map(super::Inst::id).collect();
        assert_eq!(ids, ["b", "a", "c"], "oldest first, ties by id descending");
    }

    #[test]
    fn members_are_read_by_the_layouts_names() {
        let l = layout(true, false);
        let v = serde_json::json!({"key": "k1", "title": null, "made": 7});
        let i = Inst::from_json(&l, &v).unwrap();
        assert_eq!(i.id(), "k1");
        assert_eq!(i.fields().collect::<Vec<_>>(), ["", "7"]);
        assert!(Inst::from_json(&l, &serde_json::json!({"title": "no key"})).is_none());
    }
}
