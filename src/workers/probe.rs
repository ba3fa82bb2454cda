//! The `probe` and `thumbnail` jobs.

use super::Pipeline;
use crate::db::media_files::{self, probe_state, state};
use crate::db::{items, CatalogError};
use crate::jobs::{kinds, JobError, NewJob};
use crate::probe::{self as ffprobe, ProbeError};

/// A probe of one file. Priority above 0 jumps the backlog (a client is waiting).
pub fn probe_job(file_id: &str, priority: i32) -> NewJob {
    NewJob {
        kind: kinds::PROBE,
        dedupe_key: format!("probe:{file_id}"),
        subject_id: Some(file_id.to_string()),
        payload: serde_json::json!({ "file_id": file_id }),
        priority,
    }
}

fn thumbnail_job(file_id: &str) -> NewJob {
    NewJob {
        kind: kinds::THUMBNAIL,
        dedupe_key: format!("thumbnail:{file_id}"),
        subject_id: Some(file_id.to_string()),
        payload: serde_json::json!({ "file_id": file_id }),
        priority: -1,
    }
}

/// A tool problem (ffprobe missing, timed out) may go away; a file that is not a video won't.
fn is_retryable(e: &ProbeError) -> bool {
    use crate::process::ProcessError;
    matches!(
        e,
        ProbeError::Process(ProcessError::NotFound { .. })
            | ProbeError::Process(ProcessError::Spawn { .. })
            | ProbeError::Process(ProcessError::Timeout { .. })
    )
}

pub async fn probe(p: &Pipeline, file_id: &str) -> Result<(), JobError> {
    let Some(file) = media_files::get(&p.catalog, file_id).await? else {
        return Ok(()); // the row went away (a move merged it): nothing to do
    };
    if file.state != state::ACTIVE {
        return Ok(());
    }
    let path = file.path.clone();
    match ffprobe::probe_file(&p.tools, &path).await {
        Ok(info) => {
            media_files::save_probe(&p.catalog, &file.id, &info).await?;
            if let Some(item_id) = &file.item_id {
                items::set_runtime(&p.catalog, item_id, info.duration_ms).await?;
                // What the video says is part of what the item is.
                p.jobs.enqueue(super::classify_job(item_id, 0)).await?;
            }
            let has_video = info
                .streams
                .iter()
                .any(|s| s.kind == Some(crate::domain::StreamKind::Video));
            if has_video {
                p.jobs.enqueue(thumbnail_job(&file.id)).await?;
            }
            Ok(())
        }
        Err(_) if !path.exists() => {
            // Deleted while being probed: recorded on the file; the next scan settles it.
            vanished(p, &file).await?;
            Ok(())
        }
        Err(e) => {
            let reason = e.to_string();
            let retryable = is_retryable(&e);
            media_files::save_probe_failure(&p.catalog, &file.id, &reason, !retryable).await?;
            if !retryable {
                tracing::warn!(path = %file.path.display(), error = %reason, "not a playable video");
                if let Some(item_id) = &file.item_id {
                    items::refresh_presence(&p.catalog.write, std::slice::from_ref(item_id))
                        .await?;
                }
            }
            Err(JobError {
                message: reason,
                retryable,
            })
        }
    }
}

async fn vanished(p: &Pipeline, file: &crate::domain::MediaFile) -> Result<(), CatalogError> {
    media_files::save_probe_failure(
        &p.catalog,
        &file.id,
        "file vanished while being probed",
        false,
    )
    .await?;
    let owners = media_files::mark_missing(&p.catalog, std::slice::from_ref(&file.id)).await?;
    items::refresh_presence(&p.catalog.write, &owners).await
}

pub async fn thumbnail(p: &Pipeline, file_id: &str) -> Result<(), JobError> {
    let Some(file) = media_files::get(&p.catalog, file_id).await? else {
        return Ok(());
    };
    if file.state != state::ACTIVE || file.probe_state != probe_state::OK {
        return Ok(());
    }
    let path = file.path.clone();
    let prefix: String = file.id.chars().take(2).collect();
    let out = p
        .data_dir
        .join("thumbnails")
        .join(prefix)
        .join(format!("{}.jpg", file.id));
    match ffprobe::extract_thumbnail(&p.tools, &path, file.duration_ms, &out).await {
        Ok(_) => {
            let out_str = out.to_string_lossy().into_owned();
            media_files::set_thumbnail(&p.catalog, &file.id, &out_str).await?;
            if let Some(item_id) = &file.item_id {
                // The tag changes whenever the image does, so clients can cache by it.
                let tag =
                    crate::db::api_keys::hash_secret(&format!("{}:{}", out_str, file.mtime_ns));
                let tag = &tag[..16];
                if items::set_image_if_absent(&p.catalog, item_id, &out_str, tag).await? {
                    // The keyframe is the item's poster: its sidecars get it too.
                    p.jobs.enqueue(super::metadata_job(item_id, -1)).await?;
                }
                let (w, h) = (file.width.unwrap_or(16), file.height.unwrap_or(9));
                match crate::media::blurhash::of_image(
                    &p.tools.ffmpeg,
                    p.tools.timeout,
                    &out,
                    u32::try_from(w.max(1)).unwrap_or(16),
                    u32::try_from(h.max(1)).unwrap_or(9),
                )
                .await
                {
                    Ok(hash) => items::set_image_blurhash(&p.catalog, item_id, tag, &hash).await?,
                    // A placeholder is a nicety: the image itself is there.
                    Err(e) => tracing::warn!(item = %item_id, error = %e, "no blurhash"),
                }
            }
            Ok(())
        }
        Err(_) if !path.exists() => {
            vanished(p, &file).await?;
            Ok(())
        }
        Err(e) => Err(JobError {
            retryable: is_retryable(&e),
            message: e.to_string(),
        }),
    }
}
