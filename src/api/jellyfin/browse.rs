//! Browsing: views, item listings (new and legacy routes share handlers), single items, shows,
//! resume, next up, latest, and the small routes clients call on the way.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

use super::auth::JfAuth;
use super::dto::{base_item, person_dto, BaseItemDto, QueryResult};
use super::ids::{from_wire, name_id, NameKind};
use super::loader::{context, listed_item};
use super::query::JfQuery;
use super::respond::{json, JfError};
use crate::api::AppState;
use crate::db::items::{self, BrowseQuery, BrowseSort};
use crate::domain::{Item, ItemKind};

/// The legacy `/Users/{userId}/…` routes take the user from the path: it must be the caller
/// (or any existing user for an administrator); otherwise 404, as Jellyfin answers.
pub async fn check_path_user(state: &AppState, auth: &JfAuth, raw: &str) -> Result<(), JfError> {
    let id = from_wire(raw).ok_or(JfError::NotFound)?;
    if id == auth.session.user.id {
        return Ok(());
    }
    if auth.is_admin() && crate::db::users::get(&state.catalog, &id).await?.is_some() {
        return Ok(());
    }
    Err(JfError::NotFound)
}

fn kind_from_jellyfin(name: &str) -> Option<Vec<ItemKind>> {
    Some(match name.to_ascii_lowercase().as_str() {
        "movie" => vec![ItemKind::Movie],
        "series" => vec![ItemKind::Series],
        "season" => vec![ItemKind::Season],
        "episode" => vec![ItemKind::Episode],
        "video" => vec![ItemKind::Video],
        "trailer" => vec![ItemKind::Extra],
        "collectionfolder" | "folder" => vec![ItemKind::Folder],
        _ => return None,
    })
}

pub(super) fn kinds(q: &JfQuery, name: &str) -> (Vec<ItemKind>, bool) {
    let asked = q.list(name);
    let mut out = Vec::new();
    for n in &asked {
        // Unknown members are dropped, not an error (Kodi sends types Kinora has no use for).
        out.extend(kind_from_jellyfin(n).unwrap_or_default());
    }
    (out, !asked.is_empty())
}

fn sort_fields(q: &JfQuery) -> Vec<(BrowseSort, bool)> {
    let orders: Vec<bool> = q
        .list("SortOrder")
        .iter()
        .map(|o| o.eq_ignore_ascii_case("descending"))
        .collect();
    q.list("SortBy")
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let field = match s.to_ascii_lowercase().as_str() {
                "sortname" | "name" => BrowseSort::SortName,
                "productionyear" | "premieredate" => BrowseSort::ProductionYear,
                "datecreated" => BrowseSort::DateCreated,
                "dateplayed" | "dateLastContentAdded" => BrowseSort::DatePlayed,
                "random" => BrowseSort::Random,
                "indexnumber" | "parentindexnumber" | "airedepisodeorder" => {
                    BrowseSort::IndexNumber
                }
                _ => return None,
            };
            let desc = orders.get(i).or(orders.first()).copied().unwrap_or(false);
            Some((field, desc))
        })
        .collect()
}

/// The synthetic root above the library views (`/Items/Root`).
fn root_id(state: &AppState) -> String {
    state.server_id.to_string()
}

async fn views(state: &AppState) -> Result<Vec<Item>, JfError> {
    let ids: Vec<String> = state
        .scanner
        .libraries()
        .iter()
        .map(|l| l.root_item_id.clone())
        .collect();
    let mut roots = items::get_many(&state.catalog, &ids).await?;
    roots.sort_by_key(|r| ids.iter().position(|i| *i == r.id));
    Ok(roots)
}

pub(super) async fn page_dtos(
    state: &AppState,
    auth: &JfAuth,
    page: &[Item],
    user_data: bool,
) -> Result<Vec<BaseItemDto>, JfError> {
    let ctx = context(state, auth.user_id(), page).await?;
    Ok(page.iter().map(|i| base_item(i, &ctx, user_data)).collect())
}

