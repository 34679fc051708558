//! `conform diff --across`: one target's two list contracts (v1.0 and v2) asked the same
//! questions under each list's own names, per the correspondence, and their answers
//! compared ([`crate::outcome::across`]). A difference the comparison cannot excuse is
//! asked of the left list again: when that answer moved, the account moved, and the
//! difference is reported as such.

use std::collections::HashSet;

use futures::StreamExt;
use serde_json::Value;

use crate::contract::correspond::Correspond;
use crate::contract::Contract;
use crate::exec::{listed_without, walk_list, walk_query, Client, Request, Target};
use crate::outcome::across::{compare, members, Answer, Facts, Found};
use crate::outcome::diff::Kind;
use crate::plan::across::{questions, Across};

use super::{RunError, TargetSpec};

/// One difference, with the question and the requests that show it.
#[derive(Debug, Clone)]
pub struct Difference {
    pub question: String,
    pub found: Found,
    /// The left and the right request (the right one's first page), path and query.
    pub requests: (String, String),
}

/// What `--across` found.
#[derive(Debug, Default)]
pub struct AcrossReport {
    pub questions: usize,
    pub differences: Vec<Difference>,
}

/// What both lists show of the account before any question: every item of each, the
/// ids the right list shows only as deleted, the ids the left shows under a status only
/// its table has, and whether the two order their common instances alike.
struct Look {
    left: Vec<Value>,
    right: Vec<Value>,
    deleted: HashSet<String>,
    table_only: HashSet<String>,
    same_order: bool,
}

fn id_of(i: &Value, member: &str) -> Option<String> {
    i.get(member).and_then(Value::as_str).map(String::from)
}

async fn look(
    client: &Client,
    (ld, rd): (&crate::contract::Desc, &crate::contract::Desc),
    c: &Correspond,
    project: &str,
    page: u32,
) -> Result<Look, RunError> {
    let no_list = |error| RunError::NoList {
        error,
        sent: client.sent(),
    };
    let left = walk_list(client, ld, project, page)
        .await?
        .map_err(no_list)?;
    let right = walk_list(client, rd, project, page)
        .await?
        .map_err(no_list)?;
    let mut deleted = HashSet::new();
    for h in rd.hidden.iter().filter(|h| h.learnt.is_some()) {
        let without = listed_without(client, rd, project, page, h)
            .await?
            .map_err(no_list)?;
        deleted.extend(
            right
                .iter()
                .filter_map(|i| id_of(i, &rd.id))
                .filter(|i| !without.contains(i)),
        );
    }
    let ids = |items: &[Value], m: &str| -> HashSet<String> {
        items.iter().filter_map(|i| id_of(i, m)).collect()
    };
    let (l_ids, r_ids) = (ids(&left, &ld.id), ids(&right, &rd.id));
    let common = |items: &[Value], m: &str, other: &HashSet<String>| -> Vec<String> {
        items
            .iter()
            .filter_map(|i| id_of(i, m))
            .filter(|i| other.contains(i))
            .collect()
    };
    let same_order = common(&left, &ld.id, &r_ids) == common(&right, &rd.id, &l_ids);
    let table_only = left
        .iter()
        .filter(|i| {
            i.get("status")
                .and_then(Value::as_str)
                .is_some_and(|s| !c.statuses.iter().any(|x| x == s))
        })
        .filter_map(|i| id_of(i, &ld.id))
        .collect();
    Ok(Look {
        left,
        right,
        deleted,
        table_only,
        same_order,
    })
}

