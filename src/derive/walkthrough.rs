//! Requests a page describes in prose instead of tables: the vendor's walkthroughs
//! (`示例1：创建Redis实例`: per step a `URI格式：GET /v2/{project_id}/…` line, an example
//! request with concrete values, a JSON response example) and pages that only show a
//! request in a code block. With no parameter or response table to read, each GET request
//! becomes an [`Operation`] marked [`Inferred`]: its path and query parameters come from
//! the request lines, its response from the JSON example after them (`schema.rs`
//! infers the schema). Requests of other methods are read past with a warning: derive
//! writes schemas for GET requests.

use serde_json::Value;

use super::error::{DeriveError, PageProblem, Warning};
use super::model::{Field, Inferred, ObjectTable, Operation, METHODS};
use super::page::{Block, Page, Section};
use super::prose;
use super::types::{DocType, Scalar};

/// A request line (`GET /v2/…` at the start of a paragraph or code block, after an
/// optional label such as `URI格式：`), or a request named in a sentence.
#[derive(Debug, Clone)]
struct Mention {
    /// Index of its block in `page.blocks`.
    block: usize,
    line: usize,
    method: String,
    /// The path, scheme and host left out (`/v2/{project_id}/flavors`).
    path: String,
    /// The query string after `?`, if any.
    query: Option<String>,
}

impl Mention {
    fn text(&self) -> String {
        match &self.query {
            Some(q) => format!("{} {}?{q}", self.method, self.path),
            None => format!("{} {}", self.method, self.path),
        }
    }

    fn has_placeholders(&self) -> bool {
        self.path.contains('{')
    }
}

/// One request of the page: the mention that gives its path template and, when the page
/// gives one apart, its example with concrete values.
#[derive(Debug, Clone)]
struct Request {
    template: Mention,
    example: Option<Mention>,
    /// True when the template is a request line of its own (not a sentence elsewhere).
    template_is_line: bool,
}

impl Request {
    /// The block the request starts at: the response of the request before it ends here.
    fn first_block(&self) -> usize {
        match (&self.example, self.template_is_line) {
            (Some(e), false) => e.block,
            _ => self.template.block,
        }
    }

    /// The block its response example is looked for after.
    fn last_block(&self) -> usize {
        self.example
            .as_ref()
            .map_or(self.template.block, |e| e.block)
    }

    /// The line that names the request first.
    fn line(&self) -> usize {
        match (&self.example, self.template_is_line) {
            (Some(e), false) => e.line,
            _ => self.template.line,
        }
    }
}

/// Every GET request the page describes, each inferred from its example, with warnings
/// for the requests it does not derive. A page with request lines but no GET, or whose
/// GET requests all lack what inference needs, is refused with a located error (the
/// first GET's reason).
pub fn operations(page: &Page) -> Result<Vec<Operation>, DeriveError> {
    let mut warnings = Vec::new();
    let (lines, sentences) = mentions(page, &mut warnings);
    let Some(first) = lines.first() else {
        let line = page.heading_line(Section::Uri).unwrap_or(1);
        return Err(page.error(line, PageProblem::NoUri));
    };
    let first_line = first.line;
    let requests = group(page, lines, &sentences);
    let mut ops: Vec<Operation> = Vec::new();
    let mut refused: Option<(usize, PageProblem)> = None;
    for (i, request) in requests.iter().enumerate() {
        let end = requests
            .get(i + 1)
            .map_or(page.blocks.len(), Request::first_block);
        let at = request.line();
        let what = request.template.text();
        if request.template.method != "GET" {
            warnings.push(warning(
                page,
                at,
                format!("`{what}` is not derived: derive writes schemas for GET requests only"),
            ));
            continue;
        }
        if let Some(earlier) = ops
            .iter()
            .find(|o| o.path == request.template.path && o.method == request.template.method)
        {
            warnings.push(warning(
                page,
                at,
                format!(
                    "`{what}` is the request of line {} again; derived once",
                    earlier.uri_line
                ),
            ));
            continue;
        }
        match operation(page, request, end) {
            Ok(op) => ops.push(op),
            Err((line, problem)) => {
                warnings.push(warning(
                    page,
                    line,
                    format!("`{what}` is not derived: {problem}"),
                ));
                refused.get_or_insert((line, problem));
            }
        }
    }
    if ops.is_empty() {
        let (line, problem) = refused.unwrap_or_else(|| {
            let mut found: Vec<String> = Vec::new();
            for r in &requests {
                let text = r.template.text();
                if !found.contains(&text) {
                    found.push(text);
                }
            }
            let found = found
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", ");
            (first_line, PageProblem::NoGetRequest { found })
        });
        return Err(page.error(line, problem));
    }
    // Each page-level warning goes with the operation it follows (the first when it comes
    // before them all), so the operations' warnings, in order, read down the page.
    for w in warnings {
        let i = ops.iter().rposition(|o| o.uri_line <= w.line).unwrap_or(0);
        ops[i].warnings.push(w);
    }
    for op in &mut ops {
        op.warnings.sort_by_key(|w| w.line);
    }
    Ok(ops)
}

