//! The workspace: a folder whose `conform.toml` names its contracts, each with its
//! description, its cases and its snapshots. `--contract NAME|FILE|all` and the
//! `--cases`/`--snapshot-dir` overrides are resolved here, once, for every command, into
//! the list of [`Selected`] contracts the command works on.
//!
//! conform looks for `conform.toml` in the current folder, then in each folder above it
//! (as cargo looks for `Cargo.toml`); paths in it are relative to its folder. `conform
//! init` writes the shipped workspace ([`shipped`]) into a folder.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The manifest's file name.
pub const MANIFEST: &str = "conform.toml";

/// `--contract all`: every contract of the workspace, in the manifest's order.
pub const ALL: &str = "all";

/// One contract of the workspace, its paths joined to the workspace's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub description: PathBuf,
    pub cases: PathBuf,
    pub snapshots: PathBuf,
}

/// A contract a command works on: its name in reports, its description (`None`: the
/// contract built into conform), its cases and its snapshots (`None`: not compared).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    pub name: String,
    pub description: Option<PathBuf>,
    pub cases: PathBuf,
    pub snapshots: Option<PathBuf>,
}

/// What the options asked for, before it is resolved.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ask<'a> {
    /// `--contract`: a name, a `*.contract.toml` path or `all`.
    pub contract: Option<&'a Path>,
    /// `--cases`, overriding the contract's.
    pub cases: Option<&'a Path>,
    /// `--snapshot-dir`, overriding the contract's.
    pub snapshots: Option<&'a Path>,
    /// The command takes several contracts (`all`, the default when no override is given).
    pub many: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    #[serde(default)]
    contract: Vec<RawEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    name: String,
    description: PathBuf,
    cases: PathBuf,
    snapshots: PathBuf,
}

/// The workspace found from a folder.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The manifest, as a path from the folder it was looked for from.
    pub manifest: PathBuf,
    pub contracts: Vec<Entry>,
}

/// Why the options do not name a contract to work on.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("{}: {message}", .path.display())]
    Manifest { path: PathBuf, message: String },
    #[error("no {MANIFEST} in this folder or any folder above it, so no contract is named here\n  = hint: `conform init` writes the shipped contracts, cases and snapshots into this folder; or give --cases DIR (checked against the built-in v1.0 contract)")]
    NoWorkspace,
    #[error("no contract `{name}` in {}: it names {}{}", .manifest.display(), .known.join(", "), did_you_mean(.name, .known))]
    Unknown {
        name: String,
        manifest: PathBuf,
        known: Vec<String>,
    },
    #[error("--contract {0} names a file that does not exist")]
    NoFile(PathBuf),
    #[error("--contract all runs every contract with its own folders; {0} names one contract's\n  = hint: give the contract too: --contract NAME {0} DIR")]
    OverrideForAll(&'static str),
    #[error("{} is not a contract of {}, so it has no cases folder\n  = hint: give its cases: --contract {} --cases DIR", .file.display(), .manifest, .file.display())]
    NoCases { file: PathBuf, manifest: String },
}

fn did_you_mean(name: &str, known: &[String]) -> String {
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    crate::diag::did_you_mean(name, &known)
        .map(|k| format!("\n  = hint: did you mean `--contract {k}`?"))
        .unwrap_or_default()
}

impl Workspace {
    /// The workspace whose manifest is in `from` or the nearest folder above it.
    pub fn find(from: &Path) -> Result<Option<Workspace>, WorkspaceError> {
        let start = std::fs::canonicalize(from).unwrap_or_else(|_| from.to_path_buf());
        let mut up = PathBuf::new();
        for dir in start.ancestors() {
            if dir.join(MANIFEST).is_file() {
                let root = if from == Path::new(".") {
                    up
                } else {
                    from.join(&up)
                };
                return Workspace::load(&root).map(Some);
            }
            up.push("..");
        }
        Ok(None)
    }

    /// The workspace of the manifest in `root` (paths in it joined to `root`; a `root` of
    /// `.` is dropped, so that paths read as the user would type them).
    pub fn load(root: &Path) -> Result<Workspace, WorkspaceError> {
        let manifest = join(root, Path::new(MANIFEST));
        let text = std::fs::read_to_string(&manifest).map_err(|e| WorkspaceError::Manifest {
            path: manifest.clone(),
            message: e.to_string(),
        })?;
        Workspace::parse(root, &manifest, &text)
    }

