//! What the `metadata` job leaves outside the catalog: images fetched into the data dir, and
//! the NFO, JSON record and poster written next to the media as the library's policy says.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::Pipeline;
use crate::db::entities::{item, media_file};
use crate::db::libraries::Library;
use crate::db::CatalogError;
use crate::domain::metadata::{ImageKind, Metadata};
use crate::metadata::merge;
use crate::metadata::nfo::{self, NfoKind};
use crate::sidecar::write::{write_image_if_absent, write_sidecar, WriteOutcome};

/// Downloads the winning poster (an episode's still) and backdrop from TMDB into the data dir.
/// The tag is a digest of the source URL, so an unchanged image is not fetched again.
pub(super) async fn fetch_images(
    p: &Pipeline,
    item: &item::Model,
    winners: &Metadata,
) -> Result<(), CatalogError> {
    for (kind, wanted) in [
        (
            ImageKind::Poster,
            [ImageKind::Poster, ImageKind::Still].as_slice(),
        ),
        (ImageKind::Backdrop, [ImageKind::Backdrop].as_slice()),
        (ImageKind::Logo, [ImageKind::Logo].as_slice()),
    ] {
        let Some(image) = winners.images.iter().find(|i| wanted.contains(&i.kind)) else {
            continue;
        };
        let url = if image.location.starts_with("http://") || image.location.starts_with("https://")
        {
            image.location.clone()
        } else if image.location.starts_with('/') {
            let size = if kind == ImageKind::Backdrop {
                "w1280"
            } else {
                "w780"
            };
            p.tmdb.image_url(size, &image.location)
        } else {
            continue;
        };
        let tag = hex::encode(Sha256::digest(url.as_bytes()))[..16].to_string();
        let current = match kind {
            ImageKind::Backdrop => item.backdrop_tag.as_deref(),
            ImageKind::Logo => item.logo_tag.as_deref(),
            _ => item.image_tag.as_deref(),
        };
        if current == Some(tag.as_str()) {
            continue;
        }
        let name = match kind {
            ImageKind::Backdrop => "backdrop",
            ImageKind::Logo => "logo",
            _ => "poster",
        };
        let prefix: String = item.id.chars().take(2).collect();
        let dest = p
            .data_dir
            .join("images")
            .join(prefix)
            .join(format!("{}-{name}.jpg", item.id));
        match download(&p.http, &url, &dest).await {
            Ok(()) => {
                crate::db::metadata::set_image(
                    &p.catalog.write,
                    &item.id,
                    kind,
                    &dest.to_string_lossy(),
                    &tag,
                )
                .await?;
            }
            // An image is a nicety: the item keeps its keyframe thumbnail.
            Err(e) => tracing::warn!(item = %item.id, error = %e, "image not fetched"),
        }
    }
    Ok(())
}

/// `dir/Name.mkv` + `-poster.jpg` → `dir/Name-poster.jpg`.
fn sibling(media: &Path, suffix: &str) -> PathBuf {
    let stem = media
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    media.with_file_name(format!("{stem}{suffix}"))
}

async fn download(http: &reqwest::Client, url: &str, dest: &Path) -> anyhow::Result<()> {
    use anyhow::Context;
    let res = http
        .get(url)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("image request failed: {}", e.without_url()))?;
    anyhow::ensure!(res.status().is_success(), "image answered {}", res.status());
    let bytes = res
        .bytes()
        .await
        .map_err(|e| anyhow::anyhow!("image body failed: {}", e.without_url()))?;
    anyhow::ensure!(bytes.len() > 16, "image is empty");
    let dest = dest.to_path_buf();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).context("image folder")?;
        }
        // Two jobs may fetch the same image at once (an episode enriching its series while the
        // series' own job runs): each writes its own temp file, and the rename is atomic.
        let tmp = dest.with_extension(format!("{}.part", uuid::Uuid::new_v4().simple()));
        std::fs::write(&tmp, &bytes).context("image write")?;
        std::fs::rename(&tmp, &dest).context("image rename")?;
        Ok(())
    })
    .await??;
    Ok(())
}

/// Where an item's sidecars go: its NFO kind, the media file (a series': its folder), and the
/// image that is its poster now.
pub(super) struct SidecarPlace {
    pub kind: NfoKind,
    pub target: PathBuf,
    pub poster: Option<PathBuf>,
}

/// The NFO and the JSON record beside the media (or in a series folder), as the library's
/// policy says. A read-only folder or a user's own NFO is left alone, not an error.
pub(super) async fn write_sidecars(
    lib: &Library,
    item: &item::Model,
    place: &SidecarPlace,
    merged: &merge::Merged,
    tmdb_match: &Value,
    file: Option<&media_file::Model>,
) {
    let (kind, target, poster) = (place.kind, place.target.as_path(), place.poster.clone());
    let policy = lib.sidecars;
    // Kodi's names: `<name>-poster.jpg` beside a movie, `<name>-thumb.jpg` beside an episode,
    // `poster.jpg` in a series folder.
    let poster_path = match kind {
        NfoKind::TvShow | NfoKind::Season => target.join("poster.jpg"),
        NfoKind::Episode => sibling(target, "-thumb.jpg"),
        NfoKind::Movie => sibling(target, "-poster.jpg"),
    };
    let nfo_path = nfo::nfo_path_for(kind, target);
    let json_path = match kind {
        NfoKind::TvShow => target.join("tvshow.kinora.json"),
        NfoKind::Season => target.join("season.kinora.json"),
        _ => target.with_extension("kinora.json"),
    };
    let info = file.and_then(super::metadata::probe_of);
    let nfo_text = crate::sidecar::nfo_writer::render_with_flags(
        kind,
        &merged.winners,
        info.as_ref(),
        &merged.llm_fields,
    );
    let fields: Vec<Value> = merged
        .values
        .iter()
        .map(|v| {
            json!({
                "field": v.field,
                "source": v.source,
                "value": v.value,
                "confidence": v.confidence,
                "llm_generated": v.llm_generated,
                "prompt_version": v.prompt_version,
                "winner": merged.won_by.get(&v.field) == Some(&v.source),
            })
        })
        .collect();
    let record = json!({
        "kinora_sidecar": 1,
        "item_id": item.id,
        "kind": item.kind,
        "library": lib.name,
        "metadata_source": merged.main_source(),
        "metadata": merged.winners,
        "llm_generated": merged.llm_fields,
        "fields": fields,
        "tmdb_match": tmdb_match,
    });
    let json_text = crate::sidecar::json::render(&record);
    let writes = tokio::task::spawn_blocking(move || {
        let mut out = vec![
            (
                nfo_path.clone(),
                write_sidecar(&nfo_path, &nfo_text, policy, true),
            ),
            (
                json_path.clone(),
                write_sidecar(&json_path, &json_text, policy, false),
            ),
        ];
        if let Some(src) = poster.filter(|p| p.is_file()) {
            out.push((
                poster_path.clone(),
                write_image_if_absent(&poster_path, &src, policy),
            ));
        }
        out
    })
    .await;
    let Ok(writes) = writes else {
        return;
    };
    for (path, outcome) in writes {
        match outcome {
            Ok(WriteOutcome::Written) => tracing::debug!(path = %path.display(), "sidecar written"),
            Ok(WriteOutcome::ReadOnly) => {
                tracing::debug!(path = %path.display(), "media folder is read-only; no sidecar")
            }
            Ok(WriteOutcome::SkippedForeign) => {
                tracing::debug!(path = %path.display(), "a user's NFO; left as it is")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "sidecar not written"),
        }
    }
}
