//! Exploration: a systematic, deterministic sweep of the query space, beside the
//! hand-written cases. The parameters come from the derived query schema, what each one
//! means (filter, flag, paging) from the contract description, and every value from the
//! target's own lists (the baselines): never from a list of names in code.
//!
//! [`space`] builds the value classes of each parameter; [`plan`] orders the probes:
//! every class once (singles), then all-pairs combinations, then larger random ones,
//! within a budget, the same for the same seed and data. [`probe_case`] turns a probe
//! into a synthetic [`Case`] the runner sends and the shipped checks judge, and
//! [`shrink_candidates`] proposes smaller probes for a failure.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use serde_json::Value;

use crate::base::{Baseline, Inst};
use crate::case::{
    AuthSel, Case, Draw, DrawKind, Expect, Loc, Param, ProjectSel, QueryValue, ResultsExpect,
};
use crate::contract::desc::{FieldRef, Match};
use crate::contract::query::Query;
use crate::contract::{Contract, Desc, Rule};
use crate::diag::LineCol;

use super::draw;

/// HTTP statuses an exploration expects: the protocol's, not the endpoint's.
pub const OK: u16 = 200;
pub const BAD_REQUEST: u16 = 400;
pub const UNAUTHORIZED: u16 = 401;
pub const FORBIDDEN: u16 = 403;

/// A query parameter no contract lists: C7 says it is ignored.
pub const UNLISTED_PARAM: &str = "conformUnlisted";

/// One value class of one parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    /// What the class is ("prefix", "lower RUNNING", "past-end").
    pub name: String,
    /// The value sent; `None`: the parameter is left out.
    pub value: Option<String>,
    /// The draw that finds this value in the data, when one does (for `--save`).
    pub draw: Option<Draw>,
    /// An edge of the parameter's grammar whose answer the other parameters do not
    /// change (a refused or past-the-end page): sent alone and with every shape of
    /// credentials, never combined with other parameters' classes (as combinatorial
    /// testing treats invalid values), so the pairs budget goes where filters interact.
    pub lone: bool,
}

/// What a parameter is to the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Filter,
    Flag,
    Paging,
    Other,
    /// A listed parameter sent a second time, after the dimension at this index: the
    /// page is silent on repeats, so the first value and the last are both readings.
    Repeat(usize),
}

/// One parameter and its classes; class 0 is always "absent".
#[derive(Debug, Clone)]
pub struct Dim {
    pub param: String,
    pub role: Role,
    pub classes: Vec<Class>,
    /// The rule this parameter is about.
    pub rule: Rule,
}

/// Every parameter's classes, plus the classes the data could not fill.
#[derive(Debug, Clone, Default)]
pub struct Space {
    pub dims: Vec<Dim>,
    /// `param: class` and why no value was found.
    pub unreachable: Vec<String>,
    /// Requests are also sent without and with wrong credentials (C14).
    pub credentials: bool,
    /// The credentials sign requests (AK/SK): their own shapes are sent too (a stale
    /// `X-Sdk-Date`, a signature over another query).
    pub signed: bool,
    pub auth_rule: Option<Rule>,
    /// The pairs of dimensions the contract says act on each other (a flag and the
    /// filter it changes, a hiding flag and every filter, paging and every filter, the
    /// credentials and everything; the credentials are dimension `dims.len()`): their
    /// class pairs are planned first and their coverage is reported apart.
    pub interacting: Vec<(usize, usize)>,
}

/// One generated request: a class per parameter (0 = absent), and the credentials.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Probe {
    pub classes: Vec<usize>,
    pub auth: AuthSel,
}

impl Space {
    /// The query a probe sends, in parameter order.
    pub fn query(&self, p: &Probe) -> Vec<(String, String)> {
        self.dims
            .iter()
            .zip(&p.classes)
            .filter_map(|(d, &c)| Some((d.param.clone(), d.classes[c].value.clone()?)))
            .collect()
    }

    /// `name=prefix, status=lower RUNNING` (absent parameters left out).
    pub fn describe(&self, p: &Probe) -> String {
        let mut parts: Vec<String> = self
            .dims
            .iter()
            .zip(&p.classes)
            .filter(|(_, &c)| c != 0)
            .map(|(d, &c)| format!("{}={}", d.param, d.classes[c].name))
            .collect();
        if p.auth != AuthSel::Configured {
            parts.push(format!("credentials={}", p.auth.name()));
        }
        if parts.is_empty() {
            "no parameters".into()
        } else {
            parts.join(", ")
        }
    }

    /// Classes that can be sent (absent excluded), and pairs of parameters' classes
    /// (absent included: leaving one out is half of many bugs).
    pub fn totals(&self) -> (usize, usize) {
        let classes = self.dims.iter().map(|d| d.classes.len() - 1).sum();
        (classes, self.pairs().len())
    }

    /// The class pairs the coverage counts, as (dimension, class, later dimension,
    /// class): every pair, except a lone class ([`Class::lone`]) with anything but the
    /// credentials.
    fn pairs(&self) -> Vec<(usize, usize, usize, usize)> {
        let sizes = self.sizes();
        let lone = |k: usize, c: usize| self.dims.get(k).is_some_and(|d| d.classes[c].lone);
        let mut out = Vec::new();
        for i in 0..sizes.len() {
            for j in i + 1..sizes.len() {
                for a in 0..sizes[i] {
                    for b in 0..sizes[j] {
                        if j == self.dims.len() || !(lone(i, a) || lone(j, b)) {
                            out.push((i, a, j, b));
                        }
                    }
                }
            }
        }
        out
    }

    /// The number of values of each dimension of the pairwise coverage: every
    /// parameter's classes, then, when credentials are explored, the credentials
    /// (valid, none, wrong), so that C14 is tried with every class of every parameter.
    fn sizes(&self) -> Vec<usize> {
        let mut sizes: Vec<usize> = self.dims.iter().map(|d| d.classes.len()).collect();
        if self.credentials {
            sizes.push(AUTHS.len());
        }
        sizes
    }

    /// The request sent twice in a row, with the configured credentials and then without
    /// them: a query with parameters (the unlisted one, ignored by C7), what a cache in
    /// front of the credentials check would key on. `None` without credentials to vary.
    pub fn sequence(&self) -> Option<[Probe; 2]> {
        let d = self.dims.iter().position(|d| d.param == UNLISTED_PARAM)?;
        let mut with = self.absent();
        with.classes[d] = 1;
        let without = Probe {
            auth: AuthSel::None,
            ..with.clone()
        };
        self.credentials.then_some([with, without])
    }

    fn absent(&self) -> Probe {
        Probe {
            classes: vec![0; self.dims.len()],
            auth: AuthSel::Configured,
        }
    }
}

/// What a set of probes covered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    pub classes: usize,
    pub classes_total: usize,
    pub pairs: usize,
    pub pairs_total: usize,
    /// Of the pairs, those of interacting dimensions ([`Space::interacting`]).
    pub interacting: usize,
    pub interacting_total: usize,
}