    fn parse(root: &Path, manifest: &Path, text: &str) -> Result<Workspace, WorkspaceError> {
        let bad = |message: String| WorkspaceError::Manifest {
            path: manifest.to_path_buf(),
            message,
        };
        let raw: Manifest = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        if raw.contract.is_empty() {
            return Err(bad(
                "names no contract (`[[contract]]` with name, description, cases, snapshots)"
                    .into(),
            ));
        }
        let mut contracts: Vec<Entry> = Vec::new();
        for c in raw.contract {
            if c.name == ALL
                || c.name.is_empty()
                || std::path::Path::new(&c.name)
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
            {
                return Err(bad(format!(
                    "`{}` cannot name a contract (it would read as --contract {})",
                    c.name,
                    if c.name == ALL { "all" } else { "a file" }
                )));
            }
            if contracts.iter().any(|e| e.name == c.name) {
                return Err(bad(format!("two contracts are named `{}`", c.name)));
            }
            contracts.push(Entry {
                name: c.name,
                description: join(root, &c.description),
                cases: join(root, &c.cases),
                snapshots: join(root, &c.snapshots),
            });
        }
        Ok(Workspace {
            manifest: manifest.to_path_buf(),
            contracts,
        })
    }

    fn names(&self) -> Vec<String> {
        self.contracts.iter().map(|e| e.name.clone()).collect()
    }

    /// The entry whose description is `file` (the same file, however it is spelled).
    fn by_file(&self, file: &Path) -> Option<&Entry> {
        let want = std::fs::canonicalize(file).ok()?;
        self.contracts
            .iter()
            .find(|e| std::fs::canonicalize(&e.description).ok().as_ref() == Some(&want))
    }
}

fn join(root: &Path, p: &Path) -> PathBuf {
    if root.as_os_str().is_empty() || root == Path::new(".") {
        p.to_path_buf()
    } else {
        root.join(p)
    }
}

impl Entry {
    fn select(&self, ask: &Ask<'_>) -> Selected {
        Selected {
            name: self.name.clone(),
            description: Some(self.description.clone()),
            cases: ask
                .cases
                .map_or_else(|| self.cases.clone(), Path::to_path_buf),
            snapshots: Some(
                ask.snapshots
                    .map_or_else(|| self.snapshots.clone(), Path::to_path_buf),
            ),
        }
    }
}

/// Whether a `--contract` value is a file path rather than a name.
fn is_file_like(v: &Path) -> bool {
    v.extension().is_some_and(|e| e == "toml") || v.components().count() > 1
}

/// The contracts `ask` names, in the workspace found from the current folder.
pub fn resolve(ask: Ask<'_>) -> Result<Vec<Selected>, WorkspaceError> {
    let ws = Workspace::find(Path::new("."))?;
    resolve_in(ws.as_ref(), ask)
}

