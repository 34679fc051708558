//! From page structure to an operation: the URI line, the path and query parameters, the
//! response object tables with their fields, the examples, and the pages linked for value
//! lists. Everything here is read from the page's shape (sections, captions, column
//! headers, prose phrasings); nothing knows the field names of any particular page.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::error::{DeriveError, PageProblem};
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
    /// The response body's own table.
    pub response: ObjectTable,
    /// Tables that describe named objects (`instance参数说明`), in page order.
    pub objects: Vec<ObjectTable>,
    /// The example request line (`GET /v1.0/…?start=1&…`), when the page has one.
    pub example_request: Option<String>,
    /// The response example, when the page has one.
    pub response_example: Option<Value>,
    /// The success status code and its description from the status-code table.
    pub success: Option<(String, String)>,
    /// File names of the pages followed for value lists, in first-use order.
    pub linked_pages: Vec<String>,
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
    /// True when the response example shows `null` for this field.
    pub nullable: bool,
}

/// An enumeration and, when it comes from another page, where.
#[derive(Debug, Clone)]
pub struct Values {
    pub values: Vec<Value>,
    /// `缓存实例状态说明.md, Table 1` for a linked table; `None` when the cell lists them.
    pub source: Option<String>,
}

impl Field {
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

/// Reads pages linked for value lists once each.
struct Links {
    cache: BTreeMap<PathBuf, Values>,
    order: Vec<String>,
}

impl Links {
    /// The values of the first table of the page `href` points to (relative to the
    /// page's folder).
    fn values(
        &mut self,
        page: &Page,
        line: usize,
        href: &str,
        kind: Scalar,
    ) -> Result<Values, DeriveError> {
        let target = page.dir().join(href);
        if let Some(v) = self.cache.get(&target) {
            return Ok(v.clone());
        }
        if !target.is_file() {
            return Err(page.error(
                line,
                PageProblem::BrokenLink {
                    target: href.to_string(),
                    reason: format!("{} does not exist", target.display()),
                },
            ));
        }
        let linked = page::read(&target)?;
        let table = linked
            .blocks
            .iter()
            .find_map(|(_, b)| match b {
                Block::Table(t) => Some(t),
                _ => None,
            })
            .ok_or_else(|| {
                page.error(
                    line,
                    PageProblem::LinkedPageWithoutTable {
                        target: href.to_string(),
                    },
                )
            })?;
        let values: Vec<Value> = table
            .html
            .rows
            .iter()
            .filter_map(|r| r.cells.first())
            .filter_map(|c| prose::literal(c.text.trim(), kind))
            .collect();
        if values.is_empty() {
            return Err(page.error(
                line,
                PageProblem::LinkedPageWithoutTable {
                    target: href.to_string(),
                },
            ));
        }
        let v = Values {
            values,
            source: Some(format!("{}, Table {}", linked.file_name, table.number)),
        };
        self.order.push(linked.file_name.clone());
        self.cache.insert(target, v.clone());
        Ok(v)
    }
}

/// Builds the operation a page documents.
pub fn operation(page: &Page) -> Result<Operation, DeriveError> {
    let (method, path, uri_line) = uri(page)?;
    let path_names: Vec<String> = path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_string)
        .collect();
    let mut links = Links {
        cache: BTreeMap::new(),
        order: Vec::new(),
    };

