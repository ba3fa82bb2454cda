//! The TMDB response cache (migration m0009): answers kept with an expiry so the same request
//! is not sent to TMDB twice within the TTL. The client in `metadata::tmdb` decides what is
//! cached and builds the keys; this only stores and finds rows.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use super::entities::tmdb_cache;
use super::{Catalog, CatalogError};

/// A stored answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedResponse {
    pub status: u16,
    pub body: String,
    /// Milliseconds since the Unix epoch.
    pub fetched_at: i64,
    pub expires_at: i64,
}

/// The answer stored under `key` unless it expired at or before `now_ms`.
pub async fn get_fresh(
    c: &Catalog,
    key: &str,
    now_ms: i64,
) -> Result<Option<CachedResponse>, CatalogError> {
    let row = tmdb_cache::Entity::find_by_id(key.to_string())
        .filter(tmdb_cache::Column::ExpiresAt.gt(now_ms))
        .one(&c.read)
        .await?;
    Ok(row.map(|m| CachedResponse {
        // Only 200 and 404 are written; anything unreadable reads as a miss upstream.
        status: u16::try_from(m.status).unwrap_or(0),
        body: m.body,
        fetched_at: m.fetched_at,
        expires_at: m.expires_at,
    }))
}

/// Stores (or replaces) the answer under `key`.
pub async fn put(c: &Catalog, key: &str, response: &CachedResponse) -> Result<(), CatalogError> {
    let row = tmdb_cache::ActiveModel {
        request_key: Set(key.to_string()),
        status: Set(i32::from(response.status)),
        body: Set(response.body.clone()),
        fetched_at: Set(response.fetched_at),
        expires_at: Set(response.expires_at),
    };
    tmdb_cache::Entity::insert(row)
        .on_conflict(
            OnConflict::column(tmdb_cache::Column::RequestKey)
                .update_columns([
                    tmdb_cache::Column::Status,
                    tmdb_cache::Column::Body,
                    tmdb_cache::Column::FetchedAt,
                    tmdb_cache::Column::ExpiresAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&c.write)
        .await?;
    Ok(())
}

/// Deletes every answer that expired at or before `now_ms`; returns how many.
pub async fn purge_expired(c: &Catalog, now_ms: i64) -> Result<u64, CatalogError> {
    let res = tmdb_cache::Entity::delete_many()
        .filter(tmdb_cache::Column::ExpiresAt.lte(now_ms))
        .exec(&c.write)
        .await?;
    Ok(res.rows_affected)
}

/// Makes every stored answer expired (a manual "refresh everything from TMDB").
pub async fn expire_all(c: &Catalog) -> Result<u64, CatalogError> {
    let res = tmdb_cache::Entity::update_many()
        .col_expr(
            tmdb_cache::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(0i64),
        )
        .exec(&c.write)
        .await?;
    Ok(res.rows_affected)
}
