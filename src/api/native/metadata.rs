//! A person's edits of an item's metadata, and refreshes. Edits are stored as `user` field
//! values: they win over NFO files, TMDB and the LLM, survive rescans and re-enrichment, and a
//! `null` removes the override so the other sources speak again.

use actix_web::{web, HttpResponse};
use serde_json::{json, Map, Value};

use super::dto::parse_id;
use super::ApiKeyAuth;
use crate::api::{ApiError, AppState};
use crate::db::field_sources::{self, source, FieldValue};
use crate::db::review;
use crate::domain::ItemKind;
use crate::metadata::merge;
use crate::workers::{classify_job, metadata_job};

/// A person is waiting: ahead of the probe backlog.
const PRIORITY: i32 = 10;

/// `PATCH /api/v1/items/{id}/metadata`: `{"overview": "…", "genres": ["Drama"], "year": null}`.
pub async fn edit_metadata(
    _auth: ApiKeyAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    let item = super::items::present_item(&state, &id).await?;
    let id = item.id.clone();
    if item.kind == ItemKind::Folder {
        return Err(ApiError::BadRequest("folders have no metadata".into()));
    }
    let edits = body.into_inner();
    if item.kind == ItemKind::Episode && (edits.contains_key("title") || edits.contains_key("year"))
    {
        // For an episode a person's `title` names its series (see /api/v1/review); episode
        // names come from TMDB or the NFO.
        return Err(ApiError::BadRequest(
            "an episode's title and year are its series'; correct them with \
             POST /api/v1/review/{id}/correct"
                .into(),
        ));
    }
    if edits.is_empty() {
        return Err(ApiError::BadRequest("nothing to edit".into()));
    }
    let known = merge::field_names();
    let mut set = Vec::new();
    let mut cleared = Vec::new();
    for (field, value) in edits {
        if !known.contains(&field) {
            return Err(ApiError::BadRequest(format!(
                "unknown field {field:?} (fields: {})",
                known.join(", ")
            )));
        }
        if value.is_null() {
            cleared.push(field);
            continue;
        }
        // The value must have the field's shape: it is read back as `Metadata`.
        let one = std::iter::once((field.clone(), value.clone())).collect();
        let parsed = merge::flatten(&merge::unflatten(&one));
        if !parsed.contains_key(&field) {
            return Err(ApiError::BadRequest(format!(
                "{field}: {value} is not a valid value for this field"
            )));
        }
        set.push((field, value));
    }
    let db = &state.catalog.write;
    let mut user = field_sources::of_source(db, &id, source::USER).await?;
    user.retain(|v| !cleared.contains(&v.field) && !set.iter().any(|(f, _)| *f == v.field));
    for (field, value) in &set {
        user.push(FieldValue {
            confidence: Some(1.0),
            ..FieldValue::new(field, source::USER, value.clone())
        });
    }
    let scope: Vec<&str> = known.iter().map(String::as_str).collect();
    field_sources::replace_source(db, &id, source::USER, &scope, &user).await?;
    state.jobs.enqueue(metadata_job(&id, PRIORITY)).await?;
    tracing::info!(item = %id, fields = set.len(), cleared = cleared.len(), "metadata edited by a person");
    let values: Map<String, Value> = user
        .into_iter()
        .filter(|v| known.contains(&v.field))
        .map(|v| (v.field, v.value))
        .collect();
    Ok(HttpResponse::Accepted().json(json!({ "id": id, "user_values": values })))
}

/// `POST /api/v1/items/{id}/refresh`: look the item up again (NFO, TMDB, LLM gaps).
pub async fn refresh_item(
    _auth: ApiKeyAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let item = super::items::present_item(&state, &id).await?;
    state.jobs.enqueue(metadata_job(&item.id, PRIORITY)).await?;
    Ok(HttpResponse::Accepted().json(json!({ "id": item.id, "queued": "metadata" })))
}

/// `POST /api/v1/libraries/{id}/refresh`: classify and look up every item of a library again.
pub async fn refresh_library(
    _auth: ApiKeyAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let wanted = parse_id(&id)?;
    if !state.scanner.libraries().iter().any(|l| l.id == wanted) {
        return Err(ApiError::NotFound(format!("no library {wanted}")));
    }
    let present = review::present_items(&state.catalog, &wanted).await?;
    let jobs: Vec<_> = present
        .iter()
        .map(|(id, kind)| match ItemKind::parse(kind) {
            // Titles are classified first; classification queues their metadata.
            Some(k) if k.is_playable() => classify_job(id, 0),
            _ => metadata_job(id, 0),
        })
        .collect();
    state.jobs.enqueue_many(&jobs).await?;
    Ok(HttpResponse::Accepted().json(json!({ "library_id": wanted, "queued": jobs.len() })))
}
