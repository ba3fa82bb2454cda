use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::hot_cache::TtlCache;
use crate::db::sessions::Session;

use crate::config::Config;
use crate::db::Catalog;
use crate::jobs::JobQueue;
use crate::scanner::Scanner;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub catalog: Catalog,
    pub jobs: JobQueue,
    pub scanner: Scanner,
    /// Secret written to the data dir for the CLI on this machine (`kinora scan` asks the
    /// running server through the API with it). Accepted like an API key; never logged.
    pub control_token: Arc<String>,
    pub started: Instant,
    /// Valid API keys by hash → key name, for a few seconds (see `hot_cache`).
    pub key_cache: Arc<TtlCache<String, String>>,
    /// (item id, requested file id) → the file that plays, for a few seconds.
    pub stream_cache: Arc<TtlCache<(String, Option<String>), PathBuf>>,
    /// Jellyfin access tokens by hash → session, for a few seconds.
    pub session_cache: Arc<TtlCache<String, Session>>,
    /// The Jellyfin `ServerId`: 32 hex digits, stored in the catalog, the same everywhere.
    pub server_id: Arc<String>,
    /// Failed logins per user name, for rate limiting.
    pub login_failures: Arc<TtlCache<String, u32>>,
    /// Messages for Jellyfin WebSocket clients (`UserDataChanged`…).
    pub pushes: tokio::sync::broadcast::Sender<crate::api::jellyfin::socket::Push>,
    /// What each device is playing (from its playback reports).
    pub now_playing: Arc<crate::api::jellyfin::now_playing::NowPlaying>,
    /// The LLM router: provider states and the usage ledger.
    pub llm: Arc<crate::llm::Router>,
}

impl AppState {
    pub fn new(
        config: Arc<Config>,
        catalog: Catalog,
        jobs: JobQueue,
        scanner: Scanner,
        control_token: String,
        server_id: String,
        llm: Arc<crate::llm::Router>,
    ) -> AppState {
        AppState {
            config,
            catalog,
            jobs,
            scanner,
            control_token: Arc::new(control_token),
            started: Instant::now(),
            // Short enough that a revoked key or a moved file is noticed within seconds.
            key_cache: Arc::new(TtlCache::new(Duration::from_secs(10), 1024)),
            stream_cache: Arc::new(TtlCache::new(Duration::from_secs(10), 4096)),
            session_cache: Arc::new(TtlCache::new(Duration::from_secs(10), 4096)),
            server_id: Arc::new(server_id),
            login_failures: Arc::new(TtlCache::new(Duration::from_secs(300), 4096)),
            pushes: tokio::sync::broadcast::channel(256).0,
            now_playing: Arc::default(),
            llm,
        }
    }
}
