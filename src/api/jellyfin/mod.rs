//! The Jellyfin 10.11 wire API (`../shared/api-compat/CLIENT-CONTRACT.md` is the contract):
//! wire rules first — auth header forms, GUID forms, case-insensitive queries, ticks and dates.

pub mod auth_header;
pub mod ids;
pub mod query;
pub mod wire_time;
