use sea_orm::entity::prelude::*;

/// One cached TMDB answer (migration m0009).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tmdb_cache")]
pub struct Model {
    /// Path + normalised query, language included, credentials never.
    #[sea_orm(primary_key, auto_increment = false)]
    pub request_key: String,
    /// HTTP status TMDB answered (200 or 404).
    pub status: i32,
    pub body: String,
    /// Milliseconds since the Unix epoch.
    pub fetched_at: i64,
    pub expires_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
