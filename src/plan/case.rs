//! Planning one case: the project and credentials it uses, its drawn values resolved
//! against the baseline, and every request it sends (the query, its repeats, and the
//! pages of each walk), each tagged with why it is sent.

use crate::base::Baseline;
use crate::case::{AuthSel, Case, ProjectSel};
use crate::contract::query::{expected, Query};
use crate::contract::Desc;

use super::{resolve_query_memo, DrawMemo, Request};

/// Why each request of a case was sent: the checks treat them differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The case's own query.
    Main,
    /// The same query again, to check the order is stable (C8).
    Repeat,
    /// Page `index` (0-based) of a walk with this page size (C9..C11).
    Page { limit: u32, index: u32 },
}

/// The most pages walked for one page size; a longer walk checks its first pages only.
pub const MAX_PAGES: u32 = 200;

/// Where a case's requests go.
pub struct Projects<'a> {
    /// The project under test.
    pub main: &'a str,
    /// The second project (tenancy cases), when one is known.
    pub other: Option<&'a str>,
    /// False when the run sends no credentials at all.
    pub credentials: bool,
    /// True when the credentials sign requests (AK/SK).
    pub signed: bool,
}

/// A case's requests, or why it sends none.
#[derive(Clone)]
pub struct Planned {
    pub requests: Vec<(Purpose, Request)>,
    /// The case is skipped, with this notice.
    pub skip: Option<String>,
    /// The case fails before sending anything (no usable baseline), with this reason.
    pub failure: Option<String>,
}

/// Plans one case. `main` and `other` are the projects' baselines as fetched (an error
/// says why one is not usable; the case then fails with it, if it needs a baseline);
/// `memo` keeps the draws made against `main` for the cases planned after this one.
pub fn plan_case<E: std::fmt::Display>(
    desc: &Desc,
    case: &Case,
    projects: &Projects<'_>,
    main: &Result<Baseline, E>,
    other: Option<&Result<Baseline, E>>,
    memo: &DrawMemo,
) -> Planned {
    let skip = |why: String| Planned {
        requests: Vec::new(),
        skip: Some(why),
        failure: None,
    };
    let (project, baseline) = match case.project {
        ProjectSel::Main => (projects.main.to_string(), Some(main)),
        ProjectSel::Other => match projects.other {
            Some(p) => (p.to_string(), other),
            None => {
                return skip("no second project (--other-project-id): tenancy case not run".into())
            }
        },
    };
    if case.auth.signed_only() && !projects.signed {
        return skip(format!(
            "`auth = \"{}\"` shapes an AK/SK signature: the run has no access key",
            case.auth.name()
        ));
    }
    if case.auth != AuthSel::Configured && !projects.credentials {
        return skip(format!(
            "no credentials configured: the target is run without auth, so {}'s 401 cannot be checked",
            desc.auth_rule
        ));
    }
    let needs_baseline = case.expect.wants_list() || case.draws();
    let baseline = match baseline {
        Some(Ok(b)) => Some(b),
        Some(Err(e)) if needs_baseline => {
            return Planned {
                requests: Vec::new(),
                skip: None,
                failure: Some(e.to_string()),
            };
        }
        _ => None,
    };
    // Draws come from the main project's list, whatever project the case queries.
    // Borrowed, not cloned: a copy of a large baseline per case would cost more than
    // the case's own requests.
    let empty = Baseline::default();
    let draw_from = main.as_ref().ok().or(baseline).unwrap_or(&empty);
    let query = match resolve_query_memo(desc, case, draw_from, memo) {
        Ok(q) => q,
        Err(e) => return skip(e.0),
    };
    let main_req = Request {
        path: desc.path.clone(),
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
            let q = Query::parse(desc, &main_req.decoded_query()).unpaged();
            let total = expected(b, &q).len();
            requests.extend(plan_walk(desc, &main_req, total, limit));
        }
    }
    Planned {
        requests,
        skip: None,
        failure: None,
    }
}

/// The requests of a walk with page size `limit`: every page the oracle expects, plus
/// the first page past the end.
pub fn plan_walk(desc: &Desc, base: &Request, total: usize, limit: u32) -> Vec<(Purpose, Request)> {
    let (Some(s), Some(l)) = (&desc.start, &desc.limit) else {
        return Vec::new();
    };
    let base = without_paging(desc, base);
    let pages = (total as u32).div_ceil(limit).min(MAX_PAGES);
    (0..=pages)
        .map(|index| {
            let start = (index * limit + u32::from(s.base)).to_string();
            let req = base
                .with_param(&s.param, &start)
                .with_param(&l.param, &limit.to_string());
            (Purpose::Page { limit, index }, req)
        })
        .collect()
}

/// The request without its paging parameters (the raw query folded into the query).
pub fn without_paging(desc: &Desc, r: &Request) -> Request {
    let mut pairs = r.decoded_query();
    let start = desc.start.as_ref().map(|s| s.param.as_str());
    let limit = desc.limit.as_ref().map(|l| l.param.as_str());
    pairs.retain(|(k, _)| Some(k.as_str()) != start && Some(k.as_str()) != limit);
    Request {
        raw_query: None,
        query: pairs,
        ..r.clone()
    }
}
