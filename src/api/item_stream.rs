//! Direct play of an item's file, shared by the native `/api/v1/items/{id}/stream` and
//! Jellyfin's `/Videos/{id}/stream`: the file is found by catalogued id only (never a path a
//! client sends), remembered for a few seconds, and looked up again if it moved meanwhile.

use std::path::{Path, PathBuf};

use actix_web::{HttpRequest, HttpResponse};

use super::AppState;
use crate::db::media_files::{self, state as file_state};
use crate::db::CatalogError;
use crate::media::direct_play::{self, DirectPlayError, ServeOptions};

#[derive(Debug, thiserror::Error)]
pub enum ItemStreamError {
    #[error("no playable file for item {0}")]
    NoPlayableFile(String),
    #[error(transparent)]
    File(#[from] DirectPlayError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// Serves `wanted_file` of the item (a version or part), else its first active file.
pub async fn serve_item_file(
    req: &HttpRequest,
    state: &AppState,
    item_id: &str,
    wanted_file: Option<&str>,
) -> Result<HttpResponse, ItemStreamError> {
    let key = (item_id.to_string(), wanted_file.map(str::to_string));
    let cached = state.stream_cache.get(&key);
    let from_cache = cached.is_some();
    let path = match cached {
        Some(p) => p,
        None => playable_path(state, item_id, wanted_file).await?,
    };
    match serve(req, &path).await {
        // The file moved since it was remembered: look it up again once.
        Err(DirectPlayError::NotFound(_)) if from_cache => {
            state.stream_cache.remove(&key);
            let fresh = playable_path(state, item_id, wanted_file).await?;
            let res = serve(req, &fresh).await?;
            state.stream_cache.insert(key, fresh);
            Ok(res)
        }
        Ok(res) => {
            if !from_cache {
                state.stream_cache.insert(key, path);
            }
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

async fn playable_path(
    state: &AppState,
    item_id: &str,
    wanted: Option<&str>,
) -> Result<PathBuf, ItemStreamError> {
    media_files::for_items(&state.catalog, &[item_id.to_string()])
        .await?
        .into_iter()
        .filter(|f| f.state == file_state::ACTIVE)
        .find(|f| wanted.is_none_or(|w| w == f.id))
        .map(|f| f.path)
        .ok_or_else(|| ItemStreamError::NoPlayableFile(item_id.to_string()))
}

async fn serve(req: &HttpRequest, path: &Path) -> Result<HttpResponse, DirectPlayError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    direct_play::serve_file(
        req,
        path,
        &ServeOptions {
            content_type: direct_play::content_type_for_extension(&ext),
        },
    )
    .await
}
