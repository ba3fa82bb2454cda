//! Metadata providers (tmdb, nfo reader, llm fill) and their merge with per-field sources
//! (DESIGN.md, "Metadata priority"). Each provider maps what it knows into
//! [`crate::domain::metadata::Metadata`]; which source wins each field is decided by the merge.

pub mod llm_fill;
pub mod matching;
pub mod merge;
pub mod nfo;
pub mod tmdb;