/// The classes and pairs the probes cover.
pub fn coverage(space: &Space, probes: &[Probe]) -> Coverage {
    let mut classes: HashSet<(usize, usize)> = HashSet::new();
    let mut pairs: HashSet<(usize, usize, usize, usize)> = HashSet::new();
    for p in probes {
        if p.auth == AuthSel::Configured {
            for (i, &a) in p.classes.iter().enumerate() {
                if a != 0 {
                    classes.insert((i, a));
                }
            }
        }
        let v = point(p, space.credentials);
        for (i, &a) in v.iter().enumerate() {
            for (j, &b) in v.iter().enumerate().skip(i + 1) {
                pairs.insert((i, a, j, b));
            }
        }
    }
    let counted = space.pairs();
    let (classes_total, pairs_total) = (space.totals().0, counted.len());
    let interacts =
        |&(i, _, j, _): &&(usize, usize, usize, usize)| space.interacting.contains(&(*i, *j));
    let interacting_total = counted.iter().filter(interacts).count();
    let counted: Vec<_> = counted.into_iter().filter(|k| pairs.contains(k)).collect();
    let interacting = counted.iter().filter(interacts).count();
    let pairs = counted;
    Coverage {
        classes: classes.len(),
        classes_total,
        pairs: pairs.len(),
        pairs_total,
        interacting,
        interacting_total,
    }
}

pub use crate::base::Rng;

fn lit(name: impl Into<String>, value: impl Into<String>) -> Class {
    Class {
        name: name.into(),
        value: Some(value.into()),
        draw: None,
        lone: false,
    }
}

/// A class sent alone ([`Class::lone`]).
fn edge(name: impl Into<String>, value: impl Into<String>) -> Class {
    Class {
        lone: true,
        ..lit(name, value)
    }
}

fn drawn(name: &str, kind: DrawKind, value: String) -> Class {
    Class {
        name: name.into(),
        value: Some(value),
        draw: Some(Draw {
            kind,
            containing: None,
            nth: None,
            hidden_by: None,
        }),
        lone: false,
    }
}

/// The credentials a probe may send, as the last dimension of the pairwise coverage.
const AUTHS: [AuthSel; 3] = [AuthSel::Configured, AuthSel::None, AuthSel::Wrong];

/// A probe as a point of the pairwise coverage: its classes, then its credentials.
fn point(p: &Probe, credentials: bool) -> Vec<usize> {
    let mut v = p.classes.clone();
    if credentials {
        v.push(AUTHS.iter().position(|a| *a == p.auth).unwrap_or(0));
    }
    v
}

/// The value with a space before it and with one after it.
fn whitespace_around(v: &str) -> [Class; 2] {
    [
        lit("leading space", format!(" {v}")),
        lit("trailing space", format!("{v} ")),
    ]
}

fn absent() -> Class {
    Class {
        name: "absent".into(),
        value: None,
        draw: None,
        lone: false,
    }
}

/// The middle one of the sorted, distinct candidates (as draws pick).
fn middle(mut v: Vec<String>) -> Option<String> {
    v.sort();
    v.dedup();
    let i = v.len() / 2;
    (!v.is_empty()).then(|| v.swap_remove(i))
}

/// A parameter name in the other naming convention: `include_failure` for
/// `includeFailure` and back; empty for a name of one word.
fn other_convention(s: &str) -> String {
    if s.contains('_') {
        let mut up = false;
        s.chars()
            .filter_map(|c| match c {
                '_' => {
                    up = true;
                    None
                }
                c if std::mem::take(&mut up) => Some(c.to_ascii_uppercase()),
                c => Some(c),
            })
            .collect()
    } else if s.chars().any(|c| c.is_ascii_uppercase()) {
        s.chars()
            .flat_map(|c| match c.is_ascii_uppercase() {
                true => vec!['_', c.to_ascii_lowercase()],
                false => vec![c],
            })
            .collect()
    } else {
        String::new()
    }
}

/// A parameter name in another letter case: its first letter's case swapped.
fn other_case_name(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) if f.is_lowercase() => f.to_uppercase().chain(c).collect(),
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f
            .to_uppercase()
            .chain(c.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// Each punctuation character or space replaced by another punctuation character.
fn swap_punct(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '-' => '_',
            '_' => '.',
            ' ' => '-',
            c if c.is_ascii_punctuation() => '-',
            c => c,
        })
        .collect()
}

