//! Entry points of the fuzz targets (`fuzz/`, run with `cargo fuzz`), shared with the
//! replay test (`tests/library/fuzz_replay.rs`) so that `cargo test` on a stable toolchain
//! feeds the committed seeds and every input a fuzzer ever crashed on through exactly the
//! same code. Each takes arbitrary bytes; the only way to fail is to panic (or hang).

use std::path::Path;
use std::sync::OnceLock;

use crate::base::Baseline;
use crate::case::Case;
use crate::check::{self, Context, Purpose};
use crate::contract::Contract;
use crate::exec::{Exchange, Request, Response};
use crate::plan;

/// The vendor-page parser: the bytes as a page in `schemas/source/`, so that links to
/// the status page resolve as they do for the real page (and seeds derived from it
/// reach the deeper stages).
pub fn derive_page(data: &[u8]) -> bool {
    let page = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schemas/source/fuzz-input.md"
    ));
    match crate::derive::derive_bytes_all(page, data, &crate::derive::DeriveOptions::default()) {
        Ok(all) => {
            // Serialising is part of deriving: the files must always be writable text.
            for derived in all {
                let files = derived.files();
                debug_assert!(files.iter().all(|(_, text)| text.ends_with('\n')));
            }
            true
        }
        Err(e) => {
            let _ = e.to_string();
            false
        }
    }
}

/// The case-file loader: the bytes as a case file, then (when it loads) its draws
/// resolved against a small baseline and its request built, as `conform run` would.
/// Every diagnostic is rendered, because the caret arithmetic is where a hostile file
/// (tabs, wide characters, spans at the end of the text) could go wrong.
pub fn case_file(data: &[u8]) -> bool {
    let contract = Contract::embedded();
    match crate::case::parse_case_bytes("fuzz/case.toml", data, "fuzz/case", contract) {
        Ok(case) => {
            if let Ok(query) = plan::resolve_query(contract.desc(), &case, baseline()) {
                let mut req = Request::list(contract.desc(), "p", query);
                req.raw_query = case.raw_query.clone();
                let _ = req.path_and_query();
                let _ = req.decoded_query();
            }
            true
        }
        Err(diags) => {
            assert!(!diags.is_empty(), "a refused case file has a diagnostic");
            for d in diags {
                let _ = d.to_string();
            }
            false
        }
    }
}

/// The response checker: the first byte picks a case shape, a status and a media type;
/// the rest, split at 0xFF bytes (never part of UTF-8, so never part of a JSON body), are
/// the bodies of the case's answers in request order (the last one repeats).
pub fn check_response(data: &[u8]) -> bool {
    let Some((&selector, rest)) = data.split_first() else {
        return false;
    };
    let cases = checker_cases();
    let case = &cases[usize::from(selector & 3)];
    let status = match (selector >> 2) & 3 {
        0 | 1 => case.expect.status[0],
        2 => 400,
        _ => 500,
    };
    let content_type = if selector & 0x10 == 0 {
        "application/json; charset=utf-8"
    } else {
        "text/plain"
    };
    let bodies: Vec<&[u8]> = rest.split(|b| *b == 0xFF).take(8).collect();
    let requests = case_requests(case);
    let exchanges: Vec<(Purpose, Exchange)> = requests
        .into_iter()
        .enumerate()
        .map(|(i, (purpose, request))| {
            let body = bodies.get(i).or(bodies.last()).copied().unwrap_or_default();
            let response = Response::new(status, Some(content_type.into()), body.to_vec());
            let exchange = Exchange {
                request,
                outcome: Ok(response),
                retries: 0,
            };
            (purpose, exchange)
        })
        .collect();
    let foreign = &fixture().1;
    let ctx = Context {
        contract: Contract::embedded(),
        case,
        baseline: baseline(),
        foreign,
    };
    let outcome = check::check_exchanges(&ctx, exchanges);
    assert!(outcome.findings.len() <= check::MAX_FINDINGS + 1);
    outcome.findings.is_empty()
}

/// The one-pass reader of list answers ([`crate::contract::shape`]) against the full path: whatever
/// the bytes, the reader may accept them only if the strict parser and the jsonschema
/// validator accept them too, and then it must read exactly what the full path reads.
/// Returns true when the reader accepted the body.
pub fn read_list(data: &[u8]) -> bool {
    read_list_with(Contract::embedded(), data)
}

/// [`read_list`] for another contract's answers (the v2 list's, say).
pub fn read_list_with(contract: &Contract, data: &[u8]) -> bool {
    let Some(view) = contract.read_list(data) else {
        return false;
    };
    let body = crate::json::parse(data)
        .unwrap_or_else(|e| panic!("the fast path accepted a body the strict parser refuses: {e}"));
    assert!(
        contract.response_is_valid(&body),
        "the fast path accepted a body the schema rejects: {:?}",
        contract.validate_response(&body)
    );
    assert_eq!(
        view,
        crate::contract::shape::ListView::from_value(&body, contract.desc()),
        "the fast path read the body differently"
    );
    true
}

/// The baseline (four items, one hidden, names that share substrings) and another
/// project's list, from `fuzz/fixtures/checker/baseline.json`.
fn fixture() -> &'static (Baseline, Baseline) {
    static FIXTURE: OnceLock<(Baseline, Baseline)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let c = Contract::embedded();
        let data: serde_json::Value =
            serde_json::from_str(include_str!("../fuzz/fixtures/checker/baseline.json"))
                .expect("the fuzz baseline is JSON");
        let list = |key: &str| {
            let items = data[key].as_array().expect("a list of items");
            c.baseline(items.iter().filter_map(|v| c.read_item(v)).collect())
        };
        (list("main"), list("foreign"))
    })
}

fn baseline() -> &'static Baseline {
    &fixture().0
}

/// The case shapes the checker is fuzzed with: a filter, a repeat (C8), a page walk
/// (C9..C11) and an expected error (C13), from `fuzz/fixtures/checker/*.toml`.
fn checker_cases() -> &'static [Case; 4] {
    static CASES: OnceLock<[Case; 4]> = OnceLock::new();
    CASES.get_or_init(|| {
        let parse = |name: &str, text: &str| {
            crate::case::parse_case(name, text, name, Contract::embedded())
                .expect("the fuzz cases are valid")
        };
        [
            parse(
                "filter",
                include_str!("../fuzz/fixtures/checker/filter.toml"),
            ),
            parse(
                "repeat",
                include_str!("../fuzz/fixtures/checker/repeat.toml"),
            ),
            parse("walk", include_str!("../fuzz/fixtures/checker/walk.toml")),
            parse("error", include_str!("../fuzz/fixtures/checker/error.toml")),
        ]
    })
}

/// The requests `conform run` would send for one of the fuzz cases.
fn case_requests(case: &Case) -> Vec<(Purpose, Request)> {
    let desc = Contract::embedded().desc();
    let query = plan::resolve_query(desc, case, baseline()).expect("literal queries resolve");
    let main = Request::list(desc, "p", query);
    let mut out = vec![(Purpose::Main, main.clone())];
    for _ in 1..case.expect.repeat {
        out.push((Purpose::Repeat, main.clone()));
    }
    for &limit in &case.expect.pages {
        let q = check::filter::Query::parse(desc, &main.decoded_query()).unpaged();
        let total = check::filter::expected(baseline(), &q).len();
        out.extend(plan::plan_walk(desc, &main, total, limit));
    }
    debug_assert!(case.rules.iter().all(|r| desc.has_rule(*r)));
    out
}
