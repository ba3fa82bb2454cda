//! Playback: serving files (direct play) and, later, remux and transcode sessions.

pub mod direct_play;
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
pub mod sendfile;
