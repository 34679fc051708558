//! Every GET page of the vendor's whole API reference and every earlier revision of the
//! list page (the shared folder `../shared/vendor-docs` beside the repository), derived
//! one by one against a table of expected outcomes: every operation a page derives to
//! must give a response schema and a query schema that are valid JSON Schema 2020-12 and
//! compile, and an OpenAPI document valid against the official OpenAPI 3.1 schema; a page
//! that does not derive must fail with a located error naming the construct. A regression
//! on any page, or a page that starts to derive, changes the table. Over every page, the
//! members whose description says their value is null are counted, and the count is
//! pinned and checked against the text.
//!
//! Without the shared folder (a machine that only has the repository) the test says it
//! skipped and passes.

use std::path::{Path, PathBuf};

use conform::derive::{derive_all, DeriveOptions};
use serde_json::Value;

use super::derive::{dangling_refs, oas_validator};

/// What deriving a page is expected to give.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// A reference page: one operation, read from its tables.
    Ok,
    /// A walkthrough: one operation per GET request it describes (inferred from its
    /// examples), with these output names, in page order.
    Inferred(&'static [&'static str]),
    /// A located error whose message contains this text.
    Fails(&'static str),
}
use Expect::{Fails, Inferred, Ok};

/// Every GET page (see [`is_get_page`]), relative to the corpus folder.
const PAGES: &[(&str, Expect)] = &[
    ("reference/查询Redis运行日志列表.md", Ok),
    ("reference/查询主维度信息列表.md", Ok),
    ("reference/查询主维度信息列表1.md", Ok),
    ("reference/查询产品规格.md", Ok),
    ("reference/查询产品规格列表.md", Ok),
    ("reference/查询分片信息.md", Ok),
    ("reference/查询分片信息1.md", Ok),
    ("reference/查询单个主维度下子维度监控对象列表.md", Ok),
    ("reference/查询单个主维度下子维度监控对象列表1.md", Ok),
    ("reference/查询单个实例标签.md", Ok),
    ("reference/查询单个实例标签1.md", Ok),
    ("reference/查询可用区信息.md", Ok),
    ("reference/查询可用区信息1.md", Ok),
    ("reference/查询在线迁移进度明细.md", Ok),
    ("reference/查询大key分析任务列表.md", Ok),
    ("reference/查询大key分析详情.md", Ok),
    ("reference/查询大key自动分析配置.md", Ok),
    ("reference/查询实例备份信息.md", Ok),
    ("reference/查询实例备份信息1.md", Ok),
    ("reference/查询实例恢复记录.md", Ok),
    ("reference/查询实例恢复记录1.md", Ok),
    ("reference/查询实例状态.md", Ok),
    ("reference/查询实例状态1.md", Ok),
    ("reference/查询实例配置参数.md", Ok),
    ("reference/查询实例配置参数1.md", Ok),
    ("reference/查询所有实例列表.md", Ok),
    ("reference/查询指定实例的IP白名单.md", Ok),
    ("reference/查询指定诊断报告.md", Ok),
    ("reference/查询热key分析任务列表.md", Ok),
    ("reference/查询热key分析详情.md", Ok),
    ("reference/查询热key自动分析配置.md", Ok),
    ("reference/查询租户所有标签.md", Ok),
    ("reference/查询租户所有标签1.md", Ok),
    ("reference/查询租户的试用权限.md", Ok),
    ("reference/查询租户配额.md", Ok),
    ("reference/查询租户配额1.md", Ok),
    ("reference/查询维护时间窗时间段.md", Ok),
    ("reference/查询维护时间窗时间段1.md", Ok),
    ("reference/查询迁移任务列表.md", Ok),
    ("reference/查询迁移任务详情.md", Ok),
    ("reference/查询运行中实例的统计信息.md", Ok),
    ("reference/查询运行中实例的统计信息1.md", Ok),
    (
        "reference/示例1-创建Redis实例.md",
        Inferred(&["list-vpcs", "list-subnets", "list-flavors", "show-instance"]),
    ),
    (
        "reference/示例2-创建数据迁移任务.md",
        Inferred(&["show-instance", "show-migration-task"]),
    ),
    (
        "reference/示例3-批量删除Redis实例.md",
        Inferred(&["list-instances"]),
    ),
    // Its one GET shows the token header on a request to another service (IAM); no
    // answer follows it, so there is nothing to infer a response from.
    (
        "reference/认证鉴权.md",
        Fails("the request `GET /v3/auth/projects` has no JSON response example after it"),
    ),
    // Answers to frequent questions: two POSTs to the billing service (not derived), three
    // GETs with their response examples, and a GET of the quota whose path holds a
    // concrete project id and which the page gives no template for (not derived, warned).
    (
        "reference/创建DCS高频场景示例.md",
        Inferred(&["list-flavors", "list-vpcs", "list-subnets"]),
    ),
    ("revisions/查询所有实例列表/2018-12-04.md", Ok),
    ("revisions/查询所有实例列表/2019-04-28.md", Ok),
    ("revisions/查询所有实例列表/2019-12-11.md", Ok),
    ("revisions/查询所有实例列表/2020-03-14.md", Ok),
    ("revisions/查询所有实例列表/2020-03-28.md", Ok),
    ("revisions/查询所有实例列表/2020-05-16.md", Ok),
    ("revisions/查询所有实例列表/2021-09-25.md", Ok),
];

