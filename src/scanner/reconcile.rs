use std::collections::HashSet;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::walk::{is_video_name, mtime_ns, walk_library, WalkResult};
use crate::db::libraries::Library;
use crate::db::media_files::{self, path_bytes, state, NewFile};
use crate::db::{items, Catalog, CatalogError};
use crate::jobs::{kinds, JobQueue, NewJob};

/// What one scan of one library found and did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanReport {
    pub library_id: String,
    pub library_name: String,
    pub files_seen: usize,
    pub new: usize,
    pub changed: usize,
    pub returned: usize,
    pub missing: usize,
    /// Files still being written; looked at again once their size stops changing.
    pub growing: usize,
    /// The library folder could not be read: nothing was marked missing.
    pub offline: bool,
    pub problems: Vec<String>,
    pub elapsed_ms: u64,
}

impl ScanReport {
    pub fn changed_anything(&self) -> bool {
        self.new + self.changed + self.returned + self.missing > 0
    }
}

/// Progress of the scan in flight, for `/api/v1/scan/status` and the CLI's progress bar.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanStatus {
    pub scanning: bool,
    pub current_library: Option<String>,
    pub scans_completed: u64,
    /// Files that were still being written, waiting for their size to settle.
    pub pending_rechecks: usize,
    pub last_reports: Vec<ScanReport>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error("scan task failed: {0}")]
    Task(String),
}

/// Reconciles library folders with the catalog. One scan at a time per process.
#[derive(Clone)]
pub struct Scanner {
    catalog: Catalog,
    jobs: JobQueue,
    libraries: Arc<Vec<Library>>,
    stability: Duration,
    status: Arc<Mutex<ScanStatus>>,
    running: Arc<tokio::sync::Mutex<()>>,
    rechecks: Arc<Mutex<HashSet<PathBuf>>>,
}

