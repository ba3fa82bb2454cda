//! NFO + JSON writers, images.
//!
//! Rendering is pure (`nfo_writer`, `json`); `write` puts a rendered sidecar beside the media,
//! atomically and only where the library's policy and the file's author allow.

pub mod json;
pub mod nfo_writer;
pub mod write;
