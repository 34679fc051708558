//! Loading case files: TOML with spans, validated field by field, every problem collected
//! (not just the first) so a user fixes a whole suite in one pass.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use serde::Deserialize;
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
            LoadError::Folder { .. } => &[],
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    description: Option<Spanned<String>>,
    rules: Option<Spanned<Vec<Spanned<String>>>>,
    project: Option<Spanned<String>>,
    auth: Option<Spanned<String>>,
    raw_query: Option<Spanned<String>>,
    #[serde(default)]
    headers: IndexMap<Spanned<String>, Spanned<String>>,
    // Values are read as any TOML value and sorted out by hand: serde's untagged enums
    // would turn every mistake inside a draw table (a misspelt key, a number for a
    // name) into one vague "did not match any variant".
    #[serde(default)]
    query: IndexMap<Spanned<String>, Spanned<toml::Value>>,
    expect: Option<RawExpect>,
}

/// A draw table, as far as it could be read. Errors point at the whole table: values
/// inside a `toml::Value` carry no spans.
struct RawDraw {
    draw: String,
    containing: Option<String>,
    nth: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    status: Option<Spanned<RawStatus>>,
    results: Option<Spanned<String>>,
    #[serde(default)]
    pages: Option<Spanned<Vec<i64>>>,
    repeat: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawStatus {
    One(i64),
    Many(Vec<i64>),
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
const DRAW_KEYS: [&str; 3] = ["draw", "containing", "nth"];
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
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
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
                "a case needs at least `description` and `rules`; see the README",
            )]);
    }
    let raw: RawCase = toml::from_str(text).map_err(|e| vec![toml_error(file, text, &e)])?;
    Validator {
        file,
        text,
        shared: Arc::from(file),
        diags: Vec::new(),
        desc: contract.desc(),
    }
    .case(raw, name, contract)
}

/// The contract's rule ids as a range, e.g. `C1..C14`.
fn rule_range(desc: &crate::contract::Desc) -> String {
    match (desc.rules.first(), desc.rules.last()) {
        (Some((a, _)), Some((b, _))) => format!("{a}..{b}"),
        _ => "none".into(),
    }
}

fn toml_error(file: &str, text: &str, e: &toml::de::Error) -> Diagnostic {
    let message = e.message().trim().to_string();
    let span = e.span().unwrap_or(0..0);
    let spanned = text.get(span.clone()).unwrap_or("").trim();
    if message.starts_with("invalid type: integer") && message.contains(" as i128") {
        let key = key_at(text, span.start).unwrap_or_else(|| "value".into());
        return Diagnostic::at_span(
            file,
            text,
            span,
            format!("integer `{spanned}` does not fit in 64 bits"),
        )
        .with_hint(format!(
            "quote it to send it as written: {key} = \"{spanned}\""
        ));
    }
    if let Some(d) = wrong_type(file, text, &span, &message) {
        return d;
    }
    if message == "duplicate key" {
        let key = spanned.trim_matches(['[', ']', '"', '\'']);
        return Diagnostic::at_span(file, text, span, format!("duplicate key `{key}`"))
            .with_hint("a key may appear once in its table, and a table header once per file");
    }
    // serde says "unknown field `rulez`, expected one of `a`, `b`": turn it into a short
    // message and a "did you mean" hint.
    if let Some(rest) = message.strip_prefix("unknown field `") {
        if let Some((field, _)) = rest.split_once('`') {
            let candidates: &[&str] =
                if EXPECT_KEYS.contains(&field) || message.contains("`results`") {
                    &EXPECT_KEYS
                } else if message.contains("`nth`") {
                    &DRAW_KEYS
                } else {
                    &TOP_KEYS
                };
            let d = Diagnostic::at_span(file, text, span, format!("unknown key `{field}`"));
            return match did_you_mean(field, candidates) {
                Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                None => d.with_hint(format!("known keys here: {}", candidates.join(", "))),
            };
        }
    }
    if message.contains("untagged enum RawStatus") {
        return Diagnostic::at_span(
            file,
            text,
            span,
            "`status` must be an HTTP status or a list of them",
        )
        .with_hint("for example `status = 200` or `status = [401, 403]`");
    }
    // Anything else is TOML syntax, already located and worded by the parser.
    Diagnostic::at_span(file, text, span, message.replace('\n', " ")).with_hint(
        "this is not valid TOML: strings need double quotes, tables are `[name]`, \
         and every line is `key = value`",
    )
}

