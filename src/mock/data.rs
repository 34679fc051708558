//! The mock's data: instances grouped by project (C14), either the built-in set or a user's
//! `--data` file, validated against the contract's response schema before anything is served.
//!
//! A data file is a JSON object whose `projects` member maps each project id to its list of
//! instances, each exactly as the endpoint returns it. Other top-level members are ignored,
//! so a file can carry a `"comment"`.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::contract::Contract;

/// The main project of the built-in data set (the project id of the vendor page's example).
pub const MAIN_PROJECT: &str = "bd6b78e2ff9e4e47bc260803ddcc7a21";
/// The second project of the built-in data set: a few instances, one name shared with
/// [`MAIN_PROJECT`], so that tenancy (C14) has something to leak.
pub const OTHER_PROJECT: &str = "7c3e9a1f5b2d4e6a8c0b1d3f5a7e9c2b";

/// Instances by project, in the order the data set lists them. Every instance is a JSON
/// object that satisfies the contract's response schema; instance_ids are unique per project.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSet {
    projects: Vec<(String, Vec<Value>)>,
}

/// Why a data set was refused. Nothing is served from a refused data set.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("cannot read data file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{origin}: not valid JSON: {source}")]
    Json {
        origin: String,
        source: serde_json::Error,
    },
    #[error("{origin}: {message}\nhint: a data file is {{\"projects\": {{\"<project id>\": [<instance>, ...]}}}}")]
    Shape { origin: String, message: String },
    #[error("{origin}: {} invalid instance(s):\n{}", problems.len(), Problems(problems))]
    Invalid {
        origin: String,
        problems: Vec<InstanceProblem>,
    },
}

/// One thing wrong with one instance of a data set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceProblem {
    /// The project the instance is listed under.
    pub project: String,
    /// Its 0-based index in the project's list.
    pub index: usize,
    /// Its instance_id and name, as far as they are readable, for the message.
    pub label: String,
    /// The field at fault (a JSON pointer below the instance when nested), or empty when
    /// the instance as a whole is wrong.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for InstanceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "project \"{}\", instances[{}]", self.project, self.index)?;
        if !self.label.is_empty() {
            write!(f, " ({})", self.label)?;
        }
        if !self.field.is_empty() {
            write!(f, ", field `{}`", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

struct Problems<'a>(&'a [InstanceProblem]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  {p}")?;
        }
        Ok(())
    }
}

impl DataSet {
    /// The built-in data set: 56 instances in [`MAIN_PROJECT`] and 5 in [`OTHER_PROJECT`],
    /// designed so that every rule C1..C14 has something to bite on.
    pub fn builtin() -> DataSet {
        DataSet::from_json(builtin_json(), "built-in data set")
            .expect("the built-in data set is valid (tested)")
    }

