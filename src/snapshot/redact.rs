//! Redaction of volatile values, per target profile.
//!
//! A profile (`snapshots/<profile>/profile.toml`) lists selectors into response bodies
//! (`.instances[].instance_id`). Values they select are replaced before a snapshot is
//! rendered: `redact` selectors by numbered placeholders (`<instance_id:3>`), one number
//! per distinct value and kind, so the same instance carries the same placeholder
//! everywhere in the snapshot, request queries included; `mask` selectors by one fixed
//! placeholder (`<used_memory>`), for values whose relations are noise too.
//! Secrets are not this module's business: [`crate::secret::Redactor`] runs last.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::contract::Desc;

/// The profile of the built-in mock: its data set is fixed, so nothing is volatile.
pub const MOCK_PROFILE: &str = "\
# Snapshot profile of the built-in mock (`conform run` without --target).
#
# The mock serves a fixed data set, so no value in its answers is volatile: nothing is
# redacted. Its port and token change on every run but never reach a snapshot (requests
# are recorded as path and query only, and the project id as <project>).
redact = []
mask = []
";

/// The profile written for a new real target: the values that change on their own, as
/// the contract description lists them.
pub fn default_target_profile(desc: &Desc) -> String {
    let quote = |s: &String| format!("\"{s}\"");
    let redact: String = desc
        .snapshot_redact
        .iter()
        .map(|s| format!("  {},\n", quote(s)))
        .collect();
    let mask: Vec<String> = desc.snapshot_mask.iter().map(quote).collect();
    let first_mask = desc
        .snapshot_mask
        .first()
        .and_then(|m| m.rsplit('.').next())
        .unwrap_or("value");
    let first_redact = desc
        .snapshot_redact
        .first()
        .and_then(|m| m.rsplit('.').next())
        .unwrap_or("value");
    let fields: Vec<String> = desc.snapshot_fields.iter().map(quote).collect();
    format!(
        "\
# Snapshot profile of a real target, written by conform on first use; edit it to suit.
#
# record: what a snapshot holds. `behaviour` (what the target did: statuses, error codes,
# members and their types, tolerated behaviour and readings, rules broken; drawn values as
# <drawn>), so that an account that moves between two runs gives the same snapshots; or
# `answers` (every answer's instances, in order, with the redactions below).
record = \"behaviour\"
#
# Selectors address response bodies: `.key`, `[]` (every item), `[N]` (one item),
# `.*` (every member). They apply to every answer of every case of this profile.
#
# redact: each distinct value becomes a numbered placeholder, the same one everywhere in a
# snapshot (`<{first_redact}:3>` in an {item} and in the query that drew it).
redact = [
{redact}]
# mask: every value becomes one fixed placeholder (`<{first_mask}>`), for values whose
# relations are noise too.
mask = [{mask}]
# fields: the {item} fields each list answer records, in this order.
# fields = [{fields}]
",
        item = desc.item,
        mask = mask.join(", "),
        fields = fields.join(", "),
    )
}

/// A profile file, as written.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    #[serde(default)]
    redact: Vec<String>,
    #[serde(default)]
    mask: Vec<String>,
    fields: Option<Vec<String>>,
    /// `answers` (every answer as served) or `behaviour` (what the target did, without
    /// the account's data: for an account that moves).
    record: Option<String>,
}

/// What a snapshot of a profile records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// Every answer as served: the instances in order with the profile's fields. For a
    /// target whose data does not move (the built-in mock).
    Answers,
    /// What the target did, not what the account holds: statuses, error codes, the
    /// members and their types, observations (tolerated behaviour, readings) and the
    /// rules broken; drawn values as `<drawn>`. Two runs against an account that moves
    /// between them give the same snapshot.
    Behaviour,
}

/// What a profile needs to know of the contract: where the list, the total and the id
/// sit, and what an item is called.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub list: String,
    pub total: Option<String>,
    pub id: String,
    pub item: String,
    /// The paging parameter that says where a page starts (`start`, `offset`).
    pub start: Option<String>,
}

/// A loaded, validated profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    redact: Vec<Selector>,
    mask: Vec<Selector>,
    /// Instance fields recorded per list answer.
    pub fields: Vec<String>,
    /// The contract's names the snapshot uses.
    pub names: Names,
    pub record: Record,
}

