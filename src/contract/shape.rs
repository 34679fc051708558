//! The fast path for the commonest job of a run: reading a successful list answer that
//! is valid. The response schema is compiled once into a [`Shape`], and a body is then
//! read in one pass over its bytes: the JSON is checked, every value is validated against
//! the schema as it goes by, and what the checks need (each item's id and the members the
//! contract description names, the total, the figures of its invariants) is picked up on
//! the way. No `serde_json::Value` tree is built.
//!
//! The fast path only ever says "valid, and here is what the checks need". Whenever it
//! meets something it does not handle, or anything wrong at all (bad JSON, a repeated
//! key, a schema violation, a keyword it does not know), it gives up, and the caller
//! takes the full path: the strict parser of [`crate::json`] and the jsonschema
//! validator, which explain every problem with its pointer. So the fast path must never
//! accept what the full path rejects; `tests/library/shape_equivalence.rs` and the
//! `read_list` fuzz target compare the two on generated and mutated bodies.
//!
//! What it handles of JSON Schema 2020-12 (anything else and [`Shape::compile`] returns
//! `None`, so the schema is always validated in full): `type` (one of object, array,
//! string, integer, boolean, null, optionally with null), `properties`, `required`,
//! `additionalProperties: true`, `items` (one schema), `$ref` to `#/$defs/…` of the root,
//! `enum` of strings and integers, `minimum` and `maximum` with integer bounds, `pattern`
//! in the plain subset of regular expressions that means the same in ECMA 262 and in the
//! `regex` crate, `format: date-time` (a strict subset of what jsonschema accepts:
//! `Z` only, no leap second), and annotations (`title`, `description`, `x-…`, …).

use std::borrow::Cow;

use regex::Regex;
use serde_json::{Map, Number, Value};

use super::desc::Desc;
use crate::base::{Inst, Layout};

/// Nesting beyond this gives up (serde_json's own limit is 128).
const MAX_DEPTH: u32 = 100;

/// What the checks read of one valid list answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListView {
    /// The list, read as [`Inst::from_json`] reads each element; `None` when the body has
    /// no such array or an element has no id.
    pub instances: Option<Vec<Inst>>,
    /// The total, when it is a number.
    pub total: Option<Number>,
    /// `(item index, invariant index, value, bound)` of every item that breaks an
    /// invariant: both members integers, the value above its bound. (Only those: a large
    /// valid answer carries no entry per item.)
    pub bounds: Vec<(usize, usize, i128, i128)>,
}

impl ListView {
    /// The same view, read from a parsed body (the full path).
    pub fn from_value(body: &Value, desc: &Desc) -> ListView {
        let list = body.get(&desc.list).and_then(Value::as_array);
        ListView {
            instances: list
                .and_then(|l| l.iter().map(|v| Inst::from_json(&desc.layout, v)).collect()),
            total: match desc.total.as_ref().and_then(|t| body.get(&t.field)) {
                Some(Value::Number(n)) => Some(n.clone()),
                _ => None,
            },
            bounds: list
                .into_iter()
                .flatten()
                .enumerate()
                .flat_map(|(i, item)| {
                    desc.invariants
                        .iter()
                        .enumerate()
                        .filter_map(move |(k, inv)| {
                            let int = |f: &str| item.get(f).and_then(as_int);
                            Some((i, k, int(&inv.field)?, int(&inv.at_most)?)).filter(|m| m.2 > m.3)
                        })
                })
                .collect(),
        }
    }
}

/// An integer held exactly (any JSON integer within 64 bits).
pub fn as_int(v: &Value) -> Option<i128> {
    v.as_i64()
        .map(i128::from)
        .or_else(|| v.as_u64().map(i128::from))
}

/// The compiled response schema.
#[derive(Debug)]
pub struct Shape {
    nodes: Vec<Node>,
    root: usize,
    names: Names,
}

/// The most members of an item the fast path picks up, and the most invariants: a
/// description that names more takes the full path.
const MAX_SLOTS: usize = 8;
const MAX_INVARIANTS: usize = 4;

/// The member names the checks read, from the contract description.
#[derive(Debug)]
struct Names {
    list: String,
    total: Option<String>,
    layout: Layout,
    /// `(value, bound)` member names of each invariant.
    invariants: Vec<(String, String)>,
}

impl Names {
    fn field(&self, name: &str) -> Field {
        if name == self.list {
            Field::List
        } else if self.total.as_deref() == Some(name) {
            Field::Total
        } else if name == self.layout.id {
            Field::Id
        } else if let Some(i) = self.layout.fields.iter().position(|f| f == name) {
            Field::Slot(i as u8)
        } else if let Some(i) = self.invariants.iter().position(|(v, _)| v == name) {
            Field::Value(i as u8)
        } else if let Some(i) = self.invariants.iter().position(|(_, b)| b == name) {
            Field::Bound(i as u8)
        } else {
            Field::Other
        }
    }
}

