//! From page structure to an operation: the URI line, the path and query parameters, the
//! response object tables with their fields, the examples, and the pages linked for value
//! lists. Everything here is read from the page's shape (sections, captions, column
//! headers, prose phrasings); nothing knows the field names of any particular page.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::error::{DeriveError, PageProblem, Warning};
use super::html::{Cell, HtmlRow};
use super::page::{self, Block, Page, Section, Table};
use super::prose::{self, Format};
use super::types::{self, DocType, Element, Scalar};

/// One documented operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The page's file name, cited in `x-source` annotations.
    pub page_file: String,
    pub title: String,
    /// The first paragraph under the title.
    pub summary: Option<String>,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path template, e.g. `/v1.0/{project_id}/instances`.
    pub path: String,
    pub uri_line: usize,
    pub path_params: Vec<Field>,
    pub query_params: Vec<Field>,
    /// Numbers of the parameter tables, for annotations.
    pub param_tables: Vec<u32>,
    /// The response body's own table (empty, numbered 0, when the operation is
    /// [`inferred`](Operation::inferred) from a walkthrough's example).
    pub response: ObjectTable,
    /// Tables that describe named objects (`instance参数说明`), in page order.
    pub objects: Vec<ObjectTable>,
    /// The example request line (`GET /v1.0/…?start=1&…`), when the page has one.
    pub example_request: Option<String>,
    /// The response example, when the page has one (and it is JSON).
    pub response_example: Option<Value>,
    /// The line of the response example's code block.
    pub response_example_line: Option<usize>,
    /// The success status code and its description from the status-code table.
    pub success: Option<(String, String)>,
    /// Every row of the status-code table: (code, description).
    pub status_descriptions: Vec<(String, String)>,
    /// File names of the pages followed for value lists, in first-use order.
    pub linked_pages: Vec<String>,
    /// The error statuses the page documents with a body table of their own
    /// (`**状态码： 400**` and its `响应Body参数` table), in page order.
    pub errors: Vec<ErrorResponse>,
    /// What derive read past or read one way where the page says two.
    pub warnings: Vec<Warning>,
    /// Set when the page describes the request in prose, without parameter or response
    /// tables (a walkthrough): the schemas are then inferred from the request lines and
    /// the response example, not read from tables.
    pub inferred: Option<Inferred>,
}

/// Where an operation read from a walkthrough comes from (see `walkthrough.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inferred {
    /// The line that gives the path template (`URI格式：GET /v2/{project_id}/…`, a request
    /// line, or a sentence that names the request).
    pub template_line: usize,
    /// The example request with concrete values (`GET https://…/v2/6664…/flavors?capacity=2`),
    /// when the page gives one apart from the template.
    pub example_line: Option<usize>,
    /// The heading of the step the request is in (`步骤5：查询创建结果`).
    pub step: Option<String>,
}

/// An error status the page documents with its own body table.
#[derive(Debug, Clone)]
pub struct ErrorResponse {
    /// `400`, `401`, ...
    pub status: String,
    pub body: ObjectTable,
    /// Tables of named objects under the same status.
    pub objects: Vec<ObjectTable>,
}

/// A table of fields: the response body or a named object.
#[derive(Debug, Clone)]
pub struct ObjectTable {
    /// `None` for the response body itself.
    pub name: Option<String>,
    pub number: u32,
    pub caption: String,
    pub line: usize,
    pub fields: Vec<Field>,
    /// Further field names the caption gives the object (`free_trials和one_yuan_trials中的参数说明`).
    pub aliases: Vec<String>,
}

/// One row of a parameter or response table.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub line: usize,
    /// The number of the table the row is in.
    pub table: u32,
    /// The type word as written.
    pub type_word: String,
    pub doc_type: DocType,
    pub required: bool,
    pub description: String,
    /// Values the page lists or links to.
    pub values: Option<Values>,
    pub format: Option<Format>,
    pub minimum: Option<i64>,
    pub maximum: Option<i64>,
    pub default: Option<String>,
    /// Cross-references the page makes but that are not value lists (kept as annotations).
    pub see: Vec<String>,
    /// The named object this field's value (or element) is, once resolved.
    pub object: Option<String>,
    /// Why the value may be `null`, in the order derive found it: empty when the page
    /// never says so.
    pub null_because: Vec<NullBecause>,
}

/// What on the page says a field's value may be `null`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NullBecause {
    /// A sentence of the field's description cell, as the vendor wrote it
    /// (`如果未开启公网访问功能，该字段值为null。`).
    Description(String),
    /// The response example (its code block's line) shows `null` at this JSON pointer
    /// (the first place, when several elements do).
    Example { line: usize, pointer: String },
}

