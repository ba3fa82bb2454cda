//! Who is calling: the token in any of Jellyfin's places (header, legacy headers, query), and
//! the client's own description of itself.

use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest};

use super::auth_header::{parse_authorization, ClientAuth};
use super::query::JfQuery;
use super::respond::JfError;
use crate::api::AppState;
use crate::db::sessions::{self, Session};
use crate::domain::Device;

/// The client description from `Authorization` (or legacy `X-Emby-Authorization`).
pub fn client_auth(req: &HttpRequest) -> ClientAuth {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    header("authorization")
        .and_then(parse_authorization)
        .or_else(|| header("x-emby-authorization").and_then(parse_authorization))
        .unwrap_or_default()
}

/// The token, in Jellyfin's order: header `Token`, `X-Emby-Token`, `X-MediaBrowser-Token`,
/// query `ApiKey`, query `api_key`.
pub fn presented_token(req: &HttpRequest) -> Option<String> {
    if let Some(t) = client_auth(req).token {
        return Some(t);
    }
    for name in ["x-emby-token", "x-mediabrowser-token"] {
        if let Some(t) = req.headers().get(name).and_then(|v| v.to_str().ok()) {
            if !t.trim().is_empty() {
                return Some(t.trim().to_string());
            }
        }
    }
    let q = JfQuery::parse(req.query_string());
    q.get("ApiKey")
        .or_else(|| q.get("api_key"))
        .map(str::to_string)
}

/// An authenticated Jellyfin caller. Handlers that take it answer 401 without a valid token.
#[derive(Debug, Clone)]
pub struct JfAuth {
    pub session: Session,
    pub client: ClientAuth,
}

impl JfAuth {
    pub fn user_id(&self) -> &str {
        &self.session.user.id
    }

    pub fn is_admin(&self) -> bool {
        self.session.user.is_admin
    }

    /// Whether the caller presented an API key rather than a user's access token.
    pub fn is_api_key(&self) -> bool {
        self.session.token_id.starts_with(API_KEY_SESSION)
    }
}

/// The session behind a token: a device's access token, or an API key. Both are cached by the
/// token's hash for a few seconds; whatever revokes or changes them clears that cache.
pub async fn resolve(state: &AppState, token: &str) -> Result<Option<Session>, JfError> {
    let hash = crate::db::api_keys::hash_secret(token);
    if let Some(s) = state.session_cache.get(&hash) {
        return Ok(Some(s));
    }
    let found = match sessions::lookup(&state.catalog, token).await? {
        Some(s) => Some(s),
        None => api_key_session(state, token).await?,
    };
    if let Some(s) = &found {
        state.session_cache.insert(hash, s.clone());
    }
    Ok(found)
}

/// Token ids (and device row ids) of sessions that stand for an API key start with this; real
/// ones are UUIDs.
const API_KEY_SESSION: &str = "api-key:";

/// An API key acts as Jellyfin's do: with administrator rights and no user of its own. Kinora
/// routes need a user (play state, `/Users/Me`), so a key acts as the oldest enabled
/// administrator. No administrator, no access.
async fn api_key_session(state: &AppState, token: &str) -> Result<Option<Session>, JfError> {
    let Some(key) = crate::db::api_keys::verify(&state.catalog, token).await? else {
        return Ok(None);
    };
    let Some(admin) = crate::db::user_admin::first_admin(&state.catalog).await? else {
        return Ok(None);
    };
    if let Err(e) = crate::db::api_keys::touch(&state.catalog, &key.id).await {
        tracing::debug!(error = %e, "cannot record API key use");
    }
    let marker = format!("{API_KEY_SESSION}{}", key.id);
    Ok(Some(Session {
        token_id: marker.clone(),
        device: Device {
            id: marker,
            user_id: admin.id.clone(),
            device_id: format!("{API_KEY_SESSION}{}", super::ids::to_wire(&key.id)),
            device_name: key.name.clone(),
            client: key.name,
            app_version: String::new(),
            capabilities_json: None,
            last_seen_at: crate::db::now_ms(),
        },
        user: admin,
    }))
}

impl FromRequest for JfAuth {
    type Error = JfError;
    type Future = Pin<Box<dyn Future<Output = Result<JfAuth, JfError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let token = presented_token(req);
        let client = client_auth(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let (Some(token), Some(state)) = (token, state) else {
                return Err(JfError::Unauthorized);
            };
            match resolve(&state, &token).await? {
                Some(session) => Ok(JfAuth { session, client }),
                None => Err(JfError::Unauthorized),
            }
        })
    }
}
