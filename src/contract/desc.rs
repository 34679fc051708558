//! The contract description: the TOML file beside the schemas that says, as data, what
//! the rules mean for one list endpoint (path, where the list and the id sit, order,
//! paging, filters, hidden items, invariants, error bodies, credentials, rule ids).
//!
//! [`Desc::parse`] reads and validates it against the schemas, and reports every problem
//! with its line and column before anything is sent. Everything outside this module that
//! needs a member, a parameter, a value or the path reads it from a [`Desc`].

use std::ops::Range;

use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use super::rule::Rule;
use crate::base::{Inst, Layout, OrderSpec};
use crate::diag::Diagnostic;

/// The path of a request: text around one placeholder, the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    pub before: String,
    /// The placeholder as written, braces included (e.g. `{project_id}`).
    pub placeholder: String,
    pub after: String,
}

impl PathTemplate {
    /// The path for a project (already percent-encoded by the caller).
    pub fn render(&self, project: &str) -> String {
        format!("{}{project}{}", self.before, self.after)
    }

    /// The template as written.
    pub fn text(&self) -> String {
        format!("{}{}{}", self.before, self.placeholder, self.after)
    }
}

/// A member of a list item, as a filter or a hidden rule reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldRef {
    /// The item's id.
    Id,
    /// A slot of the [`Layout`].
    Slot(usize),
}

impl FieldRef {
    /// The member's value in an item (the empty string when the item lacks it).
    pub fn of(self, inst: &Inst) -> &str {
        match self {
            FieldRef::Id => inst.id(),
            FieldRef::Slot(s) => inst.field(s),
        }
    }
}

/// How a filter compares an item's member with the parameter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// The member contains the value (case-sensitive).
    Contains,
    /// The member equals the value.
    Equals,
    /// The member is a comma-separated list; the value equals one of its items (blanks
    /// around an item trimmed): a cluster's addresses.
    OneOf,
    /// The member is an array of `{"key": …, "value": …}` objects; the value is a
    /// comma-separated list of `key=value` items (each split at its first `=`), and every
    /// item must be one of the member's pairs, compared exactly.
    Pairs,
    /// The member and the value are decimal numbers (the member an integer or a decimal
    /// string); they must be equal as numbers (`2` = `2.0`, `0.125` = `.125`).
    Number,
}

impl Match {
    /// The word the description uses.
    pub fn name(self) -> &'static str {
        match self {
            Match::Contains => "contains",
            Match::Equals => "equals",
            Match::OneOf => "one_of",
            Match::Pairs => "pairs",
            Match::Number => "number",
        }
    }
}

/// The point of the contract notes an open question answers, as a message prefix:
/// `"S5: "`, or nothing when the description names none.
pub fn point_prefix(point: &Option<String>) -> String {
    point
        .as_deref()
        .map(|p| format!("{p}: "))
        .unwrap_or_default()
}

/// The written form of a value, digits hidden: a run of digits before a `.` reads `9`,
/// each digit after it `9`, so `2024-05-18T13:14:15.161Z` is `9-9-9T9:9:9.999Z`, `.125`
/// is `.999` and `0.125` is `9.999`; the empty string (or null) is `empty`.
pub fn written_form(text: &str) -> String {
    if text.is_empty() {
        return "empty".into();
    }
    let mut out = String::new();
    let mut after_dot = false;
    let mut in_run = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if after_dot || !in_run {
                out.push('9');
            }
            in_run = true;
        } else {
            after_dot = c == '.';
            in_run = false;
            out.push(c);
        }
    }
    out
}

/// A decimal number (`2`, `2.50`, `.125`, `0.125`) as an exact scaled integer: units of
/// 10^-18. `None` for anything else (signs, exponents, blanks, more than 18 decimals).
pub fn decimal_value(text: &str) -> Option<u128> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.len() + fraction.len() == 0 || !digits(whole) || !digits(fraction) {
        return None;
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > 18 {
        return None;
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let scaled: u128 = format!("{fraction:0<18}").parse().ok()?;
    whole.checked_mul(10u128.pow(18))?.checked_add(scaled)
}

/// A decimal number written plainly: `0.125` for `.125`, `2` for `2.0`.
pub fn decimal_text(text: &str) -> Option<String> {
    let v = decimal_value(text)?;
    let (whole, fraction) = (v / 10u128.pow(18), v % 10u128.pow(18));
    if fraction == 0 {
        return Some(whole.to_string());
    }
    let f = format!("{fraction:018}");
    Some(format!("{whole}.{}", f.trim_end_matches('0')))
}

/// A reading of a point the vendor page leaves open: another way a filter may match,
/// accepted and recorded as the one the target follows, never failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// `contains`: the containment ignores letter case.
    IgnoreCase,
    /// `equals`, `one_of`: the value may be any part of the member (of one of its items).
    Substring,
    /// `number`: the integer member counts too, so a small item is found by 0 as well.
    IntegerToo,
    /// `pairs`: an item without `=` asks for the key, whatever its value.
    KeyOnly,
    /// `pairs`: an item without `=` is left out (it filters nothing).
    ItemIgnored,
    /// The parameter's alias is not read: it is an unknown parameter, ignored.
    AliasIgnored,
}

impl Reading {
    /// The word the description uses.
    pub fn name(self) -> &'static str {
        match self {
            Reading::IgnoreCase => "ignore_case",
            Reading::Substring => "substring",
            Reading::IntegerToo => "integer_too",
            Reading::KeyOnly => "key_only",
            Reading::ItemIgnored => "item_ignored",
            Reading::AliasIgnored => "alias_ignored",
        }
    }

    /// Every reading a description can declare.
    const ALL: [Reading; 6] = [
        Reading::IgnoreCase,
        Reading::Substring,
        Reading::IntegerToo,
        Reading::KeyOnly,
        Reading::ItemIgnored,
        Reading::AliasIgnored,
    ];

    fn parse(word: &str) -> Option<Reading> {
        Reading::ALL.into_iter().find(|r| r.name() == word)
    }

    /// The matches a reading can bend (`AliasIgnored` any filter with an alias).
    fn applies_to(self, m: Match) -> bool {
        match self {
            Reading::IgnoreCase => m == Match::Contains,
            Reading::Substring => matches!(m, Match::Equals | Match::OneOf),
            Reading::IntegerToo => m == Match::Number,
            Reading::KeyOnly | Reading::ItemIgnored => m == Match::Pairs,
            Reading::AliasIgnored => true,
        }
    }

    /// What the reading means, for observations: "ip is matched as a part of an address".
    pub fn says(self, param: &str) -> String {
        match self {
            Reading::IgnoreCase => format!("{param} is matched ignoring letter case"),
            Reading::Substring => format!("{param} also matches a part of the member"),
            Reading::IntegerToo => {
                format!("{param} also matches the integer member (a small item is found by 0)")
            }
            Reading::KeyOnly => format!("a {param} item without `=` asks for the key alone"),
            Reading::ItemIgnored => format!("a {param} item without `=` is ignored"),
            Reading::AliasIgnored => format!("the alias of {param} is ignored"),
        }
    }
}