impl std::fmt::Display for NullBecause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NullBecause::Description(sentence) => {
                write!(f, "the description says: {sentence}")
            }
            NullBecause::Example { line, pointer } => {
                write!(
                    f,
                    "the response example (line {line}) shows null at {pointer}"
                )
            }
        }
    }
}

/// An enumeration and, when it comes from another page, where.
#[derive(Debug, Clone)]
pub struct Values {
    pub values: Vec<Value>,
    /// `缓存实例状态说明.md, Table 1` for a linked table; `None` when the cell lists them.
    pub source: Option<String>,
}

impl Field {
    /// Whether the value may be `null` (the page says so in a description or an example).
    pub fn nullable(&self) -> bool {
        !self.null_because.is_empty()
    }

    /// The scalar kind of the field's values (for enums and wire checks), if scalar.
    pub fn scalar(&self) -> Option<Scalar> {
        match &self.doc_type {
            DocType::Scalar(s) => Some(*s),
            _ => None,
        }
    }
}

/// Column positions of a table, found by header name so any column order works.
struct Columns {
    name: usize,
    ty: usize,
    required: Option<usize>,
    description: Option<usize>,
}

const NAME_HEADERS: &[&str] = &[
    "参数",
    "参数名",
    "参数名称",
    "名称",
    "字段",
    "字段名",
    "parameter",
    "name",
];
const TYPE_HEADERS: &[&str] = &["类型", "参数类型", "数据类型", "type"];
const REQUIRED_HEADERS: &[&str] = &[
    "必选",
    "是否必选",
    "必填",
    "是否必填",
    "mandatory",
    "required",
];
const DESCRIPTION_HEADERS: &[&str] = &["说明", "描述", "参数说明", "description"];

fn label(table: &Table) -> String {
    if table.caption.is_empty() {
        format!("{}", table.number)
    } else {
        format!("{} ({})", table.number, table.caption)
    }
}

fn columns(page: &Page, table: &Table, need_required: bool) -> Result<Columns, DeriveError> {
    let find = |names: &[&str]| {
        table
            .html
            .header
            .iter()
            .position(|h| names.contains(&h.trim().to_lowercase().as_str()))
    };
    let missing = |column: &'static str| {
        page.error(
            table.line,
            PageProblem::MissingColumn {
                table: label(table),
                column,
                found: table.html.header.join(", "),
            },
        )
    };
    let name = find(NAME_HEADERS).ok_or_else(|| missing("参数 (name)"))?;
    let ty = find(TYPE_HEADERS).ok_or_else(|| missing("类型 (type)"))?;
    let required = find(REQUIRED_HEADERS);
    if need_required && required.is_none() {
        return Err(missing("必选 (required)"));
    }
    Ok(Columns {
        name,
        ty,
        required,
        description: find(DESCRIPTION_HEADERS),
    })
}

/// Reads pages linked for value lists once each, and collects the warnings.
struct Links {
    cache: BTreeMap<PathBuf, Option<Values>>,
    /// Per folder, the pages by the name the vendor publishes them under (their title's
    /// anchor), read at the first link to the vendor's site.
    published: BTreeMap<PathBuf, BTreeMap<String, PathBuf>>,
    order: Vec<String>,
    warnings: Vec<Warning>,
}

