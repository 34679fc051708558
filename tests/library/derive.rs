//! `conform derive` end to end: the committed schemas are exactly what the vendor page
//! derives to (drift check), the page's own examples satisfy them, bad documents and
//! queries fail them, fixture pages in the same vendor format derive to the reviewed
//! snapshots, bad pages fail with file, line and problem, and every OpenAPI export is
//! valid against the official OpenAPI 3.1 schema (vendored, no network).

use std::path::{Path, PathBuf};
use std::process::Command;

use conform::contract::Contract;
use conform::derive::{derive_page, derive_page_with, DeriveError, DeriveOptions, Derived};
use serde_json::{json, Map, Value};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `conform derive ARGS --out OUT` from the repository root.
pub(crate) fn derive_cli(args: &[&str], out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_conform"))
        .current_dir(root())
        .arg("derive")
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .expect("runs")
}

fn vendor_page() -> PathBuf {
    root().join("schemas/v1.0/source/查询所有实例列表.md")
}

/// The vendor page derived the way the committed files were: with the committed overlay.
fn derive_vendor_page() -> Derived {
    let options = DeriveOptions {
        name: None,
        overlay: Some(root().join("schemas/v1.0/list-instances.overlay.json")),
    };
    derive_page_with(&vendor_page(), &options).expect("the vendor page derives")
}

#[test]
fn committed_schemas_are_byte_equal_to_a_fresh_derivation() {
    let derived = derive_vendor_page();
    assert_eq!(derived.name, "list-instances");
    let tmp = tempfile::tempdir().expect("a temp dir");
    let written = derived.write_to(tmp.path()).expect("writes");
    assert_eq!(written.len(), 3);
    for path in written {
        let name = path
            .file_name()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        let fresh = std::fs::read_to_string(&path).expect("written file");
        #[cfg(unix)]
        {
            // Readable by others, like any file a user saves: schemas are committed and
            // served, not private.
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o044,
                0o044,
                "{name} is readable by others: {mode:o}"
            );
        }
        let committed = std::fs::read_to_string(root().join("schemas/v1.0").join(&name))
            .unwrap_or_else(|e| panic!("schemas/{name} is missing ({e})"));
        if fresh != committed {
            let diff = similar::TextDiff::from_lines(&committed, &fresh);
            panic!(
                "schemas/{name} differs from what the page derives to; re-derive with\n  \
                 cargo run -- derive schemas/v1.0/source/查询所有实例列表.md --out schemas/v1.0\n{}",
                diff.unified_diff().header("committed", "derived")
            );
        }
    }
}

/// The second contract's schemas are the v2 page's, derived with its overlay.
#[test]
fn committed_v2_schemas_are_byte_equal_to_a_fresh_derivation_of_the_v2_page() {
    let page = root().join("../shared/vendor-docs/reference/查询所有实例列表.md");
    if !page.exists() {
        crate::need::shared();
        return;
    }
    let options = DeriveOptions {
        name: None,
        overlay: Some(root().join("schemas/v2/list-instances.overlay.json")),
    };
    let derived = derive_page_with(&page, &options).expect("the v2 page derives");
    let tmp = tempfile::tempdir().expect("a temp dir");
    for path in derived.write_to(tmp.path()).expect("writes") {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let fresh = std::fs::read_to_string(&path).unwrap();
        let committed = std::fs::read_to_string(root().join("schemas/v2").join(&name))
            .unwrap_or_else(|e| panic!("schemas/v2/{name} is missing ({e})"));
        assert!(
            fresh == committed,
            "schemas/v2/{name} differs from the v2 page's derivation; re-derive with\n  \
             cargo run -- derive ../shared/vendor-docs/reference/查询所有实例列表.md --out schemas/v2"
        );
    }
    // The overlay's one relaxation: the page's own answer has no readonly_domain_name.
    let response: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/v2/list-instances.response.schema.json"))
            .unwrap(),
    )
    .unwrap();
    let required = response["$defs"]["InstanceListInfo"]["required"]
        .as_array()
        .unwrap();
    assert!(!required.contains(&json!("readonly_domain_name")));
    assert!(required.contains(&json!("domain_name")) && required.len() == 37);
    // The description beside them loads and names the v2 path.
    let v2 = Contract::from_file(&root().join("schemas/v2/list-instances.contract.toml"))
        .expect("the v2 description loads");
    assert_eq!(v2.desc().path.text(), "/v2/{project_id}/instances");
}