/// Puts a playable item's versions and streams on its DTO (details, or `Fields=MediaSources`).
async fn attach_sources(
    state: &AppState,
    item: &Item,
    dto: &mut BaseItemDto,
) -> Result<(), JfError> {
    if !item.kind.is_playable() {
        return Ok(());
    }
    let sources = super::playback::item_sources(state, item).await?;
    dto.media_streams = sources
        .first()
        .map(|s| s.media_streams.iter().map(to_value).collect());
    dto.media_sources = Some(sources.iter().map(to_value).collect());
    // Subtitle files next to the video count too (the listing only knows embedded ones).
    dto.has_subtitles = Some(
        sources
            .iter()
            .any(|s| s.media_streams.iter().any(|m| m.kind == "Subtitle")),
    );
    Ok(())
}

/// Whether the request's `Fields` names `field`.
fn asks_for(req: &HttpRequest, field: &str) -> bool {
    JfQuery::parse(req.query_string())
        .list("Fields")
        .iter()
        .any(|f| f.eq_ignore_ascii_case(field))
}

/// Puts cast and crew on a page of DTOs: one query for the whole page.
async fn attach_people(
    state: &AppState,
    page: &[Item],
    dtos: &mut [BaseItemDto],
) -> Result<(), JfError> {
    let ids: Vec<String> = page.iter().map(|i| i.id.clone()).collect();
    let mut people = crate::db::metadata::people_of(&state.catalog, &ids).await?;
    for (item, dto) in page.iter().zip(dtos.iter_mut()) {
        dto.people = Some(
            people
                .remove(&item.id)
                .unwrap_or_default()
                .iter()
                .map(person_dto)
                .collect(),
        );
    }
    Ok(())
}

/// One page of a browse query as Jellyfin's `{Items, TotalRecordCount, StartIndex}`.
async fn browse_response(
    req: &HttpRequest,
    state: &AppState,
    auth: &JfAuth,
    bq: &BrowseQuery,
    with_user_data: bool,
) -> Result<HttpResponse, JfError> {
    let (page, total) = items::browse(&state.catalog, bq).await?;
    let mut dtos = page_dtos(state, auth, &page, with_user_data).await?;
    // Sources cost a query and a folder listing per item: only when asked for (Swiftfin asks
    // for them on episode lists to pick versions).
    let fields = JfQuery::parse(req.query_string()).list("Fields");
    if fields
        .iter()
        .any(|f| f.eq_ignore_ascii_case("MediaSources") || f.eq_ignore_ascii_case("MediaStreams"))
    {
        for (item, dto) in page.iter().zip(dtos.iter_mut()) {
            attach_sources(state, item, dto).await?;
        }
    }
    if asks_for(req, "People") {
        attach_people(state, &page, &mut dtos).await?;
    }
    Ok(json(
        req,
        &QueryResult {
            items: dtos,
            total_record_count: total,
            start_index: bq.offset,
        },
    ))
}

pub async fn get_user_views(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    let roots = views(&state).await?;
    let dtos = page_dtos(&state, &auth, &roots, true).await?;
    let total = dtos.len() as u64;
    Ok(json(
        &req,
        &QueryResult {
            items: dtos,
            total_record_count: total,
            start_index: 0,
        },
    ))
}

pub async fn get_user_views_legacy(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    check_path_user(&state, &auth, &path).await?;
    get_user_views(req, auth, state).await
}

