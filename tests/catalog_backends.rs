//! The catalog and the job queue on both backends: every case runs against a fresh SQLite file
//! and a fresh PostgreSQL database (skipped, with a message, only when no PostgreSQL is
//! configured; CI always has one), so the two stay interchangeable as DESIGN.md promises.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsStr;
use std::future::Future;
use std::os::unix::ffi::OsStrExt;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use kinora::config::{LibraryConfig, LibraryKind, WatchMode};
use kinora::db::entities::{item, job, library, media_file};
use kinora::db::items::{BrowseQuery, BrowseSort, ItemKind, ItemQuery, ItemSort, NewItem};
use kinora::db::media_files::NewFile;
use kinora::db::{api_keys, items, libraries, media_files, now_ms, users, Catalog, CatalogError};
use kinora::jobs::{JobError, JobHandler, JobQueue, JobRunner, JobState, NewJob};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, Database, EntityTrait, PaginatorTrait,
    QueryFilter, Set, Statement,
};
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Backends

/// Where one run of a case keeps its catalog.
struct Backend {
    label: &'static str,
    url: String,
    /// Keeps the SQLite file alive for the run.
    _dir: Option<tempfile::TempDir>,
    /// (server URL, database name) of a PostgreSQL database to drop afterwards.
    drop_after: Option<(String, String)>,
}

impl Backend {
    async fn cleanup(self) {
        if let Some((base, name)) = self.drop_after {
            // Best effort: a leftover test database is harmless.
            if let Ok(admin) = Database::connect(&base).await {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
                let _ = admin.close().await;
            }
        }
    }
}

fn sqlite_backend() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/kinora.db?mode=rwc", dir.path().display());
    Backend {
        label: "sqlite",
        url,
        _dir: Some(dir),
        drop_after: None,
    }
}

async fn postgres_backend(base: &str) -> Backend {
    let url = common::fresh_postgres_db(base).await;
    let name = url.rsplit_once('/').unwrap().1.to_string();
    Backend {
        label: "postgres",
        url,
        _dir: None,
        drop_after: Some((base.to_string(), name)),
    }
}

