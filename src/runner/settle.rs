//! Evidence before blame: a case whose answers disagree with the account as first seen is
//! judged again after a fresh look at it, within [`MAX_LOOKS`] looks.
//!
//! A real account moves while conform reads it. When a case's findings are all about the
//! account's data (filters, order, paging), the runner looks at the unfiltered list again,
//! records what moved ([`Moves`]) and weighs each finding ([`weigh`]):
//!
//! - about instances that never moved: the target is at fault, the case fails at once,
//!   whether or not the discrepancy would come back (an intermittent fault is a fault);
//! - about instances that moved: the case is sent again and judged against the new look;
//!   when it then passes, each excused finding becomes an observation naming what moved;
//! - about an instance listed by an answer but by no look yet: the next look decides.
//!
//! A discrepancy still there after the last look fails, saying so. A case with no finding
//! costs nothing: no look is taken when nothing looks wrong.

use crate::base::{Baseline, Moves};
use crate::case::{Case, ProjectSel};
use crate::check::moving::{about_data, weigh, Weight};
use crate::check::{Context, Finding, Observation};
use crate::contract::Contract;
use crate::exec::{fetch_baseline, Client, NoBaseline};
use crate::outcome::{AccountReport, CaseResult, Verdict};
use crate::plan::Planned;

use super::TargetSpec;

/// The most looks at the account taken for one discrepancy (after the baseline).
pub const MAX_LOOKS: usize = 4;

/// The account as the run has seen it: the latest look at each project, and every move
/// seen between looks.
pub(crate) struct Account {
    pub main: Result<Baseline, NoBaseline>,
    pub other: Option<Result<Baseline, NoBaseline>>,
    page: u32,
    /// Looks taken after the baseline.
    looks: usize,
    /// The main project's baseline, kept once a look has replaced it.
    first: Option<Result<Baseline, NoBaseline>>,
    /// The look that cases judged from now on in the run's main stream are judged
    /// against (the exploration after a settle uses the latest look).
    judged_at: usize,
    moves: Moves,
    moves_other: Moves,
    /// Cases excused by a move, and cases that failed after every look.
    excused: usize,
    unsettled: usize,
}

impl Account {
    pub(crate) fn new(
        main: Result<Baseline, NoBaseline>,
        other: Option<Result<Baseline, NoBaseline>>,
        page: u32,
    ) -> Account {
        Account {
            main,
            other,
            page,
            looks: 0,
            first: None,
            judged_at: 0,
            moves: Moves::default(),
            moves_other: Moves::default(),
            excused: 0,
            unsettled: 0,
        }
    }

    /// What the run saw of the account's movement, for the reports.
    pub(crate) fn report(&self, contract: &Contract) -> AccountReport {
        let layout = &contract.desc().layout;
        let said = |m: &crate::base::Move| m.said(layout);
        AccountReport {
            looks: self.looks,
            instances: self.moves.instances() + self.moves_other.instances(),
            moves: self
                .moves
                .iter()
                .chain(self.moves_other.iter())
                .map(said)
                .collect(),
            excused: self.excused,
            unsettled: self.unsettled,
        }
    }

    /// The instances of the main project that moved during the run, as the latest look
    /// holds them (the created and changed ones; the removed are gone), at most `n`: the
    /// created ones first.
    pub(crate) fn moved(&self, n: usize) -> Vec<&crate::base::Inst> {
        let Ok(latest) = self.main.as_ref() else {
            return Vec::new();
        };
        // Created instances first (an index or a cache built before them is the most
        // likely to miss them), then the others; the most recent first within each.
        let mut ids: Vec<&str> = self.moves.iter().map(|m| m.id.as_str()).collect();
        ids.reverse();
        ids.sort_by_key(|id| {
            self.moves
                .of(id)
                .first()
                .is_none_or(|m| m.what != "created")
        });
        let mut seen = std::collections::HashSet::new();
        ids.into_iter()
            .filter(|id| seen.insert(*id))
            .filter_map(|id| latest.get(id))
            .take(n)
            .collect()
    }

