//! Users, logging in, sessions and capabilities.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;

use super::auth::{client_auth, JfAuth};
use super::ids::{from_wire, to_wire};
use super::query::body_field as field;
use super::respond::{json, JfError};
use super::wire_time::format_ms;
use crate::api::AppState;
use crate::db::sessions::{self, DeviceInfo};
use crate::domain::{Device, User};

/// Failed logins allowed per user name within the window before answers become 429.
pub const MAX_FAILED_LOGINS: u32 = 5;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPolicy {
    is_administrator: bool,
    is_hidden: bool,
    enable_collection_management: bool,
    enable_subtitle_management: bool,
    enable_lyric_management: bool,
    is_disabled: bool,
    blocked_tags: Vec<String>,
    allowed_tags: Vec<String>,
    enable_user_preference_access: bool,
    access_schedules: Vec<Value>,
    block_unrated_items: Vec<String>,
    enable_remote_control_of_other_users: bool,
    enable_shared_device_control: bool,
    enable_remote_access: bool,
    enable_live_tv_management: bool,
    enable_live_tv_access: bool,
    enable_media_playback: bool,
    enable_audio_playback_transcoding: bool,
    enable_video_playback_transcoding: bool,
    enable_playback_remuxing: bool,
    force_remote_source_transcoding: bool,
    enable_content_deletion: bool,
    enable_content_deletion_from_folders: Vec<String>,
    enable_content_downloading: bool,
    enable_sync_transcoding: bool,
    enable_media_conversion: bool,
    enabled_devices: Vec<String>,
    enable_all_devices: bool,
    enabled_channels: Vec<String>,
    enable_all_channels: bool,
    enabled_folders: Vec<String>,
    enable_all_folders: bool,
    invalid_login_attempt_count: i32,
    login_attempts_before_lockout: i32,
    max_active_sessions: i32,
    enable_public_sharing: bool,
    blocked_media_folders: Vec<String>,
    blocked_channels: Vec<String>,
    remote_client_bitrate_limit: i64,
    authentication_provider_id: &'static str,
    password_reset_provider_id: &'static str,
    sync_play_access: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserDto {
    name: String,
    server_id: String,
    server_name: String,
    id: String,
    has_password: bool,
    has_configured_password: bool,
    has_configured_easy_password: bool,
    enable_auto_login: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_login_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_activity_date: Option<String>,
    /// The user's saved settings over Jellyfin's defaults (jellyfin-web reads the audio and
    /// subtitle preferences, `OrderedViews`, `EnableNextEpisodeAutoPlay`…).
    configuration: Value,
    policy: UserPolicy,
}

pub fn user_dto(state: &AppState, u: &User) -> UserDto {
    UserDto {
        name: u.name.clone(),
        server_id: state.server_id.to_string(),
        server_name: state.config.server.name.clone(),
        id: to_wire(&u.id),
        has_password: true,
        has_configured_password: true,
        has_configured_easy_password: false,
        enable_auto_login: false,
        last_login_date: u.last_login_at.map(format_ms),
        last_activity_date: u.last_activity_at.map(format_ms),
        configuration: super::user_configuration::for_user(u),
        policy: UserPolicy {
            is_administrator: u.is_admin,
            is_hidden: false,
            enable_collection_management: u.is_admin,
            enable_subtitle_management: u.is_admin,
            enable_lyric_management: u.is_admin,
            is_disabled: u.is_disabled,
            blocked_tags: Vec::new(),
            allowed_tags: Vec::new(),
            enable_user_preference_access: true,
            access_schedules: Vec::new(),
            block_unrated_items: Vec::new(),
            enable_remote_control_of_other_users: u.is_admin,
            enable_shared_device_control: true,
            enable_remote_access: true,
            enable_live_tv_management: false,
            enable_live_tv_access: false,
            enable_media_playback: true,
            enable_audio_playback_transcoding: true,
            enable_video_playback_transcoding: true,
            enable_playback_remuxing: true,
            force_remote_source_transcoding: false,
            enable_content_deletion: false,
            enable_content_deletion_from_folders: Vec::new(),
            enable_content_downloading: true,
            enable_sync_transcoding: true,
            enable_media_conversion: true,
            enabled_devices: Vec::new(),
            enable_all_devices: true,
            enabled_channels: Vec::new(),
            enable_all_channels: true,
            enabled_folders: Vec::new(),
            enable_all_folders: true,
            invalid_login_attempt_count: 0,
            login_attempts_before_lockout: -1,
            max_active_sessions: 0,
            enable_public_sharing: true,
            blocked_media_folders: Vec::new(),
            blocked_channels: Vec::new(),
            remote_client_bitrate_limit: 0,
            authentication_provider_id:
                "Jellyfin.Server.Implementations.Users.DefaultAuthenticationProvider",
            password_reset_provider_id:
                "Jellyfin.Server.Implementations.Users.DefaultPasswordResetProvider",
            sync_play_access: "CreateAndJoinGroups",
        },
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SessionInfoDto {
    id: String,
    user_id: String,
    user_name: String,
    client: String,
    device_name: String,
    device_id: String,
    application_version: String,
    last_activity_date: String,
    is_active: bool,
    supports_media_control: bool,
    supports_remote_control: bool,
    playable_media_types: Vec<String>,
    supported_commands: Vec<String>,
    has_custom_device_name: bool,
    server_id: String,
    play_state: Value,
    additional_users: Vec<Value>,
    now_playing_queue: Vec<Value>,
    now_playing_queue_full_items: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    now_playing_item: Option<super::dto::BaseItemDto>,
}

fn session_dto(state: &AppState, d: &Device, u: &User) -> SessionInfoDto {
    let caps: Value = d
        .capabilities_json
        .as_deref()
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or(Value::Null);
    let list = |key: &str| -> Vec<String> {
        caps.get(key)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let supports_media_control = caps
        .get("SupportsMediaControl")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    SessionInfoDto {
        id: to_wire(&d.id),
        user_id: to_wire(&u.id),
        user_name: u.name.clone(),
        client: d.client.clone(),
        device_name: d.device_name.clone(),
        device_id: d.device_id.clone(),
        application_version: d.app_version.clone(),
        last_activity_date: format_ms(d.last_seen_at),
        is_active: true,
        supports_media_control,
        supports_remote_control: supports_media_control,
        playable_media_types: list("PlayableMediaTypes"),
        supported_commands: list("SupportedCommands"),
        has_custom_device_name: false,
        server_id: state.server_id.to_string(),
        play_state: state.now_playing.get(&d.id).map_or_else(
            || serde_json::json!({"CanSeek": false, "IsPaused": false, "IsMuted": false, "RepeatMode": "RepeatNone", "PlaybackOrder": "Default"}),
            |p| p.play_state(),
        ),
        additional_users: Vec::new(),
        now_playing_queue: Vec::new(),
        now_playing_queue_full_items: Vec::new(),
        now_playing_item: None,
    }
}

/// Anonymous: the user picker. Kinora lists nobody (no user is "visible on the login screen"
/// unless an administrator says so, and that setting does not exist yet).
pub async fn get_public_users(req: HttpRequest) -> HttpResponse {
    json(&req, &Vec::<()>::new())
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AuthenticationResult {
    user: UserDto,
    session_info: SessionInfoDto,
    access_token: String,
    server_id: String,
}

pub async fn authenticate_user_by_name(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, JfError> {
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| JfError::BadRequest(format!("invalid JSON body: {e}")))?;
    let name = field(&body, "Username")
        .and_then(Value::as_str)
        .ok_or_else(|| JfError::BadRequest("Username is required".into()))?
        .to_string();
    let password = field(&body, "Pw").and_then(Value::as_str).unwrap_or("");
    let limit_key = name.to_lowercase();
    let failures = state.login_failures.get(&limit_key).unwrap_or(0);
    if failures >= MAX_FAILED_LOGINS {
        tracing::warn!(user = %name, "login refused: too many failed attempts");
        return Err(JfError::TooManyRequests);
    }
    let Some(user) = crate::db::users::authenticate(&state.catalog, &name, password).await? else {
        state.login_failures.insert(limit_key, failures + 1);
        tracing::info!(user = %name, "failed login");
        return Err(JfError::Unauthorized);
    };
    state.login_failures.remove(&limit_key);
    let client = client_auth(&req);
    let info = DeviceInfo {
        device_id: client.device_id.unwrap_or_else(|| "unknown-device".into()),
        device_name: client.device.unwrap_or_else(|| "Unknown device".into()),
        client: client.client.unwrap_or_else(|| "Unknown client".into()),
        app_version: client.version.unwrap_or_default(),
    };
    let (token, session) = sessions::create_token(&state.catalog, &user.id, &info).await?;
    tracing::info!(user = %user.name, client = %info.client, device = %info.device_name, "logged in");
    Ok(json(
        &req,
        &AuthenticationResult {
            user: user_dto(&state, &session.user),
            session_info: session_dto(&state, &session.device, &session.user),
            access_token: token,
            server_id: state.server_id.to_string(),
        },
    ))
}

pub async fn get_current_user(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
) -> HttpResponse {
    json(&req, &user_dto(&state, &auth.session.user))
}

/// A user by id: one's own, or anyone's for an administrator; 404 otherwise (no oracle).
pub async fn get_user_by_id(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    let id = from_wire(&path).ok_or(JfError::NotFound)?;
    if id == auth.session.user.id {
        return Ok(json(&req, &user_dto(&state, &auth.session.user)));
    }
    if !auth.is_admin() {
        return Err(JfError::NotFound);
    }
    let u = crate::db::users::get(&state.catalog, &id)
        .await?
        .ok_or(JfError::NotFound)?;
    Ok(json(&req, &user_dto(&state, &u)))
}

pub async fn get_users(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    let users = if auth.is_admin() {
        crate::db::users::all(&state.catalog).await?
    } else {
        vec![auth.session.user.clone()]
    };
    let dtos: Vec<UserDto> = users.iter().map(|u| user_dto(&state, u)).collect();
    Ok(json(&req, &dtos))
}

pub async fn get_sessions(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    let q = super::query::JfQuery::parse(req.query_string());
    let device_filter = q.get("DeviceId").map(str::to_string);
    let all = sessions::active_devices(&state.catalog).await?;
    let listed: Vec<&(Device, User)> = all
        .iter()
        .filter(|(_, u)| auth.is_admin() || u.id == auth.session.user.id)
        .filter(|(d, _)| device_filter.as_deref().is_none_or(|f| f == d.device_id))
        .collect();
    // The items being played, mapped once for all sessions.
    let playing: Vec<(String, String)> = listed
        .iter()
        .filter_map(|(d, _)| Some((d.id.clone(), state.now_playing.get(&d.id)?.item_id)))
        .collect();
    let mut item_ids: Vec<String> = playing.iter().map(|(_, i)| i.clone()).collect();
    item_ids.sort();
    item_ids.dedup();
    let items = crate::db::items::get_many(&state.catalog, &item_ids).await?;
    let item_dtos = super::browse::page_dtos(&state, &auth, &items, true).await?;
    let dtos: Vec<SessionInfoDto> = listed
        .iter()
        .map(|(d, u)| {
            let mut dto = session_dto(&state, d, u);
            dto.now_playing_item =
                playing
                    .iter()
                    .find(|(device, _)| *device == d.id)
                    .and_then(|(_, item)| {
                        let wire = to_wire(item);
                        item_dtos.iter().find(|x| x.id == wire).cloned()
                    });
            dto
        })
        .collect();
    Ok(json(&req, &dtos))
}

/// Jellyfin's `GeneralCommandType` values.
const GENERAL_COMMANDS: &[&str] = &[
    "MoveUp",
    "MoveDown",
    "MoveLeft",
    "MoveRight",
    "PageUp",
    "PageDown",
    "PreviousLetter",
    "NextLetter",
    "ToggleOsd",
    "ToggleContextMenu",
    "Select",
    "Back",
    "TakeScreenshot",
    "SendKey",
    "SendString",
    "GoHome",
    "GoToSettings",
    "VolumeUp",
    "VolumeDown",
    "Mute",
    "Unmute",
    "ToggleMute",
    "SetVolume",
    "SetAudioStreamIndex",
    "SetSubtitleStreamIndex",
    "ToggleFullscreen",
    "DisplayContent",
    "GoToSearch",
    "DisplayMessage",
    "SetRepeatMode",
    "ChannelUp",
    "ChannelDown",
    "Guide",
    "ToggleStats",
    "PlayMediaSource",
    "PlayTrailers",
    "SetShuffleQueue",
    "PlayState",
    "PlayNext",
    "ToggleOsdMenu",
    "Play",
    "SetMaxStreamingBitrate",
    "SetPlaybackOrder",
];

/// Jellyfin's `MediaType` values.
const MEDIA_TYPES: &[&str] = &["Unknown", "Video", "Audio", "Photo", "Book"];

/// Capabilities arrive as a JSON body (`/Full`) or as query parameters; list fields may be an
/// array or a comma string (Kodi sends `"Audio,Video"`).
pub async fn post_capabilities(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, JfError> {
    let q = super::query::JfQuery::parse(req.query_string());
    let body: Value = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).unwrap_or(Value::Null)
    };
    let list = |name: &str| -> Vec<String> {
        match field(&body, name) {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(|s| s.trim().to_string()))
                .collect(),
            Some(Value::String(s)) => s
                .split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect(),
            _ => q.list(name),
        }
    };
    let supports_media_control = field(&body, "SupportsMediaControl")
        .and_then(Value::as_bool)
        .or_else(|| q.bool("SupportsMediaControl"))
        .unwrap_or(false);
    // Enum values are read case-insensitively (Kodi sends `Playstate`) and stored in the
    // spec's spelling; names that are not commands are dropped, as Jellyfin's binder does.
    let commands: Vec<&str> = list("SupportedCommands")
        .iter()
        .filter_map(|c| {
            GENERAL_COMMANDS
                .iter()
                .find(|known| known.eq_ignore_ascii_case(c))
                .copied()
        })
        .collect();
    let media_types: Vec<&str> = list("PlayableMediaTypes")
        .iter()
        .filter_map(|t| {
            MEDIA_TYPES
                .iter()
                .find(|known| known.eq_ignore_ascii_case(t))
                .copied()
        })
        .collect();
    let caps = serde_json::json!({
        "PlayableMediaTypes": media_types,
        "SupportedCommands": commands,
        "SupportsMediaControl": supports_media_control,
    });
    sessions::save_capabilities(&state.catalog, &auth.session.device.id, &caps.to_string()).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn logout(
    auth: JfAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, JfError> {
    sessions::revoke(&state.catalog, &auth.session.token_id).await?;
    if let Some(token) = super::auth::presented_token(&req) {
        state
            .session_cache
            .remove(&crate::db::api_keys::hash_secret(&token));
    }
    Ok(HttpResponse::NoContent().finish())
}
