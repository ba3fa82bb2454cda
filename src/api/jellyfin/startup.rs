//! The `/Startup/*` wizard jellyfin-web runs against a server with no user yet. Once a user
//! exists (configured first administrator, or one made here) the wizard's routes refuse.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

use super::query::body_field;
use super::respond::{json, JfError};
use crate::api::AppState;
use crate::db::users;

async fn wizard_open(state: &AppState) -> Result<(), JfError> {
    if users::count(&state.catalog).await? > 0 {
        // Jellyfin answers 401 once the wizard is done.
        return Err(JfError::Unauthorized);
    }
    Ok(())
}

pub async fn get_startup_configuration(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    wizard_open(&state).await?;
    Ok(json(
        &req,
        &serde_json::json!({
            "ServerName": state.config.server.name,
            "UICulture": "en-US",
            "MetadataCountryCode": "US",
            "PreferredMetadataLanguage": "en",
        }),
    ))
}

pub async fn update_startup_configuration(
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    wizard_open(&state).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn get_first_user(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    wizard_open(&state).await?;
    Ok(json(
        &req,
        &serde_json::json!({"Name": "admin", "Password": null}),
    ))
}

/// Creates the first administrator from `{Name, Password}` (keys in any case).
pub async fn update_startup_user(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, JfError> {
    wizard_open(&state).await?;
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| JfError::BadRequest(format!("invalid JSON body: {e}")))?;
    let get = |k: &str| {
        body_field(&body, k)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let name = get("Name")
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| JfError::BadRequest("Name is required".into()))?;
    let password = get("Password").unwrap_or_default();
    if password.is_empty() {
        return Err(JfError::BadRequest("a password is required".into()));
    }
    users::create(&state.catalog, name.trim(), &password, true)
        .await
        .map_err(|e| match e {
            crate::db::CatalogError::Conflict(m) => JfError::BadRequest(m),
            other => other.into(),
        })?;
    tracing::info!(user = %name.trim(), "first administrator created by the start-up wizard");
    Ok(HttpResponse::NoContent().finish())
}

/// The wizard's last steps: nothing to store, the wizard is done when a user exists.
pub async fn complete_wizard() -> HttpResponse {
    HttpResponse::NoContent().finish()
}
