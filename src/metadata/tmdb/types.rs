//! TMDB API v3 response bodies: only the fields Kinora uses. Every field tolerates being absent
//! or `null` (TMDB adds and drops fields over the years; the 2017 recordings lack several), so a
//! body decodes as long as it is the right kind of object.

use serde::{Deserialize, Deserializer};

/// `null` reads as the type's default (an empty list), like an absent field.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// One page of a search (`/search/movie`, `/search/tv`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, bound(deserialize = "T: Deserialize<'de>"))]
pub struct Page<T> {
    pub page: u32,
    #[serde(deserialize_with = "nullable")]
    pub results: Vec<T>,
    pub total_pages: u32,
    pub total_results: u32,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            page: 0,
            results: Vec::new(),
            total_pages: 0,
            total_results: 0,
        }
    }
}

/// A movie as a search or `/find` lists it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct MovieResult {
    pub id: u64,
    pub title: Option<String>,
    pub original_title: Option<String>,
    pub original_language: Option<String>,
    /// `YYYY-MM-DD`, or `""` when unknown.
    pub release_date: Option<String>,
    pub overview: Option<String>,
    pub poster_path: Option<String>,
    pub backdrop_path: Option<String>,
    pub popularity: Option<f64>,
    pub vote_average: Option<f64>,
    pub vote_count: Option<i64>,
    #[serde(deserialize_with = "nullable")]
    pub genre_ids: Vec<u32>,
}

/// A series as a search or `/find` lists it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct TvResult {
    pub id: u64,
    pub name: Option<String>,
    pub original_name: Option<String>,
    pub original_language: Option<String>,
    pub first_air_date: Option<String>,
    pub overview: Option<String>,
    pub poster_path: Option<String>,
    pub backdrop_path: Option<String>,
    pub popularity: Option<f64>,
    pub vote_average: Option<f64>,
    pub vote_count: Option<i64>,
    #[serde(deserialize_with = "nullable")]
    pub origin_country: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub genre_ids: Vec<u32>,
}

/// `/find/{external_id}?external_source=imdb_id`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FindResults {
    #[serde(deserialize_with = "nullable")]
    pub movie_results: Vec<MovieResult>,
    #[serde(deserialize_with = "nullable")]
    pub tv_results: Vec<TvResult>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Genre {
    pub id: u32,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
}

/// `/genre/movie/list`, `/genre/tv/list`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct GenreList {
    #[serde(deserialize_with = "nullable")]
    pub genres: Vec<Genre>,
}

/// A production company or a TV network.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Company {
    pub id: u64,
    pub name: Option<String>,
    pub logo_path: Option<String>,
    pub origin_country: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CollectionRef {
    pub id: u64,
    pub name: Option<String>,
    pub poster_path: Option<String>,
    pub backdrop_path: Option<String>,
}

/// An actor's credit (a movie's cast, an episode's guest stars).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CastMember {
    pub id: u64,
    pub name: Option<String>,
    pub character: Option<String>,
    pub order: Option<i32>,
    pub profile_path: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CrewMember {
    pub id: u64,
    pub name: Option<String>,
    pub job: Option<String>,
    pub department: Option<String>,
    pub profile_path: Option<String>,
}

/// `/movie/{id}/credits`, or the `credits` key of `append_to_response`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Credits {
    #[serde(deserialize_with = "nullable")]
    pub cast: Vec<CastMember>,
    #[serde(deserialize_with = "nullable")]
    pub crew: Vec<CrewMember>,
}

/// `…/external_ids`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ExternalIds {
    pub imdb_id: Option<String>,
    /// Series only.
    pub tvdb_id: Option<i64>,
    pub wikidata_id: Option<String>,
}

/// `/movie/{id}/release_dates`: per country, every release with its age rating.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ReleaseDates {
    #[serde(deserialize_with = "nullable")]
    pub results: Vec<CountryReleases>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CountryReleases {
    /// ISO 3166-1 country code (`US`).
    #[serde(deserialize_with = "nullable")]
    pub iso_3166_1: String,
    #[serde(deserialize_with = "nullable")]
    pub release_dates: Vec<Release>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Release {
    /// `""` when the release carries none.
    pub certification: Option<String>,
    pub release_date: Option<String>,
    /// 1 premiere, 2 limited theatrical, 3 theatrical, 4 digital, 5 physical, 6 TV.
    #[serde(rename = "type")]
    pub kind: Option<i32>,
    pub note: Option<String>,
}

/// `/tv/{id}/content_ratings`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ContentRatings {
    #[serde(deserialize_with = "nullable")]
    pub results: Vec<ContentRating>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ContentRating {
    #[serde(deserialize_with = "nullable")]
    pub iso_3166_1: String,
    pub rating: Option<String>,
}

/// `/movie/{id}?append_to_response=credits,external_ids,release_dates`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Movie {
    pub id: u64,
    pub imdb_id: Option<String>,
    pub title: Option<String>,
    pub original_title: Option<String>,
    pub original_language: Option<String>,
    pub overview: Option<String>,
    pub tagline: Option<String>,
    pub release_date: Option<String>,
    /// Minutes.
    pub runtime: Option<i32>,
    pub status: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub genres: Vec<Genre>,
    #[serde(deserialize_with = "nullable")]
    pub production_companies: Vec<Company>,
    pub belongs_to_collection: Option<CollectionRef>,
    pub poster_path: Option<String>,
    pub backdrop_path: Option<String>,
    pub vote_average: Option<f64>,
    pub vote_count: Option<i64>,
    pub credits: Option<Credits>,
    pub external_ids: Option<ExternalIds>,
    pub release_dates: Option<ReleaseDates>,
    pub images: Option<Images>,
}