impl Links {
    fn new() -> Links {
        Links {
            cache: BTreeMap::new(),
            published: BTreeMap::new(),
            order: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn warn(&mut self, page: &Page, line: usize, message: String) {
        self.warnings.push(Warning {
            file: page.path.clone(),
            line,
            message,
        });
    }

    /// The page of the folder a link names: a relative path (`缓存实例状态说明.md`), or the
    /// address the vendor publishes a page under
    /// (`https://support.huaweicloud.com/api-dcs/dcs-api-0312047.html`) when a page of the
    /// folder carries that name as its title's anchor. `None` for other addresses: a
    /// cross-reference.
    fn target(&mut self, page: &Page, href: &str) -> Option<PathBuf> {
        let Some((_, address)) = href.split_once("://") else {
            return Some(page.dir().join(href));
        };
        let name = address.rsplit('/').next()?.strip_suffix(".html")?;
        let dir = page.dir().to_path_buf();
        let index = self
            .published
            .entry(dir.clone())
            .or_insert_with(|| published_names(&dir));
        index.get(name).cloned()
    }

    /// The values of the first table of the page `target` (a page linked as `href`). A
    /// page that is not there leaves the values open, with a warning (the schema then
    /// accepts any value); a page whose first table is not a table of values (none, or a
    /// field table: an API page) is a cross-reference, not a value list (`None`, no
    /// warning).
    fn values(
        &mut self,
        page: &Page,
        line: usize,
        href: &str,
        target: PathBuf,
        kind: Scalar,
    ) -> Result<Option<Values>, DeriveError> {
        if let Some(v) = self.cache.get(&target) {
            let v = v.clone();
            if v.is_none() && !target.is_file() {
                self.warn(page, line, broken_link(href, &target));
            }
            return Ok(v);
        }
        if !target.is_file() {
            self.warn(page, line, broken_link(href, &target));
            self.cache.insert(target, None);
            return Ok(None);
        }
        let linked = page::read(&target)?;
        let table = linked
            .blocks
            .iter()
            .find_map(|(_, b)| match b {
                Block::Table(t) => Some(t),
                _ => None,
            })
            .filter(|t| !is_field_table(t));
        let values: Vec<Value> = table
            .iter()
            .flat_map(|t| t.html.rows.iter())
            .filter_map(|r| r.cells.first())
            .filter_map(|c| prose::literal(c.text.trim(), kind))
            .collect();
        let v = match table {
            Some(table) if !values.is_empty() => {
                self.order.push(linked.file_name.clone());
                Some(Values {
                    values,
                    source: Some(format!("{}, Table {}", linked.file_name, table.number)),
                })
            }
            _ => None,
        };
        self.cache.insert(target, v.clone());
        Ok(v)
    }
}

/// The Markdown pages of a folder by the name of their title's anchor (the first page, in
/// file-name order, when two carry one name).
fn published_names(dir: &std::path::Path) -> BTreeMap<String, PathBuf> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    let mut out = BTreeMap::new();
    for path in pages {
        if let Some(name) = page::title_anchor(&path) {
            out.entry(name).or_insert(path);
        }
    }
    out
}

fn broken_link(href: &str, target: &std::path::Path) -> String {
    format!(
        "the value list linked as `{href}` is not there ({} does not exist); the values are left open\n\
         hint: links are relative to the folder of the page that contains them; copy the linked page next to it",
        target.display()
    )
}

/// Builds the operation a page documents.
pub fn operation(page: &Page) -> Result<Operation, DeriveError> {
    let (method, path, uri_line) = uri(page)?;
    let path_names: Vec<String> = path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_string)
        .collect();
    let mut links = Links::new();

    // Parameter tables: every table of the URI section (older pages have one table for
    // path and query parameters, newer ones one of each).
    // A URI without path parameters may have no table at all (`GET /v2/available-zones`).
    let param_tables: Vec<&Table> = page.tables(Section::Uri).collect();
    if param_tables.is_empty() && !path_names.is_empty() {
        return Err(page.error(uri_line, PageProblem::NoParameterTable));
    }
    let mut path_params = Vec::new();
    let mut query_params = Vec::new();
    for table in &param_tables {
        for field in fields(page, table, true, &mut links)? {
            if path_names.contains(&field.name) {
                path_params.push(Field {
                    required: true,
                    ..field
                });
            } else {
                query_params.push(field);
            }
        }
    }
    for name in &path_names {
        if !path_params.iter().any(|p| &p.name == name) {
            return Err(page.error(
                uri_line,
                PageProblem::UndocumentedPathParameter { name: name.clone() },
            ));
        }
    }

    // Response tables: the success body and its objects, then each error status's body
    // (newer pages put every status's tables under a `状态码： NNN` line of its own).
    let mut groups: Vec<(Option<String>, Vec<&Table>)> = Vec::new();
    for table in page.tables(Section::Response) {
        let status = table.status.clone().filter(|s| !s.starts_with('2'));
        match groups.iter_mut().find(|(s, _)| *s == status) {
            Some((_, tables)) => tables.push(table),
            None => groups.push((status, vec![table])),
        }
    }
    let mut response = None;
    let mut objects = Vec::new();
    let mut errors = Vec::new();
    for (status, tables) in groups {
        let Some((body, objs)) = body_group(page, &tables, &mut links)? else {
            continue;
        };
        match status {
            None => {
                response = Some(body);
                objects = objs;
            }
            Some(status) => errors.push(ErrorResponse {
                status,
                body,
                objects: objs,
            }),
        }
    }
    let Some(mut response) = response else {
        let line = page.heading_line(Section::Response).unwrap_or(1);
        return Err(page.error(line, PageProblem::NoResponseTable));
    };

    let example = response_example(page, &mut links.warnings);
    let response_example_line = example.as_ref().map(|(l, _)| *l);
    let response_example = example.map(|(_, v)| v);
    if let (Some(example), Some(line)) = (&response_example, response_example_line) {
        mark_nullable(example, line, &mut response, &mut objects);
        check_example(
            page,
            example,
            line,
            &response,
            &objects,
            &mut links.warnings,
        );
    }

