//! Winning metadata on items (DESIGN.md, "Metadata priority"): the enrichment job decides, per
//! field, which source wins and hands the winners here; they are copied onto the item row and
//! its people so that serving reads one row (plus one query per page for people). Every
//! source's own value stays in `item_field_sources` ([`super::field_sources`]).
//!
//! Fields only enrichment fills (overview, original title, premiere date, tagline, genres…) are
//! replaced as given: a `None` or empty list clears them, so removing an override is exact.
//! Fields the scanner and probe already know (name, year, runtime) are only overwritten with a
//! value, and the runtime only when no file of the item has a probed duration.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    Statement, TransactionSession, TransactionTrait,
};

use super::entities::{item, item_person};
use super::items::{BrowseQuery, ItemKind};
use super::{execute_on, now_ms, Catalog, CatalogError};
use crate::domain::metadata::{ImageKind, Metadata, Person, PersonKind};

/// Reads a JSON text array column; a value that is not one (written by hand) reads as empty.
pub fn json_list(raw: Option<&str>) -> Vec<String> {
    raw.and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_default()
}

/// A list as stored: JSON text, or NULL when empty (so "no genres" is one value, not two).
fn list_json(values: &[String]) -> Option<String> {
    let cleaned: Vec<&str> = values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    serde_json::to_string(&cleaned).ok()
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

pub fn person_kind_str(kind: PersonKind) -> &'static str {
    match kind {
        PersonKind::Actor => "actor",
        PersonKind::GuestStar => "guest_star",
        PersonKind::Director => "director",
        PersonKind::Writer => "writer",
        PersonKind::Producer => "producer",
        PersonKind::Composer => "composer",
        PersonKind::Creator => "creator",
    }
}

/// An unknown kind (a newer schema) reads as an actor, the most common one.
pub fn parse_person_kind(s: &str) -> PersonKind {
    match s {
        "guest_star" => PersonKind::GuestStar,
        "director" => PersonKind::Director,
        "writer" => PersonKind::Writer,
        "producer" => PersonKind::Producer,
        "composer" => PersonKind::Composer,
        "creator" => PersonKind::Creator,
        _ => PersonKind::Actor,
    }
}

/// What one person row holds, for comparing stored and new people.
type PersonRow = (
    String,
    &'static str,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn person_row(p: &Person) -> Option<PersonRow> {
    let name = p.name.trim();
    if name.is_empty() {
        return None;
    }
    Some((
        name.to_string(),
        person_kind_str(p.kind),
        non_empty(&p.role),
        non_empty(&p.tmdb_id),
        non_empty(&p.image),
    ))
}

fn person_of(m: item_person::Model) -> Person {
    Person {
        name: m.name,
        kind: parse_person_kind(&m.kind),
        role: m.role,
        order: Some(m.ord),
        tmdb_id: m.tmdb_id,
        image: m.image_url,
    }
}

/// Sets `field` on the active model when the new value differs from the stored one.
macro_rules! put {
    ($am:ident, $row:ident, $changed:ident, $field:ident, $value:expr) => {{
        let value = $value;
        if $row.$field != value {
            $am.$field = Set(value);
            $changed = true;
        }
    }};
}