/// serde's "invalid type: integer `42`, expected a string", said about the key the
/// user wrote: "`description` must be a string, not an integer (42)", with an example.
fn wrong_type(file: &str, text: &str, span: &Range<usize>, message: &str) -> Option<Diagnostic> {
    let rest = message.strip_prefix("invalid type: ")?;
    let (found, expected) = rest.split_once(", expected ")?;
    let found = match found.split_once(' ') {
        Some(("integer", v)) => format!("an integer ({})", v.trim_matches('`')),
        Some(("floating", v)) => format!(
            "a float ({})",
            v.trim_start_matches("point ").trim_matches('`')
        ),
        Some(("string", v)) => format!("a string ({v})"),
        Some(("boolean", v)) => format!("a boolean ({})", v.trim_matches('`')),
        _ if found == "sequence" => "a list".into(),
        _ if found == "map" => "a table".into(),
        _ => found.to_string(),
    };
    let expected = match expected {
        "a sequence" => "a list",
        "a map" => "a table",
        e if e.starts_with("struct ") => "a table",
        e if e.starts_with('i') || e.starts_with('u') => "an integer",
        e => e,
    };
    let key = key_at(text, span.start);
    let in_list = text[..span.start.min(text.len())]
        .rsplit('\n')
        .next()
        .and_then(|line| line.rsplit_once('='))
        .is_some_and(|(_, after)| after.contains('['));
    let subject = match (&key, in_list) {
        (Some(k), true) => format!("each entry of `{k}`"),
        (Some(k), false) => format!("`{k}`"),
        (None, _) => "this value".into(),
    };
    let d = Diagnostic::at_span(
        file,
        text,
        span.clone(),
        format!("{subject} must be {expected}, not {found}"),
    );
    let example = match key.as_deref().map(|k| k.rsplit('.').next().unwrap_or(k)) {
        Some("description") => "description = \"what the case shows, in one line\"",
        Some("rules") => "rules = [\"C2\", \"C7\"]",
        Some("project") => "project = \"main\" or project = \"other\"",
        Some("auth") => "auth = \"configured\", \"none\" or \"wrong\"",
        Some("raw_query") => "raw_query = \"name=&status=\"",
        Some("query") => "a `[query]` table: one `name = value` line per parameter",
        Some("expect") => "an `[expect]` table: `[expect]` on its own line, then `status = 200`",
        Some("pages") => "pages = [1, 3]",
        Some("repeat") => "repeat = 3",
        Some("results") => "results = \"some\", \"none\" or \"any\"",
        _ if key.as_deref().is_some_and(|k| k.starts_with("headers"))
            || in_headers(text, span.start) =>
        {
            "headers = { \"X-Trace\" = \"1\" } (names and values are strings)"
        }
        _ => return Some(d.with_hint("see the case-file reference in the README")),
    };
    Some(d.with_hint(format!("for example: {example}")))
}

/// The key a value at `offset` belongs to, as far as one line shows it: `rules` in
/// `rules = [1, 2]`, `X-Trace` in `headers = { "X-Trace" = 1 }`.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let line = text[..offset.min(text.len())].rsplit('\n').next()?;
    let (before, _) = line.rsplit_once('=')?;
    let key = before
        .rsplit(['{', ','])
        .next()?
        .trim()
        .trim_matches(['"', '\'']);
    (!key.is_empty()).then(|| key.to_string())
}

