//! One case's result as a snapshot body: what a reviewer needs to see a behaviour change,
//! in a stable, readable text.
//!
//! Recorded: the verdict and rules; every request (path and query only, the project as
//! `<project>`), its status and what it answered: for a list, `instance_num` and one line
//! per instance with the profile's fields, in the order served (C8's behaviour); for any
//! other body, the whole body with sorted keys. Repeats and pages are summarised as
//! positions in the case's first list (`#1..#7 of request 1`), so a walk of a hundred
//! pages stays a hundred short lines. Then the sorted member names seen on instances (an
//! additive field shows up here), the observations and the findings.
//!
//! Volatile values are replaced first ([`super::redact`]); secrets last, by the caller.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value;

use super::redact::{Names, Profile, Record, Table};
use crate::check::Purpose;
use crate::outcome::CaseResult;

/// Project ids as they appear in paths, replaced by `<project>` / `<other_project>`:
/// they differ by account, and a snapshot should not.
#[derive(Debug, Clone, Default)]
pub struct Projects {
    pub main: String,
    pub other: Option<String>,
}

/// Every value the profile redacts in every answer of a run: queries drawn from the
/// target's data are redacted even when the case's own answers do not hold the value.
pub fn pool(results: &[CaseResult], profile: &Profile) -> Table {
    let mut pool = Table::default();
    for r in results {
        for b in r.requests.iter().filter_map(|q| q.body.as_ref()) {
            profile.apply(&mut b.clone(), &mut pool);
        }
    }
    pool
}

/// Renders the snapshot body of one case as its profile records it: its answers (`pool`
/// from [`pool`]) or its behaviour (`drawn`: the query parameters the case draws from
/// the target's data).
pub fn render(
    result: &CaseResult,
    profile: &Profile,
    projects: &Projects,
    pool: &Table,
    drawn: &[String],
    documented: &[String],
) -> String {
    match profile.record {
        Record::Answers => body(result, profile, projects, pool),
        Record::Behaviour => behaviour(result, profile, projects, drawn, documented),
    }
}

/// Observations that speak of the account's data, not of the target's behaviour: a move
/// that excused a finding (runner/settle.rs), a case that expected nothing finding
/// matches (check/filter.rs).
const ABOUT_DATA: [&str; 2] = [crate::outcome::MOVED_EXCUSE, "the case expects no results"];