    Ok(Operation {
        page_file: page.file_name.clone(),
        title: page.title.clone(),
        summary: page.blocks.iter().find_map(|(s, b)| match b {
            Block::Paragraph { text, .. } if *s == Section::Intro => Some(text.clone()),
            _ => None,
        }),
        method,
        path,
        uri_line,
        path_params,
        query_params,
        param_tables: param_tables.iter().map(|t| t.number).collect(),
        response,
        objects,
        example_request: example_request(page),
        response_example,
        response_example_line,
        success: success(page),
        status_descriptions: status_rows(page),
        linked_pages: links.order,
        errors,
        warnings: links.warnings,
        inferred: None,
    })
}

/// The body table and the named-object tables of one status. Tables that are not field
/// tables (an error-code list, a table of one field's values) are read past with a
/// warning; `None` when no field table is left.
fn body_group(
    page: &Page,
    tables: &[&Table],
    links: &mut Links,
) -> Result<Option<(ObjectTable, Vec<ObjectTable>)>, DeriveError> {
    let mut root: Option<ObjectTable> = None;
    let mut objects: Vec<(ObjectTable, Option<String>)> = Vec::new();
    for table in tables {
        if !is_field_table(table) {
            links.warn(
                page,
                table.line,
                format!(
                    "table {} is not a field table (its columns are: {}); not read",
                    label(table),
                    table.html.header.join(", ")
                ),
            );
            continue;
        }
        let (name, aliases) = match object_name(&table.caption) {
            Some((n, a)) => (Some(n), a),
            None => (None, Vec::new()),
        };
        let object = ObjectTable {
            name,
            number: table.number,
            caption: table.caption.clone(),
            line: table.line,
            fields: fields(page, table, false, links)?,
            aliases,
        };
        match &object.name {
            None => {
                if let Some(first) = &root {
                    return Err(page.error(
                        table.line,
                        PageProblem::TwoRootTables {
                            first: format!("table {}", first.number),
                            second: format!("table {}", table.number),
                        },
                    ));
                }
                root = Some(object);
            }
            Some(name) => {
                if objects.iter().any(|(o, _)| o.name.as_ref() == Some(name)) {
                    return Err(page.error(
                        table.line,
                        PageProblem::DuplicateObjectTable { name: name.clone() },
                    ));
                }
                objects.push((object, table.anchor.clone()));
            }
        }
    }
    let Some(mut root) = root else {
        return Ok(None);
    };
    resolve_objects(page, &mut root, &mut objects, &mut links.warnings)?;
    Ok(Some((root, objects.into_iter().map(|(o, _)| o).collect())))
}

/// A table whose first column names fields and which has a type column (the others list
/// values, error codes, or configuration items with a name column further right).
pub(super) fn is_field_table(table: &Table) -> bool {
    let is = |h: &String, names: &[&str]| names.contains(&h.trim().to_lowercase().as_str());
    let header = &table.html.header;
    header.first().is_some_and(|h| is(h, NAME_HEADERS))
        && header.iter().any(|h| is(h, TYPE_HEADERS))
}

/// The request methods a request line may start with.
pub const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"];

/// The first `METHOD /path` line of the URI section.
fn uri(page: &Page) -> Result<(String, String, usize), DeriveError> {
    for (section, block) in &page.blocks {
        let Block::Paragraph { line, text } = block else {
            continue;
        };
        if *section != Section::Uri {
            continue;
        }
        if let Some((method, target)) = request_line(text) {
            let path = target.split('?').next().unwrap_or_default().to_string();
            return Ok((method, path, *line));
        }
    }
    let line = page.heading_line(Section::Uri).unwrap_or(1);
    Err(page.error(line, PageProblem::NoUri))
}

/// `GET /v1.0/x?…` → ("GET", "/v1.0/x?…").
fn request_line(text: &str) -> Option<(String, String)> {
    let first = text.trim().lines().next()?;
    let (method, target) = first.split_once(char::is_whitespace)?;
    let mut target = target.trim();
    // Newer pages write the whole URL (`https://{dcs_endpoint}/v2/…`); keep the path.
    if let Some((_, rest)) = target.split_once("://") {
        target = rest.find('/').map(|i| &rest[i..]).unwrap_or_default();
    }
    (METHODS.contains(&method) && target.starts_with('/'))
        .then(|| (method.to_string(), target.to_string()))
}

