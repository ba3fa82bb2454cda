use std::sync::Arc;
use std::time::Duration;

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Statement, Value,
};
use tokio::sync::Notify;

use crate::db::entities::job;
use crate::db::{now_ms, Catalog, CatalogError};
use crate::domain::JobRecord;

/// Lifecycle of one job row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: &'static str,
    /// Two enqueues with the same key are one job.
    pub dedupe_key: String,
    /// The library, file or item the job is about (for "job state" in item details).
    pub subject_id: Option<String>,
    pub payload: serde_json::Value,
    /// Higher runs first (a probe a client is waiting for beats the backlog).
    pub priority: i32,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct ClaimedJob {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i32,
    pub max_attempts: i32,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct JobCounts {
    pub queued: u64,
    pub running: u64,
    pub done: u64,
    pub failed: u64,
    /// The same counts per job kind (identify, probe, thumbnail).
    pub by_kind: std::collections::BTreeMap<String, KindCounts>,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct KindCounts {
    pub queued: u64,
    pub running: u64,
    pub done: u64,
    pub failed: u64,
}

/// Handle to the queue; cheap to clone.
#[derive(Clone)]
pub struct JobQueue {
    catalog: Catalog,
    wake: Arc<Notify>,
    max_attempts: i32,
    lease: Duration,
}

impl JobQueue {
    pub fn new(catalog: Catalog, max_attempts: i32, lease: Duration) -> JobQueue {
        JobQueue {
            catalog,
            wake: Arc::new(Notify::new()),
            max_attempts,
            lease,
        }
    }

    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// Wakes idle workers (after an enqueue in this process).
    pub fn notify(&self) {
        self.wake.notify_waiters();
    }

    pub async fn wait_for_work(&self, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.wake.notified()).await;
    }

    /// Adds a job, or brings an existing one with the same key back to life: a finished or
    /// failed job is queued again; a running one is marked to run once more when it finishes
    /// (its input changed while it ran); a queued one is left alone (its priority may rise).
    pub async fn enqueue(&self, job: NewJob) -> Result<(), CatalogError> {
        self.enqueue_many(std::slice::from_ref(&job)).await
    }

    pub async fn enqueue_many(&self, jobs: &[NewJob]) -> Result<(), CatalogError> {
        if jobs.is_empty() {
            return Ok(());
        }
        let jobs = merge_repeated_keys(jobs);
        let now = now_ms();
        for chunk in jobs.chunks(200) {
            let mut sql = String::from(
                "INSERT INTO jobs (kind, payload, dedupe_key, subject_id, state, priority, attempts, \
                 max_attempts, run_after, requeue, created_at, updated_at) VALUES ",
            );
            let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 8);
            for (i, job) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                let b = values.len();
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, 'queued', ${}, 0, ${}, ${}, FALSE, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9
                ));
                values.extend([
                    job.kind.into(),
                    job.payload.to_string().into(),
                    job.dedupe_key.clone().into(),
                    job.subject_id.clone().into(),
                    job.priority.into(),
                    self.max_attempts.into(),
                    now.into(),
                    now.into(),
                    now.into(),
                ]);
            }
            sql.push_str(
                " ON CONFLICT (dedupe_key) DO UPDATE SET \
                   requeue = CASE WHEN jobs.state = 'running' THEN TRUE ELSE jobs.requeue END, \
                   priority = CASE WHEN excluded.priority > jobs.priority THEN excluded.priority ELSE jobs.priority END, \
                   payload = excluded.payload, \
                   attempts = CASE WHEN jobs.state IN ('done', 'failed') THEN 0 ELSE jobs.attempts END, \
                   last_error = CASE WHEN jobs.state IN ('done', 'failed') THEN NULL ELSE jobs.last_error END, \
                   run_after = CASE WHEN jobs.state IN ('done', 'failed') THEN excluded.run_after ELSE jobs.run_after END, \
                   finished_at = CASE WHEN jobs.state IN ('done', 'failed') THEN NULL ELSE jobs.finished_at END, \
                   state = CASE WHEN jobs.state IN ('done', 'failed') THEN 'queued' ELSE jobs.state END, \
                   updated_at = excluded.updated_at",
            );
            crate::db::execute(&self.catalog.write, &sql, values).await?;
        }
        self.notify();
        Ok(())
    }

    /// Takes the most urgent runnable job: queued and due, or running with an expired lease
    /// (its worker died). One statement, so two workers never take the same job.
    pub async fn claim(&self, owner: &str) -> Result<Option<ClaimedJob>, CatalogError> {
        self.claim_kind(owner, None).await
    }

    /// [`JobQueue::claim`] limited to one kind of job when `kind` is given (the extra workers
    /// for jobs that mostly wait on the network take only those).
    pub async fn claim_kind(
        &self,
        owner: &str,
        kind: Option<&str>,
    ) -> Result<Option<ClaimedJob>, CatalogError> {
        let now = now_ms();
        let lease_until = now + self.lease.as_millis() as i64;
        let lock = if self.catalog.is_postgres() {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, \
               attempts = attempts + 1, updated_at = $3 \
             WHERE id = (SELECT id FROM jobs \
                 WHERE ((state = 'queued' AND run_after <= $4) \
                    OR (state = 'running' AND lease_until < $5 AND attempts < max_attempts)) \
                   AND ($6 = '' OR kind = $6) \
                 ORDER BY priority DESC, run_after, id LIMIT 1{lock}) \
             RETURNING id, kind, payload, attempts, max_attempts"
        );
        let stmt = Statement::from_sql_and_values(
            self.catalog.backend(),
            &sql,
            [
                owner.into(),
                lease_until.into(),
                now.into(),
                now.into(),
                now.into(),
                kind.unwrap_or("").into(),
            ],
        );
        let row = self.catalog.write.query_one_raw(stmt).await?;
        Ok(match row {
            Some(r) => Some(ClaimedJob::from_query_result(&r, "")?),
            None => None,
        })
    }

    /// Extends the lease of a job this worker still holds. `false` when it lost the job.
    pub async fn renew(&self, id: i64, owner: &str) -> Result<bool, CatalogError> {
        let until = now_ms() + self.lease.as_millis() as i64;
        let n = crate::db::execute(
            &self.catalog.write,
            "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'running'",
            vec![until.into(), id.into(), owner.into()],
        )
        .await?;
        Ok(n == 1)
    }

    /// Marks a job done, or queues it again at once when it was re-enqueued while running.
    pub async fn complete(&self, id: i64, owner: &str) -> Result<(), CatalogError> {
        let now = now_ms();
        crate::db::execute(
            &self.catalog.write,
            "UPDATE jobs SET \
               state = CASE WHEN requeue THEN 'queued' ELSE 'done' END, \
               attempts = CASE WHEN requeue THEN 0 ELSE attempts END, \
               requeue = FALSE, lease_owner = NULL, lease_until = NULL, last_error = NULL, \
               run_after = $1, updated_at = $2, \
               finished_at = CASE WHEN requeue THEN NULL ELSE $3 END \
             WHERE id = $4 AND lease_owner = $5",
            vec![now.into(), now.into(), now.into(), id.into(), owner.into()],
        )
        .await?;
        Ok(())
    }

    /// Records a failure: retried later with exponential backoff while attempts remain and the
    /// error is retryable, otherwise failed for good with its reason. A job re-enqueued while it
    /// ran (its input changed) is queued again with fresh attempts instead. `None` when this
    /// worker no longer held the job (its lease ran out and another worker took it).
    pub async fn fail(
        &self,
        job: &ClaimedJob,
        owner: &str,
        error: &str,
        retryable: bool,
    ) -> Result<Option<JobState>, CatalogError> {
        let now = now_ms();
        let give_up = !retryable || job.attempts >= job.max_attempts;
        let backoff_ms = backoff(job.attempts).as_millis() as i64;
        let error: String = error.chars().take(2000).collect();
        let stmt = Statement::from_sql_and_values(
            self.catalog.backend(),
            "UPDATE jobs SET \
               state = CASE WHEN requeue THEN 'queued' WHEN $1 THEN 'failed' ELSE 'queued' END, \
               attempts = CASE WHEN requeue THEN 0 ELSE attempts END, \
               run_after = CASE WHEN requeue THEN $2 ELSE $3 END, \
               finished_at = CASE WHEN requeue THEN NULL WHEN $4 THEN $5 ELSE NULL END, \
               requeue = FALSE, last_error = $6, lease_owner = NULL, lease_until = NULL, updated_at = $7 \
             WHERE id = $8 AND lease_owner = $9 \
             RETURNING state",
            [
                give_up.into(),
                now.into(),
                (now + backoff_ms).into(),
                give_up.into(),
                now.into(),
                error.into(),
                now.into(),
                job.id.into(),
                owner.into(),
            ],
        );
        let row = self.catalog.write.query_one_raw(stmt).await?;
        Ok(match row {
            Some(r) => Some(match r.try_get::<String>("", "state")?.as_str() {
                "failed" => JobState::Failed,
                _ => JobState::Queued,
            }),
            None => None,
        })
    }

    /// Fails jobs whose worker died on every attempt (a job that crashes the process must not
    /// be re-run forever). Called periodically by the runner.
    pub async fn fail_abandoned(&self) -> Result<u64, CatalogError> {
        let now = now_ms();
        Ok(crate::db::execute(
            &self.catalog.write,
            "UPDATE jobs SET state = 'failed', lease_owner = NULL, lease_until = NULL, \
               last_error = 'its worker stopped (crash or kill) during every attempt', \
               updated_at = $1, finished_at = $2 \
             WHERE state = 'running' AND lease_until < $3 AND attempts >= max_attempts",
            vec![now.into(), now.into(), now.into()],
        )
        .await?)
    }

    pub async fn counts(&self) -> Result<JobCounts, CatalogError> {
        use sea_orm::QuerySelect;
        let rows: Vec<(String, String, i64)> = job::Entity::find()
            .select_only()
            .column(job::Column::Kind)
            .column(job::Column::State)
            .column_as(job::Column::Id.count(), "n")
            .group_by(job::Column::Kind)
            .group_by(job::Column::State)
            .into_tuple()
            .all(&self.catalog.read)
            .await?;
        let mut counts = JobCounts::default();
        for (kind, state, n) in rows {
            let n = n.max(0) as u64;
            let per_kind = counts.by_kind.entry(kind).or_default();
            let (total, mine) = match state.as_str() {
                "queued" => (&mut counts.queued, &mut per_kind.queued),
                "running" => (&mut counts.running, &mut per_kind.running),
                "done" => (&mut counts.done, &mut per_kind.done),
                _ => (&mut counts.failed, &mut per_kind.failed),
            };
            *total += n;
            *mine += n;
        }
        Ok(counts)
    }

    /// True while anything is queued or running.
    pub async fn busy(&self) -> Result<bool, CatalogError> {
        let c = self.counts().await?;
        Ok(c.queued + c.running > 0)
    }

    pub async fn for_subjects(&self, subjects: &[String]) -> Result<Vec<JobRecord>, CatalogError> {
        Ok(job::Entity::find()
            .filter(job::Column::SubjectId.is_in(subjects.iter().cloned()))
            .all(&self.catalog.read)
            .await?
            .into_iter()
            .map(to_record)
            .collect())
    }

    /// Recent failures, newest first.
    pub async fn failures(&self, limit: u64) -> Result<Vec<JobRecord>, CatalogError> {
        use sea_orm::{QueryOrder, QuerySelect};
        Ok(job::Entity::find()
            .filter(job::Column::State.eq("failed"))
            .order_by_desc(job::Column::UpdatedAt)
            .limit(limit)
            .all(&self.catalog.read)
            .await?
            .into_iter()
            .map(to_record)
            .collect())
    }
}

