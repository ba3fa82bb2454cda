//! `/Auth/Keys`: API keys the Jellyfin way (administrators only). They are the same keys as
//! `kinora apikey create` makes and `/api/v1` accepts, and on Jellyfin routes they act with
//! administrator rights (see `auth::resolve`).
//!
//! Kinora stores keys hashed, so unlike Jellyfin it cannot show a key again: the listing's
//! `AccessToken` is a marker (the key's first characters and `…`), and `POST` answers 200 with
//! the new key in the body instead of Jellyfin's empty 204 (clients ignore the body). `DELETE`
//! takes the key itself, its id (listed as `DeviceId`), or the listed marker.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use super::auth::JfAuth;
use super::ids::{from_wire, to_wire};
use super::query::JfQuery;
use super::respond::{json, JfError};
use super::wire_time::format_ms;
use crate::api::AppState;
use crate::db::api_keys::{self, ApiKeyInfo, KeyRef};

/// Ends the listed marker of a key whose secret cannot be shown.
const MARKER_END: char = '…';

/// `AuthenticationInfo` as the spec declares it.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AuthenticationInfo {
    /// Jellyfin lists its keys with `Id` 0 as well.
    id: i64,
    access_token: String,
    /// Kinora puts the key's id here (Jellyfin leaves it empty), so a listed key can be revoked.
    device_id: String,
    app_name: String,
    app_version: String,
    device_name: String,
    user_id: String,
    is_active: bool,
    date_created: String,
    date_last_activity: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AuthenticationInfoQueryResult {
    items: Vec<AuthenticationInfo>,
    total_record_count: usize,
    start_index: usize,
}

fn info(k: &ApiKeyInfo, access_token: String) -> AuthenticationInfo {
    AuthenticationInfo {
        id: 0,
        access_token,
        device_id: to_wire(&k.id),
        app_name: k.name.clone(),
        app_version: String::new(),
        device_name: String::new(),
        // Keys belong to no user (Jellyfin writes Guid.Empty).
        user_id: "00000000000000000000000000000000".into(),
        is_active: true,
        date_created: format_ms(k.created_at),
        date_last_activity: format_ms(k.last_used_at.unwrap_or(k.created_at)),
    }
}

/// `GET /Auth/Keys`.
pub async fn get_keys(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    if !auth.is_admin() {
        return Err(JfError::Forbidden);
    }
    let items: Vec<AuthenticationInfo> = api_keys::list(&state.catalog)
        .await?
        .iter()
        .map(|k| info(k, format!("{}{MARKER_END}", k.key_prefix)))
        .collect();
    Ok(json(
        &req,
        &AuthenticationInfoQueryResult {
            total_record_count: items.len(),
            start_index: 0,
            items,
        },
    ))
}

/// `POST /Auth/Keys?app=NAME`: the one time the key is shown.
pub async fn create_key(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    if !auth.is_admin() {
        return Err(JfError::Forbidden);
    }
    let q = JfQuery::parse(req.query_string());
    let app = q
        .get("app")
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| JfError::BadRequest("The app field is required.".into()))?
        .to_string();
    let (secret, key) = api_keys::create_listed(&state.catalog, &app).await?;
    tracing::info!(app = %app, by = %auth.session.user.name, "API key created");
    Ok(json(&req, &info(&key, secret)))
}

/// `DELETE /Auth/Keys/{key}`: 204 whether or not a key matched, as Jellyfin answers. Takes
/// effect at once: the key's cached validations are dropped.
pub async fn revoke_key(
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    if !auth.is_admin() {
        return Err(JfError::Forbidden);
    }
    let presented = path.into_inner();
    let presented = presented.trim();
    let mut revoked = api_keys::revoke(&state.catalog, KeyRef::Secret(presented)).await?;
    if revoked.is_empty() {
        if let Some(id) = from_wire(presented) {
            revoked = api_keys::revoke(&state.catalog, KeyRef::Id(&id)).await?;
        }
    }
    if revoked.is_empty() {
        if let Some(prefix) = presented.strip_suffix(MARKER_END) {
            revoked = api_keys::revoke(&state.catalog, KeyRef::Prefix(prefix)).await?;
        }
    }
    for k in &revoked {
        state.session_cache.remove(&k.key_hash);
        state.key_cache.remove(&k.key_hash);
        tracing::info!(app = %k.name, by = %auth.session.user.name, "API key revoked");
    }
    Ok(HttpResponse::NoContent().finish())
}
