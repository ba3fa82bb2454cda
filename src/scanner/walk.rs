//! Discovery: walk + stat only. Nothing here opens a file.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Video containers Kinora catalogs (compared case-insensitively).
pub const VIDEO_EXTENSIONS: &[&str] = &["mkv", "mp4", "m4v", "avi", "mov", "webm", "ts", "m2ts"];

/// Folders that NAS systems, recycle bins and download tools leave behind.
const SYSTEM_FOLDERS: &[&str] = &[
    "@eadir",
    "#recycle",
    "#snapshot",
    "$recycle.bin",
    "system volume information",
    "lost+found",
    "@recycle",
    "@tmp",
];

/// One video file found on disk.
#[derive(Debug, Clone)]
pub struct FoundFile {
    pub path: PathBuf,
    /// Path below the library root.
    pub relative: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
}

/// What a walk saw, including what it could not see.
#[derive(Debug, Default)]
pub struct WalkResult {
    pub files: Vec<FoundFile>,
    /// Folders that could not be read: files below them are neither new nor gone.
    pub unreadable: Vec<PathBuf>,
    /// Human-readable problems (unreadable folder, symlink loop…), logged and reported.
    pub problems: Vec<String>,
    /// Files modified within the stability window: still being written; handled later.
    pub growing: Vec<PathBuf>,
}

/// True when `name` is a video file Kinora should catalog.
pub fn is_video_name(name: &OsStr) -> bool {
    let bytes = name.as_bytes();
    if bytes.first() == Some(&b'.') {
        return false; // hidden files, and macOS `._` resource forks
    }
    let Some(ext) = Path::new(name).extension() else {
        return false;
    };
    let ext = ext.to_string_lossy().to_ascii_lowercase();
    VIDEO_EXTENSIONS.contains(&ext.as_str())
}

fn is_skipped_folder(name: &OsStr) -> bool {
    let bytes = name.as_bytes();
    if bytes.first() == Some(&b'.') {
        return true;
    }
    let lower = name.to_string_lossy().to_ascii_lowercase();
    SYSTEM_FOLDERS.contains(&lower.as_str()) || lower.starts_with(".trash")
}

/// Modification time as integer nanoseconds since the epoch.
pub fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos().min(i64::MAX as u128) as i64)
        .unwrap_or(0)
}

/// Walks `root` following symlinks (people link other disks in), with loop detection.
/// Files changed less than `stability` ago are reported as growing, not as found.
pub fn walk_library(root: &Path, stability: Duration) -> WalkResult {
    let mut result = WalkResult::default();
    let now = SystemTime::now();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| {
            !(e.file_type().is_dir() && e.depth() > 0 && is_skipped_folder(e.file_name()))
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().map(Path::to_path_buf);
                if let Some(ancestor) = err.loop_ancestor() {
                    result.problems.push(format!(
                        "symlink loop: {} points back to {}",
                        path.as_deref().unwrap_or(root).display(),
                        ancestor.display()
                    ));
                } else {
                    result.problems.push(format!(
                        "cannot read {}: {}",
                        path.as_deref().unwrap_or(root).display(),
                        err.io_error()
                            .map(|e| e.to_string())
                            .unwrap_or_else(|| err.to_string())
                    ));
                    if let Some(p) = path {
                        result.unreadable.push(p);
                    }
                }
                continue;
            }
        };
        if !entry.file_type().is_file() || !is_video_name(entry.file_name()) {
            continue;
        }
        let meta = match entry.metadata() {
            Ok(m) => m,
            Err(err) => {
                // Deleted between readdir and stat, or a dangling link: not an error worth
                // more than a line.
                result
                    .problems
                    .push(format!("cannot stat {}: {err}", entry.path().display()));
                continue;
            }
        };
        let modified = meta.modified().unwrap_or(UNIX_EPOCH);
        if now
            .duration_since(modified)
            .map(|age| age < stability)
            .unwrap_or(false)
        {
            result.growing.push(entry.path().to_path_buf());
            continue;
        }
        let relative = entry
            .path()
            .strip_prefix(root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| entry.path().to_path_buf());
        result.files.push(FoundFile {
            path: entry.path().to_path_buf(),
            relative,
            size: meta.len(),
            mtime_ns: mtime_ns(&meta),
        });
    }
    result
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn video_names() {
        assert!(is_video_name(OsStr::new("a.MKV")));
        assert!(is_video_name(OsStr::new("b.m2ts")));
        assert!(!is_video_name(OsStr::new(".hidden.mkv")));
        assert!(!is_video_name(OsStr::new("movie.mkv.part")));
        assert!(!is_video_name(OsStr::new("movie.!qB")));
        assert!(!is_video_name(OsStr::new("notes.txt")));
        assert!(!is_video_name(OsStr::new("mkv")));
    }

    #[test]
    fn walk_skips_and_reports() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("A (2000)")).unwrap();
        std::fs::create_dir_all(root.join("@eaDir")).unwrap();
        std::fs::create_dir_all(root.join(".hidden")).unwrap();
        std::fs::write(root.join("A (2000)/A (2000).mkv"), b"x").unwrap();
        std::fs::write(root.join("@eaDir/thumb.mkv"), b"x").unwrap();
        std::fs::write(root.join(".hidden/x.mkv"), b"x").unwrap();
        std::fs::write(root.join("A (2000)/A.mkv.part"), b"x").unwrap();
        symlink(root, root.join("A (2000)/loop")).unwrap();
        let r = walk_library(root, Duration::ZERO);
        let names: Vec<_> = r.files.iter().map(|f| f.relative.clone()).collect();
        assert_eq!(names, vec![PathBuf::from("A (2000)/A (2000).mkv")]);
        assert!(
            r.problems.iter().any(|p| p.contains("symlink loop")),
            "{:?}",
            r.problems
        );
        // A file just written is still growing under a long stability window.
        let r = walk_library(root, Duration::from_secs(3600));
        assert!(r.files.is_empty());
        assert_eq!(r.growing.len(), 1);
    }
}