fn warning(page: &Page, line: usize, message: String) -> Warning {
    Warning {
        file: page.path.clone(),
        line,
        message,
    }
}

/// The request lines of the page, and the requests named in sentences (kept only when
/// their path has `{…}`: they serve as templates for request lines with concrete values).
fn mentions(page: &Page, warnings: &mut Vec<Warning>) -> (Vec<Mention>, Vec<Mention>) {
    let mut lines = Vec::new();
    let mut sentences = Vec::new();
    for (block, (_, b)) in page.blocks.iter().enumerate() {
        let (line, text) = match b {
            Block::Paragraph { line, text } => (*line, text.as_str()),
            Block::Code {
                text_line, text, ..
            } => (*text_line, text.as_str()),
            Block::Table(_) => continue,
        };
        let first = text.trim_start().lines().next().unwrap_or_default();
        if let Some((method, target, glued)) = request_line(first) {
            if glued {
                warnings.push(warning(
                    page,
                    line,
                    format!("`{method}{target}`: read as `{method}` and its URL (the page leaves out the space between them)"),
                ));
            }
            let (path, query) = split_target(target);
            lines.push(Mention {
                block,
                line,
                method,
                path,
                query,
            });
        } else if let Block::Paragraph { .. } = b {
            for (offset, method, target) in named_requests(text) {
                let (path, query) = split_target(target);
                if path.contains('{') {
                    sentences.push(Mention {
                        block,
                        line: line + text[..offset].matches('\n').count(),
                        method,
                        path,
                        query,
                    });
                }
            }
        }
    }
    (lines, sentences)
}

/// `GET /v1.0/…`, `URI格式：GET /v2/…`, `GET https://{endpoint}/v2/…` or `GEThttps://…`
/// → (method, target, whether the space after the method is missing).
fn request_line(line: &str) -> Option<(String, &str, bool)> {
    let mut line = line.trim();
    if !METHODS.iter().any(|m| line.starts_with(m)) {
        // A short label before the request (`URI格式：`): one word, no path in it.
        let (label, rest) = line.split_once('：').or_else(|| line.split_once(": "))?;
        if label.is_empty()
            || label.chars().count() > 16
            || label.contains(|c: char| c.is_whitespace() || c == '/')
        {
            return None;
        }
        line = rest.trim_start();
    }
    let method = METHODS.iter().find(|m| line.starts_with(**m))?;
    let rest = &line[method.len()..];
    let glued = rest.starts_with("http://") || rest.starts_with("https://");
    if !glued && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let target = url_token(rest.trim_start());
    let path_start =
        target.starts_with('/') || target.starts_with("http://") || target.starts_with("https://");
    path_start.then(|| (method.to_string(), target, glued))
}

/// The URL at the start of `s`: up to whitespace or the first character that cannot be
/// in one (the Chinese text a sentence goes on with).
fn url_token(s: &str) -> &str {
    let end = s.find(|c: char| !c.is_ascii_graphic()).unwrap_or(s.len());
    &s[..end]
}