/// Writes the winning values onto the item and replaces its people, in one short transaction
/// (no await on anything but the catalog inside it). `source` is the source that gave most
/// fields (`tmdb`, `nfo`, `llm`, `user`, `filename`), shown to people as `metadata_source`.
///
/// Idempotent: nothing is written, and `updated_at` (the DTOs' `Etag`) is left alone, when the
/// item already holds these values. Returns whether anything changed. An unknown item is
/// [`CatalogError::NotFound`].
pub async fn apply<C>(
    db: &C,
    item_id: &str,
    winners: &Metadata,
    source: &str,
) -> Result<bool, CatalogError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = db.begin().await?;
    let row = item::Entity::find_by_id(item_id.to_string())
        .one(&txn)
        .await?
        .ok_or_else(|| CatalogError::NotFound(format!("item {item_id}")))?;
    let kind = ItemKind::parse(&row.kind).unwrap_or(ItemKind::Folder);
    let mut am: item::ActiveModel = row.clone().into();
    let mut changed = false;

    // A library root keeps its library's name.
    let renamable = !(kind == ItemKind::Folder && row.parent_id.is_none());
    let name = match non_empty(&winners.title) {
        Some(title) if renamable => title,
        _ => row.name.clone(),
    };
    let sort_title = non_empty(&winners.sort_title);
    // Seasons and episodes sort by number (see items::create); everything else by title.
    let sort_name = match kind {
        ItemKind::Season | ItemKind::Episode => row.sort_name.clone(),
        _ if renamable => crate::naming::sort_key(sort_title.as_deref().unwrap_or(&name)),
        _ => row.sort_name.clone(),
    };
    put!(am, row, changed, name, name);
    put!(am, row, changed, sort_name, sort_name);
    put!(am, row, changed, sort_title, sort_title);
    put!(
        am,
        row,
        changed,
        original_title,
        non_empty(&winners.original_title)
    );
    put!(am, row, changed, year, winners.year.or(row.year));
    put!(
        am,
        row,
        changed,
        premiere_date,
        non_empty(&winners.premiere_date)
    );
    put!(am, row, changed, overview, non_empty(&winners.overview));
    put!(am, row, changed, tagline, non_empty(&winners.tagline));
    put!(am, row, changed, genres, list_json(&winners.genres));
    put!(am, row, changed, studios, list_json(&winners.studios));
    put!(am, row, changed, tags, list_json(&winners.tags));
    put!(am, row, changed, language, non_empty(&winners.language));
    put!(
        am,
        row,
        changed,
        certification,
        non_empty(&winners.certification)
    );
    put!(
        am,
        row,
        changed,
        community_rating,
        winners.rating.filter(|r| r.is_finite())
    );
    put!(am, row, changed, vote_count, winners.vote_count);
    put!(am, row, changed, tmdb_id, non_empty(&winners.ids.tmdb));
    put!(am, row, changed, imdb_id, non_empty(&winners.ids.imdb));
    put!(am, row, changed, tvdb_id, non_empty(&winners.ids.tvdb));
    put!(
        am,
        row,
        changed,
        metadata_source,
        Some(source.trim().to_string()).filter(|s| !s.is_empty())
    );
    if let Some(minutes) = winners.runtime_minutes.filter(|m| *m > 0) {
        // The probe's duration of the file is exact; TMDB's runtime is rounded and may be of
        // another cut. Containers (series, seasons) have no files and take it.
        let probed = txn
            .query_one_raw(Statement::from_sql_and_values(
                txn.get_database_backend(),
                "SELECT 1 AS one FROM media_files WHERE item_id = $1 AND duration_ms IS NOT NULL",
                vec![item_id.into()],
            ))
            .await?
            .is_some();
        if !probed {
            put!(
                am,
                row,
                changed,
                runtime_ms,
                Some(i64::from(minutes) * 60_000)
            );
        }
    }

    let wanted: Vec<PersonRow> = winners.people.iter().filter_map(person_row).collect();
    let stored: Vec<PersonRow> = item_person::Entity::find()
        .filter(item_person::Column::ItemId.eq(item_id))
        .order_by_asc(item_person::Column::Ord)
        .all(&txn)
        .await?
        .into_iter()
        .map(|m| {
            (
                m.name,
                person_kind_str(parse_person_kind(&m.kind)),
                m.role,
                m.tmdb_id,
                m.image_url,
            )
        })
        .collect();
    if stored != wanted {
        item_person::Entity::delete_many()
            .filter(item_person::Column::ItemId.eq(item_id))
            .exec(&txn)
            .await?;
        // Chunks keep each statement under SQLite's bound-variable limit.
        for (chunk_no, chunk) in wanted.chunks(100).enumerate() {
            let rows = chunk
                .iter()
                .enumerate()
                .map(|(i, p)| item_person::ActiveModel {
                    item_id: Set(item_id.to_string()),
                    ord: Set((chunk_no * 100 + i) as i32),
                    name: Set(p.0.clone()),
                    kind: Set(p.1.to_string()),
                    role: Set(p.2.clone()),
                    tmdb_id: Set(p.3.clone()),
                    image_url: Set(p.4.clone()),
                });
            item_person::Entity::insert_many(rows)
                .exec_without_returning(&txn)
                .await?;
        }
        changed = true;
    }

    if changed {
        // People are part of the item's DTO: its Etag moves with them too.
        am.updated_at = Set(now_ms().max(row.updated_at + 1));
        am.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(changed)
}

