use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "media_files")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub item_id: Option<String>,
    pub library_id: String,
    pub path: String,
    pub path_raw: Vec<u8>,
    pub folder: String,
    pub size: i64,
    pub mtime_ns: i64,
    pub fingerprint: Option<String>,
    pub state: String,
    pub duplicate_of: Option<String>,
    pub part_index: Option<i32>,
    pub version_label: Option<String>,
    pub container: Option<String>,
    pub duration_ms: Option<i64>,
    pub bit_rate: Option<i64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub creation_time: Option<String>,
    pub rotation: Option<i32>,
    pub camera_make: Option<String>,
    pub camera_model: Option<String>,
    pub probe_state: String,
    pub probed_at: Option<i64>,
    pub probe_json: Option<String>,
    pub thumbnail_path: Option<String>,
    pub last_error: Option<String>,
    pub first_seen_at: i64,
    pub missing_since: Option<i64>,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
