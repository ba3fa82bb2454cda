//! HTTP surfaces: the native `/api/v1` API (and, later, the Jellyfin API). Handlers read the
//! catalog, enqueue jobs and return; they never wait for a worker.

pub mod access_log;
pub mod error;
pub mod hot_cache;
pub mod item_stream;
pub mod jellyfin;
pub mod native;
pub mod state;
pub mod stream_front;

pub use error::ApiError;
pub use state::AppState;
