//! `conform review`: walk the pending snapshots (`.snap.new`) and accept, reject or skip
//! each one, interactively or all at once; list them; remove orphaned snapshots.
//!
//! Interactive review reads one answer per line from standard input (`a`, `r`, `s`, `q`),
//! so it works on a terminal and from a script alike. Accepting renames the pending file
//! over the accepted one (an atomic rename in the same folder); rejecting deletes it.

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use anstyle::{AnsiColor, Style};

use super::store::{self, Listed};
use crate::exit;

/// Options of `conform review`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Without --accept-all, --reject-all or --list, each pending snapshot's diff is shown and
one answer is read per line from standard input: a (accept), A (accept this and every
remaining one), r (reject), s (skip), q (skip this and every remaining one). With
--remove-orphans alone, only orphans are removed and the pending snapshots are left for
another review. `cargo insta review` reads the same files.

Exit codes:
  0  no pending snapshot is left (all accepted or rejected, or there were none)
  1  pending snapshots remain (skipped, or listed by --list)
  2  the options or the snapshot files are wrong (nothing was changed)")]
pub struct ReviewArgs {
    /// Only this profile (a folder under --snapshot-dir); default: every profile.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// The contract whose snapshots to review: a name from conform.toml (`v1.0`, `v2`),
    /// a `*.contract.toml` file, or `all` (the default): each contract's in turn.
    #[arg(long, value_name = "NAME|FILE|all")]
    pub contract: Option<PathBuf>,
    /// Folder holding one subfolder per snapshot profile, instead of the contract's own.
    #[arg(long, value_name = "DIR")]
    pub snapshot_dir: Option<PathBuf>,
    /// Accept every pending snapshot without asking.
    #[arg(long, conflicts_with_all = ["reject_all", "list"])]
    pub accept_all: bool,
    /// Reject (delete) every pending snapshot without asking.
    #[arg(long, conflicts_with = "list")]
    pub reject_all: bool,
    /// List pending and orphaned snapshots, change nothing.
    #[arg(long)]
    pub list: bool,
    /// Also delete snapshots (accepted or pending) whose case file is gone from --cases.
    #[arg(long, conflicts_with = "list")]
    pub remove_orphans: bool,
    /// Folder of case files, to tell which snapshots are orphaned, instead of the
    /// contract's own.
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
}

impl ReviewArgs {
    /// The snapshot folder reviewed (the command sets it from the contract).
    fn snapshots(&self) -> &Path {
        self.snapshot_dir
            .as_deref()
            .unwrap_or(Path::new("snapshots"))
    }

    /// The cases folder orphans are told by (the command sets it from the contract).
    fn cases_dir(&self) -> &Path {
        self.cases.as_deref().unwrap_or(Path::new("cases"))
    }
}

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const RED: Style = AnsiColor::Red.on_default().bold();

/// Why a review cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no snapshot profile `{profile}`: {} is not a folder", .dir.display())]
    NoProfile { profile: String, dir: PathBuf },
    #[error("{} is not a folder of snapshot profiles", .0.display())]
    NoSnapshotDir(PathBuf),
    #[error("cannot read {}: {source}", .dir.display())]
    ReadDir { dir: PathBuf, source: io::Error },
    #[error("--remove-orphans needs the case files: {} is not a folder", .0.display())]
    NoCases(PathBuf),
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("cannot {action} {}: {source}", .path.display())]
    File {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
}

