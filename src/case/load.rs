//! Loading case files in two steps: the TOML syntax (the toml crate, into a document
//! that keeps the span of every key and value), then the case read out of that document
//! by conform's own code, which words every message about keys, types and values. Every
//! problem is collected (not just the first) so a user fixes a whole suite in one pass.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::{
    AuthSel, Case, Draw, DrawKind, Expect, Loc, Param, ProjectSel, QueryValue, ResultsExpect, Rule,
};
use crate::contract::Contract;
use crate::diag::{did_you_mean, line_col, Diagnostic};

/// Largest case file accepted; a case is a few lines, so anything near this is a mistake.
const MAX_CASE_FILE: u64 = 256 * 1024;

/// Every problem found in the case files; nothing was sent.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read the cases folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", render(.0))]
    Invalid(Vec<Diagnostic>),
    /// The folder is the suite of another contract (its `CONTRACT` file names it).
    #[error("{path} holds the cases of contract `{theirs}`, not of `{ours}`\n  = hint: run them with their own contract: `--contract NAME` with the name conform.toml gives the contract whose description is named `{theirs}`, and without --cases or --snapshot-dir (it finds its own)")]
    OtherContract {
        path: PathBuf,
        theirs: String,
        ours: String,
    },
}

/// The file that makes a folder of case files the suite of one contract: its first line
/// that is not empty or a `#` comment is the contract's `name`. A run of another
/// contract skips such a folder below its cases folder, and refuses it as the cases
/// folder itself.
pub const SUITE_MARKER: &str = "CONTRACT";

/// The contract a folder's `CONTRACT` file names, if it has one (a folder of cases or of
/// snapshots).
pub fn suite_contract(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(SUITE_MARKER)).ok()?;
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
}

fn render(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&d.to_string());
        out.push('\n');
    }
    out.push_str(&format!(
        "{} problem{} in case files; nothing was sent",
        diags.len(),
        if diags.len() == 1 { "" } else { "s" }
    ));
    out
}

impl LoadError {
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            LoadError::Invalid(d) => d,
            LoadError::Folder { .. } | LoadError::OtherContract { .. } => &[],
        }
    }
}

/// A case as read from its document, before its values are checked: each key conform
/// knows, with its span, or `None` when it is absent or had the wrong type (that
/// diagnostic is already collected).
#[derive(Default)]
struct RawCase<'t> {
    description: Option<Spanned<String>>,
    rules: Option<Spanned<Vec<Spanned<String>>>>,
    project: Option<Spanned<String>>,
    auth: Option<Spanned<String>>,
    raw_query: Option<Spanned<String>>,
    headers: Vec<(Spanned<String>, Spanned<String>)>,
    // Values are kept as any TOML value and sorted out by `query_value`: a literal, a
    // draw table, or a mistake said in the parameter's words.
    query: Vec<(Spanned<String>, Spanned<DeValue<'t>>)>,
    expect: Option<RawExpect>,
}

/// A draw table, as far as it could be read. Errors point at the whole table, so that
/// every problem with one draw is shown on the same excerpt.
struct RawDraw {
    draw: String,
    containing: Option<String>,
    nth: Option<i64>,
    hidden_by: Option<String>,
}

#[derive(Default)]
struct RawExpect {
    /// One status or a list of them, as a list.
    status: Option<Spanned<Vec<i64>>>,
    results: Option<Spanned<String>>,
    pages: Option<Spanned<Vec<i64>>>,
    repeat: Option<Spanned<i64>>,
}

const TOP_KEYS: [&str; 8] = [
    "description",
    "rules",
    "project",
    "auth",
    "raw_query",
    "headers",
    "query",
    "expect",
];
const EXPECT_KEYS: [&str; 4] = ["status", "results", "pages", "repeat"];
const DRAW_KEYS: [&str; 4] = ["draw", "containing", "nth", "hidden_by"];
/// Headers a case may not set: credentials come from the run's configuration only, so
/// they never end up in a committed file. The contract's token header is refused too.
const SECRET_HEADERS: [&str; 4] = [
    "authorization",
    "x-security-token",
    "proxy-authorization",
    "cookie",
];

/// Loads every `*.toml` below `dir`, in path order. `display_root` is how the folder is
/// shown in messages (usually as the user typed it).
pub fn load_dir(dir: &Path, contract: &Contract) -> Result<Vec<Case>, LoadError> {
    let ours = &contract.desc().name;
    if let Some(theirs) = suite_contract(dir).filter(|t| t != ours) {
        return Err(LoadError::OtherContract {
            path: dir.to_path_buf(),
            theirs,
            ours: ours.clone(),
        });
    }
    let mut files = Vec::new();
    let walk = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        // Another contract's suite below this folder is not this run's.
        .filter_entry(|e| {
            e.depth() == 0
                || !e.file_type().is_dir()
                || suite_contract(e.path()).is_none_or(|t| &t == ours)
        });
    for entry in walk {
        let entry = entry.map_err(|e| LoadError::Folder {
            path: e.path().unwrap_or(dir).to_path_buf(),
            source: e
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("file system loop")),
        })?;
        if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "toml") {
            files.push(entry.into_path());
        }
    }
    if !dir.is_dir() {
        return Err(LoadError::Folder {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such folder"),
        });
    }
    let mut cases = Vec::new();
    let mut diags = Vec::new();
    for file in files {
        let name = file
            .strip_prefix(dir)
            .unwrap_or(&file)
            .with_extension("")
            .to_string_lossy()
            .replace('\\', "/");
        match load_file(&file, &name, contract) {
            Ok(case) => cases.push(case),
            Err(mut d) => diags.append(&mut d),
        }
    }
    if diags.is_empty() {
        Ok(cases)
    } else {
        Err(LoadError::Invalid(diags))
    }
}

/// Loads one case file. `name` is the case's name (its path below the cases folder).
pub fn load_file(path: &Path, name: &str, contract: &Contract) -> Result<Case, Vec<Diagnostic>> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| vec![Diagnostic::whole_file(&shown, format!("cannot read: {e}"))])?;
    if meta.len() > MAX_CASE_FILE {
        return Err(vec![Diagnostic::whole_file(
            &shown,
            format!(
                "case file is {} bytes, more than the {} a case file may have",
                meta.len(),
                MAX_CASE_FILE
            ),
        )
        .with_hint(
            "a case is a few lines; split generated suites into one file per case",
        )]);
    }
    let bytes = std::fs::read(path)
        .map_err(|e| vec![Diagnostic::whole_file(&shown, format!("cannot read: {e}"))])?;
    parse_case_bytes(&shown, &bytes, name, contract)
}

