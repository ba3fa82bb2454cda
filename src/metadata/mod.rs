//! Metadata providers (tmdb, nfo reader, llm fill) and their merge with per-field sources.

pub mod nfo;
