//! Filtering, ordering and paging one project's instances: a [`ListQuery`] in, the rows of
//! one page and the total match count out (rules C2..C11).
//!
//! Each project is indexed once at start: its rows are sorted in C8 order and serialised, so
//! a request only filters, slices and copies bytes.

use time::OffsetDateTime;

use super::faults::Fault;
use super::query::ListQuery;
use super::FaultSet;

/// The status table (C4), including the later revisions' RESTORING and FLUSHING.
pub(crate) const STATUSES: [&str; 12] = [
    "CREATING",
    "CREATEFAILED",
    "RUNNING",
    "ERROR",
    "STARTING",
    "RESTARTING",
    "CLOSING",
    "CLOSED",
    "FROZEN",
    "EXTENDING",
    "RESTORING",
    "FLUSHING",
];

/// The status table the v2 page links (its own revision of 缓存实例状态说明, V4): 9 of
/// the 12, without STARTING, CLOSING and CLOSED.
pub(crate) const STATUSES_V2: [&str; 9] = [
    "CREATING",
    "CREATEFAILED",
    "RUNNING",
    "ERROR",
    "RESTARTING",
    "FROZEN",
    "EXTENDING",
    "RESTORING",
    "FLUSHING",
];

/// An instance's status as the v2 list shows it: the v2 table has no STARTING, CLOSING
/// or CLOSED, so a starting instance shows as RESTARTING and a closing or closed one as
/// FROZEN (out of service); every other status as it is.
pub(crate) fn status_v2(status: &str) -> &str {
    match status {
        "STARTING" => "RESTARTING",
        "CLOSING" | "CLOSED" => "FROZEN",
        other => other,
    }
}

/// One instance as the filters see it, with its serialised form.
pub(crate) struct Row {
    pub name: String,
    pub status: String,
    pub id: String,
    /// The instance's address(es): one, or a cluster's comma-separated list (v2's V9).
    pub ip: String,
    pub created_at: OffsetDateTime,
    /// The instance's tags as (key, value) pairs (v2's V8).
    pub tags: Vec<(String, String)>,
    /// The instance's size in GB as (whole, fraction digits without trailing zeros):
    /// `capacity_minor` when the data has a non-empty one, else `capacity` (v2's V10).
    pub size: Option<(u64, String)>,
    /// The integer `capacity` member alone (read so only under `capacity-minor-ignored`).
    pub capacity: Option<u64>,
    /// Deleted: listed only by v2 with `include_delete=true` (V7), never by v1.0.
    pub deleted: bool,
    /// Another project's instance, indexed only under `tenant-leak-by-id`.
    pub foreign: bool,
    /// The instance's name and status when the mock started; `None` for an instance
    /// created since (`--churn`). Read only by the `stale-*` faults.
    pub at_start: Option<(String, String)>,
    /// The instance's JSON, ready to be copied into a response.
    pub json: Vec<u8>,
    /// The same instance as the v2 list shows it.
    pub json_v2: Vec<u8>,
}

impl Row {
    fn failed(&self) -> bool {
        self.status == "CREATEFAILED"
    }

    /// Whether the hidden rule (C6) hides this row: under `stale-failed-index`, by the
    /// status it had at start.
    fn hidden_failed(&self, faults: FaultSet) -> bool {
        match &self.at_start {
            Some((_, status)) if faults.has(Fault::StaleFailedIndex) => status == "CREATEFAILED",
            _ => self.failed(),
        }
    }

    /// Created since the mock started (`--churn`).
    fn fresh(&self) -> bool {
        self.at_start.is_none()
    }
}

/// A size in GB as the mock compares them (V10): `2`, `2.0`, `0.125` and `.125` read as
/// (whole GB, fraction digits without trailing zeros). `None` when it is not a plain
/// decimal number.
pub(crate) fn gigabytes(text: &str) -> Option<(u64, String)> {
    let (whole, fraction) = match text.find('.') {
        Some(at) => (&text[..at], &text[at + 1..]),
        None => (text, ""),
    };
    let plain = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !plain(whole) || !plain(fraction) {
        return None;
    }
    let whole = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    Some((whole, fraction.trim_end_matches('0').to_string()))
}

