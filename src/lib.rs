//! Kinora: a self-hosted video media server that speaks Jellyfin.

pub mod domain;
pub mod media;
pub mod probe;
