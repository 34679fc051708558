//! JSON Schema 2020-12 documents from an [`Operation`]: the response body (one `$defs`
//! entry per object table) and the query parameters as they travel (strings).
//!
//! Every property carries `"x-source": "<page>, Table <n>, <row>"`, which
//! [`crate::contract`] reads to cite the page in failures, and a property that may be
//! `null` says why in `"x-nullable-because"` (the description's sentence, or where the
//! response example shows `null`).

use serde_json::{json, Map, Value};

use super::model::{ErrorResponse, Field, Inferred, ObjectTable, Operation};
use super::types::{DocType, Element, Scalar};

/// Base of the schemas' `$id`s. `.invalid` cannot resolve, so no tool fetches it.
const ID_BASE: &str = "https://conform.invalid/schemas/";

fn source(op: &Operation, f: &Field) -> String {
    match op.inferred {
        // A walkthrough has no table: cite the request line that names the parameter.
        Some(_) => format!("{}, line {}, {}", op.page_file, f.line, f.name),
        None => format!("{}, Table {}, {}", op.page_file, f.table, f.name),
    }
}

fn derived_from(op: &Operation, tables: &[u32]) -> Value {
    let mut m = Map::new();
    m.insert("page".into(), json!(op.page_file));
    m.insert("tables".into(), json!(tables));
    if !op.linked_pages.is_empty() {
        m.insert("linked".into(), json!(op.linked_pages));
    }
    Value::Object(m)
}

fn def_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/$defs/{name}") })
}

/// The schema of one response field.
fn response_property(op: &Operation, f: &Field) -> Value {
    let mut p = Map::new();
    if !f.description.is_empty() {
        p.insert("description".into(), json!(f.description));
    }
    let with_null = |t: &str| {
        if f.nullable() {
            json!([t, "null"])
        } else {
            json!(t)
        }
    };
    match (&f.doc_type, &f.object) {
        (DocType::Scalar(s), _) => {
            p.insert("type".into(), with_null(s.json_type()));
        }
        (DocType::Array(element), object) => {
            p.insert("type".into(), with_null("array"));
            match (element, object) {
                (_, Some(o)) => {
                    p.insert("items".into(), def_ref(o));
                }
                (Some(Element::Scalar(s)), None) => {
                    p.insert("items".into(), json!({ "type": s.json_type() }));
                }
                _ => {}
            }
        }
        (DocType::Object(_), Some(o)) if f.nullable() => {
            p.insert("anyOf".into(), json!([def_ref(o), { "type": "null" }]));
        }
        (DocType::Object(_), Some(o)) => {
            p.insert("$ref".into(), json!(format!("#/$defs/{o}")));
        }
        (DocType::Object(_), None) => {
            p.insert("type".into(), with_null("object"));
        }
    }
    if let Some(v) = &f.values {
        let mut values = v.values.clone();
        if f.nullable() {
            values.push(Value::Null);
        }
        p.insert("enum".into(), Value::Array(values));
    }
    if let Some(fmt) = &f.format {
        if let Some(format) = &fmt.format {
            p.insert("format".into(), json!(format));
        }
        if let Some(pattern) = &fmt.pattern {
            p.insert("pattern".into(), json!(pattern));
        }
    }
    if matches!(f.scalar(), Some(Scalar::Integer | Scalar::Number)) {
        if let Some(min) = f.minimum {
            p.insert("minimum".into(), json!(min));
        }
        if let Some(max) = f.maximum {
            p.insert("maximum".into(), json!(max));
        }
    }
    annotate(op, f, &mut p);
    Value::Object(p)
}

/// The annotations every property carries.
fn annotate(op: &Operation, f: &Field, p: &mut Map<String, Value>) {
    // An inferred parameter has no type word on the page; its description says how it
    // was typed.
    if op.inferred.is_none() {
        p.insert("x-doc-type".into(), json!(f.type_word));
    }
    p.insert("x-source".into(), json!(source(op, f)));
    if let Some(s) = f.values.as_ref().and_then(|v| v.source.as_ref()) {
        p.insert("x-enum-source".into(), json!(s));
    }
    if let Some(fmt) = &f.format {
        p.insert("x-format-text".into(), json!(fmt.text));
    }
    if !f.see.is_empty() {
        p.insert("x-see".into(), json!(f.see));
    }
    // Why `null` is allowed: the description's own sentence, or the example's place. A
    // query parameter keeps its string type (a value travels as text, an empty one is
    // absent, C1); the sentence is recorded all the same.
    if f.nullable() {
        let because: Vec<String> = f
            .null_because
            .iter()
            .map(std::string::ToString::to_string)
            .collect();
        p.insert("x-nullable-because".into(), json!(because));
    }
}