/// What the target did in one case, without the account's data: for an account that
/// moves, two runs give the same text unless the target's behaviour changed.
pub fn behaviour(
    result: &CaseResult,
    profile: &Profile,
    projects: &Projects,
    drawn: &[String],
    documented: &[String],
) -> String {
    let names = &profile.names;
    let mut body_out = String::new();
    let out = &mut body_out;
    // Whether a case compared anything is the account's data: vacuous is a pass here.
    let verdict = match result.verdict {
        crate::outcome::Verdict::Vacuous => crate::outcome::Verdict::Pass,
        v => v,
    };
    let _ = writeln!(out, "verdict: {}", verdict.label());
    let rules: Vec<String> = result
        .rules
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    let _ = writeln!(out, "rules: {}", rules.join(", "));
    let _ = writeln!(out, "record: behaviour");
    let _ = writeln!(out, "requests:");
    // Each member, and on how many items.
    let mut members: BTreeMap<String, usize> = BTreeMap::new();
    let mut items = 0usize;
    // A walk's pages are as many as the account holds: each page size is written once
    // per distinct answer, whatever the number of pages.
    let mut walks: std::collections::BTreeSet<(u32, String)> = std::collections::BTreeSet::new();
    let mut n = 0;
    for req in &result.requests {
        let mut line = String::new();
        let out = &mut line;
        let status = match (req.status, &req.error) {
            (Some(s), _) => s.to_string(),
            (None, Some(e)) => format!("no answer ({e})"),
            (None, None) => "no answer".to_string(),
        };
        match &req.body {
            Some(b) if list_of(names, b).is_some() => {
                for inst in list_of(names, b).unwrap_or(&[]) {
                    items += 1;
                    if let Value::Object(m) = inst {
                        for k in m.keys() {
                            *members.entry(k.clone()).or_default() += 1;
                        }
                    }
                }
                let keys: Vec<&str> = b
                    .as_object()
                    .map(|o| o.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let _ = writeln!(out, "     status: {status}, a list ({})", keys.join(", "));
            }
            Some(b) => {
                // An error body: its members, and the code (never the message, which
                // may name the account's data).
                let keys: Vec<&str> = b
                    .as_object()
                    .map(|o| o.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let code = ["error_code", "code"]
                    .iter()
                    .find_map(|k| b.get(*k).or_else(|| b.get("error").and_then(|e| e.get(*k))))
                    .map(inline)
                    .unwrap_or_else(|| "none".into());
                let _ = writeln!(
                    out,
                    "     status: {status}, code {code} ({})",
                    keys.join(", ")
                );
            }
            None if req.status.is_some() => {
                let _ = writeln!(out, "     status: {status}, body not JSON");
            }
            None => {
                let _ = writeln!(out, "     status: {status}");
            }
        }
        let shown = behaviour_path(&req.path, projects, drawn);
        match req.purpose {
            Purpose::Page { limit, .. } => {
                let shown = without_start(&shown, names.start.as_deref());
                walks.insert((limit, format!("GET {shown} (every page)\n{line}")));
            }
            Purpose::Main | Purpose::Repeat => {
                n += 1;
                let what = if req.purpose == Purpose::Repeat {
                    " (repeat)"
                } else {
                    ""
                };
                let _ = writeln!(body_out, "  {n}. GET {shown}{what}");
                body_out.push_str(&line);
            }
        }
    }
    for (limit, text) in &walks {
        let _ = write!(body_out, "  pages of {limit}: {text}");
    }
    let out = &mut body_out;
    // Which documented members an answer carries, and whether one is null, is the
    // account's data (the schema check judges their types); a member the contract does
    // not document is the target's behaviour.
    // Only one on every item: a member that some items carry is the account's data too.
    let extra: Vec<&String> = members
        .iter()
        .filter(|(m, &on)| items > 1 && on == items && !documented.contains(m))
        .map(|(m, _)| m)
        .collect();
    if !extra.is_empty() {
        let item = &names.item;
        let _ = writeln!(out, "{item} members the contract does not document:");
        for name in extra {
            let _ = writeln!(out, "  {name}");
        }
    }
    let observations: std::collections::BTreeSet<String> = result
        .observations
        .iter()
        .filter(|o| !ABOUT_DATA.iter().any(|p| o.message.starts_with(p)))
        .map(|o| format!("{}: {}", o.rule, o.message))
        .collect();
    if !observations.is_empty() {
        let _ = writeln!(out, "observations:");
        for o in &observations {
            let _ = writeln!(out, "  {o}");
        }
    }
    let broken: std::collections::BTreeSet<String> = result
        .findings
        .iter()
        .map(|f| format!("{} {}", f.rule, f.check.name()))
        .collect();
    if !broken.is_empty() {
        let _ = writeln!(out, "rules broken:");
        for b in &broken {
            let _ = writeln!(out, "  {b}");
        }
    }
    body_out
}

/// A page's path without its position (the start or offset value), which the number of
/// pages decides.
fn without_start(path: &str, start: Option<&str>) -> String {
    let Some((p, q)) = path.split_once('?') else {
        return path.to_string();
    };
    let parts: Vec<String> = q
        .split('&')
        .map(|part| match part.split_once('=') {
            Some((k, _)) if Some(k) == start => format!("{k}=…"),
            _ => part.to_string(),
        })
        .collect();
    format!("{p}?{}", parts.join("&"))
}

/// The path with project ids replaced and each drawn parameter's value as `<drawn>`.
fn behaviour_path(p: &str, projects: &Projects, drawn: &[String]) -> String {
    let plain = path(p, projects, &mut Table::default(), &Table::default());
    let Some((path, query)) = plain.split_once('?') else {
        return plain;
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|part| match part.split_once('=') {
            Some((k, _)) if drawn.iter().any(|d| d == k) => format!("{k}=<drawn>"),
            _ => part.to_string(),
        })
        .collect();
    format!("{path}?{}", parts.join("&"))
}

/// Renders the snapshot body of one case; `pool` from [`pool`].
pub fn body(result: &CaseResult, profile: &Profile, projects: &Projects, pool: &Table) -> String {
    let mut table = Table::default();
    let bodies: Vec<Option<Value>> = result
        .requests
        .iter()
        .map(|r| {
            r.body.clone().map(|mut b| {
                profile.apply(&mut b, &mut table);
                b
            })
        })
        .collect();

    let mut out = String::new();
    let _ = writeln!(out, "verdict: {}", result.verdict.label());
    let rules: Vec<String> = result
        .rules
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    let _ = writeln!(out, "rules: {}", rules.join(", "));
    let _ = writeln!(out, "requests:");

    // The first list answered to the case's own query: later answers refer to its positions.
    let first_list = result
        .requests
        .iter()
        .zip(&bodies)
        .enumerate()
        .find_map(|(i, (r, b))| {
            (r.purpose == Purpose::Main && r.status == Some(200))
                .then(|| ids_of(&profile.names, b.as_ref()?))
                .flatten()
                .map(|ids| (i + 1, ids))
        });

    let mut members: BTreeMap<String, usize> = BTreeMap::new();
    let mut instances_seen = 0usize;
    for (i, (req, body)) in result.requests.iter().zip(&bodies).enumerate() {
        let n = i + 1;
        let what = match req.purpose {
            Purpose::Main => String::new(),
            Purpose::Repeat => " (repeat)".to_string(),
            Purpose::Page { limit, index } => format!(" (page {}, limit {limit})", index + 1),
        };
        let _ = writeln!(
            out,
            "  {n}. GET {}{what}",
            path(&req.path, projects, &mut table, pool)
        );
        let names = &profile.names;
        if let Some(list) = body.as_ref().and_then(|b| list_of(names, b)) {
            for inst in list {
                instances_seen += 1;
                if let Value::Object(m) = inst {
                    for k in m.keys() {
                        *members.entry(k.clone()).or_insert(0) += 1;
                    }
                }
            }
        }
        let status = match (req.status, &req.error) {
            (Some(s), _) => s.to_string(),
            (None, Some(e)) => format!("no answer ({e})"),
            (None, None) => "no answer".to_string(),
        };
        match body {
            Some(b) if req.status == Some(200) && list_of(names, b).is_some() => {
                let list = list_of(names, b).unwrap_or(&[]);
                let total = names.total.as_deref().unwrap_or("total");
                let num = names
                    .total
                    .as_ref()
                    .and_then(|t| b.get(t))
                    .map_or("absent".into(), inline);
                let plural = &names.list;
                // Later answers are positions in the first list; the case's own answer
                // (and any answer when there is no first list to refer to) in full.
                let refer = first_list.as_ref().filter(|(at, _)| *at != n);
                if refer.is_none() && req.purpose == Purpose::Main {
                    let _ = writeln!(out, "     status: {status}");
                    let _ = writeln!(out, "     {total}: {num}");
                    if list.is_empty() {
                        let _ = writeln!(out, "     {plural}: none");
                    } else {
                        let _ = writeln!(out, "     {plural}:");
                        for (k, inst) in list.iter().enumerate() {
                            let _ =
                                writeln!(out, "       #{} {}", k + 1, row(inst, &profile.fields));
                        }
                    }
                } else {
                    let ids = ids_of(names, b).unwrap_or_default();
                    let positions = match refer {
                        Some((at, first)) => positions(&ids, first, *at),
                        None => ids.join(", "),
                    };
                    let _ = writeln!(
                        out,
                        "     status: {status}, {total}: {num}, {plural}: {positions}"
                    );
                }
            }
            Some(b) => {
                let _ = writeln!(out, "     status: {status}");
                let _ = writeln!(out, "     body: {}", inline_sorted(b));
            }
            None if req.status.is_some() => {
                let _ = writeln!(out, "     status: {status}");
                let _ = writeln!(out, "     body: not JSON");
            }
            None => {
                let _ = writeln!(out, "     status: {status}");
            }
        }
    }

    if !members.is_empty() {
        let item = &profile.names.item;
        let _ = writeln!(out, "{item} members:");
        for (name, count) in &members {
            let note = if *count < instances_seen {
                format!(" (not on every {item})")
            } else {
                String::new()
            };
            let _ = writeln!(out, "  {name}{note}");
        }
    }
    if !result.observations.is_empty() {
        let _ = writeln!(out, "observations:");
        for o in &result.observations {
            let _ = writeln!(
                out,
                "  {}, request {}: {}",
                o.rule,
                o.request + 1,
                table.text(&o.message)
            );
        }
    }
    if !result.findings.is_empty() {
        let _ = writeln!(out, "findings:");
        for f in &result.findings {
            let _ = writeln!(
                out,
                "  {} {}, request {}: {}",
                f.rule,
                f.check.name(),
                f.request + 1,
                table.text(&f.message)
            );
        }
    }
    out
}

fn list_of<'b>(names: &Names, body: &'b Value) -> Option<&'b [Value]> {
    body.get(&names.list)?.as_array().map(Vec::as_slice)
}

