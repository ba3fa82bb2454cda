//! Wire shapes of the native API (snake_case). Rows are mapped here, never serialised directly.

use serde::Serialize;

use crate::api::ApiError;
use crate::domain::metadata::{Person, ProviderIds};
use crate::domain::{Item, JobRecord, MediaFile, StoredStream};

/// Accepts a UUID in any common form (dashed, 32 hex, upper case); returns the catalog form.
pub fn parse_id(raw: &str) -> Result<String, ApiError> {
    uuid::Uuid::parse_str(raw.trim())
        .map(|u| u.to_string())
        .map_err(|_| ApiError::NotFound(format!("no such id {raw:?}")))
}

#[derive(Serialize)]
pub struct ItemDto {
    pub id: String,
    pub name: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    pub library_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub season_number: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub episode_number: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub episode_number_end: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_ms: Option<i64>,
    pub has_image: bool,
    pub created_at: i64,
}

impl From<Item> for ItemDto {
    fn from(m: Item) -> ItemDto {
        ItemDto {
            id: m.id,
            name: m.name,
            kind: m.kind.as_str().to_string(),
            year: m.year,
            library_id: m.library_id,
            parent_id: m.parent_id,
            owner_id: m.owner_id,
            extra_type: m.extra_type,
            season_number: m.season_number,
            episode_number: m.episode_number,
            episode_number_end: m.episode_number_end,
            runtime_ms: m.runtime_ms,
            has_image: m.image_path.is_some(),
            created_at: m.created_at,
        }
    }
}

#[derive(Serialize)]
pub struct StreamDto {
    pub index: i32,
    pub kind: String,
    pub codec: Option<String>,
    pub profile: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub frame_rate: Option<f64>,
    pub bit_rate: Option<i64>,
    pub language: Option<String>,
    pub title: Option<String>,
    pub channels: Option<i32>,
    pub channel_layout: Option<String>,
    pub sample_rate: Option<i32>,
    pub is_default: bool,
    pub is_forced: bool,
}

impl From<StoredStream> for StreamDto {
    fn from(stored: StoredStream) -> StreamDto {
        let s = stored.info;
        StreamDto {
            index: s.index,
            kind: s.kind.map(|k| k.as_str()).unwrap_or("data").to_string(),
            codec: s.codec,
            profile: s.profile,
            width: s.width,
            height: s.height,
            frame_rate: s.frame_rate,
            bit_rate: s.bit_rate,
            language: s.language,
            title: s.title,
            channels: s.channels,
            channel_layout: s.channel_layout,
            sample_rate: s.sample_rate,
            is_default: s.is_default,
            is_forced: s.is_forced,
        }
    }
}

#[derive(Serialize)]
pub struct FileDto {
    pub id: String,
    pub path: String,
    pub size: i64,
    pub state: String,
    pub fingerprint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_index: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_label: Option<String>,
    pub probe_state: String,
    pub container: Option<String>,
    pub duration_ms: Option<i64>,
    pub bit_rate: Option<i64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub creation_time: Option<String>,
    pub rotation: Option<i32>,
    pub camera_make: Option<String>,
    pub camera_model: Option<String>,
    pub has_thumbnail: bool,
    pub last_error: Option<String>,
    pub streams: Vec<StreamDto>,
}

impl FileDto {
    pub fn new(f: MediaFile, streams: Vec<StreamDto>) -> FileDto {
        FileDto {
            id: f.id,
            path: f.path.to_string_lossy().into_owned(),
            size: f.size,
            state: f.state,
            fingerprint: f.fingerprint,
            duplicate_of: f.duplicate_of,
            part_index: f.part_index,
            version_label: f.version_label,
            probe_state: f.probe_state,
            container: f.container,
            duration_ms: f.duration_ms,
            bit_rate: f.bit_rate,
            width: f.width,
            height: f.height,
            creation_time: f.creation_time,
            rotation: f.rotation,
            camera_make: f.camera_make,
            camera_model: f.camera_model,
            has_thumbnail: f.thumbnail_path.is_some(),
            last_error: f.last_error,
            streams,
        }
    }
}

