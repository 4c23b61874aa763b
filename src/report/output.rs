//! Writing results: to standard output for `-`, otherwise atomically to a file (a
//! temporary file beside it, renamed over it once complete), so that a failed or
//! interrupted run never leaves a truncated file nor destroys a good one.
//!
//! The temporary file, a hidden `.blastradius-XXXXXX.tmp` in the output's directory, exists
//! only while the finished results are being written: a run killed during the simulation
//! leaves nothing behind (`tests/hostile.rs` checks it). A kill during the write itself
//! (SIGKILL gives no chance to clean up) can leave one; it is safe to delete.

use std::io::Write;
use std::path::Path;

use crate::error::Error;

pub fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        return out
            .write_all(bytes)
            .and_then(|_| out.flush())
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
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let fail = |e: std::io::Error| Error::runtime(format!("cannot write {}: {e}", path.display()));
    let mut tmp = tempfile::Builder::new()
        .prefix(".blastradius-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}
