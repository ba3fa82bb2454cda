//! `BaseItemDto` and its parts: catalog values mapped to what Jellyfin clients read (contract
//! §5). A core set is always emitted; fields a client dereferences are never left out.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::Value;

use super::ids::to_wire;
use super::wire_time::{format_ms, ms_to_ticks};
use crate::config::LibraryKind;
use crate::db::libraries::Library;
use crate::domain::{Item, ItemKind, UserItemData};

/// Jellyfin's `BaseItemKind` for a catalog item.
pub fn item_type(item: &Item) -> &'static str {
    match item.kind {
        // A library's root is its view; folders inside a library are plain folders.
        ItemKind::Folder if item.parent_id.is_none() => "CollectionFolder",
        ItemKind::Folder => "Folder",
        ItemKind::Movie => "Movie",
        ItemKind::Series => "Series",
        ItemKind::Season => "Season",
        ItemKind::Episode => "Episode",
        ItemKind::Video => "Video",
        ItemKind::Extra if item.extra_type.as_deref() == Some("Trailer") => "Trailer",
        ItemKind::Extra => "Video",
    }
}

/// `CollectionType` of a library view; a mixed library has none.
pub fn collection_type(kind: LibraryKind) -> Option<&'static str> {
    match kind {
        LibraryKind::Movies => Some("movies"),
        LibraryKind::Tv => Some("tvshows"),
        LibraryKind::Home => Some("homevideos"),
        LibraryKind::Mixed => None,
    }
}

#[derive(Serialize, Clone, Default)]
#[serde(rename_all = "PascalCase")]
pub struct UserItemDataDto {
    pub playback_position_ticks: i64,
    pub play_count: i32,
    pub is_favorite: bool,
    pub played: bool,
    pub key: String,
    pub item_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_played_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub played_percentage: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unplayed_item_count: Option<i64>,
}

