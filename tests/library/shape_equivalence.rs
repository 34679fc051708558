//! The one-pass reader of list answers (src/shape.rs) against the full path (strict
//! parser + jsonschema), on generated bodies. Valid bodies must take the fast path and be
//! read exactly as the full path reads them; mutated bodies (wrong types, missing members,
//! bad dates, repeated keys, broken bytes, …) must never be accepted by the reader unless
//! the full path accepts them too. `conform::fuzz::read_list` holds the comparison (the
//! fuzz target of the same name runs it on arbitrary bytes).

use conform::fuzz::read_list;
use serde_json::{json, Value};

/// xorshift64*: deterministic, so a failure names a seed that reproduces it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const NAMES: [&str; 8] = [
    "dcs-prod",
    "缓存实例",
    "with \"quotes\" and \\ backslash",
    "tab\there",
    "emoji 😀 pair",
    "",
    "name/with/slashes",
    "ends with space ",
];
const STATUSES: [&str; 5] = ["RUNNING", "CREATEFAILED", "CLOSED", "FROZEN", "RESTORING"];

fn instance(r: &mut Rng, i: usize) -> Value {
    let day = 1 + r.below(28);
    let frac = [".000", "", ".5", ".123456789"][r.below(4)];
    let hm = |r: &mut Rng| format!("{:02}:{:02}:00", r.below(24), r.below(60));
    let nullable = |r: &mut Rng| {
        if r.below(2) == 0 {
            Value::Null
        } else {
            json!("x")
        }
    };
    let used = r.below(1000);
    json!({
        "name": format!("{}{i}", r.pick(&NAMES)),
        "engine": "Redis",
        "capacity": r.below(64),
        "ip": "10.0.0.1",
        "domainName": "",
        "port": 1 + r.below(65535),
        "status": r.pick(&STATUSES),
        "max_memory": used + r.below(1000),
        "used_memory": used,
        "instance_id": format!("id-{i:06}-{}", r.below(1000)),
        "resource_spec_code": r.pick(&["dcs.single_node", "dcs.master_standby", "dcs.cluster"]),
        "engine_version": "5.0",
        "internal_version": nullable(r),
        "charging_mode": r.below(2),
        "vpc_id": "v",
        "vpc_name": "vpc",
        "created_at": format!("2024-02-{day:02}T{:02}:00:00{frac}Z", r.below(24)),
        "error_code": nullable(r),
        "user_id": "u",
        "user_name": "n",
        "maintain_begin": hm(r),
        "maintain_end": hm(r),
    })
}

fn body(r: &mut Rng) -> Value {
    let n = r.below(12);
    let list: Vec<Value> = (0..n).map(|i| instance(r, i)).collect();
    json!({"instances": list, "instance_num": n})
}

#[test]
fn valid_bodies_take_the_fast_path_and_read_the_same() {
    let mut r = Rng(0x5eed_0001);
    for seed in 0..400 {
        let b = body(&mut r);
        let compact = serde_json::to_vec(&b).unwrap();
        let pretty = serde_json::to_vec_pretty(&b).unwrap();
        // Non-ASCII escaped as \uXXXX (surrogate pairs included), keys escaped too.
        let escaped = serde_json::to_string(&b)
            .unwrap()
            .chars()
            .map(|c| match c {
                c if c.is_ascii() => c.to_string(),
                c => c
                    .encode_utf16(&mut [0; 2])
                    .iter()
                    .map(|u| format!("\\u{u:04x}"))
                    .collect(),
            })
            .collect::<String>()
            .replace("\"status\"", "\"st\\u0061tus\"");
        for text in [compact, pretty, escaped.into_bytes()] {
            assert!(
                read_list(&text),
                "body {seed} did not take the fast path: {}",
                String::from_utf8_lossy(&text)
            );
        }
    }
}

/// Values that break (or, for some members, keep) the schema.
fn replacement(r: &mut Rng) -> Value {
    let candidates = [
        json!(1.5),
        json!(1.0),
        json!(-1),
        json!(0),
        json!(65536),
        json!(u64::MAX),
        json!("x"),
        json!(""),
        Value::Null,
        json!(true),
        json!([]),
        json!({"nested": {"deep": [1, 2]}}),
        json!("2024-02-30T00:00:00Z"),
        json!("2024-02-01T00:00:00+08:00"),
        json!("2024-02-01T23:59:60Z"),
        json!("2024-02-01T12:30:60Z"),
        json!("2024-02-01 00:00:00Z"),
        json!("24:00:00"),
        json!("23:59:59"),
        json!("RUNNING"),
        json!("running"),
        json!("dcs.cluster"),
        json!(1),
    ];
    r.pick(&candidates).clone()
}

