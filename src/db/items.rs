//! Items: logical titles (movie, series, season, episode, home video, extra, library folder).
//! Ids are random UUIDs kept for life; files attach to them, never the other way round.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::entities::item;
use super::{now_ms, Catalog, CatalogError};

use crate::domain::Item;
pub use crate::domain::ItemKind;

/// Fields of a new item; the rest is filled by enrichment later.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub library_id: String,
    pub parent_id: Option<String>,
    pub owner_id: Option<String>,
    pub kind: ItemKind,
    pub extra_type: Option<String>,
    pub name: String,
    pub year: Option<i32>,
    pub season_number: Option<i32>,
    pub episode_number: Option<i32>,
    pub episode_number_end: Option<i32>,
    pub identity_key: String,
    pub folder: Option<String>,
}

pub async fn create<C: ConnectionTrait>(db: &C, new: NewItem) -> Result<item::Model, CatalogError> {
    let now = now_ms();
    let sort_name = match (new.kind, new.season_number, new.episode_number) {
        // Seasons and episodes sort by number, not by title.
        (ItemKind::Season, Some(s), _) => format!("{s:05}"),
        (ItemKind::Episode, s, Some(e)) => format!("{:05}{e:05}", s.unwrap_or(0)),
        _ => crate::naming::sort_key(&new.name),
    };
    Ok(item::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        library_id: Set(new.library_id),
        parent_id: Set(new.parent_id),
        owner_id: Set(new.owner_id),
        kind: Set(new.kind.as_str().to_string()),
        extra_type: Set(new.extra_type),
        name: Set(new.name),
        sort_name: Set(sort_name),
        original_title: Set(None),
        year: Set(new.year),
        season_number: Set(new.season_number),
        episode_number: Set(new.episode_number),
        episode_number_end: Set(new.episode_number_end),
        identity_key: Set(Some(new.identity_key)),
        folder: Set(new.folder),
        overview: Set(None),
        runtime_ms: Set(None),
        premiere_date: Set(None),
        image_path: Set(None),
        image_tag: Set(None),
        image_blurhash: Set(None),
        missing: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?)
}

/// The item of a library with this identity (optionally in this folder), present or not.
pub async fn find_by_identity<C: ConnectionTrait>(
    db: &C,
    library_id: &str,
    identity_key: &str,
    folder: Option<&str>,
) -> Result<Vec<item::Model>, CatalogError> {
    let mut q = item::Entity::find()
        .filter(item::Column::LibraryId.eq(library_id))
        .filter(item::Column::IdentityKey.eq(identity_key));
    if let Some(folder) = folder {
        q = q.filter(item::Column::Folder.eq(folder));
    }
    Ok(q.order_by_asc(item::Column::CreatedAt).all(db).await?)
}

/// Finds the container item (series or season) with this identity, creating it if needed, and
/// makes sure it is listed.
pub async fn find_or_create_container<C: ConnectionTrait>(
    db: &C,
    new: NewItem,
) -> Result<String, CatalogError> {
    if let Some(existing) = find_by_identity(db, &new.library_id, &new.identity_key, None)
        .await?
        .into_iter()
        .next()
    {
        if existing.missing {
            set_missing(db, &existing.id, false).await?;
        }
        return Ok(existing.id);
    }
    Ok(create(db, new).await?.id)
}

pub async fn set_missing<C: ConnectionTrait>(
    db: &C,
    id: &str,
    missing: bool,
) -> Result<(), CatalogError> {
    super::execute_on(
        db,
        "UPDATE items SET missing = $1, updated_at = $2 WHERE id = $3",
        vec![missing.into(), now_ms().into(), id.into()],
    )
    .await?;
    Ok(())
}