/// True when `offset` sits inside the `headers` table or inline table.
fn in_headers(text: &str, offset: usize) -> bool {
    let before = &text[..offset.min(text.len())];
    let line = before.rsplit('\n').next().unwrap_or("");
    if line.trim_start().starts_with("headers") {
        return true;
    }
    before
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('['))
        .is_some_and(|l| l.trim() == "[headers]")
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

    fn case(
        mut self,
        raw: RawCase,
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
            None => {
                self.diags.push(
                    Diagnostic::whole_file(self.file, "missing `description`")
                        .with_hint("say in one line what the case shows: description = \"...\""),
                );
                (String::new(), self.loc(&(0..0)))
            }
        };

        let mut rules = Vec::new();
        for r in raw.rules.iter().flat_map(|r| r.get_ref()) {
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
        match &raw.rules {
            None => self.diags.push(
                Diagnostic::whole_file(self.file, "missing `rules`")
                    .with_hint("name the rules the case exercises, e.g. rules = [\"C2\"]"),
            ),
            Some(r) if r.get_ref().is_empty() => {
                self.error(r.span(), "`rules` is empty").hint =
                    Some("name the rules the case exercises, e.g. rules = [\"C2\"]".into());
            }
            Some(_) => {}
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
            Some(a) => match a.get_ref().as_str() {
                "configured" => AuthSel::Configured,
                "none" => AuthSel::None,
                "wrong" => AuthSel::Wrong,
                other => {
                    let msg = format!("unknown auth `{other}`");
                    self.error(a.span(), msg).hint =
                        Some("`configured` (default), `none` or `wrong`".into());
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

        let raw_query_span = raw.raw_query.as_ref().map(|r| r.span());
        let raw_query = raw.raw_query.map(|r| {
            self.raw_query(&r);
            r.into_inner()
        });

        self.query_schema(
            &query,
            raw_query.as_deref().zip(raw_query_span),
            &expect,
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
    fn query_value(&mut self, key: &str, v: &Spanned<toml::Value>) -> Option<QueryValue> {
        use toml::Value as T;
        let found = match v.get_ref() {
            T::String(s) => return Some(QueryValue::Literal(s.clone())),
            T::Integer(i) => return Some(QueryValue::Literal(i.to_string())),
            T::Boolean(b) => return Some(QueryValue::Literal(b.to_string())),
            T::Table(t) => {
                let d = self.draw_table(t, v.span())?;
                return self.draw(key, &d, v.span()).map(QueryValue::Drawn);
            }
            T::Float(f) => format!("a float ({f})"),
            T::Datetime(d) => format!("a date-time ({d})"),
            T::Array(_) => "a list".to_string(),
        };
        let hint = match v.get_ref() {
            T::Array(_) => {
                "a parameter is sent once; to send it twice, write both in `raw_query`".to_string()
            }
            other => format!(
                "quote it to send it as written: {key} = \"{}\"",
                text_of(other)
            ),
        };
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
    fn draw_table(&mut self, t: &toml::Table, span: Range<usize>) -> Option<RawDraw> {
        let mut ok = true;
        for key in t.keys() {
            if !DRAW_KEYS.contains(&key.as_str()) {
                let hint = match did_you_mean(key, &DRAW_KEYS) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("a draw table has: {}", DRAW_KEYS.join(", ")),
                };
                self.error(span.clone(), format!("unknown key `{key}` in a draw"))
                    .hint = Some(hint);
                ok = false;
            }
        }
        let mut text = |key: &str| match t.get(key) {
            None => None,
            Some(toml::Value::String(s)) => Some(s.clone()),
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
        let nth = match t.get("nth") {
            None => None,
            Some(toml::Value::Integer(n)) => Some(*n),
            Some(other) => {
                let msg = format!("`nth` in a draw must be an integer, not {}", a(other));
                self.error(span.clone(), msg).hint =
                    Some("for example `{ draw = \"value\", nth = 0 }`".into());
                ok = false;
                None
            }
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
        })
    }

    fn draw(&mut self, param: &str, d: &RawDraw, span: Range<usize>) -> Option<Draw> {
        let kind = match DrawKind::parse(&d.draw) {
            Some(k) => k,
            None => {
                let names: Vec<&str> = DrawKind::NAMES.iter().map(|(n, _)| *n).collect();
                let hint = match did_you_mean(&d.draw, &names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("draws: {}", names.join(", ")),
                };
                let msg = format!("unknown draw `{}`", d.draw);
                self.error(span, msg).hint = Some(hint);
                return None;
            }
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
        // The draw must fit the parameter it stands in for, as the contract reads it.
        let desc = self.desc;
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
            let list = match s.get_ref() {
                RawStatus::One(n) => vec![*n],
                RawStatus::Many(v) => v.clone(),
            };
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
fn a(v: &toml::Value) -> String {
    let t = v.type_str();
    let article = if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {t}")
}

/// A TOML value as it would be written between quotes.
fn text_of(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
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
        assert_eq!(case.rules, vec![Rule(2), Rule(7)]);
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

    #[test]
    fn empty_file_is_an_error() {
        let err = parse("  \n").unwrap_err();
        assert_eq!(err[0].message, "case file is empty");
    }
}
