//! Play state: played/unplayed, favourites, and playback reports (start, progress, stop), in
//! new and legacy routes, with Jellyfin's resume rules (`domain::playstate`).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

use super::auth::JfAuth;
use super::browse::check_path_user;
use super::dto::user_data_dto;
use super::loader::listed_item;
use super::now_playing::Playing;
use super::query::JfQuery;
use super::query::{body_field, body_i64};
use super::respond::{json, JfError};
use super::wire_time::{ms_to_ticks, parse_date_ms};
use crate::api::AppState;
use crate::db::{now_ms, user_data};
use crate::domain::playstate;

/// Changes one user's data for one item and answers the new `UserItemDataDto`.
async fn change(
    req: &HttpRequest,
    state: &AppState,
    auth: &JfAuth,
    raw_item: &str,
    apply: impl FnOnce(&mut crate::domain::UserItemData),
) -> Result<HttpResponse, JfError> {
    let item = listed_item(state, raw_item).await?;
    let mut data = user_data::get(&state.catalog, auth.user_id(), &item.id).await?;
    apply(&mut data);
    user_data::save(&state.catalog, auth.user_id(), &item.id, &data).await?;
    let dto = user_data_dto(&item, &data, None);
    push_user_data(state, auth, &dto);
    Ok(json(req, &dto))
}

/// `datePlayed` (an ISO date), else now.
fn date_played(req: &HttpRequest) -> i64 {
    JfQuery::parse(req.query_string())
        .get("DatePlayed")
        .and_then(parse_date_ms)
        .unwrap_or_else(now_ms)
}

pub async fn mark_played(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    let at = date_played(&req);
    change(&req, &state, &auth, &path, |d| {
        playstate::mark_played(d, at)
    })
    .await
}

pub async fn mark_unplayed(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    change(&req, &state, &auth, &path, playstate::mark_unplayed).await
}

pub async fn mark_favorite(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    change(&req, &state, &auth, &path, |d| d.is_favorite = true).await
}

pub async fn unmark_favorite(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    change(&req, &state, &auth, &path, |d| d.is_favorite = false).await
}

