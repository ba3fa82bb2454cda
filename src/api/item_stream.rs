//! Direct play of an item's file, shared by the native `/api/v1/items/{id}/stream` and
//! Jellyfin's `/Videos/{id}/stream`: the file is found by catalogued id only (never a path a
//! client sends), remembered for a few seconds, and looked up again if it moved meanwhile.
//! Both the actix handlers and the `sendfile` front ([`super::stream_front`]) open files here.

use std::fs::{File, Metadata};
use std::path::PathBuf;

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

/// An item's file, open and inspected, ready to be planned and sent.
pub struct OpenItemFile {
    pub path: PathBuf,
    pub file: File,
    pub meta: Metadata,
}

impl OpenItemFile {
    pub fn content_type(&self) -> &'static str {
        direct_play::content_type_for_path(&self.path)
    }
}

/// Serves `wanted_file` of the item (a version or part), else its first active file.
pub async fn serve_item_file(
    req: &HttpRequest,
    state: &AppState,
    item_id: &str,
    wanted_file: Option<&str>,
) -> Result<HttpResponse, ItemStreamError> {
    let opened = open_item_file(state, item_id, wanted_file).await?;
    let opts = ServeOptions {
        content_type: opened.content_type(),
    };
    Ok(direct_play::respond(
        req,
        opened.file,
        &opened.meta,
        &opened.path,
        &opts,
    ))
}

/// Opens `wanted_file` of the item (a version or part), else its first active file.
pub async fn open_item_file(
    state: &AppState,
    item_id: &str,
    wanted_file: Option<&str>,
) -> Result<OpenItemFile, ItemStreamError> {
    let key = (item_id.to_string(), wanted_file.map(str::to_string));
    let cached = state.stream_cache.get(&key);
    let from_cache = cached.is_some();
    let path = match cached {
        Some(p) => p,
        None => playable_path(state, item_id, wanted_file).await?,
    };
    match direct_play::open(&path).await {
        // The file moved since it was remembered: look it up again once.
        Err(DirectPlayError::NotFound(_)) if from_cache => {
            state.stream_cache.remove(&key);
            let fresh = playable_path(state, item_id, wanted_file).await?;
            let (file, meta) = direct_play::open(&fresh).await?;
            state.stream_cache.insert(key, fresh.clone());
            Ok(OpenItemFile {
                path: fresh,
                file,
                meta,
            })
        }
        Ok((file, meta)) => {
            if !from_cache {
                state.stream_cache.insert(key, path.clone());
            }
            Ok(OpenItemFile { path, file, meta })
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