#[test]
fn derivation_is_deterministic() {
    let a = derive_vendor_page().files();
    let b = derive_vendor_page().files();
    assert_eq!(a, b);
}

fn example_body() -> Value {
    derive_vendor_page()
        .operation
        .response_example
        .expect("the page has a response example")
}

/// `GET /path?a=1&b=` → {"a": "1", "b": ""}, as the query travels.
pub(crate) fn query_of(request: &str) -> Value {
    let query = request.split_once('?').map(|(_, q)| q).unwrap_or("");
    let map: Map<String, Value> = form_urlencoded::parse(query.trim().as_bytes())
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    Value::Object(map)
}

#[test]
fn the_page_response_example_satisfies_the_schema() {
    let violations = Contract::embedded().validate_response(&example_body());
    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn the_page_example_request_satisfies_the_query_schema() {
    let request = derive_vendor_page()
        .operation
        .example_request
        .expect("the page has an example request");
    assert!(
        request.ends_with(
            "?start=1&limit=10&name=&status=&id=&includeFailure=true&isExactMatchName=false"
        ),
        "{request}"
    );
    let violations = Contract::embedded().validate_query(&query_of(&request));
    assert!(violations.is_empty(), "{violations:#?}");
}

/// Applies `change` to the first instance of the page's example and returns the
/// violations.
fn violations_with(
    change: impl FnOnce(&mut Map<String, Value>),
) -> Vec<conform::contract::SchemaViolation> {
    let mut body = example_body();
    let instance = body
        .pointer_mut("/instances/0")
        .and_then(Value::as_object_mut)
        .expect("an instance");
    change(instance);
    Contract::embedded().validate_response(&body)
}

fn assert_rejected(
    what: &str,
    pointer: &str,
    source: &str,
    change: impl FnOnce(&mut Map<String, Value>),
) {
    let v = violations_with(change);
    assert!(
        v.iter().any(
            |x| x.pointer == pointer && x.source.as_deref().is_some_and(|s| s.contains(source))
        ),
        "{what}: expected a violation at {pointer} citing `{source}`, got {v:#?}"
    );
}

#[test]
fn bad_documents_are_rejected_with_the_page_cited() {
    assert_rejected(
        "port as a string",
        "/instances/0/port",
        "Table 3, port",
        |i| {
            i.insert("port".into(), json!("6379"));
        },
    );
    assert_rejected("a missing field", "/instances/0", "Table 3", |i| {
        i.remove("engine");
    });
    assert_rejected(
        "an unknown status",
        "/instances/0/status",
        "Table 3, status",
        |i| {
            i.insert("status".into(), json!("SLEEPING"));
        },
    );
    assert_rejected(
        "created_at without Z",
        "/instances/0/created_at",
        "created_at",
        |i| {
            i.insert("created_at".into(), json!("2018-04-12T03:20:10.126"));
        },
    );
    assert_rejected(
        "created_at with an offset (C12)",
        "/instances/0/created_at",
        "created_at",
        |i| {
            i.insert("created_at".into(), json!("2018-04-12T11:20:10.126+08:00"));
        },
    );
    assert_rejected(
        "used_memory not an integer",
        "/instances/0/used_memory",
        "used_memory",
        |i| {
            i.insert("used_memory".into(), json!(2.5));
        },
    );
    assert_rejected(
        "port out of range (C12)",
        "/instances/0/port",
        "port",
        |i| {
            i.insert("port".into(), json!(70000));
        },
    );
    assert_rejected(
        "negative capacity (C12)",
        "/instances/0/capacity",
        "capacity",
        |i| {
            i.insert("capacity".into(), json!(-1));
        },
    );
    assert_rejected(
        "an unlisted charging_mode",
        "/instances/0/charging_mode",
        "charging_mode",
        |i| {
            i.insert("charging_mode".into(), json!(2));
        },
    );
    assert_rejected(
        "an unlisted resource_spec_code",
        "/instances/0/resource_spec_code",
        "resource_spec_code",
        |i| {
            i.insert("resource_spec_code".into(), json!("dcs.huge"));
        },
    );
    assert_rejected(
        "maintain_begin not HH:mm:ss",
        "/instances/0/maintain_begin",
        "maintain_begin",
        |i| {
            i.insert("maintain_begin".into(), json!("25:00:00"));
        },
    );
    assert_rejected(
        "null where the example shows no null",
        "/instances/0/engine",
        "engine",
        |i| {
            i.insert("engine".into(), json!(null));
        },
    );
    let mut body = example_body();
    body["instance_num"] = json!(-1);
    assert!(
        !Contract::embedded().response_is_valid(&body),
        "instance_num < 0 (C12)"
    );
}

#[test]
fn overlay_statuses_and_extra_fields_are_accepted() {
    for status in ["RESTORING", "FLUSHING", "CREATEFAILED"] {
        let v = violations_with(|i| {
            i.insert("status".into(), json!(status));
        });
        assert!(v.is_empty(), "{status}: {v:#?}");
    }
    // C12: fields beyond the tables are allowed (capacity_minor on small instances).
    let v = violations_with(|i| {
        i.insert("capacity".into(), json!(0));
        i.insert("capacity_minor".into(), json!(".125"));
    });
    assert!(v.is_empty(), "{v:#?}");
}

#[test]
fn queries_follow_c1_and_c10() {
    let contract = Contract::embedded();
    let ok = |q: &str| {
        let v = contract.validate_query(&query_of(&format!("GET /x?{q}")));
        assert!(v.is_empty(), "{q}: {v:#?}");
    };
    let bad = |q: &str, pointer: &str| {
        let v = contract.validate_query(&query_of(&format!("GET /x?{q}")));
        assert!(v.iter().any(|x| x.pointer == pointer), "{q}: {v:#?}");
    };
    ok("start=&limit=&name=&id=&status=&includeFailure=&isExactMatchName=");
    ok("start=2&limit=1&status=FLUSHING&isExactMatchName=TRUE");
    ok("unknown=1"); // C7: unlisted parameters are ignored
    bad("start=0", "/start");
    bad("start=abc", "/start");
    bad("limit=0", "/limit");
    bad("limit=-1", "/limit");
    bad("limit=1.5", "/limit");
    bad("status=SLEEPING", "/status");
}

// ---- OpenAPI -------------------------------------------------------------------------

pub(crate) fn oas_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        root().join("tests/fixtures/openapi/oas-3.1-schema-2022-10-07.json"),
    )
    .expect("the vendored OpenAPI 3.1 schema");
    let schema: Value = serde_json::from_str(&text).expect("JSON");
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the OpenAPI 3.1 schema compiles")
}

