//! `LibraryChanged` pushes: clients (jellyfin-web's home screen, Kodi's sync) refresh what
//! they show when items are added, changed or removed, instead of polling.
//!
//! Every item write sets `updated_at`, so a notifier task asks the catalog every
//! [`POLL_EVERY`] what changed since the last change it saw and broadcasts one message for the
//! batch, as Jellyfin batches its library updates. While no socket is connected it only
//! moves its mark forward: nobody is told about changes from before they connected.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{json, Value};

use super::ids::to_wire;
use super::socket::Push;
use crate::api::AppState;
use crate::db::changes::{self, ItemChange};
use crate::db::libraries::Library;
use crate::db::now_ms;

const POLL_EVERY: Duration = Duration::from_secs(2);
/// Changes told per message; a larger batch (a first scan) continues in the next round.
const BATCH: u64 = 2_000;

/// Starts the notifier; it runs as long as the server.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut since = now_ms();
        let mut tick = tokio::time::interval(POLL_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if state.pushes.receiver_count() == 0 {
                since = now_ms();
                continue;
            }
            match changes::items_changed_since(&state.catalog, since, BATCH).await {
                Ok(batch) => {
                    let Some(last) = batch.last() else { continue };
                    since = last.updated_at;
                    let data = update_info(&batch, state.scanner.libraries());
                    tracing::debug!(items = batch.len(), "library changed");
                    // No receiver is not an error: the last socket just closed.
                    let _ = state.pushes.send(Push {
                        user_id: None,
                        message_type: "LibraryChanged",
                        data,
                    });
                }
                Err(e) => tracing::warn!(error = %e, "cannot read catalog changes"),
            }
        }
    })
}

/// Jellyfin's `LibraryUpdateInfo` for a batch of changes.
pub fn update_info(batch: &[ItemChange], libraries: &[Library]) -> Value {
    let mut added = BTreeSet::new();
    let mut updated = BTreeSet::new();
    let mut removed = BTreeSet::new();
    let mut folders_added_to = BTreeSet::new();
    let mut folders_removed_from = BTreeSet::new();
    let mut collections = BTreeSet::new();
    for c in batch {
        let id = to_wire(&c.id);
        let parent = c.parent_id.as_deref().map(to_wire);
        if c.removed {
            removed.insert(id);
            folders_removed_from.extend(parent);
        } else if c.added {
            added.insert(id);
            folders_added_to.extend(parent);
        } else {
            updated.insert(id);
        }
        if let Some(lib) = libraries.iter().find(|l| l.id == c.library_id) {
            collections.insert(to_wire(&lib.root_item_id));
        }
    }
    json!({
        "FoldersAddedTo": folders_added_to,
        "FoldersRemovedFrom": folders_removed_from,
        "ItemsAdded": added,
        "ItemsRemoved": removed,
        "ItemsUpdated": updated,
        "CollectionFolders": collections,
        "IsEmpty": batch.is_empty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(id: &str, added: bool, removed: bool) -> ItemChange {
        ItemChange {
            id: format!("00000000-0000-0000-0000-00000000000{id}"),
            parent_id: Some("00000000-0000-0000-0000-0000000000ff".into()),
            library_id: "lib".into(),
            added,
            removed,
            updated_at: 1,
        }
    }

    #[test]
    fn a_batch_splits_into_added_updated_and_removed() {
        let info = update_info(
            &[
                change("1", true, false),
                change("2", false, false),
                change("3", true, true),
            ],
            &[],
        );
        assert_eq!(
            info["ItemsAdded"],
            json!(["00000000000000000000000000000001"])
        );
        assert_eq!(
            info["ItemsUpdated"],
            json!(["00000000000000000000000000000002"])
        );
        assert_eq!(
            info["ItemsRemoved"],
            json!(["00000000000000000000000000000003"])
        );
        assert_eq!(
            info["FoldersAddedTo"],
            json!(["000000000000000000000000000000ff"])
        );
        assert_eq!(info["IsEmpty"], false);
    }
}
