//! The Jellyfin 10.11 wire API (`../shared/api-compat/CLIENT-CONTRACT.md` is the contract).
//! Catalog values are mapped to Jellyfin DTOs here and nowhere else.

pub mod auth;
pub mod auth_header;
pub mod auth_keys;
pub mod browse;
pub mod discovery;
pub mod dto;
pub mod ids;
pub mod images;
pub mod library_changes;
pub mod loader;
pub mod now_playing;
pub mod playback;
pub mod playstate;
pub mod query;
pub mod respond;
pub mod search;
pub mod socket;
pub mod startup;
pub mod subtitles;
pub mod system;
pub mod user_admin;
pub mod user_configuration;
pub mod users;
pub mod wire;
pub mod wire_time;

use actix_web::web;

/// Registers every Jellyfin route. Paths are lower-case: the `wire` middleware lower-cases
/// request paths before routing (clients send any casing).
pub fn configure(cfg: &mut web::ServiceConfig) {
    configure_library(cfg);
    playback::configure_playback(cfg);
    subtitles::configure(cfg);
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
    configure_user_admin(cfg);
}

/// User administration, passwords, settings and API keys. The fixed `/users/…` paths come
/// before the legacy `POST /users/{user_id}`, which would otherwise take them.
fn configure_user_admin(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/users/new",
        web::post().to(user_admin::create_user_by_name),
    )
    .route(
        "/users/password",
        web::post().to(user_admin::update_user_password),
    )
    .route(
        "/users/configuration",
        web::post().to(user_admin::update_user_configuration),
    )
    .route("/users", web::post().to(user_admin::update_user))
    .route("/users/{user_id}", web::post().to(user_admin::update_user))
    .route(
        "/users/{user_id}",
        web::delete().to(user_admin::delete_user),
    )
    .route(
        "/users/{user_id}/policy",
        web::post().to(user_admin::update_user_policy),
    )
    .route(
        "/users/{user_id}/password",
        web::post().to(user_admin::update_user_password),
    )
    .route(
        "/users/{user_id}/configuration",
        web::post().to(user_admin::update_user_configuration),
    )
    .route("/auth/keys", web::get().to(auth_keys::get_keys))
    .route("/auth/keys", web::post().to(auth_keys::create_key))
    .route("/auth/keys/{key}", web::delete().to(auth_keys::revoke_key));
}

