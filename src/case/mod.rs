//! Case files: what a user writes in `cases/**/*.toml`, loaded with positions and
//! validated before anything is sent.
//!
//! A case is one file: a query in, the expected behaviour out. The checks know the rules
//! (C1..C14), so a case names its rules instead of listing instances; values can be
//! literal or drawn from the target's own unfiltered list (see [`Draw`]).

mod load;

pub use load::{load_dir, load_file, parse_case, parse_case_bytes, LoadError, SUITE_MARKER};

use std::fmt;
use std::sync::Arc;

pub use crate::contract::Rule;
use crate::diag::LineCol;

/// Where something sits in a case file, for failure messages (`cases/x.toml:12:5`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    pub file: Arc<str>,
    pub at: LineCol,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.at.line, self.at.col)
    }
}

/// Which project a case queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectSel {
    /// The project under test (`--project-id`).
    Main,
    /// The second project (`--other-project-id`), for tenancy checks (C14).
    Other,
}

/// Which credentials a case sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthSel {
    /// The configured credentials (the default).
    Configured,
    /// No credentials at all (C14: expect 401).
    None,
    /// A token that is certainly wrong (C14: expect 401).
    Wrong,
}

/// How a value is drawn from the target's own unfiltered list (the baseline).
/// Every draw is deterministic for a given baseline: candidates are sorted, and `nth`
/// picks one (default: the middle one, which is rarely a special case).
///
/// A draw reads the member that the parameter it stands in filters on, as the contract
/// description says (`name = { draw = "prefix" }` draws from the names); `past-end` and
/// `total` stand in for paging parameters. "Visible" items are those no hidden rule of
/// the description keeps out of an unflagged list (C6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DrawKind {
    /// The member of a visible item.
    Value,
    /// A substring shared by several, but not all, visible items' members.
    Shared,
    /// A visible item's member with a character outside ASCII (e.g. Chinese).
    NonAscii,
    /// A substring found inside a visible item's member but at the start of none.
    Infix,
    /// A visible item's member that is a strict prefix of another visible one.
    Prefix,
    /// A visible item's member with its letter case changed, equal to no member.
    OtherCase,
    /// The member of a hidden item (C6: shown only with its flag).
    Hidden,
    /// A value no item has: contained in no member for a `contains` filter, an unused
    /// value of the member's enumeration, else a value equal to no member.
    Absent,
    /// The most frequent member among visible items.
    Frequent,
    /// The first half of a visible item's member (equal to no member).
    Half,
    /// Everything one visible item offers a filter that reads several values from a
    /// member (a `pairs` filter's `key=value` items), joined by commas.
    Several,
    /// An item other than the first of a member that lists several (a cluster's second
    /// address, for a `one_of` filter).
    NotFirst,
    /// The key of one of a visible item's pairs, alone, without `=` (for a `pairs`
    /// filter: an item outside the page's syntax, S4 of the v2 notes).
    Key,
    /// A start one past the visible items (C9).
    PastEnd,
    /// The number of visible items.
    Total,
}

impl DrawKind {
    pub const NAMES: [(&'static str, DrawKind); 15] = [
        ("value", DrawKind::Value),
        ("shared", DrawKind::Shared),
        ("non-ascii", DrawKind::NonAscii),
        ("infix", DrawKind::Infix),
        ("prefix", DrawKind::Prefix),
        ("other-case", DrawKind::OtherCase),
        ("hidden", DrawKind::Hidden),
        ("absent", DrawKind::Absent),
        ("frequent", DrawKind::Frequent),
        ("half", DrawKind::Half),
        ("several", DrawKind::Several),
        ("not-first", DrawKind::NotFirst),
        ("key", DrawKind::Key),
        ("past-end", DrawKind::PastEnd),
        ("total", DrawKind::Total),
    ];

    pub fn parse(s: &str) -> Option<DrawKind> {
        DrawKind::NAMES
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, k)| *k)
    }

    pub fn name(self) -> &'static str {
        DrawKind::NAMES
            .iter()
            .find(|(_, k)| *k == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    /// True for the draws that stand in for a paging parameter.
    pub fn paging(self) -> bool {
        matches!(self, DrawKind::PastEnd | DrawKind::Total)
    }

    /// True for the draws `containing` narrows.
    pub fn narrows(self) -> bool {
        matches!(
            self,
            DrawKind::Value | DrawKind::Prefix | DrawKind::OtherCase | DrawKind::Hidden
        )
    }
}

/// A value drawn from the baseline.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Draw {
    pub kind: DrawKind,
    /// Only names containing this text are candidates (for special characters).
    pub containing: Option<String>,
    /// Which candidate, in sorted order; `None` = the middle one.
    pub nth: Option<usize>,
    /// For `hidden`: only the items that this hidden rule of the contract hides (e.g.
    /// the deleted ones, not the failed ones).
    pub hidden_by: Option<Rule>,
}

/// One query parameter's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryValue {
    Literal(String),
    Drawn(Draw),
}

/// One query parameter, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub value: QueryValue,
    pub loc: Loc,
}

/// What a case expects of the result set of a 200 answer, for vacuity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultsExpect {
    /// The expected set should be non-empty; an empty one makes the case vacuous.
    Some,
    /// The expected set is empty by design (unknown id, start past the end).
    None,
    /// Either is fine.
    Any,
}

/// What must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    /// Accepted statuses: the first is the preferred one; an answer with one of the
    /// others passes and is recorded as an observation (e.g. 403 for 401, C14).
    pub status: Vec<u16>,
    pub status_loc: Option<Loc>,
    pub results: ResultsExpect,
    /// Page sizes to walk the whole query with (C9..C11).
    pub pages: Vec<u32>,
    pub pages_loc: Option<Loc>,
    /// How many times to send the query to check that the order is stable (C8).
    pub repeat: u32,
}

impl Expect {
    pub fn wants_list(&self) -> bool {
        self.status.first() == Some(&200)
    }
}

/// A loaded, validated case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The case's name: its path below the cases folder, without `.toml`.
    pub name: String,
    /// Where the case starts (its description), for reports.
    pub loc: Loc,
    pub description: String,
    pub rules: Vec<Rule>,
    pub project: ProjectSel,
    pub auth: AuthSel,
    pub query: Vec<Param>,
    /// A query string sent exactly as written (already encoded), before `query`.
    pub raw_query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub expect: Expect,
}

impl Case {
    /// The location of the first query parameter, or of the case itself.
    pub fn query_loc(&self) -> &Loc {
        self.query.first().map_or(&self.loc, |p| &p.loc)
    }

    /// True when the case needs values from the baseline.
    pub fn draws(&self) -> bool {
        self.query
            .iter()
            .any(|p| matches!(p.value, QueryValue::Drawn(_)))
    }
}
