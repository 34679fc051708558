//! `conform init`: write the shipped workspace (conform.toml, the contracts' schemas,
//! cases and snapshots, as embedded in the binary) into a folder, so that `conform run`
//! works there and the suite can be edited, committed and reviewed like any code.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::workspace::shipped;

/// Options of `conform init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The folder to write the workspace into (created when missing).
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
}

/// Runs `conform init`; returns the exit code: 0 written, 2 when a file is in the way or
/// cannot be written (then nothing is left of what was written).
pub fn command(args: InitArgs) -> u8 {
    match init(&args.dir, &shipped::files()) {
        Ok(n) => {
            let shown = args.dir.display();
            let _ = writeln!(
                std::io::stdout(),
                "wrote {n} files into {shown}: conform.toml, schemas/, cases/, snapshots/\n\
                 next: `conform run` there (every contract against the built-in mock); `conform list` shows the cases"
            );
            crate::exit::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "error: {e}");
            crate::exit::INPUT_INVALID
        }
    }
}

/// Writes `files` (paths relative to `dir`) into `dir`; refuses before writing anything
/// when one of them exists, and removes what it wrote when a write fails.
pub fn init(dir: &Path, files: &[(String, &[u8])]) -> Result<usize, String> {
    let in_the_way: Vec<&str> = files
        .iter()
        .filter(|(p, _)| dir.join(p).exists())
        .map(|(p, _)| p.as_str())
        .collect();
    if let Some(first) = in_the_way.first() {
        return Err(format!(
            "{} already holds {} of the workspace's files (first: {first}); nothing was written\n  = hint: init an empty folder: `conform init DIR`",
            dir.display(),
            in_the_way.len()
        ));
    }
    let mut written: Vec<PathBuf> = Vec::new();
    for (p, bytes) in files {
        let path = dir.join(p);
        let done = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|_| std::fs::write(&path, bytes));
        if let Err(e) = done {
            for w in &written {
                let _ = std::fs::remove_file(w);
            }
            return Err(format!(
                "cannot write {}: {e}; the files written before it were removed",
                path.display()
            ));
        }
        written.push(path);
    }
    Ok(written.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_writes_every_file_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let files = shipped::files();
        let n = init(dir.path(), &files).unwrap();
        assert_eq!(n, files.len());
        let ws = crate::workspace::Workspace::load(dir.path()).unwrap();
        assert_eq!(ws.contracts.len(), 2);
        assert!(ws
            .contracts
            .iter()
            .all(|c| c.description.is_file() && c.cases.is_dir()));
        // A second init changes nothing and says what is in the way.
        std::fs::write(dir.path().join("conform.toml"), "edited").unwrap();
        let e = init(dir.path(), &files).unwrap_err();
        assert!(
            e.contains("nothing was written") && e.contains("first: "),
            "{e}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("conform.toml")).unwrap(),
            "edited"
        );
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        // `b` is a file, so `b/c` cannot be written after `a` was.
        std::fs::write(dir.path().join("b"), "").unwrap();
        let files: Vec<(String, &[u8])> = vec![("a".into(), b"1"), ("b/c".into(), b"2")];
        let e = init(dir.path(), &files).unwrap_err();
        assert!(e.contains("cannot write") && e.contains("removed"), "{e}");
        assert!(!dir.path().join("a").exists());
    }
}
