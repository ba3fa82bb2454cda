//! User administration the Jellyfin 10.11 way: create, rename, delete, rights (`Policy`),
//! passwords and saved settings (`Configuration`), on the current routes (`?userId=`) and the
//! legacy ones (`/Users/{userId}/…`).
//!
//! Kinora differs from Jellyfin in two places, both for safety: a user always has a password
//! (creating a user without one, setting an empty one, or `ResetPassword` answer 400), and a
//! policy update only changes the fields it carries (Jellyfin resets the ones left out).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

use super::auth::JfAuth;
use super::ids::from_wire;
use super::query::{body_field, JfQuery};
use super::respond::{json, JfError};
use super::users::{user_dto, MAX_FAILED_LOGINS};
use crate::api::AppState;
use crate::db::{user_admin, users};

/// 403 with Jellyfin's explanation (clients show the text; they key on the status).
fn forbidden(message: &str) -> HttpResponse {
    HttpResponse::Forbidden()
        .content_type("text/plain; charset=utf-8")
        .body(message.to_string())
}

/// A JSON object body. The parse error is not echoed: these bodies carry passwords.
fn object_body(body: &[u8], missing: &str) -> Result<Value, JfError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(v) if v.is_object() => Ok(v),
        _ => Err(JfError::BadRequest(missing.to_string())),
    }
}

/// Jellyfin's user name rule (`UserManager.ThrowIfInvalidUsername`): letters, digits,
/// `_ -'.@+`, no leading or trailing space.
fn check_name(name: &str) -> Result<(), JfError> {
    let valid = !name.is_empty()
        && name.trim() == name
        && name.len() <= 255
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "_ -'.@+".contains(c));
    if valid {
        Ok(())
    } else {
        Err(JfError::BadRequest(
            "Usernames can contain unicode symbols, numbers (0-9), dashes (-), underscores (_), apostrophes ('), periods (.), at signs (@) and plus signs (+), and must not start or end with a space.".into(),
        ))
    }
}

async fn check_name_free(
    state: &AppState,
    name: &str,
    except: Option<&str>,
) -> Result<(), JfError> {
    if user_admin::name_taken(&state.catalog, name, except).await? {
        return Err(JfError::BadRequest(format!(
            "A user with the name '{name}' already exists."
        )));
    }
    Ok(())
}

/// The user a request is about: the path's `{userId}` (legacy routes) or `?userId=`, else the
/// caller. Catalog form.
fn target_id(req: &HttpRequest, auth: &JfAuth) -> Result<String, JfError> {
    let raw = req
        .match_info()
        .get("user_id")
        .map(str::to_string)
        .or_else(|| {
            JfQuery::parse(req.query_string())
                .get("userId")
                .map(str::to_string)
        });
    match raw {
        Some(raw) => from_wire(&raw).ok_or(JfError::NotFound),
        None => Ok(auth.user_id().to_string()),
    }
}

/// Users may change their own settings; administrators anyone's.
fn may_update(auth: &JfAuth, target: &str) -> bool {
    auth.is_admin() || (target == auth.user_id() && !auth.is_api_key())
}

/// A change to users may affect any cached session (rights, names, settings, revoked tokens).
fn forget_sessions(state: &AppState) {
    state.session_cache.clear();
}