/// A profile that cannot be used; nothing is sent.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("cannot read the snapshot profile {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Profile {
    /// Parses a profile's text; `path` only names it in errors.
    pub fn parse(
        desc: &Desc,
        name: &str,
        text: &str,
        path: &Path,
    ) -> Result<Profile, ProfileError> {
        Profile::parse_with_default(desc, name, text, path, Record::Answers)
    }

    /// [`Profile::parse`], with what a profile without `record` records.
    pub fn parse_with_default(
        desc: &Desc,
        name: &str,
        text: &str,
        path: &Path,
        default: Record,
    ) -> Result<Profile, ProfileError> {
        let invalid = |message: String| ProfileError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let file: ProfileFile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let parse_all = |list: &[String]| -> Result<Vec<Selector>, ProfileError> {
            list.iter()
                .map(|s| Selector::parse(s).map_err(|m| invalid(format!("selector `{s}`: {m}"))))
                .collect()
        };
        let fields = file.fields.unwrap_or_else(|| desc.snapshot_fields.clone());
        if fields.is_empty() {
            return Err(invalid(
                "`fields` is empty: name at least one instance field".into(),
            ));
        }
        let record = match file.record.as_deref() {
            None => default,
            Some("answers") => Record::Answers,
            Some("behaviour" | "behavior") => Record::Behaviour,
            Some(other) => {
                return Err(invalid(format!(
                    "record = {other:?}: `answers` or `behaviour`"
                )))
            }
        };
        Ok(Profile {
            record,
            name: name.to_string(),
            redact: parse_all(&file.redact)?,
            mask: parse_all(&file.mask)?,
            fields,
            names: Names {
                list: desc.list.clone(),
                total: desc.total.as_ref().map(|t| t.field.clone()),
                id: desc.id.clone(),
                item: desc.item.clone(),
                start: desc.start.as_ref().map(|s| s.param.clone()),
            },
        })
    }

    /// Loads `dir/profile.toml`; when it is missing, the built-in text for this kind of
    /// target (returned too, so the caller can write it for the user to edit).
    pub fn load(
        desc: &Desc,
        name: &str,
        dir: &Path,
        mock: bool,
    ) -> Result<(Profile, Option<String>), ProfileError> {
        let path = dir.join("profile.toml");
        // A real target's account moves: its snapshots record behaviour unless its
        // profile says otherwise. The still mock's record its answers.
        let default = if mock {
            Record::Answers
        } else {
            Record::Behaviour
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok((
                Profile::parse_with_default(desc, name, &text, &path, default)?,
                None,
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let text = if mock {
                    MOCK_PROFILE.to_string()
                } else {
                    default_target_profile(desc)
                };
                Ok((
                    Profile::parse_with_default(desc, name, &text, &path, default)?,
                    Some(text),
                ))
            }
            Err(source) => Err(ProfileError::Read { path, source }),
        }
    }

    /// Replaces the selected values of one answer's body, numbering them in `table`.
    pub fn apply(&self, body: &mut Value, table: &mut Table) {
        for s in &self.redact {
            s.visit(body, &mut |v| table.numbered(s.kind(), v));
        }
        for s in &self.mask {
            s.visit(body, &mut |v| {
                if !v.is_null() {
                    *v = Value::String(format!("<{}>", s.kind()));
                }
            });
        }
    }
}

/// One step of a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    AnyKey,
    Index(usize),
    AnyItem,
}

/// A path into a JSON body, insta-style: `.instances[].used_memory`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    text: String,
    steps: Vec<Step>,
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Why a profile's selector cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    #[error("a selector starts with `.` or `[`")]
    Start,
    #[error("an empty key")]
    EmptyKey,
    #[error("a `[` without `]`")]
    Unclosed,
    #[error("`[{0}]` is not an index")]
    Index(String),
    #[error("unexpected `{0}`")]
    Unexpected(String),
    #[error("a selector names at least one step")]
    NoStep,
}