fn corpus() -> Option<PathBuf> {
    crate::need::shared()
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"];

/// The method of a request line: `GET /v2/…` or `GET https://…`, also after a short label
/// (`URI格式：GET /v2/…`, as the walkthroughs write it).
fn request_method(line: &str) -> Option<&str> {
    let mut line = line.trim();
    if !METHODS.iter().any(|m| line.starts_with(m)) {
        let (label, rest) = line.split_once('：')?;
        if label.is_empty() || label.chars().count() > 16 || label.contains([' ', '/']) {
            return None;
        }
        line = rest.trim_start();
    }
    let (method, rest) = line.split_once(char::is_whitespace)?;
    let rest = rest.trim_start();
    (METHODS.contains(&method) && (rest.starts_with('/') || rest.starts_with("http")))
        .then_some(method)
}

/// Whether a page documents a GET request, the way a reader tells: a reference page by
/// the first request line under its `## URI` heading (so `删除后台任务.md`, a DELETE
/// whose request example says GET by mistake, is not one); a page without a URI heading
/// (a walkthrough, the authentication page) by any request line of it being a GET,
/// whatever other requests it describes (so a walkthrough whose first step is a POST
/// still counts when a later step is a GET).
fn is_get_page(text: &str) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    match lines
        .iter()
        .position(|l| l.starts_with("## ") && l.contains("URI"))
    {
        Some(at) => lines[at..].iter().find_map(|l| request_method(l)) == Some("GET"),
        None => lines.iter().any(|l| request_method(l) == Some("GET")),
    }
}

/// The GET pages of the corpus: `reference/*.md` and `revisions/*/*.md`.
fn get_pages(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut folders = vec![dir.join("reference")];
    if let std::result::Result::Ok(entries) = std::fs::read_dir(dir.join("revisions")) {
        let mut revs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        revs.sort();
        folders.extend(revs);
    }
    for folder in folders {
        let Some(entries) = std::fs::read_dir(&folder).ok() else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "md") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if is_get_page(&text) {
                let rel = path.strip_prefix(dir).expect("inside the corpus");
                found.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    found
}

fn schema_problems(what: &str, schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
        out.push(format!("{what} is not a valid JSON Schema 2020-12: {e}"));
    }
    if let Err(e) = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(schema)
    {
        out.push(format!("{what} does not compile: {e}"));
    }
    out
}

