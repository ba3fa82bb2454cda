//! Finding files: the walk, the fingerprint, reconciling what is on disk with the catalog, and
//! the filesystem watcher.

pub mod fingerprint;
pub mod walk;
