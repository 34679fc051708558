//! The baseline walk: the project's unfiltered list, hidden items included (every
//! hidden rule's flag set), page by page, as the target sends it.

use serde_json::Value;

use super::{preview, Client, Request, TransportError};
use crate::base::{Baseline, Inst};
use crate::contract::{Contract, Desc};

/// Why the target's answers to the walk make no baseline: every case that needs one
/// fails with this reason (the run goes on).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoBaseline {
    #[error("the list request GET {path} answered {status} {preview}")]
    Status {
        path: String,
        status: u16,
        preview: String,
    },
    #[error("the list request GET {path} answered {status} with {content_type}, not JSON ({error}): {preview}")]
    NotJson {
        path: String,
        status: u16,
        /// The Content-Type as answered, or "no Content-Type".
        content_type: String,
        error: String,
        preview: String,
    },
    #[error("the list answer has no `{0}` array")]
    NoList(String),
    #[error("an instance of the baseline has no {0}")]
    NoId(String),
}

/// Why the walk got no list at all: the target could not be reached.
#[derive(Debug, thiserror::Error)]
#[error("the target could not be reached for the baseline: GET {path}: {error}")]
pub struct Unreachable {
    pub path: String,
    pub error: TransportError,
}

/// Shown each page's items as a walk reads them.
pub type Seen<'a> = &'a mut dyn FnMut(&[Value]);

/// Fetches the unfiltered list of a project, page by page, hidden items included.
/// `seen`, when given, is shown the items of each page as walked (the snapshot stage
/// redacts their volatile values wherever a later query drew from them). Each page is
/// read into [`Inst`]s and dropped before the next is asked for, so a large account is
/// held only in its compact form; without `seen`, a valid page is read in one pass
/// ([`Contract::read_list`]) and never becomes a tree. The inner error: an answer that is
/// not a list, said in words for every case that needs the baseline.
pub async fn fetch_baseline(
    client: &Client,
    contract: &Contract,
    project: &str,
    page: u32,
    mut seen: Option<Seen<'_>>,
) -> Result<Result<Baseline, NoBaseline>, Unreachable> {
    let desc = contract.desc();
    let mut items: Vec<Inst> = Vec::new();
    let mut complete = true;
    let fast = seen.is_none().then_some(contract);
    let walked = walk_pages(
        client,
        desc,
        project,
        page,
        desc.everything(),
        fast,
        |p, _| match p {
            PageItems::Read(insts) => items.extend(insts),
            PageItems::Values(list) => {
                if let Some(seen) = seen.as_mut() {
                    seen(list);
                }
                for v in list {
                    match Inst::from_json(&desc.layout, v) {
                        Some(i) => items.push(i),
                        None => complete = false,
                    }
                }
            }
        },
    )
    .await?;
    if let Err(e) = walked {
        return Ok(Err(e));
    }
    if !complete {
        return Ok(Err(NoBaseline::NoId(desc.id.clone())));
    }
    // A hidden rule that no member tells (deleted items): its items are the ones the
    // list holds only with its flag. One more walk without that flag finds them.
    for h in &desc.hidden {
        let Some(bit) = h.learnt else { continue };
        let without = match listed_without(client, desc, project, page, h).await? {
            Ok(ids) => ids,
            Err(e) => return Ok(Err(e)),
        };
        for i in &mut items {
            if !without.contains(i.id()) {
                i.marks |= 1 << bit;
            }
        }
    }
    // Where the page leaves the order open, the baseline keeps the order the target
    // follows; the checks then hold every answer to that same order.
    let order = desc.order_of(&items);
    Ok(Ok(Baseline::new(items, &order)))
}

/// The ids the unfiltered list holds with every hidden rule's flag but `hidden`'s: for a
/// learnt hidden rule, the items missing from it are the ones it hides.
pub async fn listed_without(
    client: &Client,
    desc: &Desc,
    project: &str,
    page: u32,
    hidden: &crate::contract::desc::Hidden,
) -> Result<Result<std::collections::HashSet<String>, NoBaseline>, Unreachable> {
    let query: Vec<(String, String)> = desc
        .everything()
        .into_iter()
        .filter(|(k, _)| *k != hidden.unless.param)
        .collect();
    let mut ids = std::collections::HashSet::new();
    let walked = walk_pages(client, desc, project, page, query, None, |list, _| {
        ids.extend(
            list.values()
                .iter()
                .filter_map(|v| v.get(&desc.id).and_then(Value::as_str))
                .map(String::from),
        );
    })
    .await?;
    Ok(walked.map(|()| ids))
}

/// Every page of one question (its filters and flags in `query`): the items in order,
/// and the total the first page states.
pub async fn walk_query(
    client: &Client,
    desc: &Desc,
    project: &str,
    page: u32,
    query: Vec<(String, String)>,
) -> Result<Result<(Vec<Value>, Option<u64>), NoBaseline>, Unreachable> {
    let (mut items, mut first_total) = (Vec::new(), None);
    let mut first = true;
    let walked = walk_pages(client, desc, project, page, query, None, |list, total| {
        if std::mem::take(&mut first) {
            first_total = total;
        }
        items.extend(list.values().iter().cloned());
    })
    .await?;
    Ok(walked.map(|()| (items, first_total)))
}

