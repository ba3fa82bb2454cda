//! Catalog values as the rest of the server sees them (the database rows stay in `db`).

use std::path::PathBuf;

use super::StreamInfo;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A library's root (Jellyfin's CollectionFolder).
    Folder,
    Movie,
    Series,
    Season,
    Episode,
    /// A home video.
    Video,
    /// A trailer, featurette… attached to its owner.
    Extra,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Folder => "folder",
            ItemKind::Movie => "movie",
            ItemKind::Series => "series",
            ItemKind::Season => "season",
            ItemKind::Episode => "episode",
            ItemKind::Video => "video",
            ItemKind::Extra => "extra",
        }
    }

    pub fn parse(s: &str) -> Option<ItemKind> {
        Some(match s {
            "folder" => ItemKind::Folder,
            "movie" => ItemKind::Movie,
            "series" => ItemKind::Series,
            "season" => ItemKind::Season,
            "episode" => ItemKind::Episode,
            "video" => ItemKind::Video,
            "extra" => ItemKind::Extra,
            _ => return None,
        })
    }

    /// Kinds that own media files themselves (the others are containers).
    pub fn is_playable(self) -> bool {
        matches!(
            self,
            ItemKind::Movie | ItemKind::Episode | ItemKind::Video | ItemKind::Extra
        )
    }
}

/// A logical title. Times are milliseconds since the epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: String,
    pub library_id: String,
    pub parent_id: Option<String>,
    pub owner_id: Option<String>,
    pub kind: ItemKind,
    pub extra_type: Option<String>,
    pub name: String,
    pub sort_name: String,
    pub original_title: Option<String>,
    pub year: Option<i32>,
    pub season_number: Option<i32>,
    pub episode_number: Option<i32>,
    pub episode_number_end: Option<i32>,
    pub overview: Option<String>,
    pub runtime_ms: Option<i64>,
    pub premiere_date: Option<String>,
    pub image_path: Option<PathBuf>,
    pub image_tag: Option<String>,
    /// BlurHash of the primary image, when made (a placeholder clients paint while loading).
    pub image_blurhash: Option<String>,
    /// Left out of every listing while true.
    pub missing: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// Winning metadata (TMDB, NFO, a person's edits, the LLM): absent or empty until
    /// enrichment ran.
    pub sort_title: Option<String>,
    pub tagline: Option<String>,
    pub genres: Vec<String>,
    pub studios: Vec<String>,
    pub tags: Vec<String>,
    /// Original language, ISO 639-1.
    pub language: Option<String>,
    /// Age rating as the country writes it (`PG-13`); Jellyfin's `OfficialRating`.
    pub certification: Option<String>,
    /// 0–10.
    pub community_rating: Option<f64>,
    pub vote_count: Option<i64>,
    pub provider_ids: super::metadata::ProviderIds,
    /// The source that gave most of the winning fields (`tmdb`, `nfo`, `llm`, `user`…).
    pub metadata_source: Option<String>,
    pub backdrop_path: Option<PathBuf>,
    pub backdrop_tag: Option<String>,
    pub logo_path: Option<PathBuf>,
    pub logo_tag: Option<String>,
}

/// One file on disk belonging to an item.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaFile {
    pub id: String,
    pub item_id: Option<String>,
    pub library_id: String,
    /// The exact path (names need not be valid UTF-8).
    pub path: PathBuf,
    pub size: i64,
    pub mtime_ns: i64,
    pub fingerprint: Option<String>,
    /// pending, active, duplicate, missing or error.
    pub state: String,
    pub duplicate_of: Option<String>,
    pub part_index: Option<i32>,
    pub version_label: Option<String>,
    pub container: Option<String>,
    pub duration_ms: Option<i64>,
    pub bit_rate: Option<i64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub creation_time: Option<String>,
    pub rotation: Option<i32>,
    pub camera_make: Option<String>,
    pub camera_model: Option<String>,
    /// none, ok or failed.
    pub probe_state: String,
    pub thumbnail_path: Option<PathBuf>,
    pub last_error: Option<String>,
}

/// A probed stream with the file it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredStream {
    pub media_file_id: String,
    pub info: StreamInfo,
}

/// A background job as seen from outside the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    pub id: i64,
    pub kind: String,
    pub subject_id: Option<String>,
    /// queued, running, done or failed.
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// A Jellyfin user (the password hash stays in the catalog layer).
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: String,
    pub name: String,
    pub is_admin: bool,
    pub is_disabled: bool,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
    pub last_activity_at: Option<i64>,
    /// Jellyfin `UserConfiguration` the user saved (a JSON object), if any.
    pub configuration_json: Option<String>,
}

/// A client device a user logged in from.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    /// Catalog row id.
    pub id: String,
    pub user_id: String,
    /// The id the client sends (`DeviceId=` in its authorization header).
    pub device_id: String,
    pub device_name: String,
    pub client: String,
    pub app_version: String,
    /// The capabilities it posted (JSON), if any.
    pub capabilities_json: Option<String>,
    pub last_seen_at: i64,
}

/// One user's state for one item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserItemData {
    pub played: bool,
    /// 100 ns ticks, as Jellyfin clients report them.
    pub playback_position_ticks: i64,
    pub play_count: i32,
    pub is_favorite: bool,
    pub last_played_at: Option<i64>,
}