#[derive(Debug)]
enum Node {
    /// Any JSON value.
    Any,
    /// Values of one type; `null` says whether null is valid too.
    Typed { null: bool, kind: Option<Kind> },
}

#[derive(Debug)]
struct Prop {
    name: String,
    node: usize,
    /// What the checks pick up from a member of this name, worked out once.
    field: Field,
}

/// The members the checks read, by what they are to the contract. A member that is both
/// a slot and an invariant's figure is read as the slot (the full path then compares).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Field {
    List,
    Total,
    Id,
    Slot(u8),
    Value(u8),
    Bound(u8),
    Other,
}

#[derive(Debug)]
enum Kind {
    Object {
        /// Known members and their schemas; `required` is a bit set over this list.
        props: Vec<Prop>,
        required: u64,
    },
    Array {
        items: usize,
    },
    Str {
        one_of: Option<Vec<String>>,
        pattern: Option<Regex>,
        date_time: bool,
    },
    Int {
        min: Option<i128>,
        max: Option<i128>,
        one_of: Option<Vec<i128>>,
    },
    Bool,
}

impl Shape {
    /// Compiles a response schema, or `None` when it uses anything the fast path does not
    /// handle (the schema is then always validated in full).
    pub fn compile(schema: &Value, desc: &Desc) -> Option<Shape> {
        if nested_resources(schema, true)
            || desc.layout.fields.len() > MAX_SLOTS
            || desc.invariants.len() > MAX_INVARIANTS
        {
            return None;
        }
        let names = Names {
            list: desc.list.clone(),
            total: desc.total.as_ref().map(|t| t.field.clone()),
            layout: desc.layout.clone(),
            invariants: desc
                .invariants
                .iter()
                .map(|i| (i.field.clone(), i.at_most.clone()))
                .collect(),
        };
        if names.invariants.iter().any(|(v, b)| {
            names.layout.fields.contains(v) || names.layout.fields.contains(b) || v == b
        }) {
            return None;
        }
        let mut c = Compiler {
            root: schema,
            nodes: Vec::new(),
            refs: Vec::new(),
            names: &names,
        };
        let root = c.node(schema)?;
        Some(Shape {
            nodes: c.nodes,
            root,
            names,
        })
    }

    /// Reads a list answer: `Some` only when the body is JSON without repeated keys,
    /// valid against the schema, and made of what the fast path handles.
    pub fn read_list(&self, body: &[u8]) -> Option<ListView> {
        // Whole-body UTF-8 check: string slices below are then valid UTF-8, since they
        // start and end at ASCII quotes. Invalid UTF-8 anywhere is an error for serde_json
        // too (inside strings it is refused, outside them it is a syntax error).
        let text = std::str::from_utf8(body).ok()?;
        let mut r = Reader {
            text,
            b: body,
            i: 0,
            depth: 0,
            shape: self,
            accepted: vec![None; self.nodes.len()],
        };
        let mut view = ListView::default();
        r.ws();
        r.value(self.root, Cap::Root, &mut view)?;
        r.ws();
        (r.i == body.len()).then_some(view)
    }
}

struct Compiler<'s> {
    root: &'s Value,
    names: &'s Names,
    nodes: Vec<Node>,
    /// `$defs` names already compiled, with their node.
    refs: Vec<(String, usize)>,
}

/// Keywords that never affect validity.
fn is_annotation(key: &str) -> bool {
    key.starts_with("x-")
        || matches!(
            key,
            "$schema"
                | "$comment"
                | "$defs"
                | "title"
                | "description"
                | "default"
                | "examples"
                | "deprecated"
                | "readOnly"
                | "writeOnly"
        )
}

impl<'s> Compiler<'s> {
    fn push(&mut self, n: Node) -> usize {
        self.nodes.push(n);
        self.nodes.len() - 1
    }

    fn node(&mut self, s: &'s Value) -> Option<usize> {
        if let Some(target) = s.get("$ref") {
            let obj = s.as_object()?;
            if obj.keys().any(|k| k != "$ref" && !is_annotation(k)) {
                return None;
            }
            let name = target.as_str()?.strip_prefix("#/$defs/")?;
            if name.contains(['~', '/', '%']) {
                return None;
            }
            if let Some((_, i)) = self.refs.iter().find(|(n, _)| n == name) {
                return Some(*i);
            }
            let def = self.root.get("$defs")?.get(name)?;
            // Reserved first, so that a recursive definition refers to itself.
            let i = self.push(Node::Any);
            self.refs.push((name.to_string(), i));
            let n = self.content(def)?;
            self.nodes[i] = n;
            return Some(i);
        }
        let n = self.content(s)?;
        Some(self.push(n))
    }