/// Requests named inside a sentence (`可通过GET /v1/{project_id}/vpcs接口获取`): (byte
/// offset, method, target).
fn named_requests(text: &str) -> Vec<(usize, String, &str)> {
    let mut out = Vec::new();
    for method in METHODS {
        let needle = format!("{method} /");
        let mut from = 0;
        while let Some(found) = text[from..].find(&needle) {
            let at = from + found;
            from = at + needle.len();
            // `GET` as a word, not the end of one (`FORGET /`).
            if text[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            {
                continue;
            }
            let target = url_token(&text[at + method.len() + 1..]);
            out.push((at, method.to_string(), target));
        }
    }
    out.sort_by_key(|(at, _, _)| *at);
    out
}

/// `https://{endpoint}/v2/x?a=1` → ("/v2/x", Some("a=1")).
fn split_target(target: &str) -> (String, Option<String>) {
    let target = match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    match target.split_once('?') {
        Some((path, query)) => (path.to_string(), Some(query.to_string())),
        None => (target.to_string(), None),
    }
}

fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// `{name}` → `name`.
fn placeholder(segment: &str) -> Option<&str> {
    segment
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .filter(|s| !s.is_empty() && !s.contains(['{', '}']))
}

/// Whether `path` is an instance of `template`: the same segments, a `{…}` segment of
/// the template standing for any one segment.
fn instance_of(template: &str, path: &str) -> bool {
    let t = segments(template);
    let p = segments(path);
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| t == p || placeholder(t).is_some())
}

/// Pairs each request line with its template: the request line just before it when it
/// is the same request with `{…}` for the values (the walkthroughs' `URI格式：` line, then
/// `请求示例`), else a request named in a sentence that it is an instance of (the nearest
/// one before it, else after it).
fn group(page: &Page, lines: Vec<Mention>, sentences: &[Mention]) -> Vec<Request> {
    let mut out: Vec<Request> = Vec::new();
    for m in lines {
        if let Some(last) = out.last_mut() {
            let pairs = last.example.is_none()
                && last.template_is_line
                && last.template.method == m.method
                && instance_of(&last.template.path, &m.path)
                && !json_between(page, last.template.block, m.block);
            if pairs {
                last.example = Some(m);
                continue;
            }
        }
        let template = if m.has_placeholders() {
            None
        } else {
            let fits = |t: &&Mention| t.method == m.method && instance_of(&t.path, &m.path);
            sentences
                .iter()
                .rev()
                .find(|t| fits(t) && t.block <= m.block)
                .or_else(|| sentences.iter().find(|t| fits(t) && t.block > m.block))
        };
        out.push(match template {
            Some(t) => Request {
                template: t.clone(),
                example: Some(m),
                template_is_line: false,
            },
            None => Request {
                template: m,
                example: None,
                template_is_line: true,
            },
        });
    }
    out
}

/// A code block that looks like JSON (an object or an array).
fn json_block(block: &Block) -> Option<(usize, &str)> {
    match block {
        Block::Code {
            text_line, text, ..
        } if text.trim_start().starts_with(['{', '[']) => Some((*text_line, text.as_str())),
        _ => None,
    }
}

fn json_between(page: &Page, from: usize, to: usize) -> bool {
    page.blocks
        .get(from + 1..to)
        .is_some_and(|blocks| blocks.iter().any(|(_, b)| json_block(b).is_some()))
}

