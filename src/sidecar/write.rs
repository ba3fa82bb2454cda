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

/// Puts a copy of the image `source` at `path` (a Kodi poster beside the media) unless a file
/// is there already: an image carries no marker, so an existing one may be a person's choice
/// and is never replaced.
pub fn write_image_if_absent(
    path: &Path,
    source: &Path,
    policy: SidecarPolicy,
) -> Result<WriteOutcome, SidecarError> {
    if policy == SidecarPolicy::Never {
        return Ok(WriteOutcome::Skipped);
    }
    let io_err = |p: &Path, source: std::io::Error| SidecarError::Io {
        path: p.display().to_string(),
        source,
    };
    match fs::symlink_metadata(path) {
        Ok(_) => return Ok(WriteOutcome::Skipped),
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) if is_read_only(&e) => return Ok(WriteOutcome::ReadOnly),
        Err(e) => return Err(io_err(path, e)),
    }
    let bytes = fs::read(source).map_err(|e| io_err(source, e))?;
    match replace_atomically(path, &bytes) {
        Ok(()) => Ok(WriteOutcome::Written),
        Err(WriteError::Io(e)) if is_read_only(&e) => Ok(WriteOutcome::ReadOnly),
        Err(WriteError::Io(e)) => Err(io_err(path, e)),
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::metadata::nfo::sign_document;
    use std::os::unix::fs::PermissionsExt;

    fn kinora_nfo(title: &str) -> String {
        sign_document(&format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<movie>\n  <title>{title}</title>\n</movie>\n"
        ))
    }

    /// Files in `dir` other than the ones named: a leftover temp file shows up here.
    fn others(dir: &Path, expected: &[&str]) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !expected.contains(&n.as_str()))
            .collect()
    }

    #[test]
    fn write_then_unchanged_without_touching_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Movie.nfo");
        let nfo = kinora_nfo("A");
        let w = write_sidecar(&path, &nfo, SidecarPolicy::Write, true).unwrap();
        assert_eq!(w, WriteOutcome::Written);
        assert_eq!(fs::read_to_string(&path).unwrap(), nfo);
        let before = fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let again = write_sidecar(&path, &nfo, SidecarPolicy::Write, true).unwrap();
        assert_eq!(again, WriteOutcome::Unchanged);
        assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), before);
        // Kinora's own unedited NFO is replaced when the content changes.
        let newer = kinora_nfo("B");
        let w = write_sidecar(&path, &newer, SidecarPolicy::Write, true).unwrap();
        assert_eq!(w, WriteOutcome::Written);
        assert_eq!(fs::read_to_string(&path).unwrap(), newer);
        assert!(others(dir.path(), &["Movie.nfo"]).is_empty());
    }

    #[test]
    fn write_if_absent_and_never() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Movie.nfo");
        let never = write_sidecar(&path, &kinora_nfo("A"), SidecarPolicy::Never, true).unwrap();
        assert_eq!(never, WriteOutcome::Skipped);
        assert!(!path.exists());
        let first = write_sidecar(&path, &kinora_nfo("A"), SidecarPolicy::WriteIfAbsent, true);
        assert_eq!(first.unwrap(), WriteOutcome::Written);
        let second = write_sidecar(&path, &kinora_nfo("B"), SidecarPolicy::WriteIfAbsent, true);
        assert_eq!(second.unwrap(), WriteOutcome::Skipped);
        assert_eq!(fs::read_to_string(&path).unwrap(), kinora_nfo("A"));
    }

    #[test]
    fn a_foreign_or_hand_edited_nfo_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let foreign = dir.path().join("Foreign.nfo");
        let users = "<movie><title>Mine</title></movie>\n";
        fs::write(&foreign, users).unwrap();
        let w = write_sidecar(&foreign, &kinora_nfo("A"), SidecarPolicy::Write, true).unwrap();
        assert_eq!(w, WriteOutcome::SkippedForeign);
        assert_eq!(fs::read_to_string(&foreign).unwrap(), users);

        let edited = dir.path().join("Edited.nfo");
        let by_hand = kinora_nfo("A").replace("<title>A</title>", "<title>Fixed</title>");
        fs::write(&edited, &by_hand).unwrap();
        let w = write_sidecar(&edited, &kinora_nfo("B"), SidecarPolicy::Write, true).unwrap();
        assert_eq!(w, WriteOutcome::SkippedForeign);
        assert_eq!(fs::read_to_string(&edited).unwrap(), by_hand);

        // Not UTF-8: certainly not Kinora's.
        let binary = dir.path().join("Binary.nfo");
        fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
        let w = write_sidecar(&binary, &kinora_nfo("A"), SidecarPolicy::Write, true).unwrap();
        assert_eq!(w, WriteOutcome::SkippedForeign);

        // A JSON sidecar is Kinora's own file name: replaced when it changes.
        let json = dir.path().join("Movie.kinora.json");
        fs::write(&json, "{}\n").unwrap();
        let w = write_sidecar(&json, "{\"a\": 1}\n", SidecarPolicy::Write, false).unwrap();
        assert_eq!(w, WriteOutcome::Written);
    }

    #[test]
    fn errors_other_than_read_only_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no such folder").join("Movie.nfo");
        let e = write_sidecar(&missing, "x", SidecarPolicy::Write, true);
        assert!(matches!(e, Err(SidecarError::Io { .. })), "{e:?}");
    }

    /// Env var naming the read-only folder when this test binary runs itself as `nobody`.
    const RO_DIR: &str = "KINORA_TEST_SIDECAR_RO_DIR";

    fn assert_read_only_outcomes(folder: &Path) {
        let fresh = folder.join("New.nfo");
        let w = write_sidecar(&fresh, &kinora_nfo("A"), SidecarPolicy::Write, true).unwrap();
        assert_eq!(w, WriteOutcome::ReadOnly);
        assert!(!fresh.exists());
        let ours = folder.join("Ours.nfo");
        let w = write_sidecar(&ours, &kinora_nfo("B"), SidecarPolicy::Write, true).unwrap();
        assert_eq!(w, WriteOutcome::ReadOnly);
        assert_eq!(fs::read_to_string(&ours).unwrap(), kinora_nfo("A"));
        assert!(others(folder, &["Ours.nfo"]).is_empty());
    }

    /// Does its work only when started by `a_read_only_folder_is_not_an_error` as `nobody`.
    #[test]
    fn read_only_child() {
        if let Some(folder) = std::env::var_os(RO_DIR) {
            assert_read_only_outcomes(Path::new(&folder));
        }
    }

    #[test]
    fn a_read_only_folder_is_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("media");
        fs::create_dir(&folder).unwrap();
        fs::write(folder.join("Ours.nfo"), kinora_nfo("A")).unwrap();
        fs::set_permissions(&folder, fs::Permissions::from_mode(0o555)).unwrap();
        // Root ignores folder modes, so who runs the test decides how to test it.
        let root = fs::metadata("/proc/self")
            .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
            .unwrap_or(false);
        if !root {
            assert_read_only_outcomes(&folder);
        } else {
            // As root, run this test binary's `read_only_child` as `nobody`, who owns the tree
            // but may not write into the 0555 folder.
            std::os::unix::fs::chown(dir.path(), Some(65534), Some(65534)).unwrap();
            std::os::unix::fs::chown(&folder, Some(65534), Some(65534)).unwrap();
            std::os::unix::fs::chown(folder.join("Ours.nfo"), Some(65534), Some(65534)).unwrap();
            let out = std::process::Command::new("setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(std::env::current_exe().unwrap())
                .args(["sidecar::write::tests::read_only_child", "--exact"])
                .env(RO_DIR, &folder)
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{text}");
            assert!(text.contains("1 passed"), "{text}");
        }
        fs::set_permissions(&folder, fs::Permissions::from_mode(0o755)).unwrap();
    }
}
