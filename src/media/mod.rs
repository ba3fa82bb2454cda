//! Playback: serving files (direct play) and, later, remux and transcode sessions.

pub mod direct_play;