/// A flag parameter whose one literal value switches something on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub param: String,
    pub value: String,
    pub rule: Rule,
}

/// A filter parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub param: String,
    /// The member's name, for messages.
    pub field_name: String,
    pub field: FieldRef,
    pub matching: Match,
    /// Other ways of matching that the contract accepts where the page is silent: each
    /// a reading, recorded when the target follows it, never failed.
    pub readings: Vec<Reading>,
    /// The point of the contract notes the readings answer (`S5`), for messages.
    pub point: Option<String>,
    /// Another name of the parameter (the page's example sends `id` for
    /// `instance_id`): read when the parameter itself is absent, or, as a reading,
    /// ignored like any unknown parameter.
    pub alias: Option<String>,
    pub rule: Rule,
    /// A flag that turns a `contains` filter into an exact one.
    pub exact: Option<Flag>,
    /// The member's enumeration in the response schema, if it has one.
    pub values: Vec<String>,
    /// For a `number` filter: a member read instead of `field` when it is a non-empty
    /// string (a small instance's fractional capacity), with its name.
    pub prefer: Option<(FieldRef, String)>,
}

impl Filter {
    /// What an item offers this filter, as values a query could send: the member
    /// itself (`contains`, `equals`), each listed item (`one_of`), each pair as
    /// `key=value` (`pairs`), the number written plainly (`number`). Empty members
    /// offer nothing.
    pub fn terms<'a>(&self, inst: &'a Inst) -> Vec<std::borrow::Cow<'a, str>> {
        use std::borrow::Cow;
        let v = self.field.of(inst);
        match self.matching {
            Match::Contains | Match::Equals => {
                if v.is_empty() {
                    Vec::new()
                } else {
                    vec![Cow::Borrowed(v)]
                }
            }
            Match::OneOf => v
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(Cow::Borrowed)
                .collect(),
            Match::Pairs => pairs_of(v)
                .into_iter()
                .map(|(k, val)| Cow::Owned(format!("{k}={val}")))
                .collect(),
            Match::Number => self
                .number_of(inst)
                .and_then(decimal_text)
                .map(Cow::Owned)
                .into_iter()
                .collect(),
        }
    }

    /// A `number` filter's member: `prefer` when it is a non-empty string, else `field`.
    fn number_of<'a>(&self, inst: &'a Inst) -> Option<&'a str> {
        let preferred = self.prefer.as_ref().map(|(f, _)| f.of(inst));
        match preferred {
            Some(p) if !p.is_empty() => Some(p),
            _ => Some(self.field.of(inst)).filter(|v| !v.is_empty()),
        }
    }

    /// True when the item passes this filter with `value` (`exact`: the flag that makes
    /// a `contains` filter exact is on; `reading`: one of the filter's accepted
    /// readings instead of its own match).
    pub fn admits(&self, inst: &Inst, value: &str, exact: bool, reading: Option<Reading>) -> bool {
        let v = self.field.of(inst);
        match self.matching {
            Match::Contains if exact => v == value,
            Match::Contains if reading == Some(Reading::IgnoreCase) => {
                v.to_lowercase().contains(&value.to_lowercase())
            }
            Match::Contains => v.contains(value),
            Match::Equals if reading == Some(Reading::Substring) => v.contains(value),
            Match::Equals => v == value,
            Match::OneOf => v
                .split(',')
                .map(str::trim)
                .any(|a| a == value || (reading == Some(Reading::Substring) && a.contains(value))),
            Match::Pairs => {
                let have = pairs_of(v);
                value.split(',').all(|item| match item.split_once('=') {
                    Some((k, val)) => have.iter().any(|(hk, hv)| hk == k && hv == val),
                    None if reading == Some(Reading::KeyOnly) => {
                        have.iter().any(|(hk, _)| hk == item)
                    }
                    None => reading == Some(Reading::ItemIgnored),
                })
            }
            Match::Number => {
                let want = decimal_value(value);
                let equal =
                    |read: Option<&str>| want.is_some() && read.and_then(decimal_value) == want;
                equal(self.number_of(inst))
                    || (reading == Some(Reading::IntegerToo) && equal(Some(v)))
            }
        }
    }

    /// True when `value` is one this filter can read: a decimal number for `number`,
    /// `key=value` items for `pairs`; anything for the others. The page leaves open
    /// whether a value it cannot read is refused (400) or matches nothing.
    pub fn readable(&self, value: &str) -> bool {
        match self.matching {
            Match::Number => decimal_value(value).is_some(),
            Match::Pairs => value.split(',').all(|item| item.contains('=')),
            _ => true,
        }
    }
}

/// The `{"key": …, "value": …}` pairs of a member held as JSON text (how [`Inst`] keeps
/// an array); nothing when it is not such an array.
fn pairs_of(text: &str) -> Vec<(String, String)> {
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|t| {
            Some((
                t.get("key")?.as_str()?.to_string(),
                t.get("value")?.as_str()?.to_string(),
            ))
        })
        .collect()
}

/// Items whose member has a value appear only when a flag asks for them; or, when no
/// member tells them apart (`learnt`), the items the flag adds to the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hidden {
    /// The member and value that mark a hidden item (empty for a learnt rule).
    pub field_name: String,
    pub field: FieldRef,
    pub value: String,
    /// For a rule no member tells: its bit in [`Inst::marks`], set on the items the
    /// baseline walk finds only with the flag.
    pub learnt: Option<u8>,
    /// What a hidden item is called in messages ("CREATEFAILED", "deleted").
    pub noun: String,
    pub unless: Flag,
    pub rule: Rule,
}

