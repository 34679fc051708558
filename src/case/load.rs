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
    #[serde(default)]
    rules: Vec<Spanned<String>>,
    project: Option<Spanned<String>>,
    auth: Option<Spanned<String>>,
    raw_query: Option<Spanned<String>>,
    #[serde(default)]
    headers: IndexMap<String, Spanned<String>>,
    #[serde(default)]
    query: IndexMap<Spanned<String>, Spanned<RawValue>>,
    expect: Option<RawExpect>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawValue {
    Text(String),
    Int(i64),
    Bool(bool),
    Draw(RawDraw),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDraw {
    // No spans inside: an untagged enum buffers its content, which drops them; errors
    // point at the whole draw table instead.
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
/// they never end up in a committed file.
const SECRET_HEADERS: [&str; 3] = ["x-auth-token", "authorization", "x-security-token"];

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
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let off = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&e.as_bytes()[..off]).into_owned();
            let at = line_col(&valid, off);
            let mut d = Diagnostic::whole_file(
                &shown,
                format!("case file is not valid UTF-8 (byte {off})"),
            );
            d.at = at;
            return Err(vec![d.with_hint("save the file as UTF-8")]);
        }
    };
    parse_case(&shown, &text, name, contract)
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
    }
    .case(raw, name, contract)
}

fn toml_error(file: &str, text: &str, e: &toml::de::Error) -> Diagnostic {
    let message = e.message().trim().to_string();
    let span = e.span().unwrap_or(0..0);
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
    if message.contains("did not match any variant of untagged enum RawValue") {
        return Diagnostic::at_span(file, text, span, "a query value must be a string, an integer, a boolean or a draw table")
            .with_hint("for example `name = \"dcs-01\"`, `limit = 5` or `name = { draw = \"name-substring\" }`");
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
    Diagnostic::at_span(file, text, span, message.replace('\n', " "))
}

struct Validator<'a> {
    file: &'a str,
    text: &'a str,
    shared: Arc<str>,
    diags: Vec<Diagnostic>,
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
        for r in &raw.rules {
            match Rule::parse(r.get_ref()) {
                Some(rule) => rules.push(rule),
                None => {
                    self.error(r.span(), format!("unknown rule `{}`", r.get_ref()))
                        .hint = Some("rules are C1..C14, as in the contract notes".into());
                }
            }
        }
        if raw.rules.is_empty() {
            self.diags.push(
                Diagnostic::whole_file(self.file, "missing `rules`")
                    .with_hint("name the rules the case exercises, e.g. rules = [\"C2\"]"),
            );
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
            if SECRET_HEADERS.contains(&k.to_ascii_lowercase().as_str()) {
                self.error(v.span(), format!("header `{k}` carries credentials"))
                    .hint = Some(
                    "credentials come from --token-env / the environment, never from a case file"
                        .into(),
                );
            } else {
                headers.push((k.clone(), v.get_ref().clone()));
            }
        }

        let expect = self.expect(raw.expect);

        let mut query = Vec::new();
        for (k, v) in raw.query {
            let loc = self.loc(&k.span());
            let value = match v.get_ref() {
                RawValue::Text(s) => QueryValue::Literal(s.clone()),
                RawValue::Int(i) => QueryValue::Literal(i.to_string()),
                RawValue::Bool(b) => QueryValue::Literal(b.to_string()),
                RawValue::Draw(d) => match self.draw(d, v.span()) {
                    Some(d) => QueryValue::Drawn(d),
                    None => continue,
                },
            };
            query.push(Param {
                name: k.into_inner(),
                value,
                loc,
            });
        }

        let raw_query = raw.raw_query.map(|r| {
            if r.get_ref().starts_with('?') {
                self.error(r.span(), "`raw_query` starts with `?`").hint =
                    Some("write the query string without the leading `?`".into());
            }
            r.into_inner()
        });

        self.query_schema(&query, raw_query.as_deref(), &expect, contract);

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

    fn draw(&mut self, d: &RawDraw, span: Range<usize>) -> Option<Draw> {
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
                self.error(span, "`nth` must be 0 or more");
                return None;
            }
        };
        if d.containing.is_some()
            && !matches!(
                kind,
                DrawKind::Name
                    | DrawKind::NamePrefix
                    | DrawKind::NameOtherCase
                    | DrawKind::FailedName
            )
        {
            self.error(
                span,
                format!("`containing` does not apply to draw `{}`", kind.name()),
            )
            .hint = Some(
                "`containing` narrows name draws: name, name-prefix, name-other-case, failed-name"
                    .into(),
            );
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
                );
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
                self.error(p.span(), "`pages` lists page sizes from 1 to 10000");
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
                self.error(r.span(), "`repeat` must be between 1 and 20");
            } else {
                e.repeat = *r.get_ref() as u32;
            }
            if !wants_list {
                self.error(r.span(), "`repeat` needs `status = 200`");
            }
        }
        e
    }

    /// A literal query that breaks the query schema is only allowed in a case that
    /// expects an error status: otherwise the case itself is wrong.
    fn query_schema(
        &mut self,
        query: &[Param],
        raw_query: Option<&str>,
        expect: &Expect,
        contract: &Contract,
    ) {
        let expects_error = expect.status.iter().any(|s| *s >= 400);
        if expects_error {
            return;
        }
        let mut object = serde_json::Map::new();
        let mut locs = Vec::new();
        if let Some(raw) = raw_query {
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
            if at.line > 0 {
                let offset = offset_of(self.text, at.line, at.col);
                d = Diagnostic::at_span(
                    self.file,
                    self.text,
                    offset..offset + param.len(),
                    d.message.clone(),
                )
                .with_hint(d.hint.clone().unwrap_or_default());
            }
            self.diags.push(d);
        }
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
            "description = \"fuzzy\"\nrules = [\"C2\", \"C7\"]\n\n[query]\nname = { draw = \"name-substring\" }\nlimit = 5\n\n[expect]\nstatus = 200\npages = [1, 3]\n",
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
            "description = \"x\"\nrules = [\"C99\"]\nproject = \"mine\"\n[query]\nname = { draw = \"nmae\" }\n",
        )
        .unwrap_err();
        let msgs: Vec<_> = err.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs[0].contains("C99"));
        assert!(msgs[1].contains("mine"));
        assert!(msgs[2].contains("nmae"));
        assert_eq!(err[2].hint.as_deref(), Some("did you mean `name`?"));
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