/// One project's rows in serving order.
pub(crate) struct ProjectIndex {
    /// In C8 order: created_at newest first, ties by instance_id ascending (or the order a
    /// C8 fault asks for).
    rows: Vec<Row>,
    /// The same rows with every group of equal created_at reversed, served on every other
    /// request under `unstable-order`.
    flipped: Vec<usize>,
    /// The rows an unfiltered query lists, in serving order, by what it shows: index
    /// `failed as usize | (deleted as usize) << 1` (C6, V6, V7). An unfiltered page is a
    /// slice of one of them.
    listed: [Vec<usize>; 4],
}

/// The answer to one list query, before serialisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Selection {
    /// The rows of this page, as indices into the project's rows.
    pub page: Vec<usize>,
    /// instance_num (C11).
    pub total: usize,
}

/// Answers other than 200 that only faults produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SelectError {
    UnknownStatus(String),
    /// A `tags` value with an item without `=` (`tags-item-400`).
    BadTags(String),
    UnknownId(String),
    /// `offset` is 0-based (v1.0's start - 1).
    StartPastEnd {
        offset: u64,
        total: usize,
    },
}

impl ProjectIndex {
    pub(crate) fn new(mut rows: Vec<Row>, faults: FaultSet) -> ProjectIndex {
        let oldest_first = faults.has(Fault::OldestFirst);
        let ties_descending = faults.has(Fault::TieBreakDescending);
        let by_id_only = faults.has(Fault::OrderById);
        // C8: newest first; equal timestamps by instance_id ascending.
        rows.sort_by(|a, b| {
            let by_time = if by_id_only {
                std::cmp::Ordering::Equal
            } else if oldest_first {
                a.created_at.cmp(&b.created_at)
            } else {
                b.created_at.cmp(&a.created_at)
            };
            let by_id = if ties_descending {
                b.id.cmp(&a.id)
            } else {
                a.id.cmp(&b.id)
            };
            by_time.then(by_id)
        });
        let mut flipped: Vec<usize> = Vec::with_capacity(rows.len());
        let mut i = 0;
        while i < rows.len() {
            let mut j = i + 1;
            while j < rows.len() && rows[j].created_at == rows[i].created_at {
                j += 1;
            }
            flipped.extend((i..j).rev());
            i = j;
        }
        // Another project's rows (indexed only for `tenant-leak-by-id`) are never listed
        // unfiltered (C14).
        let listed = [0, 1, 2, 3].map(|k: usize| {
            (0..rows.len())
                .filter(|&i| {
                    let r = &rows[i];
                    !r.foreign && (k & 1 == 1 || !r.failed()) && (k & 2 == 2 || !r.deleted)
                })
                .collect()
        });
        ProjectIndex {
            rows,
            flipped,
            listed,
        }
    }

