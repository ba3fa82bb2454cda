//! Metadata providers (tmdb, nfo reader, llm fill) and their merge with per-field sources.

pub mod llm_fill;
pub mod matching;
pub mod merge;
pub mod nfo;