fn object_schema(op: &Operation, table: &ObjectTable) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(name) = &table.name {
        m.insert("title".into(), json!(name));
    }
    m.insert("type".into(), json!("object"));
    let props: Map<String, Value> = table
        .fields
        .iter()
        .map(|f| (f.name.clone(), response_property(op, f)))
        .collect();
    m.insert("properties".into(), Value::Object(props));
    // Every listed field is present in every answer (C12); fields beyond the table are
    // allowed, so no `additionalProperties`.
    let required: Vec<&str> = table
        .fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.name.as_str())
        .collect();
    m.insert("required".into(), json!(required));
    m.insert(
        "x-source".into(),
        json!(format!("{}, Table {}", op.page_file, table.number)),
    );
    m
}

/// The first members every derived schema starts with: `$schema`, `$id`, `title`.
fn header(name: &str, kind: &str, title: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    m.insert(
        "$id".into(),
        json!(format!("{ID_BASE}{name}.{kind}.schema.json")),
    );
    m.insert("title".into(), json!(title));
    m
}

/// The response body schema (before the overlay).
pub fn response(op: &Operation, name: &str) -> Value {
    if let Some(inferred) = &op.inferred {
        return inferred_response(op, inferred, name);
    }
    let mut m = header(name, "response", &format!("{}: response body", op.title));
    let mut tables = vec![op.response.number];
    tables.extend(op.objects.iter().map(|o| o.number));
    m.insert(
        "description".into(),
        json!(format!(
            "Body of a successful `{} {}` answer, derived by `conform derive` from {} (tables {}). \
             Keywords added by the overlay carry an `x-overlay` annotation naming their rule.",
            op.method,
            op.path,
            op.page_file,
            tables.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
        )),
    );
    m.extend(object_schema(op, &op.response));
    insert_defs(op, &op.objects, &mut m);
    m.insert("x-derived-from".into(), derived_from(op, &tables));
    Value::Object(m)
}

/// The lines an inferred operation was read from, for `x-derived-from`.
pub fn inferred_from(op: &Operation, inferred: &Inferred) -> Value {
    let mut m = Map::new();
    m.insert("request-line".into(), json!(inferred.template_line));
    if let Some(line) = inferred.example_line {
        m.insert("example-request-line".into(), json!(line));
    }
    if let Some(line) = op.response_example_line {
        m.insert("response-example-line".into(), json!(line));
    }
    if let Some(step) = &inferred.step {
        m.insert("step".into(), json!(step));
    }
    json!({ "page": op.page_file, "inferred-from-example": m })
}

/// The response body schema of a walkthrough's request, inferred from its example: the
/// page has no table to read it from, and says so in the description.
fn inferred_response(op: &Operation, inferred: &Inferred, name: &str) -> Value {
    let mut m = header(name, "response", &format!("{}: response body", op.title));
    let line = op.response_example_line.unwrap_or(op.uri_line);
    m.insert(
        "description".into(),
        json!(format!(
            "Body of a successful `{} {}` answer, INFERRED by `conform derive` from the response \
             example at line {line} of {}, not from a table (the page has none): each type is \
             the type of the example's value, an object requires the members the example \
             shows (as a table's rows would, C12), an array's items are typed from its first \
             element, and a member the example shows as null is left open. An example shows \
             one answer: check the schema against the service before relying on it.",
            op.method, op.path, op.page_file
        )),
    );
    let at = format!("{}, response example (line {line})", op.page_file);
    if let Some(example) = &op.response_example {
        m.extend(from_example(example, "", &at));
    }
    m.insert("x-source".into(), json!(at));
    m.insert("x-derived-from".into(), inferred_from(op, inferred));
    Value::Object(m)
}