fn to_record(j: job::Model) -> JobRecord {
    JobRecord {
        id: j.id,
        kind: j.kind,
        subject_id: j.subject_id,
        state: j.state,
        attempts: j.attempts,
        last_error: j.last_error,
    }
}

/// One job per dedupe key. PostgreSQL refuses an upsert that reaches the same row twice ("ON
/// CONFLICT DO UPDATE command cannot affect row a second time") where SQLite applies the rows in
/// turn; merging them the way SQLite would (first kind and subject, last payload, highest
/// priority) makes both backends agree.
fn merge_repeated_keys(jobs: &[NewJob]) -> Vec<NewJob> {
    let mut out: Vec<NewJob> = Vec::with_capacity(jobs.len());
    let mut at: std::collections::HashMap<&str, usize> =
        std::collections::HashMap::with_capacity(jobs.len());
    for job in jobs {
        match at
            .get(job.dedupe_key.as_str())
            .and_then(|&i| out.get_mut(i))
        {
            Some(kept) => {
                kept.payload = job.payload.clone();
                kept.priority = kept.priority.max(job.priority);
            }
            None => {
                at.insert(job.dedupe_key.as_str(), out.len());
                out.push(job.clone());
            }
        }
    }
    out
}

/// 2 s, 4 s, 8 s … capped at ten minutes.
fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 10) as u32;
    Duration::from_secs((1u64 << exp).min(600))
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(50), Duration::from_secs(600));
    }
}
