//! `/api/v1`: the native REST API for tools and scripts. snake_case JSON, API-key auth,
//! errors as `{"error", "message"}`, its OpenAPI document at `/api/v1/openapi.json`.

mod auth;
mod dto;
mod items;
mod llm;
mod metadata;
mod review;
mod system;

use actix_web::web;

pub use auth::{authenticate, ApiKeyAuth};
pub use items::fast_stream_target;

/// Every route of the native API, for the OpenAPI coverage test: (method, path).
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/health"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/api/v1/libraries"),
    ("post", "/api/v1/libraries/{id}/scan"),
    ("post", "/api/v1/scan"),
    ("get", "/api/v1/scan/status"),
    ("get", "/api/v1/items"),
    ("get", "/api/v1/items/{id}"),
    ("get", "/api/v1/items/{id}/stream"),
    ("head", "/api/v1/items/{id}/stream"),
    ("post", "/api/v1/items/{id}/classify"),
    ("patch", "/api/v1/items/{id}/metadata"),
    ("post", "/api/v1/items/{id}/refresh"),
    ("post", "/api/v1/libraries/{id}/refresh"),
    ("get", "/api/v1/review"),
    ("post", "/api/v1/review/{id}/accept"),
    ("post", "/api/v1/review/{id}/correct"),
    ("delete", "/api/v1/review/{id}/correction"),
    ("get", "/api/v1/jobs"),
    ("get", "/api/v1/llm/providers"),
    ("get", "/api/v1/llm/usage"),
];

pub const OPENAPI_JSON: &str = include_str!("openapi.json");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .app_data(web::QueryConfig::default().error_handler(crate::api::error::query_error))
            .app_data(web::PathConfig::default().error_handler(crate::api::error::path_error))
            .app_data(web::JsonConfig::default().error_handler(crate::api::error::json_error))
            .route("/health", web::get().to(system::health))
            .route("/openapi.json", web::get().to(system::openapi))
            .route("/libraries", web::get().to(system::list_libraries))
            .route("/libraries/{id}/scan", web::post().to(system::scan_library))
            .route("/scan", web::post().to(system::scan_all))
            .route("/scan/status", web::get().to(system::scan_status))
            .route("/jobs", web::get().to(system::jobs))
            .route("/llm/providers", web::get().to(llm::providers))
            .route("/llm/usage", web::get().to(llm::usage))
            .route("/items", web::get().to(items::list_items))
            .route("/items/{id}", web::get().to(items::get_item))
            .route("/items/{id}/stream", web::get().to(items::stream_item))
            .route("/items/{id}/stream", web::head().to(items::stream_item))
            .route("/items/{id}/classify", web::post().to(review::reclassify))
            .route(
                "/items/{id}/metadata",
                web::patch().to(metadata::edit_metadata),
            )
            .route(
                "/items/{id}/refresh",
                web::post().to(metadata::refresh_item),
            )
            .route(
                "/libraries/{id}/refresh",
                web::post().to(metadata::refresh_library),
            )
            .route("/review", web::get().to(review::list_review))
            .route("/review/{id}/accept", web::post().to(review::accept))
            .route("/review/{id}/correct", web::post().to(review::correct))
            .route(
                "/review/{id}/correction",
                web::delete().to(review::remove_correction),
            )
            .default_service(web::to(system::not_found)),
    );
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    /// The OpenAPI document lists every route the API serves, and nothing else.
    #[test]
    fn openapi_document_matches_routes() {
        let doc: serde_json::Value = serde_json::from_str(super::OPENAPI_JSON).unwrap();
        let mut documented = Vec::new();
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for method in ops.as_object().unwrap().keys() {
                documented.push((method.clone(), path.clone()));
            }
        }
        documented.sort();
        let mut served: Vec<(String, String)> = super::ROUTES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        served.sort();
        assert_eq!(documented, served);
        // Every operation but health and the document itself requires a key.
        for (method, path) in &documented {
            let op = &doc["paths"][path][method];
            let anonymous = path.ends_with("/health") || path.ends_with("/openapi.json");
            assert_eq!(op.get("security").is_none(), anonymous, "{method} {path}");
        }
    }
}
