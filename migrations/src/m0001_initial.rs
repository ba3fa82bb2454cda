use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_initial"
    }
}

// Ids are UUIDs stored as text (portable, readable in a SQL shell). Times are integer
// milliseconds since the epoch, except file mtimes, which are integer nanoseconds because
// PostgreSQL timestamps round to microseconds and a changed mtime must never look unchanged.

#[derive(DeriveIden)]
enum ServerMeta {
    Table,
    Key,
    Value,
}

#[derive(DeriveIden)]
enum Libraries {
    Table,
    Id,
    Name,
    Path,
    Kind,
    CreatedAt,
    UpdatedAt,
    LastScanAt,
}

#[derive(DeriveIden)]
enum Items {
    Table,
    Id,
    LibraryId,
    ParentId,
    OwnerId,
    Kind,
    ExtraType,
    Name,
    SortName,
    OriginalTitle,
    Year,
    SeasonNumber,
    EpisodeNumber,
    EpisodeNumberEnd,
    IdentityKey,
    Folder,
    Overview,
    RuntimeMs,
    PremiereDate,
    ImagePath,
    ImageTag,
    Missing,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MediaFiles {
    Table,
    Id,
    ItemId,
    LibraryId,
    Path,
    PathRaw,
    Folder,
    Size,
    MtimeNs,
    Fingerprint,
    State,
    DuplicateOf,
    PartIndex,
    VersionLabel,
    Container,
    DurationMs,
    BitRate,
    Width,
    Height,
    CreationTime,
    Rotation,
    CameraMake,
    CameraModel,
    ProbeState,
    ProbedAt,
    ProbeJson,
    ThumbnailPath,
    LastError,
    FirstSeenAt,
    MissingSince,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MediaStreams {
    Table,
    Id,
    MediaFileId,
    StreamIndex,
    Kind,
    Codec,
    Profile,
    Level,
    Width,
    Height,
    FrameRate,
    BitRate,
    BitDepth,
    PixelFormat,
    Language,
    Title,
    Channels,
    ChannelLayout,
    SampleRate,
    IsDefault,
    IsForced,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Name,
    PasswordHash,
    IsAdmin,
    IsDisabled,
    CreatedAt,
    LastLoginAt,
    LastActivityAt,
}

#[derive(DeriveIden)]
enum Devices {
    Table,
    Id,
    UserId,
    DeviceId,
    DeviceName,
    Client,
    AppVersion,
    CapabilitiesJson,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum AccessTokens {
    Table,
    Id,
    TokenHash,
    UserId,
    DeviceRowId,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum UserItemData {
    Table,
    UserId,
    ItemId,
    Played,
    PlaybackPositionTicks,
    PlayCount,
    IsFavorite,
    LastPlayedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    Name,
    KeyHash,
    KeyPrefix,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    Payload,
    DedupeKey,
    SubjectId,
    State,
    Priority,
    Attempts,
    MaxAttempts,
    RunAfter,
    LeaseOwner,
    LeaseUntil,
    Requeue,
    LastError,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
}

fn id_col<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .string_len(36)
        .not_null()
        .primary_key()
        .take()
}

fn ref_col<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).string_len(36).not_null().take()
}

fn opt_ref_col<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).string_len(36).null().take()
}

fn text<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).text().not_null().take()
}

fn opt_text<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).text().null().take()
}

fn int<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().default(0).take()
}

fn opt_int<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).integer().null().take()
}

fn big<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .default(0)
        .take()
}

fn opt_big<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).big_integer().null().take()
}

fn flag<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .boolean()
        .not_null()
        .default(false)
        .take()
}