impl Hidden {
    /// True when this rule keeps `inst` out of a list that does not raise its flag.
    pub fn hides(&self, inst: &Inst) -> bool {
        match self.learnt {
            Some(bit) => inst.marks & (1 << bit) != 0,
            None => self.field.of(inst) == self.value,
        }
    }

    /// "status CREATEFAILED", "deleted": the item's description in messages.
    pub fn what(&self) -> String {
        if self.learnt.is_some() {
            self.noun.clone()
        } else {
            format!("{} {}", self.field_name, self.value)
        }
    }
}

/// Where paging starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    pub param: String,
    /// 1 for a position (`start=1` is the first item), 0 for an offset.
    pub base: u8,
    pub rule: Rule,
}

/// The page size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    pub param: String,
    pub min: u64,
    /// Above this a request is refused (400); `None`: no maximum.
    pub max: Option<u64>,
    /// The page size when the parameter is absent; `None`: every match.
    pub default: Option<u64>,
    pub rule: Rule,
}

/// The number of matches across pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Total {
    pub field: String,
    pub rule: Rule,
    /// The page leaves open whether the total counts every match or only this page's
    /// items (`readings = ["page"]`): the one followed is recorded.
    pub counts_page_too: bool,
    /// The point of the notes that leaves it open (`S10`), for messages.
    pub point: Option<String>,
}

/// `field <= at_most` within one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invariant {
    pub field: String,
    pub at_most: String,
    pub rule: Rule,
}

/// The nested error form, `{object: {code, message}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nested {
    pub object: String,
    pub code: String,
    pub message: String,
}

/// What an error body holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Errors {
    pub code: String,
    pub message: String,
    pub nested: Option<Nested>,
    pub rule: Rule,
}

/// The order of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The timestamp member, if the list is ordered by one before the id.
    pub field: Option<String>,
    pub newest_first: bool,
    pub id_descending: bool,
    /// The page leaves the order open: any order that is the same on every request is
    /// accepted, and the one the target follows is recorded. The order above is then
    /// the first reading tried.
    pub any_stable: bool,
    /// The point of the contract notes that leaves the order open (`S8`).
    pub point: Option<String>,
    pub rule: Rule,
}

/// How a stand-in for an identifying value looks (`conform record --anonymize`, which
/// says how each look treats lists, nulls and empty strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StandIn {
    /// `00000000-0000-4000-8000-000000000001`
    Uuid,
    /// The form of the value it replaces: a UUID for a UUID, as many hex digits for a
    /// hex id (`450c1c3b…`), else `user-id-0001`.
    Id,
    /// `10.0.0.1`; a comma-separated list (a cluster's addresses) becomes as many.
    Ipv4,
    /// `tenant-1`
    Tenant,
    /// `user-name-1`
    Name,
    /// A host name: `host-1.example.com`.
    Domain,
    /// An array of `{"key", "value"}` pairs (tags): each value becomes `tags-value-1`,
    /// the keys stay.
    PairValues,
}

impl StandIn {
    /// Every look with its name in a description, for parsing and for hints.
    pub const ALL: [(&'static str, StandIn); 7] = [
        ("uuid", StandIn::Uuid),
        ("id", StandIn::Id),
        ("ipv4", StandIn::Ipv4),
        ("tenant", StandIn::Tenant),
        ("name", StandIn::Name),
        ("domain", StandIn::Domain),
        ("pair-values", StandIn::PairValues),
    ];

    /// The look a description names `name`.
    pub fn from_name(name: &str) -> Option<StandIn> {
        StandIn::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, look)| *look)
    }
}

/// The contract of one list endpoint, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desc {
    pub name: String,
    pub title: String,
    pub path: std::sync::Arc<PathTemplate>,
    pub response_schema: String,
    pub query_schema: String,
    /// The member that holds the list in a 200 answer.
    pub list: String,
    /// What one item is called in reports and snapshots ("instance").
    pub item: String,
    pub id: String,
    pub total: Option<Total>,
    pub shape_rule: Rule,
    /// Members whose written form the page leaves open, with their slots: the cases
    /// that cite the shape rule record the forms an answer uses.
    pub forms: Vec<(String, FieldRef)>,
    pub layout: Layout,
    pub order: Order,
    pub start: Option<Start>,
    pub limit: Option<Limit>,
    pub empty_rule: Rule,
    pub and_rule: Rule,
    pub filters: Vec<Filter>,
    pub hidden: Vec<Hidden>,
    pub invariants: Vec<Invariant>,
    pub errors: Errors,
    pub token_header: String,
    pub auth_rule: Rule,
    /// Members `conform record --anonymize` replaces, with the look of their stand-ins.
    pub anonymize: Vec<(String, StandIn)>,
    /// Selectors of a real target's volatile values, for a new snapshot profile.
    pub snapshot_redact: Vec<String>,
    pub snapshot_mask: Vec<String>,
    /// The members each list answer records in a snapshot: id, label, filtered and
    /// hidden members, order member.
    pub snapshot_fields: Vec<String>,
    /// Every rule id with its title, in the file's order.
    pub rules: Vec<(Rule, String)>,
}

impl Desc {
    /// The title of a rule, or "unknown rule".
    pub fn rule_title(&self, rule: Rule) -> &str {
        self.rules
            .iter()
            .find(|(r, _)| *r == rule)
            .map_or("unknown rule", |(_, t)| t.as_str())
    }

    /// The orders the contract accepts, its own first: only that one, or, where the page
    /// leaves the order open, also the timestamp the other way, ties the other way, and
    /// the id alone either way (the ones conform can name).
    pub fn order_readings(&self) -> Vec<OrderSpec> {
        let own = self.layout.order;
        if !self.order.any_stable {
            return vec![own];
        }
        let mut all = vec![own];
        let by = own.by;
        for (by, newest_first, id_descending) in [
            (by, own.newest_first, !own.id_descending),
            (by, !own.newest_first, own.id_descending),
            (by, !own.newest_first, !own.id_descending),
            (None, false, false),
            (None, false, true),
        ] {
            let o = OrderSpec {
                by,
                newest_first,
                id_descending,
                as_listed: false,
            };
            if !all.contains(&o) {
                all.push(o);
            }
        }
        all
    }