/// Strips the vendor's caption suffixes; an ASCII name left over names an object. A
/// caption naming several fields (`free_trials和one_yuan_trials中的参数说明`) names the
/// object after the first and gives the others as aliases.
fn object_name(caption: &str) -> Option<(String, Vec<String>)> {
    let mut name = caption.trim();
    for suffix in [
        "参数说明",
        "字段说明",
        "数据结构说明",
        "结构说明",
        "说明",
        "参数",
        "对象",
        "字段",
    ] {
        if let Some(stripped) = name.strip_suffix(suffix) {
            name = stripped.trim();
            break;
        }
    }
    let name = name.strip_suffix("中的").unwrap_or(name).trim();
    let parts: Vec<&str> = name.split(['和', '、', '/']).map(str::trim).collect();
    if !parts.iter().all(|p| types::is_identifier(p)) {
        return None;
    }
    let (first, rest) = parts.split_first()?;
    Some((
        first.to_string(),
        rest.iter().map(std::string::ToString::to_string).collect(),
    ))
}

fn cell_of(row: &HtmlRow, index: Option<usize>) -> Option<&Cell> {
    index.and_then(|i| row.cells.get(i))
}

/// The fields of one table.
fn fields(
    page: &Page,
    table: &Table,
    parameters: bool,
    links: &mut Links,
) -> Result<Vec<Field>, DeriveError> {
    let cols = columns(page, table, parameters)?;
    let width = table.html.header.len();
    let mut out: Vec<Field> = Vec::new();
    for row in &table.html.rows {
        let row_name = row
            .cells
            .first()
            .map(|c| c.text.clone())
            .unwrap_or_default();
        if row.cells.len() != width {
            return Err(page.error(
                row.line,
                PageProblem::RowWidth {
                    table: label(table),
                    row: row_name,
                    cells: row.cells.len(),
                    columns: width,
                },
            ));
        }
        let name = row.cells[cols.name].text.trim().to_string();
        if name.is_empty() {
            return Err(page.error(
                row.line,
                PageProblem::EmptyName {
                    table: label(table),
                    row: row_name,
                },
            ));
        }
        if out.iter().any(|f| f.name == name) {
            return Err(page.error(
                row.line,
                PageProblem::DuplicateName {
                    table: label(table),
                    name,
                },
            ));
        }
        let type_word = row.cells[cols.ty].text.trim().to_string();
        let doc_type = doc_type(page, table, row.line, &name, &type_word, links)?;
        let required = match cell_of(row, cols.required) {
            None => true, // response tables: every listed field is present (C12)
            Some(c) => required_flag(&c.text).ok_or_else(|| {
                page.error(
                    row.line,
                    PageProblem::UnknownRequired {
                        table: label(table),
                        row: name.clone(),
                        value: c.text.clone(),
                    },
                )
            })?,
        };
        let empty = Cell::default();
        let desc = cell_of(row, cols.description).unwrap_or(&empty);
        let mut field = Field {
            name,
            line: row.line,
            table: table.number,
            type_word,
            doc_type,
            required,
            description: desc.text.clone(),
            values: None,
            format: None,
            minimum: prose::minimum(&desc.text),
            maximum: prose::maximum(&desc.text),
            default: if parameters {
                prose::default(&desc.text)
            } else {
                None
            },
            see: Vec::new(),
            object: None,
            null_because: prose::null_sentence(&desc.text)
                .map(NullBecause::Description)
                .into_iter()
                .collect(),
        };
        read_constraints(&mut field, desc);
        follow_links(page, row.line, desc, &mut field, links)?;
        out.push(field);
    }
    Ok(out)
}

/// The type of a row from its type word; a known misspelling is read as the word it
/// misspells, with a warning; an unknown word is an error.
fn doc_type(
    page: &Page,
    table: &Table,
    line: usize,
    name: &str,
    type_word: &str,
    links: &mut Links,
) -> Result<DocType, DeriveError> {
    if let Some(t) = types::parse(type_word) {
        return Ok(t);
    }
    match types::corrected(type_word) {
        Some((word, t)) => {
            links.warn(
                page,
                line,
                format!(
                    "table {}, row `{name}`: type word `{type_word}` read as `{word}` (a misspelling on the page)",
                    label(table)
                ),
            );
            Ok(t)
        }
        None => Err(page.error(
            line,
            PageProblem::UnknownType {
                table: label(table),
                row: name.to_string(),
                word: type_word.to_string(),
            },
        )),
    }
}

/// The values and the format a scalar field's description gives in its own prose.
fn read_constraints(field: &mut Field, desc: &Cell) {
    let Some(kind) = field.scalar() else { return };
    field.values = prose::enum_from_items(&desc.items, kind)
        .or_else(|| prose::enum_from_meanings(&desc.text, kind))
        .map(|values| Values {
            values,
            source: None,
        });
    if kind == Scalar::String {
        field.format = prose::format(&desc.text);
    }
}

