//! The classification each item ended with, and the review queue: items classified below the
//! confidence threshold wait (`review_state = 'pending'`) until a person accepts or corrects them.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::entities::item;
use super::{execute_on, now_ms, Catalog, CatalogError};
use crate::domain::Item;

/// Values of `items.review_state`.
pub mod state {
    /// Below the threshold: waiting for a person.
    pub const PENDING: &str = "pending";
    /// A person confirmed what Kinora guessed.
    pub const ACCEPTED: &str = "accepted";
    /// A person changed it.
    pub const CORRECTED: &str = "corrected";
}

/// An item's classification as stored on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    pub confidence: Option<f64>,
    pub source: Option<String>,
    pub review_state: Option<String>,
    /// One reason per entry.
    pub reasons: Vec<String>,
}

fn classification(m: &item::Model) -> Classification {
    Classification {
        confidence: m.classify_confidence,
        source: m.classify_source.clone(),
        review_state: m.review_state.clone(),
        reasons: m
            .review_reason
            .as_deref()
            .map(|r| r.lines().map(str::to_string).collect())
            .unwrap_or_default(),
    }
}

pub async fn classification_of(
    c: &Catalog,
    item_id: &str,
) -> Result<Option<Classification>, CatalogError> {
    Ok(item::Entity::find_by_id(item_id.to_string())
        .one(&c.read)
        .await?
        .map(|m| classification(&m)))
}

/// Stores the outcome of a classification; writes only when something changed.
pub async fn set_classification<C: ConnectionTrait>(
    db: &C,
    item_id: &str,
    new: &Classification,
) -> Result<(), CatalogError> {
    let Some(current) = item::Entity::find_by_id(item_id.to_string())
        .one(db)
        .await?
    else {
        return Ok(());
    };
    // Confidences are compared as stored (f64 from f32 math): exact equality is what makes a
    // second identical run a no-op.
    if classification(&current) == *new {
        return Ok(());
    }
    let reason = (!new.reasons.is_empty()).then(|| new.reasons.join("\n"));
    execute_on(
        db,
        "UPDATE items SET classify_confidence = $1, classify_source = $2, review_state = $3, \
           review_reason = $4, updated_at = $5 WHERE id = $6",
        vec![
            new.confidence.into(),
            new.source.clone().into(),
            new.review_state.clone().into(),
            reason.into(),
            now_ms().into(),
            item_id.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Sets only the review state (a person accepted or corrected the item).
pub async fn set_review_state<C: ConnectionTrait>(
    db: &C,
    item_id: &str,
    review_state: Option<&str>,
) -> Result<(), CatalogError> {
    execute_on(
        db,
        "UPDATE items SET review_state = $1, updated_at = $2 WHERE id = $3",
        vec![
            review_state.map(str::to_string).into(),
            now_ms().into(),
            item_id.into(),
        ],
    )
    .await?;
    Ok(())
}

/// One entry of the review queue.
#[derive(Debug, Clone)]
pub struct ReviewEntry {
    pub item: Item,
    pub classification: Classification,
}

/// Items waiting for review, least sure first, present items only.
pub async fn pending(
    c: &Catalog,
    library_id: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<ReviewEntry>, u64), CatalogError> {
    let mut q = item::Entity::find()
        .filter(item::Column::ReviewState.eq(state::PENDING))
        .filter(item::Column::Missing.eq(false));
    if let Some(lib) = library_id {
        q = q.filter(item::Column::LibraryId.eq(lib));
    }
    let total = q.clone().count(&c.read).await?;
    let rows = q
        .order_by_asc(item::Column::ClassifyConfidence)
        .order_by_asc(item::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(&c.read)
        .await?;
    Ok((
        rows.into_iter()
            .map(|m| ReviewEntry {
                classification: classification(&m),
                item: super::items::to_domain(m),
            })
            .collect(),
        total,
    ))
}

/// Present titles of a library with a probed file that were never classified (catalogued
/// before classification existed, or a crash between the probe and queueing the job).
pub async fn unclassified(c: &Catalog, library_id: &str) -> Result<Vec<String>, CatalogError> {
    #[derive(FromQueryResult)]
    struct Row {
        id: String,
    }
    let stmt = sea_orm::Statement::from_sql_and_values(
        c.backend(),
        "SELECT i.id FROM items i WHERE i.library_id = $1 AND i.classify_source IS NULL \
           AND i.missing = FALSE AND i.kind IN ('movie', 'episode', 'video', 'extra') \
           AND EXISTS (SELECT 1 FROM media_files f WHERE f.item_id = i.id \
             AND f.state = 'active' AND f.probe_state = 'ok')",
        [library_id.into()],
    );
    Ok(Row::find_by_statement(stmt)
        .all(&c.write)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

/// Present items of a library with their kind (titles, series and seasons; not folders), for a
/// library-wide refresh.
pub async fn present_items(
    c: &Catalog,
    library_id: &str,
) -> Result<Vec<(String, String)>, CatalogError> {
    Ok(item::Entity::find()
        .filter(item::Column::LibraryId.eq(library_id))
        .filter(item::Column::Missing.eq(false))
        .filter(item::Column::Kind.ne("folder"))
        .order_by_asc(item::Column::Id)
        .all(&c.read)
        .await?
        .into_iter()
        .map(|m| (m.id, m.kind))
        .collect())
}