    pub(crate) fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Filters (C1..C7), orders (C8) and pages (C9, C10) for one request; `request_no`
    /// counts list requests, for `unstable-order`.
    pub(crate) fn select(
        &self,
        q: &ListQuery,
        faults: FaultSet,
        request_no: u64,
    ) -> Result<Selection, SelectError> {
        if let Some(status) = &q.status {
            let table: &[&str] = if q.v2 { &STATUSES_V2 } else { &STATUSES };
            if faults.has(Fault::UnknownStatus400) && !table.contains(&status.as_str()) {
                return Err(SelectError::UnknownStatus(status.clone()));
            }
            // C4: the later revisions' statuses are in the table too.
            if faults.has(Fault::LaterStatuses400) && STATUSES[10..].contains(&status.as_str()) {
                return Err(SelectError::UnknownStatus(status.clone()));
            }
        }
        // S4 (v2): an item without `=` is outside the page; one reading refuses it.
        if let Some(tags) = &q.tags {
            if faults.has(Fault::TagsItem400) && tags.split(',').any(|i| !i.contains('=')) {
                return Err(SelectError::BadTags(tags.clone()));
            }
        }
        let any_filter = q.name.is_some()
            || q.status.is_some()
            || q.id.is_some()
            || q.ip.is_some()
            || q.tags.is_some()
            || q.capacity.is_some();
        // C6: only the literal `true` shows CREATEFAILED instances, whatever else is asked.
        let include_failed = q.include_failure.as_deref() == Some("true")
            || (faults.has(Fault::IncludeFailureAnyValue) && q.include_failure.is_some())
            || faults.has(Fault::FailedAlwaysShown)
            || (faults.has(Fault::FailedShownByStatus)
                && q.status.as_deref() == Some("CREATEFAILED"))
            || (faults.has(Fault::IncludeFailureCapitalised)
                && q.include_failure.as_deref() == Some("True"));
        // V7 (v2): only the literal `true` shows deleted instances; v1.0 never does.
        let include_deleted = q.include_delete.as_deref() == Some("true")
            || (faults.has(Fault::IncludeDeleteAnyValue) && q.include_delete.is_some());
        // `stale-page-cursor`: a later page is cut from the list as it was at start.
        let old_cursor = faults.has(Fault::StalePageCursor) && q.offset > 0;
        // C3: only the literal `true` turns exact matching on.
        let exact = match q.exact.as_deref() {
            _ if faults.has(Fault::ExactIgnored) => false,
            Some("true") => true,
            Some("TRUE" | "True" | "1" | "yes") => faults.has(Fault::ExactAnyTruthy),
            _ => false,
        };
        // `exact-shows-*`: an exact query finds the hidden instance of that name.
        let named = |row: &Row| exact && q.name.as_deref() == Some(row.name.as_str());
        let shows = |row: &Row| -> bool {
            !(old_cursor && row.fresh())
                && (include_failed
                    || !row.hidden_failed(faults)
                    || (faults.has(Fault::ExactShowsFailed) && named(row)))
                && (include_deleted
                    || !row.deleted
                    || (q.v2 && faults.has(Fault::DeletedShownWithFilters) && any_filter)
                    || (q.v2 && faults.has(Fault::ExactShowsDeleted) && named(row)))
        };
        let name_ok = |name: &str, term: &str| -> bool {
            if exact && faults.has(Fault::ExactCaseInsensitive) {
                name.to_lowercase() == term.to_lowercase()
            } else if exact || (faults.has(Fault::NonAsciiWholeOnly) && !term.is_ascii()) {
                name == term
            } else if faults.has(Fault::FuzzyMissesSuffix) {
                name.contains(term) && (name == term || !name.ends_with(term))
            } else if faults.has(Fault::PunctuationEquivalent) {
                let fold = |s: &str| -> String {
                    s.chars()
                        .map(|c| if matches!(c, '_' | '.' | ' ') { '-' } else { c })
                        .collect()
                };
                fold(name).contains(&fold(term))
            } else if faults.has(Fault::FuzzyPrefixOnly) {
                name.starts_with(term)
            } else if faults.has(Fault::FuzzyCaseInsensitive) {
                name.to_lowercase().contains(&term.to_lowercase())
            } else if faults.has(Fault::NameLikeWildcards) && term.contains(['%', '_']) {
                wildcard(name, &format!("%{term}%"), '%', '_')
            } else if faults.has(Fault::NameGlob) && term.contains(['*', '?']) {
                wildcard(name, &format!("*{term}*"), '*', '?')
            } else {
                // C2: case-sensitive substring.
                name.contains(term)
            }
        };
        let status_ok = |status: &str, want: &str| -> bool {
            if faults.has(Fault::StatusIgnored)
                || (faults.has(Fault::StatusIgnoredWithExact) && q.exact.is_some())
            {
                true
            } else if faults.has(Fault::StatusCaseInsensitive) {
                status.eq_ignore_ascii_case(want)
            } else {
                status == want // C4
            }
        };
        let id_ok = |id: &str, want: &str| -> bool {
            if faults.has(Fault::IdCaseInsensitive) {
                id.eq_ignore_ascii_case(want)
            } else if faults.has(Fault::IdPrefixMatch) {
                id.starts_with(want)
            } else {
                id == want // C5
            }
        };
        // V9 (v2 only): the address, or any one of a cluster's comma-separated addresses.
        let ip_ok = |ip: &str, want: &str| -> bool {
            let mut addresses = ip.split(',').map(str::trim);
            if faults.has(Fault::IpClusterFirstOnly) {
                addresses.next() == Some(want)
            } else if faults.has(Fault::IpPrefixMatch) {
                addresses.any(|a| a.starts_with(want))
            } else if faults.has(Fault::IpSubstring) {
                addresses.any(|a| a.contains(want))
            } else {
                addresses.any(|a| a == want)
            }
        };
        // V8 (v2 only): every `key=value` item is one of the instance's tags.
        let tags_ok = |have: &[(String, String)], want: &str| -> bool {
            let has = |item: &str| match item.split_once('=') {
                Some((k, v)) if faults.has(Fault::TagsKeyOnly) => {
                    let _ = v;
                    have.iter().any(|(hk, _)| hk == k)
                }
                Some((k, v)) => have.iter().any(|(hk, hv)| hk == k && hv == v),
                // S4: the page has no item without `=`; three readings of one.
                None if faults.has(Fault::TagsItemKeyOnly) => have.iter().any(|(hk, _)| hk == item),
                None => faults.has(Fault::TagsItemIgnored),
            };
            if faults.has(Fault::TagsAnyPair) {
                want.split(',').any(has)
            } else {
                want.split(',').all(has)
            }
        };
        // V10 (v2 only): the size in GB, compared as a number.
        let size_ok = |row: &Row, want: &str| -> bool {
            if faults.has(Fault::CapacityMinorIgnored) {
                // Reads `capacity` alone: a small instance is 0 GB.
                let whole = row.capacity.map(|w| (w, String::new()));
                return whole.is_some() && whole == gigabytes(want);
            }
            let small_at_zero = faults.has(Fault::CapacityZeroFindsSmall)
                && row.capacity == Some(0)
                && gigabytes(want) == Some((0, String::new()));
            small_at_zero || (row.size.is_some() && row.size == gigabytes(want))
        };
        let matches = |row: &Row| -> bool {
            let (name_then, status_then) = match &row.at_start {
                Some((n, s)) => (Some(n.as_str()), s.as_str()),
                None => (None, row.status.as_str()),
            };
            let name = q.name.as_deref().map(|t| {
                if faults.has(Fault::StaleNameIndex) {
                    name_then.is_some_and(|n| name_ok(n, t))
                } else {
                    name_ok(&row.name, t)
                }
            });
            let status = q.status.as_deref().map(|s| {
                // The v2 list shows its own status table (no allocation per row).
                let then = if faults.has(Fault::StaleStatusIndex) {
                    status_then
                } else {
                    row.status.as_str()
                };
                status_ok(if q.v2 { status_v2(then) } else { then }, s)
            });
            let id = q
                .id
                .as_deref()
                .map(|i| id_ok(&row.id, i) && !(faults.has(Fault::StaleIdIndex) && row.fresh()));
            let ip = q.ip.as_deref().map(|a| ip_ok(&row.ip, a));
            let tags = q.tags.as_deref().map(|t| tags_ok(&row.tags, t));
            let size = q.capacity.as_deref().map(|c| size_ok(row, c));
            if row.foreign && !(faults.has(Fault::TenantLeakById) && id == Some(true)) {
                return false; // C14: another project's instance
            }
            let given = [name, status, id, ip, tags, size].into_iter().flatten();
            if faults.has(Fault::FiltersOr) && any_filter {
                given.into_iter().any(|b| b)
            } else {
                given.into_iter().all(|b| b) // C7: AND
            }
        };

        // C9/C10: the window of matches this page holds, decided before scanning so
        // that a request keeps only its page, never every match.
        let offset = usize::try_from(q.offset).unwrap_or(usize::MAX);
        let mut take = match q.limit {
            _ if faults.has(Fault::LimitIgnored) => usize::MAX,
            Some(l) => usize::try_from(l).unwrap_or(usize::MAX),
            None => usize::MAX,
        };
        if faults.has(Fault::PageCap50) {
            take = take.min(PAGE_CAP);
        }
        if faults.has(Fault::LimitOffByOne) && q.limit.is_some() {
            take = take.saturating_add(1);
        }
        let window = offset..offset.saturating_add(take);
        let flipped = faults.has(Fault::UnstableOrder) && request_no % 2 == 1;
        let fast = !any_filter && !flipped && !old_cursor && !faults.has(Fault::StaleFailedIndex);
        let (mut page, mut count, last) = if fast {
            // No filter: the matches are the rows (or the visible rows), known at start,
            // so a page costs its own length, not a scan.
            let all: &[usize] =
                &self.listed[usize::from(include_failed) | usize::from(include_deleted) << 1];
            let page = all
                .get(window.start.min(all.len())..window.end.min(all.len()))
                .unwrap_or_default()
                .to_vec();
            (page, all.len(), all.last().copied())
        } else {
            let order: Box<dyn Iterator<Item = usize>> = if flipped {
                Box::new(self.flipped.iter().copied())
            } else {
                Box::new(0..self.rows.len())
            };
            let mut page = Vec::new();
            let (mut count, mut last) = (0, None);
            // `limit-before-filters`: only the first offset+limit visible rows are
            // filtered at all.
            let cut = match q.limit {
                Some(l) if faults.has(Fault::LimitBeforeFilters) && q.status.is_some() => {
                    usize::try_from(q.offset.saturating_add(l)).unwrap_or(usize::MAX)
                }
                _ => usize::MAX,
            };
            let mut scanned = 0usize;
            for i in order {
                let row = &self.rows[i];
                let visible = shows(row) && !row.foreign;
                if cut != usize::MAX {
                    if !visible {
                        continue;
                    }
                    if scanned >= cut {
                        break;
                    }
                    scanned += 1;
                }
                if shows(row) && matches(row) {
                    if window.contains(&count) {
                        page.push(i);
                    }
                    count += 1;
                    last = Some(i);
                }
            }
            (page, count, last)
        };

        if faults.has(Fault::UnknownId404) && q.id.is_some() {
            let id = q.id.as_deref().unwrap_or("");
            if !self.rows.iter().any(|r| id_ok(&r.id, id)) {
                return Err(SelectError::UnknownId(id.to_string()));
            }
        }
        if faults.has(Fault::FuzzyDropsOneMatch) && q.name.is_some() && !exact && count >= 2 {
            // The last match goes; it can only be the last row of this page.
            if page.last().is_some()
                && page.last() == last.as_ref()
                && window.contains(&(count - 1))
            {
                page.pop();
            }
            count -= 1;
        }

        // C11: instance_num counts every match, not the page.
        let mut total = count;
        if faults.has(Fault::StaleTotal) {
            // Only the instances the mock started with are counted.
            total -= self
                .rows
                .iter()
                .filter(|r| r.fresh() && !r.foreign && shows(r) && matches(r))
                .count();
        }
        if faults.has(Fault::InstanceNumUnfiltered) {
            total =
                self.listed[usize::from(include_failed) | usize::from(include_deleted) << 1].len();
        }
        if q.v2 && faults.has(Fault::DeletedCounted) && !include_deleted {
            // The deleted instances that match are counted, though not listed.
            total += self
                .rows
                .iter()
                .filter(|r| r.deleted && !r.foreign && (include_failed || !r.failed()))
                .filter(|r| matches(r))
                .count();
        }
        // C9: a start past the end is an empty page, not an error.
        if faults.has(Fault::StartPastEnd400) && offset >= count && offset > 0 {
            return Err(SelectError::StartPastEnd {
                offset: q.offset,
                total: count,
            });
        }
        if faults.has(Fault::InstanceNumPageSize) {
            total = page.len();
        }
        if faults.has(Fault::DuplicateId) {
            if let Some(&first) = page.first() {
                page.push(first);
            }
        }
        Ok(Selection { page, total })
    }
}

