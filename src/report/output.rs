//! Writing results: to standard output for `-`, otherwise atomically to a file (a
//! temporary file beside it, renamed over it once complete), so that a failed or
//! interrupted run never leaves a truncated file nor destroys a good one. What is not a
//! regular file (`/dev/null`, a terminal, a named pipe) is written in place: renaming over
//! it would replace the device itself. A symbolic link is followed, and its target
//! replaced.
//!
//! The temporary file, a hidden `.blastradius-XXXXXX.tmp` in the output's directory, exists
//! only while the finished results are being written: a run killed during the simulation
//! leaves nothing behind (`tests/it/hostile.rs` checks it). A kill during the write itself
//! (SIGKILL gives no chance to clean up) can leave one; it is safe to delete.

use std::io::Write;
use std::path::Path;

use crate::error::Error;

/// Writes `bytes` to `path` (`-`: standard output).
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_with(path, &mut |out| out.write_all(bytes))
}

/// Writes what `fill` writes to `path` (`-`: standard output), through a buffer, with the
/// same atomicity as [`write`]: a large result is streamed to the temporary file instead
/// of being built in memory first.
pub fn write_with(
    path: &Path,
    fill: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    let buffered = |w: &mut dyn Write| {
        let mut b = std::io::BufWriter::with_capacity(1 << 16, w);
        fill(&mut b)?;
        b.flush()
    };
    let mut buffered = buffered;
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        return buffered(&mut out)
            .or_else(|e| {
                // A closed pipe (`| head`) is the reader's choice, not a failure.
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    Ok(())
                } else {
                    Err(e)
                }
            })
            .map_err(|e| Error::runtime(format!("cannot write to standard output: {e}")));
    }
    let fail = |e: std::io::Error| Error::runtime(format!("cannot write {}: {e}", path.display()));
    // A link is followed: the file it points to is replaced, the link stays.
    let resolved;
    let path = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => match std::fs::canonicalize(path) {
            Ok(p) => {
                resolved = p;
                resolved.as_path()
            }
            Err(_) => path, // a dangling link: replaced by the new file
        },
        _ => path,
    };
    if let Ok(m) = std::fs::metadata(path) {
        if m.is_dir() {
            return Err(Error::runtime(format!(
                "cannot write {}: it is a directory",
                path.display()
            )));
        }
        if !m.is_file() {
            // A device (`/dev/null`, a terminal) or a pipe: renaming a temporary file over
            // it would replace the device itself, so write to it in place.
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(fail)?;
            return buffered(&mut f).map_err(fail);
        }
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".blastradius-").suffix(".tmp");
    // A temporary file is private (0600) by default; an output is an ordinary file: keep
    // the mode of the file it replaces, else create it as `open` would (0666 less umask).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o7777)
            .unwrap_or(0o666);
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(fail)?;
    buffered(tmp.as_file_mut()).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// Writes each `(name, bytes)` into the directory `dir` (created if missing), each file
/// atomically. Files already in `dir` under other names are left alone.
pub fn write_files(dir: &Path, files: &[(String, String)]) -> Result<(), Error> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::runtime(format!("cannot create {}: {e}", dir.display())))?;
    for (name, bytes) in files {
        write(&dir.join(name), bytes.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream that fails half-way leaves the old file as it was and no temporary file.
    #[test]
    fn a_failed_stream_leaves_the_old_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        write(&path, b"old\n").unwrap();
        let err = write_with(&path, &mut |w| {
            w.write_all(&[b'x'; 200_000])?;
            Err(std::io::Error::other("disk on fire"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("disk on fire"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"old\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out.json"]);
        // A stream that succeeds replaces it, every byte through the buffer.
        write_with(&path, &mut |w| w.write_all(&[b'y'; 200_000])).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), vec![b'y'; 200_000]);
    }
}
