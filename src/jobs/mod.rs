//! The persistent job queue: one table, claimed with a single conditional UPDATE and a
//! renewable lease, so a job whose worker died (crash, `kill -9`) is taken again once its lease
//! runs out. Enqueueing is idempotent through a dedupe key.

mod queue;
mod runner;

pub use queue::{ClaimedJob, JobCounts, JobQueue, JobState, NewJob};
pub use runner::{JobError, JobHandler, JobRunner};

/// Kinds of job. Each has one handler, and every handler is idempotent.
pub mod kinds {
    /// Fingerprint the new and changed files of one library and attach them to items.
    pub const IDENTIFY: &str = "identify";
    /// ffprobe one media file.
    pub const PROBE: &str = "probe";
    /// Keyframe thumbnail of one media file.
    pub const THUMBNAIL: &str = "thumbnail";
    /// Classify one item (movie, episode, home video, extra) and queue it for review when
    /// unsure.
    pub const CLASSIFY: &str = "classify";
    /// Metadata for one item: NFO, TMDB, LLM gaps; images and sidecars.
    pub const METADATA: &str = "metadata";
}