/// The links of a description cell. A whole page linked from a scalar field is the table
/// of its values (the status page, by its file name or by the address the vendor
/// publishes it under); any other link, such as one into a table of another page (an
/// error-code list), is a cross-reference and is not followed.
fn follow_links(
    page: &Page,
    line: usize,
    desc: &Cell,
    field: &mut Field,
    links: &mut Links,
) -> Result<(), DeriveError> {
    for link in &desc.links {
        let href = link.href.trim();
        let target = match (href.split_once('#'), field.scalar()) {
            (None, Some(kind)) if field.values.is_none() => {
                links.target(page, href).map(|t| (t, kind))
            }
            _ => None,
        };
        let values = match target {
            Some((target, kind)) => links.values(page, line, href, target, kind)?,
            None => None,
        };
        match values {
            Some(v) => field.values = Some(v),
            None => field.see.push(href.to_string()),
        }
    }
    Ok(())
}

fn required_flag(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "是" | "必选" | "yes" | "y" | "true" | "mandatory" | "required" => Some(true),
        "否" | "可选" | "no" | "n" | "false" | "optional" => Some(false),
        _ => None,
    }
}

/// Decides which named object each Array/Object field holds: the type word's own name
/// (`Array of X objects`), else a link to the object's table anchor, else a field named
/// after the object (`instances` for `instance`). Every object table must be used.
fn resolve_objects(
    page: &Page,
    root: &mut ObjectTable,
    objects: &mut [(ObjectTable, Option<String>)],
    warnings: &mut Vec<Warning>,
) -> Result<(), DeriveError> {
    let catalogue: Vec<(String, Option<String>)> = objects
        .iter()
        .map(|(o, a)| (o.name.clone().unwrap_or_default(), a.clone()))
        .collect();
    let aliases: Vec<Vec<String>> = objects.iter().map(|(o, _)| o.aliases.clone()).collect();
    let mut used = vec![false; catalogue.len()];
    let mut resolve = |field: &mut Field, table: &str| -> Result<(), DeriveError> {
        let explicit = match &field.doc_type {
            DocType::Array(Some(Element::Named(n))) | DocType::Object(Some(n)) => Some(n.clone()),
            DocType::Array(None) | DocType::Object(None) => None,
            _ => return Ok(()),
        };
        let by_name = explicit.as_ref().and_then(|n| {
            catalogue
                .iter()
                .position(|(name, _)| name == n)
                .or_else(|| {
                    catalogue
                        .iter()
                        .position(|(name, _)| name.eq_ignore_ascii_case(n))
                })
        });
        // A type word naming no table (`quotas object` over a table captioned
        // differently) falls back to the field's link and name, like a bare `Object`.
        let found = match by_name {
            Some(i) => Some(i),
            None => catalogue
                .iter()
                .position(|(_, anchor)| {
                    anchor.as_ref().is_some_and(|a| {
                        field
                            .see
                            .iter()
                            .any(|s| s.strip_prefix('#') == Some(a.as_str()))
                    })
                })
                .or_else(|| {
                    catalogue
                        .iter()
                        .position(|(name, _)| named_after(&field.name, name))
                })
                .or_else(|| aliases.iter().position(|a| a.contains(&field.name))),
        };
        match (found, explicit) {
            (Some(i), _) => {
                used[i] = true;
                field.object = Some(catalogue[i].0.clone());
            }
            (None, Some(n)) => warnings.push(Warning {
                file: page.path.clone(),
                line: field.line,
                message: format!(
                    "table {table}, row `{}`: the type `{}` names object `{n}`, but no table on the page describes it; the object is left open",
                    field.name, field.type_word
                ),
            }),
            (None, None) => {}
        }
        Ok(())
    };
    let root_label = root.number.to_string();
    for f in &mut root.fields {
        resolve(f, &root_label)?;
    }
    for (o, _) in objects.iter_mut() {
        let label = o.number.to_string();
        for f in &mut o.fields {
            resolve(f, &label)?;
        }
    }
    if let Some(i) = used.iter().position(|u| !u) {
        let o = &objects[i].0;
        return Err(page.error(
            o.line,
            PageProblem::UnusedObjectTable {
                table: format!("{} ({})", o.number, o.caption),
                name: catalogue[i].0.clone(),
            },
        ));
    }
    Ok(())
}

