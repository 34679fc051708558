//! The mock's data: instances grouped by project (C14), either the built-in set or a user's
//! `--data` file, validated against the contract's response schema before anything is served.
//!
//! A data file is a JSON object whose `projects` member maps each project id to its list of
//! instances, each exactly as the endpoint returns it. Other top-level members are ignored,
//! so a file can carry a `"comment"`.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use serde_json::{json, Map, Value};

use crate::contract::Contract;

/// The route of the v1.0 list, which the data set is served on.
pub const LIST_PATH: &str = "/v1.0/{project_id}/instances";
/// The v2 list (docs/contract-v2-notes.md), served from the same data.
pub const LIST_V2_PATH: &str = "/v2/{project_id}/instances";

/// Parses a created_at value for ordering (C8). Accepts RFC 3339 with any offset.
pub(crate) fn parse_created_at(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

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

/// The built-in data set, in the `conform record` / `--data` file format, compiled in.
///
/// 56 instances in [`MAIN_PROJECT`] and 5 in [`OTHER_PROJECT`], chosen so that every rule
/// C1..C14 has something to bite on:
/// - shared substrings, case-only differences and prefixes: cache, cache-prod, Cache-Prod,
///   CACHE, cache-prod-2, cache-production, prod-cache (C2, C3);
/// - a CREATEFAILED instance with the same name as a running one (C6 with exact names);
/// - names with space, `+`, `&`, `%`, `=` and Chinese characters (percent-decoding);
/// - created_at ties: four visible instances and one failed one at 2024-05-20T00:00:00Z,
///   straddling positions 10 and 11 of the default list, so a `limit=10` walk crosses a
///   tie (C8, C9, C11); a pair of Chinese names at one instant; and every fourth
///   `dcs-NNNN` instance shares the creation time of the one before it;
/// - `…09:15:00.5Z` is newer than `…09:15:00Z` though it sorts before it as a string (C8);
/// - every status of the status table (C4), several CREATEFAILED (C6);
/// - all three resource_spec_codes, both charging modes, null and non-null
///   internal_version and error_code, one instance under 1 GB (capacity 0 with a
///   `capacity_minor` string, as the real service reports it, C12);
/// - the other project shares a name and a creation time with the main one (C14).
///
/// The main project's instances are stored ordered by instance_id, not newest first, so
/// that serving them newest first is the mock's work (C8), not an accident of the data.
/// The committed snapshots under `snapshots/mock/` are taken against this data: a change
/// here changes them.
const BUILTIN_DATA: &str = include_str!("builtin-data.json");

/// [`BUILTIN_DATA`], parsed and validated once per process.
static BUILTIN: LazyLock<DataSet> = LazyLock::new(|| {
    let value = serde_json::from_str(BUILTIN_DATA).expect("the built-in data set is JSON (tested)");
    DataSet::from_json(value, "built-in data set").expect("the built-in data set is valid (tested)")
});

impl DataSet {
    /// The built-in data set (see [`BUILTIN_DATA`]).
    pub fn builtin() -> DataSet {
        BUILTIN.clone()
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
            let instances: Vec<Value> = instances.into_iter().map(from_v2_shape).collect();
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

/// An instance as the v2 list answers it (`conform record --contract` the v2 one), in
/// the data format: the v1.0 names of the members v2 renamed (`spec_code`,
/// `domain_name`), and the v1.0 members v2 dropped, as null. Other instances unchanged.
///
/// The v1.0 name must hold a string, and the mock's v2 answer makes up a domain name for
/// an empty `domainName`; so a v2 value that is null or empty (V17 lets `domain_name` be
/// null) stays under its v2 name as well, where the v2 answer takes it from, and the
/// mock serves back the v2 member as it was recorded.
fn from_v2_shape(mut inst: Value) -> Value {
    let Some(o) = inst.as_object_mut() else {
        return inst;
    };
    if !o.contains_key("spec_code") || o.contains_key("resource_spec_code") {
        return inst;
    }
    for (v2, v1) in [
        ("spec_code", "resource_spec_code"),
        ("domain_name", "domainName"),
    ] {
        let Some(v) = o.get(v2).cloned() else {
            continue;
        };
        if v.as_str().is_some_and(|s| !s.is_empty()) {
            o.shift_remove(v2);
            o.insert(v1.to_string(), v);
        } else {
            o.insert(v1.to_string(), if v.is_null() { json!("") } else { v });
        }
    }
    for gone in ["error_code", "internal_version"] {
        o.entry(gone).or_insert(Value::Null);
    }
    inst
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
            });
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
        // What the v2 list reads beyond the v1.0 members: tags and the deleted mark.
        if let Some(tags) = obj.get("tags") {
            let pairs = tags.as_array().is_some_and(|a| {
                a.iter().all(|t| {
                    t.get("key").is_some_and(Value::is_string)
                        && t.get("value").is_some_and(Value::is_string)
                })
            });
            if !pairs {
                problem(
                    "tags",
                    "not a list of {\"key\": string, \"value\": string} objects (V8)".to_string(),
                );
            }
        }
        if obj.get("deleted").is_some_and(|d| !d.is_boolean()) {
            problem("deleted", "true or false: a deleted instance is listed only by v2 with include_delete=true (V7)".to_string());
        }
        if let Some(at) = obj.get("created_at").and_then(Value::as_str) {
            if parse_created_at(at).is_none() {
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

    /// The built-in data is a file as `conform record` writes it (a comment and the
    /// projects, pretty-printed, one newline at the end), so it can be read, diffed and
    /// replaced like any recorded data set.
    #[test]
    fn builtin_file_is_in_the_record_format() {
        let value: Value = serde_json::from_str(BUILTIN_DATA).unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["comment", "projects"]);
        assert!(value["comment"].is_string());
        assert_eq!(
            serde_json::to_string_pretty(&value).unwrap() + "\n",
            BUILTIN_DATA,
            "not formatted as `conform record` writes it"
        );
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/mock/builtin-data.json");
        assert_eq!(DataSet::from_file(&path).unwrap(), DataSet::builtin());
    }

    /// A v2 instance whose `domain_name` is null or empty (V17) keeps it under its v2
    /// name, where the mock's v2 answer takes it from, instead of one made up.
    #[test]
    fn a_null_or_empty_v2_domain_name_is_kept() {
        for v in [Value::Null, json!("")] {
            let inst = from_v2_shape(json!({"spec_code": "dcs.single_node", "domain_name": v}));
            assert_eq!(inst["domain_name"], v);
            assert_eq!(inst["domainName"], "");
            assert_eq!(inst["resource_spec_code"], "dcs.single_node");
            assert!(inst.get("spec_code").is_none());
        }
        let inst = from_v2_shape(json!({"spec_code": "s", "domain_name": "h.example.com"}));
        assert_eq!(inst["domainName"], "h.example.com");
        assert!(inst.get("domain_name").is_none());
    }

    #[test]
    fn round_trips_through_the_file_format() {
        let data = DataSet::builtin();
        assert_eq!(DataSet::from_json(data.to_json(), "x").unwrap(), data);
    }
}
