use sea_orm_migration::prelude::*;

/// The winning metadata of an item (DESIGN.md, "Metadata priority": every source's value lives
/// in `item_field_sources`, the winner is copied here so serving reads one row).
///
/// On `items`, all nullable: sort title, tagline, genres / studios / tags (JSON text arrays, so
/// one column serves both backends), original language, certification (`OfficialRating`),
/// community rating and vote count, provider ids, which source gave most fields, and the
/// backdrop and logo images (path + tag, like the primary image's `image_path`/`image_tag`).
///
/// `item_people`: cast and crew in billing order (`ord` = position, 0 first), replaced as a
/// whole when metadata is applied; indexed by item (DTOs) and by name (person filters).
///
/// Numbered m0010: m0009 is taken by a migration written in parallel; the two touch different
/// columns and tables, so their order does not matter.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0010_item_metadata"
    }
}

#[derive(DeriveIden)]
enum Items {
    Table,
    Id,
    SortTitle,
    Tagline,
    Genres,
    Studios,
    Tags,
    Language,
    Certification,
    CommunityRating,
    VoteCount,
    TmdbId,
    ImdbId,
    TvdbId,
    MetadataSource,
    BackdropPath,
    BackdropTag,
    LogoPath,
    LogoTag,
}

#[derive(DeriveIden)]
enum ItemPeople {
    Table,
    ItemId,
    Ord,
    Name,
    Kind,
    Role,
    TmdbId,
    ImageUrl,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let text = |c: Items| ColumnDef::new(c).text().null().take();
        // SQLite adds one column per ALTER TABLE.
        for col in [
            text(Items::SortTitle),
            text(Items::Tagline),
            text(Items::Genres),
            text(Items::Studios),
            text(Items::Tags),
            text(Items::Language),
            text(Items::Certification),
            ColumnDef::new(Items::CommunityRating)
                .double()
                .null()
                .take(),
            ColumnDef::new(Items::VoteCount).big_integer().null().take(),
            text(Items::TmdbId),
            text(Items::ImdbId),
            text(Items::TvdbId),
            text(Items::MetadataSource),
            text(Items::BackdropPath),
            text(Items::BackdropTag),
            text(Items::LogoPath),
            text(Items::LogoTag),
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
        m.create_table(
            Table::create()
                .table(ItemPeople::Table)
                .col(ColumnDef::new(ItemPeople::ItemId).string_len(36).not_null())
                .col(ColumnDef::new(ItemPeople::Ord).integer().not_null())
                .col(ColumnDef::new(ItemPeople::Name).text().not_null())
                .col(ColumnDef::new(ItemPeople::Kind).text().not_null())
                .col(ColumnDef::new(ItemPeople::Role).text().null())
                .col(ColumnDef::new(ItemPeople::TmdbId).text().null())
                .col(ColumnDef::new(ItemPeople::ImageUrl).text().null())
                .primary_key(Index::create().col(ItemPeople::ItemId).col(ItemPeople::Ord))
                .foreign_key(
                    ForeignKey::create()
                        .from(ItemPeople::Table, ItemPeople::ItemId)
                        .to(Items::Table, Items::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        // The primary key (item_id, ord) already serves look-ups by item; this one makes the
        // intent explicit and keeps working if the key changes.
        m.create_index(
            Index::create()
                .name("idx_item_people_item")
                .table(ItemPeople::Table)
                .col(ItemPeople::ItemId)
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_item_people_name")
                .table(ItemPeople::Table)
                .col(ItemPeople::Name)
                .take(),
        )
        .await
    }
}