/// Recomputes `missing` for the given items and then their ancestors: a title is present while
/// one of its files is; a series or season while one of its children is.
pub async fn refresh_presence<C: ConnectionTrait>(
    db: &C,
    item_ids: &[String],
) -> Result<(), CatalogError> {
    let mut level: Vec<String> = item_ids.to_vec();
    level.sort();
    level.dedup();
    let now = now_ms();
    // Deep enough for home video folders inside folders.
    for _depth in 0..16 {
        if level.is_empty() {
            break;
        }
        let rows = item::Entity::find()
            .filter(item::Column::Id.is_in(level.clone()))
            .all(db)
            .await?;
        let mut parents = Vec::new();
        for row in rows {
            let Some(kind) = ItemKind::parse(&row.kind) else {
                continue;
            };
            let sql = match kind {
                // A library root is there as long as its library is configured.
                ItemKind::Folder if row.parent_id.is_none() => continue,
                k if k.is_playable() => {
                    "UPDATE items SET missing = NOT EXISTS (SELECT 1 FROM media_files f \
                       WHERE f.item_id = items.id AND f.state IN ('active', 'pending')), updated_at = $1 \
                     WHERE id = $2"
                }
                _ => {
                    "UPDATE items SET missing = NOT EXISTS (SELECT 1 FROM items c \
                       WHERE c.parent_id = items.id AND c.missing = FALSE), updated_at = $1 \
                     WHERE id = $2"
                }
            };
            super::execute_on(db, sql, vec![now.into(), row.id.clone().into()]).await?;
            if let Some(parent) = row.parent_id {
                parents.push(parent);
            }
        }
        parents.sort();
        parents.dedup();
        level = parents;
    }
    Ok(())
}

pub async fn get(c: &Catalog, id: &str) -> Result<Option<Item>, CatalogError> {
    Ok(item::Entity::find_by_id(id.to_string())
        .one(&c.read)
        .await?
        .map(to_domain))
}