/// The identities of a list's instances, in order: instance_id (redacted or not), or the
/// whole instance when it has none.
fn ids_of(names: &Names, body: &Value) -> Option<Vec<String>> {
    Some(
        list_of(names, body)?
            .iter()
            .map(|i| match i.get(&names.id) {
                Some(Value::String(s)) => inline(&Value::String(s.clone())),
                _ => inline_sorted(i),
            })
            .collect(),
    )
}

/// Ids as positions in the first list: runs `#1..#7`, single `#9`, and the id itself
/// when the first list does not hold it.
fn positions(ids: &[String], first: &[String], at: usize) -> String {
    if ids.is_empty() {
        return "none".into();
    }
    let mut parts: Vec<String> = Vec::new();
    let mut run: Option<(usize, usize)> = None;
    let flush = |run: &mut Option<(usize, usize)>, parts: &mut Vec<String>| {
        if let Some((a, b)) = run.take() {
            parts.push(if a == b {
                format!("#{a}")
            } else {
                format!("#{a}..#{b}")
            });
        }
    };
    for id in ids {
        match first.iter().position(|f| f == id).map(|p| p + 1) {
            Some(p) => match &mut run {
                Some((_, b)) if *b + 1 == p => *b = p,
                _ => {
                    flush(&mut run, &mut parts);
                    run = Some((p, p));
                }
            },
            None => {
                flush(&mut run, &mut parts);
                parts.push(id.clone());
            }
        }
    }
    flush(&mut run, &mut parts);
    format!("{} of request {at}", parts.join(", "))
}

