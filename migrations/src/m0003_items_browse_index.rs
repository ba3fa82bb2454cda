use sea_orm_migration::prelude::*;

/// Library listings filter on library, kind and presence and page in sort-key order; one index
/// that holds all four lets a count and a page walk the index instead of the table.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0003_items_browse_index"
    }
}

#[derive(DeriveIden)]
enum Items {
    Table,
    LibraryId,
    Kind,
    Missing,
    SortName,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("idx_items_browse")
                .table(Items::Table)
                .col(Items::LibraryId)
                .col(Items::Kind)
                .col(Items::Missing)
                .col(Items::SortName)
                .col(Items::Id)
                .take(),
        )
        .await
    }
}
