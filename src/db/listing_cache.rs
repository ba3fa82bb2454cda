//! What item listings remember between requests, per catalog generation: totals (a page's
//! `TotalRecordCount`, a folder's child count) and where pages start.
//!
//! Counting every matching row costs as much as reading the whole listing (≈ 13 ms for 50,000
//! movies on SQLite), on every page; and an OFFSET deep into a listing walks every index entry
//! before it. On SQLite, triggers (migration m0004) bump `item_generation` in the same
//! transaction as any change to the item columns a listing filters or sorts on, from any
//! connection or process; a value found at generation G is therefore exact for every snapshot
//! that reads G. On PostgreSQL there is no such counter and nothing is remembered.

use std::collections::HashMap;
use std::sync::Mutex;

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use super::CatalogError;

/// Entries kept at most per kind of value; past that, entries of older generations go, then
/// everything.
const CAPACITY: usize = 1024;

/// Filter key → (generation, value).
#[derive(Debug)]
pub struct Memo<V> {
    entries: Mutex<HashMap<String, (i64, V)>>,
}

impl<V> Default for Memo<V> {
    fn default() -> Self {
        Memo {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone> Memo<V> {
    pub fn get(&self, generation: i64, key: &str) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(g, _)| *g == generation)
            .map(|(_, v)| v.clone())
    }

    pub fn put(&self, generation: i64, key: String, value: V) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= CAPACITY && !entries.contains_key(&key) {
            entries.retain(|_, (g, _)| *g == generation);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (generation, value));
    }
}

/// The sort key of the row a page starts with, in the listing's order: the page is then read
/// from there on (`WHERE (sort key) >= start`) instead of after skipping `StartIndex` rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageStart {
    pub sort_name: String,
    /// `COALESCE(year, 2147483647)`, when the order has it.
    pub year_key: i32,
    pub id: String,
}

/// Per catalog.
#[derive(Debug, Default)]
pub struct ListingCache {
    pub totals: Memo<u64>,
    pub page_starts: Memo<PageStart>,
}

/// The catalog's current item generation; `None` where the catalog keeps none (PostgreSQL).
///
/// Read it before the query whose result is remembered: the result is then stored under a
/// generation no newer than the data it read, so a later change always makes the next reader
/// query again.
pub async fn generation(read: &DatabaseConnection) -> Result<Option<i64>, CatalogError> {
    let backend = read.get_database_backend();
    if backend != sea_orm::DatabaseBackend::Sqlite {
        return Ok(None);
    }
    let row = read
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT generation FROM item_generation WHERE id = 1",
        ))
        .await?;
    Ok(match row {
        Some(row) => Some(row.try_get::<i64>("", "generation")?),
        None => None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_value_is_only_returned_for_its_generation() {
        let t = Memo::<u64>::default();
        assert_eq!(t.get(1, "k"), None);
        t.put(1, "k".into(), 7);
        assert_eq!(t.get(1, "k"), Some(7));
        assert_eq!(t.get(2, "k"), None);
        t.put(2, "k".into(), 8);
        assert_eq!(t.get(2, "k"), Some(8));
        assert_eq!(t.get(1, "k"), None);
    }

    #[test]
    fn capacity_drops_older_generations_first() {
        let t = Memo::<u64>::default();
        for i in 0..CAPACITY - 1 {
            t.put(1, format!("old{i}"), i as u64);
        }
        t.put(2, "new".into(), 1);
        // Full: the next new key evicts generation 1, keeps generation 2.
        t.put(2, "newer".into(), 2);
        assert_eq!(t.get(2, "new"), Some(1));
        assert_eq!(t.get(2, "newer"), Some(2));
        assert_eq!(t.get(1, "old0"), None);
        let entries = t.entries.lock().unwrap();
        assert_eq!(entries.len(), 2);
    }
}
