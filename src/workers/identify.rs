//! The `identify` job: fingerprint pending files of a library and attach each to its item:
//! same fingerprint as a missing file → a move (same item, same history); as a live file → a
//! duplicate; same identity in the same folder → a version, part or upgrade of that item;
//! otherwise a new item (with its series and season for an episode).

use std::io::ErrorKind;
use std::path::Path;

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use super::Pipeline;
use crate::config::LibraryKind;
use crate::db::entities::{item, media_file};
use crate::db::items::{self, ItemKind, NewItem};
use crate::db::libraries::Library;
use crate::db::media_files::{path_from_bytes, state};
use crate::db::{execute_on, now_ms, CatalogError};
use crate::jobs::JobError;
use crate::naming::{self, ParsedKind, ParsedPath};
use crate::scanner::fingerprint::fingerprint;

const BATCH: u64 = 64;

pub async fn run(p: &Pipeline, library_id: &str) -> Result<(), JobError> {
    let Some(lib) = p.library(library_id).cloned() else {
        // The library is no longer configured: its files wait until it is again.
        return Ok(());
    };
    let mut done = 0usize;
    loop {
        let batch = crate::db::media_files::pending(&p.catalog, &lib.id, BATCH).await?;
        if batch.is_empty() {
            break;
        }
        // Titles before their extras, so an extra finds its owner in the same batch.
        let mut batch = batch;
        batch.sort_by_key(|f| {
            let rel = path_from_bytes(&f.path_raw);
            let rel = rel.strip_prefix(&lib.path).unwrap_or(&rel).to_path_buf();
            naming::parse_path(&rel, lib.kind).kind == ParsedKind::Extra
        });
        let paths: Vec<_> = batch.iter().map(|f| path_from_bytes(&f.path_raw)).collect();
        let prints = tokio::task::spawn_blocking(move || {
            paths.iter().map(|p| fingerprint(p)).collect::<Vec<_>>()
        })
        .await
        .map_err(|e| JobError::retry(format!("fingerprint task failed: {e}")))?;
        for (file, print) in batch.into_iter().zip(prints) {
            resolve(p, &lib, file, print).await?;
            done += 1;
        }
        tracing::debug!(library = %lib.name, done, "identified files");
    }
    if done > 0 {
        tracing::info!(library = %lib.name, files = done, "identified new and changed files");
    }
    // A crash between attaching a file and queueing its probe leaves it unprobed: queue again
    // (dedupe keys make this a no-op for probes already queued).
    let unprobed = crate::db::media_files::unprobed_active(&p.catalog, &lib.id).await?;
    let probes: Vec<_> = unprobed.iter().map(|id| super::probe_job(id, 0)).collect();
    p.jobs.enqueue_many(&probes).await?;
    let unclassified = crate::db::review::unclassified(&p.catalog, &lib.id).await?;
    let classify: Vec<_> = unclassified
        .iter()
        .map(|id| super::classify_job(id, 0))
        .collect();
    p.jobs.enqueue_many(&classify).await?;
    Ok(())
}

