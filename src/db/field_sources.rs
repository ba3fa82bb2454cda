//! Every source's value of an item's fields (DESIGN.md, "Metadata priority"): one row per
//! item × field × source. The winner is copied onto the item elsewhere; these rows let an
//! override be removed, or one source be re-run, exactly.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;

use super::entities::item_field_source;
use super::{execute_on, now_ms, CatalogError};

pub use crate::domain::field_value::{source, FieldValue};

fn from_row(m: item_field_source::Model) -> FieldValue {
    FieldValue {
        // A value that is not JSON (written by hand) reads as the string it is.
        value: serde_json::from_str(&m.value).unwrap_or(Value::String(m.value)),
        field: m.field,
        source: m.source,
        confidence: m.confidence,
        llm_generated: m.llm_generated,
        prompt_version: m.prompt_version,
        basis: m.basis,
        updated_at: m.updated_at,
    }
}

/// Every source's values for one item, by field then source.
pub async fn for_item<C: ConnectionTrait>(
    db: &C,
    item_id: &str,
) -> Result<Vec<FieldValue>, CatalogError> {
    Ok(item_field_source::Entity::find()
        .filter(item_field_source::Column::ItemId.eq(item_id))
        .order_by_asc(item_field_source::Column::Field)
        .order_by_asc(item_field_source::Column::Source)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect())
}

/// One source's values for one item.
pub async fn of_source<C: ConnectionTrait>(
    db: &C,
    item_id: &str,
    source: &str,
) -> Result<Vec<FieldValue>, CatalogError> {
    Ok(item_field_source::Entity::find()
        .filter(item_field_source::Column::ItemId.eq(item_id))
        .filter(item_field_source::Column::Source.eq(source))
        .order_by_asc(item_field_source::Column::Field)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect())
}

/// Makes `values` the whole of `source`'s say on the item's fields in `scope`: fields of the
/// scope it no longer gives are removed, changed ones rewritten, unchanged rows left as they
/// are (so running a source twice writes nothing the second time). The scope keeps two writers
/// of one source apart: classification and metadata both record what the filename and the
/// probe say, each about its own fields.
pub async fn replace_source<C: ConnectionTrait>(
    db: &C,
    item_id: &str,
    source: &str,
    scope: &[&str],
    values: &[FieldValue],
) -> Result<(), CatalogError> {
    let existing = of_source(db, item_id, source).await?;
    for old in &existing {
        if scope.contains(&old.field.as_str()) && !values.iter().any(|v| v.field == old.field) {
            execute_on(
                db,
                "DELETE FROM item_field_sources WHERE item_id = $1 AND field = $2 AND source = $3",
                vec![item_id.into(), old.field.clone().into(), source.into()],
            )
            .await?;
        }
    }
    let now = now_ms();
    for v in values {
        let same = existing.iter().any(|old| {
            old.field == v.field
                && old.value == v.value
                && old.confidence == v.confidence
                && old.llm_generated == v.llm_generated
                && old.prompt_version == v.prompt_version
                && old.basis == v.basis
        });
        if same {
            continue;
        }
        execute_on(
            db,
            "INSERT INTO item_field_sources (item_id, field, source, value, confidence, \
               llm_generated, prompt_version, basis, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (item_id, field, source) DO UPDATE SET value = excluded.value, \
               confidence = excluded.confidence, llm_generated = excluded.llm_generated, \
               prompt_version = excluded.prompt_version, basis = excluded.basis, \
               updated_at = excluded.updated_at",
            vec![
                item_id.into(),
                v.field.clone().into(),
                source.into(),
                v.value.to_string().into(),
                v.confidence.into(),
                v.llm_generated.into(),
                v.prompt_version.clone().into(),
                v.basis.clone().into(),
                now.into(),
            ],
        )
        .await?;
    }
    Ok(())
}