/// Maps a row to the domain value. An unknown kind (a newer schema) reads as a folder.
pub fn to_domain(m: item::Model) -> Item {
    Item {
        kind: ItemKind::parse(&m.kind).unwrap_or(ItemKind::Folder),
        id: m.id,
        library_id: m.library_id,
        parent_id: m.parent_id,
        owner_id: m.owner_id,
        extra_type: m.extra_type,
        name: m.name,
        sort_name: m.sort_name,
        original_title: m.original_title,
        year: m.year,
        season_number: m.season_number,
        episode_number: m.episode_number,
        episode_number_end: m.episode_number_end,
        overview: m.overview,
        runtime_ms: m.runtime_ms,
        premiere_date: m.premiere_date,
        image_path: m.image_path.map(Into::into),
        image_tag: m.image_tag,
        image_blurhash: m.image_blurhash,
        missing: m.missing,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// Sort orders the native API offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemSort {
    Name,
    Year,
    Added,
}

/// Filters for item listings. Missing items are never listed.
#[derive(Debug, Clone, Default)]
pub struct ItemQuery {
    pub library_id: Option<String>,
    pub kinds: Vec<ItemKind>,
    pub parent_id: Option<String>,
    pub text: Option<String>,
    pub sort: Option<ItemSort>,
    pub descending: bool,
    pub offset: u64,
    pub limit: u64,
}

pub async fn list(c: &Catalog, q: &ItemQuery) -> Result<(Vec<Item>, u64), CatalogError> {
    let mut cond = Condition::all().add(item::Column::Missing.eq(false));
    if let Some(lib) = &q.library_id {
        cond = cond.add(item::Column::LibraryId.eq(lib.clone()));
    }
    if !q.kinds.is_empty() {
        cond = cond.add(item::Column::Kind.is_in(q.kinds.iter().map(|k| k.as_str())));
    } else {
        // Library roots are listed through /libraries, extras through their owner.
        cond = cond.add(
            item::Column::Kind.is_not_in([ItemKind::Folder.as_str(), ItemKind::Extra.as_str()]),
        );
    }
    if let Some(parent) = &q.parent_id {
        cond = cond.add(
            Condition::any()
                .add(item::Column::ParentId.eq(parent.clone()))
                .add(item::Column::OwnerId.eq(parent.clone())),
        );
    }
    if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        // Sort names are lower-case, so a case-insensitive match works on both backends.
        let needle = crate::naming::sort_key(text);
        cond = cond.add(item::Column::SortName.contains(needle));
    }
    let base = item::Entity::find().filter(cond);
    let total = base.clone().count(&c.read).await?;
    let order = if q.descending {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    // The sort key is computed in Rust to order the same everywhere; PostgreSQL compares it
    // byte-wise like SQLite thanks to its "C" collation (migration m0002).
    let sort_name = || item::Column::SortName;
    let sorted = match q.sort.unwrap_or(ItemSort::Name) {
        ItemSort::Name => base.order_by(sort_name(), order.clone()),
        // Titles without a year come last either way (SQLite and PostgreSQL disagree on
        // where NULLs go by default).
        ItemSort::Year => base
            .order_by_with_nulls(
                item::Column::Year,
                order.clone(),
                sea_orm::sea_query::NullOrdering::Last,
            )
            .order_by(sort_name(), sea_orm::Order::Asc),
        ItemSort::Added => base.order_by(item::Column::CreatedAt, order.clone()),
    };
    let rows = sorted
        .order_by(item::Column::Id, sea_orm::Order::Asc)
        .offset(q.offset)
        .limit(q.limit)
        .all(&c.read)
        .await?;
    Ok((rows.into_iter().map(to_domain).collect(), total))
}

/// Sets the item's image when it has none yet (a keyframe thumbnail never replaces a poster).
/// Records the BlurHash of an item's image, if the image is still the one it was made from.
pub async fn set_image_blurhash(
    c: &Catalog,
    item_id: &str,
    tag: &str,
    blurhash: &str,
) -> Result<(), CatalogError> {
    super::execute(
        &c.write,
        "UPDATE items SET image_blurhash = $1, updated_at = $2 WHERE id = $3 AND image_tag = $4",
        vec![blurhash.into(), now_ms().into(), item_id.into(), tag.into()],
    )
    .await?;
    Ok(())
}

pub async fn set_image_if_absent(
    c: &Catalog,
    item_id: &str,
    path: &str,
    tag: &str,
) -> Result<(), CatalogError> {
    super::execute(
        &c.write,
        "UPDATE items SET image_path = $1, image_tag = $2, updated_at = $3, \
           image_blurhash = CASE WHEN image_tag = $2 THEN image_blurhash ELSE NULL END \
         WHERE id = $4 AND (image_path IS NULL OR image_path = $5)",
        vec![
            path.into(),
            tag.into(),
            now_ms().into(),
            item_id.into(),
            path.into(),
        ],
    )
    .await?;
    Ok(())
}

pub async fn set_runtime(
    c: &Catalog,
    item_id: &str,
    runtime_ms: Option<i64>,
) -> Result<(), CatalogError> {
    super::execute(
        &c.write,
        "UPDATE items SET runtime_ms = $1, updated_at = $2 WHERE id = $3",
        vec![runtime_ms.into(), now_ms().into(), item_id.into()],
    )
    .await?;
    Ok(())
}

pub async fn get_many(c: &Catalog, ids: &[String]) -> Result<Vec<Item>, CatalogError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(
            item::Entity::find()
                .filter(item::Column::Id.is_in(chunk.iter().cloned()))
                .all(&c.read)
                .await?
                .into_iter()
                .map(to_domain),
        );
    }
    Ok(out)
}

/// Listed children of containers (extras are counted separately): parent id → count.
pub async fn child_counts(
    c: &Catalog,
    parent_ids: &[String],
) -> Result<std::collections::HashMap<String, i64>, CatalogError> {
    let mut out = std::collections::HashMap::new();
    for chunk in parent_ids.chunks(500) {
        let rows: Vec<(Option<String>, i64)> = item::Entity::find()
            .select_only()
            .column(item::Column::ParentId)
            .column_as(item::Column::Id.count(), "n")
            .filter(item::Column::ParentId.is_in(chunk.iter().cloned()))
            .filter(item::Column::Missing.eq(false))
            .filter(item::Column::Kind.ne(ItemKind::Extra.as_str()))
            .group_by(item::Column::ParentId)
            .into_tuple()
            .all(&c.read)
            .await?;
        for (parent, n) in rows {
            if let Some(p) = parent {
                out.insert(p, n);
            }
        }
    }
    Ok(out)
}

