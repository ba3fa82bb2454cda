//! Identity and start-up: what a client asks before and right after logging in.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use super::auth::JfAuth;
use super::respond::{json, JfError};
use crate::api::AppState;

/// The Jellyfin version Kinora speaks; clients require at least 10.10.0.
pub const JELLYFIN_VERSION: &str = "10.11.11";
pub const PRODUCT_NAME: &str = "Jellyfin Server";

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicSystemInfo {
    pub local_address: String,
    pub server_name: String,
    pub version: &'static str,
    pub product_name: &'static str,
    pub operating_system: &'static str,
    pub id: String,
    pub startup_wizard_completed: bool,
}

fn local_address(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

pub fn public_info(req: &HttpRequest, state: &AppState) -> PublicSystemInfo {
    PublicSystemInfo {
        local_address: local_address(req),
        server_name: state.config.server.name.clone(),
        version: JELLYFIN_VERSION,
        product_name: PRODUCT_NAME,
        operating_system: std::env::consts::OS,
        id: state.server_id.to_string(),
        startup_wizard_completed: true,
    }
}

pub async fn get_public_system_info(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let mut info = public_info(&req, &state);
    // With no user yet, jellyfin-web runs the start-up wizard.
    info.startup_wizard_completed = crate::db::users::count(&state.catalog)
        .await
        .map(|n| n > 0)
        .unwrap_or(true);
    json(&req, &info)
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SystemInfo {
    #[serde(flatten)]
    public: PublicSystemInfo,
    operating_system_display_name: &'static str,
    has_pending_restart: bool,
    is_shutting_down: bool,
    supports_library_monitor: bool,
    web_socket_port_number: u16,
    completed_installations: Vec<()>,
    can_self_restart: bool,
    can_launch_web_browser: bool,
    program_data_path: String,
    web_path: String,
    items_by_name_path: String,
    cache_path: String,
    log_path: String,
    internal_metadata_path: String,
    transcoding_temp_path: String,
    cast_receiver_applications: Vec<()>,
    has_update_available: bool,
    encoder_location: &'static str,
    system_architecture: &'static str,
}

/// With a token: clients call it to check that their saved token still works.
pub async fn get_system_info(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
) -> HttpResponse {
    // Paths are an administrator's business.
    let path = |p: &std::path::Path| {
        if auth.is_admin() {
            p.display().to_string()
        } else {
            String::new()
        }
    };
    let data = &state.config.data_dir;
    json(
        &req,
        &SystemInfo {
            public: public_info(&req, &state),
            operating_system_display_name: std::env::consts::OS,
            has_pending_restart: false,
            is_shutting_down: false,
            supports_library_monitor: true,
            web_socket_port_number: state.config.server.port,
            completed_installations: Vec::new(),
            can_self_restart: false,
            can_launch_web_browser: false,
            program_data_path: path(data),
            web_path: String::new(),
            items_by_name_path: path(data),
            cache_path: path(data),
            log_path: path(data),
            internal_metadata_path: path(data),
            transcoding_temp_path: path(&data.join("transcodes")),
            cast_receiver_applications: Vec::new(),
            has_update_available: false,
            encoder_location: "System",
            system_architecture: std::env::consts::ARCH,
        },
    )
}

pub async fn get_ping_system() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json; charset=utf-8")
        .body("\"Jellyfin Server\"")
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct EndpointInfo {
    is_local: bool,
    is_in_network: bool,
}

/// jellyfin-web refuses to start playback when this fails.
pub async fn get_endpoint_info(req: HttpRequest, _auth: JfAuth) -> HttpResponse {
    let local = req
        .peer_addr()
        .map(|a| {
            let ip = a.ip();
            ip.is_loopback()
                || match ip {
                    std::net::IpAddr::V4(v4) => v4.is_private() || v4.is_link_local(),
                    std::net::IpAddr::V6(v6) => v6.is_unique_local() || v6.is_unicast_link_local(),
                }
        })
        .unwrap_or(false);
    json(
        &req,
        &EndpointInfo {
            is_local: local,
            is_in_network: local,
        },
    )
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct BrandingOptions {
    login_disclaimer: String,
    custom_css: String,
    splashscreen_enabled: bool,
}

pub async fn get_branding_options(req: HttpRequest) -> HttpResponse {
    json(
        &req,
        &BrandingOptions {
            login_disclaimer: String::new(),
            custom_css: String::new(),
            splashscreen_enabled: false,
        },
    )
}

pub async fn get_branding_css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .body("")
}

/// Kinora has no Quick Connect (yet): `false`, as a Jellyfin server with it disabled.
pub async fn get_quick_connect_enabled() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json; charset=utf-8")
        .body("false")
}

/// Marks answers from no route at all, so the route coverage list (api-compat/COVERAGE.md,
/// kept by `tests/api_coverage.rs`) can tell "not served" from a served route's own 404.
pub const UNROUTED_HEADER: &str = "x-kinora-unrouted";

/// Routes Kinora does not serve answer as an empty Jellyfin server would: 404.
pub async fn not_found() -> HttpResponse {
    let mut res = actix_web::ResponseError::error_response(&JfError::NotFound);
    res.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static(UNROUTED_HEADER),
        actix_web::http::header::HeaderValue::from_static("1"),
    );
    res
}

