use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub is_disabled: bool,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
    pub last_activity_at: Option<i64>,
    pub configuration_json: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
