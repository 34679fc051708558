//! One list item as the rules read it, and the target's unfiltered list.

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
}

impl OrderSpec {
    /// How two items compare in this order.
    pub fn cmp(&self, a: &Inst, b: &Inst) -> std::cmp::Ordering {
        let by_time = if self.by.is_none() {
            std::cmp::Ordering::Equal
        } else if self.newest_first {
            b.at.cmp(&a.at)
        } else {
            a.at.cmp(&b.at)
        };
        by_time.then_with(|| {
            if self.id_descending {
                b.id.cmp(&a.id)
            } else {
                a.id.cmp(&b.id)
            }
        })
    }
}

/// What the checks need of one item. Read leniently: a baseline with a wrong type
/// somewhere is still usable for filtering, and the schema check reports the type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inst {
    pub id: String,
    /// The values of the layout's fields, in slot order; an absent or null member reads
    /// as the empty string, any other non-string as its JSON text.
    pub fields: Box<[String]>,
    /// The order member in nanoseconds since the epoch (`i128::MIN` when it does not
    /// parse), computed once: ordering compares it many times.
    pub at: i128,
}

impl Inst {
    /// An item from its id and its field values in slot order.
    pub fn new(layout: &Layout, id: &str, fields: &[&str]) -> Inst {
        let fields: Box<[String]> = (0..layout.fields.len())
            .map(|i| fields.get(i).copied().unwrap_or_default().to_string())
            .collect();
        Inst::from_parts(layout, id.to_string(), fields)
    }

    /// An item from owned parts; computes the order key.
    pub fn from_parts(layout: &Layout, id: String, fields: Box<[String]>) -> Inst {
        let at = layout
            .order
            .by
            .and_then(|slot| fields.get(slot))
            .map_or(i128::MIN, |s| super::time::timestamp_nanos(s));
        Inst { id, fields, at }
    }

    /// Reads one item of a list answer; `None` without an id.
    pub fn from_json(layout: &Layout, v: &Value) -> Option<Inst> {
        let text = |k: &str| match v.get(k) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        let id = text(&layout.id)?;
        let fields = layout
            .fields
            .iter()
            .map(|f| text(f).unwrap_or_default())
            .collect();
        Some(Inst::from_parts(layout, id, fields))
    }

    /// The value in `slot` (empty when the layout has no such slot).
    pub fn field(&self, slot: usize) -> &str {
        self.fields.get(slot).map_or("", String::as_str)
    }

    /// The label shown next to the id in messages.
    pub fn label<'a>(&'a self, layout: &Layout) -> &'a str {
        layout.label.map_or("", |s| self.field(s))
    }
}

/// The unfiltered list of one project, every page, hidden items included.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    pub instances: Vec<Inst>,
    /// id → position in `instances`, so lookups stay O(1) on large accounts.
    index: std::collections::HashMap<String, usize, foldhash::fast::RandomState>,
}

impl Baseline {
    /// Builds a baseline, kept in the contract's order so that every expected list is a
    /// filter of it, never a fresh sort; a repeated id keeps its first occurrence.
    pub fn new(mut list: Vec<Inst>, order: &OrderSpec) -> Baseline {
        list.sort_by(|a, b| order.cmp(a, b));
        let mut index =
            std::collections::HashMap::with_capacity_and_hasher(list.len(), Default::default());
        let mut instances = Vec::with_capacity(list.len());
        for inst in list {
            if !index.contains_key(&inst.id) {
                index.insert(inst.id.clone(), instances.len());
                instances.push(inst);
            }
        }
        Baseline { instances, index }
    }

    pub fn get(&self, id: &str) -> Option<&Inst> {
        self.index.get(id).map(|i| &self.instances[*i])
    }

    /// Where an item sits in `instances`.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
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
                Inst::new(&l, "b", &["x", "2020-01-01T00:00:00Z"]),
                Inst::new(&l, "c", &["y", "2021-01-01T00:00:00Z"]),
                Inst::new(&l, "a", &["z", "2020-01-01T00:00:00.000Z"]),
                Inst::new(&l, "a", &["again", "2019-01-01T00:00:00Z"]),
            ],
            &l.order,
        );
        let ids: Vec<&str> = b.instances.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["c", "a", "b"]);
        assert_eq!(b.get("a").map(|i| i.label(&l)), Some("z"));
        let l = layout(false, true);
        let b = Baseline::new(b.instances.clone(), &l.order);
        let ids: Vec<&str> = b.instances.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["b", "a", "c"], "oldest first, ties by id descending");
    }

    #[test]
    fn members_are_read_by_the_layouts_names() {
        let l = layout(true, false);
        let v = serde_json::json!({"key": "k1", "title": null, "made": 7});
        let i = Inst::from_json(&l, &v).unwrap();
        assert_eq!(i.id, "k1");
        assert_eq!(&*i.fields, ["", "7"]);
        assert!(Inst::from_json(&l, &serde_json::json!({"title": "no key"})).is_none());
    }
}