/// The profile folders to walk.
fn profile_dirs(args: &ReviewArgs) -> Result<Vec<PathBuf>, ReviewError> {
    if let Some(p) = &args.profile {
        let dir = args.snapshots().join(p);
        if !dir.is_dir() {
            return Err(ReviewError::NoProfile {
                profile: p.clone(),
                dir,
            });
        }
        return Ok(vec![dir]);
    }
    if !args.snapshots().is_dir() {
        return Err(ReviewError::NoSnapshotDir(args.snapshots().to_path_buf()));
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(args.snapshots())
        .map_err(|source| ReviewError::ReadDir {
            dir: args.snapshots().to_path_buf(),
            source,
        })?
        .filter_map(Result::ok)
        .map(|e| e.path())
        // A folder with a `CONTRACT` file holds another contract's snapshots (its own
        // profiles): reviewed with --snapshot-dir pointing at it, not as a profile here.
        .filter(|p| p.is_dir() && !p.join(crate::case::SUITE_MARKER).exists())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// The review itself, on any input and output (tests drive it directly).
pub fn review(
    args: &ReviewArgs,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<u8, ReviewError> {
    let dirs = profile_dirs(args)?;
    let io_err = ReviewError::Io;
    let mut pending: Vec<Listed> = Vec::new();
    let mut orphans: Vec<Listed> = Vec::new();
    for dir in &dirs {
        pending.extend(store::list(dir).into_iter().filter(|l| l.pending));
        orphans.extend(super::orphans(dir, args.cases_dir()));
    }
    if args.remove_orphans && !args.cases_dir().is_dir() {
        return Err(ReviewError::NoCases(args.cases_dir().to_path_buf()));
    }

    if args.list {
        for p in &pending {
            let kind = if store::pending_target(&p.path).is_file() {
                "changed"
            } else {
                "new"
            };
            writeln!(out, "pending  {:<7}  {}", kind, p.path.display()).map_err(io_err)?;
        }
        for o in &orphans {
            writeln!(out, "orphan   {:<7}  {}", "", o.path.display()).map_err(io_err)?;
        }
        writeln!(out, "{} pending, {} orphaned", pending.len(), orphans.len()).map_err(io_err)?;
        return Ok(if pending.is_empty() {
            exit::SUCCESS
        } else {
            exit::CONTRACT_BROKEN
        });
    }

    let (mut accepted, mut rejected, mut skipped) = (0usize, 0usize, 0usize);
    let total = pending.len();
    let mut quit = false;
    let mut accept_rest = false;
    // `--remove-orphans` alone only removes orphans: the pending snapshots are left for
    // a review of their own.
    let orphans_only = args.remove_orphans && !args.accept_all && !args.reject_all;
    let mut left = 0usize;
    for (i, p) in pending.iter().enumerate() {
        if orphans.iter().any(|o| o.path == p.path) && args.remove_orphans {
            continue; // removed below, with the other orphans
        }
        if orphans_only {
            left += 1;
            continue;
        }
        let target = store::pending_target(&p.path);
        let choice = if args.accept_all || accept_rest {
            'a'
        } else if args.reject_all {
            'r'
        } else if quit {
            's'
        } else {
            show(out, p, &target, i + 1, total).map_err(io_err)?;
            match ask(input, out).map_err(io_err)? {
                'q' => {
                    quit = true;
                    's'
                }
                'A' => {
                    accept_rest = true;
                    'a'
                }
                c => c,
            }
        };
        match choice {
            'a' => {
                std::fs::rename(&p.path, &target).map_err(|source| ReviewError::File {
                    action: "accept",
                    path: p.path.clone(),
                    source,
                })?;
                accepted += 1;
                writeln!(out, "{DIM}accepted {}{DIM:#}", target.display()).map_err(io_err)?;
            }
            'r' => {
                store::remove_if_exists(&p.path).map_err(|source| ReviewError::File {
                    action: "reject",
                    path: p.path.clone(),
                    source,
                })?;
                rejected += 1;
                writeln!(out, "{DIM}rejected {}{DIM:#}", p.path.display()).map_err(io_err)?;
            }
            _ => skipped += 1,
        }
    }

    let mut removed = 0usize;
    if args.remove_orphans {
        for o in &orphans {
            store::remove_if_exists(&o.path).map_err(|source| ReviewError::File {
                action: "remove",
                path: o.path.clone(),
                source,
            })?;
            removed += 1;
            writeln!(out, "{DIM}removed orphan {}{DIM:#}", o.path.display()).map_err(io_err)?;
        }
    } else if !orphans.is_empty() {
        writeln!(
            out,
            "{YELLOW}warning:{YELLOW:#} {} snapshot file(s) belong to no case in {} (`--remove-orphans` deletes them)",
            orphans.len(),
            args.cases_dir().display()
        )
        .map_err(io_err)?;
    }
    if left > 0 {
        writeln!(
            out,
            "{left} pending snapshot(s) left for review (`conform review` to go through them)"
        )
        .map_err(io_err)?;
    }
    let mut line = format!("{accepted} accepted, {rejected} rejected, {skipped} skipped");
    if args.remove_orphans {
        line.push_str(&format!(", {removed} orphans removed"));
    }
    writeln!(out, "{line}").map_err(io_err)?;
    Ok(if skipped > 0 {
        exit::CONTRACT_BROKEN
    } else {
        exit::SUCCESS
    })
}

/// One pending snapshot: where it is, what case it records, and its diff.
fn show(out: &mut dyn Write, p: &Listed, target: &Path, n: usize, total: usize) -> io::Result<()> {
    let new = store::read(&p.path)?.flatten();
    let old = store::read(target)?;
    writeln!(out)?;
    writeln!(out, "{BOLD}[{n}/{total}] {}{BOLD:#}", p.path.display())?;
    if let Some(f) = &new {
        writeln!(out, "  case:   {} ({})", f.expression, f.source)?;
        if !f.description.is_empty() {
            writeln!(out, "  about:  {}", f.description)?;
        }
    } else {
        writeln!(out, "  {RED}not a complete snapshot file{RED:#}")?;
    }
    let new_body = new
        .as_ref()
        .map_or(String::new(), |f| format!("{}\n", f.body));
    let (label, old_body) = match &old {
        None => ("new snapshot", String::new()),
        Some(None) => ("accepted file is not a snapshot", String::new()),
        Some(Some(f)) => ("changed", format!("{}\n", f.body)),
    };
    writeln!(out, "  {YELLOW}{label}{YELLOW:#}")?;
    let diff = similar::TextDiff::from_lines(&old_body, &new_body);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&target.display().to_string(), &p.path.display().to_string())
        .to_string();
    super::write_diff(out, &text, "  ", None)
}

/// Reads answers until one is valid; end of input means quit.
fn ask(input: &mut dyn BufRead, out: &mut dyn Write) -> io::Result<char> {
    loop {
        write!(out, "  {BOLD}a{BOLD:#} accept, {BOLD}A{BOLD:#} accept this and all remaining, {BOLD}r{BOLD:#} reject, {BOLD}s{BOLD:#} skip, {BOLD}q{BOLD:#} quit > ")?;
        out.flush()?;
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            writeln!(out)?;
            return Ok('q');
        }
        if matches!(line.trim(), "A" | "all") {
            return Ok('A');
        }
        match line.trim().to_ascii_lowercase().as_str() {
            "a" | "accept" => return Ok('a'),
            "r" | "reject" => return Ok('r'),
            "s" | "skip" | "" => return Ok('s'),
            "q" | "quit" => return Ok('q'),
            other => writeln!(out, "  unknown answer `{other}`: type a, A, r, s or q")?,
        }
    }
}