/// Sets one of the item's images (a file Kinora stored, and its tag: clients cache image URLs
/// by tag, so a new image needs a new tag). A poster or an episode's still is the primary
/// image; a new one clears the primary's BlurHash, made again for the new image. Returns
/// whether anything changed.
pub async fn set_image<C: ConnectionTrait>(
    db: &C,
    item_id: &str,
    kind: ImageKind,
    path: &str,
    tag: &str,
) -> Result<bool, CatalogError> {
    let sql = match kind {
        ImageKind::Poster | ImageKind::Still => {
            "UPDATE items SET image_path = $1, image_tag = $2, updated_at = $3, \
               image_blurhash = CASE WHEN image_tag = $2 THEN image_blurhash ELSE NULL END \
             WHERE id = $4 AND (image_path IS NULL OR image_path <> $1 \
               OR image_tag IS NULL OR image_tag <> $2)"
        }
        ImageKind::Backdrop => {
            "UPDATE items SET backdrop_path = $1, backdrop_tag = $2, updated_at = $3 \
             WHERE id = $4 AND (backdrop_path IS NULL OR backdrop_path <> $1 \
               OR backdrop_tag IS NULL OR backdrop_tag <> $2)"
        }
        ImageKind::Logo => {
            "UPDATE items SET logo_path = $1, logo_tag = $2, updated_at = $3 \
             WHERE id = $4 AND (logo_path IS NULL OR logo_path <> $1 \
               OR logo_tag IS NULL OR logo_tag <> $2)"
        }
    };
    let n = execute_on(
        db,
        sql,
        vec![path.into(), tag.into(), now_ms().into(), item_id.into()],
    )
    .await?;
    Ok(n > 0)
}

/// Removes a backdrop or logo (the source no longer has one). The primary image is left alone:
/// a keyframe thumbnail stands in for a missing poster.
pub async fn clear_image<C: ConnectionTrait>(
    db: &C,
    item_id: &str,
    kind: ImageKind,
) -> Result<bool, CatalogError> {
    let sql = match kind {
        ImageKind::Poster | ImageKind::Still => return Ok(false),
        ImageKind::Backdrop => {
            "UPDATE items SET backdrop_path = NULL, backdrop_tag = NULL, updated_at = $1 \
             WHERE id = $2 AND backdrop_path IS NOT NULL"
        }
        ImageKind::Logo => {
            "UPDATE items SET logo_path = NULL, logo_tag = NULL, updated_at = $1 \
             WHERE id = $2 AND logo_path IS NOT NULL"
        }
    };
    Ok(execute_on(db, sql, vec![now_ms().into(), item_id.into()]).await? > 0)
}

/// People of items, in billing order, by item id (one query per 500 items: list routes call
/// this once per page).
pub async fn people_of(
    c: &Catalog,
    item_ids: &[String],
) -> Result<HashMap<String, Vec<Person>>, CatalogError> {
    let mut out: HashMap<String, Vec<Person>> = HashMap::new();
    for chunk in item_ids.chunks(500) {
        for m in item_person::Entity::find()
            .filter(item_person::Column::ItemId.is_in(chunk.iter().cloned()))
            .order_by_asc(item_person::Column::ItemId)
            .order_by_asc(item_person::Column::Ord)
            .all(&c.read)
            .await?
        {
            out.entry(m.item_id.clone()).or_default().push(person_of(m));
        }
    }
    Ok(out)
}

/// Distinct values of the items a browse query selects, for `/Items/Filters` and `/Genres`.
/// Names are sorted by sort key and deduplicated ignoring case (the first spelling seen stays).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facets {
    pub genres: Vec<String>,
    pub studios: Vec<String>,
    pub tags: Vec<String>,
    pub official_ratings: Vec<String>,
    pub years: Vec<i32>,
}

/// The [`Facets`] of a browse query's items (its paging and order are ignored).
pub async fn facets(c: &Catalog, q: &BrowseQuery) -> Result<Facets, CatalogError> {
    let (where_sql, values) = super::items::browse_where(q);
    let mut years: Vec<i32> = Vec::new();
    for row in distinct_rows(c, &where_sql, &values, "year").await? {
        years.push(row.try_get("", "v")?);
    }
    years.sort_unstable();
    Ok(Facets {
        genres: distinct_names(c, &where_sql, &values, "genres", true).await?,
        studios: distinct_names(c, &where_sql, &values, "studios", true).await?,
        tags: distinct_names(c, &where_sql, &values, "tags", true).await?,
        official_ratings: distinct_names(c, &where_sql, &values, "certification", false).await?,
        years,
    })
}