/// Asks `left` and `right` of one target the correspondence's questions.
pub async fn across(
    target: Target,
    spec: &TargetSpec,
    left: &Contract,
    right: &Contract,
    c: &Correspond,
    page: u32,
) -> Result<AcrossReport, RunError> {
    let client = Client::new(target)?;
    let (ld, rd) = (left.desc(), right.desc());
    let project = spec.project.as_str();
    let seen = look(&client, (ld, rd), c, project, page).await?;
    let facts = Facts {
        c,
        ids: (&ld.id, &rd.id),
        deleted: &seen.deleted,
        table_only: &seen.table_only,
        same_order: seen.same_order,
    };
    let everything = (
        Request::list(ld, project, ld.everything()).path_and_query(),
        Request::list(rd, project, rd.everything()).path_and_query(),
    );
    let mut report = AcrossReport::default();
    for found in members(&seen.left, &seen.right, &facts) {
        report.differences.push(Difference {
            question: "across/members".into(),
            found,
            requests: everything.clone(),
        });
    }
    let qs = questions(c, ld, rd, &seen.left);
    report.questions = qs.len() + 1;
    let max_page = rd
        .limit
        .as_ref()
        .and_then(|l| l.max)
        .map_or(page, |m| u32::try_from(m).unwrap_or(page));
    let asked: Vec<(Across, Vec<Found>, (String, String))> =
        futures::stream::iter(qs.into_iter().map(|q| {
            let (client, facts) = (&client, &facts);
            async move {
                let lq = Request::list(ld, project, q.left.clone());
                let rq = Request::list(rd, project, q.right.clone());
                let l = ask_once(client, ld, &lq).await;
                let r = if q.unpaged {
                    ask_walk(client, rd, project, max_page, &q.right).await
                } else {
                    ask_once(client, rd, &rq).await
                };
                let mut found = compare(&q, &l, &r, facts);
                // A difference nothing excuses: was it the account?
                if found.iter().any(|f| f.kind == Kind::Answer) {
                    let again = ask_once(client, ld, &lq).await;
                    let ids = |a: &Answer| -> Vec<Option<String>> {
                        a.items.iter().map(|i| id_of(i, &ld.id)).collect()
                    };
                    if again.status != l.status || ids(&again) != ids(&l) {
                        for f in found.iter_mut().filter(|f| f.kind == Kind::Answer) {
                            f.kind = Kind::Moved;
                        }
                    }
                }
                (q, found, (lq.path_and_query(), rq.path_and_query()))
            }
        }))
        .buffered(client.target().jobs.max(1))
        .collect()
        .await;
    for (q, found, requests) in asked {
        for f in found {
            report.differences.push(Difference {
                question: q.name.clone(),
                found: f,
                requests: requests.clone(),
            });
        }
    }
    Ok(report)
}

/// One request's answer.
async fn ask_once(client: &Client, desc: &crate::contract::Desc, req: &Request) -> Answer {
    match client.send(req).await.outcome {
        Err(e) => Answer {
            transport: Some(e.to_string()),
            ..Answer::default()
        },
        Ok(resp) => {
            let body = resp.json().ok();
            Answer {
                status: Some(resp.status),
                transport: None,
                items: body
                    .and_then(|b| b.get(&desc.list))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
                total: desc
                    .total
                    .as_ref()
                    .and_then(|t| body.and_then(|b| b.get(&t.field)))
                    .and_then(Value::as_u64),
            }
        }
    }
}

/// Every page of a question, at the list's largest page size.
async fn ask_walk(
    client: &Client,
    desc: &crate::contract::Desc,
    project: &str,
    page: u32,
    query: &[(String, String)],
) -> Answer {
    match walk_query(client, desc, project, page, query.to_vec()).await {
        Err(e) => Answer {
            transport: Some(e.error.to_string()),
            ..Answer::default()
        },
        Ok(Err(crate::exec::NoBaseline::Status { status, .. })) => Answer {
            status: Some(status),
            ..Answer::default()
        },
        Ok(Err(e)) => Answer {
            status: Some(200),
            transport: Some(e.to_string()),
            ..Answer::default()
        },
        Ok(Ok((items, total))) => Answer {
            status: Some(200),
            transport: None,
            items,
            total,
        },
    }
}