    /// The order to keep a walked list in: the first accepted order it follows; where
    /// the page leaves the order open and it follows none that conform can name, the
    /// order as walked (then only stability is judged); else the contract's own.
    pub fn order_of(&self, walked: &[Inst]) -> OrderSpec {
        let sorted = |o: &OrderSpec| {
            walked
                .windows(2)
                .all(|p| o.cmp(&p[0], &p[1]) != std::cmp::Ordering::Greater)
        };
        match self.order_readings().into_iter().find(sorted) {
            Some(o) => o,
            None if self.order.any_stable => OrderSpec {
                as_listed: true,
                ..self.layout.order
            },
            None => self.layout.order,
        }
    }

    /// True when the description declares the rule.
    pub fn has_rule(&self, rule: Rule) -> bool {
        self.rules.iter().any(|(r, _)| *r == rule)
    }

    /// True when a hidden rule keeps the item out of an unflagged list (C6).
    pub fn hides(&self, inst: &Inst) -> bool {
        self.hidden.iter().any(|h| h.hides(inst))
    }

    /// The filter a parameter drives, if any.
    pub fn filter(&self, param: &str) -> Option<&Filter> {
        self.filters.iter().find(|f| f.param == param).or_else(|| {
            self.filters
                .iter()
                .find(|f| f.alias.as_deref() == Some(param))
        })
    }

    /// The name of a member, for messages.
    pub fn field_name(&self, f: FieldRef) -> &str {
        match f {
            FieldRef::Id => &self.id,
            FieldRef::Slot(s) => self.layout.fields.get(s).map_or("", String::as_str),
        }
    }

    /// Every parameter this description gives a meaning to.
    pub fn params(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        out.extend(self.start.iter().map(|s| s.param.as_str()));
        out.extend(self.limit.iter().map(|l| l.param.as_str()));
        for f in &self.filters {
            out.push(&f.param);
            out.extend(f.exact.iter().map(|e| e.param.as_str()));
        }
        out.extend(self.hidden.iter().map(|h| h.unless.param.as_str()));
        out
    }

    /// The query that lists everything, hidden items included: every hidden rule's flag.
    pub fn everything(&self) -> Vec<(String, String)> {
        let mut q: Vec<(String, String)> = Vec::new();
        for h in &self.hidden {
            if !q.iter().any(|(k, _)| *k == h.unless.param) {
                q.push((h.unless.param.clone(), h.unless.value.clone()));
            }
        }
        q
    }

    /// Reads and validates a description. `file` names it in diagnostics; the schemas
    /// are the ones it names, already parsed, for checking members and parameters.
    pub fn parse(
        file: &str,
        text: &str,
        response: &Value,
        query: &Value,
    ) -> Result<Desc, Vec<Diagnostic>> {
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            vec![Diagnostic::at_span(
                file,
                text,
                span,
                e.message().trim().to_string(),
            )]
        })?;
        let mut v = Validator {
            file,
            text,
            errors: Vec::new(),
            rules: Vec::new(),
        };
        let desc = v.desc(raw, response, query);
        if v.errors.is_empty() {
            desc.ok_or_else(Vec::new)
        } else {
            Err(v.errors)
        }
    }
}

// ---- The file as written ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: String,
    title: Option<String>,
    method: Spanned<String>,
    path: Spanned<String>,
    response_schema: String,
    query_schema: String,
    rules: Spanned<toml::Table>,
    answer: RawAnswer,
    order: RawOrder,
    #[serde(default)]
    paging: RawPaging,
    query: RawQuery,
    #[serde(default)]
    filter: Vec<RawFilter>,
    #[serde(default)]
    hidden: Vec<RawHidden>,
    #[serde(default)]
    invariant: Vec<RawInvariant>,
    errors: RawErrors,
    auth: RawAuth,
    #[serde(default)]
    record: RawRecord,
    #[serde(default)]
    snapshot: RawSnapshot,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSnapshot {
    #[serde(default)]
    redact: Vec<String>,
    #[serde(default)]
    mask: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    #[serde(default)]
    anonymize: indexmap::IndexMap<String, Name>,
}

