//! `/api/v1/review`: the items Kinora is unsure of, with why, and a person's answer to each:
//! accept what was guessed, or correct it (kind, title, year, season/episode, a TMDB id for the
//! metadata step). Answers are stored as `user` field values: they win over every other
//! source, survive rescans, moves and re-enrichment, and re-run the classification.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::dto::{parse_id, ItemDto};
use super::ApiKeyAuth;
use crate::api::{ApiError, AppState};
use crate::classify::corrections::FIELDS;
use crate::db::field_sources::{self, source, FieldValue};

use crate::db::review::{self, Classification};
use crate::domain::Item;
use crate::workers::classify_job;

const MAX_LIMIT: u64 = 500;
/// A person is waiting for the answer: ahead of the probe backlog.
const PRIORITY: i32 = 10;

#[derive(Serialize)]
pub struct ClassificationDto {
    pub confidence: Option<f64>,
    /// `filename`, `probe`, `llm` or `user`.
    pub source: Option<String>,
    /// `pending`, `accepted`, `corrected`, or null when nobody needs to look.
    pub review_state: Option<String>,
    pub reasons: Vec<String>,
    /// Every source's values, so a reviewer sees what each said.
    pub fields: Vec<FieldDto>,
}

#[derive(Serialize)]
pub struct FieldDto {
    pub field: String,
    pub source: String,
    pub value: Value,
    pub confidence: Option<f64>,
    pub llm_generated: bool,
    pub prompt_version: Option<String>,
}

impl From<FieldValue> for FieldDto {
    fn from(v: FieldValue) -> FieldDto {
        FieldDto {
            field: v.field,
            source: v.source,
            value: v.value,
            confidence: v.confidence,
            llm_generated: v.llm_generated,
            prompt_version: v.prompt_version,
        }
    }
}

pub fn classification_dto(c: Classification, fields: Vec<FieldValue>) -> ClassificationDto {
    ClassificationDto {
        confidence: c.confidence,
        source: c.source,
        review_state: c.review_state,
        reasons: c.reasons,
        fields: fields.into_iter().map(FieldDto::from).collect(),
    }
}

#[derive(Serialize)]
struct ReviewItemDto {
    #[serde(flatten)]
    item: ItemDto,
    classification: ClassificationDto,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    limit: Option<u64>,
    offset: Option<u64>,
    library: Option<String>,
}

/// `GET /api/v1/review`: pending items, least sure first.
pub async fn list_review(
    _auth: ApiKeyAuth,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let library = p.library.as_deref().map(parse_id).transpose()?;
    let (entries, total) = review::pending(
        &state.catalog,
        library.as_deref(),
        p.offset.unwrap_or(0),
        p.limit.unwrap_or(100).clamp(1, MAX_LIMIT),
    )
    .await?;
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let fields = field_sources::for_item(&state.catalog.read, &e.item.id).await?;
        out.push(ReviewItemDto {
            item: ItemDto::from(e.item),
            classification: classification_dto(e.classification, fields),
        });
    }
    Ok(HttpResponse::Ok().json(json!({ "items": out, "total": total })))
}

/// A person's correction. Every field is optional; those given replace what any source said.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// `movie`, `episode` or `home_video`.
    kind: Option<String>,
    /// The movie or video title, or the series name for an episode.
    title: Option<String>,
    year: Option<i32>,
    season: Option<i32>,
    episode: Option<i32>,
    episode_end: Option<i32>,
    /// A TMDB id (number or digits) for the metadata step to use instead of searching.
    tmdb_id: Option<Value>,
}

impl Correction {
    /// The correction as `user` field values, or why it cannot be taken.
    fn values(self, current_kind: &str) -> Result<Vec<(&'static str, Value)>, ApiError> {
        let bad = |m: String| Err(ApiError::BadRequest(m));
        let mut out = Vec::new();
        let kind = match self.kind.as_deref().map(str::trim) {
            None => None,
            Some(k @ ("movie" | "episode" | "home_video")) => Some(k.to_string()),
            Some("video") => Some("home_video".to_string()),
            Some("extra") => {
                return bad(
                    "an item becomes an extra by where it lies (a trailers/ or extras/ \
                     folder, a -trailer suffix), not by a correction"
                        .into(),
                )
            }
            Some(other) => {
                return bad(format!(
                    "unknown kind {other:?} (movie, episode or home_video)"
                ))
            }
        };
        let effective = kind.clone().unwrap_or_else(|| current_kind.to_string());
        if let Some(k) = kind {
            out.push(("kind", json!(k)));
        }
        if let Some(t) = self.title {
            let t = t.trim();
            if t.is_empty() || t.chars().count() > 300 {
                return bad("title must have 1 to 300 characters".into());
            }
            out.push(("title", json!(t)));
        }
        if let Some(y) = self.year {
            if !(1850..=2200).contains(&y) {
                return bad(format!("year {y} is out of range"));
            }
            out.push(("year", json!(y)));
        }
        let numbers = [
            ("season", self.season),
            ("episode", self.episode),
            ("episode_end", self.episode_end),
        ];
        for (field, n) in numbers {
            let Some(n) = n else { continue };
            if effective != "episode" {
                return bad(format!(
                    "{field} is for episodes; this item is a {effective}"
                ));
            }
            if !(0..=10_000).contains(&n) {
                return bad(format!("{field} {n} is out of range"));
            }
            out.push((field, json!(n)));
        }
        if let (Some(start), Some(end)) = (self.episode, self.episode_end) {
            if end < start {
                return bad("episode_end comes before episode".into());
            }
        }
        if let Some(id) = self.tmdb_id {
            let digits = match &id {
                Value::Number(n) if n.as_u64().is_some() => n.to_string(),
                Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                    s.clone()
                }
                _ => return bad("tmdb_id must be a positive number".into()),
            };
            out.push(("tmdb_id", json!(digits)));
        }
        if out.is_empty() {
            return bad(
                "nothing to correct: give kind, title, year, season, episode, episode_end or \
                 tmdb_id"
                    .into(),
            );
        }
        Ok(out)
    }
}

