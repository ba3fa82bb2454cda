//! What changed in the catalog since a moment: the items added, updated or gone, for
//! Jellyfin's `LibraryChanged` push. Every item write sets `updated_at` (milliseconds), so one
//! range query answers it.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::entities::item;
use super::{Catalog, CatalogError};

/// One changed item.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemChange {
    pub id: String,
    pub parent_id: Option<String>,
    pub library_id: String,
    /// Created after the moment asked about (else only updated).
    pub added: bool,
    /// Gone from disk (a missing item is left out of every listing).
    pub removed: bool,
    pub updated_at: i64,
}

/// Items changed after `since_ms` (exclusive), oldest change first, at most `limit`.
pub async fn items_changed_since(
    c: &Catalog,
    since_ms: i64,
    limit: u64,
) -> Result<Vec<ItemChange>, CatalogError> {
    let rows = item::Entity::find()
        .filter(item::Column::UpdatedAt.gt(since_ms))
        .order_by_asc(item::Column::UpdatedAt)
        .limit(limit)
        .all(&c.read)
        .await?;
    Ok(rows
        .into_iter()
        .map(|m| ItemChange {
            added: m.created_at > since_ms,
            removed: m.missing,
            id: m.id,
            parent_id: m.parent_id,
            library_id: m.library_id,
            updated_at: m.updated_at,
        })
        .collect())
}
