//! Playback: serving files (direct play), subtitles and, later, remux and transcode sessions.

pub mod direct_play;
pub mod subtitles;
