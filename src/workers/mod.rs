//! Job handlers: they connect the scanner's findings, ffprobe and ffmpeg to the catalog.
//! Every handler is idempotent (a job may run twice after a crash).

mod classify;
mod identify;
mod metadata;
mod metadata_output;
mod probe;

use std::path::PathBuf;
use std::sync::Arc;

use crate::db::libraries::Library;
use crate::db::Catalog;
use crate::jobs::{kinds, JobError, JobHandler, JobQueue};

/// What the handlers share.
#[derive(Clone)]
pub struct Pipeline {
    pub catalog: Catalog,
    pub jobs: JobQueue,
    pub libraries: Arc<Vec<Library>>,
    pub tools: Arc<crate::probe::Tools>,
    pub data_dir: PathBuf,
    /// Every LLM call goes through it (the `classify` task here).
    pub llm: Arc<crate::llm::Router>,
    pub classify: crate::config::ClassifyConfig,
    /// TMDB, through the catalog's cache.
    pub tmdb: crate::metadata::tmdb::Tmdb,
    /// For image downloads.
    pub http: reqwest::Client,
}

impl Pipeline {
    fn library(&self, id: &str) -> Option<&Library> {
        self.libraries.iter().find(|l| l.id == id)
    }
}

/// Confidences are stored to three decimals: an f32's binary tail (0.8999999761…) would be
/// noise in the API and could make two identical runs compare unequal.
fn stored_confidence(confidence: f32) -> f64 {
    (f64::from(confidence) * 1000.0).round() / 1000.0
}

/// The file that speaks for an item: its first part that is present.
async fn primary_file(
    p: &Pipeline,
    item_id: &str,
) -> Result<Option<crate::db::entities::media_file::Model>, crate::db::CatalogError> {
    use crate::db::entities::media_file;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let mut files = media_file::Entity::find()
        .filter(media_file::Column::ItemId.eq(item_id))
        .filter(media_file::Column::State.eq(crate::db::media_files::state::ACTIVE))
        .all(&p.catalog.write)
        .await?;
    files.sort_by(|a, b| {
        (a.part_index.unwrap_or(0), a.first_seen_at, &a.id).cmp(&(
            b.part_index.unwrap_or(0),
            b.first_seen_at,
            &b.id,
        ))
    });
    Ok(files.into_iter().next())
}

fn payload_str<'a>(payload: &'a serde_json::Value, key: &str) -> Result<&'a str, JobError> {
    payload
        .get(key)
        .and_then(|v| v.as_str())
        .ok_or_else(|| JobError::permanent(format!("job payload lacks {key}")))
}

#[async_trait::async_trait]
impl JobHandler for Pipeline {
    async fn run(&self, kind: &str, payload: &serde_json::Value) -> Result<(), JobError> {
        match kind {
            kinds::IDENTIFY => identify::run(self, payload_str(payload, "library_id")?).await,
            kinds::PROBE => probe::probe(self, payload_str(payload, "file_id")?).await,
            kinds::THUMBNAIL => probe::thumbnail(self, payload_str(payload, "file_id")?).await,
            kinds::CLASSIFY => classify::run(self, payload_str(payload, "item_id")?).await,
            kinds::METADATA => metadata::run(self, payload_str(payload, "item_id")?).await,
            other => Err(JobError::permanent(format!("unknown job kind {other:?}"))),
        }
    }
}

pub use classify::classify_job;
pub use metadata::metadata_job;
pub use probe::probe_job;