/// The page size `page-cap-50` never exceeds.
const PAGE_CAP: usize = 50;

/// A wildcard pattern: `any_text` matches any text, `any_char` any one character,
/// everything else itself (SQL LIKE with `%` and `_`, a glob with `*` and `?`).
fn wildcard(text: &str, pattern: &str, any_text: char, any_char: char) -> bool {
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    // can[j]: the first i characters of the text match the first j of the pattern.
    let mut can = vec![false; p.len() + 1];
    can[0] = true;
    for j in 0..p.len() {
        can[j + 1] = can[j] && p[j] == any_text;
    }
    for c in &t {
        let mut next = vec![false; p.len() + 1];
        for j in 0..p.len() {
            next[j + 1] = match p[j] {
                x if x == any_text => next[j] || can[j + 1],
                x if x == any_char => can[j],
                x => can[j] && x == *c,
            };
        }
        can = next;
    }
    can[p.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::generate::generate;
    use crate::mock::{query, MAIN_PROJECT};

    fn index(faults: &[Fault]) -> ProjectIndex {
        let data = generate(400, 3).unwrap();
        let rows = data
            .instances(MAIN_PROJECT)
            .unwrap()
            .iter()
            .map(|v| Row {
                name: v["name"].as_str().unwrap().to_string(),
                status: v["status"].as_str().unwrap().to_string(),
                id: v["instance_id"].as_str().unwrap().to_string(),
                ip: String::new(),
                tags: Vec::new(),
                size: None,
                capacity: None,
                deleted: false,
                created_at: crate::mock::data::parse_created_at(v["created_at"].as_str().unwrap())
                    .unwrap(),
                foreign: false,
                at_start: Some((String::new(), String::new())),
                json: Vec::new(),
                json_v2: Vec::new(),
            })
            .collect();
        ProjectIndex::new(rows, FaultSet::from(faults))
    }

    /// A page is the matching window of the unpaged answer, with the same total,
    /// whether the rows were scanned or sliced, under the faults that bend paging too.
    #[test]
    fn a_page_is_a_window_of_the_unpaged_answer() {
        for faults in [
            &[][..],
            &[Fault::FuzzyDropsOneMatch],
            &[Fault::LimitOffByOne],
            &[Fault::FiltersOr],
        ] {
            let set = FaultSet::from(faults);
            let ix = index(faults);
            for filter in [
                "",
                "includeFailure=true",
                "name=cache",
                "name=cache&includeFailure=true",
                "status=RUNNING&name=prod",
                "name=%E7%BC%93%E5%AD%98",
            ] {
                let all = ix
                    .select(&query::parse(Some(filter), set).unwrap(), set, 0)
                    .unwrap();
                assert!(all.total > 0, "{filter}");
                for (start, limit) in [(1, 1), (2, 3), (5, 10), (all.total, 2), (all.total + 3, 4)]
                {
                    let raw = format!("{filter}&start={start}&limit={limit}");
                    let got = ix
                        .select(&query::parse(Some(&raw), set).unwrap(), set, 0)
                        .unwrap();
                    let take = limit + usize::from(faults.contains(&Fault::LimitOffByOne));
                    let want: Vec<usize> = all
                        .page
                        .iter()
                        .copied()
                        .skip(start - 1)
                        .take(take)
                        .collect();
                    assert_eq!(got.page, want, "{faults:?} {raw}");
                    assert_eq!(got.total, all.total, "{faults:?} {raw}");
                }
            }
        }
    }
}
