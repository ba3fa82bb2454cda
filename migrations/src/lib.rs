//! The catalog schema: frozen DDL, portable across SQLite and PostgreSQL. Forward-only.
//! A migration never imports the server's entities: it describes tables as they were when it
//! was written.

pub use sea_orm_migration::prelude::*;

mod m0001_initial;
mod m0002_sort_name_bytewise;
mod m0003_items_browse_index;
mod m0004_items_listing_speed;
mod m0005_user_configuration;
mod m0006_llm_ledger;
mod m0007_item_image_blurhash;
mod m0008_classification;
mod m0009_tmdb_cache;
mod m0010_item_metadata;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_initial::Migration),
            Box::new(m0002_sort_name_bytewise::Migration),
            Box::new(m0003_items_browse_index::Migration),
            Box::new(m0004_items_listing_speed::Migration),
            Box::new(m0005_user_configuration::Migration),
            Box::new(m0006_llm_ledger::Migration),
            Box::new(m0007_item_image_blurhash::Migration),
            Box::new(m0008_classification::Migration),
            Box::new(m0009_tmdb_cache::Migration),
            Box::new(m0010_item_metadata::Migration),
        ]
    }
}
