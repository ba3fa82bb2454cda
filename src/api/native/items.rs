use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::dto::{parse_id, FileDto, ItemDetailDto, ItemDto, JobDto, MetadataDto, StreamDto};
use super::ApiKeyAuth;
use crate::api::item_stream::ItemStreamError;
use crate::api::{ApiError, AppState};
use crate::db::items::{self, ItemKind, ItemQuery, ItemSort};
use crate::db::media_files;
use crate::media::direct_play::DirectPlayError;

const MAX_LIMIT: u64 = 500;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    limit: Option<u64>,
    offset: Option<u64>,
    /// `name` (default), `year`, `added`; prefix `-` for descending.
    sort: Option<String>,
    /// Comma-separated kinds: movie, series, season, episode, video, extra, folder.
    #[serde(rename = "type")]
    kind: Option<String>,
    library: Option<String>,
    parent: Option<String>,
    /// Case-insensitive substring of the name.
    q: Option<String>,
}

pub async fn list_items(
    _auth: ApiKeyAuth,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let (sort, descending) = match p.sort.as_deref().map(str::trim) {
        None | Some("") => (ItemSort::Name, false),
        Some(s) => {
            let (desc, field) = match s.strip_prefix('-') {
                Some(f) => (true, f),
                None => (false, s),
            };
            let sort = match field {
                "name" => ItemSort::Name,
                "year" => ItemSort::Year,
                "added" => ItemSort::Added,
                other => {
                    return Err(ApiError::BadRequest(format!(
                        "unknown sort {other:?} (name, year, added; prefix - for descending)"
                    )))
                }
            };
            (sort, desc)
        }
    };
    let mut kinds = Vec::new();
    for k in p
        .kind
        .iter()
        .flat_map(|k| k.split(','))
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        kinds.push(
            ItemKind::parse(k)
                .ok_or_else(|| ApiError::BadRequest(format!("unknown type {k:?}")))?,
        );
    }
    let query = ItemQuery {
        library_id: p.library.as_deref().map(parse_id).transpose()?,
        kinds,
        parent_id: p.parent.as_deref().map(parse_id).transpose()?,
        text: p.q,
        sort: Some(sort),
        descending,
        offset: p.offset.unwrap_or(0),
        limit: p.limit.unwrap_or(100).clamp(1, MAX_LIMIT),
    };
    let (rows, total) = items::list(&state.catalog, &query).await?;
    let items: Vec<ItemDto> = rows.into_iter().map(ItemDto::from).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items, "total": total })))
}

/// The present item a route's `{id}` names, or 404.
pub(super) async fn present_item(
    state: &AppState,
    raw_id: &str,
) -> Result<crate::domain::Item, ApiError> {
    let id = parse_id(raw_id)?;
    items::get(&state.catalog, &id)
        .await?
        .filter(|i| !i.missing)
        .ok_or_else(|| ApiError::NotFound(format!("no item {id}")))
}

pub async fn get_item(
    _auth: ApiKeyAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let item = present_item(&state, &id).await?;
    let id = item.id.clone();
    let files = media_files::for_items(&state.catalog, std::slice::from_ref(&id)).await?;
    let file_ids: Vec<String> = files.iter().map(|f| f.id.clone()).collect();
    let mut streams = media_files::streams_for(&state.catalog, &file_ids).await?;
    let mut subjects = file_ids.clone();
    subjects.push(id.clone());
    let jobs = state.jobs.for_subjects(&subjects).await?;
    let child_count = items::list(
        &state.catalog,
        &ItemQuery {
            parent_id: Some(id.clone()),
            kinds: vec![
                ItemKind::Season,
                ItemKind::Episode,
                ItemKind::Movie,
                ItemKind::Video,
                ItemKind::Extra,
                ItemKind::Series,
            ],
            limit: 1,
            ..ItemQuery::default()
        },
    )
    .await?
    .1;
    let files = files
        .into_iter()
        .map(|f| {
            let mine: Vec<StreamDto> = streams
                .extract_if(.., |s| s.media_file_id == f.id)
                .map(StreamDto::from)
                .collect();
            FileDto::new(f, mine)
        })
        .collect();
    let classification = if item.kind.is_playable() {
        match crate::db::review::classification_of(&state.catalog, &id).await? {
            Some(c) => Some(super::review::classification_dto(
                c,
                crate::db::field_sources::for_item(&state.catalog.read, &id).await?,
            )),
            None => None,
        }
    } else {
        None
    };
    let people = crate::db::metadata::people_of(&state.catalog, std::slice::from_ref(&id))
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(HttpResponse::Ok().json(ItemDetailDto {
        classification,
        metadata: MetadataDto::new(&item, people),
        item: ItemDto::from(item),
        files,
        jobs: jobs.into_iter().map(JobDto::from).collect(),
        child_count,
    }))
}

#[derive(Deserialize)]
pub struct StreamParams {
    /// A specific file (version or part) of the item; default: its first playable file.
    file: Option<String>,
}

/// Direct play: the file itself with Range support. Files are found by catalogued id only;
/// nothing a client sends is ever used as a path.
pub async fn stream_item(
    _auth: ApiKeyAuth,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    params: web::Query<StreamParams>,
) -> Result<HttpResponse, ApiError> {
    let (id, wanted) = stream_target(&id, params.file.as_deref())?;
    crate::api::item_stream::serve_item_file(&req, &state, &id, wanted.as_deref())
        .await
        .map_err(|e| match e {
            ItemStreamError::NoPlayableFile(_)
            | ItemStreamError::File(DirectPlayError::NotFound(_)) => {
                ApiError::NotFound(format!("no playable file for item {id}"))
            }
            ItemStreamError::Catalog(c) => c.into(),
            other => ApiError::Internal(other.to_string()),
        })
}

/// The item and file a stream request names (`{id}`, `?file=`).
fn stream_target(raw_id: &str, file: Option<&str>) -> Result<(String, Option<String>), ApiError> {
    let id = parse_id(raw_id)?;
    let wanted = file.map(parse_id).transpose()?;
    Ok((id, wanted))
}

/// For the `sendfile` front: what `/api/v1/items/{raw_id}/stream?{query}` asks for, read as
/// the handler reads it; `None` when the handler would answer an error (it then does).
pub fn fast_stream_target(raw_id: &str, query: &str) -> Option<(String, Option<String>)> {
    let params = web::Query::<StreamParams>::from_query(query).ok()?;
    stream_target(raw_id, params.file.as_deref()).ok()
}