/// A PostgreSQL database whose default collation is ICU en-US, as on a typical production
/// cluster (the CI cluster uses "C", which hides collation differences). `None` when the
/// server cannot create one (built without ICU).
async fn postgres_icu_backend(base: &str) -> Option<Backend> {
    let name = format!("kinora_icu_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(base).await.unwrap();
    let created = admin
        .execute_unprepared(&format!(
            "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' \
             LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'"
        ))
        .await;
    let _ = admin.close().await;
    if let Err(e) = created {
        eprintln!("cannot create an ICU-collated PostgreSQL database ({e}): that run is skipped");
        return None;
    }
    let (prefix, _) = base.rsplit_once('/').unwrap();
    Some(Backend {
        label: "postgres (ICU en-US collation)",
        url: format!("{prefix}/{name}"),
        _dir: None,
        drop_after: Some((base.to_string(), name)),
    })
}

async fn backends(with_icu: bool) -> Vec<Backend> {
    let mut out = vec![sqlite_backend()];
    match common::postgres_url() {
        Some(base) => {
            out.push(postgres_backend(&base).await);
            if with_icu {
                out.extend(postgres_icu_backend(&base).await);
            }
        }
        None => eprintln!("PostgreSQL not configured: running this case on SQLite only"),
    }
    out
}

/// Runs `case` once per backend, every backend even when one fails, then fails naming the
/// backends that failed.
async fn run_per_backend<F, Fut>(with_icu: bool, case: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = ()>,
{
    let test = std::thread::current().name().unwrap_or("?").to_string();
    let mut failed = Vec::new();
    for backend in backends(with_icu).await {
        eprintln!("== {test} on {}", backend.label);
        let started = Instant::now();
        let outcome = AssertUnwindSafe(case(backend.url.clone()))
            .catch_unwind()
            .await;
        eprintln!(
            "== {test} on {}: {} in {:.2?}",
            backend.label,
            if outcome.is_ok() { "ok" } else { "FAILED" },
            started.elapsed()
        );
        if outcome.is_err() {
            failed.push(backend.label);
        }
        backend.cleanup().await;
    }
    assert!(failed.is_empty(), "failed on: {}", failed.join(", "));
}

/// Opens a fresh catalog on each backend and runs `case` on it.
async fn on_both_backends<F, Fut>(case: F)
where
    F: Fn(Catalog) -> Fut,
    Fut: Future<Output = ()>,
{
    on_backends(false, case).await
}

async fn on_backends<F, Fut>(with_icu: bool, case: F)
where
    F: Fn(Catalog) -> Fut,
    Fut: Future<Output = ()>,
{
    run_per_backend(with_icu, |url| {
        let case = &case;
        async move {
            let catalog = Catalog::open(&url).await.unwrap();
            case(catalog.clone()).await;
            catalog.close().await;
        }
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn new_job(key: &str, priority: i32) -> NewJob {
    NewJob {
        kind: "probe",
        dedupe_key: key.to_string(),
        subject_id: Some(format!("subject-{key}")),
        payload: json!({ "key": key }),
        priority,
    }
}

async fn job_row(c: &Catalog, key: &str) -> job::Model {
    let mut rows = job::Entity::find()
        .filter(job::Column::DedupeKey.eq(key))
        .all(&c.read)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "rows with dedupe key {key}");
    rows.remove(0)
}

async fn job_count(c: &Catalog) -> u64 {
    job::Entity::find().count(&c.read).await.unwrap()
}

/// Makes a backed-off job due now, as if its backoff had elapsed.
async fn make_due(c: &Catalog, id: i64) {
    let mut row: job::ActiveModel = job::Entity::find_by_id(id)
        .one(&c.write)
        .await
        .unwrap()
        .unwrap()
        .into();
    row.run_after = Set(now_ms() - 1);
    row.update(&c.write).await.unwrap();
}

fn lib_config(name: &str, path: &Path, kind: LibraryKind, id: Option<uuid::Uuid>) -> LibraryConfig {
    LibraryConfig {
        name: name.to_string(),
        path: path.to_path_buf(),
        kind,
        id,
        watch: WatchMode::Off,
        sidecars: Default::default(),
    }
}

async fn one_library(c: &Catalog, root: &Path) -> libraries::Library {
    libraries::sync_from_config(c, &[lib_config("Media", root, LibraryKind::Mixed, None)])
        .await
        .unwrap()
        .remove(0)
}

fn movie(library_id: &str, name: &str, year: Option<i32>) -> NewItem {
    NewItem {
        library_id: library_id.to_string(),
        parent_id: None,
        owner_id: None,
        kind: ItemKind::Movie,
        extra_type: None,
        name: name.to_string(),
        year,
        season_number: None,
        episode_number: None,
        episode_number_end: None,
        identity_key: format!("movie:{}", uuid::Uuid::new_v4().simple()),
        folder: None,
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Migrations

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_apply_once_and_reopening_is_a_no_op() {
    async fn case(url: String) {
        let first = Catalog::open(&url).await.unwrap();
        let expected: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_string())
            .collect();
        assert!(!expected.is_empty());
        let applied: Vec<String> = Migrator::get_applied_migrations(&first.write)
            .await
            .unwrap()
            .iter()
            .map(|m| m.name().to_string())
            .collect();
        assert_eq!(applied, expected);
        assert!(Migrator::get_pending_migrations(&first.write)
            .await
            .unwrap()
            .is_empty());
        // Every table the repositories use exists and is empty.
        assert_eq!(library::Entity::find().count(&first.read).await.unwrap(), 0);
        assert_eq!(item::Entity::find().count(&first.read).await.unwrap(), 0);
        assert_eq!(
            media_file::Entity::find().count(&first.read).await.unwrap(),
            0
        );
        assert_eq!(job_count(&first).await, 0);
        assert_eq!(users::count(&first).await.unwrap(), 0);

        let history = |c: Catalog| async move {
            let stmt = Statement::from_string(
                c.backend(),
                "SELECT version, applied_at FROM seaql_migrations ORDER BY version",
            );
            c.read
                .query_all_raw(stmt)
                .await
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r.try_get::<String>("", "version").unwrap(),
                        r.try_get::<i64>("", "applied_at").unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        };
        let before = history(first.clone()).await;
        assert_eq!(before.len(), expected.len());
        users::create(&first, "kept", "pw-kept-1", false)
            .await
            .unwrap();
        JobQueue::new(first.clone(), 3, Duration::from_secs(30))
            .enqueue(new_job("kept", 0))
            .await
            .unwrap();
        first.close().await;

        // A second open (the next server start) applies nothing and keeps the data.
        let second = Catalog::open(&url).await.unwrap();
        assert_eq!(history(second.clone()).await, before);
        assert_eq!(users::count(&second).await.unwrap(), 1);
        assert_eq!(job_row(&second, "kept").await.state, "queued");
        // And a third, while the second is still open (a CLI command beside a server).
        let third = Catalog::open(&url).await.unwrap();
        assert_eq!(history(third.clone()).await, before);
        third.close().await;
        second.close().await;
    }
    run_per_backend(false, case).await;
}

// ---------------------------------------------------------------------------------------------
// 2. Job queue

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enqueue_dedupes_and_claims_are_exclusive_and_by_priority() {
    async fn case(catalog: Catalog) {
        let q = JobQueue::new(catalog.clone(), 3, Duration::from_secs(30));
        q.enqueue(new_job("dup", 0)).await.unwrap();
        q.enqueue(NewJob {
            payload: json!({ "key": "dup", "v": 2 }),
            ..new_job("dup", 0)
        })
        .await
        .unwrap();
        assert_eq!(job_count(&catalog).await, 1);
        let row = job_row(&catalog, "dup").await;
        assert_eq!(row.state, "queued");
        assert_eq!(row.attempts, 0);
        assert_eq!(row.max_attempts, 3);
        assert!(!row.requeue);
        assert_eq!(row.subject_id.as_deref(), Some("subject-dup"));
        // The newer payload wins (the job runs on the latest input).
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&row.payload).unwrap(),
            json!({ "key": "dup", "v": 2 })
        );
        let counts = q.counts().await.unwrap();
        assert_eq!(
            (counts.queued, counts.running, counts.done, counts.failed),
            (1, 0, 0, 0)
        );

        let before = now_ms();
        let claimed = q.claim("worker-1").await.unwrap().expect("a queued job");
        assert_eq!(claimed.id, row.id);
        assert_eq!(claimed.kind, "probe");
        assert_eq!(claimed.attempts, 1);
        assert_eq!(claimed.max_attempts, 3);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&claimed.payload).unwrap(),
            json!({ "key": "dup", "v": 2 })
        );
        let row = job_row(&catalog, "dup").await;
        assert_eq!(row.state, "running");
        assert_eq!(row.lease_owner.as_deref(), Some("worker-1"));
        let until = row.lease_until.unwrap();
        assert!(
            until >= before + 30_000 && until <= now_ms() + 30_000,
            "{until}"
        );
        // The lease is valid: nobody, not even the holder, gets it again.
        assert!(q.claim("worker-2").await.unwrap().is_none());
        assert!(q.claim("worker-1").await.unwrap().is_none());
        // Enqueueing it again while it runs does not make a second runnable job.
        q.enqueue(new_job("dup", 0)).await.unwrap();
        assert!(q.claim("worker-2").await.unwrap().is_none());
        q.complete(claimed.id, "worker-1").await.unwrap();

        // Priority: higher first; a re-enqueue can raise it, never lower it.
        q.enqueue(new_job("low", 0)).await.unwrap();
        q.enqueue(new_job("high", 10)).await.unwrap();
        q.enqueue(new_job("mid", 5)).await.unwrap();
        q.enqueue(new_job("raised", 1)).await.unwrap();
        q.enqueue(new_job("raised", 20)).await.unwrap();
        q.enqueue(new_job("high", 0)).await.unwrap();
        assert_eq!(job_row(&catalog, "raised").await.priority, 20);
        assert_eq!(job_row(&catalog, "high").await.priority, 10);
        let mut order = Vec::new();
        while let Some(j) = q.claim("worker-1").await.unwrap() {
            let payload: serde_json::Value = serde_json::from_str(&j.payload).unwrap();
            order.push(payload["key"].as_str().unwrap().to_string());
            assert!(order.len() <= 10, "claimed more jobs than exist: {order:?}");
        }
        // "dup" was re-enqueued while running, so it is queued again (priority 0, after "low"
        // whose run_after is older).
        assert_eq!(order, ["raised", "high", "mid", "dup", "low"]);
    }
    on_both_backends(case).await;
}

/// The extra network workers take only their kind of job, whatever else is more urgent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kind_limited_claim_takes_only_that_kind() {
    async fn case(catalog: Catalog) {
        let q = JobQueue::new(catalog.clone(), 3, Duration::from_secs(30));
        q.enqueue(new_job("urgent-probe", 10)).await.unwrap();
        q.enqueue(NewJob {
            kind: "metadata",
            dedupe_key: "metadata:x".into(),
            subject_id: Some("x".into()),
            payload: json!({ "item_id": "x" }),
            priority: 0,
        })
        .await
        .unwrap();
        let net = q
            .claim_kind("net", Some("metadata"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(net.kind, "metadata");
        assert!(q
            .claim_kind("net", Some("metadata"))
            .await
            .unwrap()
            .is_none());
        let any = q.claim("cpu").await.unwrap().unwrap();
        assert_eq!(any.kind, "probe");
        assert!(q.claim("cpu").await.unwrap().is_none());
    }
    on_both_backends(case).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enqueue_many_with_a_repeated_key_makes_one_job() {
    async fn case(catalog: Catalog) {
        let q = JobQueue::new(catalog.clone(), 3, Duration::from_secs(30));
        // The same subject twice in one batch (two walks reported the same file).
        q.enqueue_many(&[
            new_job("a", 0),
            new_job("b", 0),
            NewJob {
                payload: json!({ "key": "a", "v": 2 }),
                ..new_job("a", 7)
            },
        ])
        .await
        .unwrap();
        assert_eq!(job_count(&catalog).await, 2);
        let a = job_row(&catalog, "a").await;
        assert_eq!(a.priority, 7);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&a.payload).unwrap(),
            json!({ "key": "a", "v": 2 })
        );
        assert_eq!(job_row(&catalog, "b").await.priority, 0);
    }
    on_both_backends(case).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complete_and_re_enqueue() {
    async fn case(catalog: Catalog) {
        let q = JobQueue::new(catalog.clone(), 3, Duration::from_secs(30));
        q.enqueue(new_job("a", 0)).await.unwrap();
        let j = q.claim("w").await.unwrap().unwrap();
        q.complete(j.id, "w").await.unwrap();
        let row = job_row(&catalog, "a").await;
        assert_eq!(row.state, "done");
        assert_eq!(row.attempts, 1);
        assert_eq!(row.lease_owner, None);
        assert_eq!(row.lease_until, None);
        assert!(row.finished_at.is_some());
        assert!(
            q.claim("w").await.unwrap().is_none(),
            "a done job is not claimable"
        );

        // A done job enqueued again runs again, from a clean slate.
        q.enqueue(new_job("a", 0)).await.unwrap();
        assert_eq!(job_count(&catalog).await, 1);
        let row = job_row(&catalog, "a").await;
        assert_eq!(row.state, "queued");
        assert_eq!(row.attempts, 0);
        assert_eq!(row.id, j.id);
        let j = q.claim("w").await.unwrap().unwrap();
        assert_eq!(j.attempts, 1);

        // Enqueued while running: it finishes, then runs once more.
        q.enqueue(new_job("a", 0)).await.unwrap();
        let row = job_row(&catalog, "a").await;
        assert_eq!((row.state.as_str(), row.requeue), ("running", true));
        assert!(q.claim("w2").await.unwrap().is_none());
        q.complete(j.id, "w").await.unwrap();
        let row = job_row(&catalog, "a").await;
        assert_eq!(row.state, "queued");
        assert_eq!(row.attempts, 0);
        assert!(!row.requeue);
        assert_eq!(row.lease_owner, None);
        assert_eq!(row.finished_at, None);
        let j = q.claim("w2").await.unwrap().expect("the requeued job");
        q.complete(j.id, "w2").await.unwrap();
        let row = job_row(&catalog, "a").await;
        assert_eq!((row.state.as_str(), row.requeue), ("done", false));
        let counts = q.counts().await.unwrap();
        assert_eq!(
            (counts.queued, counts.running, counts.done, counts.failed),
            (0, 0, 1, 0)
        );
        assert!(!q.busy().await.unwrap());
    }
    on_both_backends(case).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_back_off_then_give_up() {
    async fn case(catalog: Catalog) {
        let q = JobQueue::new(catalog.clone(), 2, Duration::from_secs(30));
        q.enqueue(new_job("flaky", 0)).await.unwrap();
        let j = q.claim("w").await.unwrap().unwrap();
        let before = now_ms();
        let state = q.fail(&j, "w", "tmdb timed out", true).await.unwrap();
        assert_eq!(state, Some(JobState::Queued));
        let row = job_row(&catalog, "flaky").await;
        assert_eq!(row.state, "queued");
        assert_eq!(row.attempts, 1);
        assert_eq!(row.last_error.as_deref(), Some("tmdb timed out"));
        assert_eq!(row.lease_owner, None);
        assert_eq!(row.finished_at, None);
        // First backoff is 2 s.
        assert!(
            row.run_after >= before + 2_000 && row.run_after <= now_ms() + 2_000,
            "run_after {} vs now {}",
            row.run_after,
            now_ms()
        );
        assert!(q.claim("w").await.unwrap().is_none(), "backing off");

        make_due(&catalog, j.id).await;
        let j = q.claim("w").await.unwrap().expect("due again");
        assert_eq!(j.attempts, 2);
        // Attempts exhausted (2 of 2): failed for good even though retryable.
        let state = q.fail(&j, "w", "tmdb timed out again", true).await.unwrap();
        assert_eq!(state, Some(JobState::Failed));
        let row = job_row(&catalog, "flaky").await;
        assert_eq!(row.state, "failed");
        assert_eq!(row.attempts, 2);
        assert_eq!(row.last_error.as_deref(), Some("tmdb timed out again"));
        assert!(row.finished_at.is_some());
        make_due(&catalog, j.id).await;
        assert!(q.claim("w").await.unwrap().is_none(), "failed is final");

        // Not retryable: failed on the first attempt.
        q.enqueue(new_job("broken", 0)).await.unwrap();
        let j = q.claim("w").await.unwrap().unwrap();
        let long: String = "é".repeat(3000);
        let state = q.fail(&j, "w", &long, false).await.unwrap();
        assert_eq!(state, Some(JobState::Failed));
        let row = job_row(&catalog, "broken").await;
        assert_eq!(row.state, "failed");
        assert_eq!(row.attempts, 1);
        // Reasons are cut to 2000 characters (not bytes).
        assert_eq!(
            row.last_error.as_deref().map(|e| e.chars().count()),
            Some(2000)
        );
        assert!(row.last_error.unwrap().chars().all(|c| c == 'é'));

        let failures = q.failures(10).await.unwrap();
        assert_eq!(failures.len(), 2);
        let counts = q.counts().await.unwrap();
        assert_eq!(
            (counts.queued, counts.running, counts.done, counts.failed),
            (0, 0, 0, 2)
        );

        // Enqueued again (the file changed): a clean retry.
        q.enqueue(new_job("broken", 0)).await.unwrap();
        let row = job_row(&catalog, "broken").await;
        assert_eq!(
            (row.state.as_str(), row.attempts, row.last_error),
            ("queued", 0, None)
        );
        let j = q.claim("w").await.unwrap().unwrap();
        assert_eq!((j.id, j.attempts), (row.id, 1));
    }
    on_both_backends(case).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_lease_passes_the_job_to_another_worker() {
    async fn case(catalog: Catalog) {
        let q = JobQueue::new(catalog.clone(), 3, Duration::from_secs(1));
        q.enqueue(new_job("crash", 0)).await.unwrap();
        let a = q.claim("worker-a").await.unwrap().unwrap();
        assert!(q.renew(a.id, "worker-a").await.unwrap());
        assert!(!q.renew(a.id, "worker-b").await.unwrap(), "b holds nothing");
        assert!(q.claim("worker-b").await.unwrap().is_none());

        // worker-a "crashes": it stops renewing.
        tokio::time::sleep(Duration::from_millis(1_300)).await;
        let b = q
            .claim("worker-b")
            .await
            .unwrap()
            .expect("expired lease is claimable");
        assert_eq!(b.id, a.id);
        assert_eq!(b.attempts, 2);
        assert!(!q.renew(a.id, "worker-a").await.unwrap());

        // worker-a wakes up late: its results are ignored.
        q.complete(a.id, "worker-a").await.unwrap();
        let row = job_row(&catalog, "crash").await;
        assert_eq!(row.state, "running");
        assert_eq!(row.lease_owner.as_deref(), Some("worker-b"));
        assert_eq!(row.attempts, 2);
        assert_eq!(row.finished_at, None);
        assert_eq!(
            q.fail(&a, "worker-a", "late failure", false).await.unwrap(),
            None,
            "a worker without the lease records nothing"
        );
        let row = job_row(&catalog, "crash").await;
        assert_eq!(row.state, "running");
        assert_eq!(row.lease_owner.as_deref(), Some("worker-b"));
        assert_eq!(row.last_error, None);

        assert!(q.renew(b.id, "worker-b").await.unwrap());
        q.complete(b.id, "worker-b").await.unwrap();
        let row = job_row(&catalog, "crash").await;
        assert_eq!((row.state.as_str(), row.lease_owner), ("done", None));
        assert!(
            !q.renew(b.id, "worker-b").await.unwrap(),
            "done jobs have no lease"
        );
    }
    on_both_backends(case).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_worker_always_dies_is_failed_not_retried_forever() {
    async fn case(catalog: Catalog) {
        let q = JobQueue::new(catalog.clone(), 2, Duration::from_secs(1));
        q.enqueue(new_job("poison", 0)).await.unwrap();
        for attempt in 1..=2 {
            let j = q
                .claim(&format!("w{attempt}"))
                .await
                .unwrap()
                .expect("claimable");
            assert_eq!(j.attempts, attempt);
            // The worker dies: no renew, no result.
            tokio::time::sleep(Duration::from_millis(1_200)).await;
        }
        assert!(
            q.claim("w3").await.unwrap().is_none(),
            "attempts are used up"
        );
        assert_eq!(q.fail_abandoned().await.unwrap(), 1);
        let row = job_row(&catalog, "poison").await;
        assert_eq!(row.state, "failed");
        assert!(row.last_error.unwrap().contains("worker stopped"));
        assert!(row.finished_at.is_some());
        assert_eq!(q.fail_abandoned().await.unwrap(), 0);
    }
    on_both_backends(case).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_after_its_input_changed_runs_again() {
    async fn case(catalog: Catalog) {
        let q = JobQueue::new(catalog.clone(), 3, Duration::from_secs(30));
        q.enqueue(new_job("changing", 0)).await.unwrap();
        let j = q.claim("w").await.unwrap().unwrap();
        // The file changed while the job ran: enqueued again.
        q.enqueue(new_job("changing", 0)).await.unwrap();
        let state = q
            .fail(&j, "w", "old input was broken", false)
            .await
            .unwrap();
        assert_eq!(state, Some(JobState::Queued));
        let row = job_row(&catalog, "changing").await;
        assert_eq!(
            (row.state.as_str(), row.attempts, row.requeue),
            ("queued", 0, false)
        );
        assert_eq!(row.finished_at, None);
        let again = q.claim("w").await.unwrap().expect("runs again at once");
        assert_eq!(again.id, j.id);
        // A done job that is enqueued again forgets when it last finished.
        q.complete(again.id, "w").await.unwrap();
        assert!(job_row(&catalog, "changing").await.finished_at.is_some());
        q.enqueue(new_job("changing", 0)).await.unwrap();
        assert_eq!(job_row(&catalog, "changing").await.finished_at, None);
    }
    on_both_backends(case).await;
}

// ---------------------------------------------------------------------------------------------
// 3. Concurrency

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_workers_claim_each_job_exactly_once() {
    async fn case(catalog: Catalog) {
        let q = JobQueue::new(catalog.clone(), 3, Duration::from_secs(60));
        let jobs: Vec<NewJob> = (0..40)
            .map(|i| new_job(&format!("c{i:02}"), i % 3))
            .collect();
        q.enqueue_many(&jobs).await.unwrap();
        assert_eq!(job_count(&catalog).await, 40);

        let mut tasks = tokio::task::JoinSet::new();
        for w in 0..4 {
            let q = q.clone();
            tasks.spawn(async move {
                let owner = format!("worker-{w}");
                let mut taken = Vec::new();
                while let Some(j) = q.claim(&owner).await.unwrap() {
                    taken.push(j.id);
                    tokio::task::yield_now().await;
                    q.complete(j.id, &owner).await.unwrap();
                }
                taken
            });
        }
        let mut all = Vec::new();
        let mut per_worker = Vec::new();
        while let Some(taken) = tasks.join_next().await {
            let taken = taken.unwrap();
            per_worker.push(taken.len());
            all.extend(taken);
        }
        let unique: HashSet<i64> = all.iter().copied().collect();
        assert_eq!(all.len(), 40, "claims per worker: {per_worker:?}");
        assert_eq!(unique.len(), 40, "a job was claimed twice: {all:?}");
        let ids: HashSet<i64> = job::Entity::find()
            .all(&catalog.read)
            .await
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(unique, ids);
        let rows = job::Entity::find().all(&catalog.read).await.unwrap();
        assert!(rows.iter().all(|r| r.state == "done" && r.attempts == 1));
        let counts = q.counts().await.unwrap();
        assert_eq!(
            (counts.queued, counts.running, counts.done, counts.failed),
            (0, 0, 40, 0)
        );
        eprintln!("claims per worker: {per_worker:?}");
    }
    on_both_backends(case).await;
}

// ---------------------------------------------------------------------------------------------
// 4. JobRunner

struct RecordingHandler {
    calls: Arc<Mutex<Vec<String>>>,
}

#[async_trait::async_trait]
impl JobHandler for RecordingHandler {
    async fn run(&self, _kind: &str, payload: &serde_json::Value) -> Result<(), JobError> {
        let key = payload["key"].as_str().unwrap_or("?").to_string();
        let seen_before = {
            let mut calls = self.calls.lock().unwrap();
            let seen = calls.iter().any(|c| c == &key);
            calls.push(key.clone());
            seen
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        match key.as_str() {
            "flaky" if !seen_before => Err(JobError::retry("first attempt fails")),
            "broken" => Err(JobError::permanent("not a video")),
            _ => Ok(()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_runner_runs_retries_and_fails_jobs() {
    async fn case(catalog: Catalog) {
        let q = JobQueue::new(catalog.clone(), 3, Duration::from_secs(30));
        let calls = Arc::new(Mutex::new(Vec::new()));
        let handler = Arc::new(RecordingHandler {
            calls: calls.clone(),
        });
        let mut jobs: Vec<NewJob> = (0..5).map(|i| new_job(&format!("ok-{i}"), 0)).collect();
        jobs.push(new_job("flaky", 0));
        jobs.push(new_job("broken", 0));
        q.enqueue_many(&jobs).await.unwrap();

        let runner = JobRunner::start(q.clone(), handler, 2, 0, "metadata");
        let started = Instant::now();
        let mut saw_backoff = false;
        loop {
            let flaky = job_row(&catalog, "flaky").await;
            if flaky.state == "queued"
                && flaky.attempts == 1
                && flaky.last_error.as_deref() == Some("first attempt fails")
            {
                saw_backoff = true;
            }
            let c = q.counts().await.unwrap();
            if c.done == 6 && c.failed == 1 && c.queued == 0 && c.running == 0 {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "runner did not finish: {c:?}, calls {:?}",
                calls.lock().unwrap()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        eprintln!("runner finished 7 jobs in {:.2?}", started.elapsed());
        runner.shutdown(Duration::from_secs(5)).await;
        assert!(saw_backoff, "flaky was never seen waiting out its backoff");

        let mut per_key: BTreeMap<String, usize> = BTreeMap::new();
        for c in calls.lock().unwrap().iter() {
            *per_key.entry(c.clone()).or_default() += 1;
        }
        let expected: BTreeMap<String, usize> = [
            ("broken", 1),
            ("flaky", 2),
            ("ok-0", 1),
            ("ok-1", 1),
            ("ok-2", 1),
            ("ok-3", 1),
            ("ok-4", 1),
        ]
        .into_iter()
        .map(|(k, n)| (k.to_string(), n))
        .collect();
        assert_eq!(per_key, expected);
        let flaky = job_row(&catalog, "flaky").await;
        assert_eq!((flaky.state.as_str(), flaky.attempts), ("done", 2));
        assert_eq!(flaky.last_error, None);
        let broken = job_row(&catalog, "broken").await;
        assert_eq!((broken.state.as_str(), broken.attempts), ("failed", 1));
        assert_eq!(broken.last_error.as_deref(), Some("not a video"));

        // After shutdown nothing takes new work.
        q.enqueue(new_job("after-shutdown", 0)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        assert_eq!(job_row(&catalog, "after-shutdown").await.state, "queued");
        assert_eq!(calls.lock().unwrap().len(), 8);
    }
    on_both_backends(case).await;
}

// ---------------------------------------------------------------------------------------------
// 5. Repositories

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn libraries_sync_from_config_keeps_ids() {
    async fn case(catalog: Catalog) {
        let dir = tempfile::tempdir().unwrap();
        let fixed = uuid::Uuid::parse_str("6f9c1d2e-3b4a-4c5d-8e7f-0a1b2c3d4e5f").unwrap();
        let mut configured = vec![
            lib_config(
                "Movies",
                &dir.path().join("movies"),
                LibraryKind::Movies,
                None,
            ),
            lib_config(
                "Shows",
                &dir.path().join("shows"),
                LibraryKind::Tv,
                Some(fixed),
            ),
        ];
        let libs = libraries::sync_from_config(&catalog, &configured)
            .await
            .unwrap();
        assert_eq!(libs.len(), 2);
        assert_eq!(libs[0].name, "Movies");
        assert_eq!(libs[0].kind, LibraryKind::Movies);
        assert_eq!(libs[0].path, dir.path().join("movies"));
        assert_eq!(libs[0].watch, WatchMode::Off);
        assert_eq!(libs[1].id, fixed.to_string());
        assert_eq!(libs[1].kind, LibraryKind::Tv);
        assert_ne!(libs[0].id, libs[1].id);
        for lib in &libs {
            let root = item::Entity::find_by_id(lib.root_item_id.clone())
                .one(&catalog.read)
                .await
                .unwrap()
                .expect("root folder item");
            assert_eq!(root.kind, "folder");
            assert_eq!(root.name, lib.name);
            assert_eq!(root.library_id, lib.id);
            assert_eq!(root.identity_key.as_deref(), Some(libraries::ROOT_IDENTITY));
            assert_eq!(root.parent_id, None);
            assert!(!root.missing);
        }
        assert_eq!(
            library::Entity::find().count(&catalog.read).await.unwrap(),
            2
        );
        assert_eq!(item::Entity::find().count(&catalog.read).await.unwrap(), 2);

        // Syncing again changes nothing.
        let again = libraries::sync_from_config(&catalog, &configured)
            .await
            .unwrap();
        assert_eq!(again, libs);
        assert_eq!(
            library::Entity::find().count(&catalog.read).await.unwrap(),
            2
        );
        assert_eq!(item::Entity::find().count(&catalog.read).await.unwrap(), 2);

        // The library with an id moves and is renamed: same id, same root item.
        configured[1].path = dir.path().join("tv-on-new-disk");
        configured[1].name = "TV".to_string();
        let moved = libraries::sync_from_config(&catalog, &configured)
            .await
            .unwrap();
        assert_eq!(moved[1].id, fixed.to_string());
        assert_eq!(moved[1].root_item_id, libs[1].root_item_id);
        assert_eq!(moved[1].path, dir.path().join("tv-on-new-disk"));
        let row = library::Entity::find_by_id(fixed.to_string())
            .one(&catalog.read)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            row.path,
            dir.path().join("tv-on-new-disk").display().to_string()
        );
        assert_eq!(row.name, "TV");
        let root = item::Entity::find_by_id(libs[1].root_item_id.clone())
            .one(&catalog.read)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((root.name.as_str(), root.sort_name.as_str()), ("TV", "tv"));
        assert_eq!(moved[0], libs[0]);
        assert_eq!(
            library::Entity::find().count(&catalog.read).await.unwrap(),
            2
        );

        // Without an id, a new path is a new library; the old row stays for its history.
        configured[0].path = dir.path().join("films");
        let relinked = libraries::sync_from_config(&catalog, &configured)
            .await
            .unwrap();
        assert_ne!(relinked[0].id, libs[0].id);
        assert_eq!(
            library::Entity::find().count(&catalog.read).await.unwrap(),
            3
        );
        assert!(library::Entity::find_by_id(libs[0].id.clone())
            .one(&catalog.read)
            .await
            .unwrap()
            .is_some());
    }
    on_both_backends(case).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_files_insert_once_index_by_bytes_and_track_presence() {
    async fn case(catalog: Catalog) {
        let root = PathBuf::from("/srv/media/kinora-test");
        let lib = one_library(&catalog, &root).await;
        let latin1 = root.join(OsStr::from_bytes(b"caf\xe9.mkv"));
        assert!(latin1.to_str().is_none(), "the path must not be UTF-8");
        let mtime = 1_700_000_000_123_456_789_i64; // nanoseconds: PostgreSQL must not round it
        let files = vec![
            NewFile {
                path: root.join("Alpha (2001).mkv"),
                size: 100,
                mtime_ns: mtime,
            },
            NewFile {
                path: root.join("sub/Beta (2002).mp4"),
                size: 200,
                mtime_ns: mtime + 1,
            },
            NewFile {
                path: latin1.clone(),
                size: 300,
                mtime_ns: mtime + 2,
            },
        ];
        let inserted = media_files::insert_pending(&catalog, &lib.id, &files)
            .await
            .unwrap();
        assert_eq!(inserted, files.len() as u64);
        // The same paths again (a second scan racing the first): left alone.
        let again: Vec<NewFile> = files
            .iter()
            .map(|f| NewFile {
                size: f.size + 1,
                ..f.clone()
            })
            .collect();
        let inserted_again = media_files::insert_pending(&catalog, &lib.id, &again)
            .await
            .unwrap();
        assert_eq!(inserted_again, 0, "nothing is inserted twice");
        assert_eq!(
            media_file::Entity::find()
                .count(&catalog.read)
                .await
                .unwrap(),
            3
        );

        let index = media_files::load_index(&catalog, &lib.id).await.unwrap();
        let mut keys: Vec<Vec<u8>> = index.keys().cloned().collect();
        keys.sort();
        let mut expected: Vec<Vec<u8>> = files
            .iter()
            .map(|f| f.path.as_os_str().as_bytes().to_vec())
            .collect();
        expected.sort();
        assert_eq!(keys, expected);
        let cafe = &index[&b"/srv/media/kinora-test/caf\xe9.mkv".to_vec()];
        assert_eq!(
            cafe.path_raw,
            b"/srv/media/kinora-test/caf\xe9.mkv".to_vec()
        );
        assert_eq!((cafe.size, cafe.mtime_ns), (300, mtime + 2));
        assert_eq!(cafe.state, media_files::state::PENDING);
        assert_eq!(cafe.item_id, None);
        assert_eq!(media_files::path_from_bytes(&cafe.path_raw), latin1);
        let alpha = &index[&root
            .join("Alpha (2001).mkv")
            .as_os_str()
            .as_bytes()
            .to_vec()];
        assert_eq!((alpha.size, alpha.mtime_ns), (100, mtime));
        // The display column holds a lossy copy; the bytes are the identity.
        let row = media_file::Entity::find_by_id(cafe.id.clone())
            .one(&catalog.read)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.path, "/srv/media/kinora-test/caf\u{fffd}.mkv");
        assert_eq!(row.folder, "/srv/media/kinora-test");
        assert_eq!(row.library_id, lib.id);

        // A pending file goes missing and comes back: pending again.
        let owners = media_files::mark_missing(&catalog, std::slice::from_ref(&cafe.id))
            .await
            .unwrap();
        assert!(owners.is_empty());
        let row = media_file::Entity::find_by_id(cafe.id.clone())
            .one(&catalog.read)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.state, media_files::state::MISSING);
        assert!(row.missing_since.is_some());
        media_files::mark_returned(&catalog, std::slice::from_ref(&cafe.id))
            .await
            .unwrap();
        let row = media_file::Entity::find_by_id(cafe.id.clone())
            .one(&catalog.read)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.state, media_files::state::PENDING);
        assert_eq!(row.missing_since, None);

        // An identified file (item + fingerprint) goes missing and comes back: active again,
        // and mark_missing names its item so presence can be recomputed.
        let film = items::create(&catalog.write, movie(&lib.id, "Alpha", Some(2001)))
            .await
            .unwrap();
        let mut active: media_file::ActiveModel = media_file::Entity::find_by_id(alpha.id.clone())
            .one(&catalog.write)
            .await
            .unwrap()
            .unwrap()
            .into();
        active.item_id = Set(Some(film.id.clone()));
        active.fingerprint = Set(Some("0000000000000064-abcdef".to_string()));
        active.state = Set(media_files::state::ACTIVE.to_string());
        active.update(&catalog.write).await.unwrap();
        let owners = media_files::mark_missing(&catalog, std::slice::from_ref(&alpha.id))
            .await
            .unwrap();
        assert_eq!(owners, vec![film.id.clone()]);
        media_files::mark_returned(&catalog, std::slice::from_ref(&alpha.id))
            .await
            .unwrap();
        let index = media_files::load_index(&catalog, &lib.id).await.unwrap();
        let alpha = &index[&root
            .join("Alpha (2001).mkv")
            .as_os_str()
            .as_bytes()
            .to_vec()];
        assert_eq!(alpha.state, media_files::state::ACTIVE);
        assert_eq!(alpha.item_id.as_deref(), Some(film.id.as_str()));
        assert_eq!(
            media_files::pending_count(&catalog, &lib.id).await.unwrap(),
            2
        );
    }
    on_both_backends(case).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_and_api_keys() {
    async fn case(catalog: Catalog) {
        let pw = "correct horse battery staple";
        assert!(!users::ensure_first_admin(&catalog, None, Some(pw))
            .await
            .unwrap());
        assert!(users::ensure_first_admin(&catalog, Some("admin"), Some(pw))
            .await
            .unwrap());
        assert!(
            !users::ensure_first_admin(&catalog, Some("admin"), Some(pw))
                .await
                .unwrap()
        );
        assert!(
            !users::ensure_first_admin(&catalog, Some("other"), Some("x"))
                .await
                .unwrap()
        );
        assert_eq!(users::count(&catalog).await.unwrap(), 1);

        let admin = users::authenticate(&catalog, "admin", pw)
            .await
            .unwrap()
            .expect("right password");
        assert_eq!(admin.name, "admin");
        assert!(admin.is_admin);
        // The stored hash is argon2 and never the password itself.
        let row = kinora::db::entities::user::Entity::find_by_id(admin.id.clone())
            .one(&catalog.read)
            .await
            .unwrap()
            .unwrap();
        assert!(
            row.password_hash.starts_with("$argon2"),
            "{}",
            row.password_hash
        );
        assert!(!row.password_hash.contains(pw));
        assert!(users::authenticate(&catalog, "admin", "wrong")
            .await
            .unwrap()
            .is_none());
        assert!(users::authenticate(&catalog, "admin", "")
            .await
            .unwrap()
            .is_none());
        assert!(users::authenticate(&catalog, "nobody", pw)
            .await
            .unwrap()
            .is_none());
        assert!(matches!(
            users::create(&catalog, "admin", "again", false).await,
            Err(CatalogError::Conflict(_))
        ));

        let secret = api_keys::create(&catalog, "scripts").await.unwrap();
        assert_eq!(secret.len(), 64);
        assert!(secret.chars().all(|c| c.is_ascii_hexdigit()));
        let row = api_keys::verify(&catalog, &secret)
            .await
            .unwrap()
            .expect("valid key");
        assert_eq!(row.name, "scripts");
        assert_eq!(row.key_prefix, secret[..6]);
        assert_eq!(row.key_hash, api_keys::hash_secret(&secret));
        assert_ne!(row.key_hash, secret);
        assert!(api_keys::verify(&catalog, "nope").await.unwrap().is_none());
        let mut tampered = secret.clone();
        let last = if tampered.ends_with('0') { "1" } else { "0" };
        tampered.replace_range(63.., last);
        assert!(api_keys::verify(&catalog, &tampered)
            .await
            .unwrap()
            .is_none());
        let second = api_keys::create(&catalog, "other").await.unwrap();
        assert_ne!(second, secret);
        assert_eq!(
            api_keys::verify(&catalog, &second)
                .await
                .unwrap()
                .unwrap()
                .name,
            "other"
        );
    }
    on_both_backends(case).await;
}

// ---------------------------------------------------------------------------------------------
// 6. Sorting parity

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item_listing_orders_the_same_on_every_backend() {
    async fn case(catalog: Catalog) {
        let lib = one_library(&catalog, Path::new("/srv/media/sorting")).await;
        let films = [
            ("zebra", Some(1999)),
            ("Élan", None),
            ("The Matrix", Some(1999)),
            ("Episode 10", Some(2010)),
            ("matrix 2", None),
            ("Amélie", Some(2001)),
            ("Episode 2", Some(2002)),
            ("Zoë", Some(1980)),
            ("Twin", Some(2005)),
            ("Twin", Some(2005)),
        ];
        let mut created = Vec::new();
        for (name, year) in films {
            let row = items::create(&catalog.write, movie(&lib.id, name, year))
                .await
                .unwrap();
            created.push((row.id.clone(), name.to_string(), year));
        }
        let list = |sort: Option<ItemSort>, descending: bool, offset: u64, limit: u64| {
            let catalog = catalog.clone();
            let library_id = lib.id.clone();
            async move {
                let (rows, total) = items::list(
                    &catalog,
                    &ItemQuery {
                        library_id: Some(library_id),
                        sort,
                        descending,
                        offset,
                        limit,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
                (
                    rows.into_iter().map(|r| (r.id, r.name)).collect::<Vec<_>>(),
                    total,
                )
            }
        };

        // The order of the Rust sort key, then id: what every backend must return.
        let mut expected = created.clone();
        expected.sort_by(|a, b| {
            kinora::naming::sort_key(&a.1)
                .cmp(&kinora::naming::sort_key(&b.1))
                .then_with(|| a.0.cmp(&b.0))
        });
        let expected: Vec<(String, String)> =
            expected.into_iter().map(|(id, n, _)| (id, n)).collect();
        let (rows, total) = list(None, false, 0, 100).await;
        assert_eq!(total, 10);
        assert_eq!(rows, expected);
        // Natural number order, leading articles ignored, case folded; these do not depend on
        // how accents are handled.
        let names: Vec<&str> = rows
            .iter()
            .map(|(_, n)| n.as_str())
            .filter(|n| !matches!(*n, "Élan" | "Zoë"))
            .collect();
        assert_eq!(
            names,
            [
                "Amélie",
                "Episode 2",
                "Episode 10",
                "The Matrix",
                "matrix 2",
                "Twin",
                "Twin",
                "zebra"
            ]
        );

        let (desc, _) = list(Some(ItemSort::Name), true, 0, 100).await;
        let desc_names: Vec<&str> = desc.iter().map(|(_, n)| n.as_str()).collect();
        let mut reversed: Vec<&str> = expected.iter().map(|(_, n)| n.as_str()).collect();
        reversed.reverse();
        assert_eq!(desc_names, reversed);

        let (page, total) = list(None, false, 2, 3).await;
        assert_eq!(total, 10);
        assert_eq!(page, expected[2..5].to_vec());

        // Year order: known years ascending (ties by name), titles without a year last.
        let (by_year, _) = list(Some(ItemSort::Year), false, 0, 100).await;
        let by_year: Vec<&str> = by_year.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(
            by_year,
            [
                "Zoë",
                "The Matrix",
                "zebra",
                "Amélie",
                "Episode 2",
                "Twin",
                "Twin",
                "Episode 10",
                // No year: by name, accents folded ("Élan" files under "elan").
                "Élan",
                "matrix 2"
            ]
        );

        let (by_year_desc, _) = list(Some(ItemSort::Year), true, 0, 100).await;
        let by_year_desc: Vec<&str> = by_year_desc.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(
            by_year_desc,
            [
                "Episode 10",
                "Twin",
                "Twin",
                "Episode 2",
                "Amélie",
                "The Matrix",
                "zebra",
                "Zoë",
                "Élan",
                "matrix 2"
            ]
        );

        // Text search matches the sort key, case-insensitively, accents included.
        for (needle, want) in [
            ("MATRIX", vec!["The Matrix", "matrix 2"]),
            ("amé", vec!["Amélie"]),
            ("episode 2", vec!["Episode 2"]),
        ] {
            let (rows, total) = items::list(
                &catalog,
                &ItemQuery {
                    library_id: Some(lib.id.clone()),
                    text: Some(needle.to_string()),
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            let names: Vec<String> = rows.into_iter().map(|r| r.name).collect();
            assert_eq!(names, want, "search {needle:?}");
            assert_eq!(total, want.len() as u64);
        }
    }
    on_backends(true, case).await;
}

// ---------------------------------------------------------------------------------------------
// 7. Jellyfin-style listings (items::browse): order, paging, totals

fn browse_movies(
    lib: &str,
    sort: Vec<(BrowseSort, bool)>,
    offset: u64,
    limit: Option<u64>,
) -> BrowseQuery {
    BrowseQuery {
        user_id: "nobody".into(),
        library_ids: vec![lib.to_string()],
        kinds: vec![ItemKind::Movie],
        sort,
        offset,
        limit,
        ..Default::default()
    }
}

async fn browse_ids(c: &Catalog, q: &BrowseQuery) -> (Vec<String>, u64) {
    let (rows, total) = items::browse(c, q).await.unwrap();
    (rows.into_iter().map(|r| r.id).collect(), total)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browse_orders_pages_and_counts_exactly() {
    async fn case(catalog: Catalog) {
        let lib = one_library(&catalog, Path::new("/srv/media/browse")).await;
        // Equal sort names with equal, different and missing years: only the id tells some
        // apart.
        let films = [
            ("Twin", Some(2005)),
            ("Twin", Some(2005)),
            ("Twin", Some(2005)),
            ("Twin", None),
            ("Twin", None),
            ("Twin", Some(1990)),
            ("Alpha", None),
            ("Alpha", Some(2000)),
            ("The Zed", Some(2001)),
            ("Beta", Some(1999)),
            ("Élan", None),
            ("beta", Some(1999)),
        ];
        let mut listed: Vec<(String, String, Option<i32>)> = Vec::new();
        for (name, year) in films {
            let mut new = movie(&lib.id, name, year);
            new.parent_id = Some(lib.root_item_id.clone());
            let row = items::create(&catalog.write, new).await.unwrap();
            listed.push((row.id, row.sort_name, year));
        }
        // Never listed: a missing movie, a trailer, a series.
        let gone = items::create(&catalog.write, movie(&lib.id, "Alpha", Some(2000)))
            .await
            .unwrap();
        items::set_missing(&catalog.write, &gone.id, true)
            .await
            .unwrap();
        let mut trailer = movie(&lib.id, "Alpha", None);
        trailer.kind = ItemKind::Extra;
        trailer.owner_id = Some(listed[7].0.clone());
        items::create(&catalog.write, trailer).await.unwrap();
        let mut series = movie(&lib.id, "Alpha", None);
        series.kind = ItemKind::Series;
        items::create(&catalog.write, series).await.unwrap();

        // What every backend must return: name, then year (titles without one last either
        // way), then id ascending.
        let nulls_last = |a: Option<i32>, b: Option<i32>, desc: bool| match (a, b) {
            (Some(x), Some(y)) if desc => y.cmp(&x),
            (Some(x), Some(y)) => x.cmp(&y),
            (a, b) => a.is_none().cmp(&b.is_none()),
        };
        let mut asc = listed.clone();
        asc.sort_by(|a, b| {
            a.1.cmp(&b.1)
                .then(nulls_last(a.2, b.2, false))
                .then(a.0.cmp(&b.0))
        });
        let asc: Vec<String> = asc.into_iter().map(|(id, _, _)| id).collect();
        let mut desc = listed.clone();
        desc.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then(nulls_last(a.2, b.2, true))
                .then(a.0.cmp(&b.0))
        });
        let desc: Vec<String> = desc.into_iter().map(|(id, _, _)| id).collect();
        let n = listed.len() as u64;
        let by_name_year =
            |d: bool| vec![(BrowseSort::SortName, d), (BrowseSort::ProductionYear, d)];

        for (want, d) in [(&asc, false), (&desc, true)] {
            let (all, total) =
                browse_ids(&catalog, &browse_movies(&lib.id, by_name_year(d), 0, None)).await;
            assert_eq!(total, n);
            assert_eq!(&all, want, "descending: {d}");
            // Every page, including pages that run past the end and pages beyond it.
            for limit in [1u64, 3, 5, 100] {
                for offset in 0..=n + 2 {
                    let (page, total) = browse_ids(
                        &catalog,
                        &browse_movies(&lib.id, by_name_year(d), offset, Some(limit)),
                    )
                    .await;
                    assert_eq!(total, n, "offset {offset} limit {limit}");
                    let from = (offset as usize).min(want.len());
                    let to = (offset + limit).min(n) as usize;
                    assert_eq!(
                        page,
                        want[from..to.max(from)],
                        "offset {offset} limit {limit}"
                    );
                }
            }
            // Without a limit, from an offset.
            let (rest, _) =
                browse_ids(&catalog, &browse_movies(&lib.id, by_name_year(d), 4, None)).await;
            assert_eq!(rest, want[4..]);
        }
        // SortName alone: name, then id.
        let mut by_name = listed.clone();
        by_name.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        let by_name: Vec<String> = by_name.into_iter().map(|(id, _, _)| id).collect();
        let (page, _) = browse_ids(
            &catalog,
            &browse_movies(&lib.id, vec![(BrowseSort::SortName, false)], 2, Some(6)),
        )
        .await;
        assert_eq!(page, by_name[2..8]);
        // A total alone (Limit=0) and a search.
        let (none, total) = browse_ids(
            &catalog,
            &browse_movies(&lib.id, by_name_year(false), 0, Some(0)),
        )
        .await;
        assert!(none.is_empty());
        assert_eq!(total, n);
        let mut search = browse_movies(&lib.id, by_name_year(false), 0, Some(2));
        search.search = Some("TWIN".into());
        let (page, total) = browse_ids(&catalog, &search).await;
        assert_eq!(total, 6);
        assert_eq!(
            page,
            asc.iter()
                .filter(|id| listed.iter().any(|(i, s, _)| i == *id && s == "twin"))
                .take(2)
                .cloned()
                .collect::<Vec<_>>()
        );
        // The library root counts its listed children (not the missing one, not the extra).
        let counts = items::child_counts(&catalog, std::slice::from_ref(&lib.root_item_id))
            .await
            .unwrap();
        assert_eq!(counts.get(&lib.root_item_id), Some(&(n as i64)));
    }
    on_both_backends(case).await;
}

/// Totals stay exact while the catalog changes, whoever changes it: this catalog, or another
/// connection to the same database (a CLI command beside the server) that knows nothing of
/// what this one remembers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browse_totals_follow_every_change() {
    async fn case(url: String) {
        let catalog = Catalog::open(&url).await.unwrap();
        let other = Catalog::open(&url).await.unwrap();
        let lib = one_library(&catalog, Path::new("/srv/media/totals")).await;
        let root = lib.root_item_id.clone();
        let sort = vec![
            (BrowseSort::SortName, false),
            (BrowseSort::ProductionYear, false),
        ];
        let all = browse_movies(&lib.id, sort.clone(), 0, Some(100));
        let mut in_2001 = all.clone();
        in_2001.years = vec![2001];
        let mut named_gamma = all.clone();
        named_gamma.search = Some("gamma".into());
        let totals = |c: Catalog| {
            let (all, in_2001, named_gamma) = (all.clone(), in_2001.clone(), named_gamma.clone());
            let root = root.clone();
            async move {
                let children = items::child_counts(&c, std::slice::from_ref(&root))
                    .await
                    .unwrap()
                    .get(&root)
                    .copied()
                    .unwrap_or(0);
                (
                    items::browse(&c, &all).await.unwrap().1,
                    items::browse(&c, &in_2001).await.unwrap().1,
                    items::browse(&c, &named_gamma).await.unwrap().1,
                    children,
                )
            }
        };
        let add = |c: Catalog, name: &'static str, year: Option<i32>| {
            let lib_id = lib.id.clone();
            let root = lib.root_item_id.clone();
            async move {
                let mut new = movie(&lib_id, name, year);
                new.parent_id = Some(root);
                items::create(&c.write, new).await.unwrap().id
            }
        };
        // Every one-row page agrees with the whole listing (pages may start from where an
        // earlier page said the next one starts; a change must make that forgotten).
        let pages_agree = |c: Catalog| {
            let lib_id = lib.id.clone();
            let sort = sort.clone();
            async move {
                let (whole, total) =
                    browse_ids(&c, &browse_movies(&lib_id, sort.clone(), 0, None)).await;
                for _pass in 0..2 {
                    for offset in 0..total {
                        let (page, _) =
                            browse_ids(&c, &browse_movies(&lib_id, sort.clone(), offset, Some(1)))
                                .await;
                        assert_eq!(page, whole[offset as usize..=offset as usize]);
                    }
                }
            }
        };
        assert_eq!(totals(catalog.clone()).await, (0, 0, 0, 0));
        pages_agree(catalog.clone()).await;
        let a = add(catalog.clone(), "Alpha", Some(2001)).await;
        assert_eq!(totals(catalog.clone()).await, (1, 1, 0, 1));
        pages_agree(catalog.clone()).await;
        // Added through the other connection.
        let b = add(other.clone(), "Beta", Some(2002)).await;
        assert_eq!(totals(catalog.clone()).await, (2, 1, 0, 1 + 1));
        pages_agree(catalog.clone()).await;
        // A year changed, elsewhere.
        other
            .write
            .execute_raw(Statement::from_sql_and_values(
                other.backend(),
                "UPDATE items SET year = 2001 WHERE id = $1",
                vec![b.clone().into()],
            ))
            .await
            .unwrap();
        assert_eq!(totals(catalog.clone()).await, (2, 2, 0, 2));
        pages_agree(catalog.clone()).await;
        // A rename (the sort key is what search reads).
        other
            .write
            .execute_raw(Statement::from_sql_and_values(
                other.backend(),
                "UPDATE items SET name = 'Gamma', sort_name = 'gamma' WHERE id = $1",
                vec![b.clone().into()],
            ))
            .await
            .unwrap();
        assert_eq!(totals(catalog.clone()).await, (2, 2, 1, 2));
        pages_agree(catalog.clone()).await;
        // Gone and back: presence is part of every listing.
        items::set_missing(&other.write, &a, true).await.unwrap();
        assert_eq!(totals(catalog.clone()).await, (1, 1, 1, 1));
        pages_agree(catalog.clone()).await;
        items::set_missing(&catalog.write, &a, false).await.unwrap();
        assert_eq!(totals(catalog.clone()).await, (2, 2, 1, 2));
        pages_agree(catalog.clone()).await;
        // Rewriting a row without changing a listed column changes nothing.
        items::set_runtime(&other, &a, Some(90_000)).await.unwrap();
        assert_eq!(totals(catalog.clone()).await, (2, 2, 1, 2));
        pages_agree(catalog.clone()).await;
        // Deleted, inside a transaction that rolls back, then for real.
        {
            use sea_orm::TransactionTrait;
            let tx = other.write.begin().await.unwrap();
            tx.execute_raw(Statement::from_sql_and_values(
                other.backend(),
                "DELETE FROM items WHERE id = $1",
                vec![a.clone().into()],
            ))
            .await
            .unwrap();
            tx.rollback().await.unwrap();
        }
        assert_eq!(totals(catalog.clone()).await, (2, 2, 1, 2));
        pages_agree(catalog.clone()).await;
        other
            .write
            .execute_raw(Statement::from_sql_and_values(
                other.backend(),
                "DELETE FROM items WHERE id = $1",
                vec![a.clone().into()],
            ))
            .await
            .unwrap();
        assert_eq!(totals(catalog.clone()).await, (1, 1, 1, 1));
        pages_agree(catalog.clone()).await;
        // Past the end: no rows, the same total.
        let beyond = browse_movies(&lib.id, sort, 5, Some(10));
        assert_eq!(browse_ids(&catalog, &beyond).await, (Vec::new(), 1));
        other.close().await;
        catalog.close().await;
    }
    run_per_backend(false, case).await;
}

/// A handler in the middle of a write transaction while its lease is renewed: on SQLite the
/// catalog has one write connection, so the renewal must not wait on the handler's future.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_renewal_does_not_deadlock_a_handler_holding_the_writer() {
    struct HoldsWriter {
        catalog: Catalog,
        done: Arc<Mutex<bool>>,
    }
    #[async_trait::async_trait]
    impl JobHandler for HoldsWriter {
        async fn run(&self, _kind: &str, _payload: &serde_json::Value) -> Result<(), JobError> {
            use sea_orm::TransactionTrait;
            let txn = self
                .catalog
                .write
                .begin()
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            // Longer than a third of the lease: a renewal is due while the writer is held.
            tokio::time::sleep(Duration::from_millis(2_500)).await;
            txn.execute_unprepared("UPDATE jobs SET updated_at = updated_at")
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            txn.commit()
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            *self.done.lock().unwrap() = true;
            Ok(())
        }
    }
    async fn case(catalog: Catalog) {
        let q = JobQueue::new(catalog.clone(), 3, Duration::from_secs(3));
        q.enqueue(new_job("long-write", 0)).await.unwrap();
        let done = Arc::new(Mutex::new(false));
        let runner = JobRunner::start(
            q.clone(),
            Arc::new(HoldsWriter {
                catalog: catalog.clone(),
                done: done.clone(),
            }),
            1,
            0,
            "metadata",
        );
        let started = Instant::now();
        while !*done.lock().unwrap() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "handler deadlocked with the lease renewal"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        runner.shutdown(Duration::from_secs(5)).await;
        assert_eq!(job_row(&catalog, "long-write").await.state, "done");
    }
    on_both_backends(case).await;
}