    /// Reads and validates a data file.
    pub fn from_file(path: &Path) -> Result<DataSet, DataError> {
        let text = std::fs::read_to_string(path).map_err(|source| DataError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let origin = path.display().to_string();
        let value = serde_json::from_str(&text).map_err(|source| DataError::Json {
            origin: origin.clone(),
            source,
        })?;
        DataSet::from_json(value, &origin)
    }

    /// Validates a data set given as JSON; `origin` names it in error messages (a file name).
    pub fn from_json(value: Value, origin: &str) -> Result<DataSet, DataError> {
        let shape = |message: String| DataError::Shape {
            origin: origin.to_string(),
            message,
        };
        let Value::Object(mut top) = value else {
            return Err(shape(format!(
                "the top level is {}, not an object",
                kind_of(&value)
            )));
        };
        let projects = match top.remove("projects") {
            Some(Value::Object(p)) => p,
            Some(other) => {
                return Err(shape(format!(
                    "`projects` is {}, not an object",
                    kind_of(&other)
                )))
            }
            None => return Err(shape("no `projects` member".to_string())),
        };
        let mut out = Vec::with_capacity(projects.len());
        let mut problems = Vec::new();
        for (project, list) in projects {
            if project.is_empty() || project.contains('/') {
                return Err(shape(format!(
                    "project id {project:?} cannot appear in a URL path segment"
                )));
            }
            let Value::Array(instances) = list else {
                return Err(shape(format!(
                    "project \"{project}\" is {}, not a list of instances",
                    kind_of(&list)
                )));
            };
            check_project(&project, &instances, &mut problems);
            out.push((project, instances));
        }
        if !problems.is_empty() {
            return Err(DataError::Invalid {
                origin: origin.to_string(),
                problems,
            });
        }
        Ok(DataSet { projects: out })
    }

    /// Each project id with its number of instances, in data-set order.
    pub fn projects(&self) -> impl Iterator<Item = (&str, usize)> {
        self.projects
            .iter()
            .map(|(p, list)| (p.as_str(), list.len()))
    }

    /// The instances of one project, as stored (not filtered or ordered).
    pub fn instances(&self, project: &str) -> Option<&[Value]> {
        self.projects
            .iter()
            .find(|(p, _)| p == project)
            .map(|(_, list)| list.as_slice())
    }

    /// The data set in the `--data` file format (what `conform mock --print-data` writes).
    pub fn to_json(&self) -> Value {
        let projects: Map<String, Value> = self
            .projects
            .iter()
            .map(|(p, list)| (p.clone(), Value::Array(list.clone())))
            .collect();
        json!({ "projects": projects })
    }

    pub(crate) fn into_projects(self) -> Vec<(String, Vec<Value>)> {
        self.projects
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn label_of(inst: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(id) = inst.get("instance_id").and_then(Value::as_str) {
        parts.push(format!("instance_id \"{id}\""));
    }
    if let Some(name) = inst.get("name").and_then(Value::as_str) {
        parts.push(format!("name \"{name}\""));
    }
    parts.join(", ")
}

/// Validates every instance of one project: the response schema (C12), the C12 constraints
/// the schema cannot express (used_memory <= max_memory), and unique instance_ids.
fn check_project(project: &str, instances: &[Value], problems: &mut Vec<InstanceProblem>) {
    let contract = Contract::embedded();
    let required: Vec<&str> = contract
        .response_schema()
        .pointer("/$defs/instance/required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (index, inst) in instances.iter().enumerate() {
        let mut problem = |field: &str, message: String| {
            problems.push(InstanceProblem {
                project: project.to_string(),
                index,
                label: label_of(inst),
                field: field.to_string(),
                message,
            })
        };
        let Some(obj) = inst.as_object() else {
            problem(
                "",
                format!("an instance is an object, not {}", kind_of(inst)),
            );
            continue;
        };
        // Missing fields first, named one by one (the validator words them less plainly).
        for field in &required {
            if !obj.contains_key(*field) {
                problem(
                    field,
                    "missing (every field of Table 3 is required)".to_string(),
                );
            }
        }
        let wrapped = json!({ "instances": [inst], "instance_num": 1 });
        for v in contract.validate_response(&wrapped) {
            if v.schema_path.ends_with("/required") {
                continue; // reported above
            }
            let field = v.pointer.strip_prefix("/instances/0/").unwrap_or("");
            let mut message = v.message.clone();
            if let Some(src) = &v.source {
                message.push_str(&format!(" (contract: {src})"));
            }
            problem(field, message);
        }
        if let (Some(used), Some(max)) = (
            obj.get("used_memory").and_then(Value::as_i64),
            obj.get("max_memory").and_then(Value::as_i64),
        ) {
            if used < 0 || used > max {
                problem(
                    "used_memory",
                    format!("{used} is outside 0..=max_memory ({max}) (C12)"),
                );
            }
        }
        if let Some(at) = obj.get("created_at").and_then(Value::as_str) {
            if crate::mock::server::parse_created_at(at).is_none() {
                problem("created_at", format!("{at:?} is not an RFC 3339 timestamp"));
            }
        }
        if let Some(id) = obj.get("instance_id").and_then(Value::as_str) {
            if let Some(first) = seen.insert(id, index) {
                seen.insert(id, first);
                problem(
                    "instance_id",
                    format!("\"{id}\" is already used by instances[{first}] of this project"),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The built-in data set.
// ---------------------------------------------------------------------------------------

/// One hand-picked instance of the built-in set: what makes it interesting is its name,
/// status and created_at; the other fields are derived from its number.
struct Seed {
    name: &'static str,
    status: &'static str,
    created_at: &'static str,
}

const fn seed(name: &'static str, status: &'static str, created_at: &'static str) -> Seed {
    Seed {
        name,
        status,
        created_at,
    }
}

/// Main project, newest first. What each group exercises:
/// - shared substrings, case-only differences and prefixes: cache, cache-prod, Cache-Prod,
///   CACHE, cache-prod-2, cache-production, prod-cache (C2, C3);
/// - a CREATEFAILED instance with the same name as a running one (C6 with exact names);
/// - names with space, `+`, `&`, `%`, `=` and Chinese characters (percent-decoding);
/// - created_at ties: four visible instances and one failed one at 2024-05-20T00:00:00Z,
///   straddling positions 10 and 11 of the default list, so a `limit=10` walk crosses a
///   tie (C8, C9, C11); and a pair of Chinese names at one instant;
/// - `…09:15:00.5Z` is newer than `…09:15:00Z` though it sorts before it as a string (C8);
/// - every status of the status table (C4), several CREATEFAILED (C6).
const MAIN_SEEDS: &[Seed] = &[
    seed("new-cache", "CREATING", "2024-06-01T10:00:00.000Z"),
    seed("cache-prod", "RUNNING", "2024-05-30T09:15:00.5Z"),
    seed("Cache-Prod", "RUNNING", "2024-05-30T09:15:00Z"),
    seed("cache-prod", "CREATEFAILED", "2024-05-29T12:00:00.000Z"),
    seed("cache-prod-2", "RUNNING", "2024-05-28T08:00:00.000Z"),
    seed("cache-production", "STARTING", "2024-05-27T16:45:10.120Z"),
    seed("cache", "CLOSED", "2024-05-26T07:30:00.000Z"),
    seed("prod-cache", "RUNNING", "2024-05-25T21:05:33.333Z"),
    seed("session cache", "RUNNING", "2024-05-22T11:11:11.111Z"),
    seed("c++ objects", "RUNNING", "2024-05-20T00:00:00.000Z"),
    seed("r&d cache", "ERROR", "2024-05-20T00:00:00.000Z"),
    seed("100% hot", "RUNNING", "2024-05-20T00:00:00.000Z"),
    seed("k=v store", "FROZEN", "2024-05-20T00:00:00.000Z"),
    seed("failed-build", "CREATEFAILED", "2024-05-20T00:00:00.000Z"),
    seed("a+b=c & 50% off", "RESTARTING", "2024-05-18T13:14:15.161Z"),
    seed("订单缓存", "RUNNING", "2024-05-10T08:00:00.000Z"),
    seed("订单缓存-备", "CLOSING", "2024-05-10T08:00:00.000Z"),
    seed("用户 会话", "EXTENDING", "2024-05-08T02:02:02.202Z"),
    seed("dcs-0001", "RUNNING", "2024-04-12T03:20:10.126Z"),
    seed("dcs-7hsn", "RESTARTING", "2024-04-12T03:15:30.240Z"),
    seed(
        "cache-prod-failed",
        "CREATEFAILED",
        "2024-04-01T00:00:00.000Z",
    ),
    seed("orders-restore", "RESTORING", "2024-03-15T09:00:00.000Z"),
    seed("orders-flush", "FLUSHING", "2024-03-14T09:00:00.000Z"),
    seed("CACHE", "RUNNING", "2024-03-01T00:00:00.000Z"),
    seed("tiny", "RUNNING", "2024-02-29T23:59:59.999Z"),
];

/// Statuses of the generated `dcs-NNNN` tail, by number modulo 10.
const TAIL_STATUSES: [&str; 10] = [
    "RUNNING",
    "RUNNING",
    "ERROR",
    "RUNNING",
    "CLOSED",
    "RUNNING",
    "CREATEFAILED",
    "RUNNING",
    "FROZEN",
    "STARTING",
];

/// Number of generated `dcs-NNNN` instances after the seeds of the main project.
const TAIL_LEN: usize = 31;

const OTHER_SEEDS: &[Seed] = &[
    seed("analytics", "RUNNING", "2024-05-31T06:00:00.000Z"),
    seed("cache-prod", "RUNNING", "2024-05-30T09:15:00.5Z"),
    seed("batch-jobs", "CREATEFAILED", "2024-05-01T00:00:00.000Z"),
    seed("订单缓存", "CLOSED", "2024-04-20T10:10:10.010Z"),
    seed("reporting", "FROZEN", "2024-01-02T03:04:05.006Z"),
];

/// A stable 64-bit mix (splitmix64), so instance_ids look random but never change.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn uuid_like(salt: u64, n: u64) -> String {
    let a = mix(salt ^ n.wrapping_mul(0x1000_0001));
    let b = mix(a);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

/// Builds one instance from its seed and number; `n` drives every derived field.
fn instance(salt: u64, n: usize, s: &Seed, user: (&str, &str)) -> Value {
    const SPECS: [&str; 3] = ["dcs.single_node", "dcs.master_standby", "dcs.cluster"];
    let spec = SPECS[n % 3];
    let capacity: i64 = if spec == "dcs.cluster" {
        [64, 128, 256][n % 3 / 2 + n % 2]
    } else {
        [1, 2, 4, 8, 16][n % 5]
    };
    let max_memory = capacity * 1024 * 4 / 5;
    let used_memory = if s.status == "RUNNING" {
        (n as i64 * 37) % (max_memory / 2)
    } else {
        0
    };
    let engine_version = ["3.0.7", "4.0", "5.0"][n % 3];
    let failed = matches!(s.status, "CREATEFAILED" | "ERROR");
    let mut v = json!({
        "name": s.name,
        "engine": "Redis",
        "capacity": capacity,
        "ip": format!("192.168.{}.{}", 2 + n / 200, 10 + n % 200),
        "domainName": if n.is_multiple_of(2) { String::new() } else { format!("redis-{:04}.dcs.example.com", n) },
        "port": if n % 7 == 3 { 6380 } else { 6379 },
        "status": s.status,
        "max_memory": max_memory,
        "used_memory": used_memory,
        "instance_id": uuid_like(salt, n as u64),
        "resource_spec_code": spec,
        "engine_version": engine_version,
        "internal_version": if n % 4 == 1 { Value::Null } else { json!(format!("3.0.7.{}", 100 + n)) },
        "charging_mode": (n / 2) % 2,
        "vpc_id": if n.is_multiple_of(3) { "1e8115ce-38a4-4c15-bb8f-fe0152c56cb7" } else { "5b3a7c9e-1d2f-4a6b-8c0d-2e4f6a8b0c1d" },
        "vpc_name": if n.is_multiple_of(3) { "vpc-192" } else { "vpc-prod" },
        "created_at": s.created_at,
        "error_code": if failed { json!(format!("DCS.{}", 4000 + n)) } else { Value::Null },
        "user_id": user.0,
        "user_name": user.1,
        "maintain_begin": if n.is_multiple_of(2) { "02:00:00" } else { "22:00:00" },
        "maintain_end": if n.is_multiple_of(2) { "06:00:00" } else { "02:00:00" },
    });
    if s.name == "tiny" {
        // The real service reports instances under 1 GB as capacity 0 with the fraction in an
        // extra string member (C12 allows both).
        v["capacity"] = json!(0);
        v["max_memory"] = json!(102);
        v["used_memory"] = json!(3);
        v["capacity_minor"] = json!(".125");
    }
    v
}

fn builtin_json() -> Value {
    const MAIN_USER: (&str, &str) = ("450c1c3bc09546d396e12ebf016a9329", "wanggang");
    const OTHER_USER: (&str, &str) = ("8f1e2d3c4b5a69788796a5b4c3d2e1f0", "lihua");
    let mut main: Vec<Value> = MAIN_SEEDS
        .iter()
        .enumerate()
        .map(|(n, s)| instance(1, n, s, MAIN_USER))
        .collect();
    for k in 0..TAIL_LEN {
        let n = MAIN_SEEDS.len() + k;
        // Every fourth tail instance shares the creation time of the one before it (C8 ties).
        let hours = (k - usize::from(k % 4 == 3)) * 13;
        let at = time::macros::datetime!(2024-01-31 00:00:00.000 UTC)
            - time::Duration::hours(hours as i64);
        let created_at = at
            .format(&time::format_description::well_known::Rfc3339)
            .expect("a UTC timestamp formats");
        let name = format!("dcs-{:04}", k + 2);
        let s = Seed {
            name: "",
            status: TAIL_STATUSES[k % 10],
            created_at: "",
        };
        let mut v = instance(1, n, &s, MAIN_USER);
        v["name"] = json!(name);
        v["created_at"] = json!(created_at);
        main.push(v);
    }
    // Stored in a shuffled order (by instance_id), so that serving them newest first is the
    // mock's work (C8), not an accident of the data.
    main.sort_by(|a, b| a["instance_id"].as_str().cmp(&b["instance_id"].as_str()));
    let other: Vec<Value> = OTHER_SEEDS
        .iter()
        .enumerate()
        .map(|(n, s)| instance(2, n, s, OTHER_USER))
        .collect();
    json!({
        "comment": "conform's built-in mock data set",
        "projects": { MAIN_PROJECT: main, OTHER_PROJECT: other },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn builtin_satisfies_the_response_schema_instance_by_instance() {
        let data = DataSet::builtin();
        let contract = Contract::embedded();
        for (project, list) in &data.projects {
            let body = json!({"instances": list, "instance_num": list.len()});
            let v = contract.validate_response(&body);
            assert!(v.is_empty(), "{project}: {v:#?}");
        }
    }

    #[test]
    fn builtin_exercises_every_rule() {
        let data = DataSet::builtin();
        let counts: Vec<(&str, usize)> = data.projects().collect();
        assert_eq!(counts[0].0, MAIN_PROJECT);
        assert!(counts[0].1 >= 50, "{counts:?}");
        assert_eq!(counts[1].0, OTHER_PROJECT);
        assert!((3..=6).contains(&counts[1].1), "{counts:?}");
        let main = data.instances(MAIN_PROJECT).unwrap();
        let field = |name: &str| -> Vec<&Value> { main.iter().map(|i| &i[name]).collect() };
        let statuses: HashSet<&str> = field("status").iter().filter_map(|v| v.as_str()).collect();
        for s in crate::mock::filter::STATUSES {
            assert!(statuses.contains(s), "no {s}");
        }
        let failed = field("status")
            .iter()
            .filter(|s| **s == "CREATEFAILED")
            .count();
        assert!(failed >= 3, "{failed}");
        let names: Vec<&str> = field("name").iter().filter_map(|v| v.as_str()).collect();
        for c in [" ", "+", "&", "%", "=", "缓存"] {
            assert!(names.iter().any(|n| n.contains(c)), "no name with {c:?}");
        }
        assert!(names.contains(&"cache-prod") && names.contains(&"Cache-Prod"));
        let specs: HashSet<&str> = field("resource_spec_code")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert_eq!(specs.len(), 3);
        let modes: HashSet<i64> = field("charging_mode")
            .iter()
            .filter_map(|v| v.as_i64())
            .collect();
        assert_eq!(modes.len(), 2);
        for f in ["internal_version", "error_code"] {
            assert!(field(f).iter().any(|v| v.is_null()), "{f}");
            assert!(field(f).iter().any(|v| v.is_string()), "{f}");
        }
        let mut at: Vec<&str> = field("created_at")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        let all = at.len();
        at.sort();
        at.dedup();
        assert!(all - at.len() >= 4, "too few created_at ties");
        let other_ids: HashSet<&str> = data
            .instances(OTHER_PROJECT)
            .unwrap()
            .iter()
            .filter_map(|i| i["instance_id"].as_str())
            .collect();
        assert!(main
            .iter()
            .all(|i| !other_ids.contains(i["instance_id"].as_str().unwrap())));
    }

    fn one(inst: Value) -> Value {
        json!({"comment": "x", "projects": {"p1": [inst]}})
    }

    fn good() -> Value {
        DataSet::builtin().instances(MAIN_PROJECT).unwrap()[0].clone()
    }

    #[test]
    fn a_missing_field_names_origin_project_instance_and_field() {
        let mut inst = good();
        inst.as_object_mut().unwrap().remove("vpc_name");
        let err = DataSet::from_json(one(inst.clone()), "mine.json")
            .unwrap_err()
            .to_string();
        let id = inst["instance_id"].as_str().unwrap();
        assert!(
            err.starts_with("mine.json: 1 invalid instance(s):"),
            "{err}"
        );
        assert!(err.contains("project \"p1\", instances[0]"), "{err}");
        assert!(err.contains(id), "{err}");
        assert!(err.contains("field `vpc_name`: missing"), "{err}");
    }

    #[test]
    fn a_wrong_type_names_the_field() {
        let mut inst = good();
        inst["port"] = json!("6379");
        let err = DataSet::from_json(one(inst), "mine.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("field `port`"), "{err}");
        assert!(err.contains("not of type \"integer\""), "{err}");
    }

    #[test]
    fn used_memory_above_max_and_duplicate_ids_are_refused() {
        let mut a = good();
        a["used_memory"] = json!(a["max_memory"].as_i64().unwrap() + 1);
        let b = good();
        let data = json!({"projects": {"p1": [a, b]}});
        let err = DataSet::from_json(data, "d.json").unwrap_err().to_string();
        assert!(
            err.contains("instances[0]") && err.contains("field `used_memory`"),
            "{err}"
        );
        assert!(
            err.contains("instances[1]") && err.contains("already used by instances[0]"),
            "{err}"
        );
    }

    #[test]
    fn shape_errors() {
        for (v, want) in [
            (json!([]), "the top level is an array"),
            (json!({}), "no `projects` member"),
            (json!({"projects": []}), "`projects` is an array"),
            (json!({"projects": {"p": {}}}), "project \"p\" is an object"),
            (
                json!({"projects": {"p": [3]}}),
                "instances[0]: an instance is an object, not a number",
            ),
        ] {
            let err = DataSet::from_json(v, "f.json").unwrap_err().to_string();
            assert!(err.starts_with("f.json: "), "{err}");
            assert!(err.contains(want), "{err} / {want}");
        }
    }

    #[test]
    fn round_trips_through_the_file_format() {
        let data = DataSet::builtin();
        assert_eq!(DataSet::from_json(data.to_json(), "x").unwrap(), data);
    }
}
