//! A moving account (`conform mock --churn KIND[:EVERY]`): the mock's data changes while it
//! is read, as a real account's does: statuses move along an instance's life, instances
//! are created and deleted, used_memory moves, and a new instance can be listed by one
//! request and missing from the next while replicas converge.
//!
//! One change every EVERY list requests (default [`DEFAULT_EVERY`]), in the main project,
//! chosen by a generator fixed for `--seed`, so that a run against a moving mock can be
//! repeated. The mock's own implementation: nothing here is shared with the checks.

use serde_json::{json, Value};

use super::data::MAIN_PROJECT;
use crate::base::Rng;

/// One change every this many list requests, unless `KIND:EVERY` says otherwise.
pub const DEFAULT_EVERY: u64 = 20;
/// For how many list requests a new instance of the `lag` kind is listed only by every
/// other request.
pub const LAG_REQUESTS: u64 = 8;

/// What moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChurnKind {
    /// One instance takes the next step of its life (RUNNING → RESTARTING → RUNNING,
    /// CREATING → RUNNING, CLOSING → CLOSED ...).
    Status,
    /// A new instance appears, newest of all, in CREATING (a `status` change later
    /// makes it RUNNING or CREATEFAILED).
    Create,
    /// An instance is deleted (v1.0 no longer lists it; v2 lists it with include_delete).
    Delete,
    /// One instance's used_memory changes.
    Usage,
    /// A new instance appears, listed by every other request for a while
    /// ([`LAG_REQUESTS`]) as replicas converge.
    Lag,
    /// Each change one of the above, in turn chosen by the generator.
    Mix,
}

impl ChurnKind {
    pub const ALL: [ChurnKind; 6] = [
        ChurnKind::Status,
        ChurnKind::Create,
        ChurnKind::Delete,
        ChurnKind::Usage,
        ChurnKind::Lag,
        ChurnKind::Mix,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ChurnKind::Status => "status",
            ChurnKind::Create => "create",
            ChurnKind::Delete => "delete",
            ChurnKind::Usage => "usage",
            ChurnKind::Lag => "lag",
            ChurnKind::Mix => "mix",
        }
    }
}

/// How the mock's account moves: `KIND[:EVERY]`, and the seed of its choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Churn {
    pub kind: ChurnKind,
    /// One change every this many list requests (at least 1).
    pub every: u64,
    pub seed: u64,
}

impl Churn {
    /// Reads `KIND` or `KIND:EVERY` (the seed is set apart).
    pub fn parse(text: &str) -> Result<Churn, String> {
        let (kind, every) = match text.split_once(':') {
            Some((k, e)) => (k, Some(e)),
            None => (text, None),
        };
        let Some(kind) = ChurnKind::ALL.into_iter().find(|k| k.name() == kind) else {
            let names: Vec<&str> = ChurnKind::ALL.iter().map(|k| k.name()).collect();
            return Err(format!(
                "no churn kind {kind:?}; one of {} (optionally :EVERY, e.g. status:20)",
                names.join(", ")
            ));
        };
        let every = match every {
            None => DEFAULT_EVERY,
            Some(e) => match e.parse::<u64>() {
                Ok(n) if n >= 1 => n,
                _ => return Err(format!("churn {text:?}: EVERY must be a whole number ≥ 1")),
            },
        };
        Ok(Churn {
            kind,
            every,
            seed: 1,
        })
    }

    /// `KIND:EVERY`, as given on the command line.
    pub fn label(&self) -> String {
        format!("{}:{}", self.kind.name(), self.every)
    }
}

/// An instance's id, as the changes name it.
fn id_of(inst: &Value) -> String {
    inst["instance_id"].as_str().unwrap_or_default().to_string()
}