    fn content(&mut self, s: &'s Value) -> Option<Node> {
        let obj = match s {
            Value::Bool(true) => return Some(Node::Any),
            Value::Object(o) => o,
            _ => return None,
        };
        for k in obj.keys() {
            let known = is_annotation(k)
                || matches!(
                    k.as_str(),
                    "type"
                        | "properties"
                        | "required"
                        | "additionalProperties"
                        | "items"
                        | "enum"
                        | "minimum"
                        | "maximum"
                        | "pattern"
                        | "format"
                )
                // A base URI only at the root: elsewhere it would change what `$ref` means.
                || (k == "$id" && std::ptr::eq(s, self.root));
            if !known {
                return None;
            }
        }
        let Some(types) = obj.get("type") else {
            // Only annotations: anything goes.
            return obj
                .keys()
                .all(|k| is_annotation(k) || k == "$id")
                .then_some(Node::Any);
        };
        let mut names: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().map(Value::as_str).collect::<Option<_>>()?,
            _ => return None,
        };
        let null = names.contains(&"null");
        names.retain(|t| *t != "null");
        let enums = match obj.get("enum") {
            None => None,
            Some(Value::Array(e)) => Some(e),
            Some(_) => return None,
        };
        // With an enum, null is valid only if the enum lists it.
        let null = null && enums.is_none_or(|e| e.contains(&Value::Null));
        let kind = match names.as_slice() {
            [] => None,
            [one] => Some(self.kind(one, obj, enums)?),
            _ => return None,
        };
        Some(Node::Typed { null, kind })
    }

    fn kind(
        &mut self,
        ty: &str,
        obj: &'s Map<String, Value>,
        enums: Option<&Vec<Value>>,
    ) -> Option<Kind> {
        // Keywords for other types than `ty` do not apply and are ignored, as JSON Schema
        // says; an enum applies to every type.
        match ty {
            "object" => {
                if enums.is_some() {
                    return None;
                }
                match obj.get("additionalProperties") {
                    None | Some(Value::Bool(true)) => {}
                    Some(_) => return None,
                }
                let mut props = Vec::new();
                let names = self.names;
                let prop = |name: &str, node| Prop {
                    name: name.to_string(),
                    node,
                    field: names.field(name),
                };
                if let Some(p) = obj.get("properties") {
                    for (name, sub) in p.as_object()? {
                        let n = self.node(sub)?;
                        props.push(prop(name, n));
                    }
                }
                let mut required = 0u64;
                if let Some(r) = obj.get("required") {
                    for name in r.as_array()? {
                        let name = name.as_str()?;
                        let at = match props.iter().position(|p| p.name == name) {
                            Some(at) => at,
                            None => {
                                let any = self.push(Node::Any);
                                props.push(prop(name, any));
                                props.len() - 1
                            }
                        };
                        required |= 1u64.checked_shl(at as u32)?;
                    }
                }
                if props.len() > 64 {
                    return None;
                }
                Some(Kind::Object { props, required })
            }
            "array" => {
                if enums.is_some() {
                    return None;
                }
                let items = match obj.get("items") {
                    None => self.push(Node::Any),
                    Some(Value::Array(_)) => return None,
                    Some(s) => self.node(s)?,
                };
                Some(Kind::Array { items })
            }
            "string" => {
                let one_of = enums.map(|e| {
                    e.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                });
                let pattern = match obj.get("pattern") {
                    None => None,
                    Some(p) => Some(plain_regex(p.as_str()?)?),
                };
                let date_time = match obj.get("format").map(Value::as_str) {
                    None => false,
                    Some(Some("date-time")) => true,
                    Some(_) => return None,
                };
                Some(Kind::Str {
                    one_of,
                    pattern,
                    date_time,
                })
            }
            "integer" => {
                let bound = |k: &str| -> Option<Option<i128>> {
                    match obj.get(k) {
                        None => Some(None),
                        Some(v) => as_int(v).map(Some),
                    }
                };
                let one_of = match enums {
                    None => None,
                    Some(e) => {
                        let mut ints = Vec::new();
                        for v in e {
                            // A float equal to an integer would match it: not handled.
                            if let Value::Number(n) = v {
                                ints.push(as_int(v).filter(|_| !n.is_f64())?);
                            }
                        }
                        Some(ints)
                    }
                };
                Some(Kind::Int {
                    min: bound("minimum")?,
                    max: bound("maximum")?,
                    one_of,
                })
            }
            // An enum of both truth values says no more than the type.
            "boolean" => enums
                .is_none_or(|e| e.contains(&Value::Bool(true)) && e.contains(&Value::Bool(false)))
                .then_some(Kind::Bool),
            _ => None,
        }
    }
}