/// The item a review answer is about: present and a title (not a series or folder).
async fn reviewable(state: &AppState, raw_id: &str) -> Result<Item, ApiError> {
    let item = super::items::present_item(state, raw_id).await?;
    if !item.kind.is_playable() {
        return Err(ApiError::BadRequest(format!(
            "a {} is not classified itself; correct one of its titles",
            item.kind.as_str()
        )));
    }
    Ok(item)
}

/// Stores `values` as the user's word (merged over earlier corrections), marks the item and
/// queues its classification.
async fn save_user_values(
    state: &AppState,
    item_id: &str,
    values: Vec<(&'static str, Value)>,
    review_state: &str,
) -> Result<Map<String, Value>, ApiError> {
    let db = &state.catalog.write;
    let mut merged: Vec<FieldValue> = field_sources::of_source(db, item_id, source::USER).await?;
    for (field, value) in values {
        merged.retain(|v| v.field != field);
        merged.push(FieldValue {
            confidence: Some(1.0),
            ..FieldValue::new(field, source::USER, value)
        });
    }
    field_sources::replace_source(db, item_id, source::USER, FIELDS, &merged).await?;
    review::set_review_state(db, item_id, Some(review_state)).await?;
    state.jobs.enqueue(classify_job(item_id, PRIORITY)).await?;
    tracing::info!(item = %item_id, review_state, "classification answered by a person");
    Ok(merged.into_iter().map(|v| (v.field, v.value)).collect())
}

/// `POST /api/v1/review/{id}/correct`.
pub async fn correct(
    _auth: ApiKeyAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<Correction>,
) -> Result<HttpResponse, ApiError> {
    let item = reviewable(&state, &id).await?;
    let current = match item.kind.as_str() {
        "video" => "home_video",
        k => k,
    };
    let values = body.into_inner().values(current)?;
    let user = save_user_values(&state, &item.id, values, review::state::CORRECTED).await?;
    Ok(HttpResponse::Accepted().json(json!({
        "id": item.id,
        "review_state": review::state::CORRECTED,
        "user_values": user,
    })))
}

/// `POST /api/v1/review/{id}/accept`: what Kinora decided is right; pin it.
pub async fn accept(
    _auth: ApiKeyAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let item = reviewable(&state, &id).await?;
    let classification = review::classification_of(&state.catalog, &item.id)
        .await?
        .unwrap_or_else(|| Classification {
            confidence: None,
            source: None,
            review_state: None,
            reasons: Vec::new(),
        });
    let winner = classification
        .source
        .unwrap_or_else(|| source::FILENAME.into());
    let fields = field_sources::for_item(&state.catalog.write, &item.id).await?;
    // The winning source's values over the filename's (the probe, say, only gives the kind).
    let mut values: Vec<(&'static str, Value)> = Vec::new();
    for field in FIELDS {
        let pick = fields
            .iter()
            .find(|v| v.field == *field && v.source == winner)
            .or_else(|| {
                fields
                    .iter()
                    .find(|v| v.field == *field && v.source == source::FILENAME)
            });
        if let Some(v) = pick {
            values.push((field, v.value.clone()));
        }
    }
    if values.is_empty() {
        return Err(ApiError::Conflict(format!(
            "item {} has not been classified yet; try again once its probe ran",
            item.id
        )));
    }
    let user = save_user_values(&state, &item.id, values, review::state::ACCEPTED).await?;
    Ok(HttpResponse::Accepted().json(json!({
        "id": item.id,
        "review_state": review::state::ACCEPTED,
        "user_values": user,
    })))
}

/// `DELETE /api/v1/review/{id}/correction`: forget the person's answer about what the item is
/// (other fields a person edited stay); Kinora decides again.
pub async fn remove_correction(
    _auth: ApiKeyAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let item = reviewable(&state, &id).await?;
    let db = &state.catalog.write;
    field_sources::replace_source(db, &item.id, source::USER, FIELDS, &[]).await?;
    review::set_review_state(db, &item.id, None).await?;
    state.jobs.enqueue(classify_job(&item.id, PRIORITY)).await?;
    Ok(HttpResponse::Accepted().json(json!({ "id": item.id, "review_state": null })))
}

/// `POST /api/v1/items/{id}/classify`: classify again now.
pub async fn reclassify(
    _auth: ApiKeyAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let item = reviewable(&state, &id).await?;
    state.jobs.enqueue(classify_job(&item.id, PRIORITY)).await?;
    Ok(HttpResponse::Accepted().json(json!({ "id": item.id, "queued": "classify" })))
}