/// Only the genres of [`facets`] (`/Genres`, and resolving `GenreIds=` to names).
pub async fn genres_of(c: &Catalog, q: &BrowseQuery) -> Result<Vec<String>, CatalogError> {
    let (where_sql, values) = super::items::browse_where(q);
    distinct_names(c, &where_sql, &values, "genres", true).await
}

/// Only the studios of [`facets`] (`/Studios`).
pub async fn studios_of(c: &Catalog, q: &BrowseQuery) -> Result<Vec<String>, CatalogError> {
    let (where_sql, values) = super::items::browse_where(q);
    distinct_names(c, &where_sql, &values, "studios", true).await
}

/// `SELECT DISTINCT` of one column: a catalog of 50,000 movies returns as many rows as it has
/// distinct genre combinations, not one per movie.
async fn distinct_rows(
    c: &Catalog,
    where_sql: &str,
    values: &[sea_orm::Value],
    column: &'static str,
) -> Result<Vec<sea_orm::QueryResult>, CatalogError> {
    let sql = format!(
        "SELECT DISTINCT i.{column} AS v FROM items i WHERE {where_sql} AND i.{column} IS NOT NULL"
    );
    Ok(c.read
        .query_all_raw(Statement::from_sql_and_values(
            c.read.get_database_backend(),
            &sql,
            values.to_vec(),
        ))
        .await?)
}

/// Distinct names of a text column, or of the elements of a JSON list column (split in Rust,
/// which works the same on both backends), sorted by sort key, deduplicated ignoring case.
async fn distinct_names(
    c: &Catalog,
    where_sql: &str,
    values: &[sea_orm::Value],
    column: &'static str,
    json: bool,
) -> Result<Vec<String>, CatalogError> {
    let mut all: Vec<(String, String)> = Vec::new();
    for row in distinct_rows(c, where_sql, values, column).await? {
        let raw: String = row.try_get("", "v")?;
        let list = if json {
            json_list(Some(&raw))
        } else {
            vec![raw]
        };
        for name in list {
            let name = name.trim();
            if !name.is_empty() {
                all.push((crate::naming::sort_key(name), name.to_string()));
            }
        }
    }
    // Rows come in no particular order: sorting first makes the spelling that stays the same
    // on every backend and every run (byte order: `Sci-Fi` before `sci-fi`).
    all.sort();
    let mut lowers: HashSet<String> = HashSet::new();
    Ok(all
        .into_iter()
        .filter(|(_, name)| lowers.insert(name.to_lowercase()))
        .map(|(_, name)| name)
        .collect())
}

/// The `LIKE` pattern that finds `name` as a whole element of a JSON text array column (the
/// element as serde_json writes it, quotes included, with `LIKE`'s wildcards escaped by `\`).
pub(super) fn json_element_pattern(name: &str) -> String {
    let encoded = serde_json::to_string(name.trim()).unwrap_or_default();
    let mut out = String::with_capacity(encoded.len() + 4);
    out.push('%');
    for ch in encoded.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip_and_empty_is_null() {
        let stored = list_json(&["Drama".into(), " ".into(), "Sci-Fi ".into()]);
        assert_eq!(stored.as_deref(), Some(r#"["Drama","Sci-Fi"]"#));
        assert_eq!(json_list(stored.as_deref()), vec!["Drama", "Sci-Fi"]);
        assert_eq!(list_json(&[]), None);
        assert!(json_list(Some("not json")).is_empty());
        assert!(json_list(None).is_empty());
    }

    #[test]
    fn json_element_patterns_escape_like_wildcards() {
        assert_eq!(json_element_pattern("Drama"), r#"%"Drama"%"#);
        assert_eq!(json_element_pattern("100%_"), r#"%"100\%\_"%"#);
        // serde_json's own escape (a backslash) is escaped again for LIKE.
        assert_eq!(json_element_pattern(r#"a"b"#), r#"%"a\\"b"%"#);
    }

    #[test]
    fn person_kinds_round_trip() {
        for kind in [
            PersonKind::Actor,
            PersonKind::GuestStar,
            PersonKind::Director,
            PersonKind::Writer,
            PersonKind::Producer,
            PersonKind::Composer,
            PersonKind::Creator,
        ] {
            assert_eq!(parse_person_kind(person_kind_str(kind)), kind);
        }
    }
}
