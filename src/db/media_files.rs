//! Media files: one row per file on disk, owned by an item. The scanner's catalog side.

use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

use super::entities::{media_file, media_stream};
use super::{now_ms, Catalog, CatalogError};
use crate::domain::{MediaFile, MediaInfo, StoredStream, StreamInfo, StreamKind};

/// Lifecycle of a file row.
pub mod state {
    /// Found (or changed) on disk; waits for its fingerprint and item.
    pub const PENDING: &str = "pending";
    /// Attached to its item and listed.
    pub const ACTIVE: &str = "active";
    /// Same content as another live file: recorded and flagged, not a second item.
    pub const DUPLICATE: &str = "duplicate";
    /// Gone from disk; keeps its item (and watch history) in case it comes back or moved.
    pub const MISSING: &str = "missing";
    /// Not playable (empty, unreadable, not a video): recorded with its reason.
    pub const ERROR: &str = "error";
}

/// Probe outcome of a file.
pub mod probe_state {
    pub const NONE: &str = "none";
    pub const OK: &str = "ok";
    pub const FAILED: &str = "failed";
}

/// What the scanner needs to know about a catalogued file to decide whether it changed.
#[derive(Debug, Clone, FromQueryResult)]
pub struct IndexEntry {
    pub id: String,
    pub path_raw: Vec<u8>,
    pub size: i64,
    pub mtime_ns: i64,
    pub state: String,
    pub item_id: Option<String>,
}

/// The files of a library keyed by their exact path bytes.
pub async fn load_index(
    c: &Catalog,
    library_id: &str,
) -> Result<HashMap<Vec<u8>, IndexEntry>, CatalogError> {
    let rows = media_file::Entity::find()
        .select_only()
        .columns([
            media_file::Column::Id,
            media_file::Column::PathRaw,
            media_file::Column::Size,
            media_file::Column::MtimeNs,
            media_file::Column::State,
            media_file::Column::ItemId,
        ])
        .filter(media_file::Column::LibraryId.eq(library_id))
        .into_model::<IndexEntry>()
        .all(&c.read)
        .await?;
    Ok(rows.into_iter().map(|r| (r.path_raw.clone(), r)).collect())
}

pub fn path_bytes(p: &Path) -> Vec<u8> {
    p.as_os_str().as_bytes().to_vec()
}

pub fn path_from_bytes(b: &[u8]) -> PathBuf {
    PathBuf::from(std::ffi::OsStr::from_bytes(b))
}

/// A file the walk found that the catalog does not know.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub path: PathBuf,
    pub size: i64,
    pub mtime_ns: i64,
}