/// Builds the catalog query from Jellyfin's `/Items` parameters.
fn browse_query(state: &AppState, auth: &JfAuth, q: &JfQuery) -> Result<BrowseQuery, JfError> {
    let (include, asked) = kinds(q, "IncludeItemTypes");
    let (exclude, _) = kinds(q, "ExcludeItemTypes");
    let mut bq = BrowseQuery {
        user_id: auth.user_id().to_string(),
        recursive: q.bool("Recursive").unwrap_or(false),
        kinds: include,
        exclude_kinds: exclude,
        search: q
            .get("SearchTerm")
            .or_else(|| q.get("NameStartsWith"))
            .map(str::to_string),
        years: q
            .list("Years")
            .iter()
            .filter_map(|y| y.parse().ok())
            .collect(),
        genres: q.pipe_list("Genres"),
        official_ratings: q.pipe_list("OfficialRatings"),
        is_played: q.bool("IsPlayed"),
        is_favorite: q.bool("IsFavorite"),
        sort: sort_fields(q),
        offset: q.i64("StartIndex").unwrap_or(0).max(0) as u64,
        limit: q.i64("Limit").map(|l| l.clamp(0, 10_000) as u64),
        ..BrowseQuery::default()
    };
    if asked && bq.kinds.is_empty() {
        // Only types Kinora does not have were asked for: an empty answer.
        bq.ids = vec!["-".into()];
    }
    for f in q.list("Filters") {
        match f.to_ascii_lowercase().as_str() {
            "isplayed" => bq.is_played = Some(true),
            "isunplayed" => bq.is_played = Some(false),
            "isfavorite" => bq.is_favorite = Some(true),
            "isresumable" => bq.is_resumable = true,
            "isfolder" => bq.kinds = vec![ItemKind::Series, ItemKind::Season, ItemKind::Folder],
            "isnotfolder" => {
                bq.exclude_kinds
                    .extend([ItemKind::Series, ItemKind::Season, ItemKind::Folder])
            }
            _ => {}
        }
    }
    for id in q.list("Ids") {
        bq.ids.push(from_wire(&id).unwrap_or_else(|| "-".into()));
    }
    if let Some(parent) = q.get("ParentId") {
        let parent = from_wire(parent).ok_or(JfError::NotFound)?;
        match state
            .scanner
            .libraries()
            .iter()
            .find(|l| l.root_item_id == parent)
        {
            // A library view: its whole library when recursive, else its top level.
            Some(lib) if bq.recursive => bq.library_ids = vec![lib.id.clone()],
            _ => bq.parent_id = Some(parent),
        }
    }
    Ok(bq)
}

pub async fn get_items(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    let q = JfQuery::parse(req.query_string());
    // The root's children are the library views.
    if q.get("ParentId")
        .and_then(from_wire)
        .map(|p| p.replace('-', ""))
        == Some(root_id(&state))
    {
        return get_user_views(req, auth, state).await;
    }
    let mut bq = browse_query(&state, &auth, &q)?;
    resolve_genre_ids(&state, &q, &mut bq).await?;
    browse_response(
        &req,
        &state,
        &auth,
        &bq,
        q.bool("EnableUserData").unwrap_or(true),
    )
    .await
}

/// `GenreIds=` names genres by their name-derived ids: they are matched against the catalog's
/// genres. Ids that match none select nothing, as in Jellyfin.
async fn resolve_genre_ids(
    state: &AppState,
    q: &JfQuery,
    bq: &mut BrowseQuery,
) -> Result<(), JfError> {
    let wanted: Vec<String> = q
        .list("GenreIds")
        .iter()
        .map(|id| id.replace('-', "").to_ascii_lowercase())
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let all = crate::db::metadata::genres_of(&state.catalog, &BrowseQuery::default()).await?;
    let before = bq.genres.len();
    bq.genres.extend(
        all.into_iter()
            .filter(|g| wanted.contains(&name_id(NameKind::Genre, g))),
    );
    if bq.genres.len() == before {
        bq.ids = vec!["-".into()];
    }
    Ok(())
}

pub async fn get_items_legacy(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    check_path_user(&state, &auth, &path).await?;
    get_items(req, auth, state).await
}

fn root_dto(state: &AppState) -> Value {
    serde_json::json!({
        "Name": "Media Folders", "ServerId": state.server_id.as_str(), "Id": root_id(state),
        "Type": "UserRootFolder", "IsFolder": true, "MediaType": "Unknown", "LocationType": "FileSystem",
        "ChannelId": null, "ImageTags": {}, "BackdropImageTags": [], "ImageBlurHashes": {},
        "ChildCount": state.scanner.libraries().len(),
    })
}

pub async fn get_item(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    if from_wire(&path).map(|p| p.replace('-', "")) == Some(root_id(&state)) {
        return Ok(json(&req, &root_dto(&state)));
    }
    let item = listed_item(&state, &path).await?;
    let mut dto = page_dtos(&state, &auth, std::slice::from_ref(&item), true)
        .await?
        .into_iter()
        .next();
    // Details carry the item's versions and streams (contract §5: emitted on single-item GETs),
    // and its people (Jellyfin's detail routes fill every field).
    if let Some(dto) = dto.as_mut() {
        attach_people(
            &state,
            std::slice::from_ref(&item),
            std::slice::from_mut(dto),
        )
        .await?;
        attach_sources(&state, &item, dto).await?;
        if item.kind.is_playable() {
            // No chapter extraction yet: an empty list, which clients read as "no chapters".
            dto.chapters = Some(Vec::new());
        }
    }
    Ok(json(&req, &dto))
}