type Name = Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnswer {
    list: Name,
    item: Option<String>,
    id: Name,
    label: Option<Name>,
    shape_rule: Name,
    total: Option<RawTotal>,
    /// Members whose written form the page leaves open (a timestamp's fraction of a
    /// second, a decimal's leading zero): the forms seen are recorded.
    #[serde(default)]
    forms: Vec<Name>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTotal {
    field: Name,
    rule: Name,
    #[serde(default)]
    readings: Vec<Name>,
    point: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrder {
    field: Option<Name>,
    #[serde(default)]
    newest_first: bool,
    #[serde(default)]
    id_descending: bool,
    /// `"any_stable"`: the page leaves the order open.
    accept: Option<Name>,
    point: Option<String>,
    rule: Name,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPaging {
    start: Option<RawStart>,
    limit: Option<RawLimit>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStart {
    param: Name,
    base: Spanned<u8>,
    rule: Name,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimit {
    param: Name,
    #[serde(default = "one")]
    min: u64,
    max: Option<u64>,
    default: Option<u64>,
    rule: Name,
}

fn one() -> u64 {
    1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuery {
    empty_is_absent: Name,
    and: Name,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFlag {
    param: Name,
    value: String,
    /// Defaults to the rule of the entry the flag belongs to.
    rule: Option<Name>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFilter {
    param: Name,
    field: Name,
    #[serde(rename = "match")]
    matching: Name,
    /// The same as `readings = ["ignore_case"]`.
    #[serde(default)]
    tolerate_case: bool,
    #[serde(default)]
    readings: Vec<Name>,
    point: Option<String>,
    alias: Option<Name>,
    rule: Name,
    exact: Option<RawFlag>,
    prefer: Option<Name>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHidden {
    field: Option<Name>,
    value: Option<String>,
    /// Instead of field and value: no member tells, the flag's difference does; the
    /// hidden items' name ("deleted").
    learnt: Option<Name>,
    unless: RawFlag,
    rule: Name,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInvariant {
    field: Name,
    at_most: Name,
    rule: Name,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNested {
    object: String,
    code: String,
    message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawErrors {
    code: String,
    message: String,
    nested: Option<RawNested>,
    rule: Name,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuth {
    token_header: Name,
    rule: Name,
}

// ---- Validation ----

struct Validator<'a> {
    file: &'a str,
    text: &'a str,
    errors: Vec<Diagnostic>,
    rules: Vec<(Rule, String)>,
}

impl Validator<'_> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>) -> &mut Diagnostic {
        self.errors
            .push(Diagnostic::at_span(self.file, self.text, span, message));
        self.errors.last_mut().expect("just pushed")
    }

    fn rule(&mut self, r: &Name) -> Rule {
        match Rule::parse(r.get_ref()).filter(|r| self.rules.iter().any(|(k, _)| k == r)) {
            Some(rule) => rule,
            None => {
                let known: Vec<String> = self.rules.iter().map(|(r, _)| r.to_string()).collect();
                self.error(r.span(), format!("unknown rule `{}`", r.get_ref()))
                    .hint = Some(format!("the [rules] table declares: {}", known.join(", ")));
                Rule::c(0)
            }
        }
    }

    fn desc(&mut self, raw: Raw, response: &Value, query: &Value) -> Option<Desc> {
        // Rules first: every other entry cites one.
        let rules_span = raw.rules.span();
        for (k, v) in raw.rules.get_ref() {
            match (Rule::parse(k), v.as_str()) {
                (Some(r), Some(title)) if !title.trim().is_empty() => {
                    self.rules.push((r, title.to_string()));
                }
                (None, _) => {
                    self.error(
                        rules_span.clone(),
                        format!("`{k}` in [rules] is not a rule id"),
                    )
                    .hint = Some("rule ids are C1, C2, ...".into());
                }
                _ => {
                    self.error(
                        rules_span.clone(),
                        format!("rule `{k}` needs a title (a non-empty string)"),
                    );
                }
            }
        }
        if !raw.method.get_ref().eq_ignore_ascii_case("GET") {
            self.error(raw.method.span(), "conform only sends GET requests")
                .hint = Some("method = \"GET\"".into());
        }
        let path = self.path(&raw.path);

        // The list items' members, from the response schema.
        let item = item_schema(response, raw.answer.list.get_ref());
        if item.is_none() {
            self.error(
                raw.answer.list.span(),
                format!(
                    "the response schema {} has no array member `{}`",
                    raw.response_schema,
                    raw.answer.list.get_ref()
                ),
            );
        }
        let members: Option<Vec<String>> = item
            .and_then(|i| i.get("properties"))
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect());
        let top: Option<Vec<String>> = response
            .get("properties")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect());
        let params: Option<Vec<String>> = query
            .get("properties")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect());
        let schema_file = raw.response_schema.clone();
        let query_file = raw.query_schema.clone();
        let member = |v: &mut Self, n: &Name| {
            if let Some(m) = &members {
                if !m.iter().any(|k| k == n.get_ref()) {
                    v.error(
                        n.span(),
                        format!(
                            "`{}` is not a member of a list item in {schema_file}",
                            n.get_ref()
                        ),
                    )
                    .hint = Some(format!("members: {}", m.join(", ")));
                }
            }
        };
        let param = |v: &mut Self, n: &Name| {
            if let Some(p) = &params {
                if !p.iter().any(|k| k == n.get_ref()) {
                    v.error(
                        n.span(),
                        format!("`{}` is not a parameter in {query_file}", n.get_ref()),
                    )
                    .hint = Some(format!("parameters: {}", p.join(", ")));
                }
            }
        };

        member(self, &raw.answer.id);
        let id = raw.answer.id.get_ref().clone();
        // Slots: every member the rules read besides the id, in first-mention order.
        let mut slots: Vec<String> = Vec::new();
        let mut slot = |name: &str| -> FieldRef {
            if name == id {
                return FieldRef::Id;
            }
            match slots.iter().position(|s| s == name) {
                Some(i) => FieldRef::Slot(i),
                None => {
                    slots.push(name.to_string());
                    FieldRef::Slot(slots.len() - 1)
                }
            }
        };
        let label = raw.answer.label.as_ref().map(|l| {
            member(self, l);
            slot(l.get_ref())
        });
        let order_field = raw.order.field.as_ref().map(|f| {
            member(self, f);
            slot(f.get_ref())
        });
        let forms: Vec<(String, FieldRef)> = raw
            .answer
            .forms
            .iter()
            .map(|f| {
                member(self, f);
                (f.get_ref().clone(), slot(f.get_ref()))
            })
            .collect();
        let mut filters = Vec::new();
        for f in &raw.filter {
            member(self, &f.field);
            param(self, &f.param);
            let matching = match f.matching.get_ref().as_str() {
                "contains" => Match::Contains,
                "equals" => Match::Equals,
                "one_of" => Match::OneOf,
                "pairs" => Match::Pairs,
                "number" => Match::Number,
                other => {
                    self.error(f.matching.span(), format!("unknown match `{other}`"))
                        .hint = Some(
                        "match is \"contains\", \"equals\", \"one_of\", \"pairs\" or \"number\""
                            .into(),
                    );
                    Match::Equals
                }
            };
            let prefer = f.prefer.as_ref().map(|p| {
                member(self, p);
                if matching != Match::Number {
                    self.error(p.span(), "`prefer` applies to a \"number\" filter");
                }
                (slot(p.get_ref()), p.get_ref().clone())
            });
            let own = self.rule(&f.rule);
            let exact = f.exact.as_ref().map(|e| {
                param(self, &e.param);
                Flag {
                    param: e.param.get_ref().clone(),
                    value: e.value.clone(),
                    rule: e.rule.as_ref().map_or(own, |r| self.rule(r)),
                }
            });
            if exact.is_some() && matching != Match::Contains {
                self.error(
                    f.matching.span(),
                    "`exact` applies to a \"contains\" filter",
                );
            }
            let mut readings: Vec<Reading> = Vec::new();
            if f.tolerate_case {
                readings.push(Reading::IgnoreCase);
            }
            for r in &f.readings {
                match Reading::parse(r.get_ref()) {
                    Some(x) if !x.applies_to(matching) => {
                        self.error(
                            r.span(),
                            format!(
                                "reading `{}` does not apply to a \"{}\" filter",
                                x.name(),
                                matching.name()
                            ),
                        );
                    }
                    Some(Reading::AliasIgnored) if f.alias.is_none() => {
                        self.error(r.span(), "reading `alias_ignored` needs an `alias`");
                    }
                    Some(x) if !readings.contains(&x) => readings.push(x),
                    Some(_) => {}
                    None => {
                        self.error(r.span(), format!("unknown reading `{}`", r.get_ref()))
                            .hint = Some(format!(
                            "readings: {}",
                            Reading::ALL.map(Reading::name).join(", ")
                        ));
                    }
                }
            }
            if filters
                .iter()
                .any(|g: &Filter| g.param == *f.param.get_ref())
            {
                self.error(
                    f.param.span(),
                    format!("a second filter on `{}`", f.param.get_ref()),
                );
            }
            filters.push(Filter {
                param: f.param.get_ref().clone(),
                field_name: f.field.get_ref().clone(),
                field: slot(f.field.get_ref()),
                matching,
                readings,
                point: f.point.clone(),
                alias: f.alias.as_ref().map(|a| a.get_ref().clone()),
                rule: own,
                exact,
                values: item
                    .map(|i| enum_of(response, i, f.field.get_ref()))
                    .unwrap_or_default(),
                prefer,
            });
        }
        let mut hidden = Vec::new();
        let mut learnt_bits = 0u8;
        for h in &raw.hidden {
            param(self, &h.unless.param);
            let own = self.rule(&h.rule);
            let (field_name, field, value, learnt, noun) = match (&h.field, &h.value, &h.learnt) {
                (Some(f), Some(v), None) => {
                    member(self, f);
                    (
                        f.get_ref().clone(),
                        slot(f.get_ref()),
                        v.clone(),
                        None,
                        v.clone(),
                    )
                }
                (None, None, Some(noun)) if learnt_bits < 8 => {
                    learnt_bits += 1;
                    let noun = noun.get_ref().clone();
                    (
                        String::new(),
                        FieldRef::Id,
                        String::new(),
                        Some(learnt_bits - 1),
                        noun,
                    )
                }
                _ => {
                    self.error(
                        h.rule.span(),
                        "a hidden entry has `field` and `value`, or `learnt` alone (at most 8 learnt)",
                    )
                    .hint = Some(
                        "field = \"status\", value = \"FAILED\"; or learnt = \"deleted\" when no member tells"
                            .into(),
                    );
                    continue;
                }
            };
            hidden.push(Hidden {
                field_name,
                field,
                value,
                learnt,
                noun,
                unless: Flag {
                    param: h.unless.param.get_ref().clone(),
                    value: h.unless.value.clone(),
                    rule: h.unless.rule.as_ref().map_or(own, |r| self.rule(r)),
                },
                rule: own,
            });
        }
        let mut invariants = Vec::new();
        for i in &raw.invariant {
            member(self, &i.field);
            member(self, &i.at_most);
            invariants.push(Invariant {
                field: i.field.get_ref().clone(),
                at_most: i.at_most.get_ref().clone(),
                rule: self.rule(&i.rule),
            });
        }
        let start = raw.paging.start.as_ref().map(|s| {
            param(self, &s.param);
            if *s.base.get_ref() > 1 {
                self.error(s.base.span(), "base is 1 (a position) or 0 (an offset)");
            }
            Start {
                param: s.param.get_ref().clone(),
                base: *s.base.get_ref(),
                rule: self.rule(&s.rule),
            }
        });
        let limit = raw.paging.limit.as_ref().map(|l| {
            param(self, &l.param);
            if l.max.is_some_and(|m| m < l.min.max(1)) || l.default.is_some_and(|d| d < l.min) {
                self.error(
                    l.param.span(),
                    "limit: max and default must be at least min (and at least 1)",
                );
            }
            Limit {
                param: l.param.get_ref().clone(),
                min: l.min,
                max: l.max,
                default: l.default,
                rule: self.rule(&l.rule),
            }
        });
        let total = raw.answer.total.as_ref().map(|t| {
            if let Some(top) = &top {
                if !top.iter().any(|k| k == t.field.get_ref()) {
                    self.error(
                        t.field.span(),
                        format!(
                            "`{}` is not a member of the answer in {}",
                            t.field.get_ref(),
                            raw.response_schema
                        ),
                    );
                }
            }
            let mut counts_page_too = false;
            for r in &t.readings {
                if r.get_ref() == "page" {
                    counts_page_too = true;
                } else {
                    self.error(
                        r.span(),
                        format!("unknown reading of the total `{}`", r.get_ref()),
                    )
                    .hint = Some(
                        "the total's one other reading: \"page\" (it counts this page's items)"
                            .into(),
                    );
                }
            }
            Total {
                field: t.field.get_ref().clone(),
                rule: self.rule(&t.rule),
                counts_page_too,
                point: t.point.clone(),
            }
        });
        let header = raw.auth.token_header.get_ref();
        if header.is_empty()
            || !header
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            self.error(raw.auth.token_header.span(), "not an HTTP header name");
        }
        let mut anonymize = Vec::new();
        for (field, look) in &raw.record.anonymize {
            let stand_in = StandIn::from_name(look.get_ref()).unwrap_or_else(|| {
                let names: Vec<&str> = StandIn::ALL.iter().map(|(n, _)| *n).collect();
                let other = look.get_ref();
                self.error(look.span(), format!("unknown stand-in `{other}`"))
                    .hint = Some(format!("stand-ins: {}", names.join(", ")));
                StandIn::Name
            });
            anonymize.push((field.clone(), stand_in));
        }
        let shape_rule = self.rule(&raw.answer.shape_rule);
        let order_rule = self.rule(&raw.order.rule);
        let any_stable_order = match &raw.order.accept {
            None => false,
            Some(a) if a.get_ref() == "any_stable" => true,
            Some(a) => {
                self.error(
                    a.span(),
                    format!("unknown order acceptance `{}`", a.get_ref()),
                )
                .hint = Some("accept = \"any_stable\" when the page leaves the order open".into());
                false
            }
        };
        let empty_rule = self.rule(&raw.query.empty_is_absent);
        let and_rule = self.rule(&raw.query.and);
        let errors_rule = self.rule(&raw.errors.rule);
        let auth_rule = self.rule(&raw.auth.rule);
        let label = label.and_then(|l| match l {
            FieldRef::Slot(s) => Some(s),
            FieldRef::Id => None,
        });
        let by = order_field.and_then(|f| match f {
            FieldRef::Slot(s) => Some(s),
            FieldRef::Id => None,
        });
        let mut snapshot_fields = vec![id.clone()];
        let named = raw
            .answer
            .label
            .iter()
            .chain(raw.filter.iter().map(|f| &f.field))
            .chain(raw.hidden.iter().filter_map(|h| h.field.as_ref()))
            .chain(raw.filter.iter().filter_map(|f| f.prefer.as_ref()))
            .chain(raw.order.field.iter());
        for f in named {
            if !snapshot_fields.contains(f.get_ref()) {
                snapshot_fields.push(f.get_ref().clone());
            }
        }
        Some(Desc {
            name: raw.name,
            item: raw.answer.item.clone().unwrap_or_else(|| "item".into()),
            snapshot_redact: raw.snapshot.redact,
            snapshot_mask: raw.snapshot.mask,
            snapshot_fields,
            title: raw.title.unwrap_or_default(),
            path: std::sync::Arc::new(path?),
            response_schema: raw.response_schema,
            query_schema: raw.query_schema,
            list: raw.answer.list.get_ref().clone(),
            id: id.clone(),
            total,
            shape_rule,
            forms,
            layout: Layout {
                id,
                fields: slots,
                label,
                order: OrderSpec {
                    as_listed: false,
                    by,
                    newest_first: raw.order.newest_first,
                    id_descending: raw.order.id_descending,
                },
            },
            order: Order {
                field: raw.order.field.map(Spanned::into_inner),
                newest_first: raw.order.newest_first,
                id_descending: raw.order.id_descending,
                any_stable: any_stable_order,
                point: raw.order.point.clone(),
                rule: order_rule,
            },
            start,
            limit,
            empty_rule,
            and_rule,
            filters,
            hidden,
            invariants,
            errors: Errors {
                code: raw.errors.code,
                message: raw.errors.message,
                nested: raw.errors.nested.map(|n| Nested {
                    object: n.object,
                    code: n.code,
                    message: n.message,
                }),
                rule: errors_rule,
            },
            token_header: header.clone(),
            auth_rule,
            anonymize,
            rules: std::mem::take(&mut self.rules),
        })
    }

    fn path(&mut self, p: &Name) -> Option<PathTemplate> {
        let text = p.get_ref();
        let (open, close) = (text.find('{'), text.find('}'));
        match (open, close) {
            (Some(o), Some(c))
                if o < c
                    && text.starts_with('/')
                    && text.matches('{').count() == 1
                    && text.matches('}').count() == 1 =>
            {
                Some(PathTemplate {
                    before: text[..o].to_string(),
                    placeholder: text[o..=c].to_string(),
                    after: text[c + 1..].to_string(),
                })
            }
            _ => {
                self.error(
                    p.span(),
                    "the path starts with `/` and has exactly one placeholder, the project",
                )
                .hint = Some("for example path = \"/v1/{project_id}/things\"".into());
                None
            }
        }
    }
}

/// Follows a local `$ref` (`#/...`) once or more.
fn resolve<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..8 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| root.pointer(p)) {
                Some(target) => node = target,
                None => break,
            },
            None => break,
        }
    }
    node
}

/// The schema of one list item, if the answer has an array member `list`.
fn item_schema<'a>(response: &'a Value, list: &str) -> Option<&'a Value> {
    let prop = resolve(response, response.get("properties")?.get(list)?);
    Some(resolve(response, prop.get("items")?))
}

