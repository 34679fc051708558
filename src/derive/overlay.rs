//! The hand-written overlay: what the contract needs but the page's prose cannot say
//! (bounds, the `Z` of UTC timestamps, statuses from later revisions of the status table).
//! Each entry cites its rule in `contract-notes.md`; applying one records an `x-overlay`
//! annotation on the property it changes, so derived and hand-written keywords stay
//! distinguishable in the output.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::error::DeriveError;

/// An overlay file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overlay {
    /// Free text for readers of the file.
    #[serde(default)]
    pub about: Option<String>,
    /// The page file name the overlay was written for; checked, so an overlay is never
    /// applied to another page's schemas.
    pub page: String,
    pub entries: Vec<Entry>,
}

/// Which derived schema an entry changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Response,
    Query,
}

/// One change, citing the rule it implements.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The rule id, e.g. `C12`.
    pub rule: String,
    pub schema: Target,
    /// JSON pointer to the property (or object) to change.
    pub at: String,
    /// Keywords to add (or replace; the derived value is kept in the annotation).
    #[serde(default)]
    pub set: Map<String, Value>,
    /// Array keywords to extend (e.g. `enum`), keeping the derived values first.
    #[serde(default)]
    pub extend: Map<String, Value>,
    /// Why, in one sentence.
    pub why: String,
}

/// Reads an overlay file.
pub fn load(path: &Path) -> Result<Overlay, DeriveError> {
    let text = std::fs::read_to_string(path).map_err(|source| DeriveError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| DeriveError::Overlay {
        path: path.to_path_buf(),
        message: format!("line {}: {e}", e.line()),
        hint: Some(
            "an overlay is {\"page\": …, \"entries\": [{\"rule\", \"schema\", \"at\", \"set\"/\"extend\", \"why\"}]}"
                .into(),
        ),
    })
}

/// Applies the overlay to the derived schemas of `page_file`.
pub fn apply(
    overlay: &Overlay,
    path: &Path,
    page_file: &str,
    response: &mut Value,
    query: &mut Value,
) -> Result<(), DeriveError> {
    let err = |message: String, hint: Option<&str>| DeriveError::Overlay {
        path: PathBuf::from(path),
        message,
        hint: hint.map(str::to_string),
    };
    if overlay.page != page_file {
        return Err(err(
            format!("written for page `{}`, not for `{page_file}`", overlay.page),
            Some("pass --overlay with the page's own overlay, or --no-overlay"),
        ));
    }
    for (index, entry) in overlay.entries.iter().enumerate() {
        let at = format!("entry {} (rule {})", index + 1, entry.rule);
        if crate::contract::Rule::parse(&entry.rule).is_none() {
            return Err(err(
                format!("{at}: `{}` is not a rule id", entry.rule),
                Some("cite a rule of the contract's notes: a letter and a number, e.g. \"C12\" or \"V17\""),
            ));
        }
        if entry.set.is_empty() && entry.extend.is_empty() {
            return Err(err(format!("{at}: neither `set` nor `extend`"), None));
        }
        let schema = match entry.schema {
            Target::Response => &mut *response,
            Target::Query => &mut *query,
        };
        let Some(Value::Object(target)) = schema.pointer_mut(&entry.at) else {
            return Err(err(
                format!(
                    "{at}: `{}` is not an object in the derived {} schema",
                    entry.at,
                    match entry.schema {
                        Target::Response => "response",
                        Target::Query => "query",
                    }
                ),
                Some("the page may have changed; re-derive without the overlay (--no-overlay) to see the derived schema"),
            ));
        };
        let mut record = Map::new();
        record.insert("rule".into(), json!(entry.rule));
        let mut replaced = Map::new();
        for (k, v) in &entry.set {
            if k == "x-overlay" || k == "x-source" {
                return Err(err(format!("{at}: `{k}` is written by conform"), None));
            }
            if let Some(old) = target.insert(k.clone(), v.clone()) {
                if &old != v {
                    replaced.insert(k.clone(), old);
                }
            }
        }
        if !entry.set.is_empty() {
            record.insert("set".into(), Value::Object(entry.set.clone()));
        }
        if !replaced.is_empty() {
            record.insert("derived".into(), Value::Object(replaced));
        }
        let mut added = Map::new();
        for (k, v) in &entry.extend {
            let Value::Array(new) = v else {
                return Err(err(format!("{at}: `extend.{k}` is not an array"), None));
            };
            let slot = target.entry(k.clone()).or_insert_with(|| json!([]));
            let Value::Array(existing) = slot else {
                return Err(err(
                    format!("{at}: `{k}` in the derived schema is not an array"),
                    None,
                ));
            };
            let mut fresh = Vec::new();
            for item in new {
                if !existing.contains(item) {
                    existing.push(item.clone());
                    fresh.push(item.clone());
                }
            }
            added.insert(k.clone(), Value::Array(fresh));
        }
        if !added.is_empty() {
            record.insert("extend".into(), Value::Object(added));
        }
        record.insert("why".into(), json!(entry.why));
        // The annotation goes last, after the keywords it explains.
        let mut list = match target.shift_remove("x-overlay") {
            Some(Value::Array(l)) => l,
            _ => Vec::new(),
        };
        list.push(Value::Object(record));
        target.insert("x-overlay".into(), Value::Array(list));
    }
    Ok(())
}
