use sea_orm_migration::prelude::*;

/// Classification and the review queue.
///
/// `item_field_sources` keeps every source's value of an item's fields (DESIGN.md, "Metadata
/// priority"): one row per item × field × source (`filename`, `probe`, `llm`, `user`; the
/// metadata providers add `tmdb` and `nfo`), so removing an override or re-running one source
/// is exact. `basis` is a digest of what the value was derived from, so a source whose input
/// did not change is not asked again (an LLM answer is reused, not re-bought).
///
/// On `items`: the winning classification's confidence and source, and the review state
/// (`pending` = below the confidence threshold and waiting for a person; `accepted` /
/// `corrected` = a person has spoken) with the reasons a reviewer sees.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0008_classification"
    }
}

#[derive(DeriveIden)]
enum Items {
    Table,
    Id,
    ClassifyConfidence,
    ClassifySource,
    ReviewState,
    ReviewReason,
}

#[derive(DeriveIden)]
enum ItemFieldSources {
    Table,
    ItemId,
    Field,
    Source,
    Value,
    Confidence,
    LlmGenerated,
    PromptVersion,
    Basis,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for col in [
            ColumnDef::new(Items::ClassifyConfidence)
                .double()
                .null()
                .take(),
            ColumnDef::new(Items::ClassifySource).text().null().take(),
            ColumnDef::new(Items::ReviewState).text().null().take(),
            ColumnDef::new(Items::ReviewReason).text().null().take(),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(Items::Table)
                    .add_column(&mut col)
                    .take(),
            )
            .await?;
        }
        // The review queue lists pending items, most doubtful first.
        m.create_index(
            Index::create()
                .name("idx_items_review")
                .table(Items::Table)
                .col(Items::ReviewState)
                .col(Items::ClassifyConfidence)
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ItemFieldSources::Table)
                .col(
                    ColumnDef::new(ItemFieldSources::ItemId)
                        .string_len(36)
                        .not_null(),
                )
                .col(ColumnDef::new(ItemFieldSources::Field).text().not_null())
                .col(ColumnDef::new(ItemFieldSources::Source).text().not_null())
                // JSON text: a string, number, list or null.
                .col(ColumnDef::new(ItemFieldSources::Value).text().not_null())
                .col(ColumnDef::new(ItemFieldSources::Confidence).double().null())
                .col(
                    ColumnDef::new(ItemFieldSources::LlmGenerated)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(
                    ColumnDef::new(ItemFieldSources::PromptVersion)
                        .text()
                        .null(),
                )
                .col(ColumnDef::new(ItemFieldSources::Basis).text().null())
                .col(
                    ColumnDef::new(ItemFieldSources::UpdatedAt)
                        .big_integer()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(ItemFieldSources::ItemId)
                        .col(ItemFieldSources::Field)
                        .col(ItemFieldSources::Source),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ItemFieldSources::Table, ItemFieldSources::ItemId)
                        .to(Items::Table, Items::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await
    }
}