/// The schema of one value of a response example, `x-source` citing its JSON pointer.
fn from_example(value: &Value, pointer: &str, at: &str) -> Map<String, Value> {
    let mut m = Map::new();
    match value {
        Value::Null => {
            m.insert(
                "description".into(),
                json!("The example shows null here: the type is not known, any value is accepted."),
            );
        }
        Value::Bool(_) => {
            m.insert("type".into(), json!("boolean"));
        }
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            m.insert("type".into(), json!("integer"));
        }
        Value::Number(_) => {
            m.insert("type".into(), json!("number"));
        }
        Value::String(_) => {
            m.insert("type".into(), json!("string"));
        }
        Value::Array(items) => {
            m.insert("type".into(), json!("array"));
            if let Some(first) = items.first() {
                let item = from_example(first, &format!("{pointer}/0"), at);
                m.insert("items".into(), Value::Object(item));
            }
        }
        Value::Object(members) => {
            m.insert("type".into(), json!("object"));
            let props: Map<String, Value> = members
                .iter()
                .map(|(k, v)| {
                    let escaped = k.replace('~', "~0").replace('/', "~1");
                    let p = from_example(v, &format!("{pointer}/{escaped}"), at);
                    (k.clone(), Value::Object(p))
                })
                .collect();
            m.insert("properties".into(), Value::Object(props));
            m.insert("required".into(), json!(members.keys().collect::<Vec<_>>()));
        }
    }
    if !pointer.is_empty() {
        m.insert("x-source".into(), json!(format!("{at}, {pointer}")));
    }
    m
}

/// The body of an error status the page documents with its own table (objects under
/// `$defs`, like the success body).
pub fn error_body(op: &Operation, error: &ErrorResponse) -> Value {
    let mut m = object_schema(op, &error.body);
    insert_defs(op, &error.objects, &mut m);
    Value::Object(m)
}

/// The named objects a body refers to, under `$defs` (nothing when there are none).
fn insert_defs(op: &Operation, objects: &[ObjectTable], m: &mut Map<String, Value>) {
    if objects.is_empty() {
        return;
    }
    let defs: Map<String, Value> = objects
        .iter()
        .map(|o| {
            (
                o.name.clone().unwrap_or_default(),
                Value::Object(object_schema(op, o)),
            )
        })
        .collect();
    m.insert("$defs".into(), Value::Object(defs));
}

/// The schema of one parameter's value on the wire (always a string).
fn wire_property(op: &Operation, f: &Field) -> Value {
    let mut p = Map::new();
    if !f.description.is_empty() {
        p.insert("description".into(), json!(f.description));
    }
    p.insert("type".into(), json!("string"));
    // An empty value means the parameter is absent (C1): optional parameters accept "",
    // required ones must not be empty.
    let optional = !f.required;
    let wrap = |re: &str| {
        if optional {
            format!("^({re})?$")
        } else {
            format!("^({re})$")
        }
    };
    // (what the pattern checks, whether it checks the stated minimum exactly)
    let mut check: Option<(&str, bool)> = None;
    match f.scalar() {
        Some(Scalar::Integer) => {
            let (re, what, exact) = match f.minimum {
                Some(m) if m >= 1 => ("0*[1-9][0-9]*", "a decimal integer >= 1", m == 1),
                Some(m) if m >= 0 => ("[0-9]+", "a decimal integer >= 0", m == 0),
                _ => ("-?[0-9]+", "a decimal integer", false),
            };
            p.insert("pattern".into(), json!(wrap(re)));
            check = Some((what, exact));
        }
        Some(Scalar::Number) => {
            p.insert("pattern".into(), json!(wrap("-?[0-9]+(\\.[0-9]+)?")));
            check = Some(("a decimal number", false));
        }
        Some(Scalar::Boolean) if f.values.is_none() => {
            let mut values = vec![json!("true"), json!("false")];
            if optional {
                values.insert(0, json!(""));
            }
            p.insert("enum".into(), Value::Array(values));
        }
        _ => {
            if !optional {
                p.insert("minLength".into(), json!(1));
            }
        }
    }
    if let Some(v) = &f.values {
        let mut values: Vec<Value> = Vec::new();
        if optional {
            values.push(json!(""));
        }
        values.extend(v.values.iter().map(|x| match x {
            Value::String(s) => json!(s),
            other => json!(other.to_string()),
        }));
        p.insert("enum".into(), Value::Array(values));
    }
    if let Some(fmt) = &f.format {
        if let Some(pattern) = &fmt.pattern {
            p.insert(
                "pattern".into(),
                json!(wrap(pattern.trim_start_matches('^').trim_end_matches('$'))),
            );
        }
    }
    if let Some(d) = &f.default {
        p.insert("default".into(), json!(d));
    }
    if let Some(min) = f.minimum {
        p.insert("x-minimum".into(), json!(min));
    }
    if let Some(max) = f.maximum {
        p.insert("x-maximum".into(), json!(max));
    }
    if let Some((what, exact_minimum)) = check {
        let mut text = format!(
            "{} on the wire, sent as a string; `pattern` checks {what}",
            f.type_word
        );
        // Bounds a pattern cannot express are left to a numeric comparison.
        if let (Some(min), false) = (f.minimum, exact_minimum) {
            text.push_str(&format!(
                "; the minimum {min} (`x-minimum`) is compared numerically"
            ));
        }
        if let Some(max) = f.maximum {
            text.push_str(&format!(
                "; the maximum {max} (`x-maximum`) is compared numerically"
            ));
        }
        if optional {
            text.push_str("; an empty value means absent (C1)");
        }
        p.insert("x-wire-check".into(), json!(text));
    }
    annotate(op, f, &mut p);
    Value::Object(p)
}