/// Inserts new files as pending, in short transactions. A path already present (another scan
/// got there first) is left alone.
pub async fn insert_pending(
    c: &Catalog,
    library_id: &str,
    files: &[NewFile],
) -> Result<u64, CatalogError> {
    let now = now_ms();
    let mut inserted = 0;
    for chunk in files.chunks(500) {
        let rows: Vec<media_file::ActiveModel> = chunk
            .iter()
            .map(|f| media_file::ActiveModel {
                id: Set(uuid::Uuid::new_v4().to_string()),
                item_id: Set(None),
                library_id: Set(library_id.to_string()),
                path: Set(f.path.to_string_lossy().into_owned()),
                path_raw: Set(path_bytes(&f.path)),
                folder: Set(f
                    .path
                    .parent()
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default()),
                size: Set(f.size),
                mtime_ns: Set(f.mtime_ns),
                fingerprint: Set(None),
                state: Set(state::PENDING.to_string()),
                duplicate_of: Set(None),
                part_index: Set(None),
                version_label: Set(None),
                container: Set(None),
                duration_ms: Set(None),
                bit_rate: Set(None),
                width: Set(None),
                height: Set(None),
                creation_time: Set(None),
                rotation: Set(None),
                camera_make: Set(None),
                camera_model: Set(None),
                probe_state: Set(probe_state::NONE.to_string()),
                probed_at: Set(None),
                probe_json: Set(None),
                thumbnail_path: Set(None),
                last_error: Set(None),
                first_seen_at: Set(now),
                missing_since: Set(None),
                updated_at: Set(now),
            })
            .collect();
        let txn = c.write.begin().await?;
        let n = media_file::Entity::insert_many(rows)
            .on_conflict(
                sea_orm::sea_query::OnConflict::column(media_file::Column::PathRaw)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
        inserted += n;
    }
    Ok(inserted)
}

/// Files whose size or mtime changed (or that came back): fingerprint and identity are
/// computed again; the item is kept.
pub async fn mark_changed(c: &Catalog, changed: &[(String, i64, i64)]) -> Result<(), CatalogError> {
    let now = now_ms();
    for chunk in changed.chunks(200) {
        let txn = c.write.begin().await?;
        for (id, size, mtime_ns) in chunk {
            super::execute_on(
                &txn,
                "UPDATE media_files SET size = $1, mtime_ns = $2, state = $3, missing_since = NULL, \
                   fingerprint = NULL, probe_state = $4, last_error = NULL, updated_at = $5 WHERE id = $6",
                vec![
                    (*size).into(),
                    (*mtime_ns).into(),
                    state::PENDING.into(),
                    probe_state::NONE.into(),
                    now.into(),
                    id.clone().into(),
                ],
            )
            .await?;
        }
        txn.commit().await?;
    }
    Ok(())
}

/// Files that came back unchanged after being missing: listed again at once.
pub async fn mark_returned(c: &Catalog, ids: &[String]) -> Result<(), CatalogError> {
    let now = now_ms();
    for chunk in ids.chunks(200) {
        let txn = c.write.begin().await?;
        for id in chunk {
            super::execute_on(
                &txn,
                "UPDATE media_files SET state = CASE WHEN item_id IS NULL OR fingerprint IS NULL \
                   THEN $1 ELSE $2 END, missing_since = NULL, updated_at = $3 WHERE id = $4",
                vec![
                    state::PENDING.into(),
                    state::ACTIVE.into(),
                    now.into(),
                    id.clone().into(),
                ],
            )
            .await?;
        }
        txn.commit().await?;
    }
    Ok(())
}

/// Files no longer on disk. Returns the items that may have lost their last file.
pub async fn mark_missing(c: &Catalog, ids: &[String]) -> Result<Vec<String>, CatalogError> {
    let now = now_ms();
    let mut items = Vec::new();
    for chunk in ids.chunks(200) {
        let txn = c.write.begin().await?;
        for id in chunk {
            super::execute_on(
                &txn,
                "UPDATE media_files SET state = $1, missing_since = $2, updated_at = $3 WHERE id = $4",
                vec![state::MISSING.into(), now.into(), now.into(), id.clone().into()],
            )
            .await?;
        }
        let owners: Vec<Option<String>> = media_file::Entity::find()
            .select_only()
            .column(media_file::Column::ItemId)
            .filter(media_file::Column::Id.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(&txn)
            .await?;
        items.extend(owners.into_iter().flatten());
        txn.commit().await?;
    }
    Ok(items)
}

pub async fn get(c: &Catalog, id: &str) -> Result<Option<MediaFile>, CatalogError> {
    Ok(media_file::Entity::find_by_id(id.to_string())
        .one(&c.read)
        .await?
        .map(to_domain))
}

pub fn to_domain(m: media_file::Model) -> MediaFile {
    MediaFile {
        path: path_from_bytes(&m.path_raw),
        id: m.id,
        item_id: m.item_id,
        library_id: m.library_id,
        size: m.size,
        mtime_ns: m.mtime_ns,
        fingerprint: m.fingerprint,
        state: m.state,
        duplicate_of: m.duplicate_of,
        part_index: m.part_index,
        version_label: m.version_label,
        container: m.container,
        duration_ms: m.duration_ms,
        bit_rate: m.bit_rate,
        width: m.width,
        height: m.height,
        creation_time: m.creation_time,
        rotation: m.rotation,
        camera_make: m.camera_make,
        camera_model: m.camera_model,
        probe_state: m.probe_state,
        thumbnail_path: m.thumbnail_path.map(Into::into),
        last_error: m.last_error,
    }
}

fn stream_to_domain(s: media_stream::Model) -> StoredStream {
    StoredStream {
        media_file_id: s.media_file_id,
        info: StreamInfo {
            index: s.stream_index,
            kind: StreamKind::parse(&s.kind),
            codec: s.codec,
            profile: s.profile,
            level: s.level,
            width: s.width,
            height: s.height,
            frame_rate: s.frame_rate,
            bit_rate: s.bit_rate,
            bit_depth: s.bit_depth,
            pixel_format: s.pixel_format,
            language: s.language,
            title: s.title,
            channels: s.channels,
            channel_layout: s.channel_layout,
            sample_rate: s.sample_rate,
            is_default: s.is_default,
            is_forced: s.is_forced,
        },
    }
}

pub async fn by_path<C: ConnectionTrait>(
    db: &C,
    path: &Path,
) -> Result<Option<media_file::Model>, CatalogError> {
    Ok(media_file::Entity::find()
        .filter(media_file::Column::PathRaw.eq(path_bytes(path)))
        .one(db)
        .await?)
}

/// Up to `limit` pending files of a library, oldest first.
pub async fn pending(
    c: &Catalog,
    library_id: &str,
    limit: u64,
) -> Result<Vec<media_file::Model>, CatalogError> {
    Ok(media_file::Entity::find()
        .filter(media_file::Column::LibraryId.eq(library_id))
        .filter(media_file::Column::State.eq(state::PENDING))
        .order_by_asc(media_file::Column::FirstSeenAt)
        .order_by_asc(media_file::Column::Id)
        .limit(limit)
        .all(&c.read)
        .await?)
}

/// Number of pending files in a library (work the identify job still has to do).
pub async fn pending_count(c: &Catalog, library_id: &str) -> Result<u64, CatalogError> {
    use sea_orm::PaginatorTrait;
    Ok(media_file::Entity::find()
        .filter(media_file::Column::LibraryId.eq(library_id))
        .filter(media_file::Column::State.eq(state::PENDING))
        .count(&c.read)
        .await?)
}

/// Active files of a library that were never probed: after a crash between attaching a file
/// and enqueueing its probe, this is how the probe gets queued again.
pub async fn unprobed_active(c: &Catalog, library_id: &str) -> Result<Vec<String>, CatalogError> {
    use sea_orm::ConnectionTrait;
    let stmt = sea_orm::Statement::from_sql_and_values(
        c.read.get_database_backend(),
        "SELECT f.id FROM media_files f WHERE f.library_id = $1 AND f.state = $2 AND f.probe_state = $3 \
           AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.subject_id = f.id AND j.kind = 'probe' \
                           AND j.state IN ('queued', 'running'))",
        [library_id.into(), state::ACTIVE.into(), probe_state::NONE.into()],
    );
    let rows = c.read.query_all_raw(stmt).await?;
    let mut ids = Vec::with_capacity(rows.len());
    for row in rows {
        ids.push(row.try_get::<String>("", "id")?);
    }
    Ok(ids)
}

/// Files (any state) of the given items, in a stable order: parts, then versions.
pub async fn for_items(c: &Catalog, item_ids: &[String]) -> Result<Vec<MediaFile>, CatalogError> {
    Ok(media_file::Entity::find()
        .filter(media_file::Column::ItemId.is_in(item_ids.iter().cloned()))
        .order_by_asc(media_file::Column::PartIndex)
        .order_by_asc(media_file::Column::Path)
        .all(&c.read)
        .await?
        .into_iter()
        .map(to_domain)
        .collect())
}

pub async fn streams_for(
    c: &Catalog,
    file_ids: &[String],
) -> Result<Vec<StoredStream>, CatalogError> {
    Ok(media_stream::Entity::find()
        .filter(media_stream::Column::MediaFileId.is_in(file_ids.iter().cloned()))
        .order_by_asc(media_stream::Column::MediaFileId)
        .order_by_asc(media_stream::Column::StreamIndex)
        .all(&c.read)
        .await?
        .into_iter()
        .map(stream_to_domain)
        .collect())
}

/// Stores a probe result and its streams in one transaction (replacing earlier ones, so running
/// the probe twice leaves the same rows).
pub async fn save_probe(c: &Catalog, file_id: &str, info: &MediaInfo) -> Result<(), CatalogError> {
    let video = info
        .streams
        .iter()
        .find(|s| s.kind == Some(crate::domain::StreamKind::Video));
    let now = now_ms();
    let json = serde_json::to_string(info).ok();
    let txn = c.write.begin().await?;
    super::execute_on(
        &txn,
        "UPDATE media_files SET container = $1, duration_ms = $2, bit_rate = $3, width = $4, height = $5, \
           creation_time = $6, rotation = $7, camera_make = $8, camera_model = $9, probe_state = $10, \
           probed_at = $11, probe_json = $12, last_error = NULL, updated_at = $13 WHERE id = $14",
        vec![
            info.container.clone().into(),
            info.duration_ms.into(),
            info.bit_rate.into(),
            video.and_then(|v| v.width).into(),
            video.and_then(|v| v.height).into(),
            info.creation_time.clone().into(),
            info.rotation.into(),
            info.camera_make.clone().into(),
            info.camera_model.clone().into(),
            probe_state::OK.into(),
            now.into(),
            json.into(),
            now.into(),
            file_id.into(),
        ],
    )
    .await?;
    media_stream::Entity::delete_many()
        .filter(media_stream::Column::MediaFileId.eq(file_id))
        .exec(&txn)
        .await?;
    let rows: Vec<media_stream::ActiveModel> = info
        .streams
        .iter()
        .map(|s| media_stream::ActiveModel {
            id: sea_orm::NotSet,
            media_file_id: Set(file_id.to_string()),
            stream_index: Set(s.index),
            kind: Set(s.kind.map(|k| k.as_str()).unwrap_or("data").to_string()),
            codec: Set(s.codec.clone()),
            profile: Set(s.profile.clone()),
            level: Set(s.level),
            width: Set(s.width),
            height: Set(s.height),
            frame_rate: Set(s.frame_rate),
            bit_rate: Set(s.bit_rate),
            bit_depth: Set(s.bit_depth),
            pixel_format: Set(s.pixel_format.clone()),
            language: Set(s.language.clone()),
            title: Set(s.title.clone()),
            channels: Set(s.channels),
            channel_layout: Set(s.channel_layout.clone()),
            sample_rate: Set(s.sample_rate),
            is_default: Set(s.is_default),
            is_forced: Set(s.is_forced),
        })
        .collect();
    if !rows.is_empty() {
        media_stream::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Records a probe failure. A file that is not a video at all leaves the listings
/// (`unplayable`); a tool failure (ffprobe missing) keeps it listed.
pub async fn save_probe_failure(
    c: &Catalog,
    file_id: &str,
    reason: &str,
    unplayable: bool,
) -> Result<(), CatalogError> {
    let now = now_ms();
    super::execute(
        &c.write,
        "UPDATE media_files SET probe_state = $1, last_error = $2, updated_at = $3, \
           state = CASE WHEN $4 AND state = 'active' THEN 'error' ELSE state END WHERE id = $5",
        vec![
            probe_state::FAILED.into(),
            reason.into(),
            now.into(),
            unplayable.into(),
            file_id.into(),
        ],
    )
    .await?;
    Ok(())
}

pub async fn set_thumbnail(c: &Catalog, file_id: &str, path: &str) -> Result<(), CatalogError> {
    super::execute(
        &c.write,
        "UPDATE media_files SET thumbnail_path = $1, updated_at = $2 WHERE id = $3",
        vec![path.into(), now_ms().into(), file_id.into()],
    )
    .await?;
    Ok(())
}

/// Counts of files per state in a library (for scan reports and health).
pub async fn state_counts(c: &Catalog) -> Result<Vec<(String, i64)>, CatalogError> {
    Ok(media_file::Entity::find()
        .select_only()
        .column(media_file::Column::State)
        .column_as(media_file::Column::Id.count(), "n")
        .group_by(media_file::Column::State)
        .into_tuple::<(String, i64)>()
        .all(&c.read)
        .await?)
}
