use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::HeaderMap;
use actix_web::{web, FromRequest, HttpRequest};

use crate::api::{ApiError, AppState};

/// Proof that the request carried a valid API key (`Authorization: Bearer KEY` or
/// `X-Api-Key: KEY`). Handlers that take it are authenticated.
#[derive(Debug, Clone)]
pub struct ApiKeyAuth {
    /// Name of the key, or `local-cli` for the control token.
    pub key_name: String,
}

fn presented_key(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(v.trim().to_string());
    }
    let auth = headers.get("authorization")?.to_str().ok()?;
    let (scheme, rest) = auth.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim().to_string())
}

/// Compares without an early exit, so response time says nothing about the secret.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequest for ApiKeyAuth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<ApiKeyAuth, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let key = presented_key(req.headers());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let Some(state) = state else {
                return Err(ApiError::Unauthorized);
            };
            check_key(&state, key).await
        })
    }
}

/// The key the request headers present, checked: the same rule for the actix extractor and
/// the `sendfile` stream front.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<ApiKeyAuth, ApiError> {
    check_key(state, presented_key(headers)).await
}

async fn check_key(state: &AppState, key: Option<String>) -> Result<ApiKeyAuth, ApiError> {
    let Some(key) = key else {
        return Err(ApiError::Unauthorized);
    };
    if key.is_empty() {
        return Err(ApiError::Unauthorized);
    }
    if constant_time_eq(key.as_bytes(), state.control_token.as_bytes()) {
        return Ok(ApiKeyAuth {
            key_name: "local-cli".into(),
        });
    }
    let hash = crate::db::api_keys::hash_secret(&key);
    if let Some(key_name) = state.key_cache.get(&hash) {
        return Ok(ApiKeyAuth { key_name });
    }
    match crate::db::api_keys::verify(&state.catalog, &key).await? {
        Some(row) => {
            state.key_cache.insert(hash, row.name.clone());
            Ok(ApiKeyAuth { key_name: row.name })
        }
        None => Err(ApiError::Unauthorized),
    }
}
