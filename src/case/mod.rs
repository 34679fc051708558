//! Case files: what a user writes in `cases/**/*.toml`, loaded with positions and
//! validated before anything is sent.
//!
//! A case is one file: a query in, the expected behaviour out. The checks know the rules
//! (C1..C14), so a case names its rules instead of listing instances; values can be
//! literal or drawn from the target's own unfiltered list (see [`Draw`]).

mod load;

pub use load::{load_dir, load_file, parse_case, parse_case_bytes, LoadError};

use std::fmt;
use std::sync::Arc;

use crate::diag::LineCol;

/// A rule id of the contract notes, C1..C14.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rule(pub u8);

impl Rule {
    pub const ALL: [Rule; 14] = [
        Rule(1),
        Rule(2),
        Rule(3),
        Rule(4),
        Rule(5),
        Rule(6),
        Rule(7),
        Rule(8),
        Rule(9),
        Rule(10),
        Rule(11),
        Rule(12),
        Rule(13),
        Rule(14),
    ];

    /// Parses `C7` (or `c7`).
    pub fn parse(s: &str) -> Option<Rule> {
        let n: u8 = s.strip_prefix(['C', 'c'])?.parse().ok()?;
        (1..=14).contains(&n).then_some(Rule(n))
    }

    /// One line saying what the rule is about, for reports.
    pub fn title(self) -> &'static str {
        match self.0 {
            1 => "empty = absent",
            2 => "fuzzy name",
            3 => "exact name",
            4 => "status",
            5 => "id",
            6 => "failed instances",
            7 => "AND, unknown parameters ignored",
            8 => "order",
            9 => "start",
            10 => "limit",
            11 => "instance_num",
            12 => "shape",
            13 => "errors",
            14 => "tenancy and auth",
            _ => "unknown rule",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "C{}", self.0)
    }
}

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DrawKind {
    /// The name of a visible (not CREATEFAILED) instance.
    Name,
    /// A substring shared by several, but not all, visible names.
    NameSubstring,
    /// A visible name with a character outside ASCII (e.g. Chinese).
    NameUnicode,
    /// A substring found inside a visible name but not at its start.
    NameInfix,
    /// A visible name that is a strict prefix of another visible name.
    NamePrefix,
    /// A visible name with its letter case changed, equal to no name.
    NameOtherCase,
    /// The name of a CREATEFAILED instance.
    FailedName,
    /// A string contained in no name.
    AbsentName,
    /// The most frequent status among visible instances.
    Status,
    /// A status of the status table that no instance has.
    AbsentStatus,
    /// The instance_id of a visible instance.
    Id,
    /// The instance_id of a CREATEFAILED instance.
    FailedId,
    /// An instance_id no instance has.
    AbsentId,
    /// The first half of a visible instance_id (equal to no instance_id).
    IdPrefix,
    /// One past the number of visible instances (a start past the end, C9).
    PastEnd,
    /// The number of visible instances.
    Total,
}

impl DrawKind {
    pub const NAMES: [(&'static str, DrawKind); 16] = [
        ("name-infix", DrawKind::NameInfix),
        ("id-prefix", DrawKind::IdPrefix),
        ("name", DrawKind::Name),
        ("name-unicode", DrawKind::NameUnicode),
        ("name-substring", DrawKind::NameSubstring),
        ("name-prefix", DrawKind::NamePrefix),
        ("name-other-case", DrawKind::NameOtherCase),
        ("failed-name", DrawKind::FailedName),
        ("absent-name", DrawKind::AbsentName),
        ("status", DrawKind::Status),
        ("absent-status", DrawKind::AbsentStatus),
        ("id", DrawKind::Id),
        ("failed-id", DrawKind::FailedId),
        ("absent-id", DrawKind::AbsentId),
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
}

/// A value drawn from the baseline.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Draw {
    pub kind: DrawKind,
    /// Only names containing this text are candidates (for special characters).
    pub containing: Option<String>,
    /// Which candidate, in sorted order; `None` = the middle one.
    pub nth: Option<usize>,
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
