//! Descriptive metadata of a title as one source gives it (TMDB, an NFO file, the LLM, a
//! person): the shape every metadata provider maps into and every sidecar writer reads. Which
//! source wins each field is decided elsewhere (DESIGN.md, "Metadata priority"); here a field is
//! simply absent (`None`, empty list) when the source does not say.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Metadata {
    pub title: Option<String>,
    pub original_title: Option<String>,
    pub sort_title: Option<String>,
    pub year: Option<i32>,
    /// `YYYY-MM-DD`: release date of a movie, first air date of a series, air date of an episode.
    pub premiere_date: Option<String>,
    pub overview: Option<String>,
    pub tagline: Option<String>,
    pub genres: Vec<String>,
    pub studios: Vec<String>,
    pub runtime_minutes: Option<i32>,
    /// Original language, ISO 639-1 (`en`).
    pub language: Option<String>,
    /// Age rating as the country writes it (`PG-13`, `TV-MA`, `FSK 16`).
    pub certification: Option<String>,
    /// Community rating, 0–10.
    pub rating: Option<f64>,
    pub vote_count: Option<i64>,
    pub people: Vec<Person>,
    pub ids: ProviderIds,
    pub images: Vec<ImageRef>,
    /// Free-form tags (keywords).
    pub tags: Vec<String>,
    /// Mood words (`tense`, `cheerful`), from the LLM.
    pub moods: Vec<String>,
    /// `all_ages`, `teen` or `adult`, with why: Kinora's own family-safety rating (the LLM's).
    pub family_safety: Option<String>,
    pub family_safety_reason: Option<String>,
    /// For seasons and episodes.
    pub season_number: Option<i32>,
    pub episode_number: Option<i32>,
    /// An episode's series name, when the source says it.
    pub series_title: Option<String>,
    /// Last episode of a multi-episode file (`S01E01-E02` → 2); `None` for a single episode.
    #[serde(default)]
    pub episode_number_end: Option<i32>,
    /// The collection (Kodi's "set") a movie belongs to.
    #[serde(default)]
    pub collection: Option<CollectionRef>,
    /// Trailer URLs (`https://www.youtube.com/watch?v=…`).
    #[serde(default)]
    pub trailers: Vec<String>,
    /// A series' airing status as the source writes it (`Ended`, `Continuing`).
    #[serde(default)]
    pub status: Option<String>,
}

/// A movie collection: TMDB's "collection", Kodi's "set".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CollectionRef {
    pub name: String,
    pub tmdb_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProviderIds {
    /// TMDB id, digits.
    pub tmdb: Option<String>,
    /// IMDb id, `tt` + digits.
    pub imdb: Option<String>,
    pub tvdb: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonKind {
    #[default]
    Actor,
    GuestStar,
    Director,
    Writer,
    Producer,
    Composer,
    Creator,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Person {
    pub name: String,
    pub kind: PersonKind,
    /// The character for actors, the job for crew (`Screenplay`, `Executive Producer`).
    pub role: Option<String>,
    /// Billing order, 0 first.
    pub order: Option<i32>,
    pub tmdb_id: Option<String>,
    /// Full URL or TMDB file path (`/abc.jpg`) of a photo.
    pub image: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageKind {
    #[default]
    Poster,
    Backdrop,
    Logo,
    /// An episode's still.
    Still,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImageRef {
    pub kind: ImageKind,
    /// A TMDB file path (`/pB8BM7pdSp6B6Ih7QZ4DrQ3PmJK.jpg`), a full URL, or a local file path.
    pub location: String,
    pub language: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
}