/// `POST /Users/New` (administrators): `{Name, Password}` → the new user.
pub async fn create_user_by_name(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, JfError> {
    if !auth.is_admin() {
        return Err(JfError::Forbidden);
    }
    let body = object_body(&body, "The create user by name request body is required.")?;
    let name = body_field(&body, "Name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    check_name(&name)?;
    let password = body_field(&body, "Password")
        .and_then(Value::as_str)
        .unwrap_or("");
    if password.is_empty() {
        return Err(JfError::BadRequest(
            "A password is required: Kinora does not allow users without one.".into(),
        ));
    }
    check_name_free(&state, &name, None).await?;
    let created = users::create(&state.catalog, &name, password, false)
        .await
        .map_err(|e| match e {
            crate::db::CatalogError::Conflict(m) => JfError::BadRequest(m),
            other => other.into(),
        })?;
    tracing::info!(user = %name, by = %auth.session.user.name, "user created");
    Ok(json(&req, &user_dto(&state, &users::to_domain(created))))
}

/// `DELETE /Users/{userId}` (administrators). The last enabled administrator stays.
pub async fn delete_user(
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    if !auth.is_admin() {
        return Err(JfError::Forbidden);
    }
    let id = from_wire(&path).ok_or(JfError::NotFound)?;
    let name = users::get(&state.catalog, &id)
        .await?
        .ok_or(JfError::NotFound)?
        .name;
    let outcome = user_admin::delete(&state.catalog, &id).await?;
    forget_sessions(&state);
    match outcome {
        Ok(()) => {
            tracing::info!(user = %name, by = %auth.session.user.name, "user deleted");
            Ok(HttpResponse::NoContent().finish())
        }
        // Jellyfin throws an ArgumentException here, which it answers with 400.
        Err(refusal) => Err(JfError::BadRequest(refusal.message().to_string())),
    }
}

/// `POST /Users?userId=` and legacy `POST /Users/{userId}`: a `UserDto` whose `Name` renames
/// the user and whose `Configuration`, when present, replaces the saved settings.
pub async fn update_user(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, JfError> {
    let id = target_id(&req, &auth)?;
    if !may_update(&auth, &id) {
        return Ok(forbidden("User update not allowed."));
    }
    let body = object_body(&body, "User information was not supplied.")?;
    let user = users::get(&state.catalog, &id)
        .await?
        .ok_or(JfError::NotFound)?;
    let configuration = match body_field(&body, "Configuration") {
        Some(c) => Some(super::user_configuration::from_body(c).map_err(JfError::BadRequest)?),
        None => None,
    };
    if let Some(name) = body_field(&body, "Name").and_then(Value::as_str) {
        if name != user.name {
            check_name(name)?;
            check_name_free(&state, name, Some(&id)).await?;
            user_admin::rename(&state.catalog, &id, name).await?;
            tracing::info!(from = %user.name, to = %name, "user renamed");
        }
    }
    if let Some(c) = configuration {
        user_admin::set_configuration(&state.catalog, &id, &c.to_string()).await?;
    }
    forget_sessions(&state);
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /Users/{userId}/Policy` (administrators): `IsAdministrator` and `IsDisabled` are kept;
/// the other policy fields describe what Kinora grants every user and are ignored.
pub async fn update_user_policy(
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, JfError> {
    if !auth.is_admin() {
        return Err(JfError::Forbidden);
    }
    let id = from_wire(&path).ok_or(JfError::NotFound)?;
    let body = object_body(&body, "User policy was not supplied.")?;
    let user = users::get(&state.catalog, &id)
        .await?
        .ok_or(JfError::NotFound)?;
    let flag = |name: &str, current: bool| -> Result<bool, JfError> {
        match body_field(&body, name) {
            None => Ok(current),
            Some(v) => v
                .as_bool()
                .ok_or_else(|| JfError::BadRequest(format!("{name} must be true or false"))),
        }
    };
    let is_admin = flag("IsAdministrator", user.is_admin)?;
    let is_disabled = flag("IsDisabled", user.is_disabled)?;
    let outcome = user_admin::set_flags(&state.catalog, &id, is_admin, is_disabled).await?;
    forget_sessions(&state);
    match outcome {
        Ok(()) => {
            tracing::info!(user = %user.name, is_admin, is_disabled, by = %auth.session.user.name, "user policy updated");
            Ok(HttpResponse::NoContent().finish())
        }
        Err(refusal) => Ok(forbidden(refusal.message())),
    }
}

/// `POST /Users/Password?userId=` and legacy `POST /Users/{userId}/Password`:
/// `{CurrentPw, NewPw, ResetPassword}`. Users give their current password; administrators
/// setting someone else's do not. Every other token of the user is revoked. A wrong current
/// password counts as a failed login (rate limit). Passwords never reach the log.
pub async fn update_user_password(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, JfError> {
    let id = target_id(&req, &auth)?;
    if !may_update(&auth, &id) {
        return Ok(forbidden("User is not allowed to update the password."));
    }
    let user = users::get(&state.catalog, &id)
        .await?
        .ok_or(JfError::NotFound)?;
    let body = object_body(&body, "The update user password request body is required.")?;
    if body_field(&body, "ResetPassword").and_then(Value::as_bool) == Some(true) {
        // Jellyfin's reset leaves the user without a password; Kinora keeps passwords
        // mandatory, so an administrator sets a new one instead.
        return Err(JfError::BadRequest(
            "Resetting a password to none is not supported: set a new password instead.".into(),
        ));
    }
    let own = id == auth.user_id() && !auth.is_api_key();
    if !auth.is_admin() || own {
        let limit_key = user.name.to_lowercase();
        let failures = state.login_failures.get(&limit_key).unwrap_or(0);
        if failures >= MAX_FAILED_LOGINS {
            tracing::warn!(user = %user.name, "password change refused: too many failed attempts");
            return Err(JfError::TooManyRequests);
        }
        let current = body_field(&body, "CurrentPw")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !user_admin::check_password(&state.catalog, &id, current).await? {
            state.login_failures.insert(limit_key, failures + 1);
            tracing::info!(user = %user.name, "password change refused: wrong current password");
            return Ok(forbidden("Invalid user or password entered."));
        }
        state.login_failures.remove(&limit_key);
    }
    let new = body_field(&body, "NewPw")
        .and_then(Value::as_str)
        .unwrap_or("");
    if new.is_empty() {
        return Err(JfError::BadRequest(
            "NewPw is required: Kinora does not allow users without a password.".into(),
        ));
    }
    let keep = own.then_some(auth.session.token_id.as_str());
    user_admin::set_password(&state.catalog, &id, new, keep).await?;
    forget_sessions(&state);
    tracing::info!(user = %user.name, by = %auth.session.user.name, "password changed; the user's other sessions were signed out");
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /Users/Configuration?userId=` and legacy `POST /Users/{userId}/Configuration`: the
/// user's `UserConfiguration`, replacing what was saved.
pub async fn update_user_configuration(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, JfError> {
    let id = target_id(&req, &auth)?;
    if !may_update(&auth, &id) {
        return Ok(forbidden("User configuration update not allowed"));
    }
    let body = object_body(&body, "A UserConfiguration object is required.")?;
    let configuration = super::user_configuration::from_body(&body).map_err(JfError::BadRequest)?;
    user_admin::set_configuration(&state.catalog, &id, &configuration.to_string()).await?;
    forget_sessions(&state);
    Ok(HttpResponse::NoContent().finish())
}