/// What is wrong with a derived page's documents (empty when nothing).
fn problems(derived: &conform::derive::Derived, oas: &jsonschema::Validator) -> Vec<String> {
    let mut out = schema_problems("the response schema", &derived.response_schema);
    out.extend(schema_problems("the query schema", &derived.query_schema));
    let doc = &derived.openapi;
    out.extend(
        oas.iter_errors(doc)
            .map(|e| format!("OpenAPI {}: {e}", e.instance_path())),
    );
    if !doc["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.1."))
    {
        out.push(format!("OpenAPI version {}", doc["openapi"]));
    }
    let ops: Vec<&Value> = doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
        .filter_map(|item| item.get("get"))
        .collect();
    match ops.as_slice() {
        [op] => {
            let ok = op["responses"]
                .as_object()
                .is_some_and(|r| r.keys().any(|k| k.starts_with('2')));
            if !ok {
                out.push("the OpenAPI operation has no 2xx response".into());
            }
        }
        _ => out.push(format!("{} GET operations in the OpenAPI paths", ops.len())),
    }
    // The page's own example satisfies what it derives to, or derive said where the page
    // contradicts itself.
    if let (Some(example), std::result::Result::Ok(v)) = (
        &derived.operation.response_example,
        jsonschema::draft202012::new(&derived.response_schema),
    ) {
        let warned = derived
            .warnings()
            .iter()
            .any(|w| w.message.contains("the response example"));
        if !v.is_valid(example) && !warned {
            let errors: Vec<String> = v.iter_errors(example).map(|e| e.to_string()).collect();
            out.push(format!(
                "the example breaks the schema without a warning: {errors:?}"
            ));
        }
    }
    let mut dangling = Vec::new();
    dangling_refs(doc, doc, &mut dangling);
    if !dangling.is_empty() {
        out.push(format!("dangling $refs: {dangling:?}"));
    }
    out
}