pub async fn get_item_legacy(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, JfError> {
    let (user, item) = path.into_inner();
    check_path_user(&state, &auth, &user).await?;
    get_item(req, auth, state, web::Path::from(item)).await
}

pub async fn get_root(req: HttpRequest, _auth: JfAuth, state: web::Data<AppState>) -> HttpResponse {
    json(&req, &root_dto(&state))
}

pub async fn get_root_legacy(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    check_path_user(&state, &auth, &path).await?;
    Ok(get_root(req, auth, state).await)
}

pub async fn get_seasons(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    let series = listed_item(&state, &path).await?;
    if series.kind != ItemKind::Series {
        return Err(JfError::NotFound);
    }
    let bq = BrowseQuery {
        user_id: auth.user_id().to_string(),
        parent_id: Some(series.id.clone()),
        kinds: vec![ItemKind::Season],
        sort: vec![(BrowseSort::IndexNumber, false)],
        ..BrowseQuery::default()
    };
    browse_response(&req, &state, &auth, &bq, true).await
}

pub async fn get_episodes(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    let q = JfQuery::parse(req.query_string());
    let series = listed_item(&state, &path).await?;
    if series.kind != ItemKind::Series {
        return Err(JfError::NotFound);
    }
    let mut bq = BrowseQuery {
        user_id: auth.user_id().to_string(),
        parent_id: Some(series.id.clone()),
        recursive: true,
        kinds: vec![ItemKind::Episode],
        sort: vec![(BrowseSort::IndexNumber, false)],
        offset: q.i64("StartIndex").unwrap_or(0).max(0) as u64,
        limit: q.i64("Limit").map(|l| l.max(0) as u64),
        ..BrowseQuery::default()
    };
    if let Some(season) = q.get("SeasonId").and_then(from_wire) {
        bq.parent_id = Some(season);
        bq.recursive = false;
    } else if let Some(n) = q.i64("Season") {
        let seasons = items::browse(
            &state.catalog,
            &BrowseQuery {
                user_id: bq.user_id.clone(),
                parent_id: Some(series.id.clone()),
                kinds: vec![ItemKind::Season],
                ..BrowseQuery::default()
            },
        )
        .await?
        .0;
        let season = seasons
            .into_iter()
            .find(|s| s.season_number == Some(n as i32))
            .ok_or(JfError::NotFound)?;
        bq.parent_id = Some(season.id);
        bq.recursive = false;
    }
    browse_response(&req, &state, &auth, &bq, true).await
}

/// Next up, Jellyfin's rule: per series, the first unplayed episode after the most recently
/// played one; series nobody has started are left out. Most recently watched series first.
pub async fn get_next_up(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    let q = JfQuery::parse(req.query_string());
    let series_filter = q.get("SeriesId").and_then(from_wire);
    let all = items::browse(
        &state.catalog,
        &BrowseQuery {
            user_id: auth.user_id().to_string(),
            kinds: vec![ItemKind::Episode],
            parent_id: series_filter.clone(),
            recursive: series_filter.is_some(),
            sort: vec![(BrowseSort::IndexNumber, false)],
            ..BrowseQuery::default()
        },
    )
    .await?
    .0;
    let ids: Vec<String> = all.iter().map(|e| e.id.clone()).collect();
    let data = crate::db::user_data::for_items(&state.catalog, auth.user_id(), &ids).await?;
    let seasons = items::get_many(
        &state.catalog,
        &all.iter()
            .filter_map(|e| e.parent_id.clone())
            .collect::<Vec<_>>(),
    )
    .await?;
    let series_of = |e: &Item| {
        seasons
            .iter()
            .find(|s| Some(&s.id) == e.parent_id.as_ref())
            .and_then(|s| s.parent_id.clone())
    };
    let mut by_series: std::collections::BTreeMap<String, Vec<&Item>> =
        std::collections::BTreeMap::new();
    for e in &all {
        if let Some(s) = series_of(e) {
            by_series.entry(s).or_default().push(e);
        }
    }
    let mut next: Vec<(i64, Item)> = Vec::new();
    for eps in by_series.values_mut() {
        eps.sort_by_key(|e| {
            (
                e.season_number.unwrap_or(0) == 0,
                e.season_number.unwrap_or(0),
                e.episode_number.unwrap_or(0),
            )
        });
        let last = eps
            .iter()
            .enumerate()
            .filter(|(_, e)| data.get(&e.id).is_some_and(|d| d.played))
            .max_by_key(|(_, e)| data.get(&e.id).and_then(|d| d.last_played_at).unwrap_or(0));
        let Some((pos, last_ep)) = last else { continue };
        let when = data
            .get(&last_ep.id)
            .and_then(|d| d.last_played_at)
            .unwrap_or(0);
        if let Some(n) = eps
            .iter()
            .skip(pos + 1)
            .find(|e| !data.get(&e.id).is_some_and(|d| d.played))
        {
            next.push((when, (*n).clone()));
        }
    }
    next.sort_by_key(|(when, _)| std::cmp::Reverse(*when));
    let total = next.len() as u64;
    let limit = q
        .i64("Limit")
        .map(|l| l.max(0) as usize)
        .unwrap_or(usize::MAX);
    let page: Vec<Item> = next.into_iter().map(|(_, e)| e).take(limit).collect();
    let dtos = page_dtos(&state, &auth, &page, true).await?;
    Ok(json(
        &req,
        &QueryResult {
            items: dtos,
            total_record_count: total,
            start_index: 0,
        },
    ))
}

pub async fn get_resume_items(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    let q = JfQuery::parse(req.query_string());
    let mut bq = browse_query(&state, &auth, &q)?;
    bq.is_resumable = true;
    bq.recursive = true;
    if bq.kinds.is_empty() {
        bq.kinds = vec![ItemKind::Movie, ItemKind::Episode, ItemKind::Video];
    }
    bq.sort = vec![(BrowseSort::DatePlayed, true)];
    browse_response(&req, &state, &auth, &bq, true).await
}

pub async fn get_resume_items_legacy(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    check_path_user(&state, &auth, &path).await?;
    get_resume_items(req, auth, state).await
}

/// Latest additions as a bare array; new episodes are grouped under their series.
pub async fn get_latest_media(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    let q = JfQuery::parse(req.query_string());
    let limit = q.i64("Limit").unwrap_or(20).clamp(1, 200) as usize;
    let mut bq = browse_query(&state, &auth, &q)?;
    bq.recursive = true;
    if bq.kinds.is_empty() {
        bq.kinds = vec![ItemKind::Movie, ItemKind::Episode, ItemKind::Video];
    }
    bq.sort = vec![(BrowseSort::DateCreated, true)];
    bq.limit = Some((limit * 20) as u64);
    bq.offset = 0;
    let (candidates, _) = items::browse(&state.catalog, &bq).await?;
    let group = q.bool("GroupItems").unwrap_or(true);
    let season_ids: Vec<String> = candidates
        .iter()
        .filter(|i| i.kind == ItemKind::Episode)
        .filter_map(|e| e.parent_id.clone())
        .collect();
    let seasons = items::get_many(&state.catalog, &season_ids).await?;
    let mut chosen: Vec<String> = Vec::new();
    for c in &candidates {
        let id = match (group, c.kind) {
            (true, ItemKind::Episode) => seasons
                .iter()
                .find(|s| Some(&s.id) == c.parent_id.as_ref())
                .and_then(|s| s.parent_id.clone())
                .unwrap_or_else(|| c.id.clone()),
            _ => c.id.clone(),
        };
        if !chosen.contains(&id) {
            chosen.push(id);
        }
        if chosen.len() >= limit {
            break;
        }
    }
    let mut page = items::get_many(&state.catalog, &chosen).await?;
    page.sort_by_key(|i| chosen.iter().position(|c| *c == i.id));
    let dtos = page_dtos(&state, &auth, &page, true).await?;
    Ok(json(&req, &dtos))
}

pub async fn get_latest_media_legacy(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    check_path_user(&state, &auth, &path).await?;
    get_latest_media(req, auth, state).await
}

async fn extras(
    state: &AppState,
    auth: &JfAuth,
    raw: &str,
    trailers: bool,
) -> Result<Vec<BaseItemDto>, JfError> {
    let owner = listed_item(state, raw).await?;
    let list: Vec<Item> = items::extras_of(&state.catalog, &[owner.id])
        .await?
        .into_iter()
        .filter(|e| (e.extra_type.as_deref() == Some("Trailer")) == trailers)
        .collect();
    page_dtos(state, auth, &list, true).await
}

pub async fn get_special_features(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    Ok(json(&req, &extras(&state, &auth, &path, false).await?))
}

pub async fn get_local_trailers(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    Ok(json(&req, &extras(&state, &auth, &path, true).await?))
}

pub async fn get_special_features_legacy(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, JfError> {
    let (user, item) = path.into_inner();
    check_path_user(&state, &auth, &user).await?;
    Ok(json(&req, &extras(&state, &auth, &item, false).await?))
}

pub async fn get_local_trailers_legacy(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, JfError> {
    let (user, item) = path.into_inner();
    check_path_user(&state, &auth, &user).await?;
    Ok(json(&req, &extras(&state, &auth, &item, true).await?))
}

/// Routes with nothing to list yet answer as an empty Jellyfin server: an empty query result.
pub async fn empty_result(req: HttpRequest, _auth: JfAuth) -> HttpResponse {
    json(
        &req,
        &QueryResult::<Value> {
            items: Vec::new(),
            total_record_count: 0,
            start_index: 0,
        },
    )
}

pub async fn empty_list(req: HttpRequest, _auth: JfAuth) -> HttpResponse {
    json(&req, &Vec::<Value>::new())
}

/// The items `/Items/Filters`, `/Items/Filters2`, `/Genres` and `/Studios` describe: below
/// `ParentId` (recursively; a library view means its library), of `IncludeItemTypes`.
fn facet_query(state: &AppState, auth: &JfAuth, q: &JfQuery) -> Result<BrowseQuery, JfError> {
    let (include, asked) = kinds(q, "IncludeItemTypes");
    let (exclude, _) = kinds(q, "ExcludeItemTypes");
    let mut bq = BrowseQuery {
        user_id: auth.user_id().to_string(),
        recursive: true,
        kinds: include,
        exclude_kinds: exclude,
        is_favorite: q.bool("IsFavorite"),
        ..BrowseQuery::default()
    };
    if asked && bq.kinds.is_empty() {
        bq.ids = vec!["-".into()];
    }
    if let Some(parent) = q.get("ParentId") {
        let parent = from_wire(parent).ok_or(JfError::NotFound)?;
        if parent.replace('-', "") != root_id(state) {
            match state
                .scanner
                .libraries()
                .iter()
                .find(|l| l.root_item_id == parent)
            {
                Some(lib) => bq.library_ids = vec![lib.id.clone()],
                None => bq.parent_id = Some(parent),
            }
        }
    }
    Ok(bq)
}

/// `/Items/Filters` (Jellyfin's `QueryFiltersLegacy`): the genres, tags, official ratings and
/// years of the items in scope.
pub async fn get_query_filters(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    let q = JfQuery::parse(req.query_string());
    let f = crate::db::metadata::facets(&state.catalog, &facet_query(&state, &auth, &q)?).await?;
    Ok(json(
        &req,
        &serde_json::json!({
            "Genres": f.genres, "Tags": f.tags, "OfficialRatings": f.official_ratings, "Years": f.years,
        }),
    ))
}

/// `/Genres` and `/Studios`: name-derived items (Jellyfin's `Genre`/`Studio` kinds) of the
/// items in scope, paged, optionally filtered by `SearchTerm`/`NameStartsWith`.
async fn names_response(
    req: &HttpRequest,
    state: &AppState,
    auth: &JfAuth,
    kind: NameKind,
) -> Result<HttpResponse, JfError> {
    let q = JfQuery::parse(req.query_string());
    let scope = facet_query(state, auth, &q)?;
    let names = match kind {
        NameKind::Studio => crate::db::metadata::studios_of(&state.catalog, &scope).await?,
        _ => crate::db::metadata::genres_of(&state.catalog, &scope).await?,
    };
    let search = q.get("SearchTerm").map(str::to_lowercase);
    let starts = q.get("NameStartsWith").map(str::to_lowercase);
    let matching: Vec<String> = names
        .into_iter()
        .filter(|n| {
            let lower = n.to_lowercase();
            search.as_ref().is_none_or(|s| lower.contains(s.as_str()))
                && starts
                    .as_ref()
                    .is_none_or(|s| lower.starts_with(s.as_str()))
        })
        .collect();
    let total = matching.len() as u64;
    let offset = q.i64("StartIndex").unwrap_or(0).max(0) as u64;
    let limit = q
        .i64("Limit")
        .map(|l| l.max(0) as usize)
        .unwrap_or(usize::MAX);
    let type_name = match kind {
        NameKind::Studio => "Studio",
        _ => "Genre",
    };
    let items: Vec<Value> = matching
        .iter()
        .skip(offset as usize)
        .take(limit)
        .map(|name| {
            serde_json::json!({
                "Name": name, "ServerId": state.server_id.as_str(), "Id": name_id(kind, name),
                "ChannelId": null, "Type": type_name, "IsFolder": true, "MediaType": "Unknown",
                "LocationType": "FileSystem", "ImageTags": {}, "BackdropImageTags": [],
                "ImageBlurHashes": {},
            })
        })
        .collect();
    Ok(json(
        req,
        &QueryResult {
            items,
            total_record_count: total,
            start_index: offset,
        },
    ))
}

pub async fn get_genres(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    names_response(&req, &state, &auth, NameKind::Genre).await
}

pub async fn get_studios(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    names_response(&req, &state, &auth, NameKind::Studio).await
}

pub async fn get_item_counts(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    let count = |kind: ItemKind| {
        let bq = BrowseQuery {
            user_id: auth.user_id().to_string(),
            kinds: vec![kind],
            limit: Some(0),
            ..BrowseQuery::default()
        };
        let catalog = state.catalog.clone();
        async move { items::browse(&catalog, &bq).await.map(|(_, n)| n) }
    };
    let movies = count(ItemKind::Movie).await?;
    let series = count(ItemKind::Series).await?;
    let episodes = count(ItemKind::Episode).await?;
    let videos = count(ItemKind::Video).await?;
    Ok(json(
        &req,
        &serde_json::json!({
            "MovieCount": movies, "SeriesCount": series, "EpisodeCount": episodes, "ArtistCount": 0,
            "ProgramCount": 0, "TrailerCount": 0, "SongCount": 0, "AlbumCount": 0, "MusicVideoCount": 0,
            "BoxSetCount": 0, "BookCount": 0, "ItemCount": movies + series + episodes + videos,
        }),
    ))
}

/// Display preferences: always 200 with defaults (clients cannot start without them); what a
/// client posts is kept in memory for the process's lifetime.
pub async fn get_display_preferences(
    req: HttpRequest,
    _auth: JfAuth,
    path: web::Path<String>,
) -> HttpResponse {
    let q = JfQuery::parse(req.query_string());
    json(
        &req,
        &serde_json::json!({
            "Id": path.as_str(), "SortBy": "SortName", "SortOrder": "Ascending", "RememberIndexing": false,
            "PrimaryImageHeight": 250, "PrimaryImageWidth": 250, "CustomPrefs": {}, "ScrollDirection": "Horizontal",
            "ShowBackdrop": true, "RememberSorting": false, "ShowSidebar": false, "IndexBy": null,
            "Client": q.get("client").unwrap_or("emby"),
        }),
    )
}

pub async fn post_display_preferences(_auth: JfAuth) -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// A DTO as JSON (plain structs of strings and numbers: serializing them cannot fail).
fn to_value<T: serde::Serialize>(dto: &T) -> Value {
    serde_json::to_value(dto).unwrap_or(Value::Null)
}

/// `/Items/Filters2`: the newer `QueryFilters` shape (genres as name/id pairs, tags).
pub async fn get_query_filters2(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    let q = JfQuery::parse(req.query_string());
    let f = crate::db::metadata::facets(&state.catalog, &facet_query(&state, &auth, &q)?).await?;
    let genres: Vec<_> = f
        .genres
        .iter()
        .map(|g| super::dto::name_id_dto(NameKind::Genre, g))
        .collect();
    Ok(json(
        &req,
        &serde_json::json!({"Genres": genres, "Tags": f.tags}),
    ))
}