/// A `pattern` compiled for the fast path, if it is written in the plain subset that
/// means the same to jsonschema (which rewrites ECMA 262 syntax and then runs
/// fancy-regex or its own matchers) and to the `regex` crate: literals, flat character
/// classes, groups without flags, alternation, anchors, the escapes `\.`, `\-` and `\d`
/// (ASCII digits, as in ECMA 262), and one quantifier per atom (`*`, `+`, `?`, `{n}`,
/// `{n,}`, `{n,m}`, each optionally lazy). No `.`, no other escape, no `[` inside a class,
/// no possessive or stacked quantifiers, no spaces inside braces.
fn plain_regex(p: &str) -> Option<Regex> {
    let mut out = String::with_capacity(p.len() + 8);
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    // Whether a quantifier may follow (the last thing was an atom).
    let mut atom = false;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '\\' => {
                out.push_str(escape(*chars.get(i)?, false)?);
                i += 1;
                atom = true;
            }
            '[' => {
                out.push('[');
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                let first = i;
                loop {
                    let c = *chars.get(i)?;
                    i += 1;
                    match c {
                        ']' if i - 1 > first => break,
                        '\\' => {
                            out.push_str(escape(*chars.get(i)?, true)?);
                            i += 1;
                        }
                        '-' if chars.get(i) == Some(&'-') => return None,
                        c if plain_char(c) || c == '-' => out.push(c),
                        _ => return None,
                    }
                }
                out.push(']');
                atom = true;
            }
            '(' => {
                // `(?` opens a group with flags or a look-around: not in the subset.
                if chars.get(i) == Some(&'?') {
                    return None;
                }
                out.push('(');
                atom = false;
            }
            ')' => {
                out.push(')');
                atom = true;
            }
            '*' | '+' | '?' | '{' => {
                if !atom {
                    return None;
                }
                out.push(c);
                if c == '{' {
                    // Digits, an optional comma and digits, then `}`: nothing else.
                    let mut digits = 0;
                    let mut comma = false;
                    loop {
                        let d = *chars.get(i)?;
                        i += 1;
                        match d {
                            '0'..='9' => digits += 1,
                            ',' if !comma && digits > 0 => comma = true,
                            '}' if digits > 0 => break,
                            _ => return None,
                        }
                        out.push(d);
                    }
                    out.push('}');
                }
                // One lazy mark at most; any other quantifier here would be possessive
                // or stacked, which the two engines read differently.
                if chars.get(i) == Some(&'?') {
                    out.push('?');
                    i += 1;
                }
                if matches!(chars.get(i), Some('*' | '+' | '?' | '{')) {
                    return None;
                }
                atom = false;
            }
            '^' | '$' | '|' => {
                out.push(c);
                atom = false;
            }
            c if plain_char(c) || c == '-' => {
                out.push(c);
                atom = true;
            }
            _ => return None,
        }
    }
    // `(?-u)`: classes and literals are ASCII here, and matching is on bytes of UTF-8.
    Regex::new(&format!("(?-u:{out})")).ok()
}

/// Characters that stand for themselves in both engines, in and out of classes.
fn plain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | ' ' | ':' | ',')
}

/// The escapes of the subset, as the `regex` crate spells them.
fn escape(c: char, in_class: bool) -> Option<&'static str> {
    match c {
        '.' => Some("\\."),
        '-' => Some("\\-"),
        'd' if in_class => Some("0-9"),
        'd' => Some("[0-9]"),
        _ => None,
    }
}

/// True when a keyword that changes how references resolve appears below the root,
/// anywhere (unused `$defs` included: jsonschema registers every resource it finds).
fn nested_resources(v: &Value, root: bool) -> bool {
    match v {
        Value::Object(o) => o.iter().any(|(k, sub)| {
            (!root
                && matches!(
                    k.as_str(),
                    "$id"
                        | "$anchor"
                        | "$dynamicAnchor"
                        | "$dynamicRef"
                        | "$recursiveRef"
                        | "$recursiveAnchor"
                        | "$schema"
                ))
                || nested_resources(sub, false)
        }),
        Value::Array(a) => a.iter().any(|sub| nested_resources(sub, false)),
        _ => false,
    }
}

/// What a parent needs to pick up from a value.
#[derive(Clone, Copy, PartialEq)]
enum Cap {
    Nothing,
    /// The body itself: the list and the total.
    Root,
    /// The list.
    List,
    /// One item.
    Item,
}

