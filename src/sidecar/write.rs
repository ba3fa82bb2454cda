//! Putting a rendered sidecar on disk: atomically (temp file in the same folder, fsync, rename),
//! only when its content changed, as the library's policy says, and never over an NFO that a
//! person or another program wrote. Blocking file I/O: async callers use `spawn_blocking`.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

pub use crate::config::SidecarPolicy;
use crate::metadata::nfo::{marker_state, MarkerState};

/// What [`write_sidecar`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The file was created or replaced.
    Written,
    /// The file already held exactly this content; it was not touched (its mtime neither).
    Unchanged,
    /// The policy said not to write (`never`, or `write_if_absent` and a file exists).
    Skipped,
    /// An NFO that Kinora did not write, or that was edited since: it is the user's, left alone.
    SkippedForeign,
    /// The folder is read-only (permissions or a read-only mount): not an error, media
    /// folders often are; the caller logs it at debug.
    ReadOnly,
}

#[derive(Debug, thiserror::Error)]
pub enum SidecarError {
    #[error("sidecar {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("sidecar path has no file name: {0}")]
    BadPath(String),
}

/// Writes `contents` to `path` under `policy`. `is_nfo`: the file is an NFO, so an existing one
/// is overwritten only when it carries Kinora's marker unedited.
pub fn write_sidecar(
    path: &Path,
    contents: &str,
    policy: SidecarPolicy,
    is_nfo: bool,
) -> Result<WriteOutcome, SidecarError> {
    if policy == SidecarPolicy::Never {
        return Ok(WriteOutcome::Skipped);
    }
    let io_err = |source: std::io::Error| SidecarError::Io {
        path: path.display().to_string(),
        source,
    };
    match fs::read(path) {
        Ok(existing) => {
            if existing == contents.as_bytes() {
                return Ok(WriteOutcome::Unchanged);
            }
            if policy == SidecarPolicy::WriteIfAbsent {
                return Ok(WriteOutcome::Skipped);
            }
            if is_nfo {
                let ours = std::str::from_utf8(&existing)
                    .is_ok_and(|text| marker_state(text) == MarkerState::Unedited);
                if !ours {
                    return Ok(WriteOutcome::SkippedForeign);
                }
            }
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) if is_read_only(&e) => return Ok(WriteOutcome::ReadOnly),
        Err(e) => return Err(io_err(e)),
    }
    // A file created by someone between the check above and the rename below would be
    // replaced; the window is a few milliseconds on a path only Kinora names, so accepted.
    match replace_atomically(path, contents.as_bytes()) {
        Ok(()) => Ok(WriteOutcome::Written),
        Err(WriteError::Io(e)) if is_read_only(&e) => Ok(WriteOutcome::ReadOnly),
        Err(WriteError::Io(e)) => Err(io_err(e)),
        Err(WriteError::NoFileName) => Err(SidecarError::BadPath(path.display().to_string())),
    }
}

fn is_read_only(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem
    )
}

enum WriteError {
    Io(std::io::Error),
    NoFileName,
}

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> Self {
        WriteError::Io(e)
    }
}

/// Distinguishes temp files of concurrent writers in one process.
static TEMP_SEQ: AtomicU64 = AtomicU64::new(0);

fn replace_atomically(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let name = path.file_name().ok_or(WriteError::NoFileName)?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Same folder as the target so the rename stays on one filesystem (and so is atomic);
    // a leading dot keeps scanners and file browsers from showing it.
    let temp = folder.join(format!(
        ".{}.kinora-{}-{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        TEMP_SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| -> std::io::Result<()> {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)?;
        // The rename is durable only once the folder's entry is; best effort, as some
        // filesystems (network shares) refuse to fsync a directory.
        if let Ok(dir) = fs::File::open(&folder) {
            let _ = dir.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    Ok(result?)
}