/// The next step of an instance's life, for the `status` kind (statuses with none are
/// left alone: CREATEFAILED and ERROR stay as they are).
fn next_status(status: &str) -> Option<&'static str> {
    Some(match status {
        "CREATING" | "RESTARTING" | "EXTENDING" | "STARTING" | "RESTORING" | "FLUSHING" => {
            "RUNNING"
        }
        "RUNNING" => "RESTARTING",
        "CLOSING" => "CLOSED",
        "CLOSED" => "STARTING",
        "FROZEN" => "RUNNING",
        _ => return None,
    })
}

/// What one change did, for the mock's own tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Status {
        id: String,
        from: String,
        to: String,
    },
    Created {
        id: String,
        lagging: bool,
    },
    Deleted {
        id: String,
    },
    Usage {
        id: String,
    },
    Nothing,
}

/// The account's data and the generator that moves it.
pub(crate) struct Mover {
    churn: Churn,
    rng: Rng,
    /// Instances created so far (numbers their ids and names).
    created: u64,
}

impl Mover {
    pub(crate) fn new(churn: Churn) -> Mover {
        Mover {
            churn,
            rng: Rng::new(churn.seed),
            created: 0,
        }
    }

    pub(crate) fn every(&self) -> u64 {
        self.churn.every.max(1)
    }

    /// Applies one change to the main project's instances (or the first project's).
    pub(crate) fn step(&mut self, projects: &mut [(String, Vec<Value>)]) -> Change {
        let at = projects
            .iter()
            .position(|(p, _)| p == MAIN_PROJECT)
            .unwrap_or(0);
        let Some((_, list)) = projects.get_mut(at) else {
            return Change::Nothing;
        };
        let kind = match self.churn.kind {
            ChurnKind::Mix => [
                ChurnKind::Status,
                ChurnKind::Create,
                ChurnKind::Delete,
                ChurnKind::Usage,
                ChurnKind::Lag,
            ][self.rng.below(5)],
            k => k,
        };
        match kind {
            ChurnKind::Status => self.status(list),
            ChurnKind::Create => self.create(list, false),
            ChurnKind::Lag => self.create(list, true),
            ChurnKind::Delete => self.delete(list),
            ChurnKind::Usage | ChurnKind::Mix => self.usage(list),
        }
    }

    /// A live instance chosen by the generator among those `ok` accepts.
    fn pick(&mut self, list: &[Value], ok: impl Fn(&Value) -> bool) -> Option<usize> {
        let live: Vec<usize> = (0..list.len())
            .filter(|&i| list[i].get("deleted") != Some(&Value::Bool(true)) && ok(&list[i]))
            .collect();
        if live.is_empty() {
            return None;
        }
        Some(live[self.rng.below(live.len())])
    }

    fn status(&mut self, list: &mut [Value]) -> Change {
        let status = |v: &Value| v["status"].as_str().unwrap_or_default().to_string();
        // A creation in progress is the likeliest to move next.
        let creating = self.pick(list, |v| v["status"] == "CREATING");
        let Some(i) = creating
            .filter(|_| self.rng.below(2) == 0)
            .or_else(|| self.pick(list, |v| next_status(&status(v)).is_some()))
        else {
            return Change::Nothing;
        };
        let from = status(&list[i]);
        // A creation may fail as well as succeed.
        let to = if from == "CREATING" && self.rng.below(2) == 0 {
            "CREATEFAILED".to_string()
        } else {
            next_status(&from).unwrap_or("RUNNING").to_string()
        };
        list[i]["status"] = json!(to);
        Change::Status {
            id: id_of(&list[i]),
            from,
            to,
        }
    }

