//! Planning a case and walking the baseline, kept together here until they move to
//! their stages (planning to `plan`, the baseline walk to `exec`). Their bodies are as
//! they were in the runner; only what the runner needs is visible outside.

use crate::case::{AuthSel, Case, ProjectSel};
use crate::check::{self, filter, paging, Purpose};
use crate::exec::{Client, Request};
use crate::plan::{self, Baseline, Inst};

use super::{RunError, TargetSpec};

// ---- planning (moves to `plan`) ------------------------------------------------------

pub(super) struct Planned {
    pub(super) requests: Vec<(Purpose, Request)>,
    pub(super) skip: Option<String>,
    pub(super) failure: Option<String>,
}

pub(super) fn plan_case(
    case: &Case,
    spec: &TargetSpec,
    main: &Result<Baseline, String>,
    other: Option<&Result<Baseline, String>>,
) -> Planned {
    let skip = |why: String| Planned {
        requests: Vec::new(),
        skip: Some(why),
        failure: None,
    };
    let (project, baseline) = match case.project {
        ProjectSel::Main => (spec.project.clone(), Some(main)),
        ProjectSel::Other => match &spec.other_project {
            Some(p) => (p.clone(), other),
            None => {
                return skip("no second project (--other-project-id): tenancy case not run".into())
            }
        },
    };
    if case.auth != AuthSel::Configured && spec.credentials == crate::auth::Credentials::None {
        return skip("no credentials configured: the target is run without auth, so C14's 401 cannot be checked".into());
    }
    let needs_baseline = case.expect.wants_list() || case.draws();
    let baseline = match baseline {
        Some(Ok(b)) => Some(b),
        Some(Err(e)) if needs_baseline => {
            return Planned {
                requests: Vec::new(),
                skip: None,
                failure: Some(e.clone()),
            };
        }
        _ => None,
    };
    // Draws come from the main project's list, whatever project the case queries.
    let draw_from = main.as_ref().ok().or(baseline).cloned().unwrap_or_default();
    let query = match plan::resolve_query(case, &draw_from) {
        Ok(q) => q,
        Err(e) => return skip(e.0),
    };
    let main_req = Request {
        project,
        auth: case.auth,
        raw_query: case.raw_query.clone(),
        query,
        headers: case.headers.clone(),
    };
    let mut requests = vec![(Purpose::Main, main_req.clone())];
    for _ in 1..case.expect.repeat {
        requests.push((Purpose::Repeat, main_req.clone()));
    }
    if let Some(b) = baseline {
        for &limit in &case.expect.pages {
            let mut q = filter::Query::parse(&main_req.decoded_query());
            q.start = None;
            q.limit = None;
            let total = filter::expected(b, &q).len();
            requests.extend(paging::plan_walk(&main_req, total, limit));
        }
    }
    Planned {
        requests,
        skip: None,
        failure: None,
    }
}

// ---- the baseline walk (moves to `exec`) ---------------------------------------------

/// Fetches the unfiltered list of a project, page by page, failed instances included.
/// `seen` is shown the instances as walked (the snapshot stage redacts their volatile
/// values wherever a later query drew from them).
pub async fn fetch_baseline(
    client: &Client,
    project: &str,
    page: u32,
    seen: impl FnOnce(&[serde_json::Value]),
) -> Result<Result<Baseline, String>, RunError> {
    Ok(walk_list(client, project, page).await?.and_then(|list| {
        seen(&list);
        list.iter()
            .map(Inst::from_json)
            .collect::<Option<Vec<Inst>>>()
            .map(Baseline::new)
            .ok_or_else(|| "an instance of the baseline has no instance_id".to_string())
    }))
}

/// Walks the unfiltered list of a project, failed instances included, page by page, and
/// returns every instance as the target sent it. The outer error: no usable answer; the
/// inner one: an answer that is not a list.
pub async fn walk_list(
    client: &Client,
    project: &str,
    page: u32,
) -> Result<Result<Vec<serde_json::Value>, String>, RunError> {
    let mut instances: Vec<serde_json::Value> = Vec::new();
    let page = page.max(1);
    for index in 0..10_000u32 {
        let mut query = vec![("includeFailure".to_string(), "true".to_string())];
        // The first page relies on start's default (C9) so that an off-by-one in start
        // cannot corrupt the baseline; the paging cases check start itself.
        if index > 0 {
            query.push(("start".into(), (index * page + 1).to_string()));
        }
        query.push(("limit".into(), page.to_string()));
        let req = Request::list(project, query);
        let ex = client.send(&req).await;
        let resp = match ex.outcome {
            Ok(r) => r,
            Err(error) => {
                return Err(RunError::Unreachable {
                    path: req.path_and_query(),
                    error,
                })
            }
        };
        if resp.status != 200 {
            return Ok(Err(format!(
                "the list request GET {} answered {} {}",
                req.path_and_query(),
                resp.status,
                check::status::preview(&resp.body)
            )));
        }
        let body = match resp.json() {
            Ok(b) => b,
            Err(e) => return Ok(Err(format!("the list answer is not JSON: {e}"))),
        };
        let Some(list) = body.get("instances").and_then(serde_json::Value::as_array) else {
            return Ok(Err("the list answer has no `instances` array".into()));
        };
        let got = list.len();
        let total = body.get("instance_num").and_then(serde_json::Value::as_u64);
        instances.extend(list.iter().cloned());
        if got < page as usize || got == 0 || total.is_some_and(|t| instances.len() as u64 >= t) {
            break;
        }
    }
    Ok(Ok(instances))
}
