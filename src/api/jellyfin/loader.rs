//! Gathers, in a few catalog queries, everything the DTO mapper needs for a page of items.

use std::collections::HashMap;

use super::dto::{short_container, DtoContext, FileFacts};
use super::ids::from_wire;
use super::respond::JfError;
use crate::api::AppState;
use crate::db::media_files::state as file_state;
use crate::db::{items, media_files, user_data};
use crate::domain::{Item, ItemKind};

pub async fn context<'a>(
    state: &'a AppState,
    user_id: &str,
    page: &[Item],
) -> Result<DtoContext<'a>, JfError> {
    let mut ctx = DtoContext {
        server_id: state.server_id.as_str(),
        libraries: state.scanner.libraries(),
        ..DtoContext::default()
    };
    // Seasons of episodes, then series of seasons.
    let season_ids: Vec<String> = page
        .iter()
        .filter(|i| i.kind == ItemKind::Episode)
        .filter_map(|i| i.parent_id.clone())
        .collect();
    let seasons = items::get_many(&state.catalog, &season_ids).await?;
    let series_ids: Vec<String> = seasons
        .iter()
        .chain(page.iter().filter(|i| i.kind == ItemKind::Season))
        .filter_map(|s| s.parent_id.clone())
        .collect();
    for p in seasons
        .into_iter()
        .chain(items::get_many(&state.catalog, &series_ids).await?)
    {
        ctx.parents.insert(p.id.clone(), p);
    }
    let ids: Vec<String> = page.iter().map(|i| i.id.clone()).collect();
    ctx.user_data = user_data::for_items(&state.catalog, user_id, &ids).await?;
    let containers: Vec<String> = page
        .iter()
        .filter(|i| matches!(i.kind, ItemKind::Series | ItemKind::Season))
        .map(|i| i.id.clone())
        .collect();
    ctx.episode_counts = user_data::episode_counts(&state.catalog, user_id, &containers).await?;
    let folders: Vec<String> = page
        .iter()
        .filter(|i| !i.kind.is_playable())
        .map(|i| i.id.clone())
        .collect();
    ctx.child_counts = items::child_counts(&state.catalog, &folders).await?;
    let playable: Vec<String> = page
        .iter()
        .filter(|i| i.kind.is_playable())
        .map(|i| i.id.clone())
        .collect();
    let mut facts: HashMap<String, FileFacts> = HashMap::new();
    for f in media_files::for_items(&state.catalog, &playable).await? {
        if f.state != file_state::ACTIVE {
            continue;
        }
        let Some(item_id) = f.item_id.clone() else {
            continue;
        };
        let entry = facts.entry(item_id).or_default();
        entry.sources += 1;
        if entry.path.is_none() {
            let path = f.path.to_string_lossy().into_owned();
            entry.container = f
                .container
                .as_deref()
                .map(|c| short_container(c, Some(&path)));
            entry.width = f.width;
            entry.height = f.height;
            entry.path = Some(path);
        }
    }
    ctx.file_facts = facts;
    let owners: Vec<String> = page
        .iter()
        .filter(|i| matches!(i.kind, ItemKind::Movie | ItemKind::Series | ItemKind::Video))
        .map(|i| i.id.clone())
        .collect();
    for extra in items::extras_of(&state.catalog, &owners).await? {
        if let Some(owner) = &extra.owner_id {
            let e = ctx.extra_counts.entry(owner.clone()).or_insert((0, 0));
            if extra.extra_type.as_deref() == Some("Trailer") {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
    }
    Ok(ctx)
}

/// The item behind a wire id, if it exists and is listed (missing items answer 404 everywhere).
pub async fn listed_item(state: &AppState, raw_id: &str) -> Result<Item, JfError> {
    let id = from_wire(raw_id).ok_or(JfError::NotFound)?;
    items::get(&state.catalog, &id)
        .await?
        .filter(|i| !i.missing)
        .ok_or(JfError::NotFound)
}
