//! Errors of `conform derive`: what is wrong with a vendor page (always with the file and
//! the line it was found on), with the overlay, or with reading and writing files.
//!
//! A bad page is the user's input being wrong, so every error here maps to exit code 2.

use std::path::PathBuf;

/// Why a page could not be derived, or the derived files not written.
#[derive(Debug, thiserror::Error)]
pub enum DeriveError {
    /// The page (or a page it links to) could not be read at all.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The page was read but says something the parser cannot turn into a contract.
    #[error("{}:{line}: {problem}{}", file.display(), hint_line(problem.hint()))]
    Page {
        file: PathBuf,
        /// 1-based line in `file`.
        line: usize,
        problem: PageProblem,
    },
    /// The hand-written overlay is not what `conform derive` expects.
    #[error("{}: {message}{}", path.display(), hint_line(hint.as_deref()))]
    Overlay {
        path: PathBuf,
        message: String,
        hint: Option<String>,
    },
    /// The page documents several GET requests where one was asked for: `--name` or
    /// `--overlay` (which name the output of one operation), or a caller of
    /// `derive_page` (which returns one).
    #[error(
        "{}: the page documents {} GET requests ({}); {wanted}\nhint: {hint}",
        path.display(),
        names.len(),
        names.join(", ")
    )]
    SeveralRequests {
        path: PathBuf,
        /// The output names of the operations, in page order.
        names: Vec<String>,
        /// What asked for one.
        wanted: &'static str,
        hint: &'static str,
    },
    /// An output file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Something on a page that derive read past, or read one way where the page says two:
/// the schemas are still written (from the tables), and the user is told where to look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub file: PathBuf,
    /// 1-based line in `file`.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

fn hint_line(hint: Option<&str>) -> String {
    match hint {
        Some(h) => format!("\nhint: {h}"),
        None => String::new(),
    }
}

/// What is wrong at one place of a page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageProblem {
    #[error("the file is empty")]
    Empty,
    #[error("the file is not text: {what}")]
    NotText { what: String },
    #[error("no URI line (`GET /path...`) found under a URI heading")]
    NoUri,
    #[error("no parameter table found after the URI line")]
    NoParameterTable,
    #[error("no response table found under the response heading")]
    NoResponseTable,
    #[error("table {table} has no {column} column (its columns are: {found})")]
    MissingColumn {
        table: String,
        column: &'static str,
        found: String,
    },
    #[error("table {table}, row `{row}`: {cells} cells but the header has {columns} columns")]
    RowWidth {
        table: String,
        row: String,
        cells: usize,
        columns: usize,
    },
    #[error("table {table}, row `{row}`: unknown type word `{word}`")]
    UnknownType {
        table: String,
        row: String,
        word: String,
    },
    #[error("table {table}, row `{row}`: cannot read the required flag `{value}`")]
    UnknownRequired {
        table: String,
        row: String,
        value: String,
    },
    #[error("table {table}, row `{row}`: a parameter without a name")]
    EmptyName { table: String, row: String },
    #[error("table {table}: `{name}` is listed twice")]
    DuplicateName { table: String, name: String },
    #[error("malformed HTML: {what}")]
    MalformedHtml { what: String },
    #[error("broken link to `{target}`: {reason}")]
    BrokenLink { target: String, reason: String },
    #[error("the linked page `{target}` has no table to take values from")]
    LinkedPageWithoutTable { target: String },
    #[error("the response example is not JSON: {message}")]
    BadExample { message: String },
    #[error("table {table} describes object `{name}`, but no Array or Object field refers to it")]
    UnusedObjectTable { table: String, name: String },
    #[error("two tables describe object `{name}`")]
    DuplicateObjectTable { name: String },
    #[error("more than one response table names no object ({first} and {second})")]
    TwoRootTables { first: String, second: String },
    #[error("path parameter `{name}` is in the URI but in no parameter table")]
    UndocumentedPathParameter { name: String },
    #[error("no GET request on this page (it describes {found})")]
    NoGetRequest { found: String },
    #[error("the request `{request}` has no JSON response example after it: nothing to infer its response schema from")]
    NoResponseExample { request: String },
    #[error("the request `{request}` has `{segment}` in its path and the page gives no URI template for it (`{{…}}` in its place): its path parameters cannot be told from the values")]
    UntemplatedRequest { request: String, segment: String },
}

impl PageProblem {
    /// A suggestion shown on its own line under the error, when there is one.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            PageProblem::Empty | PageProblem::NotText { .. } => {
                "pass the vendor's Markdown API page (UTF-8 text)"
            }
            PageProblem::NoUri => "the page needs a `## URI` heading followed by a line like `GET /v1.0/{project_id}/instances`",
            PageProblem::NoParameterTable => "the parameter table (参数 | 类型 | 必选 | 说明) must follow the URI line, inside the URI section",
            PageProblem::NoResponseTable => "response tables (参数 | 类型 | 说明) go under a heading that contains 响应",
            PageProblem::MissingColumn { .. } => "accepted headers: 参数/名称, 类型/参数类型, 必选/是否必选 (parameter tables), 说明/描述",
            PageProblem::UnknownType { .. } => "known type words: String, Integer, Long, Float, Double, Number, Boolean, Array, Object, JSON, `Array of X`, `List<X>`, `X[]`",
            PageProblem::UnknownRequired { .. } => "use 是/否 (or Yes/No, true/false)",
            PageProblem::BrokenLink { .. } => "links are relative to the folder of the page that contains them; copy the linked page next to it",
            PageProblem::UnusedObjectTable { .. } => "name the field after the object (`instances` for `instance参数说明`), or give it the type `Array of <name>`",
            PageProblem::MalformedHtml { .. } => "every <table>, <tr>, <th>, <td>, <p>, <ul> and <li> needs its closing tag",
            PageProblem::NoGetRequest { .. } => "derive writes schemas for GET requests; a page without a URI section is read for its GET request lines (`GET /v2/{project_id}/…`)",
            PageProblem::NoResponseExample { .. } => "a page without parameter and response tables is read from its examples: each GET request line needs a JSON code block after it (its response example)",
            PageProblem::UntemplatedRequest { .. } => "a request line with concrete values is read with the template the page gives for it (`URI格式：GET /v2/{project_id}/…`, or `GET /v2/{project_id}/…` in a sentence)",
            _ => return None,
        })
    }
}