/// Builds the value classes of every parameter the query schema lists, from the
/// description's roles and the data: `main` is the project under test's list, `other`
/// another project's when one is known.
pub fn space(
    contract: &Contract,
    main: &Baseline,
    other: Option<&Baseline>,
    credentials: bool,
) -> Space {
    let desc = contract.desc();
    let props: Vec<(String, Value)> = contract
        .query_schema()
        .get("properties")
        .and_then(Value::as_object)
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let mut out = Space {
        credentials,
        auth_rule: Some(desc.auth_rule),
        ..Space::default()
    };
    let visible: Vec<&Inst> = main.instances.iter().filter(|i| !desc.hides(i)).collect();
    let n = visible.len();
    // Parameters in the description's order of meaning: filters, flags, paging, then
    // whatever else the schema lists.
    let mut params: Vec<String> = Vec::new();
    let mut add = |p: &str| {
        if !params.iter().any(|q| q == p) && props.iter().any(|(k, _)| k == p) {
            params.push(p.to_string());
        }
    };
    desc.filters.iter().for_each(|f| add(&f.param));
    desc.filters
        .iter()
        .filter_map(|f| f.exact.as_ref())
        .for_each(|e| add(&e.param));
    desc.hidden.iter().for_each(|h| add(&h.unless.param));
    desc.start.iter().for_each(|s| add(&s.param));
    desc.limit.iter().for_each(|l| add(&l.param));
    let mut rest: Vec<&String> = props.iter().map(|(k, _)| k).collect();
    rest.sort();
    rest.into_iter().for_each(|p| add(p));
    for param in params {
        let schema = props
            .iter()
            .find(|(k, _)| *k == param)
            .map(|(_, v)| v)
            .cloned()
            .unwrap_or(Value::Null);
        let mut unreachable = Vec::new();
        let dim = dim_for(
            desc,
            &param,
            &schema,
            main,
            other,
            &visible,
            n,
            &mut unreachable,
        );
        out.unreachable
            .extend(unreachable.into_iter().map(|u| format!("{param}: {u}")));
        out.dims.push(dim);
    }
    out.dims.push(Dim {
        param: UNLISTED_PARAM.into(),
        role: Role::Other,
        classes: vec![absent(), lit("any", "1")],
        rule: desc.and_rule,
    });
    // A listed parameter's name in another letter case is an unlisted parameter (C7):
    // ignored, though a server that folds names applies it. One filter and the page
    // size, each with a value that would change the answer if applied.
    let page_size = desc.limit.as_ref().map(|l| l.param.as_str());
    let renamed: Vec<Dim> = [Role::Filter, Role::Paging]
        .iter()
        .filter_map(|role| {
            let d = out.dims.iter().find(|d| {
                d.role == *role && (*role != Role::Paging || Some(d.param.as_str()) == page_size)
            })?;
            let value = match role {
                Role::Paging => d.classes.iter().find(|c| c.name == "first")?,
                _ => d.classes.get(1)?,
            };
            let name = other_case_name(&d.param);
            let sent = value.value.clone()?;
            (name != d.param && !out.dims.iter().any(|o| o.param == name)).then(|| Dim {
                param: name,
                role: Role::Other,
                classes: vec![absent(), lit(format!("{}'s {}", d.param, value.name), sent)],
                rule: desc.and_rule,
            })
        })
        .collect();
    out.dims.extend(renamed);
    // Near misses of listed names, unlisted and so ignored (C7): a hiding flag in the
    // other naming convention (`include_failure` beside `includeFailure`, as another
    // version of the API spells it) with its literal value, and the page size with an
    // `s` added. Applied, the first shows hidden items and the second cuts the page.
    let near: Vec<Dim> = desc
        .hidden
        .iter()
        .map(|h| (other_convention(&h.unless.param), h.unless.value.clone()))
        .take(1)
        .chain(page_size.map(|l| (format!("{l}s"), "1".to_string())))
        .filter(|(name, _)| !name.is_empty() && !out.dims.iter().any(|d| d.param == *name))
        .map(|(name, value)| Dim {
            param: name,
            role: Role::Other,
            classes: vec![absent(), lit("near miss", value)],
            rule: desc.and_rule,
        })
        .collect();
    out.dims.extend(near);
    // A repeated parameter: the page size again with the first page size, and the
    // first filter again with its whole value (sent after the other parameters, so the
    // probe's own class of that parameter comes first).
    let repeats: Vec<Dim> = [Role::Filter, Role::Paging]
        .iter()
        .filter_map(|role| {
            let at = out.dims.iter().position(|d| {
                d.role == *role && (*role != Role::Paging || Some(d.param.as_str()) == page_size)
            })?;
            let d = &out.dims[at];
            let value = match role {
                Role::Paging => d.classes.iter().find(|c| c.name == "first")?,
                _ => d.classes.get(1)?,
            };
            Some(Dim {
                param: d.param.clone(),
                role: Role::Repeat(at),
                classes: vec![
                    absent(),
                    lit(format!("again, {}", value.name), value.value.clone()?),
                ],
                rule: d.rule,
            })
        })
        .collect();
    out.dims.extend(repeats);
    for d in &mut out.dims {
        // One class per distinct value: the first name wins.
        let mut seen: HashSet<Option<String>> = HashSet::new();
        d.classes.retain(|c| seen.insert(c.value.clone()));
    }
    out.interacting = interacting(desc, &out);
    out
}