pub fn user_data_dto(item: &Item, d: &UserItemData, counts: Option<(i64, i64)>) -> UserItemDataDto {
    let runtime = item.runtime_ms.map(ms_to_ticks).unwrap_or(0);
    let played_percentage = (d.playback_position_ticks > 0 && runtime > 0)
        .then(|| (d.playback_position_ticks as f64 / runtime as f64 * 100.0).min(100.0));
    let (played, unplayed) = match counts {
        // A series or season is played when all its episodes are.
        Some((total, played_eps)) => (
            total > 0 && played_eps >= total,
            Some((total - played_eps).max(0)),
        ),
        None => (d.played, None),
    };
    UserItemDataDto {
        playback_position_ticks: d.playback_position_ticks,
        play_count: d.play_count,
        is_favorite: d.is_favorite,
        played,
        // Jellyfin keys movies by their dashed GUID.
        key: item.id.clone(),
        item_id: to_wire(&item.id),
        last_played_date: d.last_played_at.map(format_ms),
        played_percentage,
        unplayed_item_count: unplayed,
    }
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct BaseItemDto {
    pub name: String,
    pub server_id: String,
    pub id: String,
    /// Always written, as `null` (clients index it).
    pub channel_id: Option<()>,
    #[serde(rename = "Type")]
    pub kind: &'static str,
    pub is_folder: bool,
    pub media_type: &'static str,
    pub location_type: &'static str,
    pub image_tags: BTreeMap<&'static str, String>,
    pub backdrop_image_tags: Vec<String>,
    pub image_blur_hashes: BTreeMap<&'static str, BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overview: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_time_ticks: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub production_year: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub premiere_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_number: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_number_end: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_index_number: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub season_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub season_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_subtitles: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recursive_item_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_image_aspect_ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_source_count: Option<i64>,
    pub genres: Vec<String>,
    pub genre_items: Vec<Value>,
    pub studios: Vec<Value>,
    pub people: Vec<Value>,
    pub tags: Vec<String>,
    pub provider_ids: BTreeMap<String, String>,
    pub can_delete: bool,
    pub can_download: bool,
    pub local_trailer_count: i64,
    pub special_feature_count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_data: Option<UserItemDataDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_sources: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_streams: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chapters: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

/// What the mapper needs beyond the item itself, looked up once per response.
#[derive(Default)]
pub struct DtoContext<'a> {
    pub server_id: &'a str,
    pub libraries: &'a [Library],
    /// Series and seasons of the items being mapped (for SeriesName, SeasonName…).
    pub parents: HashMap<String, Item>,
    pub user_data: HashMap<String, UserItemData>,
    /// Episode counts for series and seasons: (total, played).
    pub episode_counts: HashMap<String, (i64, i64)>,
    /// Child counts of containers.
    pub child_counts: HashMap<String, i64>,
    /// First playable file's container and width/height, by item.
    pub file_facts: HashMap<String, FileFacts>,
    pub extra_counts: HashMap<String, (i64, i64)>,
}

#[derive(Clone, Default)]
pub struct FileFacts {
    pub container: Option<String>,
    pub path: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub has_subtitles: bool,
    pub sources: i64,
}

/// Short container name for a probed format list ("matroska,webm" → "mkv").
pub fn short_container(format: &str, path: Option<&str>) -> String {
    let ext = path
        .and_then(|p| std::path::Path::new(p).extension())
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let first = format.split(',').next().unwrap_or(format);
    match (first, ext.as_deref()) {
        ("matroska", Some("webm")) => "webm".into(),
        ("matroska", _) => "mkv".into(),
        ("mov", Some(e @ ("mp4" | "m4v"))) => e.into(),
        ("mov", _) => "mov".into(),
        ("mpegts", Some("m2ts")) => "m2ts".into(),
        ("mpegts", _) => "ts".into(),
        (other, _) => other.into(),
    }
}

pub fn base_item(item: &Item, ctx: &DtoContext<'_>, with_user_data: bool) -> BaseItemDto {
    let library = ctx.libraries.iter().find(|l| l.id == item.library_id);
    let is_folder = !item.kind.is_playable();
    let mut image_tags = BTreeMap::new();
    if let Some(tag) = &item.image_tag {
        image_tags.insert("Primary", tag.clone());
    }
    let (series, season) = match item.kind {
        ItemKind::Episode => {
            let season = item.parent_id.as_ref().and_then(|p| ctx.parents.get(p));
            let series = season
                .and_then(|s| s.parent_id.as_ref())
                .and_then(|p| ctx.parents.get(p));
            (series, season)
        }
        ItemKind::Season => (
            item.parent_id.as_ref().and_then(|p| ctx.parents.get(p)),
            None,
        ),
        _ => (None, None),
    };
    let facts = ctx.file_facts.get(&item.id).cloned().unwrap_or_default();
    let counts = matches!(item.kind, ItemKind::Series | ItemKind::Season)
        .then(|| ctx.episode_counts.get(&item.id).copied().unwrap_or((0, 0)));
    let user_data = with_user_data.then(|| {
        let d = ctx.user_data.get(&item.id).cloned().unwrap_or_default();
        user_data_dto(item, &d, counts)
    });
    let (trailers, features) = ctx.extra_counts.get(&item.id).copied().unwrap_or((0, 0));
    let root_parent = library.map(|l| l.root_item_id.as_str());
    BaseItemDto {
        name: item.name.clone(),
        server_id: ctx.server_id.to_string(),
        id: to_wire(&item.id),
        channel_id: None,
        kind: item_type(item),
        is_folder,
        media_type: if is_folder { "Unknown" } else { "Video" },
        location_type: "FileSystem",
        image_tags,
        backdrop_image_tags: Vec::new(),
        image_blur_hashes: match (&item.image_tag, &item.image_blurhash) {
            (Some(tag), Some(hash)) => {
                BTreeMap::from([("Primary", BTreeMap::from([(tag.clone(), hash.clone())]))])
            }
            _ => BTreeMap::new(),
        },
        collection_type: if item.kind == ItemKind::Folder && item.parent_id.is_none() {
            library.and_then(|l| collection_type(l.kind))
        } else {
            None
        },
        sort_name: Some(item.sort_name.clone()),
        original_title: item.original_title.clone(),
        overview: item.overview.clone(),
        run_time_ticks: item.runtime_ms.map(ms_to_ticks),
        production_year: item.year,
        premiere_date: item.premiere_date.clone(),
        date_created: Some(format_ms(item.created_at)),
        index_number: match item.kind {
            ItemKind::Season => item.season_number,
            ItemKind::Episode => item.episode_number,
            _ => None,
        },
        index_number_end: item.episode_number_end,
        parent_index_number: (item.kind == ItemKind::Episode)
            .then_some(item.season_number)
            .flatten(),
        parent_id: item
            .parent_id
            .as_deref()
            .or(if item.kind == ItemKind::Folder {
                None
            } else {
                root_parent
            })
            .map(to_wire),
        series_id: series.map(|s| to_wire(&s.id)),
        series_name: series.map(|s| s.name.clone()),
        season_id: season.map(|s| to_wire(&s.id)),
        season_name: season.map(|s| s.name.clone()),
        video_type: (!is_folder).then_some("VideoFile"),
        container: facts.container.clone(),
        has_subtitles: (!is_folder).then_some(facts.has_subtitles),
        extra_type: item.extra_type.clone(),
        child_count: ctx.child_counts.get(&item.id).copied(),
        recursive_item_count: counts.map(|(total, _)| total),
        primary_image_aspect_ratio: match (facts.width, facts.height) {
            (Some(w), Some(h)) if h > 0 && item.image_tag.is_some() => {
                Some(f64::from(w) / f64::from(h))
            }
            _ => None,
        },
        path: facts.path.clone(),
        media_source_count: (!is_folder).then_some(facts.sources),
        genres: Vec::new(),
        genre_items: Vec::new(),
        studios: Vec::new(),
        people: Vec::new(),
        tags: Vec::new(),
        provider_ids: BTreeMap::new(),
        can_delete: false,
        can_download: !is_folder,
        local_trailer_count: trailers,
        special_feature_count: features,
        user_data,
        media_sources: None,
        media_streams: None,
        chapters: None,
        etag: Some(item.updated_at.to_string()),
    }
}

/// `{Items, TotalRecordCount, StartIndex}`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueryResult<T> {
    pub items: Vec<T>,
    pub total_record_count: u64,
    pub start_index: u64,
}