/// A path segment with a value in it rather than a name: a project or resource id (a
/// long run of hex digits, or a UUID).
fn looks_like_id(segment: &str) -> bool {
    segment.len() >= 16
        && segment.chars().any(|c| c.is_ascii_digit())
        && segment.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// The operation of one GET request whose response example lies in the blocks after it,
/// before `end`; or where and why it cannot be inferred.
fn operation(
    page: &Page,
    request: &Request,
    end: usize,
) -> Result<Operation, (usize, PageProblem)> {
    let template = &request.template;
    let at = request.line();
    if !template.has_placeholders() {
        if let Some(segment) = segments(&template.path)
            .into_iter()
            .find(|s| looks_like_id(s))
        {
            return Err((
                at,
                PageProblem::UntemplatedRequest {
                    request: template.text(),
                    segment: segment.to_string(),
                },
            ));
        }
    }
    let found = page
        .blocks
        .get(request.last_block() + 1..end)
        .unwrap_or_default()
        .iter()
        .find_map(|(_, b)| json_block(b));
    let Some((example_line, text)) = found else {
        return Err((
            at,
            PageProblem::NoResponseExample {
                request: template.text(),
            },
        ));
    };
    let example: Value = serde_json::from_str(text).map_err(|e| {
        (
            example_line + e.line().saturating_sub(1),
            PageProblem::BadExample {
                message: e.to_string(),
            },
        )
    })?;

    let path_params: Vec<Field> = segments(&template.path)
        .into_iter()
        .filter_map(placeholder)
        .map(|name| {
            parameter(
                name,
                template.line,
                Scalar::String,
                true,
                format!(
                    "Path parameter of the request line (line {}). The page has no parameter table: taken as a required string.",
                    template.line
                ),
            )
        })
        .collect();
    let query_params = query_parameters(template, request.example.as_ref());

    let step = page
        .heading_above(at)
        .map(str::to_string)
        .filter(|s| !s.is_empty());
    let title = match &step {
        Some(s) => format!("{} / {s}", page.title),
        None => page.title.clone(),
    };
    let lines = match &request.example {
        Some(e) => format!("line {}, example request line {}", template.line, e.line),
        None => format!("line {}", template.line),
    };
    let inferred_warning = warning(
        page,
        at,
        format!(
            "`{}`: no parameter or response table on the page; the query schema is inferred from the request ({lines}) and the response schema from the response example (line {example_line}), not from tables: check them against the service",
            template.text()
        ),
    );
    Ok(Operation {
        page_file: page.file_name.clone(),
        title,
        summary: page.blocks.iter().find_map(|(s, b)| match b {
            Block::Paragraph { text, .. } if *s == Section::Intro => Some(text.clone()),
            _ => None,
        }),
        method: template.method.clone(),
        path: template.path.clone(),
        uri_line: at,
        path_params,
        query_params,
        param_tables: Vec::new(),
        response: ObjectTable {
            name: None,
            number: 0,
            caption: String::new(),
            line: example_line,
            fields: Vec::new(),
            aliases: Vec::new(),
        },
        objects: Vec::new(),
        example_request: Some(request.example.as_ref().unwrap_or(template).text()),
        response_example: Some(example),
        response_example_line: Some(example_line),
        success: None,
        status_descriptions: Vec::new(),
        linked_pages: Vec::new(),
        errors: Vec::new(),
        warnings: vec![inferred_warning],
        inferred: Some(Inferred {
            template_line: template.line,
            example_line: request.example.as_ref().map(|e| e.line),
            step,
        }),
    })
}

/// `a=b&{c}&d={d}` → [("a", Some("b")), ("c", None), ("d", None)]: a value in `{…}` is a
/// placeholder, not an example.
fn query_items(query: &str) -> Vec<(&str, Option<&str>)> {
    query
        .split('&')
        .filter_map(|item| {
            let (name, value) = match item.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (item, None),
            };
            let name = placeholder(name).unwrap_or(name);
            let value = value.filter(|v| placeholder(v).is_none() && !v.is_empty());
            (!name.is_empty() && !name.contains(['{', '}'])).then_some((name, value))
        })
        .collect()
}

/// The type a query value's text reads as: `true`/`false`, a decimal integer, else a
/// string. A value with a dot stays a string: an example cannot tell a version (`5.0`, as
/// `engine_version=5.0` is) from a number.
fn lexical_type(value: &str) -> Scalar {
    if prose::literal(value, Scalar::Boolean).is_some() {
        Scalar::Boolean
    } else if value.bytes().all(|b| b.is_ascii_digit() || b == b'-')
        && prose::literal(value, Scalar::Integer).is_some()
    {
        Scalar::Integer
    } else {
        Scalar::String
    }
}