fn mutate_value(r: &mut Rng, b: &mut Value) {
    let n = b["instances"].as_array().unwrap().len();
    match r.below(5) {
        k @ 0..=2 if n > 0 => {
            // An earlier mutation may have replaced the instance or emptied it.
            let Some(inst) = b["instances"][r.below(n)].as_object_mut() else {
                return;
            };
            let Some(key) = inst.keys().nth(r.below(inst.len().max(1))).cloned() else {
                return;
            };
            if k == 0 {
                inst.shift_remove(&key);
            } else {
                inst[&key] = replacement(r);
            }
        }
        3 => {
            b.as_object_mut()
                .unwrap()
                .insert("instance_num".into(), replacement(r));
        }
        _ if n > 0 => {
            let at = r.below(n);
            match r.below(3) {
                0 => b["instances"][at] = replacement(r),
                1 => {
                    let copy = b["instances"][0].clone();
                    b["instances"].as_array_mut().unwrap().push(copy);
                }
                _ => {
                    if let Some(inst) = b["instances"][at].as_object_mut() {
                        inst.insert("extra".into(), replacement(r));
                    }
                }
            }
        }
        _ => {
            b.as_object_mut()
                .unwrap()
                .insert("unexpected".into(), replacement(r));
        }
    }
}

fn mutate_text(r: &mut Rng, text: &mut Vec<u8>) {
    if text.is_empty() {
        return;
    }
    let at = r.below(text.len());
    match r.below(7) {
        0 => text.truncate(at),
        1 => text[at] = *r.pick(b"{}[]\",:0-9.eE \\\x00\xff"),
        2 => text.insert(at, *r.pick(b" \t\n\r,\"")),
        3 => {
            text.remove(at);
        }
        // Repeat a member: the first `"key": value,` after the position, written twice.
        4 => {
            let s = String::from_utf8_lossy(text).into_owned();
            if let Some(k) = s[at.min(s.len())..].find("\"engine\": \"Redis\",") {
                let k = at + k;
                let member = "\"engine\": \"Redis\",";
                text.splice(k..k, member.bytes());
            }
        }
        5 => {
            let s = String::from_utf8_lossy(text).into_owned();
            let s = s.replacen(": 0,", ": -0,", 1).replacen(": 1,", ": 01,", 1);
            *text = s.into_bytes();
        }
        _ => {
            let s = String::from_utf8_lossy(text).into_owned();
            let s = s.replacen("\"name\"", "\"n\\u0061me\"", 1);
            *text = s.into_bytes();
        }
    }
}

#[test]
fn mutated_bodies_are_accepted_only_when_the_full_path_accepts_them() {
    let mut r = Rng(0x5eed_0002);
    let (mut fast, mut total) = (0, 0);
    for _ in 0..3000 {
        let mut b = body(&mut r);
        for _ in 0..=r.below(2) {
            mutate_value(&mut r, &mut b);
        }
        let mut text = if r.below(2) == 0 {
            serde_json::to_vec(&b).unwrap()
        } else {
            serde_json::to_vec_pretty(&b).unwrap()
        };
        if r.below(2) == 0 {
            mutate_text(&mut r, &mut text);
        }
        total += 1;
        // Panics (naming the disagreement) if the reader accepts what the full path
        // refuses, or reads it differently.
        fast += usize::from(read_list(&text));
    }
    // Both sides are exercised: some mutations keep the body valid, most do not.
    assert!(
        fast > 100 && fast < total - 1000,
        "{fast} of {total} read by the fast path"
    );
}

/// A random JSON text from a vocabulary that hits the schemas below: their patterns,
/// enums, bounds and member names, numbers the two paths read differently, nesting.
fn random_json(r: &mut Rng, depth: u32) -> String {
    const STRINGS: [&str; 16] = [
        "\"\"",
        "\"a\"",
        "\"ab12\"",
        "\"xay\"",
        "\"xaay\"",
        "\"a-b\"",
        "\"02:00:00\"",
        "\"24:00:00\"",
        "\"2024-02-29T12:00:00Z\"",
        "\"2023-02-29T12:00:00Z\"",
        "\"RUNNING\"",
        "\"running\"",
        "\"\\u0061\"",
        "\"7\"",
        "\"\\u00e9t\\u00e9\"",
        "\"x\\ny\"",
    ];
    const NUMBERS: [&str; 12] = [
        "0",
        "1",
        "-1",
        "-0",
        "1.0",
        "1.5",
        "65535",
        "65536",
        "1e2",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775809",
    ];
    const KEYS: [&str; 8] = [
        "a",
        "b",
        "c",
        "instances",
        "instance_id",
        "name",
        "next",
        "\\u0061",
    ];
    let pick = r.below(if depth == 0 { 4 } else { 6 });
    match pick {
        0 => r.pick(&STRINGS).to_string(),
        1 => r.pick(&NUMBERS).to_string(),
        2 => r.pick(&["true", "false", "null"]).to_string(),
        3 => r.pick(&STRINGS).to_string(),
        4 => {
            let items: Vec<String> = (0..r.below(4)).map(|_| random_json(r, depth - 1)).collect();
            format!("[{}]", items.join(","))
        }
        _ => {
            let members: Vec<String> = (0..r.below(5))
                .map(|_| format!("\"{}\":{}", r.pick(&KEYS), random_json(r, depth - 1)))
                .collect();
            format!("{{{}}}", members.join(", "))
        }
    }
}