/// The enumeration of an item member's schema, as strings.
fn enum_of(root: &Value, item: &Value, field: &str) -> Vec<String> {
    let Some(prop) = item.get("properties").and_then(|p| p.get(field)) else {
        return Vec::new();
    };
    resolve(root, prop)
        .get("enum")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schemas() -> (Value, Value) {
        let response = json!({
            "type": "object",
            "properties": {
                "things": {"type": "array", "items": {"$ref": "#/$defs/thing"}},
                "count": {"type": "integer"}
            },
            "$defs": {"thing": {"type": "object", "properties": {
                "key": {"type": "string"}, "title": {"type": "string"},
                "state": {"enum": ["UP", "DOWN", "GONE"]}, "made": {"type": "string"}
            }}}
        });
        let query = json!({"type": "object", "properties": {
            "offset": {}, "size": {}, "q": {}, "exact": {}, "state": {}, "all": {}
        }});
        (response, query)
    }

    const GOOD: &str = r#"
name = "things"
method = "GET"
path = "/api/{tenant}/things"
response_schema = "r.json"
query_schema = "q.json"
[rules]
C1 = "empty"
C2 = "text"
C3 = "order"
[answer]
list = "things"
id = "key"
label = "title"
shape_rule = "C1"
total = { field = "count", rule = "C1" }
[order]
field = "made"
rule = "C3"
[paging]
start = { param = "offset", base = 0, rule = "C1" }
limit = { param = "size", min = 1, max = 50, default = 5, rule = "C1" }
[query]
empty_is_absent = "C1"
and = "C1"
[[filter]]
param = "q"
field = "title"
match = "contains"
rule = "C2"
exact = { param = "exact", value = "yes", rule = "C2" }
[[filter]]
param = "state"
field = "state"
match = "equals"
rule = "C2"
[[hidden]]
field = "state"
value = "GONE"
unless = { param = "all", value = "1", rule = "C1" }
rule = "C1"
[errors]
code = "code"
message = "msg"
rule = "C1"
[auth]
token_header = "X-Token"
rule = "C1"
"#;

    #[test]
    fn a_description_of_another_shape_is_read_into_slots() {
        let (r, q) = schemas();
        let d = Desc::parse("t.toml", GOOD, &r, &q).unwrap();
        assert_eq!(d.path.render("p1"), "/api/p1/things");
        assert_eq!(d.layout.fields, ["title", "made", "state"]);
        assert_eq!(d.layout.label, Some(0));
        assert_eq!(d.layout.order.by, Some(1));
        assert!(!d.layout.order.newest_first);
        assert_eq!(d.filters[1].field, FieldRef::Slot(2));
        assert_eq!(d.filters[1].values, ["UP", "DOWN", "GONE"]);
        assert_eq!(d.start.as_ref().unwrap().base, 0);
        assert_eq!(d.limit.as_ref().unwrap().default, Some(5));
        assert_eq!(d.everything(), [("all".to_string(), "1".to_string())]);
        assert_eq!(d.rule_title(Rule::c(3)), "order");
    }

    #[test]
    fn every_mistake_is_located() {
        let (r, q) = schemas();
        let bad = GOOD
            .replace("field = \"title\"", "field = \"titel\"")
            .replace("rule = \"C3\"", "rule = \"C9\"")
            .replace("param = \"state\"", "param = \"stat\"")
            .replace("/api/{tenant}/things", "/api/things");
        let errors = Desc::parse("t.toml", &bad, &r, &q).unwrap_err();
        let text: Vec<String> = errors
            .iter()
            .map(|e| format!("{}:{} {}", e.at.line, e.at.col, e.message))
            .collect();
        assert_eq!(errors.len(), 4, "{text:#?}");
        assert!(
            text.iter().any(|t| t.contains("`titel` is not a member")),
            "{text:#?}"
        );
        assert!(
            text.iter().any(|t| t.contains("unknown rule `C9`")),
            "{text:#?}"
        );
        assert!(
            text.iter().any(|t| t.contains("`stat` is not a parameter")),
            "{text:#?}"
        );
        assert!(
            text.iter().any(|t| t.contains("exactly one placeholder")),
            "{text:#?}"
        );
        let line_of = |needle: &str| GOOD.lines().position(|l| l.contains(needle)).unwrap() + 1;
        let titel = errors.iter().find(|e| e.message.contains("titel")).unwrap();
        assert_eq!(titel.at.line, line_of("field = \"title\""));
    }

    #[test]
    fn a_syntax_error_or_an_unknown_key_is_located() {
        let (r, q) = schemas();
        let e = Desc::parse(
            "t.toml",
            &GOOD.replace("[order]", "[order]\nfeld = 1"),
            &r,
            &q,
        )
        .unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].message.contains("feld"), "{:?}", e[0]);
        assert_eq!(
            e[0].at.line,
            GOOD.lines().position(|l| l == "[order]").unwrap() + 2
        );
    }

    #[test]
    fn learnt_hidden_rules_and_prefer_are_read_and_misuse_is_located() {
        let (r, q) = schemas();
        let learnt = GOOD.replace(
            "field = \"state\"\nvalue = \"GONE\"\nunless",
            "learnt = \"archived\"\nunless",
        );
        let d = Desc::parse("t.toml", &learnt, &r, &q).unwrap();
        let h = &d.hidden[0];
        assert_eq!((h.learnt, h.what().as_str()), (Some(0), "archived"));
        let i = Inst::new(&d.layout, "k", ["t", "2020-01-01T00:00:00Z", "GONE"]);
        assert!(!d.hides(&i), "a learnt rule reads the mark, not a member");
        let mut marked = i.clone();
        marked.marks = 1;
        assert!(d.hides(&marked));
        // `prefer` only on a number filter; a hidden entry needs field and value, or learnt.
        let bad = GOOD
            .replace(
                "match = \"equals\"\nrule = \"C2\"",
                "match = \"equals\"\nprefer = \"made\"\nrule = \"C2\"",
            )
            .replace("value = \"GONE\"\n", "");
        let errors = Desc::parse("t.toml", &bad, &r, &q).unwrap_err();
        let text: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(errors.len(), 2, "{text:#?}");
        assert!(text
            .iter()
            .any(|t| t.contains("`prefer` applies to a \"number\" filter")));
        assert!(text
            .iter()
            .any(|t| t.contains("`field` and `value`, or `learnt`")));
        let unknown = GOOD.replace("match = \"equals\"", "match = \"range\"");
        let e = Desc::parse("t.toml", &unknown, &r, &q).unwrap_err();
        assert!(
            e[0].hint.as_deref().unwrap_or("").contains("\"pairs\""),
            "{:?}",
            e[0]
        );
    }

    #[test]
    fn an_open_order_is_read_from_the_walked_list_and_a_fixed_one_is_not() {
        let v2 = crate::contract::Contract::from_file(std::path::Path::new(
            "schemas/v2/list-instances.contract.toml",
        ))
        .expect("the v2 contract loads");
        let item = |c: &crate::contract::Contract, id: &str, at: &str| {
            c.item(id, &[("status", "RUNNING"), ("created_at", at)])
        };
        let walked = |c: &crate::contract::Contract, ids: &[(&str, &str)]| -> Vec<Inst> {
            ids.iter().map(|(id, at)| item(c, id, at)).collect()
        };
        let d = v2.desc();
        assert!(d.order.any_stable);
        let newest = walked(
            &v2,
            &[("b", "2024-02-01T00:00:00Z"), ("a", "2024-01-01T00:00:00Z")],
        );
        assert_eq!(
            d.order_of(&newest),
            d.layout.order,
            "the contract's own is tried first"
        );
        let oldest = walked(
            &v2,
            &[("b", "2024-01-01T00:00:00Z"), ("a", "2024-02-01T00:00:00Z")],
        );
        let o = d.order_of(&oldest);
        assert!(!o.newest_first && !o.as_listed && o.by.is_some(), "{o:?}");
        let by_id = walked(
            &v2,
            &[
                ("a", "2024-01-01T00:00:00Z"),
                ("b", "2024-03-01T00:00:00Z"),
                ("c", "2024-02-01T00:00:00Z"),
            ],
        );
        let o = d.order_of(&by_id);
        assert!(o.by.is_none() && !o.id_descending && !o.as_listed, "{o:?}");
        let neither = walked(
            &v2,
            &[
                ("b", "2024-01-01T00:00:00Z"),
                ("c", "2024-03-01T00:00:00Z"),
                ("a", "2024-02-01T00:00:00Z"),
            ],
        );
        assert!(
            d.order_of(&neither).as_listed,
            "an order conform cannot name is kept as walked"
        );
        // v1.0's C8 fixes the order: a list out of it keeps the contract's (and fails).
        let v1 = crate::contract::Contract::embedded();
        assert!(!v1.desc().order.any_stable);
        let out = walked(
            v1,
            &[("b", "2024-01-01T00:00:00Z"), ("a", "2024-02-01T00:00:00Z")],
        );
        assert_eq!(v1.desc().order_of(&out), v1.desc().layout.order);
    }

    #[test]
    fn written_forms_hide_digits_but_keep_fraction_lengths() {
        assert_eq!(written_form("2024-05-18T13:14:15.161Z"), "9-9-9T9:9:9.999Z");
        assert_eq!(written_form("2024-05-18T13:14:15Z"), "9-9-9T9:9:9Z");
        assert_eq!(written_form(".125"), ".999");
        assert_eq!(written_form("0.125"), "9.999");
        assert_eq!(written_form(""), "empty");
    }
}