#[derive(Serialize)]
pub struct JobDto {
    pub kind: String,
    pub subject_id: Option<String>,
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

impl From<JobRecord> for JobDto {
    fn from(j: JobRecord) -> JobDto {
        JobDto {
            kind: j.kind,
            subject_id: j.subject_id,
            state: j.state,
            attempts: j.attempts,
            last_error: j.last_error,
        }
    }
}

#[derive(Serialize)]
pub struct ItemDetailDto {
    #[serde(flatten)]
    pub item: ItemDto,
    pub files: Vec<FileDto>,
    pub jobs: Vec<JobDto>,
    /// Extras and children are listed with `GET /api/v1/items?parent=ID`.
    pub child_count: u64,
    /// What the item is, how sure, why, and every source's values (titles only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<super::review::ClassificationDto>,
    /// The winning metadata (TMDB, NFO, a person's edits, the LLM) as served to clients.
    pub metadata: MetadataDto,
}

#[derive(Serialize)]
pub struct MetadataDto {
    /// The source that gave most fields (`tmdb`, `nfo`, `llm`, `user`, `filename`); null
    /// until enrichment ran.
    pub source: Option<String>,
    pub sort_title: Option<String>,
    pub original_title: Option<String>,
    pub overview: Option<String>,
    pub tagline: Option<String>,
    /// `YYYY-MM-DD`.
    pub premiere_date: Option<String>,
    pub genres: Vec<String>,
    pub studios: Vec<String>,
    pub tags: Vec<String>,
    pub language: Option<String>,
    pub certification: Option<String>,
    /// Community rating, 0–10.
    pub rating: Option<f64>,
    pub vote_count: Option<i64>,
    pub provider_ids: ProviderIdsDto,
    pub people: Vec<PersonDto>,
    pub has_backdrop: bool,
    pub has_logo: bool,
}

#[derive(Serialize)]
pub struct ProviderIdsDto {
    pub tmdb: Option<String>,
    pub imdb: Option<String>,
    pub tvdb: Option<String>,
}

impl From<&ProviderIds> for ProviderIdsDto {
    fn from(ids: &ProviderIds) -> ProviderIdsDto {
        ProviderIdsDto {
            tmdb: ids.tmdb.clone(),
            imdb: ids.imdb.clone(),
            tvdb: ids.tvdb.clone(),
        }
    }
}

#[derive(Serialize)]
pub struct PersonDto {
    pub name: String,
    /// `actor`, `guest_star`, `director`, `writer`, `producer`, `composer`, `creator`.
    pub kind: &'static str,
    pub role: Option<String>,
    pub tmdb_id: Option<String>,
    /// Full URL or TMDB file path of a photo.
    pub image: Option<String>,
}

impl From<Person> for PersonDto {
    fn from(p: Person) -> PersonDto {
        PersonDto {
            name: p.name,
            kind: crate::db::metadata::person_kind_str(p.kind),
            role: p.role,
            tmdb_id: p.tmdb_id,
            image: p.image,
        }
    }
}

impl MetadataDto {
    pub fn new(item: &Item, people: Vec<Person>) -> MetadataDto {
        MetadataDto {
            source: item.metadata_source.clone(),
            sort_title: item.sort_title.clone(),
            original_title: item.original_title.clone(),
            overview: item.overview.clone(),
            tagline: item.tagline.clone(),
            premiere_date: item.premiere_date.clone(),
            genres: item.genres.clone(),
            studios: item.studios.clone(),
            tags: item.tags.clone(),
            language: item.language.clone(),
            certification: item.certification.clone(),
            rating: item.community_rating,
            vote_count: item.vote_count,
            provider_ids: ProviderIdsDto::from(&item.provider_ids),
            people: people.into_iter().map(PersonDto::from).collect(),
            has_backdrop: item.backdrop_path.is_some(),
            has_logo: item.logo_path.is_some(),
        }
    }
}
