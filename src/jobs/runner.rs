use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::Instrument;

use super::queue::{ClaimedJob, JobQueue, JobState};

/// Why a job did not finish. `retryable` decides between backoff and a permanent failure.
#[derive(Debug, Clone)]
pub struct JobError {
    pub message: String,
    pub retryable: bool,
}

impl JobError {
    pub fn retry(message: impl Into<String>) -> JobError {
        JobError {
            message: message.into(),
            retryable: true,
        }
    }

    pub fn permanent(message: impl Into<String>) -> JobError {
        JobError {
            message: message.into(),
            retryable: false,
        }
    }
}

impl From<crate::db::CatalogError> for JobError {
    fn from(e: crate::db::CatalogError) -> JobError {
        JobError::retry(e.to_string())
    }
}

/// Runs jobs of every kind. Implementations must be idempotent: a job may run twice when its
/// worker died after doing the work but before recording it.
#[async_trait::async_trait]
pub trait JobHandler: Send + Sync + 'static {
    async fn run(&self, kind: &str, payload: &serde_json::Value) -> Result<(), JobError>;
}

/// A pool of workers pulling from the queue with bounded concurrency.
pub struct JobRunner {
    tasks: JoinSet<()>,
    stop: watch::Sender<bool>,
}

impl JobRunner {
    /// `workers` take any job; `network` more take only jobs of `network_kind`, which mostly
    /// wait on remote servers (TMDB, image downloads, an LLM) and would otherwise hold the
    /// CPU-sized pool idle while probes queue behind them.
    pub fn start(
        queue: JobQueue,
        handler: Arc<dyn JobHandler>,
        workers: usize,
        network: usize,
        network_kind: &'static str,
    ) -> JobRunner {
        let (stop, stopped) = watch::channel(false);
        let mut tasks = JoinSet::new();
        let process = std::process::id();
        let lanes = std::iter::repeat_n(None, workers.max(1))
            .chain(std::iter::repeat_n(Some(network_kind), network));
        for (n, lane) in lanes.enumerate() {
            let owner = format!("{process}-{n}-{}", uuid::Uuid::new_v4().simple());
            tasks.spawn(worker_loop(
                queue.clone(),
                handler.clone(),
                owner,
                lane,
                stopped.clone(),
            ));
        }
        // Jobs whose worker died on every attempt are failed instead of retried forever.
        let sweeper = queue.clone();
        let mut sweep_stop = stopped.clone();
        tasks.spawn(async move {
            loop {
                match sweeper.fail_abandoned().await {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!(jobs = n, "failed jobs whose worker kept dying"),
                    Err(e) => tracing::warn!(error = %e, "cannot sweep abandoned jobs"),
                }
                tokio::select! {
                    _ = tokio::time::sleep(sweeper.lease()) => {}
                    _ = sweep_stop.changed() => return,
                }
            }
        });
        JobRunner { tasks, stop }
    }

    /// Stops taking new jobs and waits for running ones (a job cut short is resumed later by
    /// lease expiry anyway).
    pub async fn shutdown(mut self, grace: Duration) {
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(grace, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        self.tasks.abort_all();
    }
}

async fn worker_loop(
    queue: JobQueue,
    handler: Arc<dyn JobHandler>,
    owner: String,
    lane: Option<&'static str>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        if *stopped.borrow() {
            return;
        }
        let job = match queue.claim_kind(&owner, lane).await {
            Ok(Some(job)) => job,
            Ok(None) => {
                tokio::select! {
                    _ = queue.wait_for_work(Duration::from_secs(1)) => {}
                    _ = stopped.changed() => {}
                }
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot claim a job; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        run_one(&queue, handler.as_ref(), &owner, job).await;
    }
}

async fn run_one(queue: &JobQueue, handler: &dyn JobHandler, owner: &str, job: ClaimedJob) {
    // `instrument`, not `enter`: an entered span would leak onto other tasks across awaits.
    let span = tracing::debug_span!("job", id = job.id, kind = %job.kind, attempt = job.attempts);
    run_one_in_span(queue, handler, owner, job)
        .instrument(span)
        .await
}

async fn run_one_in_span(queue: &JobQueue, handler: &dyn JobHandler, owner: &str, job: ClaimedJob) {
    let payload: serde_json::Value =
        serde_json::from_str(&job.payload).unwrap_or(serde_json::Value::Null);
    // Renew the lease while the handler runs, so a long probe is not taken over by another
    // worker; if the lease is lost, the other worker's result wins (handlers are idempotent).
    // The renewal runs as its own task: awaiting it between polls of the handler would
    // deadlock when the handler holds the catalog's single write connection mid-transaction.
    let renewer = {
        let queue = queue.clone();
        let owner = owner.to_string();
        let id = job.id;
        let every = queue.lease() / 3;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                match queue.renew(id, &owner).await {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!("lost the lease of a running job"),
                    Err(e) => tracing::warn!(error = %e, "cannot renew job lease"),
                }
            }
        })
    };
    let result = handler.run(&job.kind, &payload).await;
    renewer.abort();
    let recorded = match result {
        Ok(()) => queue.complete(job.id, owner).await.map(|_| JobState::Done),
        Err(e) => {
            let state = queue.fail(&job, owner, &e.message, e.retryable).await;
            match &state {
                Ok(Some(JobState::Failed)) => {
                    tracing::warn!(error = %e.message, "job failed permanently")
                }
                Ok(Some(_)) => tracing::info!(error = %e.message, "job failed; will retry"),
                Ok(None) => {
                    tracing::warn!(error = %e.message, "job failed after losing its lease; another worker has it")
                }
                Err(_) => {}
            }
            state.map(|_| JobState::Failed)
        }
    };
    if let Err(e) = recorded {
        // The lease will expire and the job run again: handlers are idempotent.
        tracing::warn!(error = %e, "cannot record job result");
    }
}