fn fk(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(on_delete)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // SQLite migrations are not transactional by default in sea-orm-migration; a half-applied
    // schema after a crash is worse than a slower first start.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ServerMeta::Table)
                .col(
                    ColumnDef::new(ServerMeta::Key)
                        .string_len(64)
                        .not_null()
                        .primary_key(),
                )
                .col(text(ServerMeta::Value))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Libraries::Table)
                .col(id_col(Libraries::Id))
                .col(text(Libraries::Name))
                .col(text(Libraries::Path))
                .col(text(Libraries::Kind))
                .col(big(Libraries::CreatedAt))
                .col(big(Libraries::UpdatedAt))
                .col(opt_big(Libraries::LastScanAt))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Items::Table)
                .col(id_col(Items::Id))
                .col(ref_col(Items::LibraryId))
                .col(opt_ref_col(Items::ParentId))
                .col(opt_ref_col(Items::OwnerId))
                .col(text(Items::Kind))
                .col(opt_text(Items::ExtraType))
                .col(text(Items::Name))
                .col(text(Items::SortName))
                .col(opt_text(Items::OriginalTitle))
                .col(opt_int(Items::Year))
                .col(opt_int(Items::SeasonNumber))
                .col(opt_int(Items::EpisodeNumber))
                .col(opt_int(Items::EpisodeNumberEnd))
                .col(opt_text(Items::IdentityKey))
                .col(opt_text(Items::Folder))
                .col(opt_text(Items::Overview))
                .col(opt_big(Items::RuntimeMs))
                .col(opt_text(Items::PremiereDate))
                .col(opt_text(Items::ImagePath))
                .col(opt_text(Items::ImageTag))
                .col(flag(Items::Missing))
                .col(big(Items::CreatedAt))
                .col(big(Items::UpdatedAt))
                .foreign_key(&mut fk(
                    Items::Table,
                    Items::LibraryId,
                    Libraries::Table,
                    Libraries::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    Items::Table,
                    Items::ParentId,
                    Items::Table,
                    Items::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    Items::Table,
                    Items::OwnerId,
                    Items::Table,
                    Items::Id,
                    ForeignKeyAction::SetNull,
                ))
                .take(),
        )
        .await?;
        for (name, cols) in [
            (
                "idx_items_library_kind_sort",
                vec![Items::LibraryId, Items::Kind, Items::SortName],
            ),
            (
                "idx_items_parent_sort",
                vec![Items::ParentId, Items::SortName],
            ),
            (
                "idx_items_kind_sort",
                vec![Items::Kind, Items::SortName, Items::Id],
            ),
            (
                "idx_items_identity",
                vec![Items::LibraryId, Items::IdentityKey],
            ),
            ("idx_items_owner", vec![Items::OwnerId]),
        ] {
            let mut idx = Index::create().name(name).table(Items::Table).take();
            for c in cols {
                idx.col(c);
            }
            m.create_index(idx).await?;
        }

        m.create_table(
            Table::create()
                .table(MediaFiles::Table)
                .col(id_col(MediaFiles::Id))
                .col(opt_ref_col(MediaFiles::ItemId))
                .col(ref_col(MediaFiles::LibraryId))
                .col(text(MediaFiles::Path))
                // Exact bytes of the path: names need not be valid UTF-8.
                .col(ColumnDef::new(MediaFiles::PathRaw).binary().not_null())
                .col(text(MediaFiles::Folder))
                .col(big(MediaFiles::Size))
                .col(big(MediaFiles::MtimeNs))
                .col(opt_text(MediaFiles::Fingerprint))
                .col(text(MediaFiles::State))
                .col(opt_ref_col(MediaFiles::DuplicateOf))
                .col(opt_int(MediaFiles::PartIndex))
                .col(opt_text(MediaFiles::VersionLabel))
                .col(opt_text(MediaFiles::Container))
                .col(opt_big(MediaFiles::DurationMs))
                .col(opt_big(MediaFiles::BitRate))
                .col(opt_int(MediaFiles::Width))
                .col(opt_int(MediaFiles::Height))
                .col(opt_text(MediaFiles::CreationTime))
                .col(opt_int(MediaFiles::Rotation))
                .col(opt_text(MediaFiles::CameraMake))
                .col(opt_text(MediaFiles::CameraModel))
                .col(text(MediaFiles::ProbeState))
                .col(opt_big(MediaFiles::ProbedAt))
                .col(opt_text(MediaFiles::ProbeJson))
                .col(opt_text(MediaFiles::ThumbnailPath))
                .col(opt_text(MediaFiles::LastError))
                .col(big(MediaFiles::FirstSeenAt))
                .col(opt_big(MediaFiles::MissingSince))
                .col(big(MediaFiles::UpdatedAt))
                .foreign_key(&mut fk(
                    MediaFiles::Table,
                    MediaFiles::ItemId,
                    Items::Table,
                    Items::Id,
                    ForeignKeyAction::SetNull,
                ))
                .foreign_key(&mut fk(
                    MediaFiles::Table,
                    MediaFiles::LibraryId,
                    Libraries::Table,
                    Libraries::Id,
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_media_files_path_raw")
                .table(MediaFiles::Table)
                .col(MediaFiles::PathRaw)
                .unique()
                .take(),
        )
        .await?;
        for (name, cols) in [
            ("idx_media_files_item", vec![MediaFiles::ItemId]),
            ("idx_media_files_fingerprint", vec![MediaFiles::Fingerprint]),
            (
                "idx_media_files_library_state",
                vec![MediaFiles::LibraryId, MediaFiles::State],
            ),
            (
                "idx_media_files_folder",
                vec![MediaFiles::LibraryId, MediaFiles::Folder],
            ),
        ] {
            let mut idx = Index::create().name(name).table(MediaFiles::Table).take();
            for c in cols {
                idx.col(c);
            }
            m.create_index(idx).await?;
        }

        m.create_table(
            Table::create()
                .table(MediaStreams::Table)
                .col(
                    ColumnDef::new(MediaStreams::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ref_col(MediaStreams::MediaFileId))
                .col(int(MediaStreams::StreamIndex))
                .col(text(MediaStreams::Kind))
                .col(opt_text(MediaStreams::Codec))
                .col(opt_text(MediaStreams::Profile))
                .col(opt_int(MediaStreams::Level))
                .col(opt_int(MediaStreams::Width))
                .col(opt_int(MediaStreams::Height))
                .col(ColumnDef::new(MediaStreams::FrameRate).double().null())
                .col(opt_big(MediaStreams::BitRate))
                .col(opt_int(MediaStreams::BitDepth))
                .col(opt_text(MediaStreams::PixelFormat))
                .col(opt_text(MediaStreams::Language))
                .col(opt_text(MediaStreams::Title))
                .col(opt_int(MediaStreams::Channels))
                .col(opt_text(MediaStreams::ChannelLayout))
                .col(opt_int(MediaStreams::SampleRate))
                .col(flag(MediaStreams::IsDefault))
                .col(flag(MediaStreams::IsForced))
                .foreign_key(&mut fk(
                    MediaStreams::Table,
                    MediaStreams::MediaFileId,
                    MediaFiles::Table,
                    MediaFiles::Id,
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_media_streams_file")
                .table(MediaStreams::Table)
                .col(MediaStreams::MediaFileId)
                .col(MediaStreams::StreamIndex)
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(id_col(Users::Id))
                .col(
                    ColumnDef::new(Users::Name)
                        .string_len(255)
                        .not_null()
                        .unique_key(),
                )
                .col(text(Users::PasswordHash))
                .col(flag(Users::IsAdmin))
                .col(flag(Users::IsDisabled))
                .col(big(Users::CreatedAt))
                .col(opt_big(Users::LastLoginAt))
                .col(opt_big(Users::LastActivityAt))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Devices::Table)
                .col(id_col(Devices::Id))
                .col(ref_col(Devices::UserId))
                .col(ColumnDef::new(Devices::DeviceId).string_len(255).not_null())
                .col(text(Devices::DeviceName))
                .col(text(Devices::Client))
                .col(text(Devices::AppVersion))
                .col(opt_text(Devices::CapabilitiesJson))
                .col(big(Devices::LastSeenAt))
                .foreign_key(&mut fk(
                    Devices::Table,
                    Devices::UserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_devices_user_device")
                .table(Devices::Table)
                .col(Devices::UserId)
                .col(Devices::DeviceId)
                .unique()
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AccessTokens::Table)
                .col(id_col(AccessTokens::Id))
                .col(
                    ColumnDef::new(AccessTokens::TokenHash)
                        .string_len(64)
                        .not_null()
                        .unique_key(),
                )
                .col(ref_col(AccessTokens::UserId))
                .col(ref_col(AccessTokens::DeviceRowId))
                .col(big(AccessTokens::CreatedAt))
                .col(big(AccessTokens::LastUsedAt))
                .col(opt_big(AccessTokens::RevokedAt))
                .foreign_key(&mut fk(
                    AccessTokens::Table,
                    AccessTokens::UserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    AccessTokens::Table,
                    AccessTokens::DeviceRowId,
                    Devices::Table,
                    Devices::Id,
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UserItemData::Table)
                .col(ref_col(UserItemData::UserId))
                .col(ref_col(UserItemData::ItemId))
                .col(flag(UserItemData::Played))
                .col(big(UserItemData::PlaybackPositionTicks))
                .col(int(UserItemData::PlayCount))
                .col(flag(UserItemData::IsFavorite))
                .col(opt_big(UserItemData::LastPlayedAt))
                .col(big(UserItemData::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(UserItemData::UserId)
                        .col(UserItemData::ItemId),
                )
                .foreign_key(&mut fk(
                    UserItemData::Table,
                    UserItemData::UserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    UserItemData::Table,
                    UserItemData::ItemId,
                    Items::Table,
                    Items::Id,
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApiKeys::Table)
                .col(id_col(ApiKeys::Id))
                .col(text(ApiKeys::Name))
                .col(
                    ColumnDef::new(ApiKeys::KeyHash)
                        .string_len(64)
                        .not_null()
                        .unique_key(),
                )
                .col(text(ApiKeys::KeyPrefix))
                .col(big(ApiKeys::CreatedAt))
                .col(opt_big(ApiKeys::LastUsedAt))
                .col(opt_big(ApiKeys::RevokedAt))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Jobs::Table)
                .col(
                    ColumnDef::new(Jobs::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(text(Jobs::Kind))
                .col(text(Jobs::Payload))
                .col(
                    ColumnDef::new(Jobs::DedupeKey)
                        .string_len(255)
                        .not_null()
                        .unique_key(),
                )
                .col(opt_text(Jobs::SubjectId))
                .col(text(Jobs::State))
                .col(int(Jobs::Priority))
                .col(int(Jobs::Attempts))
                .col(int(Jobs::MaxAttempts))
                .col(big(Jobs::RunAfter))
                .col(opt_text(Jobs::LeaseOwner))
                .col(opt_big(Jobs::LeaseUntil))
                .col(flag(Jobs::Requeue))
                .col(opt_text(Jobs::LastError))
                .col(big(Jobs::CreatedAt))
                .col(big(Jobs::UpdatedAt))
                .col(opt_big(Jobs::FinishedAt))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_jobs_claim")
                .table(Jobs::Table)
                .col(Jobs::State)
                .col(Jobs::Priority)
                .col(Jobs::RunAfter)
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_jobs_subject")
                .table(Jobs::Table)
                .col(Jobs::SubjectId)
                .take(),
        )
        .await?;
        Ok(())
    }
}