/// `images` (appended): the artwork TMDB has besides the main poster and backdrop.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Images {
    #[serde(deserialize_with = "nullable")]
    pub logos: Vec<ImageEntry>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ImageEntry {
    pub file_path: Option<String>,
    pub iso_639_1: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub vote_average: Option<f64>,
}

/// A creator of a series (`created_by`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Creator {
    pub id: u64,
    pub name: Option<String>,
    pub profile_path: Option<String>,
}

/// A season as a series lists it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SeasonSummary {
    pub id: u64,
    pub name: Option<String>,
    pub overview: Option<String>,
    pub air_date: Option<String>,
    pub episode_count: Option<i32>,
    pub poster_path: Option<String>,
    /// 0 holds the specials.
    pub season_number: i32,
}

/// `/tv/{id}?append_to_response=external_ids,content_ratings,credits`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Tv {
    pub id: u64,
    pub name: Option<String>,
    pub original_name: Option<String>,
    pub original_language: Option<String>,
    pub overview: Option<String>,
    pub tagline: Option<String>,
    pub first_air_date: Option<String>,
    pub last_air_date: Option<String>,
    pub status: Option<String>,
    /// Minutes; often empty in newer data.
    #[serde(deserialize_with = "nullable")]
    pub episode_run_time: Vec<i32>,
    #[serde(deserialize_with = "nullable")]
    pub genres: Vec<Genre>,
    #[serde(deserialize_with = "nullable")]
    pub networks: Vec<Company>,
    #[serde(deserialize_with = "nullable")]
    pub production_companies: Vec<Company>,
    #[serde(deserialize_with = "nullable")]
    pub created_by: Vec<Creator>,
    #[serde(deserialize_with = "nullable")]
    pub seasons: Vec<SeasonSummary>,
    pub number_of_seasons: Option<i32>,
    pub number_of_episodes: Option<i32>,
    pub poster_path: Option<String>,
    pub backdrop_path: Option<String>,
    pub vote_average: Option<f64>,
    pub vote_count: Option<i64>,
    pub external_ids: Option<ExternalIds>,
    pub content_ratings: Option<ContentRatings>,
    /// The current cast (appended `credits`).
    pub credits: Option<Credits>,
}

/// `/tv/{id}/season/{n}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Season {
    pub id: u64,
    pub name: Option<String>,
    pub overview: Option<String>,
    pub air_date: Option<String>,
    pub poster_path: Option<String>,
    pub season_number: i32,
    pub vote_average: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    pub episodes: Vec<Episode>,
}

/// `/tv/{id}/season/{n}/episode/{e}`, and each entry of a season's `episodes`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Episode {
    pub id: u64,
    pub name: Option<String>,
    pub overview: Option<String>,
    pub air_date: Option<String>,
    pub season_number: i32,
    pub episode_number: i32,
    /// Minutes.
    pub runtime: Option<i32>,
    pub production_code: Option<String>,
    pub still_path: Option<String>,
    pub vote_average: Option<f64>,
    pub vote_count: Option<i64>,
    #[serde(deserialize_with = "nullable")]
    pub crew: Vec<CrewMember>,
    #[serde(deserialize_with = "nullable")]
    pub guest_stars: Vec<CastMember>,
}

/// `/configuration`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Configuration {
    pub images: ImagesConfiguration,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ImagesConfiguration {
    pub base_url: Option<String>,
    pub secure_base_url: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub backdrop_sizes: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub logo_sizes: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub poster_sizes: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub profile_sizes: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub still_sizes: Vec<String>,
}

impl ImagesConfiguration {
    /// The HTTPS base TMDB gives (else its plain one): what [`super::image_url`] takes.
    pub fn base(&self) -> Option<&str> {
        self.secure_base_url
            .as_deref()
            .or(self.base_url.as_deref())
            .filter(|b| !b.is_empty())
    }
}

/// An error body: `{"status_code", "status_message"}`, or `{"errors": […]}` for a 422.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ErrorBody {
    pub status_code: Option<i64>,
    pub status_message: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub errors: Vec<String>,
}