    /// Looks at one project of the account again (the one a case queries); false when
    /// the look got no usable list (the findings then stand as they are).
    async fn look(
        &mut self,
        client: &Client,
        contract: &Contract,
        spec: &TargetSpec,
        project: ProjectSel,
    ) -> bool {
        let desc = contract.desc();
        let (id, old, moves) = match project {
            ProjectSel::Main => (&spec.project, &mut self.main, &mut self.moves),
            ProjectSel::Other => match (&spec.other_project, self.other.as_mut()) {
                (Some(p), Some(o)) => (p, o, &mut self.moves_other),
                _ => return false,
            },
        };
        let Ok(Ok(new)) = fetch_baseline(client, contract, id, self.page, None).await else {
            return false;
        };
        self.looks += 1;
        if let Ok(before) = old.as_ref() {
            moves.record(self.looks, &desc.layout, before, &new);
        }
        let replaced = std::mem::replace(old, Ok(new));
        if project == ProjectSel::Main && self.first.is_none() {
            // The exploration draws its probes from the first look, so that the same
            // seed sends the same probes whether or not the account moved.
            self.first = Some(replaced);
        }
        true
    }

    /// The main project's list as the run first saw it (the baseline).
    pub(crate) fn first_look(&self) -> &Result<Baseline, NoBaseline> {
        self.first.as_ref().unwrap_or(&self.main)
    }

    /// The moves seen in one project.
    fn moves_of(&self, project: ProjectSel) -> &Moves {
        match project {
            ProjectSel::Main => &self.moves,
            ProjectSel::Other => &self.moves_other,
        }
    }

    /// The checks' context for a case against the latest look, and the moves of the
    /// project it queries.
    fn ctx<'a>(
        &'a self,
        contract: &'a Contract,
        case: &'a Case,
        empty: &'a Baseline,
    ) -> (Context<'a>, &'a Moves) {
        let main = self.main.as_ref().ok();
        let other = self.other.as_ref().and_then(|o| o.as_ref().ok());
        let (baseline, foreign) = match case.project {
            ProjectSel::Main => (main, other),
            ProjectSel::Other => (other, main),
        };
        (
            Context {
                contract,
                case,
                baseline: baseline.unwrap_or(empty),
                foreign: foreign.unwrap_or(empty),
            },
            self.moves_of(case.project),
        )
    }
}

impl Account {
    /// Takes in what answers showed moving (items in another state than the list they
    /// were judged against), as moves seen since the look `judged_at`.
    pub(crate) fn sightings(&mut self, project: ProjectSel, sightings: &[crate::base::Sighting]) {
        // Seen after the look the answers were judged against: recorded as seen by the
        // next look, so that it counts as a move since then.
        let look = self.looks + 1;
        let moves = match project {
            ProjectSel::Main => &mut self.moves,
            ProjectSel::Other => &mut self.moves_other,
        };
        for s in sightings {
            moves.sighted(look, s);
        }
    }
}

/// True when a result needs evidence before blame: it failed, and only on findings about
/// the account's data (a case with another finding fails whatever moved).
pub(crate) fn suspect(r: &CaseResult) -> bool {
    r.verdict == Verdict::Fail && !r.findings.is_empty() && r.findings.iter().all(about_data)
}

/// One case waiting for evidence.
struct Open {
    /// Index into the cases.
    ci: usize,
    /// The case's requests as first sent: sent again as they were, so that the case
    /// asks the same question of the new look (a fresh plan could draw other values).
    plan: Planned,
    result: CaseResult,
    /// Findings excused so far, with what moved.
    explained: Vec<(Finding, Vec<String>)>,
    /// Findings about an instance no look has listed yet.
    unseen: Vec<Finding>,
    /// Whether the last look explained the case's findings (for the final message).
    moved_last: bool,
    /// The look the current result was judged against (0: the baseline).
    judged_at: usize,
    /// The looks taken before the case's answers came in: a look after this one is
    /// after them.
    answered_after: usize,
    /// Instances an answer of this case listed though the look lacked them, and ones an
    /// answer missed though the look held them (a new instance that replicas disagree
    /// about is in both).
    seen_listed: std::collections::HashSet<String>,
    seen_missed: std::collections::HashSet<String>,
}