/// The contracts `ask` names in `ws` (`None`: outside any workspace).
///
/// - a name: that contract, with `--cases` and `--snapshot-dir` overriding its folders;
/// - a file: the workspace's contract with that description, or a contract of its own
///   whose cases `--cases` must give (snapshots only with `--snapshot-dir`);
/// - `all`, or nothing when the command takes several and no folder is overridden: every
///   contract of the workspace;
/// - nothing otherwise: the workspace's first contract (the folders given override its).
///
/// Outside a workspace only a file or the built-in contract with `--cases` work.
pub fn resolve_in(ws: Option<&Workspace>, ask: Ask<'_>) -> Result<Vec<Selected>, WorkspaceError> {
    let overridden = if ask.cases.is_some() {
        Some("--cases")
    } else if ask.snapshots.is_some() {
        Some("--snapshot-dir")
    } else {
        None
    };
    let value = ask.contract.filter(|v| *v != Path::new(ALL));
    let all = ask.contract.is_some_and(|v| v == Path::new(ALL))
        || (value.is_none() && ask.many && overridden.is_none());
    if all {
        if let Some(flag) = overridden {
            return Err(WorkspaceError::OverrideForAll(flag));
        }
        let ws = ws.ok_or(WorkspaceError::NoWorkspace)?;
        return Ok(ws.contracts.iter().map(|e| e.select(&ask)).collect());
    }
    let Some(value) = value else {
        // One contract, none named: the workspace's first; outside one, the built-in
        // contract with the cases given.
        return match (ws, ask.cases) {
            (Some(ws), _) => Ok(vec![ws.contracts[0].select(&ask)]),
            (None, Some(cases)) => Ok(vec![Selected {
                name: "v1.0".into(),
                description: None,
                cases: cases.to_path_buf(),
                snapshots: ask.snapshots.map(Path::to_path_buf),
            }]),
            (None, None) => Err(WorkspaceError::NoWorkspace),
        };
    };
    if let Some(e) = ws.and_then(|ws| ws.contracts.iter().find(|e| Path::new(&e.name) == value)) {
        return Ok(vec![e.select(&ask)]);
    }
    if !is_file_like(value) && !value.is_file() {
        let ws = ws.ok_or(WorkspaceError::NoWorkspace)?;
        return Err(WorkspaceError::Unknown {
            name: value.display().to_string(),
            manifest: ws.manifest.clone(),
            known: ws.names(),
        });
    }
    if !value.is_file() {
        return Err(WorkspaceError::NoFile(value.to_path_buf()));
    }
    if let Some(e) = ws.and_then(|ws| ws.by_file(value)) {
        return Ok(vec![e.select(&ask)]);
    }
    let Some(cases) = ask.cases else {
        return Err(WorkspaceError::NoCases {
            file: value.to_path_buf(),
            manifest: ws.map_or_else(
                || "any workspace".to_string(),
                |w| w.manifest.display().to_string(),
            ),
        });
    };
    let name = value
        .file_name()
        .map(|n| {
            n.to_string_lossy()
                .trim_end_matches(".contract.toml")
                .to_string()
        })
        .unwrap_or_default();
    Ok(vec![Selected {
        name,
        description: Some(value.to_path_buf()),
        cases: cases.to_path_buf(),
        snapshots: ask.snapshots.map(Path::to_path_buf),
    }])
}

/// The shipped workspace, embedded in the binary: what `conform init` writes.
pub mod shipped {
    use include_dir::{include_dir, Dir};

    pub static MANIFEST: &str = include_str!("../conform.toml");
    pub static SCHEMAS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/schemas");
    pub static CASES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/cases");
    pub static SNAPSHOTS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/snapshots");

    /// Every shipped file, as (path in the workspace, contents), in a stable order.
    /// Pending snapshots (`*.snap.new`) a build may have found in the tree are left out.
    pub fn files() -> Vec<(String, &'static [u8])> {
        let mut out = vec![(super::MANIFEST.to_string(), MANIFEST.as_bytes())];
        for (root, dir) in [
            ("schemas", &SCHEMAS),
            ("cases", &CASES),
            ("snapshots", &SNAPSHOTS),
        ] {
            collect(root, dir, &mut out);
        }
        out.sort();
        out
    }