    // Parameter tables: every table of the URI section (older pages have one table for
    // path and query parameters, newer ones one of each).
    let param_tables: Vec<&Table> = page.tables(Section::Uri).collect();
    if param_tables.is_empty() {
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

    // Response tables: one for the body, one per named object.
    let mut root: Option<ObjectTable> = None;
    let mut objects: Vec<(ObjectTable, Option<String>)> = Vec::new();
    for table in page.tables(Section::Response) {
        let object = ObjectTable {
            name: object_name(&table.caption),
            number: table.number,
            caption: table.caption.clone(),
            line: table.line,
            fields: fields(page, table, false, &mut links)?,
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
    let Some(mut response) = root else {
        let line = page.heading_line(Section::Response).unwrap_or(1);
        return Err(page.error(line, PageProblem::NoResponseTable));
    };
    resolve_objects(page, &mut response, &mut objects)?;
    let mut objects: Vec<ObjectTable> = objects.into_iter().map(|(o, _)| o).collect();

    let response_example = response_example(page)?;
    if let Some(example) = &response_example {
        mark_nullable(example, &mut response, &mut objects);
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
        success: success(page),
        linked_pages: links.order,
    })
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"];

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

/// Strips the vendor's caption suffixes; an ASCII name left over names an object.
fn object_name(caption: &str) -> Option<String> {
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
    types::is_identifier(name).then(|| name.to_string())
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
        let doc_type = types::parse(&type_word).ok_or_else(|| {
            page.error(
                row.line,
                PageProblem::UnknownType {
                    table: label(table),
                    row: name.clone(),
                    word: type_word.clone(),
                },
            )
        })?;
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
            nullable: false,
        };
        if let Some(kind) = field.scalar() {
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
        for link in &desc.links {
            let href = link.href.trim();
            let is_page = !href.contains("://") && !href.starts_with('#');
            match (href.split_once('#'), field.scalar()) {
                // A whole page linked from a scalar field is the table of its values
                // (the status page); a link into a table of another page is a
                // cross-reference, such as an error-code list, and is not followed.
                (None, Some(kind)) if is_page && field.values.is_none() => {
                    field.values = Some(links.values(page, row.line, href, kind)?);
                }
                _ => field.see.push(href.to_string()),
            }
        }
        out.push(field);
    }
    Ok(out)
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
) -> Result<(), DeriveError> {
    let catalogue: Vec<(String, Option<String>)> = objects
        .iter()
        .map(|(o, a)| (o.name.clone().unwrap_or_default(), a.clone()))
        .collect();
    let mut used = vec![false; catalogue.len()];
    let mut resolve = |field: &mut Field, table: &str| -> Result<(), DeriveError> {
        let explicit = match &field.doc_type {
            DocType::Array(Some(Element::Named(n))) | DocType::Object(Some(n)) => Some(n.clone()),
            DocType::Array(None) | DocType::Object(None) => None,
            _ => return Ok(()),
        };
        let found = match &explicit {
            Some(n) => catalogue
                .iter()
                .position(|(name, _)| name == n)
                .or_else(|| {
                    catalogue
                        .iter()
                        .position(|(name, _)| name.eq_ignore_ascii_case(n))
                }),
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
                }),
        };
        match (found, explicit) {
            (Some(i), _) => {
                used[i] = true;
                field.object = Some(catalogue[i].0.clone());
                Ok(())
            }
            (None, Some(_)) => Err(page.error(
                field.line,
                PageProblem::UnknownType {
                    table: table.to_string(),
                    row: field.name.clone(),
                    word: field.type_word.clone(),
                },
            )),
            (None, None) => Ok(()),
        }
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

/// The first JSON code block of the response section.
fn response_example(page: &Page) -> Result<Option<Value>, DeriveError> {
    for (section, block) in &page.blocks {
        let Block::Code { line, text } = block else {
            continue;
        };
        let t = text.trim_start();
        if *section != Section::Response || !(t.starts_with('{') || t.starts_with('[')) {
            continue;
        }
        return serde_json::from_str(text).map(Some).map_err(|e| {
            page.error(
                line + e.line(),
                PageProblem::BadExample {
                    message: e.to_string(),
                },
            )
        });
    }
    Ok(None)
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

/// Marks the fields the example shows as `null`, following objects into their tables.
fn mark_nullable(example: &Value, root: &mut ObjectTable, objects: &mut [ObjectTable]) {
    let mut nulls: Vec<(Option<String>, String)> = Vec::new();
    walk(example, None, root, objects, &mut nulls);
    for (object, field) in nulls {
        let table = match &object {
            None => &mut *root,
            Some(n) => match objects.iter_mut().find(|o| o.name.as_ref() == Some(n)) {
                Some(o) => o,
                None => continue,
            },
        };
        if let Some(f) = table.fields.iter_mut().find(|f| f.name == field) {
            f.nullable = true;
        }
    }
}

fn walk(
    value: &Value,
    name: Option<&str>,
    table: &ObjectTable,
    objects: &[ObjectTable],
    nulls: &mut Vec<(Option<String>, String)>,
) {
    let Value::Object(map) = value else { return };
    for field in &table.fields {
        let Some(v) = map.get(&field.name) else {
            continue;
        };
        if v.is_null() {
            nulls.push((name.map(str::to_string), field.name.clone()));
            continue;
        }
        let Some(object) = &field.object else {
            continue;
        };
        let Some(inner) = objects.iter().find(|o| o.name.as_ref() == Some(object)) else {
            continue;
        };
        let elements: Vec<&Value> = match v {
            Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        for e in elements {
            walk(e, Some(object), inner, objects, nulls);
        }
    }
}