/// Every local `$ref` of a document points at something.
pub(crate) fn dangling_refs(doc: &Value, node: &Value, out: &mut Vec<String>) {
    match node {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                match r.strip_prefix('#') {
                    Some(p) if doc.pointer(p).is_some() => {}
                    _ => out.push(r.clone()),
                }
            }
            m.values().for_each(|v| dangling_refs(doc, v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| dangling_refs(doc, v, out)),
        _ => {}
    }
}

pub(crate) fn assert_valid_openapi(doc: &Value) {
    let validator = oas_validator();
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let mut dangling = Vec::new();
    dangling_refs(doc, doc, &mut dangling);
    assert!(dangling.is_empty(), "dangling $refs: {dangling:?}");
}

#[test]
fn the_openapi_export_is_valid_openapi_3_1() {
    let doc = derive_vendor_page().openapi;
    assert_valid_openapi(&doc);
    let op = &doc["paths"]["/v1.0/{project_id}/instances"]["get"];
    let params: Vec<(&str, &str)> = op["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap_or(""),
                p["in"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(params[0], ("project_id", "path"));
    assert!(params.contains(&("limit", "query")));
    assert!(!params.contains(&("project_id", "query")));
    for status in ["200", "400", "401", "403", "404", "500"] {
        assert!(
            op["responses"].get(status).is_some(),
            "no {status} response"
        );
    }
    // A C13 error body in either form satisfies the error schema.
    let error = doc["components"]["schemas"]["vendor-error"].clone();
    let v = jsonschema::draft202012::new(&error).expect("compiles");
    assert!(v.is_valid(&json!({"error_code": "DCS.4001", "error_msg": "bad", "request_id": "r"})));
    assert!(v.is_valid(&json!({"error": {"code": "APIGW.0301", "message": "bad token"}})));
    assert!(!v.is_valid(&json!({"error_code": 400})));
    // The response schema in the export accepts the page's example like the standalone one.
    let example = &op["responses"]["200"]["content"]["application/json"]["example"];
    assert_eq!(example, &example_body());
}

#[test]
fn the_openapi_validator_rejects_a_broken_document() {
    // Guards the guard: the vendored schema really checks something.
    let mut doc = derive_vendor_page().openapi;
    doc["openapi"] = json!("3.0.0");
    doc["paths"]["/v1.0/{project_id}/instances"]["get"]["responses"] = json!({"200": {}});
    assert!(!oas_validator().is_valid(&doc));
}

// ---- fixture pages ---------------------------------------------------------------------

const OK_FIXTURES: &[&str] = &[
    "tests/fixtures/derive/ok/backups/查询备份记录.md",
    "tests/fixtures/derive/ok/flavors/查询产品规格.md",
];

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("serialises")
}

pub(crate) fn compile(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("a derived schema compiles")
}

#[test]
fn fixture_pages_derive_to_the_reviewed_snapshots() {
    for page in OK_FIXTURES {
        let derived = derive_page(&root().join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        let name = derived.name.clone();
        insta::assert_snapshot!(format!("{name}.response"), pretty(&derived.response_schema));
        insta::assert_snapshot!(format!("{name}.query"), pretty(&derived.query_schema));
        assert_valid_openapi(&derived.openapi);
        // The page's own examples satisfy what it derives to.
        if let Some(example) = &derived.operation.response_example {
            let errors: Vec<String> = compile(&derived.response_schema)
                .iter_errors(example)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{page}: {errors:#?}");
        }
        if let Some(request) = &derived.operation.example_request {
            assert!(
                compile(&derived.query_schema).is_valid(&query_of(request)),
                "{page}: {request}"
            );
        }
    }
}

#[test]
fn the_older_column_order_with_every_type_word() {
    let d = derive_page(&root().join(OK_FIXTURES[0])).expect("derives");
    assert_eq!(d.name, "list-backups");
    let s = &d.response_schema;
    assert_eq!(s["properties"]["total_num"]["type"], "integer"); // Long
    assert_eq!(
        s["properties"]["backup_record_response"]["items"]["$ref"],
        "#/$defs/backup_record_response"
    );
    let rec = &s["$defs"]["backup_record_response"]["properties"];
    assert_eq!(rec["progress"]["type"], "number"); // Float
    assert_eq!(rec["progress"]["maximum"], 100);
    assert_eq!(rec["is_support_restore"]["type"], "boolean");
    assert_eq!(rec["tags"]["items"]["type"], "string"); // List<String>
    assert_eq!(rec["status"]["x-enum-source"], "备份状态说明.md, Table 1");
    assert_eq!(rec["backup_type"]["enum"], json!(["auto", "manual"]));
    assert_eq!(rec["remark"]["type"], json!(["string", "null"]));
    // An object the example shows as null in one record and filled in another.
    assert_eq!(
        rec["error_info"]["anyOf"],
        json!([{"$ref": "#/$defs/error_info"}, {"type": "null"}])
    );
    assert_eq!(rec["window"]["pattern"], "^([01][0-9]|2[0-3]):[0-5][0-9]$");
    let q = &d.query_schema;
    assert_eq!(
        q["$defs"]["path-parameters"]["required"],
        json!(["project_id", "instance_id"])
    );
    assert!(q["properties"].get("instance_id").is_none());
    assert_eq!(
        q["properties"]["isAuto"]["enum"],
        json!(["", "true", "false"])
    );
    assert_eq!(q["properties"]["priority"]["enum"], json!(["", "1", "2"]));
    assert_eq!(q["properties"]["limit"]["x-maximum"], 1000);
}

#[test]
fn the_newer_column_order_with_nested_object_arrays() {
    let d = derive_page(&root().join(OK_FIXTURES[1])).expect("derives");
    assert_eq!(d.name, "list-flavors");
    let s = &d.response_schema;
    assert_eq!(
        s["properties"]["flavors"]["items"]["$ref"],
        "#/$defs/FlavorsItems"
    );
    let items = &s["$defs"]["FlavorsItems"]["properties"];
    assert_eq!(items["capacity"]["items"]["type"], "string"); // Array of strings
    assert_eq!(items["attrs"]["items"]["$ref"], "#/$defs/AttrsObject");
    assert_eq!(
        items["flavors_available_zones"]["items"]["$ref"],
        "#/$defs/FlavorAzObject"
    );
    assert_eq!(items["extra"]["type"], "object"); // JSON
    assert_eq!(items["price"]["type"], "number"); // Double
    assert_eq!(items["billing_mode"]["enum"], json!([0, 1]));
    let q = &d.query_schema;
    assert_eq!(
        q["properties"]["engine"]["enum"],
        json!(["", "Redis", "Memcached"])
    );
    assert_eq!(q["properties"]["include_sold_out"]["default"], "false");
    assert_eq!(
        q["$defs"]["path-parameters"]["properties"]["project_id"]["x-source"],
        "查询产品规格.md, Table 1, project_id"
    );
    assert_eq!(
        d.operation.example_request.as_deref(),
        Some("GET /v2/{project_id}/flavors")
    );
}

// ---- bad pages -------------------------------------------------------------------------

/// (fixture, line, what the message must say)
const BAD: &[(&str, usize, &str)] = &[
    ("no-parameter-table.md", 5, "no parameter table found after the URI line"),
    ("missing-column.md", 10, "table 1 (参数说明) has no 必选 (required) column (its columns are: 参数, 类型, 说明)"),
    ("unknown-type.md", 82, "table 3 (thing参数说明), row `id`: unknown type word `Strnig`"),
    ("malformed-html.md", 88, "malformed HTML: `</tr>` closes `<td>` (opened at line 86)"),
    ("unused-object-table.md", 74, "table 3 (thing参数说明) describes object `thing`, but no Array or Object field refers to it"),
    ("empty.md", 1, "the file is empty"),
    ("binary.md", 3, "the file is not text: it contains NUL bytes"),
    ("no-get-request.md", 11, "no GET request on this page (it describes `DELETE /v2/{project_id}/instances`)"),
];

fn bad_fixture(name: &str) -> PathBuf {
    Path::new("tests/fixtures/derive/bad").join(name)
}

#[test]
fn bad_pages_fail_with_file_line_and_problem() {
    for (file, line, problem) in BAD {
        let path = root().join(bad_fixture(file));
        let Err(err) = derive_page(&path) else {
            panic!("{file}: derived without error")
        };
        assert!(matches!(err, DeriveError::Page { .. }), "{file}: {err:?}");
        let message = err.to_string();
        let location = format!("{}:{line}: ", path.display());
        assert!(
            message.starts_with(&location),
            "{file}: `{message}` should start with `{location}`"
        );
        assert!(
            message.contains(problem),
            "{file}: `{message}` should say `{problem}`"
        );
    }
}

/// The located warnings of a derivation, as `file:line: message` with the fixture folder.
fn warnings_of(derived: &Derived) -> Vec<String> {
    derived
        .warnings()
        .iter()
        .map(std::string::ToString::to_string)
        .collect()
}

fn assert_warns(warnings: &[String], location: &str, text: &str) {
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with(location) && w.contains(text)),
        "expected a warning at `{location}` saying `{text}`, got {warnings:#?}"
    );
}

#[test]
fn a_missing_value_page_and_a_broken_example_are_warnings_not_stops() {
    // A value list linked to a page that is not there: the values are left open.
    let path = root().join(bad_fixture("broken-link.md"));
    let derived = derive_page(&path).expect("derives with a warning");
    let warnings = warnings_of(&derived);
    assert_warns(
        &warnings,
        &format!("{}:29: ", path.display()),
        "the value list linked as `不存在的状态说明.md` is not there",
    );
    let status = &derived.query_schema["properties"]["status"];
    assert!(status.get("enum").is_none(), "open values: {status}");
    assert_eq!(status["x-see"], json!(["不存在的状态说明.md"]));

    // An example that is not JSON: the schema comes from the tables alone.
    let path = root().join(bad_fixture("bad-example.md"));
    let derived = derive_page(&path).expect("derives with a warning");
    assert_warns(
        &warnings_of(&derived),
        &format!("{}:105: ", path.display()),
        "the response example is not JSON: trailing comma",
    );
    assert!(derived.operation.response_example.is_none());
}

#[test]
fn an_example_that_contradicts_its_table_is_reported_and_the_table_wins() {
    let path = root().join("tests/fixtures/derive/defects/查询备份记录.md");
    let derived = derive_page(&path).expect("derives with warnings");
    let warnings = warnings_of(&derived);
    let at = |line: usize| format!("{}:{line}: ", path.display());
    // Each names the table row (its line first) and the place in the example.
    assert_warns(
        &warnings,
        &at(119),
        "the response example (line 258) contradicts table 2, row `total_num` (line 119): `/total_num` is a string, the table says `Long`",
    );
    assert_warns(
        &warnings,
        &at(168),
        "contradicts table 3, row `status` (line 168): `/backup_record_response/0/status` is \"SLEEPING\", not one of the values the table lists",
    );
    assert_warns(
        &warnings,
        &at(175),
        "contradicts table 3, row `backup_type` (line 175): `/backup_record_response/0` has no `backup_type`, which the table lists",
    );
    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    // The schema is the table's: the same as the page whose example agrees with it.
    let agreeing = derive_page(&root().join(OK_FIXTURES[0])).expect("derives");
    assert!(agreeing.warnings().is_empty(), "{:#?}", agreeing.warnings());
    assert_eq!(derived.response_schema, agreeing.response_schema);
    // And the schema rejects the example where the page contradicts itself.
    let example = derived
        .operation
        .response_example
        .as_ref()
        .expect("an example");
    assert!(!compile(&derived.response_schema).is_valid(example));
}

/// A page in the vendor's format: a status linked by the address the vendor publishes
/// its status page under, a zone linked to another API page, and descriptions that say,
/// or deny, that a value is null.
const PUBLISHED_LINKS_AND_NULLS: &str = r#"# 查询东西<a name="ListThings"></a>

## URI

GET /v2/things?status={status}

**表 1**  Query参数

<table><thead><tr><th>参数</th><th>是否必选</th><th>参数类型</th><th>描述</th></tr></thead>
<tbody><tr><td>status</td><td>否</td><td>String</td><td>状态，见<a href="https://support.example.invalid/api/state-page.html">状态说明</a></td></tr>
</tbody></table>

## 响应参数

**表 2**  响应Body参数

<table><thead><tr><th>参数</th><th>参数类型</th><th>描述</th></tr></thead>
<tbody><tr><td>status</td><td>String</td><td>状态，见<a href="https://support.example.invalid/api/state-page.html">状态说明</a>。</td></tr>
<tr><td>order_id</td><td>String</td><td><p>订单ID。</p><p>按需实例时此值为null。</p></td></tr>
<tr><td>lock_time</td><td>String</td><td>锁定时间。锁定时该参数返回不为null。</td></tr>
<tr><td>zone</td><td>String</td><td>可用区，见<a href="https://support.example.invalid/api/ListThings.html">查询东西</a></td></tr>
<tr><td>remark</td><td>String</td><td>备注。</td></tr>
</tbody></table>

## 响应示例

```
{"status": "ON", "order_id": "o-1", "lock_time": "t", "zone": "z", "remark": null}
```
"#;

const STATE_PAGE: &str = r#"# 状态说明<a name="state-page"></a>

**表 1**  状态说明

<table><thead><tr><th>状态</th><th>说明</th></tr></thead>
<tbody><tr><td>ON</td><td>开</td></tr>
<tr><td>OFF</td><td>关</td></tr>
</tbody></table>
"#;

#[test]
fn a_description_that_says_null_and_a_link_to_a_published_page() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let page = tmp.path().join("查询东西.md");
    std::fs::write(&page, PUBLISHED_LINKS_AND_NULLS).unwrap();
    std::fs::write(tmp.path().join("状态说明.md"), STATE_PAGE).unwrap();
    let d = derive_page(&page).expect("derives");
    assert!(d.warnings().is_empty(), "{:#?}", d.warnings());
    let props = &d.response_schema["properties"];

    // The description's sentence makes the value nullable and is recorded as the reason.
    assert_eq!(props["order_id"]["type"], json!(["string", "null"]));
    assert_eq!(
        props["order_id"]["x-nullable-because"],
        json!(["the description says: 按需实例时此值为null。"])
    );
    // "Not null when locked" does not.
    assert_eq!(props["lock_time"]["type"], "string");
    assert!(props["lock_time"].get("x-nullable-because").is_none());
    // The example's null is recorded with its place.
    assert_eq!(props["remark"]["type"], json!(["string", "null"]));
    assert_eq!(
        props["remark"]["x-nullable-because"],
        json!(["the response example (line 27) shows null at /remark"])
    );

    // The status page is found by the name its title carries, in the query and the body.
    assert_eq!(props["status"]["enum"], json!(["ON", "OFF"]));
    assert_eq!(props["status"]["x-enum-source"], "状态说明.md, Table 1");
    assert_eq!(
        d.query_schema["properties"]["status"]["enum"],
        json!(["", "ON", "OFF"])
    );
    // An API page (its first table lists fields, not values) stays a cross-reference.
    assert!(props["zone"].get("enum").is_none());
    assert_eq!(
        props["zone"]["x-see"],
        json!(["https://support.example.invalid/api/ListThings.html"])
    );
    assert!(compile(&d.response_schema).is_valid(&json!({
        "status": "OFF", "order_id": null, "lock_time": "t", "zone": "z", "remark": null
    })));
    assert!(!compile(&d.response_schema).is_valid(&json!({
        "status": "OFF", "order_id": "o", "lock_time": null, "zone": "z", "remark": null
    })));
}