/// Settles the suspect results (see [`suspect`]; `(case index, result)`), one case after
/// the other so that each is judged between two looks close together: looks at the
/// project the case queries, weighs its findings, sends it again when moves explain them,
/// and so on within [`MAX_LOOKS`] looks. Returns every result final, in the order given.
pub(crate) async fn settle(
    client: &Client,
    contract: &Contract,
    spec: &TargetSpec,
    account: &mut Account,
    cases: &[Case],
    held: Vec<(usize, CaseResult, Planned)>,
    keep_bodies: crate::exec::Keep,
) -> Vec<(usize, CaseResult)> {
    let mut done = Vec::with_capacity(held.len());
    // Every held answer came in before this point: any look from now on is after them.
    let answered_after = account.looks;
    for (ci, result, plan) in held {
        let o = Open {
            ci,
            plan,
            result,
            explained: Vec::new(),
            unseen: Vec::new(),
            moved_last: false,
            judged_at: account.judged_at,
            answered_after,
            seen_listed: std::collections::HashSet::new(),
            seen_missed: std::collections::HashSet::new(),
        };
        done.push(settle_one(client, contract, spec, account, cases, o, keep_bodies).await);
    }
    // Whatever is judged from now on is judged against the latest look.
    account.judged_at = account.looks;
    done
}

async fn settle_one(
    client: &Client,
    contract: &Contract,
    spec: &TargetSpec,
    account: &mut Account,
    cases: &[Case],
    mut o: Open,
    keep_bodies: crate::exec::Keep,
) -> (usize, CaseResult) {
    let empty = Baseline::default();
    let case = &cases[o.ci];
    let mut looks = 0;
    // A look already taken after the case's answers (another case's) may hold the
    // evidence: it is tried first, and a fresh look is taken only when it does not.
    let mut reuse = account.looks > o.answered_after;
    while looks < MAX_LOOKS {
        if !reuse {
            // The look after the last answers: what moved since the look they were
            // judged against is the evidence.
            if !account.look(client, contract, spec, case.project).await {
                break;
            }
            looks += 1;
        }
        let (ctx, moves) = account.ctx(contract, case, &empty);
        note_presence(&mut o);
        let w = weigh_all(&o, &ctx, moves);
        if !w.stands.is_empty() && std::mem::take(&mut reuse) {
            continue; // not enough evidence in the older look: take a fresh one
        }
        reuse = false;
        o.unseen = w.unseen;
        o.explained.extend(w.explained);
        o.moved_last = w.moved;
        if !w.stands.is_empty() {
            // Instances that never moved: the target is at fault.
            let unseen = std::mem::take(&mut o.unseen);
            o.result.findings = w.stands;
            o.result.findings.extend(unseen);
            return finish(o, account, None);
        }
        if !o.result.findings.iter().any(about_data) {
            if o.unseen.is_empty() {
                return finish(o, account, None);
            }
            continue;
        }
        if walked_while_moving(&o, &ctx, moves) {
            // A walk longer than the account stays still: its overlaps and gaps are the
            // moves', and what each page says on its own has been judged already.
            o.result.notices.push(
                "the pages were walked while instances they hold moved: overlaps, gaps and totals across pages are not judged"
                    .to_string(),
            );
            o.result.findings.retain(|f| !about_data(f));
            return finish(o, account, None);
        }
        if looks == MAX_LOOKS {
            break; // no look would follow a last sending
        }
        // The same requests again, judged against this look.
        o.judged_at = account.looks;
        let fresh = super::judge_plans(
            client,
            contract,
            &account.main,
            account.other.as_ref(),
            std::slice::from_ref(case),
            vec![o.plan.clone()],
            keep_bodies,
        )
        .await;
        if let Some(r) = fresh.into_iter().next() {
            account.sightings(case.project, &r.sightings);
            o.result = r;
        }
        if !o.result.findings.iter().any(about_data) && o.unseen.is_empty() {
            return finish(o, account, None);
        }
    }
    // Out of looks (or the account could not be looked at again).
    let unseen = std::mem::take(&mut o.unseen);
    o.result.findings.extend(unseen);
    if o.result.findings.is_empty() {
        return finish(o, account, None);
    }
    if let Some(young) = converging(&o, account, case) {
        // New instances that some answers list and others miss: replicas converging.
        o.result.notices.push(format!(
            "instances created during the run were listed by some answers and not by others ({}): replicas converging, not judged",
            young.join(", ")
        ));
        let data: Vec<Finding> = o
            .result
            .findings
            .iter()
            .filter(|f| about_data(f))
            .cloned()
            .collect();
        for f in data {
            o.explained
                .push((f, vec!["replicas converging".to_string()]));
        }
        o.result.findings.retain(|f| !about_data(f));
        return finish(o, account, None);
    }
    let why = if o.moved_last {
        format!("the account moved on every look ({looks} looks): the discrepancy could not be judged on a settled account, so it counts")
    } else {
        format!("the discrepancy remained after {looks} looks at the account")
    };
    finish(o, account, Some(why))
}

