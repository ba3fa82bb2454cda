use sea_orm_migration::prelude::*;

/// A user's Jellyfin `UserConfiguration` (audio/subtitle preferences, view order…), as the JSON
/// object the client posted, keys canonicalised. Null until the user saves settings: the server's
/// defaults apply.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0005_user_configuration"
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    ConfigurationJson,
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
                .table(Users::Table)
                .add_column(ColumnDef::new(Users::ConfigurationJson).text().null())
                .take(),
        )
        .await
    }
}