/// `/` leads to the web client, as on Jellyfin.
pub async fn redirect_to_web() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((actix_web::http::header::LOCATION, "web/"))
        .finish()
}

/// `/web/`: the jellyfin-web bundle's index when one is configured, else a page about Kinora.
pub async fn web_index(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    serve_web(&req, &state, "").await
}

/// `/web/{file}`: a file of the configured jellyfin-web bundle (scripts, styles, config.json…).
pub async fn web_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    tail: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    serve_web(&req, &state, &tail).await
}

async fn serve_web(
    req: &HttpRequest,
    state: &AppState,
    tail: &str,
) -> Result<HttpResponse, JfError> {
    let Some(dir) = &state.config.web.jellyfin_web_dir else {
        return if tail.is_empty() || tail == "index.html" {
            Ok(kinora_page(state))
        } else {
            Err(JfError::NotFound)
        };
    };
    let relative = if tail.is_empty() { "index.html" } else { tail };
    let path = bundle_path(dir, relative).ok_or(JfError::NotFound)?;
    let file = actix_files::NamedFile::open_async(&path)
        .await
        .map_err(|_| JfError::NotFound)?;
    Ok(file.into_response(req))
}

/// `relative` inside the bundle folder, or `None` when it would leave it: only plain name
/// components, and the resolved file (after symlinks) must still be under the folder.
fn bundle_path(dir: &std::path::Path, relative: &str) -> Option<std::path::PathBuf> {
    use std::path::Component;
    let relative = std::path::Path::new(relative);
    if !relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let root = dir.canonicalize().ok()?;
    let path = root.join(relative).canonicalize().ok()?;
    (path.starts_with(&root) && path.is_file()).then_some(path)
}

/// Without a jellyfin-web bundle, `/web/` says what this server is and how to use it.
fn kinora_page(state: &AppState) -> HttpResponse {
    let name = html_escape(&state.config.server.name);
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{name}</title></head><body>\
         <h1>{name}</h1><p>This is a Kinora media server. Connect a Jellyfin app (Jellyfin, Swiftfin, \
         Infuse, Findroid, Kodi with the Jellyfin add-on) to this address. Scripts can use the \
         native API at <code>/api/v1</code> (<a href=\"../api/v1/openapi.json\">OpenAPI</a>). \
         To use Jellyfin's web interface here, set <code>web.jellyfin_web_dir</code> to a \
         jellyfin-web bundle.</p></body></html>"
    ))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