impl Selector {
    pub fn parse(text: &str) -> Result<Selector, SelectorError> {
        let mut steps = Vec::new();
        let mut rest = text;
        if !rest.starts_with(['.', '[']) {
            return Err(SelectorError::Start);
        }
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('.') {
                let end = r.find(['.', '[']).unwrap_or(r.len());
                let key = &r[..end];
                match key {
                    "" => return Err(SelectorError::EmptyKey),
                    "*" => steps.push(Step::AnyKey),
                    k => steps.push(Step::Key(k.to_string())),
                }
                rest = &r[end..];
            } else if let Some(r) = rest.strip_prefix('[') {
                let end = r.find(']').ok_or(SelectorError::Unclosed)?;
                let inner = &r[..end];
                steps.push(if inner.is_empty() {
                    Step::AnyItem
                } else {
                    Step::Index(
                        inner
                            .parse()
                            .map_err(|_| SelectorError::Index(inner.to_string()))?,
                    )
                });
                rest = &r[end + 1..];
            } else {
                return Err(SelectorError::Unexpected(rest.to_string()));
            }
        }
        if steps.is_empty() {
            return Err(SelectorError::NoStep);
        }
        Ok(Selector {
            text: text.to_string(),
            steps,
        })
    }

    /// The placeholder's kind: the last key named (`instance_id`), or `value`.
    pub fn kind(&self) -> &str {
        self.steps
            .iter()
            .rev()
            .find_map(|s| match s {
                Step::Key(k) => Some(k.as_str()),
                _ => None,
            })
            .unwrap_or("value")
    }

    fn visit(&self, v: &mut Value, f: &mut dyn FnMut(&mut Value)) {
        visit(&self.steps, v, f);
    }
}

fn visit(steps: &[Step], v: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    let Some((step, rest)) = steps.split_first() else {
        f(v);
        return;
    };
    match (step, v) {
        (Step::Key(k), Value::Object(m)) => {
            if let Some(child) = m.get_mut(k) {
                visit(rest, child, f);
            }
        }
        (Step::AnyKey, Value::Object(m)) => m.values_mut().for_each(|c| visit(rest, c, f)),
        (Step::Index(i), Value::Array(a)) => {
            if let Some(child) = a.get_mut(*i) {
                visit(rest, child, f);
            }
        }
        (Step::AnyItem, Value::Array(a)) => a.iter_mut().for_each(|c| visit(rest, c, f)),
        _ => {}
    }
}

/// The placeholders of one snapshot: value → number, per kind, in order of first sight.
#[derive(Debug, Default, Clone)]
pub struct Table {
    numbers: HashMap<(String, String), usize>,
    next: HashMap<String, usize>,
    /// (original text, placeholder, kind), for rewriting free text and queries.
    texts: Vec<(String, String, String)>,
}

impl Table {
    fn numbered(&mut self, kind: &str, v: &mut Value) {
        let (text, is_text) = match &*v {
            Value::Null => return, // a null is shape, not a volatile value: keep it
            Value::String(s) => (s.clone(), true),
            other => (other.to_string(), false),
        };
        *v = Value::String(self.number(kind, text, is_text));
    }

    /// The placeholder of `text` under `kind`, numbering it if it is new.
    fn number(&mut self, kind: &str, text: String, is_text: bool) -> String {
        let key = (kind.to_string(), text.clone());
        if let Some(n) = self.numbers.get(&key) {
            return format!("<{kind}:{n}>");
        }
        let n = self.next.entry(kind.to_string()).or_insert(0);
        *n += 1;
        let n = *n;
        self.numbers.insert(key, n);
        let placeholder = format!("<{kind}:{n}>");
        if is_text {
            self.texts
                .push((text, placeholder.clone(), kind.to_string()));
        }
        placeholder
    }

    /// Like [`Table::query_value`], but a value this snapshot's answers do not hold is
    /// looked up in `pool` (every answer of the run): a query drawn from an instance that
    /// this case's answers do not list (an id prefix that matches nothing) is volatile too.
    /// It gets the next number of this snapshot.
    pub fn query_value_or_adopt(&mut self, value: &str, pool: &Table) -> Option<String> {
        if let Some(p) = self.query_value(value) {
            return Some(p);
        }
        let (text, kind) = pool.find(value).map(|(t, _, k)| (t.clone(), k.clone()))?;
        self.number(&kind, text, true);
        self.query_value(value)
    }

    /// The entry whose text is `value`, or contains it (long enough to mean something).
    fn find(&self, value: &str) -> Option<&(String, String, String)> {
        self.texts.iter().find(|(t, _, _)| t == value).or_else(|| {
            (value.chars().count() >= MIN_TEXT)
                .then(|| self.texts.iter().find(|(t, _, _)| t.contains(value)))
                .flatten()
        })
    }

    /// Whether nothing was redacted.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// A query value with its redacted values replaced: the whole value (`<instance_id:3>`),
    /// or the part of one it was drawn from (`<instance_id:3>[0..8]`, in characters).
    pub fn query_value(&self, value: &str) -> Option<String> {
        let (t, p, _) = self.find(value)?;
        if t == value {
            return Some(p.clone());
        }
        let at = t.find(value)?;
        let start = t[..at].chars().count();
        Some(format!("{p}[{start}..{}]", start + value.chars().count()))
    }