/// Parses and validates one case from the bytes of its file: text that is not UTF-8 or
/// holds a NUL byte is refused with a located diagnostic before TOML sees it.
pub fn parse_case_bytes(
    file: &str,
    bytes: &[u8],
    name: &str,
    contract: &Contract,
) -> Result<Case, Vec<Diagnostic>> {
    if bytes.len() as u64 > MAX_CASE_FILE {
        return Err(vec![Diagnostic::whole_file(
            file,
            format!(
                "case file is {} bytes, more than the {} a case file may have",
                bytes.len(),
                MAX_CASE_FILE
            ),
        )
        .with_hint(
            "a case is a few lines; split generated suites into one file per case",
        )]);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            // Show the line with the bad byte as U+FFFD, the caret under it. The lossy
            // text equals the file up to the first bad byte, so offsets agree there.
            let off = e.valid_up_to();
            let lossy = String::from_utf8_lossy(bytes);
            let d = Diagnostic::at_span(
                file,
                &lossy,
                off..off + 1,
                format!("case file is not valid UTF-8 (byte {off})"),
            );
            return Err(vec![
                d.with_hint("save the file as UTF-8; the marked character is not")
            ]);
        }
    };
    if let Some(off) = text.find('\0') {
        let d = Diagnostic::at_span(
            file,
            text,
            off..off + 1,
            "case file contains a NUL byte (a binary file?)",
        );
        return Err(vec![d.with_hint("a case file is TOML text")]);
    }
    parse_case(file, text, name, contract)
}

/// Parses and validates one case from its text.
pub fn parse_case(
    file: &str,
    text: &str,
    name: &str,
    contract: &Contract,
) -> Result<Case, Vec<Diagnostic>> {
    if text.trim().is_empty() {
        return Err(vec![Diagnostic::whole_file(file, "case file is empty")
            .with_hint(
                "a case needs at least `description` and `rules`; see docs/case-files.md",
            )]);
    }
    // Two steps: TOML syntax first (the only step whose errors come from the toml
    // crate), then the case is read out of the spanned document by conform's own code,
    // so every message about keys, types and values is worded from the document's
    // structure and never depends on the text of toml's (or serde's) messages.
    let doc = DeTable::parse(text).map_err(|e| vec![not_toml(file, text, &e)])?;
    let mut v = Validator {
        file,
        text,
        shared: Arc::from(file),
        diags: Vec::new(),
        desc: contract.desc(),
    };
    let raw = v.read(doc.get_ref());
    v.case(raw, name, contract)
}

/// The contract's rule ids as a range, e.g. `C1..C14`.
fn rule_range(desc: &crate::contract::Desc) -> String {
    match (desc.rules.first(), desc.rules.last()) {
        (Some((a, _)), Some((b, _))) => format!("{a}..{b}"),
        _ => "none".into(),
    }
}

/// A document that does not parse as TOML. The toml crate says what went wrong only as
/// text: conform words the diagnostic itself, shows toml's words as a note, and decides
/// nothing from them. The one such error conform names is a key defined twice, and it
/// recognises that from the document's structure (see `defined_twice`).
fn not_toml(file: &str, text: &str, e: &toml::de::Error) -> Diagnostic {
    let span = e.span().unwrap_or(0..0);
    if let Some(key) = defined_twice(text, &span) {
        return Diagnostic::at_span(file, text, span, format!("duplicate key `{key}`"))
            .with_hint("a key may appear once in its table, and a table header once per file");
    }
    // One line, and nothing from the file that could drive a terminal.
    let said: String = e
        .message()
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Diagnostic::at_span(file, text, span, "case file is not valid TOML")
        .with_note(format!("the TOML parser says: {said}"))
        .with_hint(
            "strings need double quotes, tables are `[name]`, and every line is `key = value`",
        )
}

/// The name of the key at `span` when the parse error there is that key being defined a
/// second time (a repeated key, a repeated `[table]`, a dotted key into a value already
/// set). toml reports those as parse errors without a kind, so they are recognised by
/// structure: the error points exactly at something spelt like a key; in the same
/// document with that occurrence renamed, the parse gets past it, the new name is a key
/// (so the occurrence was a key, not a value spelt like one), and a key of the old name
/// is still there (the other definition).
fn defined_twice(text: &str, span: &Range<usize>) -> Option<String> {
    let written = text.get(span.clone()).filter(|w| !w.is_empty())?;
    let name = key_written_as(written)?;
    // A key is written on one line, so a name longer than any line is no key's name.
    let longest = text.lines().map(str::len).max().unwrap_or(0);
    let fresh = "~".repeat(longest + 1);
    let renamed = format!("{}\"{fresh}\"{}", &text[..span.start], &text[span.end..]);
    let (doc, errors) = DeTable::parse_recoverable(&renamed);
    let past = span.start + fresh.len() + 2;
    let parses_past = errors
        .iter()
        .all(|e| e.span().is_some_and(|s| s.start >= past));
    let doc = doc.get_ref();
    (parses_past && holds_key(doc, &fresh) && holds_key(doc, &name)).then_some(name)
}

/// The key `written` spells, when it is exactly one key (bare or quoted, not dotted).
fn key_written_as(written: &str) -> Option<String> {
    let line = format!("{written} = 0");
    let doc = DeTable::parse(&line).ok()?;
    let mut entries = doc.get_ref().iter();
    let (key, value) = entries.next()?;
    let whole = entries.next().is_none()
        && key.span() == (0..written.len())
        && value.get_ref().is_integer();
    whole.then(|| key.get_ref().to_string())
}

/// True when a table, at any depth, has a key named `name`.
fn holds_key(table: &DeTable<'_>, name: &str) -> bool {
    fn within(v: &DeValue<'_>, name: &str) -> bool {
        match v {
            DeValue::Table(t) => holds_key(t, name),
            DeValue::Array(items) => items.iter().any(|i| within(i.get_ref(), name)),
            _ => false,
        }
    }
    table
        .iter()
        .any(|(k, v)| k.get_ref() == name || within(v.get_ref(), name))
}

/// What a value is, in the file's words: `an integer (42)`, `a string ("3")`, `a list`.
fn found(text: &str, v: &Spanned<DeValue<'_>>) -> String {
    let written = text.get(v.span()).unwrap_or("").trim();
    match v.get_ref() {
        DeValue::String(s) => format!("a string ({s:?})"),
        DeValue::Integer(_) => format!("an integer ({written})"),
        DeValue::Float(_) => format!("a float ({written})"),
        DeValue::Boolean(b) => format!("a boolean ({b})"),
        DeValue::Datetime(d) => format!("a date-time ({d})"),
        DeValue::Array(_) => "a list".into(),
        DeValue::Table(_) => "a table".into(),
    }
}

/// An integer as a 64-bit number; `None` when it does not fit.
fn int64(v: &toml::de::DeInteger<'_>) -> Option<i64> {
    // `as_str` is the digits without prefix or underscores, in `radix`.
    i64::from_str_radix(v.as_str(), v.radix()).ok()
}