/// Listed extras of owners: owner id → (trailers, other extras).
pub async fn extras_of(c: &Catalog, owner_ids: &[String]) -> Result<Vec<Item>, CatalogError> {
    let mut out = Vec::new();
    for chunk in owner_ids.chunks(500) {
        out.extend(
            item::Entity::find()
                .filter(item::Column::OwnerId.is_in(chunk.iter().cloned()))
                .filter(item::Column::Kind.eq(ItemKind::Extra.as_str()))
                .filter(item::Column::Missing.eq(false))
                .order_by_asc(item::Column::SortName)
                .all(&c.read)
                .await?
                .into_iter()
                .map(to_domain),
        );
    }
    Ok(out)
}

/// Sort fields Jellyfin clients ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrowseSort {
    SortName,
    ProductionYear,
    DateCreated,
    DatePlayed,
    IndexNumber,
    Random,
}

/// A Jellyfin-style listing: the filters clients send, per user.
#[derive(Debug, Clone, Default)]
pub struct BrowseQuery {
    pub user_id: String,
    pub library_ids: Vec<String>,
    pub parent_id: Option<String>,
    /// With a parent: its direct children, or (recursive) everything below it.
    pub recursive: bool,
    pub kinds: Vec<ItemKind>,
    pub exclude_kinds: Vec<ItemKind>,
    pub ids: Vec<String>,
    pub search: Option<String>,
    pub years: Vec<i32>,
    pub is_played: Option<bool>,
    pub is_favorite: Option<bool>,
    pub is_resumable: bool,
    pub sort: Vec<(BrowseSort, bool)>,
    pub offset: u64,
    pub limit: Option<u64>,
}