fn params_object(
    op: &Operation,
    fields: &[Field],
    description: Option<String>,
) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(d) = description {
        m.insert("description".into(), json!(d));
    }
    m.insert("type".into(), json!("object"));
    let props: Map<String, Value> = fields
        .iter()
        .map(|f| (f.name.clone(), wire_property(op, f)))
        .collect();
    m.insert("properties".into(), Value::Object(props));
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.name.as_str())
        .collect();
    if !required.is_empty() {
        m.insert("required".into(), json!(required));
    }
    m
}

/// The query schema (before the overlay): an object of string values. Path parameters
/// are not query parameters; they are kept apart under `$defs/path-parameters`.
pub fn query(op: &Operation, name: &str) -> Value {
    let mut m = header(name, "query", &format!("{}: query parameters", op.title));
    let inferred = op.inferred.as_ref().map(|i| {
        format!(
            " INFERRED from the request line (line {}{}), not from a parameter table (the page \
             has none): path parameters are required strings; query parameters are optional \
             and typed from their example values (each description says from which).",
            i.template_line,
            i.example_line
                .map(|l| format!(", example request line {l}"))
                .unwrap_or_default()
        )
    });
    m.insert(
        "description".into(),
        json!(format!(
            "Query parameters of `{} {}` as they travel: every value is a string. Integer \
             parameters are checked as decimal-integer strings by `pattern` (see each \
             `x-wire-check`). An empty value means the parameter is absent (C1), so every \
             optional parameter accepts \"\". Parameters the page does not list are ignored \
             by the service (C7) and allowed here. Derived by `conform derive` from {}.{}",
            op.method,
            op.path,
            op.page_file,
            inferred.unwrap_or_default()
        )),
    );
    m.extend(params_object(op, &op.query_params, None));
    if !op.path_params.is_empty() {
        let path = params_object(
            op,
            &op.path_params,
            Some(format!(
                "Path parameters of `{}`: not sent in the query.",
                op.path
            )),
        );
        m.insert("$defs".into(), json!({ "path-parameters": path }));
    }
    m.insert(
        "x-operation".into(),
        json!({ "method": op.method, "path": op.path }),
    );
    if let Some(example) = &op.example_request {
        m.insert("x-example-request".into(), json!(example));
    }
    let from = match &op.inferred {
        Some(i) => inferred_from(op, i),
        None => derived_from(op, &op.param_tables),
    };
    m.insert("x-derived-from".into(), from);
    Value::Object(m)
}