#[test]
fn the_cli_prints_warnings_on_stderr_and_still_writes() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let out = derive_cli(
        &["tests/fixtures/derive/defects/查询备份记录.md"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("warning: tests/fixtures/derive/defects/查询备份记录.md:119: "),
        "{stderr}"
    );
    assert_eq!(stderr.matches("warning: ").count(), 3, "{stderr}");
    assert!(tmp
        .path()
        .join("list-backups.response.schema.json")
        .is_file());
}

#[test]
fn the_cli_derives_and_exits_2_on_a_bad_page() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let out = derive_cli(&["tests/fixtures/derive/bad/unknown-type.md"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: tests/fixtures/derive/bad/unknown-type.md:82: "),
        "{stderr}"
    );
    assert!(stderr.contains("\nhint: known type words"), "{stderr}");
    assert!(
        std::fs::read_dir(tmp.path())
            .expect("exists")
            .next()
            .is_none(),
        "nothing written"
    );

    // The committed overlay is picked up from --out by default.
    let out = derive_cli(
        &[
            "schemas/v1.0/source/查询所有实例列表.md",
            "--overlay",
            "schemas/v1.0/list-instances.overlay.json",
        ],
        tmp.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for file in [
        "list-instances.response.schema.json",
        "list-instances.query.schema.json",
        "list-instances.openapi.json",
    ] {
        assert!(stdout.contains(file), "{stdout}");
        let fresh = std::fs::read(tmp.path().join(file)).expect("written");
        let committed = std::fs::read(root().join("schemas/v1.0").join(file)).expect("committed");
        assert!(fresh == committed, "{file} differs");
    }
}

#[test]
fn an_overlay_for_another_page_is_refused() {
    let options = DeriveOptions {
        name: None,
        overlay: Some(root().join("schemas/v1.0/list-instances.overlay.json")),
    };
    let err = derive_page_with(&root().join(OK_FIXTURES[0]), &options).expect_err("refused");
    let message = err.to_string();
    assert!(
        message.contains("written for page `查询所有实例列表.md`, not for `查询备份记录.md`"),
        "{message}"
    );
}

#[test]
fn without_the_overlay_only_the_page_speaks() {
    let derived = derive_page(&vendor_page()).expect("derives");
    let port = &derived.response_schema["$defs"]["instance"]["properties"]["port"];
    assert!(
        port.get("minimum").is_none() && port.get("x-overlay").is_none(),
        "{port}"
    );
    let status = &derived.response_schema["$defs"]["instance"]["properties"]["status"]["enum"];
    assert_eq!(
        status.as_array().map(Vec::len),
        Some(10),
        "the linked table lists 10 statuses"
    );
    // With it, each change names its rule.
    let with = derive_vendor_page();
    let port = &with.response_schema["$defs"]["instance"]["properties"]["port"];
    assert_eq!(port["x-overlay"][0]["rule"], "C12");
    assert_eq!(port["maximum"], 65535);
}

#[test]
fn truncated_pages_give_errors_not_panics() {
    // Every prefix of the vendor page (at a stride, on character boundaries) either
    // derives or fails with an error; none panics.
    let text = std::fs::read_to_string(vendor_page()).expect("the vendor page");
    let tmp = tempfile::tempdir().expect("a temp dir");
    std::fs::copy(
        root().join("schemas/v1.0/source/缓存实例状态说明.md"),
        tmp.path().join("缓存实例状态说明.md"),
    )
    .expect("copies the status page");
    let page = tmp.path().join("page.md");
    let mut failed = 0;
    for cut in (0..text.len())
        .step_by(211)
        .filter(|&i| text.is_char_boundary(i))
    {
        std::fs::write(&page, &text[..cut]).expect("writes");
        if let Err(e) = derive_page(&page) {
            failed += 1;
            assert!(e.to_string().contains("page.md:"), "{e}");
        }
    }
    assert!(failed > 0);
}
