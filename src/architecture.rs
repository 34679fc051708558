//! The crate's own shape, as tests: the import graph of `src/` read from the source
//! text (every path that starts at the crate root, `crate::`, or at the file's own
//! module, `super::` and `self::`, in `use` lines and in code), with each file a node.
//! Three rules hold:
//!
//! - no import cycle between files, the mock's own files included;
//! - the driving stages import only downwards, in the order of [`LAYERS`];
//! - no edge of [`FORBIDDEN`]: the mock and the checks each implement the rules on
//!   their own.
//!
//! `cargo test --lib architecture -- --ignored --nocapture` prints the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The top-level modules from the bottom up; a module may import its own layer or one
/// below. The pipeline reads upwards: case files → plan → exec → check → outcome →
/// (waivers, snapshots) → report, driven by the runner and the commands; the
/// foundation (`base`, the contract, diagnostics, secrets) sits below every stage, and
/// the independent mock and deriver beside the contract.
const LAYERS: &[&[&str]] = &[
    &["atomic", "diag", "exit", "json", "secret", "base"],
    &["auth", "contract"],
    &["derive", "mock"],
    &["case", "select", "workspace"],
    &["plan"],
    &["exec"],
    &["check"],
    &["outcome"],
    &["waiver", "snapshot"],
    &["report"],
    &["runner", "fuzz"],
    &["record", "selfcheck"],
    &["cli"],
    &["architecture", "lib", "main"],
];

/// Edges that must never exist, whatever the layers allow, with the reason: (from, to),
/// each a module and everything below it.
const FORBIDDEN: &[(&str, &str, &str)] = &[
    (
        "check",
        "mock",
        "the checks judge the mock: sharing its code would pass it by construction",
    ),
    (
        "mock",
        "check",
        "the mock implements the rules on its own, not with the checks' code",
    ),
    (
        "mock",
        "contract::query",
        "the mock reads a query its own way, not with the contract's reading of it",
    ),
];

/// Import cycles that exist and are being removed. An entry whose cycle is gone fails
/// the test, so the list only ever shrinks.
const KNOWN_CYCLES: &[&str] = &[];

/// The import graph: module (`report::terminal`, `` for lib.rs) → module it names → the
/// first place it does (`src/x.rs:LINE`).
type Graph = BTreeMap<String, BTreeMap<String, String>>;

/// The module a file defines: `report/terminal.rs` → `report::terminal`, `lib.rs` → ``.
fn module_of(rel: &Path) -> String {
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        // main.rs is the binary's root, not the library's: keep it apart.
        if parts.len() == 1 && parts[0] == "main" {
            return "main".into();
        }
        parts.pop();
    }
    parts.join("::")
}