/// `instances`, `instance_list`, `instanceList` and `instance` are named after `instance`.
fn named_after(field: &str, object: &str) -> bool {
    let f = field.to_ascii_lowercase();
    let o = object.to_ascii_lowercase();
    [
        o.clone(),
        format!("{o}s"),
        format!("{o}es"),
        format!("{o}_list"),
        format!("{o}list"),
        format!("{o}_info"),
    ]
    .contains(&f)
        || o.strip_suffix('y')
            .is_some_and(|stem| f == format!("{stem}ies"))
}

/// The first JSON code block of the response section (not under an error status). An
/// example that is not JSON is a defect of the page, not of the contract: derive warns
/// and reads on without it.
fn response_example(page: &Page, warnings: &mut Vec<Warning>) -> Option<(usize, Value)> {
    for (section, block) in &page.blocks {
        let Block::Code {
            line, text, status, ..
        } = block
        else {
            continue;
        };
        let t = text.trim_start();
        if *section != Section::Response || !(t.starts_with('{') || t.starts_with('[')) {
            continue;
        }
        // Newer pages give one example per status; the body is the success one.
        if status.as_ref().is_some_and(|s| !s.starts_with('2')) {
            continue;
        }
        return match serde_json::from_str(text) {
            Ok(v) => Some((*line, v)),
            Err(e) => {
                warnings.push(Warning {
                    file: page.path.clone(),
                    line: line + e.line(),
                    message: format!(
                        "the response example is not JSON: {e}; the schema is written from the tables alone"
                    ),
                });
                None
            }
        };
    }
    None
}

/// The first code block of the URI or request section that is a request line.
fn example_request(page: &Page) -> Option<String> {
    page.blocks.iter().find_map(|(section, block)| match block {
        Block::Code { text, .. } if matches!(section, Section::Uri | Section::Request) => {
            request_line(text).map(|(m, t)| format!("{m} {t}"))
        }
        _ => None,
    })
}

/// The rows of the status-code table whose first cell is a status code.
fn status_rows(page: &Page) -> Vec<(String, String)> {
    page.tables(Section::StatusCodes)
        .flat_map(|t| t.html.rows.iter())
        .filter_map(|r| {
            let code = r.cells.first()?.text.trim().to_string();
            let is_code = code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit());
            is_code.then(|| {
                let desc = r.cells.get(1).map(|c| c.text.clone()).unwrap_or_default();
                (code, desc)
            })
        })
        .collect()
}

/// The first 2xx row of the status-code table: (code, description).
fn success(page: &Page) -> Option<(String, String)> {
    page.tables(Section::StatusCodes)
        .flat_map(|t| t.html.rows.iter())
        .find_map(|r| {
            let code = r.cells.first()?.text.trim().to_string();
            (code.len() == 3 && code.starts_with('2')).then(|| {
                let desc = r.cells.get(1).map(|c| c.text.clone()).unwrap_or_default();
                (code, desc)
            })
        })
}

/// Marks the fields the example shows as `null`, following objects into their tables,
/// each with the first place the example shows it.
fn mark_nullable(
    example: &Value,
    line: usize,
    root: &mut ObjectTable,
    objects: &mut [ObjectTable],
) {
    let mut nulls: Vec<ExampleNull> = Vec::new();
    walk(example, "", None, root, objects, &mut nulls);
    for null in nulls {
        let table = match &null.object {
            None => &mut *root,
            Some(n) => match objects.iter_mut().find(|o| o.name.as_ref() == Some(n)) {
                Some(o) => o,
                None => continue,
            },
        };
        let Some(f) = table.fields.iter_mut().find(|f| f.name == null.field) else {
            continue;
        };
        let shown = |b: &NullBecause| matches!(b, NullBecause::Example { .. });
        if !f.null_because.iter().any(shown) {
            f.null_because.push(NullBecause::Example {
                line,
                pointer: null.pointer,
            });
        }
    }
}

/// A `null` of the response example: the object table and field it is, and where.
struct ExampleNull {
    object: Option<String>,
    field: String,
    pointer: String,
}

fn walk(
    value: &Value,
    pointer: &str,
    name: Option<&str>,
    table: &ObjectTable,
    objects: &[ObjectTable],
    nulls: &mut Vec<ExampleNull>,
) {
    let Value::Object(map) = value else { return };
    for field in &table.fields {
        let Some(v) = map.get(&field.name) else {
            continue;
        };
        let escaped = field.name.replace('~', "~0").replace('/', "~1");
        let at = format!("{pointer}/{escaped}");
        if v.is_null() {
            nulls.push(ExampleNull {
                object: name.map(str::to_string),
                field: field.name.clone(),
                pointer: at,
            });
            continue;
        }
        let Some(object) = &field.object else {
            continue;
        };
        let Some(inner) = objects.iter().find(|o| o.name.as_ref() == Some(object)) else {
            continue;
        };
        let elements: Vec<(String, &Value)> = match v {
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, e)| (format!("{at}/{i}"), e))
                .collect(),
            other => vec![(at, other)],
        };
        for (p, e) in elements {
            walk(e, &p, Some(object), inner, objects, nulls);
        }
    }
}

