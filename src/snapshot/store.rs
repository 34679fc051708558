//! Snapshot files on disk: insta's `.snap` format, atomic writes, and listing.
//!
//! A file is a small YAML header between `---` lines (`source`, `description`,
//! `expression`, quoted exactly as insta's own emitter quotes them, so `cargo insta
//! review` can accept a pending file without rewriting its header), then the body and one
//! final newline. Accepted snapshots are `<case>.snap`; pending ones `<case>.snap.new`.
//! Every write goes to a temporary file in the same folder that is then renamed over the
//! target, so an interrupted run leaves each file either old or new, never half-written.

use std::path::{Path, PathBuf};

/// One snapshot: where it comes from, and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapFile {
    /// The case file, e.g. `cases/name/exact-name.toml`.
    pub source: String,
    pub description: String,
    /// The case name, e.g. `name/exact-name`.
    pub expression: String,
    /// The body, without trailing whitespace (as insta compares it).
    pub body: String,
}

impl SnapFile {
    /// The file's text: header, `---`, body, one newline.
    pub fn render(&self) -> String {
        let mut out = String::from("---\n");
        for (key, value) in [
            ("source", &self.source),
            ("description", &self.description),
            ("expression", &self.expression),
        ] {
            if !value.is_empty() {
                out.push_str(key);
                out.push_str(": ");
                out.push_str(&yaml_scalar(value));
                out.push('\n');
            }
        }
        out.push_str("---\n");
        out.push_str(&normalise_body(&self.body));
        out.push('\n');
        out
    }

    /// Reads a file's text; `None` when it is not a snapshot (no header, or cut short).
    pub fn parse(text: &str) -> Option<SnapFile> {
        let rest = text.strip_prefix("---\n")?;
        let mut file = SnapFile {
            source: String::new(),
            description: String::new(),
            expression: String::new(),
            body: String::new(),
        };
        let mut lines = rest.split_inclusive('\n');
        let mut consumed = 4;
        loop {
            let line = lines.next()?;
            consumed += line.len();
            let line = line.trim_end_matches(['\n', '\r']);
            if line == "---" {
                break;
            }
            let (key, value) = line
                .split_once(": ")
                .unwrap_or((line.trim_end_matches(':'), ""));
            let value = unquote(value);
            match key {
                "source" => file.source = value,
                "description" => file.description = value,
                "expression" => file.expression = value,
                _ => {}
            }
        }
        // A complete file ends with a newline: a file cut short by a crash would not.
        if !text.ends_with('\n') {
            return None;
        }
        file.body = normalise_body(&text[consumed..]);
        Some(file)
    }
}

/// What insta compares: no trailing whitespace, LF line ends.
pub fn normalise_body(body: &str) -> String {
    body.trim_end().replace("\r\n", "\n")
}

/// A header value as insta's YAML emitter writes it: plain when that reads back as the
/// same string, double-quoted with escapes otherwise (the rules of its `need_quotes`).
fn yaml_scalar(v: &str) -> String {
    let needs_quotes = v.is_empty()
        || v.starts_with(' ')
        || v.ends_with(' ')
        || v.starts_with(['&', '*', '?', '|', '-', '<', '>', '=', '!', '%', '@'])
        || v.contains(|c: char| {
            matches!(c, ':' | '{' | '}' | '[' | ']' | ',' | '#' | '`' | '"' | '\'' | '\\'
                | '\0'..='\x06' | '\t' | '\n' | '\r' | '\x0e'..='\x1a' | '\x1c'..='\x1f')
        })
        || [
            "yes", "Yes", "YES", "no", "No", "NO", "True", "TRUE", "true", "False", "FALSE",
            "false", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
        ]
        .contains(&v)
        || v.starts_with('.')
        || v.starts_with("0x")
        || v.parse::<i64>().is_ok()
        || v.parse::<f64>().is_ok();
    if !needs_quotes {
        return v.to_string();
    }
    let mut out = String::from("\"");
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x08' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\x0c' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Reads back a header value written by [`yaml_scalar`] (or by insta).
fn unquote(v: &str) -> String {
    let Some(inner) = v.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else {
        return v.to_string();
    };
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\x08'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(c);
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// The accepted file of a case: `<dir>/<case name>.snap`.
pub fn snap_path(dir: &Path, case: &str) -> PathBuf {
    dir.join(format!("{case}.snap"))
}

/// The pending file next to an accepted one: `<case>.snap.new`.
pub fn pending_path(snap: &Path) -> PathBuf {
    let mut s = snap.as_os_str().to_owned();
    s.push(".new");
    PathBuf::from(s)
}

/// The accepted file a pending one would replace: `x.snap.new` → `x.snap`.
pub fn pending_target(pending: &Path) -> PathBuf {
    let s = pending.to_string_lossy();
    PathBuf::from(s.strip_suffix(".new").unwrap_or(&s).to_string())
}

/// Reads a snapshot file: `Ok(None)` when there is none, `Ok(Some(None))` when the file
/// exists but is not a snapshot.
pub fn read(path: &Path) -> std::io::Result<Option<Option<SnapFile>>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(SnapFile::parse(&text))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes `text` to `path` atomically: a temporary file in the same folder, flushed to
/// disk, then renamed over `path`. Readers (and a later run after a crash) see the old
/// file or the new one, never a part.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    write_atomic_with(path, text, || Ok(()))
}

/// [`write_atomic`] with a hook between writing the temporary file and renaming it, so
/// tests can fail or stall exactly there.
pub fn write_atomic_with(
    path: &Path,
    text: &str,
    before_rename: impl FnOnce() -> std::io::Result<()>,
) -> std::io::Result<()> {
    crate::atomic::write_with(
        path,
        ".conform-",
        |w| w.write_all(text.as_bytes()),
        before_rename,
    )
}

/// Removes a file if it is there.
pub fn remove_if_exists(path: &Path) -> std::io::Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Every snapshot file below `dir` (`.snap` and `.snap.new`), sorted; with the case name
/// each belongs to and whether it is pending.
pub fn list(dir: &Path) -> Vec<Listed> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        let (case, pending) = if let Some(c) = rel.strip_suffix(".snap.new") {
            (c.to_string(), true)
        } else if let Some(c) = rel.strip_suffix(".snap") {
            (c.to_string(), false)
        } else {
            continue;
        };
        out.push(Listed {
            path: entry.into_path(),
            case,
            pending,
        });
    }
    out
}