/// One instance as one line: the profile's fields, in its order.
fn row(inst: &Value, fields: &[String]) -> String {
    let mut out = String::from("{");
    let mut first = true;
    for f in fields {
        if let Some(v) = inst.get(f) {
            if !first {
                out.push_str(", ");
            }
            first = false;
            out.push_str(&inline(&Value::String(f.clone())));
            out.push_str(": ");
            out.push_str(&inline(v));
        }
    }
    out.push('}');
    out
}

/// JSON on one line, as served (scalars, or containers in their own order).
fn inline(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// JSON on one line with `, ` / `: ` separators and keys sorted at every level: the order
/// of an object's members is not behaviour.
fn inline_sorted(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let sorted: BTreeMap<&String, &Value> = m.iter().collect();
            let parts: Vec<String> = sorted
                .into_iter()
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        inline(&Value::String(k.clone())),
                        inline_sorted(v)
                    )
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(inline_sorted).collect();
            format!("[{}]", parts.join(", "))
        }
        other => inline(other),
    }
}

/// The path with project ids and redacted query values replaced.
fn path(p: &str, projects: &Projects, table: &mut Table, pool: &Table) -> String {
    let (path, query) = match p.split_once('?') {
        Some((a, b)) => (a, Some(b)),
        None => (p, None),
    };
    let mut path = path.to_string();
    // The longer id first, in case one contains the other.
    let mut ids: Vec<(&str, &str)> = vec![(projects.main.as_str(), "<project>")];
    if let Some(o) = &projects.other {
        ids.push((o.as_str(), "<other_project>"));
    }
    ids.sort_by_key(|(id, _)| std::cmp::Reverse(id.len()));
    for (id, placeholder) in ids {
        if !id.is_empty() {
            let encoded =
                percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC)
                    .to_string();
            path = path.replace(id, placeholder).replace(&encoded, placeholder);
        }
    }
    let Some(query) = query else { return path };
    if table.is_empty() && pool.is_empty() {
        return format!("{path}?{query}");
    }
    let parts: Vec<String> = query
        .split('&')
        .map(|part| {
            let Some((k, v)) = part.split_once('=') else {
                return part.to_string();
            };
            let decoded: String = form_urlencoded::parse(format!("x={v}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            match table.query_value_or_adopt(&decoded, pool) {
                Some(p) => format!("{k}={p}"),
                None => part.to_string(),
            }
        })
        .collect();
    format!("{path}?{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Loc, Rule};
    use crate::diag::LineCol;
    use crate::outcome::{RequestRecord, Verdict};
    use serde_json::json;
    use std::path::Path;
    use std::time::Duration;

    fn record(purpose: Purpose, path: &str, status: u16, body: Value) -> RequestRecord {
        RequestRecord {
            purpose,
            path: path.into(),
            with_token: true,
            auth: crate::case::AuthSel::Configured,
            status: Some(status),
            error: None,
            retries: 0,
            elapsed: Duration::from_millis(3),
            body: Some(body),
            raw: Vec::new(),
        }
    }

    fn result(requests: Vec<RequestRecord>) -> CaseResult {
        CaseResult {
            requests,
            duration: Duration::from_millis(3),
            ..CaseResult::new(
                "id/present".into(),
                "d".into(),
                Loc {
                    file: "cases/id/present.toml".into(),
                    at: LineCol { line: 1, col: 1 },
                },
                vec![Rule::c(5)],
            )
        }
    }

    fn inst(id: &str, name: &str, extra: bool) -> Value {
        let mut v = json!({"name": name, "instance_id": id, "status": "RUNNING",
            "created_at": "2024-01-01T00:00:00Z", "used_memory": 3});
        if extra {
            v["az_codes"] = json!(["az1"]);
        }
        v
    }

    /// A behaviour snapshot of one case against an account holding `instances`, with
    /// `pages` pages of one and an error answer with `code`.
    fn behaviour_of(instances: &[Value], pages: usize, code: &str, vacuous: bool) -> String {
        let n = instances.len();
        let mut requests = vec![record(
            Purpose::Main,
            &format!(
                "/v1.0/p123/instances?name={}",
                instances
                    .first()
                    .map_or("x", |i| i["name"].as_str().unwrap())
            ),
            200,
            json!({"instances": instances, "instance_num": n}),
        )];
        for k in 0..pages {
            requests.push(record(
                Purpose::Page { limit: 1, index: k as u32 },
                &format!("/v1.0/p123/instances?name=x&start={}&limit=1", k + 1),
                200,
                json!({"instances": instances.get(k).into_iter().collect::<Vec<_>>(), "instance_num": n}),
            ));
        }
        requests.push(record(
            Purpose::Repeat,
            "/v1.0/p123/instances?limit=0",
            400,
            json!({"error_msg": format!("bad limit for {n} instances"), "error_code": code}),
        ));
        let mut r = result(requests);
        if vacuous {
            r.verdict = Verdict::Vacuous;
        }
        r.observations.push(crate::check::Observation {
            rule: Rule::c(2),
            request: 0,
            message: format!("excused, the account moved: missing instance {n}"),
        });
        let desc = crate::contract::Contract::embedded().desc();
        let profile = Profile::parse(desc, "t", "record = 'behaviour'", Path::new("p")).unwrap();
        let projects = Projects {
            main: "p123".into(),
            other: None,
        };
        let documented: Vec<String> =
            ["name", "instance_id", "status", "created_at", "used_memory"]
                .map(String::from)
                .to_vec();
        render(
            &r,
            &profile,
            &projects,
            &Table::default(),
            &["name".to_string()],
            &documented,
        )
    }

    #[test]
    fn a_behaviour_snapshot_does_not_change_with_the_accounts_data() {
        let two = [inst("id-a", "alpha", false), inst("id-b", "beta", false)];
        let three = [
            inst("id-c", "gamma", false),
            inst("id-a", "alpha", false),
            inst("id-d", "delta", false),
        ];
        let a = behaviour_of(&two, 2, "DCS.4000", false);
        let b = behaviour_of(&three, 3, "DCS.4000", true);
        assert_eq!(
            a, b,
            "other instances, another number of pages, a vacuous pass, a move"
        );
        assert!(a.contains("?name=<drawn>"), "{a}");
        assert!(
            a.contains("pages of 1:") && a.contains("start=…&limit=1 (every page)"),
            "{a}"
        );
        assert!(
            !a.contains("excused") && !a.contains("alpha") && !a.contains("instances)\n  3."),
            "{a}"
        );
    }

    #[test]
    fn a_behaviour_snapshot_changes_with_the_targets_behaviour() {
        let two = [inst("id-a", "alpha", false), inst("id-b", "beta", false)];
        let base = behaviour_of(&two, 2, "DCS.4000", false);
        // Another error code.
        assert_ne!(base, behaviour_of(&two, 2, "DCS.4800", false));
        // A member the contract does not document, on every item.
        let extra = [inst("id-a", "alpha", true), inst("id-b", "beta", true)];
        let with = behaviour_of(&extra, 2, "DCS.4000", false);
        assert!(
            with.contains("members the contract does not document:\n  az_codes"),
            "{with}"
        );
        // On some items only, it is the data's: no line.
        let some = [inst("id-a", "alpha", true), inst("id-b", "beta", false)];
        assert_eq!(base, behaviour_of(&some, 2, "DCS.4000", false));
    }

    #[test]
    fn redacted_ids_are_consistent_in_instances_queries_and_pages() {
        let list = json!({"instances": [inst("id-aaaa", "a", false), inst("id-bbbb", "b", false)], "instance_num": 2});
        let page2 = json!({"instances": [inst("id-bbbb", "b", false)], "instance_num": 2});
        let r = result(vec![
            record(Purpose::Main, "/v1.0/p123/instances?id=id-bbbb", 200, list),
            record(
                Purpose::Page { limit: 1, index: 1 },
                "/v1.0/p123/instances?id=id-bbbb&start=2&limit=1",
                200,
                page2,
            ),
            record(
                Purpose::Repeat,
                "/v1.0/p123/instances?limit=0",
                400,
                json!({"error_msg": "bad", "error_code": "DCS.4800"}),
            ),
        ]);
        let profile = Profile::parse(
            crate::contract::Contract::embedded().desc(),
            "t",
            "redact = ['.instances[].instance_id']\nmask = ['.instances[].used_memory']",
            Path::new("p"),
        )
        .unwrap();
        let projects = Projects {
            main: "p123".into(),
            other: None,
        };
        let text = body(&r, &profile, &projects, &Table::default());
        let expected = "\
verdict: PASS
rules: C5
requests:
  1. GET /v1.0/<project>/instances?id=<instance_id:2>
     status: 200
     instance_num: 2
     instances:
       #1 {\"instance_id\": \"<instance_id:1>\", \"name\": \"a\", \"status\": \"RUNNING\", \"created_at\": \"2024-01-01T00:00:00Z\"}
       #2 {\"instance_id\": \"<instance_id:2>\", \"name\": \"b\", \"status\": \"RUNNING\", \"created_at\": \"2024-01-01T00:00:00Z\"}
  2. GET /v1.0/<project>/instances?id=<instance_id:2>&start=2&limit=1 (page 2, limit 1)
     status: 200, instance_num: 2, instances: #2 of request 1
  3. GET /v1.0/<project>/instances?limit=0 (repeat)
     status: 400
     body: {\"error_code\": \"DCS.4800\", \"error_msg\": \"bad\"}
instance members:
  created_at
  instance_id
  name
  status
  used_memory
";
        assert_eq!(text, expected);
    }

    #[test]
    fn an_additive_member_shows_in_members_only() {
        let profile = Profile::parse(
            crate::contract::Contract::embedded().desc(),
            "t",
            "",
            Path::new("p"),
        )
        .unwrap();
        let projects = Projects {
            main: "p".into(),
            other: None,
        };
        let none = Table::default();
        let plain = body(
            &result(vec![record(
                Purpose::Main,
                "/x",
                200,
                json!({"instances": [inst("i1", "a", false)], "instance_num": 1}),
            )]),
            &profile,
            &projects,
            &none,
        );
        let extra = body(
            &result(vec![record(
                Purpose::Main,
                "/x",
                200,
                json!({"instances": [inst("i1", "a", true)], "instance_num": 1}),
            )]),
            &profile,
            &projects,
            &none,
        );
        let diff = similar::TextDiff::from_lines(&plain, &extra);
        let changed: Vec<String> = diff
            .iter_all_changes()
            .filter(|c| c.tag() != similar::ChangeTag::Equal)
            .map(|c| format!("{}{}", c.tag(), c.value()))
            .collect();
        assert_eq!(changed, ["+  az_codes\n"]);
    }

    #[test]
    fn positions_compress_runs_and_name_strangers() {
        let first: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        let ids: Vec<String> = ["a", "b", "d", "x"].map(String::from).to_vec();
        assert_eq!(positions(&ids, &first, 1), "#1..#2, #4, x of request 1");
        assert_eq!(positions(&[], &first, 1), "none");
    }
}