/// How a key of a case file is written, for the hint under a value of the wrong type.
fn example(key: &str) -> Option<&'static str> {
    Some(match key {
        "description" => "description = \"what the case shows, in one line\"",
        "rules" => "rules = [\"C2\", \"C7\"]",
        "project" => "project = \"main\" or project = \"other\"",
        "auth" => "auth = \"configured\", \"none\" or \"wrong\"",
        "raw_query" => "raw_query = \"name=&status=\"",
        "query" => "a `[query]` table: one `name = value` line per parameter",
        "expect" => "an `[expect]` table: `[expect]` on its own line, then `status = 200`",
        "pages" => "pages = [1, 3]",
        "repeat" => "repeat = 3",
        "results" => "results = \"some\", \"none\" or \"any\"",
        "headers" => "headers = { \"X-Trace\" = \"1\" } (names and values are strings)",
        _ => return None,
    })
}

struct Validator<'a> {
    file: &'a str,
    text: &'a str,
    shared: Arc<str>,
    diags: Vec<Diagnostic>,
    desc: &'a crate::contract::Desc,
}

impl Validator<'_> {
    fn loc(&self, span: &Range<usize>) -> Loc {
        Loc {
            file: self.shared.clone(),
            at: line_col(self.text, span.start),
        }
    }

    fn error(&mut self, span: Range<usize>, message: impl Into<String>) -> &mut Diagnostic {
        self.diags
            .push(Diagnostic::at_span(self.file, self.text, span, message));
        self.diags.last_mut().expect("just pushed")
    }

    /// Reads the case out of the parsed document: every key is checked against the keys
    /// a case has and every value against the type its key takes. A mistake is collected
    /// and reading goes on, so one pass reports every problem of the file.
    fn read<'t>(&mut self, doc: &DeTable<'t>) -> RawCase<'t> {
        let mut raw = RawCase::default();
        // Keys a misspelt key was taken for: `rulez` is reported once, as "did you mean
        // `rules`?", not a second time as a missing `rules`.
        let mut meant = Vec::new();
        for (key, value) in doc {
            let name: &str = key.get_ref();
            match name {
                "description" => raw.description = self.string(name, value),
                "rules" => raw.rules = self.strings(name, value),
                "project" => raw.project = self.string(name, value),
                "auth" => raw.auth = self.string(name, value),
                "raw_query" => raw.raw_query = self.string(name, value),
                "headers" => raw.headers = self.headers(value),
                "query" => raw.query = self.query_table(value),
                "expect" => raw.expect = self.expect_table(value),
                _ => meant.extend(self.unknown_key(key, &TOP_KEYS)),
            }
        }
        let missing = |key: &str| !doc.contains_key(key) && !meant.contains(&key);
        if missing("description") {
            self.diags.push(
                Diagnostic::whole_file(self.file, "missing `description`")
                    .with_hint("say in one line what the case shows: description = \"...\""),
            );
        }
        if missing("rules") {
            self.diags.push(
                Diagnostic::whole_file(self.file, "missing `rules`")
                    .with_hint("name the rules the case exercises, e.g. rules = [\"C2\"]"),
            );
        }
        raw
    }

    /// Reports a key a case does not have; returns the known key it was probably meant
    /// to be, if one is close.
    fn unknown_key<'k>(
        &mut self,
        key: &Spanned<toml::de::DeString<'_>>,
        candidates: &[&'k str],
    ) -> Option<&'k str> {
        let field: &str = key.get_ref();
        let meant = did_you_mean(field, candidates);
        let hint = match meant {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("known keys here: {}", candidates.join(", ")),
        };
        self.error(key.span(), format!("unknown key `{field}`"))
            .hint = Some(hint);
        meant
    }

    /// "`repeat` must be an integer, not a string ("3")", with how `key` is written.
    fn wrong_type(&mut self, subject: &str, key: &str, v: &Spanned<DeValue<'_>>, expected: &str) {
        let message = format!("{subject} must be {expected}, not {}", found(self.text, v));
        self.error(v.span(), message).hint = Some(match example(key) {
            Some(e) => format!("for example: {e}"),
            None => "see the case-file reference, docs/case-files.md".into(),
        });
    }

    /// An integer too large for 64 bits; nothing conform sends or checks needs one.
    fn too_big(&mut self, v: &Spanned<DeValue<'_>>, hint: String) {
        let written = self.text.get(v.span()).unwrap_or("").trim();
        let message = format!("integer `{written}` does not fit in 64 bits");
        self.error(v.span(), message).hint = Some(hint);
    }

    fn string(&mut self, key: &str, v: &Spanned<DeValue<'_>>) -> Option<Spanned<String>> {
        match v.get_ref() {
            DeValue::String(s) => Some(Spanned::new(v.span(), s.to_string())),
            _ => {
                self.wrong_type(&format!("`{key}`"), key, v, "a string");
                None
            }
        }
    }

    /// A list of strings; a wrong entry is reported once, at the first one.
    fn strings(
        &mut self,
        key: &str,
        v: &Spanned<DeValue<'_>>,
    ) -> Option<Spanned<Vec<Spanned<String>>>> {
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(&format!("`{key}`"), key, v, "a list");
            return None;
        };
        let mut out = Vec::new();
        for item in items {
            let DeValue::String(s) = item.get_ref() else {
                self.wrong_type(&format!("each entry of `{key}`"), key, item, "a string");
                return None;
            };
            out.push(Spanned::new(item.span(), s.to_string()));
        }
        Some(Spanned::new(v.span(), out))
    }

    /// An integer that fits in 64 bits.
    fn integer(&mut self, subject: &str, key: &str, v: &Spanned<DeValue<'_>>) -> Option<i64> {
        let DeValue::Integer(i) = v.get_ref() else {
            self.wrong_type(subject, key, v, "an integer");
            return None;
        };
        let n = int64(i);
        if n.is_none() {
            let hint = example(key).map_or_else(
                || "see the case-file reference, docs/case-files.md".into(),
                |e| format!("for example: {e}"),
            );
            self.too_big(v, hint);
        }
        n
    }

    /// `headers`: a table of header names to string values.
    fn headers(&mut self, v: &Spanned<DeValue<'_>>) -> Vec<(Spanned<String>, Spanned<String>)> {
        let DeValue::Table(t) = v.get_ref() else {
            self.wrong_type("`headers`", "headers", v, "a table");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, value) in t {
            let name: &str = k.get_ref();
            match value.get_ref() {
                DeValue::String(s) => out.push((
                    Spanned::new(k.span(), name.to_string()),
                    Spanned::new(value.span(), s.to_string()),
                )),
                _ => self.wrong_type(&format!("`{name}`"), "headers", value, "a string"),
            }
        }
        out
    }

    /// `[query]`: a table of parameters; each value is read by `query_value`.
    fn query_table<'t>(
        &mut self,
        v: &Spanned<DeValue<'t>>,
    ) -> Vec<(Spanned<String>, Spanned<DeValue<'t>>)> {
        let DeValue::Table(t) = v.get_ref() else {
            self.wrong_type("`query`", "query", v, "a table");
            return Vec::new();
        };
        t.iter()
            .map(|(k, value)| {
                (
                    Spanned::new(k.span(), k.get_ref().to_string()),
                    value.clone(),
                )
            })
            .collect()
    }

    fn expect_table(&mut self, v: &Spanned<DeValue<'_>>) -> Option<RawExpect> {
        let DeValue::Table(t) = v.get_ref() else {
            self.wrong_type("`expect`", "expect", v, "a table");
            return None;
        };
        let mut raw = RawExpect::default();
        for (key, value) in t {
            let name: &str = key.get_ref();
            match name {
                "status" => raw.status = self.status(value),
                "results" => raw.results = self.string(name, value),
                "pages" => raw.pages = self.pages(value),
                "repeat" => {
                    raw.repeat = self
                        .integer("`repeat`", name, value)
                        .map(|n| Spanned::new(value.span(), n));
                }
                _ => {
                    self.unknown_key(key, &EXPECT_KEYS);
                }
            }
        }
        Some(raw)
    }

    /// `status`: one integer or a list of integers, read as a list.
    fn status(&mut self, v: &Spanned<DeValue<'_>>) -> Option<Spanned<Vec<i64>>> {
        const HINT: &str = "for example `status = 200` or `status = [401, 403]`";
        let items: Vec<&Spanned<DeValue<'_>>> = match v.get_ref() {
            DeValue::Array(a) => a.iter().collect(),
            _ => vec![v],
        };
        let ints: Option<Vec<_>> = items
            .into_iter()
            .map(|item| match item.get_ref() {
                DeValue::Integer(i) => Some((item, int64(i))),
                _ => None,
            })
            .collect();
        let Some(ints) = ints else {
            self.error(
                v.span(),
                "`status` must be an HTTP status or a list of them",
            )
            .hint = Some(HINT.into());
            return None;
        };
        let mut out = Vec::new();
        for (item, n) in ints {
            let Some(n) = n else {
                self.too_big(item, HINT.into());
                return None;
            };
            out.push(n);
        }
        Some(Spanned::new(v.span(), out))
    }

    /// `pages`: a list of integers; a wrong entry is reported once, at the first one.
    fn pages(&mut self, v: &Spanned<DeValue<'_>>) -> Option<Spanned<Vec<i64>>> {
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type("`pages`", "pages", v, "a list");
            return None;
        };
        let mut out = Vec::new();
        for item in items {
            out.push(self.integer("each entry of `pages`", "pages", item)?);
        }
        Some(Spanned::new(v.span(), out))
    }

    fn case(
        mut self,
        raw: RawCase<'_>,
        name: &str,
        contract: &Contract,
    ) -> Result<Case, Vec<Diagnostic>> {
        let (description, loc) = match raw.description {
            Some(d) if !d.get_ref().trim().is_empty() => {
                let loc = self.loc(&d.span());
                (d.into_inner(), loc)
            }
            Some(d) => {
                self.error(d.span(), "`description` is empty").hint =
                    Some("say in one line what the case shows".into());
                (String::new(), self.loc(&(0..0)))
            }
            // Missing or of the wrong type: already reported by `read`.
            None => (String::new(), self.loc(&(0..0))),
        };

        let mut rules = Vec::new();
        for r in raw.rules.iter().flat_map(toml::Spanned::get_ref) {
            match Rule::parse(r.get_ref()).filter(|r| self.desc.has_rule(*r)) {
                Some(rule) => rules.push(rule),
                None => {
                    self.error(r.span(), format!("unknown rule `{}`", r.get_ref()))
                        .hint = Some(format!(
                        "rules are {}, as in the contract notes",
                        rule_range(self.desc)
                    ));
                }
            }
        }
        if let Some(r) = raw.rules.as_ref().filter(|r| r.get_ref().is_empty()) {
            self.error(r.span(), "`rules` is empty").hint =
                Some("name the rules the case exercises, e.g. rules = [\"C2\"]".into());
        }

        let project = match &raw.project {
            None => ProjectSel::Main,
            Some(p) => match p.get_ref().as_str() {
                "main" => ProjectSel::Main,
                "other" => ProjectSel::Other,
                other => {
                    let span = p.span();
                    let msg = format!("unknown project `{other}`");
                    self.error(span, msg).hint = Some(
                        "`main` (the project under test) or `other` (the second project)".into(),
                    );
                    ProjectSel::Main
                }
            },
        };
        let auth = match &raw.auth {
            None => AuthSel::Configured,
            Some(a) => match AuthSel::ALL
                .iter()
                .chain(&AuthSel::SIGNED)
                .find(|s| s.name() == a.get_ref())
            {
                Some(s) => *s,
                None => {
                    let msg = format!("unknown auth `{}`", a.get_ref());
                    self.error(a.span(), msg).hint = Some(
                        "`configured` (default), `none`, `wrong`, or the real credentials shaped: `empty`, `prefix`, `extended`, `other-case`".into(),
                    );
                    AuthSel::Configured
                }
            },
        };

        let mut headers = Vec::new();
        for (k, v) in &raw.headers {
            let name = k.get_ref();
            let lower = name.to_ascii_lowercase();
            if SECRET_HEADERS.contains(&lower.as_str())
                || lower == self.desc.token_header.to_ascii_lowercase()
            {
                self.error(v.span(), format!("header `{name}` carries credentials"))
                    .hint = Some(
                    "credentials come from --token-env / the environment, never from a case file"
                        .into(),
                );
            } else if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                // Caught here, not by the HTTP client at run time: a header that cannot
                // be sent is a mistake in the case, and nothing may be sent until it is fixed.
                self.error(k.span(), format!("`{name}` is not a valid header name"))
                    .hint =
                    Some("header names are letters, digits and `-` (no spaces, no `:`)".into());
            } else if reqwest::header::HeaderValue::from_str(v.get_ref()).is_err() {
                self.error(
                    v.span(),
                    format!("the value of header `{name}` cannot be sent"),
                )
                .hint = Some(
                    "header values are one line of visible ASCII (no line breaks or control characters)"
                        .into(),
                );
            } else {
                headers.push((name.clone(), v.get_ref().clone()));
            }
        }

        let expect = self.expect(raw.expect);

        let raw_keys: Vec<String> = raw
            .raw_query
            .as_ref()
            .map(|r| {
                form_urlencoded::parse(r.get_ref().as_bytes())
                    .map(|(k, _)| k.into_owned())
                    .collect()
            })
            .unwrap_or_default();
        let mut query = Vec::new();
        for (k, v) in raw.query {
            let loc = self.loc(&k.span());
            let Some(value) = self.query_value(k.get_ref(), &v) else {
                continue;
            };
            if raw_keys.contains(k.get_ref()) {
                self.error(
                    k.span(),
                    format!(
                        "parameter `{}` is set both in `raw_query` and in `[query]`",
                        k.get_ref()
                    ),
                )
                .hint = Some(
                    "both would be sent and the target would pick one; set it in one place \
                     (to send a parameter twice on purpose, write both in `raw_query`)"
                        .into(),
                );
            }
            query.push(Param {
                name: k.into_inner(),
                value,
                loc,
            });
        }

        let raw_query_span = raw.raw_query.as_ref().map(toml::Spanned::span);
        let raw_query = raw.raw_query.map(|r| {
            self.raw_query(&r);
            r.into_inner()
        });

        self.query_schema(
            &query,
            raw_query.as_deref().zip(raw_query_span.clone()),
            &expect,
            contract,
        );
        self.unlisted_params(
            &query,
            raw_query.as_deref().zip(raw_query_span.clone()),
            &rules,
            contract,
        );

        // In file order, whatever order the fields were validated in.
        self.diags.sort_by_key(|d| d.at);
        if self.diags.is_empty() {
            Ok(Case {
                name: name.to_string(),
                loc,
                description,
                rules,
                project,
                auth,
                query,
                raw_query,
                headers,
                expect,
            })
        } else {
            Err(self.diags)
        }
    }

    /// `raw_query` is sent exactly as written, so it must be something a URL can carry
    /// as written: a `#` would cut the query short (a fragment is never sent), and
    /// spaces or control characters would be re-encoded or refused by the client.
    fn raw_query(&mut self, r: &Spanned<String>) {
        let q = r.get_ref();
        if q.starts_with('?') {
            self.error(r.span(), "`raw_query` starts with `?`").hint =
                Some("write the query string without the leading `?`".into());
        }
        if let Some(c) = q
            .chars()
            .find(|c| *c == '#' || c.is_whitespace() || c.is_control())
        {
            let shown = c.escape_default().to_string();
            let encoded: String = c.to_string().bytes().map(|b| format!("%{b:02X}")).collect();
            let why = if c == '#' {
                "it would end the query (a URL fragment is never sent)"
            } else {
                "it cannot be sent as written"
            };
            self.error(r.span(), format!("`raw_query` contains `{shown}`: {why}"))
                .hint = Some(format!(
                "`raw_query` is sent as written, so percent-encode it: `{encoded}`"
            ));
        }
    }

    /// One `[query]` value: a string, an integer or a boolean is sent as written; a
    /// table is a draw; anything else is refused with what was found.
    fn query_value(&mut self, key: &str, v: &Spanned<DeValue<'_>>) -> Option<QueryValue> {
        let written = self.text.get(v.span()).unwrap_or("").trim();
        let quote = format!("quote it to send it as written: {key} = \"{written}\"");
        let hint = match v.get_ref() {
            DeValue::String(s) => return Some(QueryValue::Literal(s.to_string())),
            DeValue::Integer(i) => {
                let Some(n) = int64(i) else {
                    self.too_big(v, quote);
                    return None;
                };
                return Some(QueryValue::Literal(n.to_string()));
            }
            DeValue::Boolean(b) => return Some(QueryValue::Literal(b.to_string())),
            DeValue::Table(t) => {
                let d = self.draw_table(t, v.span())?;
                return self.draw(key, &d, v.span()).map(QueryValue::Drawn);
            }
            DeValue::Array(_) => {
                "a parameter is sent once; to send it twice, write both in `raw_query`".to_string()
            }
            DeValue::Float(_) | DeValue::Datetime(_) => quote,
        };
        let found = found(self.text, v);
        self.error(
            v.span(),
            format!(
                "query parameter `{key}` is {found}; a query value is a string, an integer, \
                 a boolean or a draw table"
            ),
        )
        .hint = Some(hint);
        None
    }

    /// Reads `{ draw = "...", containing = "...", nth = N }`, refusing unknown keys and
    /// wrong types with the key named (a did-you-mean where one is close).
    fn draw_table(&mut self, t: &DeTable<'_>, span: Range<usize>) -> Option<RawDraw> {
        let mut ok = true;
        for key in t.keys() {
            let key: &str = key.get_ref();
            if !DRAW_KEYS.contains(&key) {
                let hint = match did_you_mean(key, &DRAW_KEYS) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("a draw table has: {}", DRAW_KEYS.join(", ")),
                };
                self.error(span.clone(), format!("unknown key `{key}` in a draw"))
                    .hint = Some(hint);
                ok = false;
            }
        }
        let mut text = |key: &str| match t.get(key).map(toml::Spanned::get_ref) {
            None => None,
            Some(DeValue::String(s)) => Some(s.to_string()),
            Some(other) => {
                let msg = format!("`{key}` in a draw must be a string, not {}", a(other));
                self.error(span.clone(), msg).hint =
                    Some(format!("for example `{{ {key} = \"name\" }}`"));
                ok = false;
                None
            }
        };
        let draw = text("draw");
        let containing = text("containing");
        let hidden_by = text("hidden_by");
        let nth = match t.get("nth") {
            None => None,
            Some(v) => match v.get_ref() {
                DeValue::Integer(n) => {
                    let n = int64(n);
                    if n.is_none() {
                        self.too_big(v, "for example `{ draw = \"value\", nth = 0 }`".into());
                        ok = false;
                    }
                    n
                }
                other => {
                    let msg = format!("`nth` in a draw must be an integer, not {}", a(other));
                    self.error(span.clone(), msg).hint =
                        Some("for example `{ draw = \"value\", nth = 0 }`".into());
                    ok = false;
                    None
                }
            },
        };
        let Some(draw) = draw else {
            if ok {
                let example = self.desc.filters.first().map_or("p", |f| f.param.as_str());
                self.error(span, "a draw table needs `draw`").hint = Some(format!(
                    "for example `{example} = {{ draw = \"shared\" }}`; a literal value is \
                     written without braces"
                ));
            }
            return None;
        };
        ok.then_some(RawDraw {
            draw,
            containing,
            nth,
            hidden_by,
        })
    }

    fn draw(&mut self, param: &str, d: &RawDraw, span: Range<usize>) -> Option<Draw> {
        let Some(kind) = DrawKind::parse(&d.draw) else {
            let names: Vec<&str> = DrawKind::NAMES.iter().map(|(n, _)| *n).collect();
            let hint = match did_you_mean(&d.draw, &names) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("draws: {}", names.join(", ")),
            };
            let msg = format!("unknown draw `{}`", d.draw);
            self.error(span, msg).hint = Some(hint);
            return None;
        };
        let nth = match d.nth {
            None => None,
            Some(n) if n >= 0 => Some(n as usize),
            Some(_) => {
                self.error(span, "`nth` must be 0 or more").hint =
                    Some("`nth = 0` picks the first candidate in sorted order".into());
                return None;
            }
        };
        if d.containing.is_some() && !kind.narrows() {
            self.error(
                span,
                format!("`containing` does not apply to draw `{}`", kind.name()),
            )
            .hint = Some("`containing` narrows draws: value, prefix, other-case, hidden".into());
            return None;
        }
        // `hidden_by` names a hidden rule of the contract, on a `hidden` draw.
        let desc = self.desc;
        let hidden_by = match &d.hidden_by {
            None => None,
            Some(r) => {
                let rules: Vec<String> = desc.hidden.iter().map(|h| h.rule.to_string()).collect();
                let rule = Rule::parse(r).filter(|r| desc.hidden.iter().any(|h| h.rule == *r));
                if kind != DrawKind::Hidden || rule.is_none() {
                    self.error(
                        span,
                        format!("`hidden_by = \"{r}\"` needs draw `hidden` and a hidden rule"),
                    )
                    .hint = Some(format!(
                        "the contract's hidden rules: {}",
                        if rules.is_empty() {
                            "none".to_string()
                        } else {
                            rules.join(", ")
                        }
                    ));
                    return None;
                }
                rule
            }
        };
        // The draw must fit the parameter it stands in for, as the contract reads it.
        let paging: Vec<&str> = desc
            .start
            .iter()
            .map(|s| s.param.as_str())
            .chain(desc.limit.iter().map(|l| l.param.as_str()))
            .collect();
        let fits = if kind.paging() {
            paging.contains(&param)
        } else {
            desc.filter(param).is_some()
        };
        if !fits {
            let (what, plural, those) = if kind.paging() {
                ("a paging parameter", "paging parameters", paging)
            } else {
                (
                    "a filter parameter",
                    "filter parameters",
                    desc.filters.iter().map(|f| f.param.as_str()).collect(),
                )
            };
            self.error(
                span,
                format!(
                    "draw `{}` stands in for {what}, and `{param}` is not one",
                    kind.name()
                ),
            )
            .hint = Some(format!("{plural} of this contract: {}", those.join(", ")));
            return None;
        }
        Some(Draw {
            kind,
            containing: d.containing.clone(),
            nth,
            hidden_by,
        })
    }

    fn expect(&mut self, raw: Option<RawExpect>) -> Expect {
        let mut e = Expect {
            status: vec![200],
            status_loc: None,
            results: ResultsExpect::Some,
            pages: Vec::new(),
            pages_loc: None,
            repeat: 1,
        };
        let Some(raw) = raw else { return e };
        if let Some(s) = raw.status {
            let list = s.get_ref().clone();
            e.status_loc = Some(self.loc(&s.span()));
            if list.is_empty() || list.iter().any(|n| !(100..=599).contains(n)) {
                self.error(
                    s.span(),
                    "`status` must list HTTP statuses between 100 and 599",
                )
                .hint = Some("for example `status = 200` or `status = [401, 403]`".into());
            } else {
                e.status = list.into_iter().map(|n| n as u16).collect();
            }
        }
        let wants_list = e.status.first() == Some(&200);
        if let Some(r) = raw.results {
            e.results = match r.get_ref().as_str() {
                "some" => ResultsExpect::Some,
                "none" => ResultsExpect::None,
                "any" => ResultsExpect::Any,
                other => {
                    let msg = format!("unknown `results` value `{other}`");
                    self.error(r.span(), msg).hint =
                        Some("`some` (default), `none` or `any`".into());
                    ResultsExpect::Some
                }
            };
            if !wants_list {
                self.error(r.span(), "`results` needs `status = 200`").hint =
                    Some("an error answer has no instances to count".into());
            }
        }
        if let Some(p) = raw.pages {
            e.pages_loc = Some(self.loc(&p.span()));
            if p.get_ref().iter().any(|n| !(1..=10_000).contains(n)) || p.get_ref().is_empty() {
                self.error(p.span(), "`pages` lists page sizes from 1 to 10000")
                    .hint = Some("for example `pages = [1, 3]`".into());
            } else {
                e.pages = p.get_ref().iter().map(|n| *n as u32).collect();
            }
            if !wants_list {
                self.error(p.span(), "`pages` needs `status = 200`").hint =
                    Some("pages are walked through a query that succeeds".into());
            }
        }
        if let Some(r) = raw.repeat {
            if !(1..=20).contains(r.get_ref()) {
                self.error(r.span(), "`repeat` must be between 1 and 20")
                    .hint = Some("for example `repeat = 3`".into());
            } else {
                e.repeat = *r.get_ref() as u32;
            }
            if !wants_list {
                self.error(r.span(), "`repeat` needs `status = 200`").hint =
                    Some("a repeat checks that a list keeps its order (C8)".into());
            }
        }
        e
    }

    /// A query parameter the contract does not list is sent only by a case about unknown
    /// parameters (one citing the AND rule, C7 / V11); anywhere else it is most likely a
    /// misspelling that would quietly test something else (`isExactMatchNmae` = fuzzy).
    fn unlisted_params(
        &mut self,
        query: &[Param],
        raw_query: Option<(&str, Range<usize>)>,
        rules: &[Rule],
        contract: &Contract,
    ) {
        let desc = contract.desc();
        if rules.contains(&desc.and_rule) {
            return;
        }
        let listed: Vec<String> = contract
            .query_schema()
            .get("properties")
            .and_then(serde_json::Value::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        if listed.is_empty() {
            return;
        }
        let known = |name: &str| {
            listed.iter().any(|l| l == name)
                || desc
                    .filters
                    .iter()
                    .any(|f| f.alias.as_deref() == Some(name))
        };
        let candidates: Vec<&str> = listed.iter().map(String::as_str).collect();
        let report = |this: &mut Self, name: &str, span: Option<Range<usize>>| {
            let message = format!("query parameter `{name}` is not one the contract lists");
            let hint = match crate::diag::did_you_mean(name, &candidates) {
                Some(s) => format!(
                    "did you mean `{s}`? (to send a parameter the page does not list on purpose, cite {})",
                    desc.and_rule
                ),
                None => format!(
                    "the contract lists {}; to send another on purpose, cite {} (unknown parameters are ignored)",
                    candidates.join(", "),
                    desc.and_rule
                ),
            };
            let d = match span {
                Some(span) => Diagnostic::at_span(this.file, this.text, span, message),
                None => Diagnostic::whole_file(this.file, message),
            };
            this.diags.push(d.with_hint(hint));
        };
        for p in query.iter().filter(|p| !known(&p.name)) {
            let offset = offset_of(self.text, p.loc.at.line, p.loc.at.col);
            report(self, &p.name, Some(offset..offset + p.name.len()));
        }
        // A raw query with a leading `?` is refused on its own already.
        if let Some((raw, span)) = raw_query.filter(|(r, _)| !r.starts_with('?')) {
            for (k, _) in form_urlencoded::parse(raw.as_bytes()) {
                if !known(&k) {
                    report(self, &k, Some(span.clone()));
                }
            }
        }
    }

    /// A literal query that breaks the query schema is only allowed in a case that
    /// expects an error status: otherwise the case itself is wrong.
    fn query_schema(
        &mut self,
        query: &[Param],
        raw_query: Option<(&str, Range<usize>)>,
        expect: &Expect,
        contract: &Contract,
    ) {
        let expects_error = expect.status.iter().any(|s| *s >= 400);
        if expects_error {
            return;
        }
        let mut object = serde_json::Map::new();
        let mut locs = Vec::new();
        if let Some((raw, _)) = &raw_query {
            for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
                object.insert(k.into_owned(), v.into_owned().into());
            }
        }
        for p in query {
            if let QueryValue::Literal(v) = &p.value {
                object.insert(p.name.clone(), v.clone().into());
                locs.push(p);
            }
        }
        let value = serde_json::Value::Object(object);
        for v in contract.validate_query(&value) {
            let param = v.pointer.trim_start_matches('/');
            let at = locs
                .iter()
                .find(|p| p.name == param)
                .map(|p| p.loc.at)
                .unwrap_or_default();
            let mut d = Diagnostic::whole_file(
                self.file,
                format!(
                    "query parameter `{param}` breaks the query schema: {}",
                    v.message
                ),
            )
            .with_hint(
                "only a case that expects an error status (e.g. `status = 400`) may send it",
            );
            let span = if at.line > 0 {
                let offset = offset_of(self.text, at.line, at.col);
                Some(offset..offset + param.len())
            } else {
                // Not in `[query]`: it came from `raw_query`.
                raw_query.as_ref().map(|(_, span)| span.clone())
            };
            if let Some(span) = span {
                d = Diagnostic::at_span(self.file, self.text, span, d.message.clone())
                    .with_hint(d.hint.clone().unwrap_or_default());
            }
            self.diags.push(d);
        }
    }
}

