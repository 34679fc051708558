//! The JSON Lines reporter (`--format json`): one JSON object per line and per event,
//! `run-started`, `case-finished` (one per case, in case order), `run-finished`. Every
//! event has an `"event"` member naming its type; docs/output.md documents every field.
//! Fields are only ever added, never renamed, so consumers can rely on them.

use std::io::{self, Write};

use serde::Serialize;

use super::{CaseResult, Event, Reporter, RunInfo, Sink, Summary};
use crate::check::Purpose;

/// Writes one JSON object per line.
pub struct JsonReporter<W: Write> {
    out: Sink<W>,
    info: Option<RunInfo>,
}

impl<W: Write> JsonReporter<W> {
    pub fn new(out: Sink<W>) -> Self {
        JsonReporter { out, info: None }
    }

    pub fn into_inner(self) -> W {
        self.out.into_inner()
    }
}

impl<W: Write> Reporter for JsonReporter<W> {
    fn report(&mut self, event: &Event<'_>) -> io::Result<()> {
        if let Event::RunStarted(info) = event {
            self.info = Some((*info).clone());
        }
        let contract = self.info.as_ref().map_or("", |i| i.contract.as_str());
        let to_line = |value: &dyn erased::Line| to_line(value, contract);
        let line = match event {
            Event::RunStarted(info) => to_line(&RunStarted::of(info)),
            Event::CaseFinished(r) => match &self.info {
                Some(info) => to_line(&CaseFinished::of(r, info)),
                None => return Ok(()),
            },
            Event::Explored(e) => match &self.info {
                Some(info) => to_line(&Explored {
                    event: "explore-finished",
                    seed: e.seed,
                    budget: e.budget,
                    probes: e.probes,
                    requests: e.requests,
                    classes: [e.coverage.classes, e.coverage.classes_total],
                    pairs: [e.coverage.pairs, e.coverage.pairs_total],
                    interacting_pairs: [e.coverage.interacting, e.coverage.interacting_total],
                    unreachable: &e.unreachable,
                    elapsed_ms: millis(e.elapsed),
                    failures: e
                        .failures
                        .iter()
                        .map(|f| ExploreFailureJson {
                            found: &f.found,
                            repeats: f.repeats,
                            case_file: &f.case_file,
                            result: CaseFinished::of(&f.result, info),
                        })
                        .collect(),
                }),
                None => return Ok(()),
            },
            Event::RunFinished(end) => {
                let s = end.summary;
                // The account moved while the run read it: its own line before the last.
                let moved = (s.account_moved > 0).then(|| {
                    to_line(&AccountMoved {
                        event: "account-moved",
                        looks: s.account_looks,
                        moves: &s.account_moves,
                        excused: s.account_excused,
                        unsettled: s.account_unsettled,
                    })
                });
                let last = to_line(&RunFinished {
                    event: "run-finished",
                    summary: s,
                    elapsed_ms: millis(end.elapsed),
                    exit_code: end.exit_code,
                });
                moved.unwrap_or_default() + &last
            }
        };
        self.out.write_text(&line)
    }
}

/// One event as a line, with the contract it belongs to right after its `event` member.
fn to_line(value: &dyn erased::Line, contract: &str) -> String {
    let serde_json::Value::Object(mut object) = value.to_value() else {
        unreachable!("every event is a JSON object")
    };
    let event = object.shift_remove("event").unwrap_or_default();
    let mut line = serde_json::Map::with_capacity(object.len() + 2);
    line.insert("event".into(), event);
    line.insert("contract".into(), contract.into());
    line.extend(object);
    let mut s = serde_json::to_string(&line).expect("report events always serialize");
    s.push('\n');
    s
}

/// Events of different types through one function.
mod erased {
    pub trait Line {
        fn to_value(&self) -> serde_json::Value;
    }

    impl<T: serde::Serialize> Line for T {
        fn to_value(&self) -> serde_json::Value {
            serde_json::to_value(self).expect("report events always serialize")
        }
    }
}

fn millis(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// The exploration's line: coverage (covered, total) and each distinct failure as a
/// finished case, with the probe it was shrunk from and its case file.
#[derive(Serialize)]
struct Explored<'a> {
    event: &'static str,
    seed: u64,
    budget: usize,
    probes: usize,
    requests: usize,
    classes: [usize; 2],
    pairs: [usize; 2],
    interacting_pairs: [usize; 2],
    unreachable: &'a [String],
    elapsed_ms: f64,
    failures: Vec<ExploreFailureJson<'a>>,
}

#[derive(Serialize)]
struct ExploreFailureJson<'a> {
    found: &'a str,
    repeats: usize,
    case_file: &'a str,
    result: CaseFinished<'a>,
}