/// A scalar, as handed back to the object that holds it.
enum Scalar<'a> {
    Str(Cow<'a, str>),
    Int(i128),
    /// A number that is not an integer within 64 bits.
    Num,
    Null,
    /// An array, as its text in the body (an item's tags, say).
    Array(&'a str),
    Other,
}

struct Reader<'a, 's> {
    /// The body, checked to be UTF-8, and its bytes.
    text: &'a str,
    b: &'a [u8],
    i: usize,
    depth: u32,
    shape: &'s Shape,
    /// Per node, the last string found valid there: statuses, spec codes and maintenance
    /// windows repeat from instance to instance, and need no second look.
    accepted: Vec<Option<&'a str>>,
}

/// Picks up one item's members.
#[derive(Default)]
struct ItemCap<'a> {
    id: Option<Cow<'a, str>>,
    slots: [Option<Cow<'a, str>>; MAX_SLOTS],
    values: [Option<i128>; MAX_INVARIANTS],
    bounds: [Option<i128>; MAX_INVARIANTS],
}

impl<'a, 's> Reader<'a, 's> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.b.get(self.i) == Some(&c)).then(|| self.i += 1)
    }

    /// Reads one value valid against `node`.
    fn value(&mut self, node: usize, cap: Cap, view: &mut ListView) -> Option<Scalar<'a>> {
        let (null_ok, kind) = match &self.shape.nodes[node] {
            Node::Any => (true, None),
            Node::Typed { null, kind } => (*null, kind.as_ref()),
        };
        let any = matches!(self.shape.nodes[node], Node::Any);
        match *self.b.get(self.i)? {
            b'{' => {
                let props = match kind {
                    Some(Kind::Object { props, required }) => Some((props.as_slice(), *required)),
                    _ if any => None,
                    _ => return None,
                };
                self.object(props, cap, view)?;
                Some(Scalar::Other)
            }
            b'[' => {
                let items = match kind {
                    Some(Kind::Array { items }) => *items,
                    _ if any => node,
                    _ => return None,
                };
                let start = self.i;
                self.array(items, cap, view)?;
                Some(Scalar::Array(&self.text[start..self.i]))
            }
            b'"' => {
                let s = self.string()?;
                match kind {
                    Some(Kind::Str { .. }) if self.accepted[node] == Some(&*s) => {}
                    Some(Kind::Str {
                        one_of,
                        pattern,
                        date_time,
                    }) => {
                        if one_of.as_ref().is_some_and(|e| !e.iter().any(|v| *v == s))
                            || pattern.as_ref().is_some_and(|p| !p.is_match(&s))
                            || (*date_time && !date_time_ok(s.as_bytes()))
                        {
                            return None;
                        }
                        if let Cow::Borrowed(b) = s {
                            self.accepted[node] = Some(b);
                        }
                    }
                    _ if any => {}
                    _ => return None,
                }
                Some(Scalar::Str(s))
            }
            b't' | b'f' => {
                self.literal()?;
                (any || matches!(kind, Some(Kind::Bool))).then_some(Scalar::Other)
            }
            b'n' => {
                self.literal()?;
                null_ok.then_some(Scalar::Null)
            }
            _ => {
                let n = self.number()?;
                match kind {
                    Some(Kind::Int { min, max, one_of }) => {
                        let Scalar::Int(v) = n else { return None };
                        if min.is_some_and(|m| v < m)
                            || max.is_some_and(|m| v > m)
                            || one_of.as_ref().is_some_and(|e| !e.contains(&v))
                        {
                            return None;
                        }
                    }
                    _ if any => {}
                    _ => return None,
                }
                Some(n)
            }
        }
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn object(
        &mut self,
        props: Option<(&'s [Prop], u64)>,
        cap: Cap,
        view: &mut ListView,
    ) -> Option<()> {
        self.enter()?;
        self.i += 1;
        let mut seen = 0u64;
        // Members the schema does not name, to find repeats among them.
        let mut others: Vec<Cow<'a, str>> = Vec::new();
        let mut item = ItemCap::default();
        let mut hint = 0;
        self.ws();
        if self.eat(b'}').is_none() {
            loop {
                if self.b.get(self.i) != Some(&b'"') {
                    return None;
                }
                let key = self.string()?;
                self.ws();
                self.eat(b':')?;
                self.ws();
                let known = props.and_then(|(list, _)| {
                    // Members usually come in the schema's order: try the next one first.
                    let at = if list.get(hint).is_some_and(|p| p.name == key) {
                        hint
                    } else {
                        list.iter().position(|p| p.name == key)?
                    };
                    hint = at + 1;
                    Some((at, &list[at]))
                });
                let (node, field) = match known {
                    Some((at, prop)) => {
                        let bit = 1u64 << at;
                        if seen & bit != 0 {
                            return None;
                        }
                        seen |= bit;
                        (prop.node, prop.field)
                    }
                    None => {
                        if others.contains(&key) {
                            return None;
                        }
                        let field = self.shape.names.field(&key);
                        others.push(key);
                        (ANY, field)
                    }
                };
                let child = match (cap, field) {
                    (Cap::Root, Field::List) => Cap::List,
                    _ => Cap::Nothing,
                };
                let v = if node == ANY {
                    self.any(child, view)?
                } else {
                    self.value(node, child, view)?
                };
                match (cap, field) {
                    (Cap::Root, Field::Total) => match v {
                        Scalar::Int(n) => view.total = Some(number(n)?),
                        Scalar::Num => return None,
                        _ => {}
                    },
                    (Cap::Item, f) => item.take(f, v)?,
                    _ => {}
                }
                self.ws();
                if self.eat(b',').is_some() {
                    self.ws();
                    continue;
                }
                self.eat(b'}')?;
                break;
            }
        }
        if let Some((_, required)) = props {
            if required & !seen != 0 {
                return None;
            }
        }
        if cap == Cap::Item {
            let names = &self.shape.names;
            let list = view.instances.get_or_insert_with(Vec::new);
            let index = list.len();
            for k in 0..names.invariants.len() {
                if let (Some(v), Some(b)) = (item.values[k], item.bounds[k]) {
                    if v > b {
                        view.bounds.push((index, k, v, b));
                    }
                }
            }
            let fields = item
                .slots
                .iter()
                .take(names.layout.fields.len())
                .map(|s| s.as_deref().unwrap_or_default());
            list.push(Inst::new(&names.layout, &item.id?, fields));
        }
        self.depth -= 1;
        Some(())
    }

    fn array(&mut self, items: usize, cap: Cap, view: &mut ListView) -> Option<()> {
        self.enter()?;
        self.i += 1;
        let child = if cap == Cap::List {
            // An empty list is still a list.
            view.instances.get_or_insert_with(Vec::new);
            Cap::Item
        } else {
            Cap::Nothing
        };
        self.ws();
        if self.eat(b']').is_none() {
            loop {
                if child == Cap::Item && self.b.get(self.i) != Some(&b'{') {
                    // `Inst::from_json` finds no instance_id in a non-object.
                    return None;
                }
                let from = self.i;
                if items == ANY {
                    self.any(child, view)?;
                } else {
                    self.value(items, child, view)?;
                }
                if child == Cap::Item {
                    if let Some(list) = view.instances.as_mut().filter(|l| l.len() == 1) {
                        // Room for as many instances as the rest of the body could hold if
                        // they were the size of the first: no repeated growing and copying.
                        // Never more than the rest of the body's own size in bytes.
                        let rest = self.b.len() - self.i;
                        let each = (self.i - from).max(std::mem::size_of::<Inst>());
                        list.reserve(rest / each);
                    }
                }
                self.ws();
                if self.eat(b',').is_some() {
                    self.ws();
                    continue;
                }
                self.eat(b']')?;
                break;
            }
        }
        self.depth -= 1;
        Some(())
    }

    /// A value the schema says nothing about.
    fn any(&mut self, cap: Cap, view: &mut ListView) -> Option<Scalar<'a>> {
        match *self.b.get(self.i)? {
            b'{' => self.object(None, cap, view).map(|_| Scalar::Other),
            b'[' => {
                let start = self.i;
                self.array(ANY, cap, view)?;
                Some(Scalar::Array(&self.text[start..self.i]))
            }
            b'"' => self.string().map(Scalar::Str),
            b't' | b'f' => self.literal().map(|_| Scalar::Other),
            b'n' => self.literal().map(|_| Scalar::Null),
            _ => self.number(),
        }
    }

    fn literal(&mut self) -> Option<()> {
        let rest = &self.b[self.i..];
        let len = [&b"true"[..], b"false", b"null"]
            .into_iter()
            .find(|w| rest.starts_with(w))?
            .len();
        self.i += len;
        Some(())
    }

    /// A string at `self.i` (on its opening quote), unescaped.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let start = self.i + 1;
        let mut j = start;
        let mut escaped = false;
        loop {
            j = plain_run(self.b, j);
            if j >= self.b.len() {
                return None;
            }
            match self.b[j] {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    j += 2;
                }
                // A raw control character: not allowed in a JSON string.
                _ => return None,
            }
        }
        self.i = j + 1;
        // Slicing between ASCII quotes of a UTF-8 text: always on character boundaries.
        let text = self.text;
        if escaped {
            // serde_json decodes the escapes (and refuses lone surrogates, as the full
            // path does).
            return serde_json::from_str::<String>(text.get(start - 1..=j)?)
                .ok()
                .map(Cow::Owned);
        }
        text.get(start..j).map(Cow::Borrowed)
    }

    /// A number in JSON's grammar.
    fn number(&mut self) -> Option<Scalar<'a>> {
        let b = self.b;
        let start = self.i;
        let mut j = start;
        if b.get(j) == Some(&b'-') {
            j += 1;
        }
        let digits = |j: &mut usize| {
            let from = *j;
            while b.get(*j).is_some_and(u8::is_ascii_digit) {
                *j += 1;
            }
            *j - from
        };
        let int_start = j;
        let n = digits(&mut j);
        if n == 0 || (n > 1 && b[int_start] == b'0') {
            return None;
        }
        let mut plain = true;
        if b.get(j) == Some(&b'.') {
            j += 1;
            if digits(&mut j) == 0 {
                return None;
            }
            plain = false;
        }
        if let Some(b'e' | b'E') = b.get(j) {
            j += 1;
            if let Some(b'+' | b'-') = b.get(j) {
                j += 1;
            }
            if digits(&mut j) == 0 {
                return None;
            }
            plain = false;
        }
        self.i = j;
        let text = self.text.get(start..j)?;
        // serde_json reads `-0` as a float (-0.0).
        if plain && n <= 20 && text != "-0" {
            let v: i128 = text.parse().ok()?;
            if v >= i128::from(i64::MIN) && v <= i128::from(u64::MAX) {
                return Some(Scalar::Int(v));
            }
        }
        // Beyond 64 bits or with a fraction: a float for serde_json, an error if out of
        // a double's range.
        text.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|_| Scalar::Num)
    }
}