/// `/Users/{userId}/PlayedItems/{itemId}` and friends: the same handlers, user from the path.
pub async fn legacy(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, JfError> {
    let (user, item) = path.into_inner();
    check_path_user(&state, &auth, &user).await?;
    let method = req.method().clone();
    let is_favorite = req.path().contains("/favoriteitems/");
    let item = web::Path::from(item);
    match (is_favorite, method == actix_web::http::Method::DELETE) {
        (false, false) => mark_played(req, auth, state, item).await,
        (false, true) => mark_unplayed(req, auth, state, item).await,
        (true, false) => mark_favorite(req, auth, state, item).await,
        (true, true) => unmark_favorite(req, auth, state, item).await,
    }
}

/// Tells the user's other clients (and this one's socket) that an item's state changed.
fn push_user_data(state: &AppState, auth: &JfAuth, dto: &super::dto::UserItemDataDto) {
    let data = serde_json::json!({
        "UserId": super::ids::to_wire(auth.user_id()),
        "UserDataList": [dto],
    });
    // No receiver is not an error: nobody has a socket open.
    let _ = state.pushes.send(super::socket::Push {
        user_id: Some(auth.user_id().to_string()),
        message_type: "UserDataChanged",
        data,
    });
}

pub async fn get_user_data(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    let item = listed_item(&state, &path).await?;
    let data = user_data::get(&state.catalog, auth.user_id(), &item.id).await?;
    Ok(json(&req, &user_data_dto(&item, &data, None)))
}

/// `POST /UserItems/{itemId}/UserData` (`UpdateUserItemDataDto`): sets the fields the body
/// carries and leaves the others (Findroid's offline sync sends positions watched offline).
pub async fn update_user_data(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, JfError> {
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| JfError::BadRequest(format!("invalid JSON body: {e}")))?;
    if !body.is_object() {
        return Err(JfError::BadRequest(
            "UpdateUserItemDataDto must be an object".into(),
        ));
    }
    let int = |name: &str| body_i64(&body, name);
    let flag = |name: &str| body_field(&body, name).and_then(Value::as_bool);
    let position = int("PlaybackPositionTicks").map(|t| t.max(0));
    let play_count = int("PlayCount").and_then(|c| i32::try_from(c.max(0)).ok());
    let favorite = flag("IsFavorite");
    let played = flag("Played");
    let last_played = body_field(&body, "LastPlayedDate")
        .and_then(Value::as_str)
        .and_then(parse_date_ms);
    change(&req, &state, &auth, &path, |d| {
        if let Some(p) = position {
            d.playback_position_ticks = p;
        }
        if let Some(c) = play_count {
            d.play_count = c;
        }
        if let Some(f) = favorite {
            d.is_favorite = f;
        }
        if let Some(p) = played {
            d.played = p;
        }
        if let Some(at) = last_played {
            d.last_played_at = Some(at);
        }
    })
    .await
}

/// `GET|POST /Users/{userId}/Items/{itemId}/UserData`: the same, user from the path.
pub async fn user_data_legacy(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, JfError> {
    let (user, item) = path.into_inner();
    check_path_user(&state, &auth, &user).await?;
    let item = web::Path::from(item);
    if req.method() == actix_web::http::Method::POST {
        update_user_data(req, auth, state, item, body).await
    } else {
        get_user_data(req, auth, state, item).await
    }
}

enum Report {
    Start,
    Progress,
    Stop,
}

async fn report(
    state: &AppState,
    auth: &JfAuth,
    body: &[u8],
    kind: Report,
) -> Result<HttpResponse, JfError> {
    let body: Value = serde_json::from_slice(body)
        .map_err(|e| JfError::BadRequest(format!("invalid JSON body: {e}")))?;
    report_value(state, auth, body, kind).await
}

async fn report_value(
    state: &AppState,
    auth: &JfAuth,
    body: Value,
    kind: Report,
) -> Result<HttpResponse, JfError> {
    let raw_id = body_field(&body, "ItemId")
        .and_then(Value::as_str)
        .ok_or_else(|| JfError::BadRequest("ItemId is required".into()))?;
    let item = listed_item(state, raw_id).await?;
    let position = body_i64(&body, "PositionTicks");
    let device = &auth.session.device.id;
    match kind {
        Report::Start | Report::Progress => state
            .now_playing
            .update(device, Playing::from_report(&item.id, &body)),
        Report::Stop => state.now_playing.stop(device),
    }
    let runtime = item.runtime_ms.map(ms_to_ticks);
    let now = now_ms();
    let mut data = user_data::get(&state.catalog, auth.user_id(), &item.id).await?;
    match kind {
        Report::Start => playstate::on_start(&mut data, now),
        Report::Progress => match position {
            Some(p) => playstate::on_progress(&mut data, p, runtime, now),
            None => data.last_played_at = Some(now),
        },
        Report::Stop => playstate::on_stop(&mut data, position, runtime, now),
    }
    user_data::save(&state.catalog, auth.user_id(), &item.id, &data).await?;
    if !matches!(kind, Report::Progress) {
        push_user_data(state, auth, &user_data_dto(&item, &data, None));
    }
    Ok(HttpResponse::NoContent().finish())
}

pub async fn playing(
    auth: JfAuth,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, JfError> {
    report(&state, &auth, &body, Report::Start).await
}

pub async fn progress(
    auth: JfAuth,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, JfError> {
    report(&state, &auth, &body, Report::Progress).await
}

pub async fn stopped(
    auth: JfAuth,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, JfError> {
    report(&state, &auth, &body, Report::Stop).await
}

/// `/PlayingItems/{itemId}[/Progress]` (POST start/progress, DELETE stop) and the legacy
/// `/Users/{userId}/PlayingItems/…`: the same reports with their fields in the query string
/// (older clients and Kodi's add-on in some versions).
pub async fn playing_item(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    playing_item_report(&req, &state, &auth, &path).await
}

pub async fn playing_item_legacy(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, JfError> {
    let (user, item) = path.into_inner();
    check_path_user(&state, &auth, &user).await?;
    playing_item_report(&req, &state, &auth, &item).await
}

async fn playing_item_report(
    req: &HttpRequest,
    state: &AppState,
    auth: &JfAuth,
    item: &str,
) -> Result<HttpResponse, JfError> {
    let q = JfQuery::parse(req.query_string());
    let kind = if req.method() == actix_web::http::Method::DELETE {
        Report::Stop
    } else if req.path().ends_with("/progress") {
        Report::Progress
    } else {
        Report::Start
    };
    let mut body = serde_json::json!({ "ItemId": item });
    for name in [
        "PositionTicks",
        "AudioStreamIndex",
        "SubtitleStreamIndex",
        "VolumeLevel",
    ] {
        if let Some(v) = q.i64(name) {
            body[name] = v.into();
        }
    }
    for name in ["IsPaused", "IsMuted", "CanSeek"] {
        if let Some(v) = q.bool(name) {
            body[name] = v.into();
        }
    }
    for name in ["MediaSourceId", "PlayMethod", "PlaySessionId", "RepeatMode"] {
        if let Some(v) = q.get(name) {
            body[name] = v.into();
        }
    }
    report_value(state, auth, body, kind).await
}

pub async fn ping(_auth: JfAuth) -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// `POST /Items/{id}/Refresh` (jellyfin-web's "Refresh metadata"): the item is looked up
/// again in the background (NFO, TMDB, LLM gaps; images and sidecars).
pub async fn refresh_item(
    auth: JfAuth,
    state: web::Data<AppState>,
    item_id: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    if !auth.is_admin() {
        return Err(JfError::Forbidden);
    }
    let id = super::ids::from_wire(&item_id).ok_or(JfError::NotFound)?;
    let item = crate::db::items::get(&state.catalog, &id)
        .await?
        .filter(|i| !i.missing)
        .ok_or(JfError::NotFound)?;
    state
        .jobs
        .enqueue(crate::workers::metadata_job(&item.id, 10))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What Sonarr and Radarr call after an import: a rescan in the background.
pub async fn refresh_library(
    auth: JfAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    if !auth.is_admin() {
        return Err(JfError::Forbidden);
    }
    let scanner = state.scanner.clone();
    tokio::spawn(async move {
        scanner.scan_all().await;
    });
    Ok(HttpResponse::NoContent().finish())
}
