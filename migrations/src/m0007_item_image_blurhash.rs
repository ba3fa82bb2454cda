use sea_orm_migration::prelude::*;

/// The BlurHash of an item's primary image (`ImageBlurHashes` in Jellyfin DTOs), made with the
/// image; null until then. It belongs to one image tag: a new image clears it.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0007_item_image_blurhash"
    }
}

#[derive(DeriveIden)]
enum Items {
    Table,
    ImageBlurhash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One nullable column: `ALTER TABLE … ADD COLUMN` on both SQLite and PostgreSQL.
        m.alter_table(
            Table::alter()
                .table(Items::Table)
                .add_column(ColumnDef::new(Items::ImageBlurhash).text().null())
                .take(),
        )
        .await
    }
}
