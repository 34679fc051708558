//! The contract: its description as data ([`desc`], the `*.contract.toml` file under
//! `schemas/`) and the response and query schemas that `conform derive` wrote beside it,
//! compiled once and validated many times. Every stage reads members, parameters, values
//! and the path from here, never from literals of its own.
//!
//! The committed contract is embedded in the binary, so `conform run` needs no files at
//! run time; [`Contract::from_dir`] and [`Contract::from_file`] load another one.

pub mod correspond;
pub mod desc;
pub mod query;
mod rule;
pub mod shape;

pub use desc::Desc;
pub use rule::Rule;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use crate::base::{Baseline, Inst};
use crate::diag::Diagnostic;

/// File name of the built-in contract's description inside `schemas/`.
pub const DESC_FILE: &str = "list-instances.contract.toml";
/// File name of the response schema inside a schemas folder.
pub const RESPONSE_SCHEMA_FILE: &str = "list-instances.response.schema.json";
/// File name of the query schema inside a schemas folder.
pub const QUERY_SCHEMA_FILE: &str = "list-instances.query.schema.json";

const EMBEDDED_DESC: &str = include_str!("../../schemas/v1.0/list-instances.contract.toml");
const EMBEDDED_RESPONSE: &str =
    include_str!("../../schemas/v1.0/list-instances.response.schema.json");
const EMBEDDED_QUERY: &str = include_str!("../../schemas/v1.0/list-instances.query.schema.json");

/// Why a contract could not be loaded or compiled.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not JSON: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{path} is not a valid JSON Schema: {message}")]
    Compile { path: PathBuf, message: String },
    #[error("{}", render(.0))]
    Desc(Vec<Diagnostic>),
    #[error("{dir} holds no contract description (`*.contract.toml`), or more than one: {found}")]
    NoDesc { dir: PathBuf, found: String },
}

/// The response and query schema files a description names, beside it. Read leniently:
/// a description that does not parse is reported by [`Desc::parse`], with its location.
fn schema_paths(desc_file: &str, text: &str) -> (PathBuf, PathBuf) {
    let names: toml::Table = toml::from_str(text).unwrap_or_default();
    let dir = Path::new(desc_file).parent().unwrap_or(Path::new(""));
    let name = |key: &str| dir.join(names.get(key).and_then(|v| v.as_str()).unwrap_or(key));
    (name("response_schema"), name("query_schema"))
}

fn render(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// One place where a JSON document breaks a schema. Owned, so it outlives the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// JSON pointer into the validated document, e.g. `/instances/3/port`.
    pub pointer: String,
    /// JSON pointer into the schema, to the keyword that failed.
    pub schema_path: String,
    /// What is wrong, in the validator's words.
    pub message: String,
    /// Where the failing property comes from in the vendor page (its `x-source`
    /// annotation, e.g. "查询所有实例列表.md, Table 3, created_at"), when known.
    pub source: Option<String>,
}

/// The compiled response and query schemas.
pub struct Contract {
    desc: Desc,
    response_schema: Value,
    query_schema: Value,
    response: jsonschema::Validator,
    query: jsonschema::Validator,
    /// The response schema compiled for [`crate::contract::shape`]'s one-pass reader, when it is
    /// in the subset that reader handles.
    response_shape: Option<crate::contract::shape::Shape>,
}

impl std::fmt::Debug for Contract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contract").finish_non_exhaustive()
    }
}

