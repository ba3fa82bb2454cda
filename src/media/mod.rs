//! Playback: serving files (direct play), subtitles, image placeholders and, later, remux and
//! transcode sessions.

pub mod blurhash;
pub mod direct_play;
pub mod subtitles;