#[test]
fn other_schemas_agree_with_jsonschema() {
    use conform::contract::shape::{ListView, Shape};
    let schemas = [
        json!({"type": "string", "pattern": "^[a-z\\d]+$"}),
        json!({"type": "string", "pattern": "xa{1,2}y|^7$"}),
        json!({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"}),
        json!({"type": "string", "format": "date-time"}),
        json!({"type": ["string", "null"], "enum": ["a", "RUNNING"]}),
        json!({"type": ["string", "null"], "enum": ["a", null]}),
        json!({"type": "integer", "minimum": 0, "maximum": 65535}),
        json!({"type": ["integer", "null"], "enum": [0, 1]}),
        json!({"type": "boolean"}),
        json!({"type": "null"}),
        json!({"type": "array", "items": {"type": "integer"}}),
        json!({"type": "object", "required": ["a", "c"],
               "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}),
        json!({"type": "object", "properties": {"a": {"$ref": "#/$defs/node"}},
               "$defs": {"node": {"type": ["object", "null"],
                                  "properties": {"next": {"$ref": "#/$defs/node"},
                                                 "a": {"type": "string", "pattern": "^a"}}}}}),
        json!({"type": "object", "properties": {"instances": {"type": "array",
               "items": {"type": "object", "required": ["instance_id"],
                         "properties": {"instance_id": {"type": "string"}}}}}}),
    ];
    let mut r = Rng(0x5eed_0003);
    for schema in &schemas {
        let shape = Shape::compile(schema, conform::contract::Contract::embedded().desc())
            .unwrap_or_else(|| panic!("in the subset: {schema}"));
        let full = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(schema)
            .unwrap();
        let (mut fast, mut valid) = (0, 0);
        for _ in 0..3000 {
            let text = random_json(&mut r, 3);
            let parsed = conform::json::parse(text.as_bytes());
            let ok = parsed.as_ref().is_ok_and(|v| full.is_valid(v));
            valid += usize::from(ok);
            if let Some(view) = shape.read_list(text.as_bytes()) {
                fast += 1;
                assert!(ok, "the fast path accepted {text} against {schema}");
                assert_eq!(
                    view,
                    ListView::from_value(
                        parsed.as_ref().unwrap(),
                        conform::contract::Contract::embedded().desc()
                    ),
                    "{text}"
                );
            }
        }
        // The fast path is exercised. It leaves some valid bodies to the full path by
        // design: integers written as 1.0, 1e2 or -0, which serde_json reads as floats.
        assert!(
            fast > 0 && fast * 3 >= valid,
            "{schema}: {fast} fast, {valid} valid"
        );
    }
}

/// The v2 list's answers (tags arrays, integer capacities and capacity_minor in the
/// members the rules read) take the fast path and are read exactly as the full path
/// reads them.
#[tokio::test]
async fn v2_answers_with_tags_and_capacities_take_the_fast_path() {
    let v2 = conform::contract::Contract::from_file(std::path::Path::new(
        "schemas/v2/list-instances.contract.toml",
    ))
    .unwrap();
    let base = crate::serve(conform::mock::router(conform::mock::MockConfig::builtin())).await;
    let project = conform::mock::MAIN_PROJECT;
    let _ = rustls::crypto::ring::default_provider().install_default();
    for q in [
        "include_failure=true&include_delete=true&limit=1000",
        "tags=env%3Dprod&limit=1000",
        "capacity=0.125",
        "limit=3",
    ] {
        let body = reqwest::get(format!("{base}/v2/{project}/instances?{q}"))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(
            conform::fuzz::read_list_with(&v2, &body),
            "{q}: the fast path refused a v2 answer"
        );
    }
}
