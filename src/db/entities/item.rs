use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub library_id: String,
    pub parent_id: Option<String>,
    pub owner_id: Option<String>,
    pub kind: String,
    pub extra_type: Option<String>,
    pub name: String,
    pub sort_name: String,
    pub original_title: Option<String>,
    pub year: Option<i32>,
    pub season_number: Option<i32>,
    pub episode_number: Option<i32>,
    pub episode_number_end: Option<i32>,
    pub identity_key: Option<String>,
    pub folder: Option<String>,
    pub overview: Option<String>,
    pub runtime_ms: Option<i64>,
    pub premiere_date: Option<String>,
    pub image_path: Option<String>,
    pub image_tag: Option<String>,
    pub image_blurhash: Option<String>,
    pub missing: bool,
    /// The winning classification's confidence (0–1) and source (`filename`, `probe`, `llm`,
    /// `user`); null until the classify job ran.
    pub classify_confidence: Option<f64>,
    pub classify_source: Option<String>,
    /// `pending` (waiting for a person), `accepted` or `corrected`; null when nobody needs to look.
    pub review_state: Option<String>,
    /// Why the item is in the review queue, one reason per line.
    pub review_reason: Option<String>,
    /// Winning metadata (migration m0010); genres, studios and tags are JSON text arrays.
    pub sort_title: Option<String>,
    pub tagline: Option<String>,
    pub genres: Option<String>,
    pub studios: Option<String>,
    pub tags: Option<String>,
    pub language: Option<String>,
    pub certification: Option<String>,
    pub community_rating: Option<f64>,
    pub vote_count: Option<i64>,
    pub tmdb_id: Option<String>,
    pub imdb_id: Option<String>,
    pub tvdb_id: Option<String>,
    /// The source that gave most of the winning fields (`tmdb`, `nfo`, `llm`, `user`, `filename`).
    pub metadata_source: Option<String>,
    pub backdrop_path: Option<String>,
    pub backdrop_tag: Option<String>,
    pub logo_path: Option<String>,
    pub logo_tag: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
