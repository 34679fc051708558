//! Benchmark: checking one very large list answer (10,000 and 100,000 instances).
//! Measures reading the body + schema validation + every check of an unfiltered case
//! (`check_exchanges` from the raw bytes, as a run does it), and the peak heap used while doing
//! it, against the body size; then the same through the full path (parse into a tree,
//! jsonschema) for comparison. Prints numbers; asserts nothing but that the answers are
//! judged valid.
//!
//! Run: `cargo bench --bench check_large`

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use conform::base::Baseline;
use conform::case::{AuthSel, Case, Expect, Loc, ProjectSel, ResultsExpect, Rule};
use conform::check::{check_exchanges, Context, Purpose};
use conform::contract::Contract;
use conform::diag::LineCol;
use conform::exec::{Exchange, Request, Response};

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
        rules: vec![Rule::c(7)],
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

/// Median wall time (ms) of `check_exchanges` on fresh answers, and the peak heap it used on
/// top of what was live before.
fn measure(
    ctx: &Context<'_>,
    runs: usize,
    make: impl Fn() -> Vec<(Purpose, Exchange)>,
) -> (f64, usize) {
    let mut times = Vec::new();
    let mut peak_extra = 0;
    for _ in 0..runs {
        let exchanges = make();
        let before = CURRENT.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let t = Instant::now();
        let out = check_exchanges(ctx, exchanges);
        times.push(t.elapsed());
        peak_extra = peak_extra.max(PEAK.load(Ordering::Relaxed) - before);
        assert!(
            out.findings.is_empty(),
            "the generated answer is valid: {:?}",
            &out.findings[..1]
        );
        drop(out);
    }
    times.sort();
    (times[times.len() / 2].as_secs_f64() * 1e3, peak_extra)
}

fn main() {
    let contract = Contract::embedded();
    let full_path = Contract::from_dir(std::path::Path::new("schemas"))
        .expect("run from the package root")
        .without_fast_path();
    let case = case();
    for n in [10_000usize, 100_000] {
        let instances: Vec<serde_json::Value> = (0..n).map(instance).collect();
        let body =
            serde_json::to_vec(&serde_json::json!({"instances": instances, "instance_num": n}))
                .unwrap();
        let baseline = contract.baseline(
            instances
                .iter()
                .filter_map(|v| contract.read_item(v))
                .collect(),
        );
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
                    request: Request::list(
                        conform::contract::Contract::embedded().desc(),
                        "p",
                        vec![],
                    ),
                    outcome: Ok(Response::new(200, Some("application/json".into()), body)),
                    retries: 0,
                },
            )]
        };
        let runs = if n >= 100_000 { 11 } else { 21 };
        // The run's path: the one-pass reader validates and reads the bytes (src/shape.rs).
        let (fast, fast_peak) = measure(&ctx, runs, || make(body.clone()));
        // The full path, for comparison: strict parse into a tree, jsonschema, then the
        // checks (what every answer took before the fast path, and what an invalid answer
        // still takes, so that each violation is explained).
        let ctx_full = Context {
            contract: &full_path,
            ..ctx
        };
        let (slow, slow_peak) = measure(&ctx_full, runs, || make(body.clone()));
        // The reader's share: one pass over the bytes, validating and picking up instances.
        let mut read = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            let view = contract.read_list(&body).expect("the fast path reads it");
            read.push(t.elapsed());
            drop(view);
        }
        read.sort();
        let read = read[runs / 2].as_secs_f64() * 1e3;
        println!(
            "check {n:>7} instances: body {:>5.1} MiB; median over {runs} runs: read + schema + all checks {:>7.2} ms (the one-pass read alone {:>6.2} ms), peak extra heap {:>6.1} MiB = {:.2}x body (full path: {:>7.2} ms, {:.2}x body)",
            body.len() as f64 / 1048576.0,
            fast,
            read,
            fast_peak as f64 / 1048576.0,
            fast_peak as f64 / body.len() as f64,
            slow,
            slow_peak as f64 / body.len() as f64,
        );
    }
}
