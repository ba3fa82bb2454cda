use sea_orm_migration::prelude::*;

/// The TMDB response cache: one row per request TMDB answered (200, or 404 so a miss is not
/// asked again), keyed by path + normalised query (language included, credentials never), so
/// the same question is not sent twice within the TTL. Times are integer milliseconds since
/// the Unix epoch computed in Rust, so SQLite and PostgreSQL compare them alike.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0009_tmdb_cache"
    }
}

#[derive(DeriveIden)]
enum TmdbCache {
    Table,
    RequestKey,
    Status,
    Body,
    FetchedAt,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TmdbCache::Table)
                .col(
                    ColumnDef::new(TmdbCache::RequestKey)
                        .text()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(TmdbCache::Status).integer().not_null())
                .col(ColumnDef::new(TmdbCache::Body).text().not_null())
                .col(
                    ColumnDef::new(TmdbCache::FetchedAt)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(TmdbCache::ExpiresAt)
                        .big_integer()
                        .not_null(),
                )
                .take(),
        )
        .await?;
        // Purging expired rows reads them by expiry.
        m.create_index(
            Index::create()
                .name("idx_tmdb_cache_expires")
                .table(TmdbCache::Table)
                .col(TmdbCache::ExpiresAt)
                .take(),
        )
        .await
    }
}