/// The position of the first byte at or after `j` that ends the plain run of a string
/// (a quote, a backslash or a control character), or `b.len()`. Eight bytes at a time:
/// for each byte, the classic "has a zero byte" bit trick flags the quote and the
/// backslash (XORed to zero) and the bytes below 0x20; the lowest flag is exact.
fn plain_run(b: &[u8], mut j: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = b.get(j..j + 8) {
        let v = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
        let hits = zero(v ^ (ONES * u64::from(b'"')))
            | zero(v ^ (ONES * u64::from(b'\\')))
            | (v.wrapping_sub(ONES * 0x20) & !v & HIGH);
        if hits != 0 {
            return j + (hits.trailing_zeros() / 8) as usize;
        }
        j += 8;
    }
    while j < b.len() && b[j] >= 0x20 && b[j] != b'"' && b[j] != b'\\' {
        j += 1;
    }
    j
}

/// The node index that stands for "anything" in the loops above.
const ANY: usize = usize::MAX;

impl<'a> ItemCap<'a> {
    fn take(&mut self, field: Field, v: Scalar<'a>) -> Option<()> {
        let text = match field {
            Field::Id => &mut self.id,
            Field::Slot(i) => &mut self.slots[usize::from(i)],
            Field::Value(i) | Field::Bound(i) => {
                let slot = if matches!(field, Field::Value(_)) {
                    &mut self.values[usize::from(i)]
                } else {
                    &mut self.bounds[usize::from(i)]
                };
                match v {
                    Scalar::Int(n) => *slot = Some(n),
                    // A float is compared by the full path.
                    Scalar::Num => return None,
                    _ => {}
                }
                return Some(());
            }
            _ => return Some(()),
        };
        match v {
            Scalar::Str(s) => *text = Some(s),
            Scalar::Null => {}
            // `Inst::from_json` prints other values of a member as compact JSON; so does
            // this, for integers and (small) arrays. Anything else, and an id that is not
            // a string, takes the full path.
            Scalar::Int(n) if !matches!(field, Field::Id) => {
                *text = Some(Cow::Owned(n.to_string()));
            }
            Scalar::Array(raw) if !matches!(field, Field::Id) => {
                let v: serde_json::Value = serde_json::from_str(raw).ok()?;
                *text = Some(Cow::Owned(v.to_string()));
            }
            _ => return None,
        }
        Some(())
    }
}