/// A snapshot file found by [`list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub path: PathBuf,
    pub case: String,
    pub pending: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(description: &str) -> SnapFile {
        SnapFile {
            source: "cases/name/exact-name.toml".into(),
            description: description.into(),
            expression: "name/exact-name".into(),
            body: "verdict: PASS\nrequests:\n  1. GET /x".into(),
        }
    }

    #[test]
    fn render_and_parse_round_trip() {
        for d in [
            "plain words",
            "a name with \"quotes\", a colon: and a # hash",
            "-starts with a dash",
            "true",
            "12",
            "名称 with unicode",
            "tab\there\\back",
        ] {
            let f = sample(d);
            let text = f.render();
            assert!(
                text.starts_with("---\nsource: cases/name/exact-name.toml\n"),
                "{text}"
            );
            assert!(text.ends_with("requests:\n  1. GET /x\n"), "{text}");
            assert_eq!(SnapFile::parse(&text), Some(f), "{d}");
        }
    }

    #[test]
    fn quoting_matches_insta() {
        assert_eq!(yaml_scalar("a b"), "a b");
        assert_eq!(yaml_scalar("a: b"), "\"a: b\"");
        assert_eq!(yaml_scalar("say \"x\""), "\"say \\\"x\\\"\"");
        assert_eq!(yaml_scalar("no"), "\"no\"");
        assert_eq!(yaml_scalar("1.5"), "\"1.5\"");
    }

    #[test]
    fn a_cut_file_is_not_a_snapshot() {
        let text = sample("d").render();
        for cut in [3, 10, 40, text.len() - 1] {
            assert_eq!(SnapFile::parse(&text[..cut]), None, "cut at {cut}");
        }
    }

    #[test]
    fn a_failure_before_the_rename_leaves_the_old_file_and_no_debris() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.snap");
        write_atomic(&path, "old\n").expect("first write");
        let err = write_atomic_with(&path, "new\n", || Err(std::io::Error::other("injected")));
        assert!(err.is_err());
        assert_eq!(std::fs::read_to_string(&path).expect("readable"), "old\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("listable")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["x.snap"]);
        write_atomic(&path, "new\n").expect("second write");
        assert_eq!(std::fs::read_to_string(&path).expect("readable"), "new\n");
    }

    #[test]
    fn listing_names_cases_and_pending_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        for f in ["a/b.snap", "a/b.snap.new", "c.snap.new", "profile.toml"] {
            write_atomic(&dir.path().join(f), "x\n").expect("write");
        }
        let got: Vec<(String, bool)> = list(dir.path())
            .into_iter()
            .map(|l| (l.case, l.pending))
            .collect();
        assert_eq!(
            got,
            [
                ("a/b".to_string(), false),
                ("a/b".to_string(), true),
                ("c".to_string(), true)
            ]
        );
    }
}
