use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::ApiKeyAuth;
use crate::api::{ApiError, AppState};

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    database: &'static str,
    libraries: usize,
    uptime_secs: u64,
}

/// Anonymous: load balancers and Docker health checks call it.
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        database: if state.catalog.is_postgres() {
            "postgres"
        } else {
            "sqlite"
        },
        libraries: state.scanner.libraries().len(),
        uptime_secs: state.started.elapsed().as_secs(),
    })
}

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(super::OPENAPI_JSON)
}

#[derive(Serialize)]
struct LibraryDto {
    id: String,
    name: String,
    path: String,
    kind: &'static str,
    watch: &'static str,
    root_item_id: String,
}

pub async fn list_libraries(_auth: ApiKeyAuth, state: web::Data<AppState>) -> HttpResponse {
    let libs: Vec<LibraryDto> = state
        .scanner
        .libraries()
        .iter()
        .map(|l| LibraryDto {
            id: l.id.clone(),
            name: l.name.clone(),
            path: l.path.display().to_string(),
            kind: l.kind.as_str(),
            watch: match l.watch {
                crate::config::WatchMode::Auto => "auto",
                crate::config::WatchMode::Poll => "poll",
                crate::config::WatchMode::Off => "off",
            },
            root_item_id: l.root_item_id.clone(),
        })
        .collect();
    HttpResponse::Ok().json(libs)
}

pub async fn scan_library(
    _auth: ApiKeyAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let wanted = super::dto::parse_id(&id)?;
    let lib = state
        .scanner
        .libraries()
        .iter()
        .find(|l| l.id == wanted)
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("no library {wanted}")))?;
    let scanner = state.scanner.clone();
    tokio::spawn(async move {
        if let Err(e) = scanner.scan_library(&lib).await {
            tracing::error!(library = %lib.name, error = %e, "scan failed");
        }
    });
    Ok(HttpResponse::Accepted().json(serde_json::json!({ "started": true, "library_id": wanted })))
}

pub async fn scan_all(_auth: ApiKeyAuth, state: web::Data<AppState>) -> HttpResponse {
    let scanner = state.scanner.clone();
    tokio::spawn(async move {
        scanner.scan_all().await;
    });
    HttpResponse::Accepted().json(serde_json::json!({ "started": true }))
}

pub async fn scan_status(_auth: ApiKeyAuth, state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.scanner.status())
}

#[derive(Serialize)]
struct JobFailure {
    id: i64,
    kind: String,
    subject_id: Option<String>,
    attempts: i32,
    error: Option<String>,
}

pub async fn jobs(_auth: ApiKeyAuth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let counts = state.jobs.counts().await?;
    let failures: Vec<JobFailure> = state
        .jobs
        .failures(50)
        .await?
        .into_iter()
        .map(|j| JobFailure {
            id: j.id,
            kind: j.kind,
            subject_id: j.subject_id,
            attempts: j.attempts,
            error: j.last_error,
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "queued": counts.queued,
        "running": counts.running,
        "done": counts.done,
        "failed": counts.failed,
        "by_kind": counts.by_kind,
        "recent_failures": failures,
    })))
}

pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound("no such route".into()))
}
