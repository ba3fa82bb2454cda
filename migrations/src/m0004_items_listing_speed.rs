use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

/// What a Jellyfin `/Items` page needs to be cheap on a large library:
///
/// - `idx_items_browse_year`: the order jellyfin-web asks for (`SortBy=SortName,ProductionYear`)
///   is `sort_name, COALESCE(year, 2147483647), id` (titles without a year after those with
///   one); an index holding exactly that order lets a page walk the index, OFFSET included,
///   instead of sorting every matching row. Both backends match an index on that expression.
/// - `idx_items_parent_presence`: child counts (`parent_id`, listed, not an extra) read from the
///   index alone.
/// - SQLite only: `item_generation`, one counter that triggers bump in the same transaction as
///   any change to the item columns listings filter on, so totals of listings can be remembered
///   until the next such change (from any connection or process). PostgreSQL does without:
///   one counter row updated by every writer would serialize concurrent transactions (and
///   could deadlock them), so listing totals there are counted every time.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0004_items_listing_speed"
    }
}

#[derive(DeriveIden)]
enum Items {
    Table,
    ParentId,
    Missing,
    Kind,
}

/// The columns a listing's filter reads; a change to any of them changes some listing's total.
const LISTED_COLUMNS: [&str; 8] = [
    "id",
    "library_id",
    "parent_id",
    "owner_id",
    "kind",
    "sort_name",
    "year",
    "missing",
];

const BUMP: &str = "UPDATE item_generation SET generation = generation + 1 WHERE id = 1;";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        // The same statement on both backends (an expression column needs its parentheses).
        // The trailing plain `year` lets PostgreSQL page with an index-only scan: it will not
        // take `year` from the expression.
        db.execute_unprepared(
            "CREATE INDEX idx_items_browse_year ON items \
             (library_id, kind, missing, sort_name, (COALESCE(year, 2147483647)), id, year)",
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_items_parent_presence")
                .table(Items::Table)
                .col(Items::ParentId)
                .col(Items::Missing)
                .col(Items::Kind)
                .take(),
        )
        .await?;
        if m.get_database_backend() != DatabaseBackend::Sqlite {
            return Ok(());
        }
        db.execute_unprepared(
            "CREATE TABLE item_generation \
             (id INTEGER NOT NULL PRIMARY KEY, generation BIGINT NOT NULL)",
        )
        .await?;
        db.execute_unprepared("INSERT INTO item_generation (id, generation) VALUES (1, 0)")
            .await?;
        db.execute_unprepared(&format!(
            "CREATE TRIGGER items_generation_insert AFTER INSERT ON items \
             BEGIN {BUMP} END"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "CREATE TRIGGER items_generation_delete AFTER DELETE ON items \
             BEGIN {BUMP} END"
        ))
        .await?;
        // Only when a listed column really changes: presence refreshes and timestamps rewrite
        // rows without changing what any listing holds.
        let changed: Vec<String> = LISTED_COLUMNS
            .iter()
            .map(|c| format!("OLD.{c} IS NOT NEW.{c}"))
            .collect();
        db.execute_unprepared(&format!(
            "CREATE TRIGGER items_generation_update AFTER UPDATE OF {} ON items \
             WHEN {} BEGIN {BUMP} END",
            LISTED_COLUMNS.join(", "),
            changed.join(" OR ")
        ))
        .await?;
        Ok(())
    }
}