#[test]
fn every_get_page_of_the_corpus_derives_as_expected() {
    let Some(dir) = corpus() else {
        return;
    };
    let listed: Vec<String> = {
        let mut v: Vec<String> = PAGES.iter().map(|(p, _)| p.to_string()).collect();
        v.sort();
        v
    };
    assert_eq!(
        get_pages(&dir),
        listed,
        "the table must list exactly the corpus's GET pages"
    );
    let oas = oas_validator();
    let mut failures = Vec::new();
    let mut derived_pages = 0;
    let mut operations = 0;
    for (page, expect) in PAGES {
        let path = dir.join(page);
        match (derive_all(&path, &DeriveOptions::default()), expect) {
            (std::result::Result::Ok(all), Ok | Inferred(_)) => {
                derived_pages += 1;
                operations += all.len();
                let names: Vec<&str> = all.iter().map(|d| d.name.as_str()).collect();
                let inferred: Vec<bool> =
                    all.iter().map(|d| d.operation.inferred.is_some()).collect();
                let as_expected = match expect {
                    Inferred(expected) => names == *expected && !inferred.contains(&false),
                    _ => names.len() == 1 && !inferred.contains(&true),
                };
                if !as_expected {
                    failures.push(format!(
                        "{page}: expected {expect:?}, got {names:?} (inferred: {inferred:?})"
                    ));
                }
                for derived in &all {
                    for p in problems(derived, &oas) {
                        failures.push(format!("{page} ({}): {p}", derived.name));
                    }
                }
            }
            (std::result::Result::Ok(_), Fails(what)) => failures.push(format!(
                "{page}: derives now, the table expects `{what}`: update the table"
            )),
            (Err(e), Ok | Inferred(_)) => {
                failures.push(format!("{page}: expected to derive, got: {e}"));
            }
            (Err(e), Fails(what)) => {
                let message = e.to_string();
                let located = message.starts_with(&format!("{}:", path.display()));
                if !located || !message.contains(what) {
                    failures.push(format!(
                        "{page}: expected a located `{what}`, got: {message}"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!(
        "{derived_pages} of {} GET pages derive ({operations} operations)",
        PAGES.len()
    );
    // The one that does not is the authentication page: its GET (to another service)
    // has no answer to infer a response from. The table pins each page's outcome; the
    // count is pinned too, so the summary in docs/derive.md cannot drift from it.
    assert_eq!(
        (derived_pages, PAGES.len()),
        (53, 54),
        "GET pages derived, of all GET pages"
    );
}

/// Every page of the shared folder: its top-level pages, `reference/*.md` and
/// `revisions/*/*.md`, relative to it, sorted.
fn every_page(dir: &Path) -> Vec<String> {
    let mut folders = vec![dir.to_path_buf(), dir.join("reference")];
    if let std::result::Result::Ok(entries) = std::fs::read_dir(dir.join("revisions")) {
        folders.extend(entries.flatten().map(|e| e.path()));
    }
    let mut found: Vec<String> = folders
        .iter()
        .filter_map(|folder| std::fs::read_dir(folder).ok())
        .flat_map(|entries| entries.flatten().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .map(|p| {
            let rel = p.strip_prefix(dir).expect("inside the corpus");
            rel.to_string_lossy().into_owned()
        })
        .collect();
    found.sort();
    found
}

/// A member that is nullable because its description says so: (table number, name,
/// the sentence).
type ProseNull = (u32, String, String);

/// The members of every table of an operation (parameters, the body and its objects,
/// each error body and its objects) whose description says the value is null.
fn prose_nulls(op: &conform::derive::Operation) -> Vec<ProseNull> {
    use conform::derive::model::NullBecause;
    let tables = std::iter::once(&op.response).chain(&op.objects).chain(
        op.errors
            .iter()
            .flat_map(|e| std::iter::once(&e.body).chain(&e.objects)),
    );
    op.path_params
        .iter()
        .chain(&op.query_params)
        .chain(tables.flat_map(|t| &t.fields))
        .flat_map(|f| {
            f.null_because.iter().filter_map(|b| match b {
                NullBecause::Description(s) => Some((f.table, f.name.clone(), s.clone())),
                NullBecause::Example { .. } => None,
            })
        })
        .collect()
}

/// The lines of a page's tables, outside code blocks, that name `null` (a JSON example
/// line such as `"error_code": null` is not one): read from the text, not through derive.
fn null_lines_in_tables(text: &str) -> Vec<&str> {
    let mut in_code = false;
    let mut in_table = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        in_table = (in_table || line.contains("<table")) && !line.contains("</table>");
        if in_table && !in_code && line.contains("null") {
            out.push(line);
        }
    }
    out
}

/// The sentences of the corpus's table cells that name `null` but do not say the
/// member's value is null: a denial ("when verification fails the parameter is returned
/// not null", 修改密码.md and 修改密码1.md), a configuration value in a condition (查询实例
/// 配置参数1.md), and an error message (错误码.md).
const NOT_NULL_STATEMENTS: &[&str] = &["不为null", "或null时", "cannot be a null value"];

/// The pages of the list API and what their descriptions make nullable, as (table, name).
const LIST_PAGES: &[(&str, &[(u32, &str)])] = &[
    // v2: two address members, the order id, and `error_ext_msg` in the error body table
    // of each of 400, 401, 403, 404 and 500.
    (
        "reference/查询所有实例列表.md",
        &[
            (4, "publicip_id"),
            (4, "publicip_address"),
            (4, "order_id"),
            (6, "error_ext_msg"),
            (7, "error_ext_msg"),
            (8, "error_ext_msg"),
            (9, "error_ext_msg"),
            (10, "error_ext_msg"),
        ],
    ),
    // v1.0 as of 2019 (the contract's page): no description says null.
    ("查询所有实例列表.md", &[]),
    ("revisions/查询所有实例列表/2018-12-04.md", &[]),
    ("revisions/查询所有实例列表/2019-04-28.md", &[]),
    // From the revision that adds `ip` and `tags` on, the public-address members say
    // "如果未开启公网访问功能，该字段值为null。".
    (
        "revisions/查询所有实例列表/2019-12-11.md",
        &[(3, "publicip_address"), (3, "publicip_id")],
    ),
    (
        "revisions/查询所有实例列表/2020-03-14.md",
        &[(3, "publicip_address"), (3, "publicip_id")],
    ),
    (
        "revisions/查询所有实例列表/2020-03-28.md",
        &[(3, "publicip_address"), (3, "publicip_id")],
    ),
    (
        "revisions/查询所有实例列表/2020-05-16.md",
        &[(3, "publicip_address"), (3, "publicip_id")],
    ),
    (
        "revisions/查询所有实例列表/2021-09-25.md",
        &[(3, "publicip_address"), (3, "publicip_id")],
    ),
];

/// How many members of the whole corpus are nullable because their description says so.
///
/// Counted by hand with grep, independently of derive:
/// `grep -rn null --include=*.md ../shared/vendor-docs` gives 416 lines; 199 are lines of
/// JSON examples (`"…" : null`), and the other 217 are all in table cells. 9 of those do
/// not say the member is null ([`NOT_NULL_STATEMENTS`]: 6 `返回不为null`, 1 `或null时`,
/// 2 `cannot be a null value`), so 208 say it is: 183 `扩展错误信息(暂未使用，赋值为null)`,
/// 12 `如果未开启公网访问功能，该字段值为null。`, 12 `（创建分析任务时此值为null，不返回）`
/// and 1 `按需实例时此值为null。`. 39 of the 208 (all `error_ext_msg`) are on the 9 pages
/// derive refuses (their only response tables are error bodies: `主备切换.md`,
/// `删除后台任务.md`, …), leaving 169, one member each. The test checks that count
/// against the text too: the `null` lines of the tables of the pages that derive, less
/// the statements that deny it.
const PROSE_NULLABLE_MEMBERS: usize = 169;

#[test]
fn members_whose_description_says_null_are_nullable_across_the_corpus() {
    let Some(dir) = corpus() else {
        return;
    };
    let mut by_page: Vec<(String, Vec<ProseNull>)> = Vec::new();
    let mut from_text = 0;
    for page in every_page(&dir) {
        let path = dir.join(&page);
        let std::result::Result::Ok(all) = derive_all(&path, &DeriveOptions::default()) else {
            continue;
        };
        let text = std::fs::read_to_string(&path).expect("readable");
        from_text += null_lines_in_tables(&text)
            .iter()
            .filter(|l| !NOT_NULL_STATEMENTS.iter().any(|s| l.contains(s)))
            .count();
        let nulls: Vec<ProseNull> = all.iter().flat_map(|d| prose_nulls(&d.operation)).collect();
        by_page.push((page, nulls));
    }
    let count: usize = by_page.iter().map(|(_, n)| n.len()).sum();
    assert_eq!(
        count, from_text,
        "members derive makes nullable from prose, against the `null` lines of the tables"
    );
    assert_eq!(
        count, PROSE_NULLABLE_MEMBERS,
        "nullable from prose, whole corpus"
    );
    for (page, expected) in LIST_PAGES {
        let Some((_, nulls)) = by_page.iter().find(|(p, _)| p == page) else {
            panic!("{page} does not derive");
        };
        let got: Vec<(u32, &str)> = nulls.iter().map(|(t, n, _)| (*t, n.as_str())).collect();
        assert_eq!(got, *expected, "{page}");
    }
    // Every sentence is one the vendor wrote about the member's own value.
    for (page, nulls) in &by_page {
        for (table, name, sentence) in nulls {
            assert!(
                sentence.contains("null") && !sentence.contains("不为null"),
                "{page}, table {table}, {name}: {sentence}"
            );
        }
    }
}