    /// Free text (observations, findings) with every redacted value replaced.
    pub fn text(&self, text: &str) -> String {
        let mut texts: Vec<(&String, &String)> = self
            .texts
            .iter()
            .filter(|(t, _, _)| t.chars().count() >= MIN_TEXT)
            .map(|(t, p, _)| (t, p))
            .collect();
        // Longest first, so a value that contains another is replaced whole.
        texts.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(b.0)));
        let mut out = text.to_string();
        for (t, p) in texts {
            if out.contains(t.as_str()) {
                out = out.replace(t.as_str(), p);
            }
        }
        out
    }
}

/// Shorter values are not searched for inside other text: `12` would hit every number.
const MIN_TEXT: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn profile(text: &str) -> Profile {
        Profile::parse(
            crate::contract::Contract::embedded().desc(),
            "t",
            text,
            Path::new("profile.toml"),
        )
        .expect("a valid profile")
    }

    #[test]
    fn numbered_placeholders_are_consistent_across_answers_and_queries() {
        let p =
            profile("redact = ['.instances[].instance_id']\nmask = ['.instances[].used_memory']");
        let mut table = Table::default();
        let mut a = json!({"instances": [{"instance_id": "aaaa-1", "used_memory": 5}, {"instance_id": "bbbb-2", "used_memory": 7}]});
        let mut b = json!({"instances": [{"instance_id": "bbbb-2", "used_memory": 9}]});
        p.apply(&mut a, &mut table);
        p.apply(&mut b, &mut table);
        assert_eq!(a["instances"][0]["instance_id"], "<instance_id:1>");
        assert_eq!(a["instances"][1]["instance_id"], "<instance_id:2>");
        assert_eq!(b["instances"][0]["instance_id"], "<instance_id:2>");
        assert_eq!(a["instances"][0]["used_memory"], "<used_memory>");
        assert_eq!(
            table.query_value("bbbb-2").as_deref(),
            Some("<instance_id:2>")
        );
        assert_eq!(
            table.query_value("bbbb").as_deref(),
            Some("<instance_id:2>[0..4]")
        );
        assert_eq!(table.query_value("zz"), None);
        assert_eq!(
            table.text("missing aaaa-1 here"),
            "missing <instance_id:1> here"
        );
    }

    #[test]
    fn a_query_drawn_from_an_instance_outside_the_answers_is_adopted_from_the_pool() {
        let p = profile("redact = ['.instances[].instance_id']");
        let mut pool = Table::default();
        p.apply(
            &mut json!({"instances": [{"instance_id": "aaaa-1"}, {"instance_id": "bbbb-2"}]}),
            &mut pool,
        );
        let mut table = Table::default();
        p.apply(
            &mut json!({"instances": [{"instance_id": "aaaa-1"}]}),
            &mut table,
        );
        assert_eq!(
            table.query_value_or_adopt("bbbb", &pool).as_deref(),
            Some("<instance_id:2>[0..4]")
        );
        assert_eq!(
            table.query_value_or_adopt("aaaa-1", &pool).as_deref(),
            Some("<instance_id:1>")
        );
        assert_eq!(table.query_value_or_adopt("zzzz", &pool), None);
    }

    #[test]
    fn nulls_stay_visible() {
        let p = profile("redact = ['.error_code']");
        let mut table = Table::default();
        let mut v = json!({"error_code": null});
        p.apply(&mut v, &mut table);
        assert_eq!(v, json!({"error_code": null}));
    }

    #[test]
    fn selectors_parse_and_reject() {
        for ok in [".a", ".a[].b", ".a[0]", ".*", "[].x", ".a.*.b"] {
            Selector::parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in ["", "a", ".", ".a[", ".a[x]", ".a..b"] {
            assert!(Selector::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Selector::parse(".instances[].ip").unwrap().kind(), "ip");
    }

    #[test]
    fn shipped_profiles_parse() {
        profile(MOCK_PROFILE);
        let desc = crate::contract::Contract::embedded().desc();
        let text = default_target_profile(desc);
        let p = profile(&text);
        assert_eq!(p.fields, ["instance_id", "name", "status", "created_at"]);
        assert!(text.contains("  \".instances[].instance_id\",\n"), "{text}");
        assert!(
            text.contains("mask = [\".instances[].used_memory\"]"),
            "{text}"
        );
    }

    #[test]
    fn unknown_keys_are_errors() {
        let e = Profile::parse(
            crate::contract::Contract::embedded().desc(),
            "t",
            "redcat = []",
            Path::new("p.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("redcat"), "{e}");
    }
}