impl Contract {
    /// The contract committed under `schemas/`, compiled once per process.
    pub fn embedded() -> &'static Contract {
        static EMBEDDED: OnceLock<Contract> = OnceLock::new();
        EMBEDDED.get_or_init(|| {
            Contract::from_strs(
                &format!("schemas/{DESC_FILE}"),
                EMBEDDED_DESC,
                EMBEDDED_RESPONSE,
                EMBEDDED_QUERY,
            )
            .expect("the committed contract compiles (tested)")
        })
    }

    /// Loads the one contract description (`*.contract.toml`) of a folder and the
    /// schemas it names.
    pub fn from_dir(dir: &Path) -> Result<Contract, ContractError> {
        let found: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|source| ContractError::Read {
                path: dir.to_path_buf(),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with(".contract.toml"))
            .collect();
        match found.as_slice() {
            [one] => Contract::from_file(one),
            _ => Err(ContractError::NoDesc {
                dir: dir.to_path_buf(),
                found: found
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Loads a contract description and the two schema files it names (beside it).
    pub fn from_file(path: &Path) -> Result<Contract, ContractError> {
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|source| ContractError::Read {
                path: path.to_path_buf(),
                source,
            })
        };
        let text = read(path)?;
        let desc_file = path.display().to_string();
        let (rpath, qpath) = schema_paths(&desc_file, &text);
        Contract::from_strs(&desc_file, &text, &read(&rpath)?, &read(&qpath)?)
    }

    fn from_strs(
        desc_file: &str,
        desc: &str,
        response: &str,
        query: &str,
    ) -> Result<Contract, ContractError> {
        let (rpath, qpath) = schema_paths(desc_file, desc);
        let parse = |text: &str, path: &PathBuf| {
            serde_json::from_str(text).map_err(|source| ContractError::Json {
                path: path.clone(),
                source,
            })
        };
        let response: Value = parse(response, &rpath)?;
        let query: Value = parse(query, &qpath)?;
        let desc = Desc::parse(desc_file, desc, &response, &query).map_err(ContractError::Desc)?;
        Contract::compile(desc, response, &rpath, query, &qpath)
    }

    fn compile(
        desc: Desc,
        response_schema: Value,
        rpath: &Path,
        query_schema: Value,
        qpath: &Path,
    ) -> Result<Contract, ContractError> {
        let build = |schema: &Value, path: &Path| {
            jsonschema::draft202012::options()
                .should_validate_formats(true)
                .build(schema)
                .map_err(|e| ContractError::Compile {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })
        };
        let response = build(&response_schema, rpath)?;
        let query = build(&query_schema, qpath)?;
        Ok(Contract {
            response_shape: crate::contract::shape::Shape::compile(&response_schema, &desc),
            desc,
            response_schema,
            query_schema,
            response,
            query,
        })
    }

    /// The contract's description: members, parameters, values, rules.
    pub fn desc(&self) -> &Desc {
        &self.desc
    }

    /// An item from its id and members by name (members the rules do not read are
    /// ignored; those not given are empty). For tests and generated data.
    pub fn item(&self, id: &str, members: &[(&str, &str)]) -> Inst {
        let layout = &self.desc.layout;
        let fields = layout
            .fields
            .iter()
            .map(|f| members.iter().find(|(k, _)| k == f).map_or("", |(_, v)| *v));
        Inst::new(layout, id, fields)
    }

    /// Reads one item of a list answer as the rules see it; `None` without an id.
    pub fn read_item(&self, v: &Value) -> Option<Inst> {
        Inst::from_json(&self.desc.layout, v)
    }

    /// A baseline kept in this contract's order.
    pub fn baseline(&self, items: Vec<Inst>) -> Baseline {
        Baseline::new(items, &self.desc.layout.order)
    }

    /// The response schema as JSON.
    /// The members the response schema documents for one list item (its `properties`,
    /// through a local `$ref`); empty when the schema does not say.
    pub fn item_members(&self) -> Vec<String> {
        let schema = self.response_schema();
        let mut item = &schema["properties"][self.desc().list.as_str()]["items"];
        if let Some(r) = item.get("$ref").and_then(Value::as_str) {
            let mut at = schema;
            for step in r.trim_start_matches("#/").split('/') {
                at = &at[step];
            }
            item = at;
        }
        item.get("properties")
            .and_then(Value::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    pub fn response_schema(&self) -> &Value {
        &self.response_schema
    }

    /// The query schema as JSON.
    pub fn query_schema(&self) -> &Value {
        &self.query_schema
    }

    /// Every violation of the response schema, in document order.
    pub fn validate_response(&self, body: &Value) -> Vec<SchemaViolation> {
        collect(&self.response, &self.response_schema, body)
    }

    /// Every violation of the query schema. A query is an object of string values, as
    /// the parameters travel on the wire.
    pub fn validate_query(&self, query: &Value) -> Vec<SchemaViolation> {
        collect(&self.query, &self.query_schema, query)
    }

    /// Reads a successful list answer in one pass when it is valid JSON, valid against the
    /// response schema, and within what [`crate::contract::shape`] handles; `None` means "take the
    /// full path" (parse, validate, explain), never "invalid" by itself.
    pub fn read_list(&self, body: &[u8]) -> Option<crate::contract::shape::ListView> {
        self.response_shape.as_ref()?.read_list(body)
    }

    /// The same contract without the one-pass reader: every answer takes the full path
    /// (benchmarks and tests compare the two).
    pub fn without_fast_path(mut self) -> Contract {
        self.response_shape = None;
        self
    }

    /// True when the response body satisfies the schema (cheaper than collecting errors).
    pub fn response_is_valid(&self, body: &Value) -> bool {
        self.response.is_valid(body)
    }
}

fn collect(validator: &jsonschema::Validator, schema: &Value, doc: &Value) -> Vec<SchemaViolation> {
    validator
        .iter_errors(doc)
        .map(|e| {
            let schema_path = e.schema_path().to_string();
            SchemaViolation {
                pointer: e.instance_path().to_string(),
                source: source_of(schema, &schema_path),
                schema_path,
                message: e.to_string(),
            }
        })
        .collect()
}

/// The nearest `x-source` annotation on the way from the schema root to the failing keyword.
/// `$ref`s in the schema path are followed by name, as the validator reports them.
fn source_of(schema: &Value, schema_path: &str) -> Option<String> {
    let mut node = schema;
    let mut found = None;
    for raw in schema_path.split('/').skip(1) {
        let token = raw.replace("~1", "/").replace("~0", "~");
        if token == "$ref" {
            let target = node.get("$ref")?.as_str()?.strip_prefix('#')?;
            node = schema.pointer(target)?;
        } else {
            node = match node {
                Value::Object(m) => m.get(&token)?,
                Value::Array(a) => a.get(token.parse::<usize>().ok()?)?,
                _ => break,
            };
        }
        if let Some(s) = node.get("x-source").and_then(Value::as_str) {
            found = Some(s.to_string());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn embedded_schemas_compile_and_reject_a_wrong_type() {
        let c = Contract::embedded();
        let bad = json!({"instances": [], "instance_num": "3"});
        let v = c.validate_response(&bad);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].pointer, "/instance_num");
        assert!(
            v[0].source
                .as_deref()
                .unwrap_or("")
                .contains("instance_num"),
            "{v:?}"
        );
    }
}