async fn resolve(
    p: &Pipeline,
    lib: &Library,
    file: media_file::Model,
    print: std::io::Result<String>,
) -> Result<(), CatalogError> {
    let path = path_from_bytes(&file.path_raw);
    let print = match print {
        Ok(fp) => fp,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            // Deleted between the walk and now.
            set_state(
                p,
                &file.id,
                state::MISSING,
                Some("file vanished before it was identified"),
            )
            .await?;
            if let Some(item) = &file.item_id {
                items::refresh_presence(&p.catalog.write, std::slice::from_ref(item)).await?;
            }
            return Ok(());
        }
        Err(e) => {
            let reason = format!("cannot read file: {e}");
            tracing::warn!(path = %path.display(), "{reason}");
            set_state(p, &file.id, state::ERROR, Some(&reason)).await?;
            if let Some(item) = &file.item_id {
                items::refresh_presence(&p.catalog.write, std::slice::from_ref(item)).await?;
            }
            return Ok(());
        }
    };
    if print.starts_with("0-") {
        tracing::warn!(path = %path.display(), "empty file (0 bytes); not catalogued as a video");
        set_state(p, &file.id, state::ERROR, Some("empty file (0 bytes)")).await?;
        if let Some(item) = &file.item_id {
            items::refresh_presence(&p.catalog.write, std::slice::from_ref(item)).await?;
        }
        return Ok(());
    }

    // Content changed in place, or a file that came back: it keeps its item.
    if let Some(item_id) = file.item_id.clone() {
        attach(p, &file.id, &item_id, &print, None, None).await?;
        items::refresh_presence(&p.catalog.write, std::slice::from_ref(&item_id)).await?;
        enqueue_probe(p, &file.id).await?;
        return Ok(());
    }

    // Same content elsewhere?
    let twins = media_file::Entity::find()
        .filter(media_file::Column::Fingerprint.eq(print.clone()))
        .filter(media_file::Column::Id.ne(file.id.clone()))
        .filter(media_file::Column::State.is_in([state::MISSING, state::ACTIVE, state::PENDING]))
        .order_by_desc(media_file::Column::MissingSince)
        .all(&p.catalog.write)
        .await?;
    let mut moved_from = twins
        .iter()
        .find(|t| t.state == state::MISSING && t.library_id == lib.id);
    if moved_from.is_none() {
        // A live twin whose path is gone is a move the scan has not noticed yet.
        moved_from = twins.iter().find(|t| {
            t.state != state::MISSING
                && t.library_id == lib.id
                && !path_from_bytes(&t.path_raw).exists()
        });
    }
    if let Some(old) = moved_from {
        take_over(p, &file, old).await?;
        if let Some(item) = &old.item_id {
            let mut refresh = vec![item.clone()];
            refresh.extend(follow_move(p, lib, item, &path).await?);
            items::refresh_presence(&p.catalog.write, &refresh).await?;
        }
        tracing::info!(from = %old.path, to = %file.path, "file moved; keeps its item");
        if let Some(item) = &old.item_id {
            // A new path is new evidence (a folder with a year, a season folder).
            p.jobs.enqueue(super::classify_job(item, 0)).await?;
        }
        if old.probe_state != crate::db::media_files::probe_state::OK {
            enqueue_probe(p, &old.id).await?;
        }
        return Ok(());
    }
    if let Some(original) = twins.iter().find(|t| t.state == state::ACTIVE) {
        tracing::warn!(path = %file.path, original = %original.path, "duplicate file (same content); flagged, not added");
        execute_on(
            &p.catalog.write,
            "UPDATE media_files SET state = $1, duplicate_of = $2, item_id = $3, fingerprint = $4, \
               last_error = $5, updated_at = $6 WHERE id = $7",
            vec![
                state::DUPLICATE.into(),
                original.id.clone().into(),
                original.item_id.clone().into(),
                print.into(),
                format!("duplicate of {}", original.path).into(),
                now_ms().into(),
                file.id.clone().into(),
            ],
        )
        .await?;
        return Ok(());
    }

    let relative = path.strip_prefix(&lib.path).unwrap_or(&path).to_path_buf();
    let parsed = naming::parse_path(&relative, lib.kind);
    let folder = relative
        .parent()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let txn = p.catalog.write.begin().await?;
    let item_id = find_or_create_item(&txn, lib, &parsed, &folder).await?;
    txn.commit().await?;
    attach(
        p,
        &file.id,
        &item_id,
        &print,
        parsed.part,
        parsed.version_label.clone(),
    )
    .await?;
    items::refresh_presence(&p.catalog.write, std::slice::from_ref(&item_id)).await?;
    enqueue_probe(p, &file.id).await?;
    Ok(())
}

async fn set_state(
    p: &Pipeline,
    id: &str,
    new_state: &str,
    error: Option<&str>,
) -> Result<(), CatalogError> {
    execute_on(
        &p.catalog.write,
        "UPDATE media_files SET state = $1, last_error = $2, updated_at = $3, \
           missing_since = CASE WHEN $4 THEN $5 ELSE missing_since END WHERE id = $6",
        vec![
            new_state.into(),
            error.map(str::to_string).into(),
            now_ms().into(),
            (new_state == state::MISSING).into(),
            now_ms().into(),
            id.into(),
        ],
    )
    .await?;
    Ok(())
}

async fn attach(
    p: &Pipeline,
    file_id: &str,
    item_id: &str,
    print: &str,
    part: Option<i32>,
    version: Option<String>,
) -> Result<(), CatalogError> {
    execute_on(
        &p.catalog.write,
        "UPDATE media_files SET item_id = $1, fingerprint = $2, state = $3, \
           part_index = COALESCE($4, part_index), version_label = COALESCE($5, version_label), \
           last_error = NULL, updated_at = $6 WHERE id = $7",
        vec![
            item_id.into(),
            print.into(),
            state::ACTIVE.into(),
            part.into(),
            version.into(),
            now_ms().into(),
            file_id.into(),
        ],
    )
    .await?;
    Ok(())
}