#[derive(Serialize)]
struct RunStarted<'a> {
    event: &'static str,
    version: &'a str,
    target: &'a str,
    base_url: &'a str,
    cases: usize,
    shard: Option<String>,
    filters: &'a [String],
    started_at: String,
}

impl<'a> RunStarted<'a> {
    fn of(info: &'a RunInfo) -> Self {
        RunStarted {
            event: "run-started",
            version: info.version,
            target: &info.target,
            base_url: &info.base_url,
            cases: info.cases,
            shard: info.shard.map(|s| s.to_string()),
            filters: &info.filters,
            started_at: info
                .started_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        }
    }
}

#[derive(Serialize)]
struct CaseFinished<'a> {
    event: &'static str,
    name: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    description: &'a str,
    rules: Vec<String>,
    verdict: &'static str,
    duration_ms: f64,
    findings: Vec<FindingJson<'a>>,
    /// Findings a waiver covers, with the waiver (`--waivers`).
    waived: Vec<WaivedJson<'a>>,
    observations: Vec<ObservationJson<'a>>,
    notices: &'a [String],
    requests: Vec<RequestJson<'a>>,
    reproduce: Option<String>,
    /// The snapshot stage's diff (see `CaseResult::snapshot_diff`).
    snapshot_diff: Option<&'a str>,
}

#[derive(Serialize)]
struct FindingJson<'a> {
    rule: String,
    check: &'static str,
    message: &'a str,
    expected: Option<&'a str>,
    actual: Option<&'a str>,
    pointer: Option<&'a str>,
    source: Option<&'a str>,
    request: usize,
    request_path: Option<&'a str>,
}

#[derive(Serialize)]
struct WaivedJson<'a> {
    #[serde(flatten)]
    finding: FindingJson<'a>,
    waiver: &'a str,
}

#[derive(Serialize)]
struct ObservationJson<'a> {
    rule: String,
    message: &'a str,
    request: usize,
    request_path: Option<&'a str>,
}

#[derive(Serialize)]
struct RequestJson<'a> {
    purpose: &'static str,
    page_limit: Option<u32>,
    page_index: Option<u32>,
    path: &'a str,
    with_token: bool,
    status: Option<u16>,
    error: Option<String>,
    retries: u32,
    elapsed_ms: f64,
}

impl<'a> CaseFinished<'a> {
    fn of(r: &'a CaseResult, info: &RunInfo) -> Self {
        let path_of = |i: usize| r.requests.get(i).map(|q| q.path.as_str());
        let finding = |f: &'a crate::check::Finding| FindingJson {
            rule: f.rule.to_string(),
            check: f.check.name(),
            message: &f.message,
            expected: f.expected.as_deref(),
            actual: f.actual.as_deref(),
            pointer: f.pointer.as_deref(),
            source: f.source.as_deref(),
            request: f.request,
            request_path: path_of(f.request),
        };
        CaseFinished {
            event: "case-finished",
            name: &r.name,
            file: &r.loc.file,
            line: r.loc.at.line,
            column: r.loc.at.col,
            description: &r.description,
            rules: r
                .rules
                .iter()
                .map(std::string::ToString::to_string)
                .collect(),
            verdict: r.verdict.name(),
            duration_ms: millis(r.duration),
            findings: r.findings.iter().map(finding).collect(),
            waived: r
                .waived
                .iter()
                .map(|(f, w)| WaivedJson {
                    finding: finding(f),
                    waiver: w,
                })
                .collect(),
            observations: r
                .observations
                .iter()
                .map(|o| ObservationJson {
                    rule: o.rule.to_string(),
                    message: &o.message,
                    request: o.request,
                    request_path: path_of(o.request),
                })
                .collect(),
            notices: &r.notices,
            requests: r
                .requests
                .iter()
                .map(|q| {
                    let (purpose, page_limit, page_index) = match q.purpose {
                        Purpose::Main => ("main", None, None),
                        Purpose::Repeat => ("repeat", None, None),
                        Purpose::Page { limit, index } => ("page", Some(limit), Some(index)),
                    };
                    RequestJson {
                        purpose,
                        page_limit,
                        page_index,
                        path: &q.path,
                        with_token: q.with_token,
                        status: q.status,
                        error: q.error.as_ref().map(std::string::ToString::to_string),
                        retries: q.retries,
                        elapsed_ms: millis(q.elapsed),
                    }
                })
                .collect(),
            reproduce: matches!(r.verdict, super::Verdict::Fail | super::Verdict::Error)
                .then(|| info.repro_request(r).map(|q| info.curl(q)))
                .flatten(),
            snapshot_diff: r.snapshot_diff(),
        }
    }
}

