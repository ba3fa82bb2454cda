//! Finding files: the walk, the fingerprint, reconciling what is on disk with the catalog, and
//! the filesystem watcher. Discovery is walk + stat only; fingerprints and identities are
//! computed by the `identify` job, probes by `probe` jobs.

pub mod fingerprint;
mod reconcile;
pub mod walk;
pub mod watcher;

pub use reconcile::{ScanReport, ScanStatus, Scanner};