/// The new instances a case's answers disagreed about, when every finding left is about
/// them: each was created during the run, and answers (or looks) both listed it and
/// missed it, as replicas that have not converged yet do. `None` otherwise: a new
/// instance that an index never lists stays a failure.
fn converging(o: &Open, account: &Account, case: &Case) -> Option<Vec<String>> {
    let moves = account.moves_of(case.project);
    let young = |id: &str| moves.of(id).first().is_some_and(|m| m.what == "created");
    let flapped = |id: &str| {
        let listed = o.seen_listed.contains(id)
            || moves.of(id).iter().filter(|m| m.what == "created").count() > 1;
        let missed = o.seen_missed.contains(id) || moves.of(id).iter().any(|m| m.what == "removed");
        listed && missed
    };
    let data: Vec<&Finding> = o.result.findings.iter().filter(|f| about_data(f)).collect();
    if data.len() != o.result.findings.len() || data.is_empty() {
        return None;
    }
    let named: Vec<&str> = data
        .iter()
        .flat_map(|f| f.instances.iter().map(String::as_str))
        .collect();
    if named.is_empty() || !named.iter().all(|id| young(id) && flapped(id)) {
        return None;
    }
    let mut ids: Vec<String> = named.iter().map(|s| (*s).to_string()).collect();
    ids.sort();
    ids.dedup();
    Some(ids)
}

/// Notes which instances the case's current answers listed without the look, or missed
/// though the look held them (by the kind of item its findings are about).
fn note_presence(o: &mut Open) {
    for f in &o.result.findings {
        let (Some(item), Some(id)) = (&f.item, f.instances.first()) else {
            continue;
        };
        if item.kind.ends_with("not in the unfiltered list") {
            o.seen_listed.insert(id.clone());
        } else if item.kind.starts_with("missing") {
            o.seen_missed.insert(id.clone());
        }
    }
}

/// A case's findings about data, weighed against the moves seen so far.
struct Weighed {
    stands: Vec<Finding>,
    explained: Vec<(Finding, Vec<String>)>,
    unseen: Vec<Finding>,
    /// Some finding was explained by moves since the look its answers were judged
    /// against (not only by moves earlier in the run).
    moved: bool,
}

