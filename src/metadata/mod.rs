//! Metadata providers (tmdb, nfo reader, llm fill) and their merge with per-field sources.

pub mod matching;
pub mod merge;