/// Runs a browse query: (page, total). Missing items are never returned.
pub async fn browse(c: &Catalog, q: &BrowseQuery) -> Result<(Vec<Item>, u64), CatalogError> {
    use sea_orm::{ConnectionTrait, Statement};
    let mut values: Vec<sea_orm::Value> = Vec::new();
    let bind = |v: sea_orm::Value, values: &mut Vec<sea_orm::Value>| {
        values.push(v);
        format!("${}", values.len())
    };
    let user = bind(q.user_id.clone().into(), &mut values);
    let mut clauses = vec!["i.missing = FALSE".to_string()];
    if !q.library_ids.is_empty() {
        let list: Vec<String> = q
            .library_ids
            .iter()
            .map(|l| bind(l.clone().into(), &mut values))
            .collect();
        clauses.push(format!("i.library_id IN ({})", list.join(", ")));
    }
    if let Some(parent) = &q.parent_id {
        let p = bind(parent.clone().into(), &mut values);
        if q.recursive {
            // Up to three levels below (series → season → episode), or the whole library
            // when the parent is a library root.
            clauses.push(format!(
                "(i.parent_id = {p} OR i.parent_id IN (SELECT id FROM items WHERE parent_id = {p}) \
                  OR i.parent_id IN (SELECT id FROM items WHERE parent_id IN (SELECT id FROM items WHERE parent_id = {p})) \
                  OR i.owner_id = {p})"
            ));
        } else {
            clauses.push(format!("(i.parent_id = {p} AND i.kind <> 'extra')"));
        }
    }
    if !q.kinds.is_empty() {
        let list: Vec<String> = q
            .kinds
            .iter()
            .map(|k| bind(k.as_str().into(), &mut values))
            .collect();
        clauses.push(format!("i.kind IN ({})", list.join(", ")));
    } else if q.parent_id.is_none() || q.recursive {
        // A parent's direct children include its sub-folders (home video libraries); flat and
        // recursive listings hold titles only.
        clauses.push("i.kind NOT IN ('folder', 'extra')".into());
    }
    if !q.exclude_kinds.is_empty() {
        let list: Vec<String> = q
            .exclude_kinds
            .iter()
            .map(|k| bind(k.as_str().into(), &mut values))
            .collect();
        clauses.push(format!("i.kind NOT IN ({})", list.join(", ")));
    }
    if !q.ids.is_empty() {
        let list: Vec<String> = q
            .ids
            .iter()
            .map(|k| bind(k.clone().into(), &mut values))
            .collect();
        clauses.push(format!("i.id IN ({})", list.join(", ")));
    }
    if let Some(text) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let needle = format!(
            "%{}%",
            crate::naming::sort_key(text).replace(['%', '_'], "")
        );
        let n = bind(needle.into(), &mut values);
        clauses.push(format!("i.sort_name LIKE {n}"));
    }
    if !q.years.is_empty() {
        let list: Vec<String> = q
            .years
            .iter()
            .map(|y| bind((*y).into(), &mut values))
            .collect();
        clauses.push(format!("i.year IN ({})", list.join(", ")));
    }
    if let Some(played) = q.is_played {
        let cond = format!("EXISTS (SELECT 1 FROM user_item_data d WHERE d.item_id = i.id AND d.user_id = {user} AND d.played = TRUE)");
        clauses.push(if played { cond } else { format!("NOT {cond}") });
    }
    if let Some(fav) = q.is_favorite {
        let cond = format!("EXISTS (SELECT 1 FROM user_item_data d WHERE d.item_id = i.id AND d.user_id = {user} AND d.is_favorite = TRUE)");
        clauses.push(if fav { cond } else { format!("NOT {cond}") });
    }
    if q.is_resumable {
        clauses.push(format!("EXISTS (SELECT 1 FROM user_item_data d WHERE d.item_id = i.id AND d.user_id = {user} AND d.playback_position_ticks > 0)"));
    }
    let where_sql = clauses.join(" AND ");
    let count_sql = format!("SELECT COUNT(*) AS n FROM items i WHERE {where_sql}");
    let backend = c.read.get_database_backend();
    let total: i64 = match c
        .read
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            &count_sql,
            values.clone(),
        ))
        .await?
    {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    let mut order = Vec::new();
    for (field, desc) in &q.sort {
        let dir = if *desc { "DESC" } else { "ASC" };
        order.push(match field {
            BrowseSort::SortName => format!("i.sort_name {dir}"),
            // Titles without a year last either way, as in the native API.
            BrowseSort::ProductionYear => format!("CASE WHEN i.year IS NULL THEN 1 ELSE 0 END, i.year {dir}"),
            BrowseSort::DateCreated => format!("i.created_at {dir}"),
            BrowseSort::IndexNumber => format!("COALESCE(i.season_number, 0) {dir}, COALESCE(i.episode_number, 0) {dir}"),
            BrowseSort::DatePlayed => format!(
                "(SELECT COALESCE(MAX(d.last_played_at), 0) FROM user_item_data d WHERE d.item_id = i.id AND d.user_id = {user}) {dir}"
            ),
            BrowseSort::Random => "RANDOM()".into(),
        });
    }
    order.push("i.sort_name ASC".into());
    order.push("i.id ASC".into());
    let mut sql = format!(
        "SELECT i.* FROM items i WHERE {where_sql} ORDER BY {}",
        order.join(", ")
    );
    if let Some(limit) = q.limit {
        sql.push_str(&format!(" LIMIT {limit}"));
    } else if q.offset > 0 {
        sql.push_str(" LIMIT 1000000");
    }
    if q.offset > 0 {
        sql.push_str(&format!(" OFFSET {}", q.offset));
    }
    let rows = item::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(backend, &sql, values))
        .all(&c.read)
        .await?;
    Ok((
        rows.into_iter().map(to_domain).collect(),
        total.max(0) as u64,
    ))
}
