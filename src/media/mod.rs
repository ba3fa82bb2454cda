//! Playback: serving files (direct play, zero-copy on Linux), subtitles, image placeholders
//! and, later, remux and transcode sessions.

pub mod blurhash;
pub mod direct_play;
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
pub mod sendfile;
pub mod subtitles;
