//! Filesystem events (inotify and friends), debounced, turned into targeted re-checks. The
//! periodic walk stays the safety net: network shares deliver no events and watch limits run
//! out on big trees.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use super::Scanner;
use crate::config::WatchMode;

/// Keeps the OS watchers alive; dropping it stops watching.
pub struct LibraryWatcher {
    _watchers: Vec<notify::RecommendedWatcher>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for LibraryWatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts watching every library whose `watch` is `auto`. A library that cannot be watched is
/// logged and left to the periodic walk.
pub fn start(scanner: Scanner, debounce: Duration) -> LibraryWatcher {
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, PathBuf)>();
    let mut watchers = Vec::new();
    for (idx, lib) in scanner.libraries().iter().enumerate() {
        if lib.watch != WatchMode::Auto {
            continue;
        }
        let tx = tx.clone();
        let made =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| match event {
                Ok(ev) => {
                    if matches!(ev.kind, notify::EventKind::Access(_)) {
                        return;
                    }
                    for p in ev.paths {
                        let _ = tx.send((idx, p));
                    }
                }
                Err(e) => tracing::debug!(error = %e, "watch error"),
            });
        match made {
            Ok(mut w) => match w.watch(&lib.path, RecursiveMode::Recursive) {
                Ok(()) => {
                    tracing::info!(library = %lib.name, "watching for file changes");
                    watchers.push(w);
                }
                Err(e) => tracing::warn!(
                    library = %lib.name, error = %e,
                    "cannot watch library folder; relying on the periodic walk"
                ),
            },
            Err(e) => {
                tracing::warn!(error = %e, "file watching unavailable; relying on the periodic walk")
            }
        }
    }
    let task = tokio::spawn(async move {
        loop {
            let Some(first) = rx.recv().await else { return };
            let mut batch: HashMap<usize, Vec<PathBuf>> = HashMap::new();
            batch.entry(first.0).or_default().push(first.1);
            // Gather everything that arrives within the debounce window.
            let deadline = tokio::time::Instant::now() + debounce;
            while let Ok(Some((idx, p))) = tokio::time::timeout_at(deadline, rx.recv()).await {
                batch.entry(idx).or_default().push(p);
            }
            for (idx, mut paths) in batch {
                let Some(lib) = scanner.libraries().get(idx).cloned() else {
                    continue;
                };
                paths.sort();
                paths.dedup();
                if let Err(e) = scanner.check_paths(&lib, paths).await {
                    tracing::warn!(library = %lib.name, error = %e, "handling file events failed");
                }
            }
        }
    });
    LibraryWatcher {
        _watchers: watchers,
        task,
    }
}
