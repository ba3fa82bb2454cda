//! Plain domain values shared by every layer: ids, kinds, media facts.
//! Nothing here knows about the database, HTTP or ffmpeg.

pub mod media_info;

pub use media_info::{MediaInfo, StreamInfo, StreamKind};
