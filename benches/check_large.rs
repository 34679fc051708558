//! Benchmark: checking one very large list answer (10,000 and 100,000 instances).
//! Measures parsing + schema validation + every check of an unfiltered case, and the
//! peak heap used while doing it, against the body size. Prints numbers; asserts nothing.
//!
//! Run: `cargo bench --bench check_large`

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use conform::case::{AuthSel, Case, Expect, Loc, ProjectSel, ResultsExpect, Rule};
use conform::check::{check_case, Context, Purpose};
use conform::contract::Contract;
use conform::diag::LineCol;
use conform::exec::{Exchange, Request, Response};
use conform::plan::{Baseline, Inst};

struct Counting;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// Counts live bytes on top of the allocator the `conform` binary uses (mimalloc), so the
// times are the binary's and the peak is exact.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const STATUSES: [&str; 5] = ["RUNNING", "CLOSED", "ERROR", "FROZEN", "CREATING"];
const SPECS: [&str; 3] = ["dcs.single_node", "dcs.master_standby", "dcs.cluster"];

fn instance(i: usize) -> serde_json::Value {
    // Newest first: created_at decreases with i (C8), so the list is in contract order.
    let secs = 2_000_000_000 - i as i64 * 7;
    let created = time::OffsetDateTime::from_unix_timestamp(secs)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
        .replace('Z', ".000Z");
    serde_json::json!({
        "name": format!("dcs-bench-{i:06}"),
        "engine": "Redis",
        "capacity": 1 + i % 64,
        "ip": format!("10.{}.{}.{}", i / 65536 % 256, i / 256 % 256, i % 256),
        "domainName": "",
        "port": 6379,
        "status": STATUSES[i % STATUSES.len()],
        "max_memory": 1024,
        "used_memory": i % 1024,
        "instance_id": format!("{:08x}-0000-4000-8000-{:012x}", i, i),
        "resource_spec_code": SPECS[i % 3],
        "engine_version": "3.0.7",
        "internal_version": null,
        "charging_mode": i % 2,
        "vpc_id": "1e8115ce-38a4-4c15-bb8f-fe0152c56cb7",
        "vpc_name": "vpc-192",
        "created_at": created,
        "error_code": null,
        "user_id": "450c1c3bc09546d396e12ebf016a9329",
        "user_name": "bench",
        "maintain_begin": "02:00:00",
        "maintain_end": "06:00:00"
    })
}

fn case() -> Case {
    Case {
        name: "bench/unfiltered".into(),
        loc: Loc {
            file: "bench".into(),
            at: LineCol { line: 1, col: 1 },
        },
        description: "unfiltered".into(),
        rules: vec![Rule(7)],
        project: ProjectSel::Main,
        auth: AuthSel::Configured,
        query: vec![],
        raw_query: None,
        headers: vec![],
        expect: Expect {
            status: vec![200],
            status_loc: None,
            results: ResultsExpect::Some,
            pages: vec![],
            pages_loc: None,
            repeat: 1,
        },
    }
}

fn main() {
    let contract = Contract::embedded();
    let case = case();
    for n in [10_000usize, 100_000] {
        let instances: Vec<serde_json::Value> = (0..n).map(instance).collect();
        let body =
            serde_json::to_vec(&serde_json::json!({"instances": instances, "instance_num": n}))
                .unwrap();
        let baseline = Baseline::new(instances.iter().filter_map(Inst::from_json).collect());
        drop(instances);
        let foreign = Baseline::default();
        let ctx = Context {
            contract,
            case: &case,
            baseline: &baseline,
            foreign: &foreign,
        };
        let make = |body: Vec<u8>| {
            vec![(
                Purpose::Main,
                Exchange {
                    request: Request::list("p", vec![]),
                    outcome: Ok(Response {
                        status: 200,
                        content_type: Some("application/json".into()),
                        body,
                        elapsed: Duration::ZERO,
                        retry_after: None,
                        parsed: Default::default(),
                    }),
                    retries: 0,
                },
            )]
        };
        let runs = if n >= 100_000 { 5 } else { 20 };
        let (mut parse, mut check, mut total) = (Vec::new(), Vec::new(), Vec::new());
        let mut peak_extra = 0;
        for _ in 0..runs {
            let exchanges = make(body.clone());
            let before = CURRENT.load(Ordering::Relaxed);
            PEAK.store(before, Ordering::Relaxed);
            let t0 = Instant::now();
            // Parsing happens once per answer in a run (the result is cached in the
            // response and handed to the report), so it is timed on its own.
            if let Ok(r) = &exchanges[0].1.outcome {
                r.json().expect("valid JSON");
            }
            let t1 = Instant::now();
            let out = check_case(&ctx, &exchanges);
            let t2 = Instant::now();
            parse.push(t1 - t0);
            check.push(t2 - t1);
            total.push(t2 - t0);
            peak_extra = peak_extra.max(PEAK.load(Ordering::Relaxed) - before);
            assert!(
                out.findings.is_empty(),
                "the generated answer is valid: {:?}",
                &out.findings[..1]
            );
            drop(out);
            drop(exchanges);
        }
        // The schema's share of the check: validation alone on an already parsed body.
        let parsed = conform::json::parse(&body).expect("valid JSON");
        let mut schema = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            assert!(contract.response_is_valid(&parsed));
            schema.push(t.elapsed());
        }
        drop(parsed);
        let med = |v: &mut Vec<Duration>| {
            v.sort();
            v[v.len() / 2].as_secs_f64() * 1e3
        };
        println!(
            "check {n:>7} instances: body {:>5.1} MiB; median over {runs} runs: parse {:>7.2} ms + schema and all checks {:>7.2} ms (schema alone {:>6.2} ms) = {:>7.2} ms; peak extra heap {:>6.1} MiB = {:.2}x body",
            body.len() as f64 / 1048576.0,
            med(&mut parse),
            med(&mut check),
            med(&mut schema),
            med(&mut total),
            peak_extra as f64 / 1048576.0,
            peak_extra as f64 / body.len() as f64,
        );
    }
}
