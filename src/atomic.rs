//! Writing a file so that readers only ever see the old or the new content: a temporary
//! file in the same folder, flushed to disk, then renamed over the target. Every report
//! and snapshot conform writes goes through here.

use std::io::{self, Write};
use std::path::Path;

/// Writes `path` atomically: `produce` fills a temporary file beside it, `before_rename`
/// runs once the content is on disk (tests fail or stall there), then the rename.
/// The file is readable by others (0644 before the umask), like a file a user saves;
/// a temporary file that is never renamed is removed when this returns.
pub fn write_with(
    path: &Path,
    prefix: &str,
    produce: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    before_rename: impl FnOnce() -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    {
        let mut buf = io::BufWriter::new(tmp.as_file_mut());
        produce(&mut buf)?;
        buf.flush()?;
    }
    tmp.as_file().sync_all()?;
    before_rename()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_files_readable_by_others_and_leaves_no_debris_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/report.txt");
        write_with(&p, ".t-", |w| w.write_all(b"new"), || Ok(())).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(
                mode & 0o044,
                0o044,
                "readable by group and others: {mode:o}"
            );
        }
        let failed = write_with(
            &p,
            ".t-",
            |w| w.write_all(b"half"),
            || Err(io::Error::other("crash")),
        );
        assert!(failed.is_err());
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            "new",
            "the old content survives"
        );
        let left: Vec<_> = std::fs::read_dir(p.parent().unwrap()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
    }
}
