//! The Jellyfin 10.11 wire API (`../shared/api-compat/CLIENT-CONTRACT.md` is the contract).
//! Catalog values are mapped to Jellyfin DTOs here and nowhere else.

pub mod auth;
pub mod auth_header;
pub mod ids;
pub mod query;
pub mod respond;
pub mod system;
pub mod users;
pub mod wire;
pub mod wire_time;

use actix_web::web;

/// Registers every Jellyfin route. Paths are lower-case: the `wire` middleware lower-cases
/// request paths before routing (clients send any casing).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/system/info/public",
        web::get().to(system::get_public_system_info),
    )
    .route("/system/info", web::get().to(system::get_system_info))
    .route("/system/ping", web::get().to(system::get_ping_system))
    .route("/system/ping", web::post().to(system::get_ping_system))
    .route("/system/endpoint", web::get().to(system::get_endpoint_info))
    .route(
        "/branding/configuration",
        web::get().to(system::get_branding_options),
    )
    .route("/branding/css", web::get().to(system::get_branding_css))
    .route("/branding/css.css", web::get().to(system::get_branding_css))
    .route(
        "/quickconnect/enabled",
        web::get().to(system::get_quick_connect_enabled),
    )
    .route("/users/public", web::get().to(users::get_public_users))
    .route(
        "/users/authenticatebyname",
        web::post().to(users::authenticate_user_by_name),
    )
    .route("/users/me", web::get().to(users::get_current_user))
    .route("/users", web::get().to(users::get_users))
    .route("/users/{user_id}", web::get().to(users::get_user_by_id))
    .route("/sessions", web::get().to(users::get_sessions))
    .route(
        "/sessions/capabilities",
        web::post().to(users::post_capabilities),
    )
    .route(
        "/sessions/capabilities/full",
        web::post().to(users::post_capabilities),
    )
    .route("/sessions/logout", web::post().to(users::logout));
}
