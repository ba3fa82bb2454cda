//! SeaORM entities: catalog rows. Never serialised to a client; the API maps them to its own DTOs.

pub mod access_token;
pub mod api_key;
pub mod device;
pub mod item;
pub mod item_field_source;
pub mod item_person;
pub mod job;
pub mod library;
pub mod media_file;
pub mod media_stream;
pub mod server_meta;
pub mod tmdb_cache;
pub mod user;
pub mod user_item_data;
