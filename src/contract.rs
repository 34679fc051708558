//! The contract as compiled JSON Schemas: the response schema and the query schema that
//! `conform derive` wrote under `schemas/`. Compiled once, validated many times.
//!
//! The committed schemas are embedded in the binary, so `conform run` needs no files at
//! run time; [`Contract::from_dir`] loads another folder's schemas instead.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

/// File name of the response schema inside a schemas folder.
pub const RESPONSE_SCHEMA_FILE: &str = "list-instances.response.schema.json";
/// File name of the query schema inside a schemas folder.
pub const QUERY_SCHEMA_FILE: &str = "list-instances.query.schema.json";

const EMBEDDED_RESPONSE: &str = include_str!("../schemas/list-instances.response.schema.json");
const EMBEDDED_QUERY: &str = include_str!("../schemas/list-instances.query.schema.json");

/// Why a schema could not be loaded or compiled.
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
    response_schema: Value,
    query_schema: Value,
    response: jsonschema::Validator,
    query: jsonschema::Validator,
    /// The response schema compiled for [`crate::shape`]'s one-pass reader, when it is
    /// in the subset that reader handles.
    response_shape: Option<crate::shape::Shape>,
}

impl std::fmt::Debug for Contract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contract").finish_non_exhaustive()
    }
}

impl Contract {
    /// The schemas committed under `schemas/`, compiled once per process.
    pub fn embedded() -> &'static Contract {
        static EMBEDDED: OnceLock<Contract> = OnceLock::new();
        EMBEDDED.get_or_init(|| {
            Contract::from_strs(EMBEDDED_RESPONSE, EMBEDDED_QUERY)
                .expect("the committed schemas compile (tested)")
        })
    }

    /// Loads and compiles the two schema files of a folder written by `conform derive`.
    pub fn from_dir(dir: &Path) -> Result<Contract, ContractError> {
        let read = |name: &str| -> Result<(PathBuf, Value), ContractError> {
            let path = dir.join(name);
            let text = std::fs::read_to_string(&path).map_err(|source| ContractError::Read {
                path: path.clone(),
                source,
            })?;
            let value = serde_json::from_str(&text).map_err(|source| ContractError::Json {
                path: path.clone(),
                source,
            })?;
            Ok((path, value))
        };
        let (rpath, response) = read(RESPONSE_SCHEMA_FILE)?;
        let (qpath, query) = read(QUERY_SCHEMA_FILE)?;
        Contract::compile(response, &rpath, query, &qpath)
    }

    fn from_strs(response: &str, query: &str) -> Result<Contract, ContractError> {
        let rpath = PathBuf::from(format!("schemas/{RESPONSE_SCHEMA_FILE}"));
        let qpath = PathBuf::from(format!("schemas/{QUERY_SCHEMA_FILE}"));
        let parse = |text: &str, path: &PathBuf| {
            serde_json::from_str(text).map_err(|source| ContractError::Json {
                path: path.clone(),
                source,
            })
        };
        Contract::compile(
            parse(response, &rpath)?,
            &rpath,
            parse(query, &qpath)?,
            &qpath,
        )
    }

    fn compile(
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
            response_shape: crate::shape::Shape::compile(&response_schema),
            response_schema,
            query_schema,
            response,
            query,
        })
    }

    /// The response schema as JSON.
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
    /// response schema, and within what [`crate::shape`] handles; `None` means "take the
    /// full path" (parse, validate, explain), never "invalid" by itself.
    pub fn read_list(&self, body: &[u8]) -> Option<crate::shape::ListView> {
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
