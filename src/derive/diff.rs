//! Contract drift between two revisions of a page (`conform derive --diff OLD NEW`): the
//! operations both pages derive to, compared as a contract. Parameters added, removed or
//! renamed; their types, required flags, enumerations, formats and defaults; response
//! fields added, removed or retyped, their enumerations and formats. Each change is
//! compatible or breaking for a client written against the old page.
//!
//! What breaks a client: a parameter removed or renamed, a new required parameter, an
//! optional one made required, a type or format changed, a parameter's values narrowed, its
//! default changed (a client that omits it gets another behaviour); a response field
//! removed or retyped, its format changed, new values in its enumeration (a value the
//! client has never seen), an operation moved to another method or path. The rest (new
//! optional parameters, values added to a parameter, response fields added, values
//! dropped from a response enumeration) is compatible.

use serde::Serialize;
use serde_json::Value;

use super::model::{Field, ObjectTable, Operation};
use super::types::{DocType, Element};

/// Whether a change breaks a client written against the old page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Compatible,
    Breaking,
}

/// One change of the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub severity: Severity,
    /// What changed: `parameter added`, `type changed`, `response field removed`, ...
    pub change: String,
    /// Where: `query parameter `ip``, `response field `instances[].tags``.
    #[serde(rename = "where")]
    pub at: String,
    /// The old value (a type word, a flag, a list of values), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

/// The drift report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// File names of the two pages.
    pub old_page: String,
    pub new_page: String,
    /// `GET /v1.0/{project_id}/instances` of the new page.
    pub operation: String,
    pub breaking: bool,
    pub changes: Vec<Change>,
}

impl Report {
    /// The report for people: one line per change, then a count.
    pub fn text(&self) -> String {
        let mut out = format!(
            "contract drift {} -> {} ({})\n",
            self.old_page, self.new_page, self.operation
        );
        if self.changes.is_empty() {
            out.push_str("no change to the contract\n");
            return out;
        }
        for c in &self.changes {
            let tag = match c.severity {
                Severity::Breaking => "breaking  ",
                Severity::Compatible => "compatible",
            };
            out.push_str(&format!("  {tag}  {}: {}", c.at, c.change));
            match (&c.old, &c.new) {
                (Some(o), Some(n)) => out.push_str(&format!(" ({o} -> {n})")),
                (None, Some(n)) => out.push_str(&format!(" ({n})")),
                (Some(o), None) => out.push_str(&format!(" (was {o})")),
                (None, None) => {}
            }
            out.push('\n');
        }
        let breaking = self
            .changes
            .iter()
            .filter(|c| c.severity == Severity::Breaking)
            .count();
        out.push_str(&format!(
            "{} changes: {} breaking, {} compatible\n",
            self.changes.len(),
            breaking,
            self.changes.len() - breaking
        ));
        out
    }

    /// The report for machines (pretty JSON with a final newline).
    pub fn json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

fn change(
    severity: Severity,
    change: &str,
    at: &str,
    old: Option<String>,
    new: Option<String>,
) -> Change {
    Change {
        severity,
        change: change.to_string(),
        at: at.to_string(),
        old,
        new,
    }
}

/// Compares two operations.
pub fn diff(old: &Operation, new: &Operation) -> Report {
    let mut changes = Vec::new();
    if old.method != new.method || old.path != new.path {
        changes.push(change(
            Severity::Breaking,
            "operation moved",
            "operation",
            Some(format!("{} {}", old.method, old.path)),
            Some(format!("{} {}", new.method, new.path)),
        ));
    }
    parameters(
        "path parameter",
        &old.path_params,
        &new.path_params,
        &mut changes,
    );
    parameters(
        "query parameter",
        &old.query_params,
        &new.query_params,
        &mut changes,
    );
    let old_fields = response_fields(&old.response, &old.objects);
    let new_fields = response_fields(&new.response, &new.objects);
    response(&old_fields, &new_fields, &mut changes);
    Report {
        old_page: old.page_file.clone(),
        new_page: new.page_file.clone(),
        operation: format!("{} {}", new.method, new.path),
        breaking: changes.iter().any(|c| c.severity == Severity::Breaking),
        changes,
    }
}

/// `includeFailure`, `include_failure` and `include-failure` are one name spelled two ways.
fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    norm(a) == norm(b)
}