/// Walks the unfiltered list of a project, hidden items included, page by page, and
/// returns every item as the target sent it. The outer error: no usable answer; the
/// inner one: an answer that is not a list.
pub async fn walk_list(
    client: &Client,
    desc: &Desc,
    project: &str,
    page: u32,
) -> Result<Result<Vec<Value>, NoBaseline>, Unreachable> {
    let mut instances: Vec<Value> = Vec::new();
    let walked = walk_pages(
        client,
        desc,
        project,
        page,
        desc.everything(),
        None,
        |list, _| {
            instances.extend(list.values().iter().cloned());
        },
    )
    .await?;
    Ok(walked.map(|()| instances))
}

/// Said once per walk where a page came back shorter than asked though the total says
/// more: the target caps its pages (C10 says a page holds up to `limit`).
fn capped(req: &Request, page: u32, got: usize, total: Option<u64>) {
    use std::io::Write;
    // Once per process: the walk is taken again whenever the account is looked at.
    static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let _ = writeln!(
        anstream::stderr(),
        "note: the baseline walk asked for {page} a page and got {got} of {} (GET {}): the target caps its pages; the walk goes on from where it got to",
        total.map_or_else(|| "more".to_string(), |t| t.to_string()),
        req.path_and_query()
    );
}

/// The walk itself, with `flags` in every request: hands each page's items to `each`,
/// in order.
async fn walk_pages(
    client: &Client,
    desc: &Desc,
    project: &str,
    page: u32,
    flags: Vec<(String, String)>,
    fast: Option<&Contract>,
    mut each: impl FnMut(PageItems<'_>, Option<u64>),
) -> Result<Result<(), NoBaseline>, Unreachable> {
    let page = match desc.limit.as_ref().and_then(|l| l.max) {
        Some(max) => page.max(1).min(u32::try_from(max).unwrap_or(u32::MAX)),
        None => page.max(1),
    };
    // Where the next page starts: after the items held, not after `index` full pages,
    // so that a target that caps its pages below `page` is walked whole all the same.
    let mut held: u64 = 0;
    for index in 0..10_000u32 {
        let mut query = flags.clone();
        // The first page relies on the start's default (C9) so that an off-by-one in it
        // cannot corrupt the baseline; the paging cases check the start itself.
        if let Some(s) = desc.start.as_ref().filter(|_| index > 0) {
            query.push((s.param.clone(), (held + u64::from(s.base)).to_string()));
        }
        if let Some(l) = &desc.limit {
            query.push((l.param.clone(), page.to_string()));
        }
        let req = Request::list(desc, project, query);
        let ex = client.send(&req).await;
        let resp = match ex.outcome {
            Ok(r) => r,
            Err(error) => {
                return Err(Unreachable {
                    path: req.path_and_query(),
                    error,
                })
            }
        };
        if resp.status != 200 {
            return Ok(Err(NoBaseline::Status {
                path: req.path_and_query(),
                status: resp.status,
                preview: preview(&resp.body),
            }));
        }
        // A valid page read in one pass: its items as the checks read them, no tree.
        let read = fast
            .and_then(|c| c.read_list(&resp.body))
            .and_then(|v| Some((v.instances?, v.total)));
        let (got, total) = if let Some((insts, total)) = read {
            let (got, total) = (
                insts.len(),
                total.as_ref().and_then(serde_json::Number::as_u64),
            );
            each(PageItems::Read(insts), total);
            (got, total)
        } else {
            let body = match resp.json() {
                Ok(b) => b,
                Err(e) => {
                    return Ok(Err(NoBaseline::NotJson {
                        path: req.path_and_query(),
                        status: resp.status,
                        content_type: resp
                            .content_type
                            .clone()
                            .unwrap_or_else(|| "no Content-Type".into()),
                        error: e.to_string(),
                        preview: preview(&resp.body),
                    }))
                }
            };
            let Some(list) = body.get(&desc.list).and_then(Value::as_array) else {
                return Ok(Err(NoBaseline::NoList(desc.list.clone())));
            };
            let total = desc
                .total
                .as_ref()
                .and_then(|t| body.get(&t.field))
                .and_then(Value::as_u64);
            each(PageItems::Values(list), total);
            (list.len(), total)
        };
        held += got as u64;
        // Without paging parameters the first answer is the whole list. Otherwise the
        // walk ends at an empty page, or at a short page once it holds as many items as
        // the total says: the page size alone is not trusted (a target may cap its
        // pages below it), nor the total alone (it may count each page's items, S10 of
        // the v2 notes).
        if walked_whole(desc, page, got, held, total) {
            break;
        }
        if got < page as usize {
            capped(&req, page, got, total);
        }
    }
    Ok(Ok(()))
}

/// One page of a walk: its items as JSON, or as the one-pass reader read them.
enum PageItems<'a> {
    Values(&'a [Value]),
    Read(Vec<Inst>),
}

impl PageItems<'_> {
    /// The page's items as JSON; the walks that ask for them never read in one pass.
    fn values(&self) -> &[Value] {
        match self {
            PageItems::Values(v) => v,
            PageItems::Read(_) => &[],
        }
    }
}

/// Whether a walk has every item once a page of `got` items came back and `held` are
/// held.
fn walked_whole(desc: &Desc, page: u32, got: usize, held: u64, total: Option<u64>) -> bool {
    let short = got < page as usize;
    desc.start.is_none() || got == 0 || (short && total.is_none_or(|t| held >= t))
}
