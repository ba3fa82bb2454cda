//! Libraries: persisted ids, matched to the config by `id`, else by path, so a renamed library
//! keeps its items. Each has a root folder item (Jellyfin's CollectionFolder).

use std::path::PathBuf;

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::entities::{item, library};
use super::{now_ms, Catalog, CatalogError};
use crate::config::{LibraryConfig, LibraryKind, SidecarPolicy, WatchMode};

/// A library as the rest of the server sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Library {
    pub id: String,
    pub name: String,
    pub path: PathBuf,
    pub kind: LibraryKind,
    pub watch: WatchMode,
    /// Whether NFO and JSON sidecars are written next to the media.
    pub sidecars: SidecarPolicy,
    /// The folder item that is the library's root in item listings.
    pub root_item_id: String,
}

/// Identity key of a library's root folder item.
pub const ROOT_IDENTITY: &str = "root";

/// Makes the catalog's libraries match the configuration and returns them in config order.
/// Libraries no longer configured keep their rows (and their items' watch history) so that
/// configuring them again brings everything back.
pub async fn sync_from_config(
    c: &Catalog,
    configured: &[LibraryConfig],
) -> Result<Vec<Library>, CatalogError> {
    let existing = library::Entity::find().all(&c.write).await?;
    let mut out = Vec::with_capacity(configured.len());
    let now = now_ms();
    for cfg in configured {
        let path = cfg.path.display().to_string();
        let matched = match cfg.id {
            Some(id) => existing.iter().find(|l| l.id == id.to_string()),
            None => existing.iter().find(|l| l.path == path),
        };
        let row = match matched {
            Some(row) => {
                if row.name != cfg.name || row.path != path || row.kind != cfg.kind.as_str() {
                    let mut active: library::ActiveModel = row.clone().into();
                    active.name = Set(cfg.name.clone());
                    active.path = Set(path.clone());
                    active.kind = Set(cfg.kind.as_str().to_string());
                    active.updated_at = Set(now);
                    active.update(&c.write).await?
                } else {
                    row.clone()
                }
            }
            None => {
                let id = cfg.id.unwrap_or_else(uuid::Uuid::new_v4).to_string();
                library::ActiveModel {
                    id: Set(id),
                    name: Set(cfg.name.clone()),
                    path: Set(path.clone()),
                    kind: Set(cfg.kind.as_str().to_string()),
                    created_at: Set(now),
                    updated_at: Set(now),
                    last_scan_at: Set(None),
                }
                .insert(&c.write)
                .await?
            }
        };
        let root_item_id = ensure_root_item(c, &row).await?;
        out.push(Library {
            id: row.id,
            name: cfg.name.clone(),
            path: cfg.path.clone(),
            kind: cfg.kind,
            watch: cfg.watch,
            sidecars: cfg.sidecars,
            root_item_id,
        });
    }
    Ok(out)
}

async fn ensure_root_item(c: &Catalog, lib: &library::Model) -> Result<String, CatalogError> {
    let now = now_ms();
    if let Some(root) = item::Entity::find()
        .filter(item::Column::LibraryId.eq(lib.id.clone()))
        .filter(item::Column::IdentityKey.eq(ROOT_IDENTITY))
        .one(&c.write)
        .await?
    {
        if root.name != lib.name {
            let mut active: item::ActiveModel = root.clone().into();
            active.name = Set(lib.name.clone());
            active.sort_name = Set(crate::naming::sort_key(&lib.name));
            active.updated_at = Set(now);
            active.update(&c.write).await?;
        }
        return Ok(root.id);
    }
    let id = uuid::Uuid::new_v4().to_string();
    item::ActiveModel {
        id: Set(id.clone()),
        library_id: Set(lib.id.clone()),
        parent_id: Set(None),
        owner_id: Set(None),
        kind: Set(super::items::ItemKind::Folder.as_str().to_string()),
        extra_type: Set(None),
        name: Set(lib.name.clone()),
        sort_name: Set(crate::naming::sort_key(&lib.name)),
        original_title: Set(None),
        year: Set(None),
        season_number: Set(None),
        episode_number: Set(None),
        episode_number_end: Set(None),
        identity_key: Set(Some(ROOT_IDENTITY.to_string())),
        folder: Set(None),
        overview: Set(None),
        runtime_ms: Set(None),
        premiere_date: Set(None),
        image_path: Set(None),
        image_tag: Set(None),
        image_blurhash: Set(None),
        missing: Set(false),
        classify_confidence: Set(None),
        classify_source: Set(None),
        review_state: Set(None),
        review_reason: Set(None),
        sort_title: Set(None),
        tagline: Set(None),
        genres: Set(None),
        studios: Set(None),
        tags: Set(None),
        language: Set(None),
        certification: Set(None),
        community_rating: Set(None),
        vote_count: Set(None),
        tmdb_id: Set(None),
        imdb_id: Set(None),
        tvdb_id: Set(None),
        metadata_source: Set(None),
        backdrop_path: Set(None),
        backdrop_tag: Set(None),
        logo_path: Set(None),
        logo_tag: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&c.write)
    .await?;
    Ok(id)
}

pub async fn mark_scanned(c: &Catalog, library_id: &str) -> Result<(), CatalogError> {
    super::execute(
        &c.write,
        "UPDATE libraries SET last_scan_at = $1 WHERE id = $2",
        vec![now_ms().into(), library_id.into()],
    )
    .await?;
    Ok(())
}

pub async fn last_scan_at(c: &Catalog, library_id: &str) -> Result<Option<i64>, CatalogError> {
    Ok(library::Entity::find_by_id(library_id.to_string())
        .one(&c.read)
        .await?
        .and_then(|l| l.last_scan_at))
}