fn parameters(kind: &str, old: &[Field], new: &[Field], out: &mut Vec<Change>) {
    let removed: Vec<&Field> = old
        .iter()
        .filter(|o| !new.iter().any(|n| n.name == o.name))
        .collect();
    let mut added: Vec<&Field> = new
        .iter()
        .filter(|n| !old.iter().any(|o| o.name == n.name))
        .collect();
    for o in old {
        if let Some(n) = new.iter().find(|n| n.name == o.name) {
            parameter(&format!("{kind} `{}`", o.name), o, n, out);
        }
    }
    for o in removed {
        // A removed and an added parameter with the same name spelled differently, or
        // the same description, is one parameter renamed.
        let renamed = added.iter().position(|n| {
            same_name(&o.name, &n.name)
                || (!o.description.is_empty() && o.description == n.description)
        });
        match renamed {
            Some(i) => {
                let n = added.remove(i);
                out.push(change(
                    Severity::Breaking,
                    "parameter renamed",
                    &format!("{kind} `{}`", o.name),
                    Some(o.name.clone()),
                    Some(n.name.clone()),
                ));
                parameter(&format!("{kind} `{}`", n.name), o, n, out);
            }
            None => out.push(change(
                Severity::Breaking,
                "parameter removed",
                &format!("{kind} `{}`", o.name),
                Some(summary(o)),
                None,
            )),
        }
    }
    for n in added {
        let severity = if n.required {
            Severity::Breaking
        } else {
            Severity::Compatible
        };
        out.push(change(
            severity,
            "parameter added",
            &format!("{kind} `{}`", n.name),
            None,
            Some(summary(n)),
        ));
    }
}

/// `String, optional` / `Integer, required`.
fn summary(f: &Field) -> String {
    format!(
        "{}, {}",
        f.type_word,
        if f.required { "required" } else { "optional" }
    )
}

fn type_of(f: &Field) -> String {
    match &f.doc_type {
        DocType::Scalar(s) => s.json_type().to_string(),
        DocType::Array(Some(Element::Scalar(s))) => format!("array of {}", s.json_type()),
        // The name of an object table is the page's caption, not part of the contract;
        // the object's fields are compared one by one.
        DocType::Array(_) => "array".into(),
        DocType::Object(_) => "object".into(),
    }
}

fn values_of(f: &Field) -> Vec<Value> {
    f.values
        .as_ref()
        .map(|v| v.values.clone())
        .unwrap_or_default()
}