/// A TOML value's type with its article: "an integer", "a string".
fn a(v: &DeValue<'_>) -> String {
    let t = v.type_str();
    let article = if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {t}")
}

fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset
                + l.char_indices()
                    .nth(col.saturating_sub(1))
                    .map_or(0, |(b, _)| b);
        }
        offset += l.len();
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Case, Vec<Diagnostic>> {
        parse_case("cases/t.toml", text, "t", Contract::embedded())
    }

    #[test]
    fn a_full_case_loads_with_positions() {
        let case = parse(
            "description = \"fuzzy\"\nrules = [\"C2\", \"C7\"]\n\n[query]\nname = { draw = \"shared\" }\nlimit = 5\n\n[expect]\nstatus = 200\npages = [1, 3]\n",
        )
        .unwrap();
        assert_eq!(case.rules, vec![Rule::c(2), Rule::c(7)]);
        assert_eq!(case.query[0].loc.at.line, 5);
        assert_eq!(case.query[1].value, QueryValue::Literal("5".into()));
        assert_eq!(case.expect.pages, vec![1, 3]);
        assert!(case.draws());
    }

    #[test]
    fn unknown_key_gets_a_did_you_mean() {
        let err = parse("description = \"x\"\nrulez = [\"C1\"]\n").unwrap_err();
        assert_eq!(err.len(), 1);
        assert!(
            err[0].message.contains("unknown key `rulez`"),
            "{:?}",
            err[0]
        );
        assert_eq!(err[0].at.line, 2);
        assert_eq!(err[0].hint.as_deref(), Some("did you mean `rules`?"));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = parse(
            "description = \"x\"\nrules = [\"C99\"]\nproject = \"mine\"\n[query]\nname = { draw = \"vlaue\" }\n",
        )
        .unwrap_err();
        let msgs: Vec<_> = err.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs[0].contains("C99"));
        assert!(msgs[1].contains("mine"));
        assert!(msgs[2].contains("vlaue"));
        assert_eq!(err[2].hint.as_deref(), Some("did you mean `value`?"));
    }

    #[test]
    fn schema_breaking_query_needs_an_error_status() {
        let text = "description = \"x\"\nrules = [\"C10\"]\n[query]\nlimit = \"abc\"\n";
        let err = parse(text).unwrap_err();
        assert!(
            err[0].message.contains("`limit` breaks the query schema"),
            "{err:?}"
        );
        assert_eq!(err[0].at.line, 4);
        let ok = format!("{text}[expect]\nstatus = 400\n");
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn credentials_may_not_be_written_in_a_case() {
        let err = parse(
            "description = \"x\"\nrules = [\"C14\"]\nheaders = { \"X-Auth-Token\" = \"abc\" }\n",
        )
        .unwrap_err();
        assert!(err[0].message.contains("carries credentials"));
    }

    /// Every diagnostic for `text`, rendered as the user sees them.
    fn shown(text: &str) -> String {
        let err = parse(text).unwrap_err();
        err.iter()
            .map(std::string::ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    // The tests below pin whole diagnostics. Each message is built by conform from the
    // document's structure; none may be taken from (or decided by) the wording of the
    // toml crate's or serde's messages, so these stay put when a dependency rewords.

    #[test]
    fn a_wrong_type_is_said_in_the_files_words() {
        assert_eq!(
            shown("description = \"x\"\nrules = [\"C7\"]\n[expect]\nrepeat = \"3\"\n"),
            "error: `repeat` must be an integer, not a string (\"3\")\n \
             --> cases/t.toml:4:10\n  |\n4 | repeat = \"3\"\n  |          ^^^\n  \
             = hint: for example: repeat = 3\n"
        );
        assert_eq!(
            shown("description = \"x\"\nrules = [\"C1\", 2]\n"),
            "error: each entry of `rules` must be a string, not an integer (2)\n \
             --> cases/t.toml:2:16\n  |\n2 | rules = [\"C1\", 2]\n  |                ^\n  \
             = hint: for example: rules = [\"C2\", \"C7\"]\n"
        );
        assert_eq!(
            shown("description = 1979-05-27\nrules = [\"C1\"]\n"),
            "error: `description` must be a string, not a date-time (1979-05-27)\n \
             --> cases/t.toml:1:15\n  |\n1 | description = 1979-05-27\n  |               \
             ^^^^^^^^^^\n  = hint: for example: description = \"what the case shows, in one line\"\n"
        );
    }

    #[test]
    fn every_wrong_type_in_a_file_is_reported_not_just_the_first() {
        let err = parse(
            "description = 42\nrules = \"C1\"\nheaders = { \"X-Trace\" = true }\n\
             [expect]\nstatus = \"200\"\npages = [1, 2.5]\n",
        )
        .unwrap_err();
        let msgs: Vec<_> = err.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "`description` must be a string, not an integer (42)",
                "`rules` must be a list, not a string (\"C1\")",
                "`X-Trace` must be a string, not a boolean (true)",
                "`status` must be an HTTP status or a list of them",
                "each entry of `pages` must be an integer, not a float (2.5)",
            ]
        );
        assert_eq!(
            err[2].hint.as_deref(),
            Some("for example: headers = { \"X-Trace\" = \"1\" } (names and values are strings)")
        );
    }

    #[test]
    fn an_unknown_key_is_named_at_its_key_with_the_keys_of_its_table() {
        assert_eq!(
            shown("description = \"x\"\nrules = [\"C7\"]\n[expect]\nrepaet = 3\n"),
            "error: unknown key `repaet`\n --> cases/t.toml:4:1\n  |\n4 | repaet = 3\n  \
             | ^^^^^^\n  = hint: did you mean `repeat`?\n"
        );
        assert_eq!(
            shown("description = \"x\"\nrules = [\"C7\"]\n\"time out\" = 5\n"),
            "error: unknown key `time out`\n --> cases/t.toml:3:1\n  |\n3 | \"time out\" = 5\n  \
             | ^^^^^^^^^^\n  = hint: known keys here: description, rules, project, auth, \
             raw_query, headers, query, expect\n"
        );
    }

    #[test]
    fn a_misspelt_required_key_is_reported_once() {
        let err = parse("descripton = \"x\"\nrules = [\"C1\"]\n").unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert_eq!(err[0].hint.as_deref(), Some("did you mean `description`?"));
        // A key nothing like it does not stand in for the missing one.
        let err = parse("timeout = 5\nrules = [\"C1\"]\n").unwrap_err();
        let msgs: Vec<_> = err.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(msgs, ["unknown key `timeout`", "missing `description`"]);
    }

    #[test]
    fn an_integer_past_64_bits_is_reported_where_it_is_written() {
        let head = "description = \"x\"\nrules = [\"C7\"]\n";
        assert_eq!(
            shown(&format!(
                "{head}[query]\nlimit = 9_223_372_036_854_775_808\n"
            )),
            "error: integer `9_223_372_036_854_775_808` does not fit in 64 bits\n \
             --> cases/t.toml:4:9\n  |\n4 | limit = 9_223_372_036_854_775_808\n  |         \
             ^^^^^^^^^^^^^^^^^^^^^^^^^\n  = hint: quote it to send it as written: \
             limit = \"9_223_372_036_854_775_808\"\n"
        );
        assert_eq!(
            shown(&format!(
                "{head}[expect]\nrepeat = 0x1_0000_0000_0000_0000\n"
            )),
            "error: integer `0x1_0000_0000_0000_0000` does not fit in 64 bits\n \
             --> cases/t.toml:4:10\n  |\n4 | repeat = 0x1_0000_0000_0000_0000\n  |          \
             ^^^^^^^^^^^^^^^^^^^^^^^\n  = hint: for example: repeat = 3\n"
        );
        let err = parse(&format!(
            "{head}[expect]\nstatus = [200, -99999999999999999999]\n"
        ))
        .unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert_eq!(
            err[0].message,
            "integer `-99999999999999999999` does not fit in 64 bits"
        );
        assert_eq!(err[0].at.col, 16);
        let err = parse(&format!(
            "{head}[query]\nid = {{ draw = \"value\", nth = 99999999999999999999 }}\n"
        ))
        .unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert_eq!(
            err[0].message,
            "integer `99999999999999999999` does not fit in 64 bits"
        );
        // The largest and smallest 64-bit integers, in any radix, are sent as numbers.
        let case = parse(&format!(
            "{head}[query]\nlimit = 9_223_372_036_854_775_807\nname = -9223372036854775808\n\
             [expect]\nrepeat = 0x3\n"
        ))
        .unwrap();
        assert_eq!(
            case.query[0].value,
            QueryValue::Literal("9223372036854775807".into())
        );
        assert_eq!(
            case.query[1].value,
            QueryValue::Literal("-9223372036854775808".into())
        );
        assert_eq!(case.expect.repeat, 3);
    }

    #[test]
    fn a_syntax_error_is_worded_by_conform_with_the_parsers_words_as_a_note() {
        let err = parse("description = \"x\"\nrules = [\"C1\"\n").unwrap_err();
        assert_eq!(err.len(), 1);
        let d = &err[0];
        assert_eq!(d.message, "case file is not valid TOML");
        assert_eq!((d.at.line, d.at.col), (2, 14));
        assert!(
            d.note
                .as_deref()
                .is_some_and(|n| n.starts_with("the TOML parser says: ")),
            "{d:?}"
        );
        assert_eq!(
            d.hint.as_deref(),
            Some(
                "strings need double quotes, tables are `[name]`, and every line is `key = value`"
            )
        );
    }

    #[test]
    fn a_key_defined_twice_is_named_whatever_the_parser_calls_it() {
        let dup = |text: &str| {
            let err = parse(text).unwrap_err();
            assert_eq!(err.len(), 1, "{err:?}");
            (err[0].message.clone(), err[0].at.line, err[0].at.col)
        };
        let head = "description = \"x\"\nrules = [\"C1\"]\n";
        assert_eq!(
            dup(&format!("{head}rules = [\"C2\"]\n")),
            ("duplicate key `rules`".into(), 3, 1)
        );
        assert_eq!(
            dup(&format!(
                "{head}[query]\nname = \"a\"\n[query]\nid = \"b\"\n"
            )),
            ("duplicate key `query`".into(), 5, 2)
        );
        assert_eq!(
            dup(&format!(
                "{head}headers = {{ \"X-A\" = \"1\", 'X-A' = \"2\" }}\n"
            )),
            ("duplicate key `X-A`".into(), 3, 26)
        );
        assert_eq!(
            dup(&format!("{head}[query]\nname = \"a\"\nname.x = 1\n")),
            ("duplicate key `name`".into(), 5, 1)
        );
        // An error at a value that happens to look like a key is not a duplicate, even
        // when a key of that name exists.
        assert_eq!(
            dup("description = \"x\"\nrules = [\"C1\"]\n\"1979-13-45\" = 1\nd = 1979-13-45\n").0,
            "case file is not valid TOML"
        );
    }

    /// The text of a dependency's error is read in one place only: the note under a
    /// TOML syntax error. A second use would be a diagnostic that changes when the
    /// dependency rewords its messages.
    #[test]
    fn dependency_error_text_is_only_ever_shown_as_a_note() {
        let source = include_str!("load.rs");
        let uses: Vec<_> = source.match_indices(concat!(".mess", "age()")).collect();
        assert_eq!(uses.len(), 1, "error messages read in several places");
        let not_toml = source.find("fn not_toml(").unwrap();
        let next_fn = not_toml + source[not_toml..].find("\n}\n").unwrap();
        assert!((not_toml..next_fn).contains(&uses[0].0));
    }

    #[test]
    fn empty_file_is_an_error() {
        let err = parse("  \n").unwrap_err();
        assert_eq!(err[0].message, "case file is empty");
    }
}