fn weigh_all(o: &Open, ctx: &Context<'_>, moves: &Moves) -> Weighed {
    let mut w = Weighed {
        stands: Vec::new(),
        explained: Vec::new(),
        unseen: Vec::new(),
        moved: false,
    };
    let pending = o
        .result
        .findings
        .iter()
        .filter(|f| about_data(f))
        .chain(&o.unseen);
    for f in pending {
        let query = query_of(&o.result, f);
        match weigh(ctx, f, &query, moves, 0) {
            Weight::Stands => w.stands.push(f.clone()),
            Weight::Explained(m) => {
                // Did they move since the answers' own look, or only earlier in the run?
                w.moved |= matches!(
                    weigh(ctx, f, &query, moves, o.judged_at),
                    Weight::Explained(_)
                );
                w.explained.push((f.clone(), m));
            }
            Weight::Unseen => w.unseen.push(f.clone()),
        }
    }
    w
}

/// The final result of a case: its last judgement, the excused findings as observations,
/// and, for a failure after every look, why it still counts.
fn finish(o: Open, account: &mut Account, unsettled: Option<String>) -> (usize, CaseResult) {
    let mut r = o.result;
    let mut said: Vec<(crate::case::Rule, &str)> = Vec::new();
    for (f, moved) in &o.explained {
        // One observation per excused finding, however many looks saw it again.
        if said.contains(&(f.rule, f.message.as_str())) {
            continue;
        }
        said.push((f.rule, f.message.as_str()));
        r.observations.push(Observation {
            rule: f.rule,
            request: f.request,
            message: format!(
                "{}: {} ({})",
                crate::outcome::MOVED_EXCUSE,
                f.message,
                short(moved)
            ),
        });
    }
    if let Some(why) = unsettled {
        account.unsettled += 1;
        r.notices.push(why);
        r.verdict = Verdict::Fail;
    } else if !r.findings.is_empty() {
        r.verdict = Verdict::Fail;
    } else if !o.explained.is_empty() {
        account.excused += 1;
        if r.verdict == Verdict::Fail {
            // Every finding was about moves (the walk's, set aside above).
            r.verdict = Verdict::Pass;
        }
        r.notices.push(format!(
            "judged again after a fresh look at the account: {}",
            short(
                &o.explained
                    .iter()
                    .flat_map(|(_, m)| m.clone())
                    .collect::<Vec<_>>()
            )
        ));
    }
    (o.ci, r)
}

/// At most three moves in words, then how many more.
fn short(moves: &[String]) -> String {
    let mut seen: Vec<&String> = Vec::new();
    for m in moves {
        if !seen.contains(&m) {
            seen.push(m);
        }
    }
    let shown: Vec<&str> = seen.iter().take(3).map(|s| s.as_str()).collect();
    match seen.len() {
        n if n > 3 => format!("{}; and {} more", shown.join("; "), n - 3),
        _ => shown.join("; "),
    }
}

/// True when the case walks pages and every finding about its data is explained by moves
/// the latest look saw (instances the walked query holds, moving during the walk).
fn walked_while_moving(o: &Open, ctx: &Context<'_>, moves: &Moves) -> bool {
    let walks = o
        .result
        .requests
        .iter()
        .any(|q| matches!(q.purpose, crate::check::Purpose::Page { .. }));
    let data: Vec<&Finding> = o.result.findings.iter().filter(|f| about_data(f)).collect();
    walks
        && !data.is_empty()
        && data.iter().all(|f| {
            let query = query_of(&o.result, f);
            matches!(
                weigh(ctx, f, &query, moves, o.judged_at),
                Weight::Explained(_)
            )
        })
}

/// The query a finding's request sent, decoded.
fn query_of(r: &CaseResult, f: &Finding) -> Vec<(String, String)> {
    let path = r.requests.get(f.request).map_or("", |q| q.path.as_str());
    let query = path.split_once('?').map_or("", |(_, q)| q);
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}
