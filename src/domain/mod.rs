//! Plain domain values shared by every layer: ids, kinds, media facts.
//! Nothing here knows about the database, HTTP or ffmpeg.

pub mod catalog;
pub mod field_value;
pub mod language;
pub mod media_info;
pub mod metadata;
pub mod playstate;

pub use catalog::{Device, Item, ItemKind, JobRecord, MediaFile, StoredStream, User, UserItemData};
pub use media_info::{MediaInfo, StreamInfo, StreamKind};