/// Where a page's own response example contradicts its tables: a value of another type,
/// a listed field missing, a value outside the listed ones. Each becomes a warning naming
/// the table row and the place in the example; the schema follows the table. One warning
/// per row and kind, however many array elements repeat it.
fn check_example(
    page: &Page,
    example: &Value,
    example_line: usize,
    root: &ObjectTable,
    objects: &[ObjectTable],
    warnings: &mut Vec<Warning>,
) {
    let mut found: Vec<(u32, String, &'static str, String)> = Vec::new();
    contradictions(example, "", root, objects, &mut found, 0);
    let mut seen: Vec<(u32, String, &'static str)> = Vec::new();
    for (table, row, kind, message) in found {
        let key = (table, row.clone(), kind);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let line = root
            .fields
            .iter()
            .chain(objects.iter().flat_map(|o| o.fields.iter()))
            .find(|f| f.table == table && f.name == row)
            .map(|f| f.line)
            .unwrap_or(example_line);
        warnings.push(Warning {
            file: page.path.clone(),
            line,
            message: format!(
                "the response example (line {example_line}) contradicts table {table}, row `{row}` (line {line}): {message}; the schema follows the table"
            ),
        });
    }
}

/// JSON type of a value, in the vendor's words.
fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn fits(doc_type: &DocType, v: &Value) -> bool {
    match (doc_type, v) {
        (_, Value::Null) => true,
        (DocType::Scalar(Scalar::String), Value::String(_)) => true,
        (DocType::Scalar(Scalar::Boolean), Value::Bool(_)) => true,
        (DocType::Scalar(Scalar::Number), Value::Number(_)) => true,
        (DocType::Scalar(Scalar::Integer), Value::Number(n)) => n.is_i64() || n.is_u64(),
        (DocType::Array(_), Value::Array(_)) => true,
        (DocType::Object(_), Value::Object(_)) => true,
        _ => false,
    }
}

fn contradictions(
    value: &Value,
    pointer: &str,
    table: &ObjectTable,
    objects: &[ObjectTable],
    out: &mut Vec<(u32, String, &'static str, String)>,
    depth: usize,
) {
    // Tables that refer to each other cannot make the walk loop: it follows the example,
    // which is finite; the depth bound only guards against a pathological page.
    if depth > 32 {
        return;
    }
    let Value::Object(map) = value else { return };
    for field in &table.fields {
        let at = format!("{pointer}/{}", field.name);
        let Some(v) = map.get(&field.name) else {
            if field.required {
                out.push((
                    field.table,
                    field.name.clone(),
                    "missing",
                    format!(
                        "{} has no `{}`, which the table lists",
                        if pointer.is_empty() {
                            "the body".to_string()
                        } else {
                            format!("`{pointer}`")
                        },
                        field.name
                    ),
                ));
            }
            continue;
        };
        if !fits(&field.doc_type, v) {
            out.push((
                field.table,
                field.name.clone(),
                "type",
                format!(
                    "`{at}` is {}, the table says `{}`",
                    json_kind(v),
                    field.type_word
                ),
            ));
            continue;
        }
        if let Some(values) = &field.values {
            if !v.is_null() && !values.values.contains(v) {
                out.push((
                    field.table,
                    field.name.clone(),
                    "enum",
                    format!("`{at}` is {v}, not one of the values the table lists"),
                ));
            }
        }
        let elements: Vec<(String, &Value)> = match (&field.doc_type, v) {
            (DocType::Array(_), Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, e)| (format!("{at}/{i}"), e))
                .collect(),
            (_, other) => vec![(at.clone(), other)],
        };
        if let DocType::Array(Some(Element::Scalar(s))) = &field.doc_type {
            let element_type = DocType::Scalar(*s);
            for (p, e) in &elements {
                if !fits(&element_type, e) {
                    out.push((
                        field.table,
                        field.name.clone(),
                        "type",
                        format!(
                            "`{p}` is {}, the table says `{}`",
                            json_kind(e),
                            field.type_word
                        ),
                    ));
                }
            }
        }
        let Some(inner) = field
            .object
            .as_ref()
            .and_then(|o| objects.iter().find(|t| t.name.as_ref() == Some(o)))
        else {
            continue;
        };
        for (p, e) in elements {
            contradictions(e, &p, inner, objects, out, depth + 1);
        }
    }
}