/// The pairs of dimensions that act on each other, as the description says (see
/// [`Space::interacting`]), each as (lower index, higher index).
fn interacting(desc: &Desc, space: &Space) -> Vec<(usize, usize)> {
    let idx = |p: &str| space.dims.iter().position(|d| d.param == p);
    let filters: Vec<usize> = (0..space.dims.len())
        .filter(|&i| space.dims[i].role == Role::Filter)
        .collect();
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for f in &desc.filters {
        if let (Some(fi), Some(ei)) = (idx(&f.param), f.exact.as_ref().and_then(|e| idx(&e.param)))
        {
            pairs.push((fi, ei));
        }
    }
    let hiding = desc.hidden.iter().filter_map(|h| idx(&h.unless.param));
    let paging: Vec<usize> = (0..space.dims.len())
        .filter(|&i| space.dims[i].role == Role::Paging)
        .collect();
    for by in hiding.chain(paging.iter().copied()) {
        pairs.extend(filters.iter().map(|&fi| (fi, by)));
    }
    // An unlisted parameter is ignored (C7), with paging too: a server that validates
    // the whole query only when it pages refuses it there.
    let unlisted = (0..space.dims.len()).filter(|&i| space.dims[i].role == Role::Other);
    for u in unlisted {
        pairs.extend(paging.iter().map(|&p| (u, p)));
    }
    // A repeated parameter acts on its first occurrence.
    for (i, d) in space.dims.iter().enumerate() {
        if let Role::Repeat(of) = d.role {
            pairs.push((of, i));
        }
    }
    if space.credentials {
        let auth = space.dims.len();
        pairs.extend((0..auth).map(|k| (k, auth)));
    }
    let mut out: Vec<(usize, usize)> = pairs
        .into_iter()
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[allow(clippy::too_many_arguments)]
fn dim_for(
    desc: &Desc,
    param: &str,
    schema: &Value,
    main: &Baseline,
    other: Option<&Baseline>,
    visible: &[&Inst],
    n: usize,
    unreachable: &mut Vec<String>,
) -> Dim {
    let mut classes = vec![absent()];
    let by_draw = |name: &str, kind: DrawKind, classes: &mut Vec<Class>, un: &mut Vec<String>| {
        let d = Draw {
            kind,
            containing: None,
            nth: None,
            hidden_by: None,
        };
        match draw(desc, param, &d, main) {
            Ok(v) => classes.push(drawn(name, kind, v)),
            Err(e) => un.push(format!("{name} ({})", e.0)),
        }
    };
    if let Some(f) = desc.filter(param) {
        let enumerated: Vec<String> = schema
            .get("enum")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .filter(|v: &Vec<String>| !v.is_empty())
            .unwrap_or_else(|| f.values.clone());
        let others = || -> Option<String> {
            let o = other?;
            middle(
                o.instances
                    .iter()
                    .filter(|i| !desc.hides(i))
                    .filter_map(|i| f.terms(i).first().map(std::string::ToString::to_string))
                    .collect(),
            )
        };
        match (f.matching, f.field) {
            (Match::Contains, _) => {
                by_draw("whole", DrawKind::Value, &mut classes, unreachable);
                by_draw("prefix", DrawKind::Prefix, &mut classes, unreachable);
                by_draw("infix", DrawKind::Infix, &mut classes, unreachable);
                let whole = classes
                    .iter()
                    .find(|c| c.name == "whole")
                    .and_then(|c| c.value.clone());
                if let Some(w) = &whole {
                    let chars: Vec<char> = w.chars().collect();
                    let half = chars.len() / 2;
                    if half > 0 {
                        classes.push(lit("suffix", chars[half..].iter().collect::<String>()));
                    }
                    classes.push(lit("upper", w.to_uppercase()));
                    classes.push(lit("lower", w.to_lowercase()));
                }
                by_draw(
                    "swapped case",
                    DrawKind::OtherCase,
                    &mut classes,
                    unreachable,
                );
                let punct = middle(
                    visible
                        .iter()
                        .map(|i| f.field.of(i))
                        .filter(|v| v.chars().any(|c| c == ' ' || c.is_ascii_punctuation()))
                        .map(String::from)
                        .collect(),
                );
                match punct {
                    Some(v) => classes.push(lit("punctuation swapped", swap_punct(&v))),
                    None => {
                        unreachable.push("punctuation swapped (no value with punctuation)".into());
                    }
                }
                let non_ascii = middle(
                    visible
                        .iter()
                        .map(|i| f.field.of(i))
                        .filter(|v| !v.is_ascii())
                        .map(|v| v.chars().filter(|c| !c.is_ascii()).collect::<String>())
                        .collect(),
                );
                match non_ascii {
                    Some(v) => classes.push(lit("non-ASCII part", v)),
                    None => unreachable.push("non-ASCII part (no value outside ASCII)".into()),
                }
                // The value's grammar, whatever the data: whitespace around a term, the
                // characters a query language or a second decoding reads as special.
                if let Some(w) = &whole {
                    classes.extend(whitespace_around(w));
                    if let Some(first) = w.chars().next().filter(char::is_ascii_alphanumeric) {
                        let rest: String = w.chars().skip(1).collect();
                        classes.push(lit(
                            "percent escape, literal",
                            format!("%{:02X}{rest}", first as u32),
                        ));
                    }
                }
                classes.push(lit("only spaces", "  "));
                classes.push(lit("LIKE any text", "%"));
                classes.push(lit("LIKE any character", "_"));
                // Any text to a glob or a regular expression; a term holding the
                // characters URLs, forms, shells and query languages treat as special,
                // which no name holds: each is a literal character (C2), so nothing.
                classes.push(lit("glob any text", "*"));
                classes.push(lit("regex any text", ".*"));
                classes.push(lit("special characters", "+&=#/\\'\"?;"));
                if let Some(w) = whole.as_deref().filter(|w| w.contains(' ')) {
                    classes.push(lit("plus for space", w.replace(' ', "+")));
                }
                by_draw("no match", DrawKind::Absent, &mut classes, unreachable);
            }
            (Match::Equals, FieldRef::Slot(_)) if !enumerated.is_empty() => {
                for v in &enumerated {
                    classes.push(lit(v.clone(), v.clone()));
                }
                for v in &enumerated {
                    let lower = v.to_lowercase();
                    if lower != *v {
                        classes.push(lit(format!("lower {v}"), lower));
                    }
                }
                // A listed value with whitespace around it is not that value (C4).
                classes.extend(whitespace_around(&enumerated[0]));
                let mut outside = format!("{}X", enumerated[0]);
                while enumerated.contains(&outside) {
                    outside.push('X');
                }
                classes.push(lit("outside the table", outside));
            }
            (matching, _) => {
                by_draw("whole", DrawKind::Value, &mut classes, unreachable);
                by_draw("prefix", DrawKind::Half, &mut classes, unreachable);
                by_draw("unknown", DrawKind::Absent, &mut classes, unreachable);
                if matching == Match::Pairs {
                    by_draw("several", DrawKind::Several, &mut classes, unreachable);
                    // An item outside the `key=value` syntax: its readings (S4 of the v2
                    // notes) are accepted, and a 400 too.
                    by_draw("key alone", DrawKind::Key, &mut classes, unreachable);
                }
                if matching == Match::OneOf {
                    by_draw("not first", DrawKind::NotFirst, &mut classes, unreachable);
                }
                if matching == Match::Equals {
                    // An equal value in another letter case, or with whitespace around
                    // it, is another value (C5): found only by a server that folds it.
                    let mut un = Vec::new();
                    by_draw("swapped case", DrawKind::OtherCase, &mut classes, &mut un);
                    let whole = classes
                        .iter()
                        .find(|c| c.name == "whole")
                        .and_then(|c| c.value.clone());
                    if let Some(w) = whole {
                        classes.extend(whitespace_around(&w));
                    }
                }
            }
        }
        // Reaching hidden items and other projects' items through every filter (C6, C14).
        if !desc.hidden.is_empty() {
            by_draw("hidden item's", DrawKind::Hidden, &mut classes, unreachable);
        }
        match others() {
            Some(v) => classes.push(lit("other project's", v)),
            None => unreachable.push("other project's (no second project known)".into()),
        }
        classes.push(lit("empty", ""));
        return Dim {
            param: param.into(),
            role: Role::Filter,
            classes,
            rule: f.rule,
        };
    }
    let flag = desc
        .filters
        .iter()
        .filter_map(|f| f.exact.as_ref())
        .chain(desc.hidden.iter().map(|h| &h.unless))
        .find(|fl| fl.param == param);
    if let Some(fl) = flag {
        let v = &fl.value;
        classes.extend([
            lit(v.clone(), v.clone()),
            lit("false", "false"),
            lit(v.to_uppercase(), v.to_uppercase()),
            lit(capitalise(v), capitalise(v)),
            lit("1", "1"),
            lit("empty", ""),
        ]);
        return Dim {
            param: param.into(),
            role: Role::Flag,
            classes,
            rule: fl.rule,
        };
    }
    let start = desc.start.as_ref().filter(|s| s.param == param);
    let limit = desc.limit.as_ref().filter(|l| l.param == param);
    if start.is_some() || limit.is_some() {
        let (first, rule, past) = match (start, limit) {
            (Some(s), _) => (u64::from(s.base), s.rule, true),
            (_, Some(l)) => (l.min.max(1), l.rule, false),
            _ => unreachable!("one of them is set"),
        };
        let n = n as u64;
        let middle = first + n / 2;
        let mut grid = vec![("first", first), ("second", first + 1), ("middle", middle)];
        if past {
            grid.push(("last", (first + n).saturating_sub(1).max(first)));
            grid.push(("past the end", first + n));
        } else {
            grid.push(("list length", n.max(first)));
            grid.push(("past the length", n + 1));
        }
        for (name, v) in grid {
            classes.push(lit(name, v.to_string()));
        }
        // A leading zero keeps a decimal integer's value (C10): `010` is ten, not eight.
        classes.push(lit("middle, leading zero", format!("0{middle}")));
        // A sign and the integer edges: the page's "Integer" may be 32-bit, so a value
        // beyond 2^31 - 1 may be refused or read (a 400 is tolerated, C10/V14); read, it
        // is past any end. A server that wraps 2^32 + 1 or 2^64 + 1 to 1 is wrong either way.
        classes.push(lit("plus sign", format!("+{}", first + 1)));
        classes.extend([
            edge("zero", "0"),
            edge("negative", "-1"),
            edge("non-decimal", "1.5"),
            edge("32-bit maximum", "2147483647"),
            edge("past 32 bits", "2147483648"),
            edge("2^32 + 1", "4294967297"),
            edge("2^64 + 1", "18446744073709551617"),
            lit("empty", ""),
        ]);
        return Dim {
            param: param.into(),
            role: Role::Paging,
            classes,
            rule,
        };
    }
    classes.push(lit("any", "1"));
    classes.push(lit("empty", ""));
    Dim {
        param: param.into(),
        role: Role::Other,
        classes,
        rule: desc.and_rule,
    }
}

/// The probes of an exploration, at most `budget`, distinct classes first: every class
/// alone (parameters in turn, so a small budget still reaches every parameter), requests
/// without and with wrong credentials, then all-pairs combinations, then larger random
/// ones. The same space and seed give the same probes in the same order.
pub fn plan(space: &Space, budget: usize, seed: u64) -> Vec<Probe> {
    let mut rng = Rng::new(seed);
    let mut out: Vec<Probe> = Vec::new();
    let mut seen: HashSet<Probe> = HashSet::new();
    let mut push = |p: Probe, out: &mut Vec<Probe>| {
        if out.len() < budget && seen.insert(p.clone()) {
            out.push(p);
        }
    };
    // Singles, one parameter at a time in turn.
    let mut orders: Vec<Vec<usize>> = space
        .dims
        .iter()
        .map(|d| {
            let mut v: Vec<usize> = (1..d.classes.len()).collect();
            rng.shuffle(&mut v);
            v
        })
        .collect();
    let longest = orders.iter().map(Vec::len).max().unwrap_or(0);
    for k in 0..longest {
        for (i, order) in orders.iter_mut().enumerate() {
            if let Some(&c) = order.get(k) {
                let mut p = space.absent();
                p.classes[i] = c;
                push(p, &mut out);
            }
        }
    }
    if space.credentials {
        // Every shape of credentials once, the real ones' shapes too (C14: an empty
        // token, the token cut short or lengthened, in another case, all refused).
        for auth in AuthSel::ALL.into_iter().skip(1) {
            push(
                Probe {
                    auth,
                    ..space.absent()
                },
                &mut out,
            );
        }
        if space.signed {
            // A signature dated a day ago, and one over the path alone sent with a
            // query (the unlisted parameter, ignored by C7, so the query is all it adds).
            let mut queried = space.absent();
            if let Some(d) = space.dims.iter().position(|d| d.param == UNLISTED_PARAM) {
                queried.classes[d] = 1;
            }
            for auth in AuthSel::SIGNED {
                push(
                    Probe {
                        auth,
                        ..queried.clone()
                    },
                    &mut out,
                );
            }
        }
    }
    // All pairs, greedily: each new probe takes the first uncovered pair (in a seeded
    // order) and, parameter by parameter, the class that covers most uncovered pairs.
    // Credentials are one more dimension (valid, none, wrong): every class of every
    // parameter is also sent without and with wrong credentials (C14 whatever the query).
    let sizes: Vec<usize> = space.sizes();
    let dims = sizes.len();
    let mut uncovered: BTreeSet<(usize, usize, usize, usize)> = space.pairs().into_iter().collect();
    let lone = |k: usize, c: usize| space.dims.get(k).is_some_and(|d| d.classes[c].lone);
    let cover = |p: &Probe, u: &mut BTreeSet<(usize, usize, usize, usize)>| {
        let v = point(p, space.credentials);
        for i in 0..dims {
            for j in i + 1..dims {
                u.remove(&(i, v[i], j, v[j]));
            }
        }
    };
    for p in &out {
        cover(p, &mut uncovered);
    }
    let mut pending: Vec<(usize, usize, usize, usize)> = uncovered.iter().copied().collect();
    rng.shuffle(&mut pending);
    // The contract's interactions first (a flag and its filter, paging and every
    // filter, ...): a small budget spends itself on the pairs most likely to break.
    // Looked up for every candidate class of every probe: a table, not a search.
    let mut table = vec![vec![false; dims]; dims];
    for &(i, j) in &space.interacting {
        if i < dims && j < dims {
            table[i][j] = true;
        }
    }
    let interacts = |i: usize, j: usize| table[i][j];
    pending.sort_by_key(|&(i, _, j, _)| !interacts(i, j));
    let mut next = 0;
    while out.len() < budget && !uncovered.is_empty() {
        while next < pending.len() && !uncovered.contains(&pending[next]) {
            next += 1;
        }
        let Some(&(i, a, j, b)) = pending.get(next) else {
            break;
        };
        let mut chosen: Vec<Option<usize>> = vec![None; dims];
        chosen[i] = Some(a);
        chosen[j] = Some(b);
        let mut rest: Vec<usize> = (0..dims).filter(|&k| k != i && k != j).collect();
        if lone(i, a) {
            // A lone class goes with the credentials only: the rest stays absent.
            rest.clear();
        }
        rng.shuffle(&mut rest);
        for k in rest {
            let mut best = (0usize, 0usize);
            let start = rng.below(sizes[k]);
            for off in 0..sizes[k] {
                let c = (start + off) % sizes[k];
                if lone(k, c) {
                    continue;
                }
                // An interacting pair counts for many others.
                let gain = chosen
                    .iter()
                    .enumerate()
                    .filter_map(|(m, x)| x.map(|x| (m, x)))
                    .filter_map(|(m, x)| {
                        let key = if m < k { (m, x, k, c) } else { (k, c, m, x) };
                        uncovered
                            .contains(&key)
                            .then(|| if interacts(key.0, key.2) { 64 } else { 1 })
                    })
                    .sum::<usize>();
                if gain > best.0 || (best.0 == 0 && off == 0) {
                    best = (gain, c);
                }
            }
            chosen[k] = Some(best.1);
        }
        let mut v: Vec<usize> = chosen.into_iter().map(|c| c.unwrap_or(0)).collect();
        let auth = if space.credentials {
            AUTHS[v.pop().unwrap_or(0)]
        } else {
            AuthSel::Configured
        };
        let p = Probe { classes: v, auth };
        cover(&p, &mut uncovered);
        push(p, &mut out);
    }
    // Larger random combinations, now and then without or with wrong credentials.
    let mut misses = 0;
    while out.len() < budget && misses < 1000 {
        let p = Probe {
            classes: space
                .dims
                .iter()
                .map(|d| match rng.below(d.classes.len()) {
                    c if d.classes[c].lone => 0,
                    c => c,
                })
                .collect(),
            auth: match (space.credentials, rng.below(16)) {
                (true, 0) => AuthSel::None,
                (true, 1) => AuthSel::Wrong,
                _ => AuthSel::Configured,
            },
        };
        let before = out.len();
        push(p, &mut out);
        if out.len() == before {
            misses += 1;
        }
    }
    out
}

/// The statuses the contract accepts for a query, preferred first: 401 (403
/// tolerated) without valid credentials (C14), 400 for invalid paging (C10), 200 or a
/// tolerated 400 for a value outside an enumerated filter's table (C4), else 200.
pub fn expected_status(
    desc: &Desc,
    space: &Space,
    p: &Probe,
    query: &[(String, String)],
) -> Vec<u16> {
    if p.auth == AuthSel::StaleDate {
        // The page states no window for the signing time: refused or answered.
        return vec![UNAUTHORIZED, FORBIDDEN, OK];
    }
    if p.auth != AuthSel::Configured {
        return vec![UNAUTHORIZED, FORBIDDEN];
    }
    let read = Query::parse(desc, query);
    let last = statuses(desc, space, p, &read);
    // A repeated parameter: the first value and the last are both readings (the page
    // is silent), so either's statuses are accepted, the last's preferred.
    match read.first_wins(query) {
        Some(first) => {
            let mut all = last;
            for s in statuses(desc, space, p, &first) {
                if !all.contains(&s) {
                    all.push(s);
                }
            }
            all
        }
        None => last,
    }
}

/// The statuses the contract accepts for one reading of a probe's query.
fn statuses(desc: &Desc, space: &Space, p: &Probe, q: &Query<'_>) -> Vec<u16> {
    if q.invalid_paging {
        // A limit above the maximum may be refused or clamped (S9 of the v2 notes).
        return if q.over_max {
            vec![BAD_REQUEST, OK]
        } else {
            vec![BAD_REQUEST]
        };
    }
    let outside = space.dims.iter().zip(&p.classes).any(|(d, &c)| {
        d.role == Role::Filter
            && desc.filter(&d.param).is_some_and(|f| {
                !f.values.is_empty()
                    && d.classes[c]
                        .value
                        .as_deref()
                        .is_some_and(|v| !v.is_empty() && !f.values.iter().any(|x| x == v))
            })
    });
    // A value a filter cannot read (a number filter's non-number, a pairs item without
    // `=`): the page does not say whether it is refused or matches nothing.
    let unreadable = q
        .active
        .iter()
        .any(|a| !desc.filters[a.filter].readable(&a.value));
    if outside || unreadable || q.refusal_tolerated {
        vec![OK, BAD_REQUEST]
    } else {
        vec![OK]
    }
}

/// The rules a probe is about: the credentials rule, the paging rules, then the rules
/// of every parameter it sets (the first is blamed for a wrong status).
fn rules_of(desc: &Desc, space: &Space, p: &Probe, status: &[u16]) -> Vec<Rule> {
    let mut rules: Vec<Rule> = Vec::new();
    if p.auth != AuthSel::Configured {
        rules.push(desc.auth_rule);
    }
    let set: Vec<&Dim> = space
        .dims
        .iter()
        .zip(&p.classes)
        .filter(|(_, &c)| c != 0)
        .map(|(d, _)| d)
        .collect();
    if status.first() == Some(&BAD_REQUEST) {
        rules.extend(
            set.iter()
                .filter(|d| d.role == Role::Paging)
                .map(|d| d.rule),
        );
    }
    rules.extend(set.iter().map(|d| d.rule));
    let empty = space
        .dims
        .iter()
        .zip(&p.classes)
        .any(|(d, &c)| d.classes[c].value.as_deref() == Some(""));
    if empty {
        rules.push(desc.empty_rule);
    }
    if rules.is_empty() {
        rules.push(desc.and_rule);
    }
    let mut seen = HashSet::new();
    rules.retain(|r| seen.insert(*r));
    rules
}

/// The case a probe is judged as: literal values, the contract's expected status,
/// any result size. `index` names it (`explore/0007`).
pub fn probe_case(desc: &Desc, space: &Space, p: &Probe, index: usize) -> Case {
    let loc = Loc {
        file: Arc::from("explore"),
        at: LineCol { line: 0, col: 0 },
    };
    let query = space.query(p);
    let status = expected_status(desc, space, p, &query);
    Case {
        name: format!("explore/{index:04}"),
        loc: loc.clone(),
        description: space.describe(p),
        rules: rules_of(desc, space, p, &status),
        project: ProjectSel::Main,
        auth: p.auth,
        query: query
            .into_iter()
            .map(|(name, v)| Param {
                name,
                value: QueryValue::Literal(v),
                loc: loc.clone(),
            })
            .collect(),
        raw_query: None,
        headers: Vec::new(),
        expect: Expect {
            status,
            status_loc: None,
            results: ResultsExpect::Any,
            pages: Vec::new(),
            pages_loc: None,
            repeat: 1,
        },
    }
}

/// Smaller probes that might still fail, simplest first: each set parameter left out,
/// then each set parameter moved to a simpler class of its own (an earlier one in the
/// parameter's list: the whole value before its variants), then valid credentials.
pub fn shrink_candidates(space: &Space, p: &Probe) -> Vec<Probe> {
    let mut out = Vec::new();
    for (i, &c) in p.classes.iter().enumerate() {
        if c != 0 {
            let mut q = p.clone();
            q.classes[i] = 0;
            out.push(q);
        }
    }
    for (i, &c) in p.classes.iter().enumerate() {
        for simpler in 1..c {
            let mut q = p.clone();
            q.classes[i] = simpler;
            let len = |x: usize| {
                space.dims[i].classes[x]
                    .value
                    .as_ref()
                    .map_or(0, std::string::String::len)
            };
            if len(simpler) <= len(c) {
                out.push(q);
            }
        }
    }
    if p.auth != AuthSel::Configured {
        out.push(Probe {
            auth: AuthSel::Configured,
            ..p.clone()
        });
    }
    out
}

/// A probe as a case file in the shipped format: drawn values as draws, the others
/// literal, the expected status and rules as the exploration judged them.
pub fn case_file(desc: &Desc, space: &Space, p: &Probe, why: &str) -> String {
    let query = space.query(p);
    let status = expected_status(desc, space, p, &query);
    let rules = rules_of(desc, space, p, &status);
    let mut s = String::new();
    for line in why.lines() {
        s.push_str(&format!("# {line}\n"));
    }
    s.push_str(&format!(
        "description = {}\n",
        toml_str(&format!("found by exploration: {}", space.describe(p)))
    ));
    let rules: Vec<String> = rules.iter().map(|r| toml_str(&r.to_string())).collect();
    s.push_str(&format!("rules = [{}]\n", rules.join(", ")));
    if p.auth != AuthSel::Configured {
        s.push_str(&format!("auth = \"{}\"\n", p.auth.name()));
    }
    let repeated = space
        .dims
        .iter()
        .zip(&p.classes)
        .any(|(d, &c)| c != 0 && matches!(d.role, Role::Repeat(_)));
    if repeated {
        // A table cannot name a parameter twice: the query as sent, literally.
        let raw = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&query)
            .finish();
        s.push_str(&format!("raw_query = {}\n", toml_str(&raw)));
    } else if !query.is_empty() {
        s.push_str("\n[query]\n");
        for (d, &c) in space.dims.iter().zip(&p.classes) {
            let class = &d.classes[c];
            let Some(v) = &class.value else { continue };
            let key = if d
                .param
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                d.param.clone()
            } else {
                toml_str(&d.param)
            };
            match &class.draw {
                Some(dr) => s.push_str(&format!("{key} = {{ draw = \"{}\" }}\n", dr.kind.name())),
                None => s.push_str(&format!("{key} = {}\n", toml_str(v))),
            }
        }
    }
    s.push_str("\n[expect]\n");
    let words: Vec<String> = status.iter().map(u16::to_string).collect();
    if words.len() == 1 {
        s.push_str(&format!("status = {}\n", words[0]));
    } else {
        s.push_str(&format!("status = [{}]\n", words.join(", ")));
    }
    if status.first() == Some(&OK) {
        s.push_str("results = \"any\"\n");
    }
    s
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A query that finds a moved instance: its parameters, the rule it exercises, and what
/// the instance is.
type MovedQuery = (Vec<(String, String)>, Rule, String);