/// The text without `#[cfg(test)] mod NAME { ... }` blocks (tests may reach anywhere).
fn strip_test_modules(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        let after = rest[at + "#[cfg(test)]".len()..].trim_start();
        let is_mod = after
            .strip_prefix("mod ")
            .or_else(|| after.strip_prefix("pub(crate) mod "))
            .and_then(|m| {
                let name_end = m.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
                m[name_end..].trim_start().starts_with('{').then_some(())
            })
            .is_some();
        if !is_mod {
            out.push_str(&rest[..at + 1]);
            rest = &rest[at + 1..];
            continue;
        }
        out.push_str(&rest[..at]);
        let open = at + rest[at..].find('{').expect("checked above");
        let mut depth = 0usize;
        let mut end = rest.len();
        for (i, c) in rest[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every module path named in `text`, the text of `module`, with its byte offset, from
/// the crate root: `crate::a::b::Item` as `a::b::Item`, `super::c` and `self::d`
/// relative to `module` (`super::super::` climbs twice), and in groups (`{a::b, c::{d,
/// e}}`) each member with its prefix.
fn module_paths(text: &str, module: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("::") {
        let colons = from + i;
        from = colons + 2;
        let word_start = text[..colons]
            .rfind(|c: char| !is_ident(c))
            .map_or(0, |p| p + 1);
        let word = &text[word_start..colons];
        // A path's first word, not a later one (`a::super` is no path of ours).
        if text[..word_start].ends_with("::") {
            continue;
        }
        let base: Vec<&str> = match word {
            "crate" => Vec::new(),
            "self" => module.split("::").filter(|s| !s.is_empty()).collect(),
            "super" => {
                let mut base: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
                base.pop();
                let mut pos = from;
                while text[pos..].starts_with("super::") {
                    base.pop();
                    pos += "super::".len();
                }
                from = pos;
                base
            }
            _ => continue,
        };
        let before = out.len();
        paths_at(text, from, base.join("::"), word_start, &mut out);
        // `use super::*;` names the module itself.
        if out.len() == before && !base.is_empty() {
            out.push((word_start, base.join("::")));
        }
    }
    out
}

/// Reads a path starting at `pos` under `prefix`; a group (`{...}`) is read member by
/// member, and the path before it counts too (as in `a::{self, b}`).
fn paths_at(
    text: &str,
    mut pos: usize,
    mut path: String,
    at: usize,
    out: &mut Vec<(usize, String)>,
) {
    loop {
        let rest = &text[pos..];
        if rest.starts_with('{') {
            let mut depth = 0usize;
            let mut start = pos + 1;
            for (i, c) in rest.char_indices() {
                let end = match c {
                    '{' => {
                        depth += 1;
                        None
                    }
                    '}' => {
                        depth -= 1;
                        (depth == 0).then_some(pos + i)
                    }
                    ',' if depth == 1 => Some(pos + i),
                    _ => None,
                };
                if let Some(end) = end {
                    let member = &text[start..end];
                    let trimmed = member.trim_start();
                    if !trimmed.is_empty() && !trimmed.starts_with("self") {
                        let from = start + member.len() - trimmed.len();
                        paths_at(text, from, path.clone(), at, out);
                    }
                    start = end + 1;
                    if depth == 0 {
                        break;
                    }
                }
            }
            break;
        }
        let len = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        if len == 0 {
            break;
        }
        if !path.is_empty() {
            path.push_str("::");
        }
        path.push_str(&rest[..len]);
        pos += len;
        if text[pos..].starts_with("::") {
            pos += 2;
        } else {
            break;
        }
    }
    if !path.is_empty() {
        out.push((at, path));
    }
}

/// The module a path names: its longest prefix that is a file of the crate.
fn resolve<'a>(path: &str, modules: &'a BTreeSet<String>) -> Option<&'a String> {
    let segs: Vec<&str> = path.split("::").collect();
    (1..=segs.len())
        .rev()
        .find_map(|k| modules.get(&segs[..k].join("::")))
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&src).sort_by_file_name() {
        let entry = entry.expect("src/ is readable");
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(&src).expect("below src/");
            let text = std::fs::read_to_string(path).expect("a source file is readable");
            files.insert(
                module_of(rel),
                (format!("src/{}", rel.display()), strip_test_modules(&text)),
            );
        }
    }
    graph_of(&files)
}

/// The graph of `files`: module → (where it is, its text without test modules).
fn graph_of(files: &BTreeMap<String, (String, String)>) -> Graph {
    let modules: BTreeSet<String> = files.keys().cloned().collect();
    let mut graph = Graph::new();
    for (module, (file, text)) in files {
        let edges = graph.entry(module.clone()).or_default();
        for (at, path) in module_paths(text, module) {
            let Some(target) = resolve(&path, &modules) else {
                continue;
            };
            if target == module || target.is_empty() {
                continue;
            }
            let line = text[..at].matches('\n').count() + 1;
            edges
                .entry(target.clone())
                .or_insert_with(|| format!("{file}:{line}"));
        }
    }
    graph
}

/// Whether `module` is `prefix` or below it.
fn within(module: &str, prefix: &str) -> bool {
    module == prefix
        || module
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with("::"))
}

/// The strongly connected components with more than one module (Tarjan).
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct Tarjan<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<Vec<String>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, v: &'g str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            let graph = self.graph;
            for w in graph[v].keys() {
                let w = w.as_str();
                if !graph.contains_key(w) {
                    continue;
                }
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(lw);
                } else if self.on_stack.contains(w) {
                    let iw = self.index[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut t = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            t.visit(v);
        }
    }
    t.found.sort();
    t.found
}

fn layer_of(module: &str) -> Option<usize> {
    let top = module.split("::").next().unwrap_or(module);
    let top = if top.is_empty() { "lib" } else { top };
    LAYERS.iter().position(|l| l.contains(&top))
}

