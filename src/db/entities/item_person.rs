use sea_orm::entity::prelude::*;

/// One person of an item's cast or crew (migration m0010), in billing order.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "item_people")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub item_id: String,
    /// Position in the item's list, 0 first.
    #[sea_orm(primary_key, auto_increment = false)]
    pub ord: i32,
    pub name: String,
    /// `actor`, `guest_star`, `director`, `writer`, `producer`, `composer`, `creator`.
    pub kind: String,
    pub role: Option<String>,
    pub tmdb_id: Option<String>,
    /// Full URL or TMDB file path of a photo.
    pub image_url: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