/// Browsing (current and legacy spellings share handlers) and play state.
fn configure_library(cfg: &mut web::ServiceConfig) {
    cfg.route("/userviews", web::get().to(browse::get_user_views));
    cfg.route(
        "/users/{user_id}/views",
        web::get().to(browse::get_user_views_legacy),
    );
    cfg.route(
        "/library/mediafolders",
        web::get().to(browse::get_user_views),
    );
    cfg.route("/items", web::get().to(browse::get_items));
    cfg.route(
        "/users/{user_id}/items",
        web::get().to(browse::get_items_legacy),
    );
    cfg.route("/items/root", web::get().to(browse::get_root));
    cfg.route(
        "/users/{user_id}/items/root",
        web::get().to(browse::get_root_legacy),
    );
    cfg.route("/useritems/resume", web::get().to(browse::get_resume_items));
    cfg.route(
        "/users/{user_id}/items/resume",
        web::get().to(browse::get_resume_items_legacy),
    );
    cfg.route("/items/latest", web::get().to(browse::get_latest_media));
    cfg.route(
        "/users/{user_id}/items/latest",
        web::get().to(browse::get_latest_media_legacy),
    );
    cfg.route("/search/hints", web::get().to(search::get_search_hints));
    cfg.route("/items/filters", web::get().to(browse::get_query_filters));
    cfg.route("/genres", web::get().to(browse::get_genres));
    cfg.route("/studios", web::get().to(browse::get_studios));
    cfg.route("/items/filters2", web::get().to(browse::get_query_filters2));
    cfg.route("/items/counts", web::get().to(browse::get_item_counts));
    cfg.route("/items/{item_id}", web::get().to(browse::get_item));
    cfg.route(
        "/users/{user_id}/items/{item_id}",
        web::get().to(browse::get_item_legacy),
    );
    cfg.route(
        "/items/{item_id}/specialfeatures",
        web::get().to(browse::get_special_features),
    );
    cfg.route(
        "/items/{item_id}/localtrailers",
        web::get().to(browse::get_local_trailers),
    );
    cfg.route(
        "/users/{user_id}/items/{item_id}/specialfeatures",
        web::get().to(browse::get_special_features_legacy),
    );
    cfg.route(
        "/users/{user_id}/items/{item_id}/localtrailers",
        web::get().to(browse::get_local_trailers_legacy),
    );
    for empty in [
        "/items/{item_id}/similar",
        "/items/{item_id}/intros",
        "/users/{user_id}/items/{item_id}/intros",
        "/videos/{item_id}/additionalparts",
        "/mediasegments/{item_id}",
        "/items/suggestions",
        "/users/{user_id}/suggestions",
        "/persons",
        "/artists",
    ] {
        cfg.route(empty, web::get().to(browse::empty_result));
    }
    cfg.route(
        "/items/{item_id}/images/{image_type}",
        web::get().to(images::get_item_image),
    );
    cfg.route(
        "/items/{item_id}/images/{image_type}",
        web::head().to(images::get_item_image),
    );
    cfg.route(
        "/items/{item_id}/images/{image_type}/{index}",
        web::get().to(images::get_item_image_by_index),
    );
    cfg.route(
        "/items/{item_id}/images/{image_type}/{index}",
        web::head().to(images::get_item_image_by_index),
    );
    cfg.route(
        "/startup/configuration",
        web::get().to(startup::get_startup_configuration),
    );
    cfg.route(
        "/startup/configuration",
        web::post().to(startup::update_startup_configuration),
    );
    cfg.route("/startup/user", web::get().to(startup::get_first_user));
    cfg.route("/startup/firstuser", web::get().to(startup::get_first_user));
    cfg.route(
        "/startup/user",
        web::post().to(startup::update_startup_user),
    );
    cfg.route(
        "/startup/remoteaccess",
        web::post().to(startup::complete_wizard),
    );
    cfg.route(
        "/startup/complete",
        web::post().to(startup::complete_wizard),
    );
    cfg.route("/socket", web::get().to(socket::socket));
    cfg.route("/embywebsocket", web::get().to(socket::socket));
    cfg.route("/", web::get().to(system::redirect_to_web));
    cfg.route("/web", web::get().to(system::web_index));
    cfg.route("/web/", web::get().to(system::web_index));
    cfg.route("/web/{tail:.*}", web::get().to(system::web_file));
    cfg.route("/shows/nextup", web::get().to(browse::get_next_up));
    cfg.route(
        "/shows/{series_id}/seasons",
        web::get().to(browse::get_seasons),
    );
    cfg.route(
        "/shows/{series_id}/episodes",
        web::get().to(browse::get_episodes),
    );
    cfg.route(
        "/displaypreferences/{id}",
        web::get().to(browse::get_display_preferences),
    );
    cfg.route(
        "/displaypreferences/{id}",
        web::post().to(browse::post_display_preferences),
    );
    cfg.route(
        "/userplayeditems/{item_id}",
        web::post().to(playstate::mark_played),
    );
    cfg.route(
        "/userplayeditems/{item_id}",
        web::delete().to(playstate::mark_unplayed),
    );
    cfg.route(
        "/userfavoriteitems/{item_id}",
        web::post().to(playstate::mark_favorite),
    );
    cfg.route(
        "/userfavoriteitems/{item_id}",
        web::delete().to(playstate::unmark_favorite),
    );
    for legacy in [
        "/users/{user_id}/playeditems/{item_id}",
        "/users/{user_id}/favoriteitems/{item_id}",
    ] {
        cfg.route(legacy, web::post().to(playstate::legacy));
        cfg.route(legacy, web::delete().to(playstate::legacy));
    }
    cfg.route(
        "/useritems/{item_id}/userdata",
        web::get().to(playstate::get_user_data),
    );
    cfg.route(
        "/useritems/{item_id}/userdata",
        web::post().to(playstate::update_user_data),
    );
    for method in [web::get(), web::post()] {
        cfg.route(
            "/users/{user_id}/items/{item_id}/userdata",
            method.to(playstate::user_data_legacy),
        );
    }
    cfg.route("/sessions/playing", web::post().to(playstate::playing));
    cfg.route(
        "/sessions/playing/progress",
        web::post().to(playstate::progress),
    );
    cfg.route(
        "/sessions/playing/stopped",
        web::post().to(playstate::stopped),
    );
    cfg.route("/sessions/playing/ping", web::post().to(playstate::ping));
    for (path, method) in [
        ("/playingitems/{item_id}", web::post()),
        ("/playingitems/{item_id}/progress", web::post()),
        ("/playingitems/{item_id}", web::delete()),
    ] {
        cfg.route(path, method.to(playstate::playing_item));
    }
    for (path, method) in [
        ("/users/{user_id}/playingitems/{item_id}", web::post()),
        (
            "/users/{user_id}/playingitems/{item_id}/progress",
            web::post(),
        ),
        ("/users/{user_id}/playingitems/{item_id}", web::delete()),
    ] {
        cfg.route(path, method.to(playstate::playing_item_legacy));
    }
    cfg.route(
        "/library/refresh",
        web::post().to(playstate::refresh_library),
    );
    cfg.route(
        "/items/{item_id}/refresh",
        web::post().to(playstate::refresh_item),
    );
    cfg.route(
        "/library/media/updated",
        web::post().to(playstate::refresh_library),
    );
}