/// Probes about instances that moved while the run read the account (created, their
/// status changed): each filter with the value such an instance offers it now (with the
/// exact flag too, where a filter has one), and a page past the first. An index, a cache
/// or a cursor that missed the change shows here, where a sweep of the first look's
/// values cannot reach. As literal cases, named `explore/moved-NN`, with their case files.
pub fn moved_cases(desc: &Desc, moved: &[&Inst]) -> Vec<(Case, String)> {
    let loc = Loc {
        file: Arc::from("explore"),
        at: LineCol { line: 0, col: 0 },
    };
    let mut queries: Vec<MovedQuery> = Vec::new();
    for inst in moved {
        let label = format!("{} ({:?})", inst.id(), inst.label(&desc.layout));
        for f in &desc.filters {
            let Some(term) = f.terms(inst).into_iter().next() else {
                continue;
            };
            let term = term.into_owned();
            queries.push((
                vec![(f.param.clone(), term.clone())],
                f.rule,
                format!("{}={term} of {label}, which moved", f.param),
            ));
            if let Some(flag) = &f.exact {
                queries.push((
                    vec![
                        (f.param.clone(), term.clone()),
                        (flag.param.clone(), flag.value.clone()),
                    ],
                    flag.rule,
                    format!("{}={term} exactly, of {label}, which moved", f.param),
                ));
            }
        }
    }
    // A page past the first: a cursor over the list as it was misses what moved.
    if let (Some(start), Some(limit)) = (&desc.start, &desc.limit) {
        if !moved.is_empty() {
            queries.push((
                vec![
                    (start.param.clone(), (1 + u32::from(start.base)).to_string()),
                    (limit.param.clone(), "2".to_string()),
                ],
                start.rule,
                "the second page of two, after instances moved".to_string(),
            ));
        }
    }
    queries
        .into_iter()
        .enumerate()
        .map(|(i, (query, rule, why))| {
            let case = Case {
                name: format!("explore/moved-{i:02}"),
                loc: loc.clone(),
                description: why.clone(),
                rules: vec![rule],
                project: ProjectSel::Main,
                auth: AuthSel::Configured,
                query: query
                    .iter()
                    .map(|(name, v)| Param {
                        name: name.clone(),
                        value: QueryValue::Literal(v.clone()),
                        loc: loc.clone(),
                    })
                    .collect(),
                raw_query: None,
                headers: Vec::new(),
                expect: Expect {
                    status: vec![200],
                    status_loc: None,
                    results: ResultsExpect::Any,
                    pages: Vec::new(),
                    pages_loc: None,
                    repeat: 1,
                },
            };
            let mut file = format!(
                "description = {}\nrules = [{}]\n\n[query]\n",
                toml_str(&format!("found by exploration: {why}")),
                toml_str(&rule.to_string())
            );
            for (k, v) in &query {
                file.push_str(&format!("{} = {}\n", toml_str(k), toml_str(v)));
            }
            (case, file)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::plan::tests::inst;

    fn base() -> Baseline {
        Contract::embedded().baseline(vec![
            inst("a-1", "redis-prod", "RUNNING"),
            inst("a-2", "redis-prod-2", "RUNNING"),
            inst("a-3", "Redis-Test", "CLOSED"),
            inst("a-4", "cache 缓存", "RUNNING"),
            inst("a-5", "broken", "CREATEFAILED"),
        ])
    }

    fn other() -> Baseline {
        Contract::embedded().baseline(vec![inst("b-1", "elsewhere", "RUNNING")])
    }

    #[test]
    fn classes_come_from_the_schema_the_description_and_the_data() {
        let s = space(Contract::embedded(), &base(), Some(&other()), true);
        let names: Vec<&str> = s.dims.iter().map(|d| d.param.as_str()).collect();
        assert_eq!(
            names,
            [
                "name",
                "status",
                "id",
                "isExactMatchName",
                "includeFailure",
                "start",
                "limit",
                UNLISTED_PARAM,
                "Name",
                "Limit",
                "include_failure",
                "limits",
                "name",
                "limit",
            ]
        );
        let class = |p: &str, c: &str| {
            s.dims
                .iter()
                .find(|d| d.param == p)
                .and_then(|d| d.classes.iter().find(|x| x.name == c))
                .and_then(|x| x.value.clone())
        };
        assert_eq!(class("name", "non-ASCII part").as_deref(), Some("缓存"));
        assert_eq!(class("name", "hidden item's").as_deref(), Some("broken"));
        assert_eq!(
            class("name", "other project's").as_deref(),
            Some("elsewhere")
        );
        assert_eq!(class("status", "lower RUNNING").as_deref(), Some("running"));
        assert_eq!(class("status", "RESTORING").as_deref(), Some("RESTORING"));
        assert_eq!(class("id", "other project's").as_deref(), Some("b-1"));
        assert_eq!(class("includeFailure", "TRUE").as_deref(), Some("TRUE"));
        assert_eq!(class("includeFailure", "True").as_deref(), Some("True"));
        // Four visible items: past the end is start=5, the length limit=4.
        assert_eq!(class("start", "past the end").as_deref(), Some("5"));
        assert_eq!(class("limit", "list length").as_deref(), Some("4"));
        assert!(s.unreachable.is_empty(), "{:?}", s.unreachable);
        // The grammar of a value, whatever the data.
        let whole = class("name", "whole").unwrap();
        assert_eq!(class("name", "leading space"), Some(format!(" {whole}")));
        assert_eq!(class("name", "trailing space"), Some(format!("{whole} ")));
        assert_eq!(class("name", "LIKE any text").as_deref(), Some("%"));
        let escaped = class("name", "percent escape, literal").unwrap();
        assert!(
            escaped.starts_with('%') && escaped.ends_with(&whole[1..]),
            "{escaped}"
        );
        assert_eq!(
            class("status", "leading space").as_deref(),
            Some(" CREATING")
        );
        let id = class("id", "whole").unwrap();
        assert_eq!(class("id", "trailing space"), Some(format!("{id} ")));
        let middle: u64 = class("limit", "middle").unwrap().parse().unwrap();
        assert_eq!(
            class("limit", "middle, leading zero"),
            Some(format!("0{middle}"))
        );
        // A listed name in another case is an unlisted parameter with a telling value.
        assert_eq!(class("Limit", "limit's first").as_deref(), Some("1"));
        assert!(class("Name", &format!("name's {}", "whole")).is_some());
    }

    #[test]
    fn the_contract_s_interactions_are_planned_first_and_counted_apart() {
        let s = space(Contract::embedded(), &base(), Some(&other()), true);
        let at = |p: &str| s.dims.iter().position(|d| d.param == p).unwrap();
        let auth = s.dims.len();
        for pair in [
            (at("name"), at("isExactMatchName")),
            (at("status"), at("includeFailure")),
            (at("id"), at("start")),
            (at("name"), at("limit")),
            (at("limit"), auth),
        ] {
            assert!(s.interacting.contains(&pair), "{pair:?} interacts");
        }
        // Two filters, or a flag and a filter it does not change, do not.
        assert!(!s.interacting.contains(&(at("name"), at("status"))));
        assert!(!s
            .interacting
            .contains(&(at("status"), at("isExactMatchName"))));
        // One probe covers one class pair of each pair of dimensions: of the interacting
        // ones, as many as there are interacting pairs of dimensions.
        let one = coverage(&s, &plan(&s, 1, 0));
        assert_eq!(one.interacting, s.interacting.len());
        // Lone classes pair with the credentials only.
        let sizes = s.sizes();
        let paired = |i: usize| s.dims[i].classes.iter().filter(|c| !c.lone).count();
        let total: usize = s
            .interacting
            .iter()
            .map(|&(i, j)| match j == s.dims.len() {
                true => sizes[i] * sizes[j],
                false => paired(i) * paired(j),
            })
            .sum();
        assert_eq!(one.interacting_total, total);
        let few = plan(&s, 120, 0);
        // Every shape of credentials is sent, once at least, on its own.
        for shape in AuthSel::ALL {
            assert!(few.iter().any(|p| p.auth == shape), "{shape:?}");
        }
    }

    #[test]
    fn names_repeats_and_edges_are_dimensions_of_their_own() {
        let s = space(Contract::embedded(), &base(), Some(&other()), true);
        let at = |p: &str| s.dims.iter().position(|d| d.param == p).unwrap();
        // Near misses of listed names: unlisted, with a value that would tell.
        assert_eq!(
            s.dims[at("include_failure")].classes[1].value.as_deref(),
            Some("true")
        );
        assert_eq!(s.dims[at("limits")].role, Role::Other);
        // The page size and the first filter again, after their first occurrence.
        let again: Vec<(usize, usize)> = (0..s.dims.len())
            .filter_map(|i| match s.dims[i].role {
                Role::Repeat(of) => Some((of, i)),
                _ => None,
            })
            .collect();
        assert_eq!(
            again,
            vec![(at("name"), again[0].1), (at("limit"), again[1].1)]
        );
        assert!(again.iter().all(|p| s.interacting.contains(p)), "{again:?}");
        let mut p = s.absent();
        p.classes[at("limit")] = 1;
        p.classes[again[1].1] = 1;
        let sent = s.query(&p);
        assert_eq!(
            sent.iter().filter(|(k, _)| k == "limit").count(),
            2,
            "{sent:?}"
        );
        // Edge classes are sent alone: never paired with another parameter's class.
        let limit = &s.dims[at("limit")];
        let wrap = limit
            .classes
            .iter()
            .position(|c| c.name == "2^32 + 1")
            .unwrap();
        assert!(limit.classes[wrap].lone);
        let probes = plan(&s, 5000, 3);
        let with_edge: Vec<&Probe> = probes
            .iter()
            .filter(|p| p.classes[at("limit")] == wrap)
            .collect();
        assert!(!with_edge.is_empty());
        for p in with_edge {
            assert_eq!(p.classes.iter().filter(|&&c| c != 0).count(), 1, "{p:?}");
        }
        // Beyond 2^31 - 1 a 400 is accepted as well as the page; wrapping to 1 is not.
        let desc = Contract::embedded().desc();
        let mut e = s.absent();
        e.classes[at("limit")] = wrap;
        assert_eq!(
            expected_status(desc, &s, &e, &s.query(&e)),
            vec![OK, BAD_REQUEST]
        );
    }

    #[test]
    fn singles_come_first_and_the_same_seed_gives_the_same_probes() {
        let s = space(Contract::embedded(), &base(), Some(&other()), true);
        let (classes, _) = s.totals();
        let a = plan(&s, 400, 7);
        assert_eq!(a, plan(&s, 400, 7));
        assert_ne!(a, plan(&s, 400, 8));
        let first = coverage(&s, &a[..classes]);
        assert_eq!(first.classes, classes, "every class once before any pair");
        assert!(a[..classes]
            .iter()
            .all(|p| p.classes.iter().filter(|&&c| c != 0).count() == 1));
        let small = plan(&s, 10, 7);
        assert_eq!(small.len(), 10);
        assert_eq!(small, a[..10], "a smaller budget is a prefix");
        let all = plan(&s, 5000, 7);
        let c = coverage(&s, &all);
        assert_eq!(c.pairs, c.pairs_total, "a large budget covers every pair");
    }

    #[test]
    fn expected_status_follows_the_contract() {
        let s = space(Contract::embedded(), &base(), None, true);
        let desc = Contract::embedded().desc();
        let with = |param: &str, class: &str| {
            let mut p = s.absent();
            let i = s.dims.iter().position(|d| d.param == param).unwrap();
            p.classes[i] = s.dims[i]
                .classes
                .iter()
                .position(|c| c.name == class)
                .unwrap();
            p
        };
        let status = |p: &Probe| expected_status(desc, &s, p, &s.query(p));
        assert_eq!(status(&with("start", "zero")), [BAD_REQUEST]);
        assert_eq!(status(&with("limit", "non-decimal")), [BAD_REQUEST]);
        assert_eq!(status(&with("limit", "empty")), [OK]);
        assert_eq!(
            status(&with("status", "outside the table")),
            [OK, BAD_REQUEST]
        );
        let mut none = s.absent();
        none.auth = AuthSel::None;
        assert_eq!(status(&none), [UNAUTHORIZED, FORBIDDEN]);
    }

    #[test]
    fn a_saved_case_loads_and_says_the_same() {
        let s = space(Contract::embedded(), &base(), None, true);
        let desc = Contract::embedded().desc();
        for p in plan(&s, 120, 1) {
            let text = case_file(desc, &s, &p, "why\nit failed");
            let case = crate::case::parse_case("x.toml", &text, "x", Contract::embedded())
                .unwrap_or_else(|e| panic!("{text}\n{e:?}"));
            let generated = probe_case(desc, &s, &p, 0);
            assert_eq!(case.expect.status, generated.expect.status, "{text}");
            assert_eq!(case.auth, generated.auth);
            let mut resolved: Vec<(String, String)> = case
                .raw_query
                .iter()
                .flat_map(|r| form_urlencoded::parse(r.as_bytes()).into_owned())
                .collect();
            resolved.extend(crate::plan::resolve_query(desc, &case, &base()).unwrap());
            assert_eq!(resolved, s.query(&p), "{text}");
        }
    }

    #[test]
    fn shrinking_offers_fewer_parameters_first() {
        let s = space(Contract::embedded(), &base(), None, true);
        let p = Probe {
            classes: vec![2, 1, 0, 0, 0, 0, 0, 0],
            auth: AuthSel::Configured,
        };
        let c = shrink_candidates(&s, &p);
        assert_eq!(c[0].classes, [0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(c[1].classes, [2, 0, 0, 0, 0, 0, 0, 0]);
        assert!(c.iter().all(|q| q != &p));
    }
}
