//! `BaseItemDto` and its parts: catalog values mapped to what Jellyfin clients read (contract
//! §5). A core set is always emitted; fields a client dereferences are never left out.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::Value;

use super::ids::{name_id, to_wire, NameKind};
use super::wire_time::{format_ms, ms_to_ticks};
use crate::config::LibraryKind;
use crate::db::libraries::Library;
use crate::domain::metadata::{Person, PersonKind};
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
    /// Core fields in Jellyfin (emitted whatever `Fields` says).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub official_rating: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community_rating: Option<f64>,
    /// Gated by `Fields` in Jellyfin; read from the item's own row, so emitted always (extra
    /// fields are harmless to every client studied, contract §5).
    pub genres: Vec<String>,
    pub genre_items: Vec<NameIdDto>,
    pub studios: Vec<NameIdDto>,
    pub tags: Vec<String>,
    pub taglines: Vec<String>,
    pub provider_ids: BTreeMap<&'static str, String>,
    /// Only with `Fields=People` on lists, always on single-item routes (as Jellyfin): people
    /// cost a query per page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub people: Option<Vec<PersonDto>>,
    /// Episodes and seasons show their series' backdrop and logo (web's detail page and
    /// episode cards fall back to these).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_backdrop_item_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_backdrop_image_tags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_logo_item_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_logo_image_tag: Option<String>,
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

/// Jellyfin's `NameGuidPair` (`GenreItems`, `Studios`).
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct NameIdDto {
    pub name: String,
    pub id: String,
}

pub fn name_id_dto(kind: NameKind, name: &str) -> NameIdDto {
    NameIdDto {
        name: name.to_string(),
        id: name_id(kind, name),
    }
}

/// Jellyfin's `BaseItemPerson`. No `PrimaryImageTag`: a person's photo is a remote URL, not an
/// image Kinora serves, and a tag would send clients to `/Items/{personId}/Images/Primary`.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct PersonDto {
    pub name: String,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(rename = "Type")]
    pub kind: &'static str,
}

/// Jellyfin's `PersonKind` name.
pub fn person_type(kind: PersonKind) -> &'static str {
    match kind {
        PersonKind::Actor => "Actor",
        PersonKind::GuestStar => "GuestStar",
        PersonKind::Director => "Director",
        PersonKind::Writer => "Writer",
        PersonKind::Producer => "Producer",
        PersonKind::Composer => "Composer",
        PersonKind::Creator => "Creator",
    }
}

pub fn person_dto(p: &Person) -> PersonDto {
    PersonDto {
        name: p.name.clone(),
        id: name_id(NameKind::Person, &p.name),
        role: p.role.clone().filter(|r| !r.is_empty()),
        kind: person_type(p.kind),
    }
}

/// Jellyfin's `ProviderIds`, with its key casing (`Tmdb`, `Imdb`, `Tvdb`).
pub fn provider_ids(item: &Item) -> BTreeMap<&'static str, String> {
    let ids = &item.provider_ids;
    [
        ("Tmdb", &ids.tmdb),
        ("Imdb", &ids.imdb),
        ("Tvdb", &ids.tvdb),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
    .collect()
}

/// A premiere date as Jellyfin writes dates: metadata gives `YYYY-MM-DD` (midnight UTC);
/// anything else is passed on as stored.
pub fn premiere_date(raw: &str) -> String {
    let b = raw.as_bytes();
    let is_date = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if is_date {
        format!("{raw}T00:00:00.0000000Z")
    } else {
        raw.to_string()
    }
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
    if let Some(tag) = &item.logo_tag {
        image_tags.insert("Logo", tag.clone());
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
    // Episodes and seasons borrow their series' backdrop and logo.
    let art_parent = match item.kind {
        ItemKind::Episode | ItemKind::Season => series,
        _ => None,
    };
    let parent_backdrop = art_parent
        .filter(|_| item.backdrop_tag.is_none())
        .and_then(|s| {
            s.backdrop_tag
                .clone()
                .map(|tag| (to_wire(&s.id), vec![tag]))
        });
    let parent_logo = art_parent
        .filter(|_| item.logo_tag.is_none())
        .and_then(|s| s.logo_tag.clone().map(|tag| (to_wire(&s.id), tag)));
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
        backdrop_image_tags: item.backdrop_tag.iter().cloned().collect(),
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
        // The sort title metadata gives (`Matrix, The`), else the computed sort key.
        sort_name: Some(
            item.sort_title
                .clone()
                .unwrap_or_else(|| item.sort_name.clone()),
        ),
        original_title: item.original_title.clone(),
        overview: item.overview.clone(),
        run_time_ticks: item.runtime_ms.map(ms_to_ticks),
        production_year: item.year,
        premiere_date: item.premiere_date.as_deref().map(premiere_date),
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
        official_rating: item.certification.clone(),
        community_rating: item.community_rating,
        genres: item.genres.clone(),
        genre_items: item
            .genres
            .iter()
            .map(|g| name_id_dto(NameKind::Genre, g))
            .collect(),
        studios: item
            .studios
            .iter()
            .map(|s| name_id_dto(NameKind::Studio, s))
            .collect(),
        tags: item.tags.clone(),
        taglines: item.tagline.iter().cloned().collect(),
        provider_ids: provider_ids(item),
        people: None,
        parent_backdrop_item_id: parent_backdrop.as_ref().map(|(id, _)| id.clone()),
        parent_backdrop_image_tags: parent_backdrop.map(|(_, tags)| tags),
        parent_logo_item_id: parent_logo.as_ref().map(|(id, _)| id.clone()),
        parent_logo_image_tag: parent_logo.map(|(_, tag)| tag),
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn premiere_dates_are_written_as_jellyfin_dates() {
        assert_eq!(premiere_date("1999-03-31"), "1999-03-31T00:00:00.0000000Z");
        assert_eq!(
            premiere_date("2021-04-23T10:03:17.0000000Z"),
            "2021-04-23T10:03:17.0000000Z"
        );
        assert_eq!(premiere_date("1999"), "1999");
    }

    #[test]
    fn people_use_jellyfin_person_kinds_and_name_ids() {
        let p = Person {
            name: "Keanu Reeves".into(),
            kind: PersonKind::GuestStar,
            role: Some("Neo".into()),
            ..Person::default()
        };
        let v = serde_json::to_value(person_dto(&p)).unwrap();
        assert_eq!(v["Type"], "GuestStar");
        assert_eq!(v["Role"], "Neo");
        assert_eq!(v["Id"], name_id(NameKind::Person, "keanu reeves"));
        assert!(v.get("PrimaryImageTag").is_none());
    }
}