/// The query parameters the template and the example name (template order first), each
/// optional (an example shows one request, not which parameters a request needs), typed
/// from its example value when it has one.
fn query_parameters(template: &Mention, example: Option<&Mention>) -> Vec<Field> {
    /// A query parameter: its name, the line that names it first, and its first example
    /// value with that value's line.
    struct Named<'a> {
        name: &'a str,
        line: usize,
        value: Option<(&'a str, usize)>,
    }
    let mut named: Vec<Named> = Vec::new();
    for m in std::iter::once(template).chain(example) {
        for (name, value) in m.query.as_deref().map(query_items).unwrap_or_default() {
            let value = value.map(|v| (v, m.line));
            match named.iter_mut().find(|n| n.name == name) {
                Some(n) => n.value = n.value.or(value),
                None => named.push(Named {
                    name,
                    line: m.line,
                    value,
                }),
            }
        }
    }
    named
        .into_iter()
        .map(|Named { name, line, value }| {
            let (kind, typed) = match value {
                Some((v, at)) => {
                    let kind = lexical_type(v);
                    let typed = if kind == Scalar::String && v.contains('.') && v.parse::<f64>().is_ok() {
                        format!("a string, though the example value `{v}` (line {at}) reads as a number: an example cannot tell a version from one")
                    } else {
                        format!("typed {} from the example value `{v}` (line {at})", kind.word())
                    };
                    (kind, typed)
                }
                None => (Scalar::String, "no example value: a string".to_string()),
            };
            parameter(
                name,
                line,
                kind,
                false,
                format!(
                    "Query parameter named on line {line}; {typed}. The page has no parameter table: optional, since an example shows one request, not which parameters a request needs."
                ),
            )
        })
        .collect()
}

