//! Per-user item state: played, resume position, play count, favourite. Watch history hangs
//! off `item.id`, which survives moves and upgrades.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};

use super::entities::user_item_data;
use super::{now_ms, Catalog, CatalogError};
use crate::domain::UserItemData;

fn to_domain(m: user_item_data::Model) -> UserItemData {
    UserItemData {
        played: m.played,
        playback_position_ticks: m.playback_position_ticks,
        play_count: m.play_count,
        is_favorite: m.is_favorite,
        last_played_at: m.last_played_at,
    }
}

pub async fn for_items(
    c: &Catalog,
    user_id: &str,
    item_ids: &[String],
) -> Result<HashMap<String, UserItemData>, CatalogError> {
    if item_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut out = HashMap::new();
    for chunk in item_ids.chunks(500) {
        let rows = user_item_data::Entity::find()
            .filter(user_item_data::Column::UserId.eq(user_id))
            .filter(user_item_data::Column::ItemId.is_in(chunk.iter().cloned()))
            .all(&c.read)
            .await?;
        for r in rows {
            out.insert(r.item_id.clone(), to_domain(r));
        }
    }
    Ok(out)
}

pub async fn get(c: &Catalog, user_id: &str, item_id: &str) -> Result<UserItemData, CatalogError> {
    Ok(for_items(c, user_id, &[item_id.to_string()])
        .await?
        .remove(item_id)
        .unwrap_or_default())
}

/// Writes the whole state of one (user, item) pair.
pub async fn save(
    c: &Catalog,
    user_id: &str,
    item_id: &str,
    d: &UserItemData,
) -> Result<(), CatalogError> {
    super::execute(
        &c.write,
        "INSERT INTO user_item_data (user_id, item_id, played, playback_position_ticks, play_count, \
           is_favorite, last_played_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (user_id, item_id) DO UPDATE SET played = excluded.played, \
           playback_position_ticks = excluded.playback_position_ticks, play_count = excluded.play_count, \
           is_favorite = excluded.is_favorite, last_played_at = excluded.last_played_at, \
           updated_at = excluded.updated_at",
        vec![
            user_id.into(),
            item_id.into(),
            d.played.into(),
            d.playback_position_ticks.into(),
            d.play_count.into(),
            d.is_favorite.into(),
            d.last_played_at.into(),
            now_ms().into(),
        ],
    )
    .await?;
    Ok(())
}

/// Episode counts under series or seasons: container id → (episodes, played episodes).
pub async fn episode_counts(
    c: &Catalog,
    user_id: &str,
    container_ids: &[String],
) -> Result<HashMap<String, (i64, i64)>, CatalogError> {
    let mut out = HashMap::new();
    if container_ids.is_empty() {
        return Ok(out);
    }
    for chunk in container_ids.chunks(200) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let list = placeholders.join(", ");
        let mut values: Vec<sea_orm::Value> = vec![user_id.into()];
        values.extend(chunk.iter().map(|id| id.clone().into()));
        // Seasons: episodes directly under them; series: episodes under their seasons.
        let sql = format!(
            "SELECT owner, COUNT(*) AS total, \
               SUM(CASE WHEN played THEN 1 ELSE 0 END) AS played FROM ( \
               SELECT e.parent_id AS owner, COALESCE(d.played, FALSE) AS played FROM items e \
                 LEFT JOIN user_item_data d ON d.item_id = e.id AND d.user_id = $1 \
                 WHERE e.kind = 'episode' AND e.missing = FALSE AND e.parent_id IN ({list}) \
               UNION ALL \
               SELECT s.parent_id AS owner, COALESCE(d.played, FALSE) AS played FROM items e \
                 JOIN items s ON e.parent_id = s.id \
                 LEFT JOIN user_item_data d ON d.item_id = e.id AND d.user_id = $1 \
                 WHERE e.kind = 'episode' AND e.missing = FALSE AND s.parent_id IN ({list}) \
             ) counted GROUP BY owner"
        );
        let stmt = Statement::from_sql_and_values(c.read.get_database_backend(), &sql, values);
        for row in c.read.query_all_raw(stmt).await? {
            let owner: String = row.try_get("", "owner")?;
            let total: i64 = row.try_get("", "total")?;
            let played: i64 = row.try_get::<Option<i64>>("", "played")?.unwrap_or(0);
            out.insert(owner, (total, played));
        }
    }
    Ok(out)
}
