use std::sync::Arc;
use std::time::Instant;

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
}
