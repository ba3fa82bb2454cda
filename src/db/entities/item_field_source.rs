use sea_orm::entity::prelude::*;

/// One source's value of one field of an item (DESIGN.md, "Metadata priority").
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "item_field_sources")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub item_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub field: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub source: String,
    /// JSON text.
    pub value: String,
    pub confidence: Option<f64>,
    pub llm_generated: bool,
    pub prompt_version: Option<String>,
    /// Digest of the input the value came from.
    pub basis: Option<String>,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