fn number(n: i128) -> Option<Number> {
    if let Ok(v) = u64::try_from(n) {
        Some(Number::from(v))
    } else {
        i64::try_from(n).ok().map(Number::from)
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z` with a real date and time: a strict subset of what
/// jsonschema's `date-time` format accepts (no offsets, no lowercase, no leap second).
fn date_time_ok(s: &[u8]) -> bool {
    let Some(([y, mo, d, h, mi, sec], _)) = crate::base::time::utc_fields(s) else {
        return false;
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    d >= 1 && d <= days && h <= 23 && mi <= 59 && sec <= 59
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn desc() -> &'static Desc {
        crate::contract::Contract::embedded().desc()
    }

    fn shape() -> Shape {
        let c = crate::contract::Contract::embedded();
        Shape::compile(c.response_schema(), c.desc())
            .expect("the committed schema is in the fast path's subset")
    }

    #[test]
    fn the_committed_schema_compiles() {
        let s = shape();
        assert!(matches!(s.nodes[s.root], Node::Typed { .. }));
    }

    #[test]
    fn unknown_keywords_keep_the_full_path() {
        for schema in [
            json!({"type": "object", "minProperties": 1}),
            json!({"type": "object", "additionalProperties": false}),
            json!({"type": "string", "format": "email"}),
            json!({"type": "string", "pattern": "^a.b$"}),
            json!({"type": "string", "pattern": "^\\w+$"}),
            json!({"type": ["string", "integer"]}),
            json!({"type": "number"}),
            json!({"$ref": "https://example.com/x"}),
            json!({"type": "integer", "enum": [1.0]}),
            json!({"properties": {"a": {"type": "string", "$id": "x"}}, "type": "object"}),
            // A resource in an unused definition can take over the root's URI.
            json!({"type": "object", "properties": {"a": {"$ref": "#/$defs/x"}},
                   "$defs": {"x": {"type": "integer"},
                             "o": {"$id": "urn:o", "$defs": {"s": {"$id": "json-schema:///"}}}}}),
            // Patterns the two engines read differently.
            json!({"type": "string", "pattern": "^[[:digit:]]+$"}),
            json!({"type": "string", "pattern": "^[a[b]]$"}),
            json!({"type": "string", "pattern": "a++a"}),
            json!({"type": "string", "pattern": "xa{1, 2}y"}),
            json!({"type": "string", "pattern": "xa{2}{2}y"}),
            json!({"type": "string", "pattern": "(?i)abc"}),
            json!({"type": "string", "pattern": "[a--b]"}),
            json!({"type": "string", "pattern": "a{x}"}),
            json!({"type": "string", "pattern": "}"}),
            json!({"type": "string", "pattern": "*a"}),
        ] {
            assert!(Shape::compile(&schema, desc()).is_none(), "{schema}");
        }
    }

    #[test]
    fn plain_patterns_compile() {
        for p in [
            "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$",
            "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
            "^[a-z\\d_-]{1,64}$",
            "a+?b*c??d{2,}?",
        ] {
            assert!(plain_regex(p).is_some(), "{p}");
        }
        let r = plain_regex("^[a-z\\d]+$").unwrap();
        assert!(r.is_match("ab12") && !r.is_match("a.b") && !r.is_match("ab٣"));
    }

    #[test]
    fn date_time_subset() {
        for ok in [
            "2024-02-29T23:59:59Z",
            "2024-01-01T00:00:00.5Z",
            "2000-02-29T00:00:00Z",
        ] {
            assert!(date_time_ok(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T23:59:60Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+08:00",
            "2024-01-01t00:00:00Z",
            "2024-13-01T00:00:00Z",
        ] {
            assert!(!date_time_ok(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn reads_what_the_full_path_reads() {
        let body = json!({"instance_num": 2, "instances": [
            {"instance_id": "a", "name": "x\"y\u{4e2d}", "status": "RUNNING", "created_at": "2024-01-02T00:00:00Z",
             "used_memory": 5, "max_memory": 4},
            {"instance_id": "b", "name": null, "extra": {"k": [1, 2.5, null]}}
        ]});
        let text = serde_json::to_vec(&body).unwrap();
        let any = Shape::compile(&json!({}), desc()).unwrap();
        let view = any.read_list(&text).expect("anything goes");
        assert_eq!(view, ListView::from_value(&body, desc()));
        assert_eq!(view.bounds, vec![(0, 0, 5, 4)]);
    }

    #[test]
    fn gives_up_on_what_the_full_path_must_explain() {
        let any = Shape::compile(&json!({}), desc()).unwrap();
        for bad in [
            &br#"{"a":1,"a":2}"#[..],
            br#"{"instances":[{"instance_id":"a","x":1,"x":1}]}"#,
            br#"{"a":01}"#,
            br#"{"a":1e400}"#,
            br#"{"a":"\ud800"}"#,
            br#"{"a":"tab	here"}"#,
            br#"{"a":1} x"#,
            br#"{"a":[1,]}"#,
            br#"{"a" 1}"#,
            b"{\"a\":\"\xff\"}",
            br#"{"instances":[{"name":"no id"}]}"#,
            br#"{"instances":[{"instance_id":7}]}"#,
            br#"{"instances":[{"instance_id":"a","used_memory":1.5}]}"#,
            br#"{"instance_num":-0}"#,
        ] {
            assert!(
                any.read_list(bad).is_none(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let mut deep = vec![b'['; 200];
        deep.extend(vec![b']'; 200]);
        assert!(any.read_list(&deep).is_none());
    }

    #[test]
    fn plain_runs_end_at_the_first_special_byte() {
        let text = b"abcdefghijklmnop\"qrstuvwxyz";
        for special in [b'"', b'\\', b'\n', 0x00, 0x1f] {
            for at in 0..text.len() {
                let mut t = text.to_vec();
                t[16] = b'x';
                t[at] = special;
                // Bytes >= 0x80 (UTF-8) and 0x20 next to the special byte are plain.
                if at > 0 {
                    t[at - 1] = 0xe4;
                }
                if at + 1 < t.len() {
                    t[at + 1] = b' ';
                }
                for from in 0..=at {
                    assert_eq!(plain_run(&t, from), at, "{special:#x} at {at} from {from}");
                }
            }
            assert_eq!(plain_run(b"plain text, no end", 3), 18);
        }
    }

    #[test]
    fn escaped_keys_are_the_same_keys() {
        let any = Shape::compile(&json!({}), desc()).unwrap();
        assert!(any.read_list(br#"{"a":1,"\u0061":2}"#).is_none());
        let view = any
            .read_list(br#"{"instances":[{"instance_\u0069d":"z"}]}"#)
            .unwrap();
        assert_eq!(view.instances.unwrap()[0].id(), "z");
    }
}