    fn collect(root: &str, dir: &'static Dir<'static>, out: &mut Vec<(String, &'static [u8])>) {
        for f in dir.files() {
            let path = f.path().to_string_lossy().replace('\\', "/");
            if path.ends_with(".snap.new") {
                continue;
            }
            out.push((format!("{root}/{path}"), f.contents()));
        }
        for d in dir.dirs() {
            collect(root, d, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws() -> Workspace {
        Workspace::parse(
            Path::new(""),
            Path::new(MANIFEST),
            r#"
[[contract]]
name = "v1.0"
description = "schemas/v1.0/list-instances.contract.toml"
cases = "cases/v1.0"
snapshots = "snapshots/v1.0"

[[contract]]
name = "v2"
description = "schemas/v2/list-instances.contract.toml"
cases = "cases/v2"
snapshots = "snapshots/v2"
"#,
        )
        .unwrap()
    }

    fn ask(contract: Option<&str>, many: bool) -> Ask<'_> {
        Ask {
            contract: contract.map(Path::new),
            cases: None,
            snapshots: None,
            many,
        }
    }

    fn names(s: &[Selected]) -> Vec<&str> {
        s.iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn names_all_and_the_default_select_contracts_with_their_folders() {
        let ws = ws();
        assert_eq!(
            names(&resolve_in(Some(&ws), ask(None, true)).unwrap()),
            ["v1.0", "v2"]
        );
        assert_eq!(
            names(&resolve_in(Some(&ws), ask(Some("all"), false)).unwrap()),
            ["v1.0", "v2"]
        );
        assert_eq!(
            names(&resolve_in(Some(&ws), ask(None, false)).unwrap()),
            ["v1.0"]
        );
        let v2 = resolve_in(Some(&ws), ask(Some("v2"), true)).unwrap();
        assert_eq!(
            v2,
            [Selected {
                name: "v2".into(),
                description: Some("schemas/v2/list-instances.contract.toml".into()),
                cases: "cases/v2".into(),
                snapshots: Some("snapshots/v2".into()),
            }]
        );
    }

    #[test]
    fn an_override_picks_one_contract_and_is_refused_with_all() {
        let ws = ws();
        let mut a = ask(None, true);
        a.cases = Some(Path::new("tests/fixtures/x"));
        let one = resolve_in(Some(&ws), a).unwrap();
        assert_eq!(names(&one), ["v1.0"]);
        assert_eq!(one[0].cases, Path::new("tests/fixtures/x"));
        assert_eq!(
            one[0].snapshots.as_deref(),
            Some(Path::new("snapshots/v1.0"))
        );
        a.contract = Some(Path::new("all"));
        let e = resolve_in(Some(&ws), a).unwrap_err().to_string();
        assert!(
            e.contains("--contract all runs every contract") && e.contains("--cases"),
            "{e}"
        );
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones_and_a_near_miss() {
        let e = resolve_in(Some(&ws()), ask(Some("V2"), true))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("no contract `V2` in conform.toml: it names v1.0, v2"),
            "{e}"
        );
        assert!(e.contains("did you mean `--contract v2`?"), "{e}");
        let e = resolve_in(Some(&ws()), ask(Some("v3.contract.toml"), true)).unwrap_err();
        assert!(matches!(e, WorkspaceError::NoFile(_)), "{e}");
    }

    #[test]
    fn outside_a_workspace_only_cases_given_or_a_file_work() {
        let e = resolve_in(None, ask(None, true)).unwrap_err().to_string();
        assert!(e.contains("`conform init`"), "{e}");
        let mut a = ask(None, true);
        a.cases = Some(Path::new("c"));
        let one = resolve_in(None, a).unwrap();
        assert_eq!(one[0].description, None);
        assert_eq!(one[0].snapshots, None);
        // A description file of no workspace needs its cases.
        let file = "schemas/v2/list-instances.contract.toml";
        let e = resolve_in(None, ask(Some(file), false))
            .unwrap_err()
            .to_string();
        assert!(e.contains("--cases DIR"), "{e}");
        let mut a = ask(Some(file), false);
        a.cases = Some(Path::new("cases/v2"));
        let one = resolve_in(None, a).unwrap();
        assert_eq!(one[0].name, "list-instances");
        assert_eq!(one[0].snapshots, None);
    }

    #[test]
    fn a_file_of_the_workspace_is_that_contract() {
        let one = resolve_in(
            Some(&ws()),
            ask(Some("./schemas/v2/list-instances.contract.toml"), false),
        )
        .unwrap();
        assert_eq!(names(&one), ["v2"]);
        assert_eq!(one[0].cases, Path::new("cases/v2"));
    }

    #[test]
    fn a_broken_manifest_is_located() {
        for (text, says) in [
            ("[[contract]]\nname = \"all\"\ndescription = \"a\"\ncases = \"b\"\nsnapshots = \"c\"\n", "`all` cannot name a contract"),
            ("", "names no contract"),
            ("[[contract]]\nname = \"x\"\n", "missing field `description`"),
            ("[[contract]]\nname = \"x\"\ndescription = \"a\"\ncases = \"b\"\nsnapshots = \"c\"\n[[contract]]\nname = \"x\"\ndescription = \"a\"\ncases = \"b\"\nsnapshots = \"c\"\n", "two contracts are named `x`"),
        ] {
            let e = Workspace::parse(Path::new(""), Path::new("w/conform.toml"), text)
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("w/conform.toml: ") && e.contains(says), "{e}");
        }
    }

    #[test]
    fn the_shipped_workspace_is_the_repository_s() {
        let files = shipped::files();
        let ws = Workspace::load(Path::new("")).unwrap();
        for e in &ws.contracts {
            let d = e.description.to_string_lossy().replace('\\', "/");
            assert!(files.iter().any(|(p, _)| *p == d), "{d} is shipped");
        }
        assert!(files.iter().all(|(p, _)| !p.ends_with(".snap.new")));
        let on_disk = std::fs::read("cases/v2/ip/part-of-an-address.toml").unwrap();
        let shipped = files
            .iter()
            .find(|(p, _)| p == "cases/v2/ip/part-of-an-address.toml")
            .map(|(_, c)| *c);
        assert_eq!(shipped, Some(on_disk.as_slice()));
    }
}
