use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

/// Sort keys are computed in Rust so every backend orders alike; PostgreSQL must then compare
/// them byte-wise rather than by the database's locale (en_US puts "élan" before "episode").
/// SQLite already compares text byte-wise.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0002_sort_name_bytewise"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DatabaseBackend::Postgres {
            m.get_connection()
                .execute_unprepared(
                    r#"ALTER TABLE items ALTER COLUMN sort_name TYPE text COLLATE "C""#,
                )
                .await?;
        }
        Ok(())
    }
}