fn parameter(name: &str, line: usize, kind: Scalar, required: bool, description: String) -> Field {
    Field {
        name: name.to_string(),
        line,
        table: 0,
        type_word: kind.word().to_string(),
        doc_type: DocType::Scalar(kind),
        required,
        description,
        values: None,
        format: None,
        minimum: None,
        maximum: None,
        default: None,
        see: Vec::new(),
        object: None,
        null_because: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::derive::page;

    fn ops(text: &str) -> Result<Vec<Operation>, DeriveError> {
        let page = page::parse(Path::new("dir/walk.md"), text).expect("parses");
        operations(&page)
    }

    /// A walkthrough in the vendor's shape: a step with a `URI格式` line, an example
    /// request and a response example; a POST step; a second GET step.
    const WALKTHROUGH: &str = "# 示例：创建实例\n\n## 步骤1：查询规格\n\n-   接口相关信息\n\n    URI格式：GET /v2/\\{project\\_id\\}/flavors?spec\\_code=\\{spec\\_code\\}&capacity=\\{capacity\\}\n\n-   请求示例\n\n    GET https://\\{dcs\\_endpoint\\}/v2/666486c2/flavors?capacity=2&engine=Redis\n\n-   响应示例\n\n    ```\n    [{\"spec_code\": \"redis.single\", \"capacity\": [\"2\"]}]\n    ```\n\n## 步骤2：创建实例\n\n-   URI格式：POST /v2/\\{project\\_id\\}/instances\n\n-   Body：\n\n    ```\n    {\"name\": \"x\"}\n    ```\n\n-   响应示例\n\n    ```\n    {\"instances\": []}\n    ```\n\n## 步骤3：查询实例\n\n-   URI格式：GET /v2/\\{project\\_id\\}/instances/\\{instance\\_id\\}\n\n-   请求示例\n\n    GEThttps://\\{dcs\\_endpoint\\}/v2/666486c2/instances/21bc7b53\n\n-   响应示例\n\n    ```\n    {\"name\": \"dcs\", \"port\": 6379, \"free\": null}\n    ```\n";

    #[test]
    fn reads_each_get_step_of_a_walkthrough_and_skips_the_post() {
        let ops = ops(WALKTHROUGH).expect("derives");
        let paths: Vec<&str> = ops.iter().map(|o| o.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/v2/{project_id}/flavors",
                "/v2/{project_id}/instances/{instance_id}"
            ]
        );
        let flavors = &ops[0];
        assert_eq!(flavors.title, "示例：创建实例 / 步骤1：查询规格");
        assert_eq!(flavors.uri_line, 7);
        let inferred = flavors.inferred.as_ref().expect("inferred");
        assert_eq!(
            (inferred.template_line, inferred.example_line),
            (7, Some(11))
        );
        assert_eq!(flavors.response_example_line, Some(16));
        assert!(flavors
            .response_example
            .as_ref()
            .is_some_and(Value::is_array));
        assert_eq!(
            flavors.example_request.as_deref(),
            Some("GET /v2/666486c2/flavors?capacity=2&engine=Redis")
        );
        // The POST step's body is not taken for the second GET's response.
        let instance = &ops[1];
        assert_eq!(
            instance
                .response_example
                .as_ref()
                .and_then(|e| e.get("port")),
            Some(&Value::from(6379))
        );
        // Each warning goes with the operation it follows, in page order: the POST step's
        // after the first GET, the missing space with the second GET.
        let lines_and_texts = |op: &Operation| -> Vec<(usize, String)> {
            op.warnings
                .iter()
                .map(|w| (w.line, w.message.clone()))
                .collect()
        };
        let first = lines_and_texts(flavors);
        let second = lines_and_texts(instance);
        assert_eq!(
            first.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
            [7, 21],
            "{first:#?}"
        );
        assert!(first[0].1.contains(
            "the query schema is inferred from the request (line 7, example request line 11) and the response schema from the response example (line 16)"
        ));
        assert!(first[1]
            .1
            .starts_with("`POST /v2/{project_id}/instances` is not derived"));
        assert_eq!(
            second.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
            [37, 41],
            "{second:#?}"
        );
        assert!(second[1].1.contains("read as `GET` and its URL"));
    }

    #[test]
    fn path_parameters_are_required_strings_and_query_parameters_optional_typed_by_example() {
        let ops = ops(WALKTHROUGH).expect("derives");
        let path: Vec<(&str, bool, &DocType)> = ops[1]
            .path_params
            .iter()
            .map(|f| (f.name.as_str(), f.required, &f.doc_type))
            .collect();
        let string = DocType::Scalar(Scalar::String);
        assert_eq!(
            path,
            [
                ("project_id", true, &string),
                ("instance_id", true, &string)
            ]
        );
        let query: Vec<(&str, bool, &DocType)> = ops[0]
            .query_params
            .iter()
            .map(|f| (f.name.as_str(), f.required, &f.doc_type))
            .collect();
        let integer = DocType::Scalar(Scalar::Integer);
        // spec_code: named by the template only, no example value; capacity: typed from
        // `capacity=2`; engine: named by the example only.
        assert_eq!(
            query,
            [
                ("spec_code", false, &string),
                ("capacity", false, &integer),
                ("engine", false, &string)
            ]
        );
        assert!(ops[0].query_params[1].description.contains("`2` (line 11)"));
    }

    #[test]
    fn a_request_line_with_values_takes_its_template_from_a_sentence() {
        let text = "# 场景\n\n## 获取子网ID\n\n可通过GET /v1/\\{project\\_id\\}/subnets?\\{vpc\\_id\\}获取子网ID。\n\n```\nGET https://{vpc_endpoint}/v1/7d80ae32f57b499eb8781f9a9f57c538/subnets?vpc_id=743bf021\n```\n\n```\n{\"subnets\": [{\"id\": \"b0d6\"}]}\n```\n";
        let ops = ops(text).expect("derives");
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].path, "/v1/{project_id}/subnets");
        assert_eq!(ops[0].uri_line, 8);
        assert_eq!(ops[0].path_params[0].name, "project_id");
        assert_eq!(ops[0].query_params[0].name, "vpc_id");
        let inferred = ops[0].inferred.as_ref().expect("inferred");
        assert_eq!(
            (inferred.template_line, inferred.example_line),
            (5, Some(8))
        );
    }

    #[test]
    fn a_request_with_an_id_in_its_path_and_no_template_is_refused() {
        let text = "# 配额\n\n## 查看配额\n\n```\nGET https://dcs.example.com/v2/05041fffa40025702f6dc009cc6f8f33/quota\n```\n\n```\n{\"quotas\": {}}\n```\n";
        let err = ops(text).expect_err("refused").to_string();
        assert!(
            err.starts_with("dir/walk.md:6: the request `GET /v2/05041fffa40025702f6dc009cc6f8f33/quota` has `05041fffa40025702f6dc009cc6f8f33` in its path"),
            "{err}"
        );
    }

    #[test]
    fn a_get_without_a_response_example_is_refused_where_it_is() {
        // The authentication page's shape: a GET in a code block with headers, no answer.
        let text = "# 认证鉴权\n\n## Token认证\n\n```\n{\"auth\": {}}\n```\n\n```\nGET https://iam.example.com/v3/auth/projects\nX-Auth-Token: ABCDEFJ....\n```\n\n说明。\n";
        let err = ops(text).expect_err("refused").to_string();
        assert!(
            err.starts_with("dir/walk.md:10: the request `GET /v3/auth/projects` has no JSON response example after it"),
            "{err}"
        );
    }

    #[test]
    fn a_page_of_only_other_methods_says_it_has_no_get_request() {
        let text = "# 删除\n\n## 步骤1\n\nURI格式：DELETE /v2/\\{project\\_id\\}/instances\n\n```\n{\"results\": []}\n```\n";
        let err = ops(text).expect_err("refused").to_string();
        assert!(
            err.starts_with("dir/walk.md:5: no GET request on this page (it describes `DELETE /v2/{project_id}/instances`)"),
            "{err}"
        );
    }

    #[test]
    fn a_page_without_any_request_line_still_has_no_uri() {
        let err = ops("# 概述\n\n本文介绍API。\n").expect_err("refused");
        assert!(err.to_string().contains("no URI line"), "{err}");
    }

    #[test]
    fn a_response_example_that_is_not_json_refuses_the_request_at_its_line() {
        let text = "# 示例\n\n## 步骤1\n\nGET /v2/things\n\n```\n{\"a\": 1,,}\n```\n";
        let err = ops(text).expect_err("refused").to_string();
        assert!(
            err.starts_with("dir/walk.md:8: the response example is not JSON"),
            "{err}"
        );
    }

    #[test]
    fn the_same_request_twice_is_derived_once() {
        let text = "# 示例\n\n## 步骤1\n\nGET /v2/things\n\n```\n{\"a\": 1}\n```\n\n## 步骤2\n\nGET /v2/things\n\n```\n{\"a\": 2}\n```\n";
        let ops = ops(text).expect("derives");
        assert_eq!(ops.len(), 1);
        assert!(ops[0]
            .warnings
            .iter()
            .any(|w| w.line == 13 && w.message.contains("the request of line 5 again")));
    }

    #[test]
    fn reads_request_lines_and_leaves_other_text_alone() {
        assert_eq!(
            request_line("URI格式：GET /v1/{project_id}/vpcs"),
            Some(("GET".into(), "/v1/{project_id}/vpcs", false))
        );
        assert_eq!(
            request_line("GEThttps://{e}/v2/x"),
            Some(("GET".into(), "https://{e}/v2/x", true))
        );
        assert_eq!(request_line("GETTING /v1/x"), None);
        assert_eq!(request_line("Content-Type: application/json"), None);
        assert_eq!(request_line("调用接口时请注意：GET请求没有Body"), None);
        assert_eq!(
            split_target("https://{e}/v2/x?a=1&b"),
            ("/v2/x".to_string(), Some("a=1&b".to_string()))
        );
        assert_eq!(
            query_items("spec_code={spec_code}&{vpc_id}&capacity=2"),
            [
                ("spec_code", None),
                ("vpc_id", None),
                ("capacity", Some("2"))
            ]
        );
        assert_eq!(lexical_type("2"), Scalar::Integer);
        assert_eq!(lexical_type("5.0"), Scalar::String);
        assert_eq!(lexical_type("-3"), Scalar::Integer);
        assert_eq!(lexical_type("+3"), Scalar::String);
        assert_eq!(lexical_type("true"), Scalar::Boolean);
        assert_eq!(lexical_type("Redis"), Scalar::String);
        assert_eq!(lexical_type("1e5"), Scalar::String);
        assert!(looks_like_id("05041fffa40025702f6dc009cc6f8f33"));
        assert!(looks_like_id("21bc7b53-2494-4f10-bb0b-c0b913d9e329"));
        assert!(!looks_like_id("instances"));
        assert!(!looks_like_id("v2"));
    }
}
