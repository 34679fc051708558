//! `conform derive` on a walkthrough: a page that describes its requests in prose (a
//! `URI格式：GET …` line, an example request, a JSON response example per step) instead of
//! parameter and response tables. Each GET request derives to schemas inferred from its
//! examples, marked so in the schemas and in the warnings; the fixture's own examples
//! satisfy them; the reviewed snapshots pin the output; the library and the command
//! refuse to name one output for a page of several requests.

use std::path::PathBuf;

use conform::derive::{derive_all, derive_page, DeriveError, DeriveOptions, Derived};
use serde_json::Value;

use super::derive::{assert_valid_openapi, compile, query_of};

const PAGE: &str = "tests/fixtures/derive/ok/walkthrough/示例-创建并查询实例.md";

fn page() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(PAGE)
}

fn derive() -> Vec<Derived> {
    derive_all(&page(), &DeriveOptions::default()).expect("the walkthrough derives")
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("serialises")
}

#[test]
fn each_get_step_derives_and_the_post_step_is_read_past() {
    let all = derive();
    let names: Vec<&str> = all.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["list-flavors", "show-instance"]);
    let warnings: Vec<String> = all
        .iter()
        .flat_map(|d| d.warnings().iter().map(std::string::ToString::to_string))
        .collect();
    let at = |line: usize| format!("{}:{line}: ", page().display());
    let expected = [
        (12, "`GET /v2/{project_id}/flavors?spec_code={spec_code}&engine={engine}&capacity={capacity}`: no parameter or response table on the page; the query schema is inferred from the request (line 12, example request line 16) and the response schema from the response example (line 21), not from tables"),
        (38, "`POST /v2/{project_id}/instances` is not derived: derive writes schemas for GET requests only"),
        (67, "`GET /v2/{project_id}/instances/{instance_id}`: no parameter or response table on the page; the query schema is inferred from the request (line 67, example request line 71) and the response schema from the response example (line 76)"),
    ];
    assert_eq!(warnings.len(), expected.len(), "{warnings:#?}");
    for (w, (line, text)) in warnings.iter().zip(expected) {
        assert!(
            w.starts_with(&at(line)) && w.contains(text),
            "`{w}` should be at line {line} and say `{text}`"
        );
    }
}

#[test]
fn the_inferred_schemas_are_the_reviewed_snapshots() {
    for derived in derive() {
        let name = derived.name.clone();
        insta::assert_snapshot!(
            format!("walkthrough-{name}.response"),
            pretty(&derived.response_schema)
        );
        insta::assert_snapshot!(
            format!("walkthrough-{name}.query"),
            pretty(&derived.query_schema)
        );
    }
}

#[test]
fn the_examples_satisfy_what_they_derive_to_and_the_openapi_is_valid() {
    for derived in derive() {
        let example = derived
            .operation
            .response_example
            .as_ref()
            .expect("a response example");
        let errors: Vec<String> = compile(&derived.response_schema)
            .iter_errors(example)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", derived.name);
        let request = derived
            .operation
            .example_request
            .as_deref()
            .expect("an example request");
        assert!(
            compile(&derived.query_schema).is_valid(&query_of(request)),
            "{}: {request}",
            derived.name
        );
        assert_valid_openapi(&derived.openapi);
        // Marked as inferred wherever a reader looks first.
        for text in [
            &derived.response_schema["description"],
            &derived.query_schema["description"],
            &derived.openapi["info"]["description"],
        ] {
            assert!(
                text.as_str().is_some_and(|t| t.contains("INFERRED")),
                "{}: {text}",
                derived.name
            );
        }
    }
}

#[test]
fn inference_follows_the_example_and_no_further() {
    let all = derive();
    let flavors = &all[0].response_schema;
    assert_eq!(flavors["type"], "array");
    let item = &flavors["items"];
    assert_eq!(item["properties"]["dec"]["type"], "boolean");
    assert_eq!(item["properties"]["tenant_ip_count"]["type"], "integer");
    assert_eq!(
        item["properties"]["billing_mode"]["items"]["type"],
        "string"
    );
    assert_eq!(
        item["properties"]["attrs"]["items"]["required"],
        serde_json::json!(["name", "value"])
    );
    // A null in the example says nothing of the type: any value is accepted.
    assert!(item["properties"]["inquery_spec_code"]
        .get("type")
        .is_none());
    let instance = &all[1].response_schema;
    assert_eq!(instance["properties"]["used_memory"]["type"], "number");
    // An empty array types no items.
    assert!(instance["properties"]["tags"].get("items").is_none());
    assert_eq!(
        instance["properties"]["source_instance"]["properties"]["ip"]["x-source"],
        "示例-创建并查询实例.md, response example (line 76), /source_instance/ip"
    );
    // What the example shows is what is required, at every level; nothing else.
    let v = compile(instance);
    let mut body = all[1]
        .operation
        .response_example
        .clone()
        .expect("an example");
    assert!(v.is_valid(&body));
    body["capacity_minor"] = Value::from("anything");
    body["extra"] = Value::from(1);
    assert!(
        v.is_valid(&body),
        "null members are open, extra members allowed"
    );
    body["capacity"] = Value::from("2");
    assert!(!v.is_valid(&body), "capacity is an integer in the example");
    body["capacity"] = Value::from(2);
    if let Some(source) = body["source_instance"].as_object_mut() {
        source.remove("ip");
    }
    assert!(!v.is_valid(&body), "the example's members are required");

    // Query: the path parameters are required strings; the query parameters are optional,
    // typed from the example request's values (`capacity=2`), a dotted value kept a string.
    let query = &all[0].query_schema;
    assert_eq!(
        query["$defs"]["path-parameters"]["required"],
        serde_json::json!(["project_id"])
    );
    assert!(query.get("required").is_none(), "{query}");
    let q = compile(query);
    let ok = serde_json::json!({ "capacity": "4", "engine_version": "6.2.1" });
    assert!(q.is_valid(&ok));
    assert!(!q.is_valid(&serde_json::json!({ "capacity": "two" })));
}

#[test]
fn derive_page_refuses_a_page_of_several_requests_and_names_them() {
    let err = derive_page(&page()).expect_err("two GET requests");
    assert!(
        matches!(err, DeriveError::SeveralRequests { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("the page documents 2 GET requests (list-flavors, show-instance)"),
        "{message}"
    );
    assert!(message.contains("\nhint: `derive_all`"), "{message}");
}

#[test]
fn the_cli_writes_each_request_and_refuses_one_name_for_several() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let out = crate::derive::derive_cli(&[PAGE], tmp.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("warning: ").count(), 3, "{stderr}");
    for name in ["list-flavors", "show-instance"] {
        for kind in ["response.schema", "query.schema", "openapi"] {
            assert!(
                tmp.path().join(format!("{name}.{kind}.json")).is_file(),
                "{name}.{kind}.json"
            );
        }
    }

    let other = tempfile::tempdir().expect("a temp dir");
    let out = crate::derive::derive_cli(&[PAGE, "--name", "flavors"], other.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the page documents 2 GET requests (list-flavors, show-instance); --name and --overlay name the output of one"),
        "{stderr}"
    );
    assert!(
        std::fs::read_dir(other.path())
            .expect("exists")
            .next()
            .is_none(),
        "nothing written"
    );
}
