//! Metadata providers (tmdb, nfo reader, llm fill) and their merge with per-field sources
//! (DESIGN.md, "Metadata priority"). Each provider maps what it knows into
//! [`crate::domain::metadata::Metadata`]; which source wins each field is decided by the merge.

pub mod tmdb;