/// A move: the old row takes the new path (keeping its id, item and probe), the new row goes.
async fn take_over(
    p: &Pipeline,
    new: &media_file::Model,
    old: &media_file::Model,
) -> Result<(), CatalogError> {
    let txn = p.catalog.write.begin().await?;
    execute_on(
        &txn,
        "DELETE FROM media_files WHERE id = $1",
        vec![new.id.clone().into()],
    )
    .await?;
    execute_on(
        &txn,
        "UPDATE media_files SET path = $1, path_raw = $2, folder = $3, size = $4, mtime_ns = $5, \
           state = $6, missing_since = NULL, last_error = NULL, updated_at = $7 WHERE id = $8",
        vec![
            new.path.clone().into(),
            new.path_raw.clone().into(),
            new.folder.clone().into(),
            new.size.into(),
            new.mtime_ns.into(),
            state::ACTIVE.into(),
            now_ms().into(),
            old.id.clone().into(),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn enqueue_probe(p: &Pipeline, file_id: &str) -> Result<(), CatalogError> {
    p.jobs.enqueue(super::probe_job(file_id, 0)).await
}

/// Where a new title goes: home videos sit in folder items mirroring their folders (Jellyfin
/// browses home video libraries folder by folder); everything else under the library root.
async fn parent_folder<C: ConnectionTrait>(
    db: &C,
    lib: &Library,
    kind: ItemKind,
    folder: &str,
) -> Result<String, CatalogError> {
    if kind != ItemKind::Video || lib.kind != LibraryKind::Home {
        return Ok(lib.root_item_id.clone());
    }
    let mut parent = lib.root_item_id.clone();
    let mut relative = std::path::PathBuf::new();
    for part in Path::new(folder).components() {
        let std::path::Component::Normal(name) = part else {
            continue;
        };
        relative.push(name);
        parent = items::find_or_create_container(
            db,
            NewItem {
                library_id: lib.id.clone(),
                parent_id: Some(parent),
                owner_id: None,
                kind: ItemKind::Folder,
                extra_type: None,
                name: name.to_string_lossy().into_owned(),
                year: None,
                season_number: None,
                episode_number: None,
                episode_number_end: None,
                identity_key: format!("folder:{}", relative.to_string_lossy()),
                folder: Some(relative.to_string_lossy().into_owned()),
            },
        )
        .await?;
    }
    Ok(parent)
}

/// A home video moved to another folder follows it: its parent becomes the new folder item.
/// Returns the old parent when it changed (its presence needs a refresh).
async fn follow_move(
    p: &Pipeline,
    lib: &Library,
    item_id: &str,
    new_path: &Path,
) -> Result<Option<String>, CatalogError> {
    let Some(item) = item::Entity::find_by_id(item_id.to_string())
        .one(&p.catalog.write)
        .await?
    else {
        return Ok(None);
    };
    if ItemKind::parse(&item.kind) != Some(ItemKind::Video) || lib.kind != LibraryKind::Home {
        return Ok(None);
    }
    let folder = new_path
        .strip_prefix(&lib.path)
        .ok()
        .and_then(Path::parent)
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let txn = p.catalog.write.begin().await?;
    let parent = parent_folder(&txn, lib, ItemKind::Video, &folder).await?;
    if item.parent_id.as_deref() == Some(parent.as_str()) {
        return Ok(None);
    }
    execute_on(
        &txn,
        "UPDATE items SET parent_id = $1, folder = $2, updated_at = $3 WHERE id = $4",
        vec![
            parent.into(),
            folder.into(),
            now_ms().into(),
            item_id.into(),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(item.parent_id)
}

async fn find_or_create_item<C: ConnectionTrait>(
    db: &C,
    lib: &Library,
    parsed: &ParsedPath,
    folder: &str,
) -> Result<String, CatalogError> {
    let identity = parsed.identity_key();
    match parsed.kind {
        ParsedKind::Movie | ParsedKind::Video => {
            // A version, part or upgraded release of a title in the same folder.
            if let Some(existing) = items::find_by_identity(db, &lib.id, &identity, Some(folder))
                .await?
                .into_iter()
                .next()
            {
                return Ok(existing.id);
            }
            let kind = if parsed.kind == ParsedKind::Movie {
                ItemKind::Movie
            } else {
                ItemKind::Video
            };
            let parent = parent_folder(db, lib, kind, folder).await?;
            let created = items::create(
                db,
                NewItem {
                    library_id: lib.id.clone(),
                    parent_id: Some(parent),
                    owner_id: None,
                    kind,
                    extra_type: None,
                    name: parsed.title.clone(),
                    year: parsed.year,
                    season_number: None,
                    episode_number: None,
                    episode_number_end: None,
                    identity_key: identity,
                    folder: Some(folder.to_string()),
                },
            )
            .await?;
            adopt_orphan_extras(db, lib, &created.id, folder).await?;
            Ok(created.id)
        }
        ParsedKind::Episode => {
            let season = parsed.season.unwrap_or(1);
            let season_id = season_of(db, lib, parsed).await?;
            if let Some(existing) = items::find_by_identity(db, &lib.id, &identity, None)
                .await?
                .into_iter()
                .next()
            {
                return Ok(existing.id);
            }
            let created = items::create(
                db,
                NewItem {
                    library_id: lib.id.clone(),
                    parent_id: Some(season_id),
                    owner_id: None,
                    kind: ItemKind::Episode,
                    extra_type: None,
                    name: parsed.title.clone(),
                    year: None,
                    season_number: Some(season),
                    episode_number: parsed.episode,
                    episode_number_end: parsed.episode_end,
                    identity_key: identity,
                    folder: Some(folder.to_string()),
                },
            )
            .await?;
            Ok(created.id)
        }
        ParsedKind::Extra => {
            if let Some(existing) = items::find_by_identity(db, &lib.id, &identity, Some(folder))
                .await?
                .into_iter()
                .next()
            {
                return Ok(existing.id);
            }
            let owner = find_owner(db, lib, parsed.owner_folder.as_deref().unwrap_or("")).await?;
            let created = items::create(
                db,
                NewItem {
                    library_id: lib.id.clone(),
                    parent_id: Some(owner.clone().unwrap_or_else(|| lib.root_item_id.clone())),
                    owner_id: owner,
                    kind: ItemKind::Extra,
                    extra_type: parsed.extra_type.map(str::to_string),
                    name: parsed.title.clone(),
                    year: None,
                    season_number: None,
                    episode_number: None,
                    episode_number_end: None,
                    identity_key: identity,
                    folder: Some(folder.to_string()),
                },
            )
            .await?;
            Ok(created.id)
        }
    }
}

/// Puts an existing item where a (re)classified identity belongs: kind, numbers and parent
/// (a series and season for an episode, the library or its folder items otherwise), keeping
/// the item's id and so its files and watch history. Names change only with the identity, or
/// when `rename` says the title itself was decided (a person or the LLM), so a title that
/// metadata set later is not undone by a rerun. Returns whether anything changed.
pub(super) async fn place(
    p: &Pipeline,
    lib: &Library,
    current: &item::Model,
    identity: &ParsedPath,
    folder: &str,
    rename: bool,
) -> Result<bool, CatalogError> {
    let kind = match identity.kind {
        ParsedKind::Movie => ItemKind::Movie,
        ParsedKind::Episode => ItemKind::Episode,
        ParsedKind::Video => ItemKind::Video,
        ParsedKind::Extra => {
            // Extras stay with their owner; only the kind's name can be corrected back to one.
            return Ok(false);
        }
    };
    let key = identity.identity_key();
    let txn = p.catalog.write.begin().await?;
    let parent = match kind {
        ItemKind::Episode => season_of(&txn, lib, identity).await?,
        _ => parent_folder(&txn, lib, kind, folder).await?,
    };
    let (season, episode, episode_end, year) = match kind {
        ItemKind::Episode => (
            Some(identity.season.unwrap_or(1)),
            identity.episode,
            identity.episode_end,
            None,
        ),
        _ => (None, None, None, identity.year),
    };
    let moves = current.kind != kind.as_str()
        || current.parent_id.as_deref() != Some(parent.as_str())
        || current.identity_key.as_deref() != Some(key.as_str())
        || current.season_number != season
        || current.episode_number != episode
        || current.episode_number_end != episode_end;
    let renames = (moves || rename)
        && (current.name != identity.title || (kind != ItemKind::Episode && current.year != year));
    if !moves && !renames {
        txn.rollback().await?;
        return Ok(false);
    }
    let name = if moves || rename {
        identity.title.clone()
    } else {
        current.name.clone()
    };
    let sort_name = items::sort_name_for(kind, &name, season, episode);
    execute_on(
        &txn,
        "UPDATE items SET kind = $1, parent_id = $2, owner_id = NULL, extra_type = NULL, \
           name = $3, sort_name = $4, year = $5, season_number = $6, episode_number = $7, \
           episode_number_end = $8, identity_key = $9, updated_at = $10 WHERE id = $11",
        vec![
            kind.as_str().into(),
            parent.clone().into(),
            name.into(),
            sort_name.into(),
            year.into(),
            season.into(),
            episode.into(),
            episode_end.into(),
            key.into(),
            now_ms().into(),
            current.id.clone().into(),
        ],
    )
    .await?;
    txn.commit().await?;
    let mut refresh = vec![current.id.clone(), parent];
    refresh.extend(current.parent_id.clone());
    items::refresh_presence(&p.catalog.write, &refresh).await?;
    Ok(true)
}

/// The season item an episode belongs in, with its series, created when needed.
async fn season_of<C: ConnectionTrait>(
    db: &C,
    lib: &Library,
    parsed: &ParsedPath,
) -> Result<String, CatalogError> {
    let series_name = parsed
        .series
        .clone()
        .unwrap_or_else(|| parsed.title.clone());
    let series_id = items::find_or_create_container(
        db,
        NewItem {
            library_id: lib.id.clone(),
            parent_id: Some(lib.root_item_id.clone()),
            owner_id: None,
            kind: ItemKind::Series,
            extra_type: None,
            name: series_name.clone(),
            year: parsed.series_year,
            season_number: None,
            episode_number: None,
            episode_number_end: None,
            identity_key: naming::series_identity(&series_name),
            folder: None,
        },
    )
    .await?;
    let season = parsed.season.unwrap_or(1);
    let season_id = items::find_or_create_container(
        db,
        NewItem {
            library_id: lib.id.clone(),
            parent_id: Some(series_id.clone()),
            owner_id: None,
            kind: ItemKind::Season,
            extra_type: None,
            name: if season == 0 {
                "Specials".into()
            } else {
                format!("Season {season}")
            },
            year: None,
            season_number: Some(season),
            episode_number: None,
            episode_number_end: None,
            identity_key: format!("season:{series_id}:{season}"),
            folder: None,
        },
    )
    .await?;
    Ok(season_id)
}

/// Extras identified before their title (files are identified in no particular order) are
/// attached once the title exists: those in its folder or below it.
async fn adopt_orphan_extras<C: ConnectionTrait>(
    db: &C,
    lib: &Library,
    owner_id: &str,
    folder: &str,
) -> Result<(), CatalogError> {
    if folder.is_empty() {
        return Ok(());
    }
    let below = format!("{}/%", folder.replace(['%', '_'], ""));
    execute_on(
        db,
        "UPDATE items SET owner_id = $1, parent_id = $2, updated_at = $3 \
         WHERE library_id = $4 AND kind = 'extra' AND owner_id IS NULL \
           AND (folder = $5 OR folder LIKE $6)",
        vec![
            owner_id.into(),
            owner_id.into(),
            now_ms().into(),
            lib.id.clone().into(),
            folder.into(),
            below.into(),
        ],
    )
    .await?;
    Ok(())
}

/// The title an extra belongs to: the movie (or video) in the owner folder, else the series
/// named by it.
async fn find_owner<C: ConnectionTrait>(
    db: &C,
    lib: &Library,
    owner_folder: &str,
) -> Result<Option<String>, CatalogError> {
    if owner_folder.is_empty() {
        return Ok(None);
    }
    if let Some(m) = item::Entity::find()
        .filter(item::Column::LibraryId.eq(lib.id.clone()))
        .filter(item::Column::Folder.eq(owner_folder))
        .filter(item::Column::Kind.is_in([ItemKind::Movie.as_str(), ItemKind::Video.as_str()]))
        .one(db)
        .await?
    {
        return Ok(Some(m.id));
    }
    // `Show/Season 01/Trailers/…` or `Show/extras/…`: the series named by the top folder.
    let top = Path::new(owner_folder)
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    let (name, _) = naming::title_and_year(&top);
    Ok(
        items::find_by_identity(db, &lib.id, &naming::series_identity(&name), None)
            .await?
            .into_iter()
            .next()
            .map(|s| s.id),
    )
}