fn list(values: &[Value]) -> String {
    values
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn format_of(f: &Field) -> Option<String> {
    f.format
        .as_ref()
        .and_then(|x| x.format.clone().or_else(|| x.pattern.clone()))
}

/// A field's format for a change line: the format, or "none" when the page gives none
/// (so that a format that went away still shows both sides).
fn format_said(f: &Field) -> String {
    format_of(f).unwrap_or_else(|| "none".into())
}

/// Changes of one parameter present in both pages.
fn parameter(at: &str, o: &Field, n: &Field, out: &mut Vec<Change>) {
    if type_of(o) != type_of(n) {
        out.push(change(
            Severity::Breaking,
            "type changed",
            at,
            Some(o.type_word.clone()),
            Some(n.type_word.clone()),
        ));
    }
    if o.required != n.required {
        let severity = if n.required {
            Severity::Breaking
        } else {
            Severity::Compatible
        };
        let flag = |r: bool| if r { "required" } else { "optional" }.to_string();
        out.push(change(
            severity,
            "required flag changed",
            at,
            Some(flag(o.required)),
            Some(flag(n.required)),
        ));
    }
    enumeration(at, &values_of(o), &values_of(n), Severity::Breaking, out);
    if format_of(o) != format_of(n) {
        out.push(change(
            Severity::Breaking,
            "format changed",
            at,
            Some(format_said(o)),
            Some(format_said(n)),
        ));
    }
    if o.default != n.default {
        out.push(change(
            Severity::Breaking,
            "default changed",
            at,
            o.default.clone(),
            n.default.clone(),
        ));
    }
}

/// Values added and removed; `narrowing` is the severity of removed values (for a
/// parameter) while added values take the other one (for a response it is the reverse).
fn enumeration(at: &str, old: &[Value], new: &[Value], narrowing: Severity, out: &mut Vec<Change>) {
    // An enumeration appearing where there was none narrows; one disappearing widens.
    let widening = match narrowing {
        Severity::Breaking => Severity::Compatible,
        Severity::Compatible => Severity::Breaking,
    };
    match (old.is_empty(), new.is_empty()) {
        (true, true) => {}
        (true, false) => out.push(change(
            narrowing,
            "values restricted",
            at,
            None,
            Some(list(new)),
        )),
        (false, true) => out.push(change(
            widening,
            "values no longer listed",
            at,
            Some(list(old)),
            None,
        )),
        (false, false) => {
            let added: Vec<Value> = new.iter().filter(|v| !old.contains(v)).cloned().collect();
            let removed: Vec<Value> = old.iter().filter(|v| !new.contains(v)).cloned().collect();
            if !added.is_empty() {
                out.push(change(
                    widening,
                    "values added",
                    at,
                    None,
                    Some(list(&added)),
                ));
            }
            if !removed.is_empty() {
                out.push(change(
                    narrowing,
                    "values removed",
                    at,
                    Some(list(&removed)),
                    None,
                ));
            }
        }
    }
}

/// Every response field with its path (`instances[].status`), following object tables.
fn response_fields<'a>(
    root: &'a ObjectTable,
    objects: &'a [ObjectTable],
) -> Vec<(String, &'a Field)> {
    let mut out = Vec::new();
    walk(root, objects, "", &mut out, 0);
    out
}

fn walk<'a>(
    table: &'a ObjectTable,
    objects: &'a [ObjectTable],
    prefix: &str,
    out: &mut Vec<(String, &'a Field)>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    for f in &table.fields {
        let path = format!("{prefix}{}", f.name);
        out.push((path.clone(), f));
        let Some(inner) = f
            .object
            .as_ref()
            .and_then(|o| objects.iter().find(|t| t.name.as_ref() == Some(o)))
        else {
            continue;
        };
        let sep = if matches!(f.doc_type, DocType::Array(_)) {
            "[]."
        } else {
            "."
        };
        walk(inner, objects, &format!("{path}{sep}"), out, depth + 1);
    }
}

fn response(old: &[(String, &Field)], new: &[(String, &Field)], out: &mut Vec<Change>) {
    for (path, o) in old {
        let at = format!("response field `{path}`");
        match new.iter().find(|(p, _)| p == path) {
            None => out.push(change(
                Severity::Breaking,
                "response field removed",
                &at,
                Some(o.type_word.clone()),
                None,
            )),
            Some((_, n)) => {
                if type_of(o) != type_of(n) {
                    out.push(change(
                        Severity::Breaking,
                        "response field retyped",
                        &at,
                        Some(o.type_word.clone()),
                        Some(n.type_word.clone()),
                    ));
                }
                enumeration(&at, &values_of(o), &values_of(n), Severity::Compatible, out);
                if format_of(o) != format_of(n) {
                    out.push(change(
                        Severity::Breaking,
                        "format changed",
                        &at,
                        Some(format_said(o)),
                        Some(format_said(n)),
                    ));
                }
            }
        }
    }
    for (path, n) in new {
        if !old.iter().any(|(p, _)| p == path) {
            out.push(change(
                Severity::Compatible,
                "response field added",
                &format!("response field `{path}`"),
                None,
                Some(n.type_word.clone()),
            ));
        }
    }
}