#[derive(Serialize)]
struct RunFinished<'a> {
    event: &'static str,
    summary: &'a Summary,
    elapsed_ms: f64,
    exit_code: u8,
}

/// What the run saw of the account moving (only when an answer disagreed with it and
/// conform looked again).
#[derive(Serialize)]
struct AccountMoved<'a> {
    event: &'static str,
    looks: usize,
    moves: &'a [String],
    excused: usize,
    unsettled: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;
    use crate::report::RunEnd;
    use crate::secret::Redactor;
    use serde_json::Value;

    #[test]
    fn a_run_whose_account_moved_says_so_in_its_own_line_before_the_last() {
        fn end(summary: &Summary) -> RunEnd<'_> {
            RunEnd {
                summary,
                elapsed: std::time::Duration::from_millis(10),
                exit_code: 0,
            }
        }
        let (_, results) = sample();
        let mut rep = JsonReporter::new(Sink::new(Vec::new(), Redactor::new()));
        let mut summary = Summary::of(&results);
        rep.report(&Event::RunFinished(end(&summary))).unwrap();
        summary.account_looks = 2;
        summary.account_moved = 1;
        summary.account_excused = 3;
        summary.account_moves = vec!["i-1 (\"a\") status RUNNING → RESTARTING".into()];
        rep.report(&Event::RunFinished(end(&summary))).unwrap();
        let text = String::from_utf8(rep.into_inner()).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
            .collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(lines[0]["event"], "run-finished");
        assert!(lines[0]["summary"].get("account_looks").is_none(), "{text}");
        assert_eq!(lines[1]["event"], "account-moved");
        assert_eq!(lines[1]["looks"], 2);
        assert_eq!(lines[1]["excused"], 3);
        assert_eq!(
            lines[1]["moves"][0],
            "i-1 (\"a\") status RUNNING → RESTARTING"
        );
        assert_eq!(lines[2]["event"], "run-finished");
        assert_eq!(lines[2]["summary"]["account_moved"], 1);
    }

    #[test]
    fn one_event_per_line_with_every_check_result() {
        let (info, results) = sample();
        let mut rep = JsonReporter::new(Sink::new(Vec::new(), Redactor::new()));
        rep.report(&Event::RunStarted(&info)).unwrap();
        for r in &results {
            rep.report(&Event::CaseFinished(r)).unwrap();
        }
        let summary = Summary::of(&results);
        rep.report(&Event::RunFinished(RunEnd {
            summary: &summary,
            elapsed: std::time::Duration::from_millis(1500),
            exit_code: 1,
        }))
        .unwrap();
        let text = String::from_utf8(rep.into_inner()).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
            .collect();
        assert_eq!(lines.len(), results.len() + 2);
        assert_eq!(lines[0]["event"], "run-started");
        assert_eq!(lines[0]["cases"], 4);
        assert_eq!(lines[0]["version"], "0.1.0");
        assert_eq!(lines[0]["started_at"], "2025-01-02T03:04:05Z");
        let fail = &lines[1];
        assert_eq!(fail["event"], "case-finished");
        assert_eq!(fail["verdict"], "fail");
        assert_eq!(fail["file"], "cases/paging/limit-<one>.toml");
        assert_eq!(fail["line"], 1);
        assert_eq!(fail["rules"], serde_json::json!(["C10", "C9"]));
        let f = &fail["findings"][0];
        assert_eq!(f["rule"], "C10");
        assert_eq!(f["check"], "paging");
        assert_eq!(f["expected"], "at most 2");
        assert_eq!(f["actual"], "3 \u{1} <&>");
        assert_eq!(f["pointer"], "/instances");
        assert_eq!(f["source"], "page.md, Table 3, limit");
        assert_eq!(f["request_path"], "/v1.0/p/instances?limit=2");
        assert_eq!(fail["requests"][0]["status"], 200);
        assert_eq!(fail["requests"][0]["purpose"], "main");
        assert!(fail["reproduce"]
            .as_str()
            .unwrap()
            .contains("$CONFORM_TOKEN"));
        assert_eq!(fail["snapshot_diff"], Value::Null);
        assert_eq!(lines[3]["observations"][0]["rule"], "C2");
        assert_eq!(lines[5]["verdict"], "error");
        assert!(lines[5]["requests"][0]["error"]
            .as_str()
            .unwrap()
            .contains("no answer"));
        let end = lines.last().unwrap();
        assert_eq!(end["event"], "run-finished");
        assert_eq!(end["exit_code"], 1);
        assert_eq!(end["elapsed_ms"], 1500.0);
        assert_eq!(end["summary"]["failed"], 1);
        assert_eq!(end["summary"]["total"], 5);
    }
}