impl Scanner {
    pub fn new(
        catalog: Catalog,
        jobs: JobQueue,
        libraries: Arc<Vec<Library>>,
        stability: Duration,
    ) -> Scanner {
        Scanner {
            catalog,
            jobs,
            libraries,
            stability,
            status: Arc::new(Mutex::new(ScanStatus::default())),
            running: Arc::new(tokio::sync::Mutex::new(())),
            rechecks: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    pub fn libraries(&self) -> &[Library] {
        &self.libraries
    }

    pub fn status(&self) -> ScanStatus {
        let mut status = self.status.lock().map(|s| s.clone()).unwrap_or_default();
        status.pending_rechecks = self.rechecks.lock().map(|r| r.len()).unwrap_or(0);
        status
    }

    fn set_status(&self, f: impl FnOnce(&mut ScanStatus)) {
        if let Ok(mut s) = self.status.lock() {
            f(&mut s);
        }
    }

    /// Scans every library in turn.
    pub async fn scan_all(&self) -> Vec<ScanReport> {
        let mut reports = Vec::new();
        for lib in self.libraries.iter() {
            match self.scan_library(lib).await {
                Ok(r) => reports.push(r),
                Err(e) => {
                    tracing::error!(library = %lib.name, error = %e, "scan failed");
                    reports.push(ScanReport {
                        library_id: lib.id.clone(),
                        library_name: lib.name.clone(),
                        problems: vec![e.to_string()],
                        ..ScanReport::default()
                    });
                }
            }
        }
        self.set_status(|s| s.last_reports = reports.clone());
        reports
    }

    pub async fn scan_library(&self, lib: &Library) -> Result<ScanReport, ScanError> {
        let _one_at_a_time = self.running.lock().await;
        self.set_status(|s| {
            s.scanning = true;
            s.current_library = Some(lib.name.clone());
        });
        let result = self.scan_scope(lib, &lib.path).await;
        self.set_status(|s| {
            s.scanning = false;
            s.current_library = None;
            s.scans_completed += 1;
        });
        let report = result?;
        if report.changed_anything() || !report.problems.is_empty() {
            tracing::info!(
                library = %lib.name,
                seen = report.files_seen,
                new = report.new,
                changed = report.changed,
                returned = report.returned,
                missing = report.missing,
                growing = report.growing,
                problems = report.problems.len(),
                elapsed_ms = report.elapsed_ms,
                "scan finished"
            );
        } else {
            tracing::debug!(library = %lib.name, seen = report.files_seen, elapsed_ms = report.elapsed_ms, "scan found no change");
        }
        Ok(report)
    }

    /// Looks at the given paths only (from filesystem events): files are checked one by one,
    /// folders walked, vanished paths marked missing with everything below them.
    pub async fn check_paths(&self, lib: &Library, paths: Vec<PathBuf>) -> Result<(), ScanError> {
        let mut scopes: Vec<PathBuf> = Vec::new();
        for p in paths {
            if !p.starts_with(&lib.path) {
                continue;
            }
            // A file event is handled by scanning its folder: cheap, and it sees renames
            // within the folder too.
            let scope = match std::fs::metadata(&p) {
                Ok(m) if m.is_dir() => p,
                Ok(_) => p.parent().map(Path::to_path_buf).unwrap_or(p),
                Err(_) => p,
            };
            scopes.push(scope);
        }
        scopes.sort();
        scopes.dedup();
        // Drop scopes inside another scope.
        let mut kept: Vec<PathBuf> = Vec::new();
        for s in scopes {
            if !kept.iter().any(|k| s.starts_with(k)) {
                kept.push(s);
            }
        }
        let _one_at_a_time = self.running.lock().await;
        self.set_status(|s| s.scanning = true);
        let mut result = Ok(());
        for scope in kept {
            if let Err(e) = self.scan_scope(lib, &scope).await {
                result = Err(e);
                break;
            }
        }
        self.set_status(|s| s.scanning = false);
        result
    }

    async fn scan_scope(&self, lib: &Library, scope: &Path) -> Result<ScanReport, ScanError> {
        let started = Instant::now();
        let mut report = ScanReport {
            library_id: lib.id.clone(),
            library_name: lib.name.clone(),
            ..ScanReport::default()
        };
        // An unmounted disk or a vanished library folder must not look like every file was
        // deleted: the library is offline, and nothing is marked missing.
        let root_ok = std::fs::read_dir(&lib.path).is_ok();
        if !root_ok {
            report.offline = true;
            report.problems.push(format!(
                "library folder {} cannot be read; skipped",
                lib.path.display()
            ));
            tracing::warn!(library = %lib.name, path = %lib.path.display(), "library folder unavailable; nothing marked missing");
            return Ok(report);
        }
        let walk = if scope.is_dir() {
            let scope_owned = scope.to_path_buf();
            let stability = self.stability;
            let mut walk =
                tokio::task::spawn_blocking(move || walk_library(&scope_owned, stability))
                    .await
                    .map_err(|e| ScanError::Task(e.to_string()))?;
            // Paths are relative to the scope; make them relative to the library root.
            for f in &mut walk.files {
                if let Ok(rel) = f.path.strip_prefix(&lib.path) {
                    f.relative = rel.to_path_buf();
                }
            }
            walk
        } else if scope.exists() {
            // A single file.
            single_file(scope, self.stability)
        } else {
            WalkResult::default()
        };
        for p in &walk.problems {
            tracing::warn!(library = %lib.name, "{p}");
        }
        report.problems = walk.problems.clone();
        report.files_seen = walk.files.len();
        report.growing = walk.growing.len();

        let index = media_files::load_index(&self.catalog, &lib.id).await?;
        let scope_bytes = path_bytes(scope);
        let in_scope = |p: &[u8]| {
            p == scope_bytes.as_slice()
                || (p.starts_with(&scope_bytes) && p.get(scope_bytes.len()) == Some(&b'/'))
        };
        let mut seen: HashSet<Vec<u8>> = HashSet::with_capacity(walk.files.len());
        let mut new_files = Vec::new();
        let mut changed = Vec::new();
        let mut returned = Vec::new();
        for f in &walk.files {
            let key = path_bytes(&f.path);
            match index.get(&key) {
                None => new_files.push(NewFile {
                    path: f.path.clone(),
                    size: f.size as i64,
                    mtime_ns: f.mtime_ns,
                }),
                Some(e) if e.size != f.size as i64 || e.mtime_ns != f.mtime_ns => {
                    changed.push((e.id.clone(), f.size as i64, f.mtime_ns))
                }
                Some(e) if e.state == state::MISSING => returned.push(e.id.clone()),
                Some(_) => {}
            }
            seen.insert(key);
        }
        for g in &walk.growing {
            seen.insert(path_bytes(g));
        }
        let unreadable: Vec<Vec<u8>> = walk.unreadable.iter().map(|p| path_bytes(p)).collect();
        let gone: Vec<String> = index
            .values()
            .filter(|e| e.state != state::MISSING && in_scope(&e.path_raw))
            .filter(|e| !seen.contains(&e.path_raw))
            .filter(|e| !unreadable.iter().any(|u| e.path_raw.starts_with(u)))
            // Trust the disk over the walk: a file that still exists is not missing (a
            // permission problem below a folder is not a deletion).
            .filter(|e| !media_files::path_from_bytes(&e.path_raw).exists())
            .map(|e| e.id.clone())
            .collect();

        report.new = new_files.len();
        report.changed = changed.len();
        report.returned = returned.len();
        report.missing = gone.len();
        if !new_files.is_empty() {
            media_files::insert_pending(&self.catalog, &lib.id, &new_files).await?;
        }
        if !changed.is_empty() {
            media_files::mark_changed(&self.catalog, &changed).await?;
        }
        if !returned.is_empty() {
            media_files::mark_returned(&self.catalog, &returned).await?;
            let owners: Vec<String> = returned
                .iter()
                .filter_map(|id| {
                    index
                        .values()
                        .find(|e| &e.id == id)
                        .and_then(|e| e.item_id.clone())
                })
                .collect();
            items::refresh_presence(&self.catalog.write, &owners).await?;
        }
        if !gone.is_empty() {
            let owners = media_files::mark_missing(&self.catalog, &gone).await?;
            items::refresh_presence(&self.catalog.write, &owners).await?;
        }
        // Pending files left by a crash are picked up too, without writing when there are none.
        if report.new + report.changed + report.returned > 0
            || media_files::pending_count(&self.catalog, &lib.id).await? > 0
        {
            self.jobs.enqueue(identify_job(&lib.id)).await?;
        }
        if !walk.growing.is_empty() {
            self.schedule_recheck(lib.clone(), walk.growing.clone());
        }
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(report)
    }

    /// Looks at files that were still growing again once the stability window has passed.
    fn schedule_recheck(&self, lib: Library, paths: Vec<PathBuf>) {
        let fresh: Vec<PathBuf> = match self.rechecks.lock() {
            Ok(mut pending) => paths
                .into_iter()
                .filter(|p| pending.insert(p.clone()))
                .collect(),
            Err(_) => return,
        };
        if fresh.is_empty() {
            return;
        }
        let scanner = self.clone();
        // Look again right when the newest of them will have been quiet for the stability
        // window, not a whole window after we noticed it: a new file is listed promptly.
        let youngest_age = fresh
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok()?.modified().ok()?.elapsed().ok())
            .min()
            .unwrap_or(Duration::ZERO);
        let wait = self.stability.saturating_sub(youngest_age) + Duration::from_millis(150);
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            // A file still growing is scheduled again by the check itself; while the check
            // runs, the status says "scanning", so "idle" never reports too early.
            if let Ok(mut pending) = scanner.rechecks.lock() {
                for p in &fresh {
                    pending.remove(p);
                }
            }
            if let Err(e) = scanner.check_paths(&lib, fresh).await {
                tracing::warn!(library = %lib.name, error = %e, "re-check of growing files failed");
            }
        });
    }
}

pub fn identify_job(library_id: &str) -> NewJob {
    NewJob {
        kind: kinds::IDENTIFY,
        dedupe_key: format!("identify:{library_id}"),
        subject_id: Some(library_id.to_string()),
        payload: serde_json::json!({ "library_id": library_id }),
        priority: 10,
    }
}

fn single_file(path: &Path, stability: Duration) -> WalkResult {
    let mut result = WalkResult::default();
    let Some(name) = path.file_name() else {
        return result;
    };
    if !is_video_name(name) || name.as_bytes().first() == Some(&b'.') {
        return result;
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => {
            let young = meta
                .modified()
                .ok()
                .and_then(|m| m.elapsed().ok())
                .map(|age| age < stability)
                .unwrap_or(false);
            if young {
                result.growing.push(path.to_path_buf());
            } else {
                result.files.push(super::walk::FoundFile {
                    path: path.to_path_buf(),
                    relative: PathBuf::from(name),
                    size: meta.len(),
                    mtime_ns: mtime_ns(&meta),
                });
            }
        }
        Ok(_) => {}
        Err(e) => result
            .problems
            .push(format!("cannot stat {}: {e}", path.display())),
    }
    result
}
