//! Kinora: a self-hosted video media server that speaks Jellyfin.
//!
//! The map is `DESIGN.md`; dependency direction: `app` → `api` → (`scanner`, `jobs`,
//! `workers`) → `db` → `domain`/`naming`/`config`.

pub mod api;
pub mod app;
pub mod classify;
pub mod config;
pub mod db;
pub mod domain;
pub mod jobs;
pub mod llm;
pub mod media;
pub mod metadata;
pub mod naming;
pub mod probe;
pub mod process;
pub mod scanner;
pub mod workers;
