//! An OpenAPI 3.1 export of the operation, built from the effective (derived + overlay)
//! schemas: the path with its path and query parameters, the 200 response, and the error
//! responses: the page's own error tables when it has them (`**状态码： 400**` and its
//! body table), else the ones every endpoint of the vendor shares (C13).

use serde_json::{json, Map, Value};

use super::model::Operation;
use super::schema;

/// Status codes the harness meets as errors on this endpoint: bad parameters (C10), no
/// or bad credentials (C14), an unknown project, and server faults. Their bodies follow
/// C13.
const ERROR_STATUSES: &[(&str, &str)] = &[
    ("400", "Bad request: a parameter is invalid (C10)."),
    ("401", "No valid credentials (C14)."),
    ("403", "Credentials without access to the project (C14)."),
    ("404", "No such resource."),
    ("500", "Server error."),
];

/// Rewrites `#/$defs/x` references to `#/components/schemas/x`, where the OpenAPI
/// document keeps the objects.
fn rewrite_refs(value: &mut Value) {
    match value {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get_mut("$ref") {
                if let Some(name) = r.strip_prefix("#/$defs/") {
                    *r = format!("#/components/schemas/{name}");
                }
            }
            m.values_mut().for_each(rewrite_refs);
        }
        Value::Array(a) => a.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// A copy of a schema without the keywords that only make sense in a standalone file.
fn embeddable(schema: &Value) -> (Value, Map<String, Value>) {
    let mut s = schema.clone();
    let mut defs = Map::new();
    if let Value::Object(m) = &mut s {
        m.shift_remove("$schema");
        m.shift_remove("$id");
        if let Some(Value::Object(d)) = m.shift_remove("$defs") {
            defs = d;
        }
    }
    rewrite_refs(&mut s);
    for d in defs.values_mut() {
        rewrite_refs(d);
    }
    (s, defs)
}

fn parameters(location: &str, object: Option<&Value>) -> Vec<Value> {
    let Some(object) = object else {
        return Vec::new();
    };
    let required: Vec<&str> = object
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(Value::Object(props)) = object.get("properties") else {
        return Vec::new();
    };
    props
        .iter()
        .map(|(name, schema)| {
            let mut p = Map::new();
            p.insert("name".into(), json!(name));
            p.insert("in".into(), json!(location));
            if let Some(d) = schema.get("description") {
                p.insert("description".into(), d.clone());
            }
            p.insert(
                "required".into(),
                json!(location == "path" || required.contains(&name.as_str())),
            );
            p.insert("schema".into(), schema.clone());
            Value::Object(p)
        })
        .collect()
}

/// The error body: `{error_code, error_msg}` strings with extra members allowed, or the
/// nested `{"error": {"code", "message"}}` form (C13).
fn error_schema() -> Value {
    json!({
        "description": "Error body (C13): flat `error_code`/`error_msg` strings (extra members such as `error_ext_msg` or `request_id` allowed), or the nested `error.code`/`error.message` form.",
        "anyOf": [
            {
                "type": "object",
                "properties": {
                    "error_code": { "type": "string" },
                    "error_msg": { "type": "string" }
                },
                "required": ["error_code", "error_msg"]
            },
            {
                "type": "object",
                "properties": {
                    "error": {
                        "type": "object",
                        "properties": {
                            "code": { "type": "string" },
                            "message": { "type": "string" }
                        },
                        "required": ["code", "message"]
                    }
                },
                "required": ["error"]
            }
        ],
        "x-rule": "C13"
    })
}

fn components(schemas: Map<String, Value>, responses: Map<String, Value>) -> Value {
    let mut m = Map::new();
    m.insert("schemas".into(), Value::Object(schemas));
    if !responses.is_empty() {
        m.insert("responses".into(), Value::Object(responses));
    }
    Value::Object(m)
}

/// The OpenAPI 3.1 document.
pub fn document(op: &Operation, name: &str, response: &Value, query: &Value) -> Value {
    let (body, defs) = embeddable(response);
    let body_name = format!("{name}.response");
    let mut schemas = Map::new();
    schemas.insert(body_name.clone(), body);
    schemas.extend(defs);

    let mut params = parameters("path", query.pointer("/$defs/path-parameters"));
    params.extend(parameters("query", Some(query)));

    let mut media = Map::new();
    media.insert(
        "schema".into(),
        json!({ "$ref": format!("#/components/schemas/{body_name}") }),
    );
    if let Some(example) = &op.response_example {
        media.insert("example".into(), example.clone());
    }
    let (code, description) = op.success.clone().unwrap_or_else(|| {
        let description = match op.inferred {
            Some(_) => "OK. The body schema is inferred from the page's response example, not read from a table.",
            None => "OK",
        };
        ("200".into(), description.into())
    });
    let mut responses = Map::new();
    responses.insert(
        code,
        json!({ "description": description, "content": { "application/json": media } }),
    );
    let mut error_responses = Map::new();
    if op.errors.is_empty() {
        schemas.insert("vendor-error".into(), error_schema());
        for (status, _) in ERROR_STATUSES {
            responses.insert(
                (*status).into(),
                json!({ "$ref": format!("#/components/responses/error-{status}") }),
            );
        }
        for (status, description) in ERROR_STATUSES {
            error_responses.insert(
                format!("error-{status}"),
                json!({
                    "description": description,
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/vendor-error" } } }
                }),
            );
        }
    } else {
        // The page documents its error bodies: each status gets the schema of its table.
        for error in &op.errors {
            let (body, defs) = embeddable(&schema::error_body(op, error));
            let schema_name = format!("{name}.error-{}", error.status);
            schemas.insert(schema_name.clone(), body);
            for (k, v) in defs {
                schemas.entry(k).or_insert(v);
            }
            let description = op
                .status_descriptions
                .iter()
                .find(|(code, _)| *code == error.status)
                .map(|(_, d)| d.clone())
                .unwrap_or_else(|| format!("Error {}.", error.status));
            responses.insert(
                error.status.clone(),
                json!({
                    "description": description,
                    "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema_name}") } } }
                }),
            );
        }
    }

    let mut operation = Map::new();
    operation.insert("operationId".into(), json!(name));
    operation.insert("summary".into(), json!(op.title));
    if let Some(s) = &op.summary {
        operation.insert("description".into(), json!(s));
    }
    operation.insert("parameters".into(), Value::Array(params));
    operation.insert("responses".into(), Value::Object(responses));
    operation.insert("x-source".into(), json!(op.page_file));
    if let Some(inferred) = &op.inferred {
        operation.insert("x-derived-from".into(), schema::inferred_from(op, inferred));
    }

    let version = op
        .path
        .split('/')
        .find(|s| s.starts_with('v') && s[1..].starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or("unversioned");
    let description = match &op.inferred {
        Some(_) => format!(
            "INFERRED by `conform derive` from the request line (line {}) and the response example (line {}) of {}, not from tables: the page describes the request in prose. Check the schemas against the service; keywords added by the overlay carry `x-overlay` annotations naming their rule.",
            op.uri_line,
            op.response_example_line.unwrap_or(op.uri_line),
            op.page_file
        ),
        None => format!("Derived by `conform derive` from {}; keywords added by the overlay carry `x-overlay` annotations naming their rule.", op.page_file),
    };
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": op.title,
            "version": version,
            "description": description
        },
        "paths": {
            op.path.clone(): { op.method.to_ascii_lowercase(): operation }
        },
        "components": components(schemas, error_responses)
    })
}