    fn create(&mut self, list: &mut Vec<Value>, lagging: bool) -> Change {
        let Some(t) = self.pick(list, |v| v["status"] == "RUNNING") else {
            return Change::Nothing;
        };
        self.created += 1;
        let k = self.created;
        let mut inst = list[t].clone();
        let r = self.rng.next_u64();
        let id = format!(
            "c4e7{:04x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            (r >> 48) & 0xffff,
            (r >> 32) & 0xffff,
            (r >> 20) & 0xfff,
            (r >> 8) & 0xfff,
            k
        );
        let name = format!("{}-new{k}", inst["name"].as_str().unwrap_or("dcs"));
        // Newest of all: a creation moves every later page of a walk by one.
        let newest = list
            .iter()
            .filter_map(|v| v["created_at"].as_str())
            .filter_map(super::data::parse_created_at)
            .max()
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let at = (newest + time::Duration::seconds(1))
            .replace_nanosecond(0)
            .unwrap_or(newest);
        inst["instance_id"] = json!(id);
        inst["name"] = json!(name);
        // A new instance is being created; a later status change makes it RUNNING, or
        // its creation fails (CREATEFAILED, hidden without includeFailure).
        inst["status"] = json!("CREATING");
        inst["created_at"] = json!(at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default());
        if let Some(o) = inst.as_object_mut() {
            o.shift_remove("tags");
        }
        list.push(inst);
        Change::Created { id, lagging }
    }

    fn delete(&mut self, list: &mut [Value]) -> Change {
        let Some(i) = self.pick(list, |v| v["status"] != "CREATEFAILED") else {
            return Change::Nothing;
        };
        list[i]["deleted"] = json!(true);
        Change::Deleted {
            id: id_of(&list[i]),
        }
    }

    fn usage(&mut self, list: &mut [Value]) -> Change {
        let Some(i) = self.pick(list, |v| v["max_memory"].as_u64().is_some()) else {
            return Change::Nothing;
        };
        let max = list[i]["max_memory"].as_u64().unwrap_or(0);
        list[i]["used_memory"] = json!(self.rng.below_u64(max + 1));
        Change::Usage {
            id: id_of(&list[i]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Vec<(String, Vec<Value>)> {
        crate::mock::DataSet::builtin().into_projects()
    }

    #[test]
    fn kinds_and_intervals_are_read_from_the_command_line_form() {
        let c = Churn::parse("status").unwrap();
        assert_eq!((c.kind, c.every), (ChurnKind::Status, DEFAULT_EVERY));
        let c = Churn::parse("lag:5").unwrap();
        assert_eq!(
            (c.kind, c.every, c.label()),
            (ChurnKind::Lag, 5, "lag:5".to_string())
        );
        assert!(Churn::parse("statuses")
            .unwrap_err()
            .contains("one of status"));
        assert!(Churn::parse("create:0").is_err());
    }

    #[test]
    fn the_same_seed_moves_the_account_the_same_way() {
        let run = |seed| {
            let mut d = data();
            let mut m = Mover::new(Churn {
                seed,
                ..Churn::parse("mix").unwrap()
            });
            (0..12).map(|_| m.step(&mut d)).collect::<Vec<_>>()
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }

    #[test]
    fn each_kind_changes_what_it_says() {
        let mut d = data();
        let mut m = Mover::new(Churn::parse("status").unwrap());
        let Change::Status { id, from, to } = m.step(&mut d) else {
            panic!("a status change")
        };
        assert_ne!(from, to);
        let main = &d.iter().find(|(p, _)| p == MAIN_PROJECT).unwrap().1;
        assert!(main
            .iter()
            .any(|v| v["instance_id"] == id.as_str() && v["status"] == to.as_str()));

        let before = main.len();
        let mut m = Mover::new(Churn::parse("create").unwrap());
        let Change::Created { id, .. } = m.step(&mut d) else {
            panic!("a creation")
        };
        let main = &d.iter().find(|(p, _)| p == MAIN_PROJECT).unwrap().1;
        assert_eq!(main.len(), before + 1);
        assert_eq!(main.last().unwrap()["instance_id"], id.as_str());

        let mut m = Mover::new(Churn::parse("delete").unwrap());
        let Change::Deleted { id } = m.step(&mut d) else {
            panic!("a deletion")
        };
        let main = &d.iter().find(|(p, _)| p == MAIN_PROJECT).unwrap().1;
        assert!(main
            .iter()
            .any(|v| v["instance_id"] == id.as_str() && v["deleted"] == true));
    }
}