#[test]
fn no_import_cycle() {
    let graph = graph();
    let found = cycles(&graph);
    let mut problems = Vec::new();
    for c in &found {
        let name = c.join(" ");
        if KNOWN_CYCLES.contains(&name.as_str()) {
            continue;
        }
        problems.push(format!("import cycle: {name}"));
        for from in c {
            for (to, at) in &graph[from] {
                if c.contains(to) {
                    problems.push(format!("  {from} -> {to}  ({at})"));
                }
            }
        }
    }
    for known in KNOWN_CYCLES {
        if !found.iter().any(|c| c.join(" ") == *known) {
            problems.push(format!(
                "the known cycle `{known}` is gone: remove it from KNOWN_CYCLES"
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn stages_import_only_downwards() {
    let graph = graph();
    let mut problems = Vec::new();
    for (from, edges) in &graph {
        let Some(lf) = layer_of(from) else {
            problems.push(format!("`{from}` is in no layer: add it to LAYERS"));
            continue;
        };
        for (to, at) in edges {
            match layer_of(to) {
                Some(lt) if lt > lf => {
                    problems.push(format!("{from} imports {to}, a stage above it ({at})"));
                }
                _ => {}
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn no_forbidden_edge() {
    let graph = graph();
    let mut problems = Vec::new();
    for (from, edges) in &graph {
        for (to, at) in edges {
            for (a, b, why) in FORBIDDEN {
                if within(from, a) && within(to, b) {
                    problems.push(format!("{from} imports {to} ({at}): {why}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

/// A cycle made of `super::` paths is found like one made of `crate::` paths.
#[test]
fn a_cycle_through_super_paths_fails() {
    let files: BTreeMap<String, (String, String)> = [
        ("x", "pub mod a;\npub mod b;\n"),
        ("x::a", "use super::b::Thing;\n"),
        ("x::b", "pub fn f() { super::a::g() }\n"),
        ("y", "use self::inner::Z;\n"),
        ("y::inner", "use super::super::x::*;\n"),
    ]
    .into_iter()
    .map(|(m, t)| (m.to_string(), (format!("{m}.rs"), t.to_string())))
    .collect();
    let graph = graph_of(&files);
    assert_eq!(cycles(&graph), [["x::a".to_string(), "x::b".to_string()]]);
    assert!(
        graph["y"].contains_key("y::inner"),
        "self:: is the module itself"
    );
    assert!(
        graph["y::inner"].contains_key("x"),
        "super::super:: climbs twice"
    );
}

#[test]
fn the_reader_finds_paths_in_use_lines_groups_and_code() {
    let text = "use std::x;\nuse crate::a::{b::C, d, self};\nuse crate::{e, f::{g, h}};\nlet v = crate::i::j(1);\nlet w = my_crate::k;\n";
    let paths: Vec<String> = module_paths(text, "z")
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    assert_eq!(
        paths,
        ["a::b::C", "a::d", "a", "e", "f::g", "f::h", "f", "i::j"]
    );
    let relative: Vec<String> = module_paths("use super::{p, q::R};\nself::s::t();\n", "m::n")
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    assert_eq!(relative, ["m::p", "m::q::R", "m", "m::n::s::t"]);
    let stripped =
        strip_test_modules("a\n#[cfg(test)]\nmod tests {\n  fn x() { crate::z(); }\n}\nb");
    assert_eq!(stripped, "a\n\nb");
    let modules: BTreeSet<String> = ["a".to_string(), "a::b".to_string()].into();
    assert_eq!(
        resolve("a::b::C", &modules).map(String::as_str),
        Some("a::b")
    );
    assert_eq!(resolve("a::d", &modules).map(String::as_str), Some("a"));
    // A cycle is found, the mock's own files included.
    let mut g = Graph::new();
    for (from, to) in [
        ("x", "y"),
        ("y", "x"),
        ("mock::a", "mock::b"),
        ("mock::b", "mock::a"),
    ] {
        g.entry(from.to_string())
            .or_default()
            .insert(to.to_string(), String::new());
    }
    assert_eq!(
        cycles(&g),
        [
            ["mock::a".to_string(), "mock::b".to_string()],
            ["x".to_string(), "y".to_string()]
        ]
    );
}

/// Prints the import graph, module by module (`-- --ignored --nocapture`).
#[test]
#[ignore = "prints the import graph; run on demand"]
fn print_import_graph() {
    for (from, edges) in graph() {
        let from = if from.is_empty() { "lib" } else { &from };
        let to: Vec<&str> = edges.keys().map(String::as_str).collect();
        println!("{from} -> {}", to.join(" "));
    }
}
