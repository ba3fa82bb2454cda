//! Items: logical titles (movie, series, season, episode, home video, extra, library folder).
//! Ids are random UUIDs kept for life; files attach to them, never the other way round.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::entities::item;
use super::listing_cache::PageStart;
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

/// The key an item sorts by: seasons and episodes by number, everything else by title.
pub fn sort_name_for(
    kind: ItemKind,
    name: &str,
    season: Option<i32>,
    episode: Option<i32>,
) -> String {
    match (kind, season, episode) {
        (ItemKind::Season, Some(s), _) => format!("{s:05}"),
        (ItemKind::Episode, s, Some(e)) => format!("{:05}{e:05}", s.unwrap_or(0)),
        _ => crate::naming::sort_key(name),
    }
}

pub async fn create<C: ConnectionTrait>(db: &C, new: NewItem) -> Result<item::Model, CatalogError> {
    let now = now_ms();
    let sort_name = sort_name_for(new.kind, &new.name, new.season_number, new.episode_number);
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
        classify_confidence: Set(None),
        classify_source: Set(None),
        review_state: Set(None),
        review_reason: Set(None),
        sort_title: Set(None),
        tagline: Set(None),
        genres: Set(None),
        studios: Set(None),
        tags: Set(None),
        language: Set(None),
        certification: Set(None),
        community_rating: Set(None),
        vote_count: Set(None),
        tmdb_id: Set(None),
        imdb_id: Set(None),
        tvdb_id: Set(None),
        metadata_source: Set(None),
        backdrop_path: Set(None),
        backdrop_tag: Set(None),
        logo_path: Set(None),
        logo_tag: Set(None),
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
        sort_title: m.sort_title,
        tagline: m.tagline,
        genres: super::metadata::json_list(m.genres.as_deref()),
        studios: super::metadata::json_list(m.studios.as_deref()),
        tags: super::metadata::json_list(m.tags.as_deref()),
        language: m.language,
        certification: m.certification,
        community_rating: m.community_rating,
        vote_count: m.vote_count,
        provider_ids: crate::domain::metadata::ProviderIds {
            tmdb: m.tmdb_id,
            imdb: m.imdb_id,
            tvdb: m.tvdb_id,
        },
        metadata_source: m.metadata_source,
        backdrop_path: m.backdrop_path.map(Into::into),
        backdrop_tag: m.backdrop_tag,
        logo_path: m.logo_path.map(Into::into),
        logo_tag: m.logo_tag,
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

/// Returns whether `path` is now the item's image.
pub async fn set_image_if_absent(
    c: &Catalog,
    item_id: &str,
    path: &str,
    tag: &str,
) -> Result<bool, CatalogError> {
    let changed = super::execute(
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
    Ok(changed > 0)
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

/// Listed children of containers (extras are counted separately): parent id → count; parents
/// without any are left out. Remembered per item generation on SQLite (a library root's count
/// reads every item of the library).
pub async fn child_counts(
    c: &Catalog,
    parent_ids: &[String],
) -> Result<std::collections::HashMap<String, i64>, CatalogError> {
    use sea_orm::Statement;
    let mut out = std::collections::HashMap::new();
    if parent_ids.is_empty() {
        return Ok(out);
    }
    let generation = super::listing_cache::generation(&c.read).await?;
    let key = |parent: &str| format!("children|{parent}");
    let mut todo: Vec<String> = Vec::new();
    for parent in parent_ids {
        match generation.and_then(|g| c.listings.totals.get(g, &key(parent))) {
            Some(0) => {}
            Some(n) => {
                out.insert(parent.clone(), n as i64);
            }
            None => todo.push(parent.clone()),
        }
    }
    todo.sort();
    todo.dedup();
    let backend = c.read.get_database_backend();
    for chunk in todo.chunks(500) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        // COUNT(*), not COUNT(id): the count then reads index idx_items_parent_presence alone.
        let sql = format!(
            "SELECT parent_id, COUNT(*) AS n FROM items \
             WHERE parent_id IN ({}) AND missing = FALSE AND kind <> 'extra' GROUP BY parent_id",
            list.join(", ")
        );
        let values: Vec<sea_orm::Value> = chunk.iter().map(|p| p.clone().into()).collect();
        let mut found = std::collections::HashMap::new();
        for row in c
            .read
            .query_all_raw(Statement::from_sql_and_values(backend, &sql, values))
            .await?
        {
            let parent: String = row.try_get("", "parent_id")?;
            let n: i64 = row.try_get("", "n")?;
            found.insert(parent, n);
        }
        for parent in chunk {
            let n = found.get(parent).copied().unwrap_or(0);
            if let Some(g) = generation {
                c.listings.totals.put(g, key(parent), n.max(0) as u64);
            }
            if n > 0 {
                out.insert(parent.clone(), n);
            }
        }
    }
    Ok(out)
}

/// Listed extras of owners, by sort name.
pub async fn extras_of(c: &Catalog, owner_ids: &[String]) -> Result<Vec<Item>, CatalogError> {
    let mut out = Vec::new();
    for chunk in owner_ids.chunks(500) {
        // The kind is checked here rather than in SQL: with `kind = 'extra'` in the query,
        // SQLite prefers walking every extra of the catalog (index on kind, sort name) over
        // looking up these owners.
        out.extend(
            item::Entity::find()
                .filter(item::Column::OwnerId.is_in(chunk.iter().cloned()))
                .filter(item::Column::Missing.eq(false))
                .order_by_asc(item::Column::SortName)
                .all(&c.read)
                .await?
                .into_iter()
                .map(to_domain)
                .filter(|i| i.kind == ItemKind::Extra),
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
    /// Items having any of these genres (exact names as stored; SQLite also matches them
    /// ignoring ASCII case).
    pub genres: Vec<String>,
    /// Items with any of these certifications (`OfficialRating`), exactly.
    pub official_ratings: Vec<String>,
    pub is_played: Option<bool>,
    pub is_favorite: Option<bool>,
    pub is_resumable: bool,
    pub sort: Vec<(BrowseSort, bool)>,
    pub offset: u64,
    pub limit: Option<u64>,
}

/// The WHERE clause of a browse query and its bound values (`$1` is always the user).
struct BrowseFilter {
    where_sql: String,
    values: Vec<sea_orm::Value>,
    /// Whether the filter reads the user's own data (played, favourite, resumable).
    per_user: bool,
}

impl BrowseFilter {
    /// Binds one more value; returns its placeholder.
    fn bind(&mut self, v: sea_orm::Value) -> String {
        self.values.push(v);
        format!("${}", self.values.len())
    }

    /// What the filter selects, as a key for [`super::listing_cache`]; `$1` (the user) is
    /// bound but unread unless the filter is per user.
    fn key(&self) -> String {
        let values = if self.per_user {
            &self.values[..]
        } else {
            &self.values[1..]
        };
        format!("{}|{values:?}", self.where_sql)
    }
}

fn browse_filter(q: &BrowseQuery) -> BrowseFilter {
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
    if !q.genres.is_empty() {
        let list: Vec<String> = q
            .genres
            .iter()
            .map(|g| {
                let p = bind(super::metadata::json_element_pattern(g).into(), &mut values);
                format!("i.genres LIKE {p} ESCAPE '\\'")
            })
            .collect();
        clauses.push(format!("({})", list.join(" OR ")));
    }
    if !q.official_ratings.is_empty() {
        let list: Vec<String> = q
            .official_ratings
            .iter()
            .map(|r| bind(r.clone().into(), &mut values))
            .collect();
        clauses.push(format!("i.certification IN ({})", list.join(", ")));
    }
    let per_user = q.is_played.is_some() || q.is_favorite.is_some() || q.is_resumable;
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
    BrowseFilter {
        where_sql: clauses.join(" AND "),
        values,
        per_user,
    }
}

/// The WHERE clause of a browse query over `items i` and its bound values (`$1`, the user, is
/// always bound): what [`super::metadata::facets`] reads distinct values from.
pub(super) fn browse_where(q: &BrowseQuery) -> (String, Vec<sea_orm::Value>) {
    let f = browse_filter(q);
    (f.where_sql, f.values)
}

/// ORDER BY terms of a browse query, always ending in `i.sort_name ASC, i.id ASC` (a total
/// order). A term whose expression already appeared is left out (it can no longer change the
/// order), and so is everything after `i.id`, so that the common orders read exactly like
/// an index: `SortName` is `(sort_name, id)` (index m0003), `SortName,ProductionYear` is
/// `(sort_name, COALESCE(year, 2147483647), id)` (index m0004).
fn browse_order(sort: &[(BrowseSort, bool)]) -> String {
    let mut terms: Vec<(String, &str)> = Vec::new();
    for (field, desc) in sort {
        let dir = if *desc { "DESC" } else { "ASC" };
        let exprs: Vec<String> = match field {
            BrowseSort::SortName => vec!["i.sort_name".into()],
            // Titles without a year last either way, as in the native API. Years are far
            // from both sentinels.
            BrowseSort::ProductionYear if *desc => vec!["COALESCE(i.year, -2147483647)".into()],
            BrowseSort::ProductionYear => vec!["COALESCE(i.year, 2147483647)".into()],
            BrowseSort::DateCreated => vec!["i.created_at".into()],
            BrowseSort::IndexNumber => vec![
                "COALESCE(i.season_number, 0)".into(),
                "COALESCE(i.episode_number, 0)".into(),
            ],
            BrowseSort::DatePlayed => vec![
                "(SELECT COALESCE(MAX(d.last_played_at), 0) FROM user_item_data d WHERE d.item_id = i.id AND d.user_id = $1)".into(),
            ],
            BrowseSort::Random => vec!["RANDOM()".into()],
        };
        for expr in exprs {
            terms.push((expr, dir));
        }
    }
    terms.push(("i.sort_name".into(), "ASC"));
    terms.push(("i.id".into(), "ASC"));
    let mut out: Vec<String> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (expr, dir) in &terms {
        if expr != "RANDOM()" && seen.contains(&expr.as_str()) {
            continue;
        }
        seen.push(expr);
        out.push(format!("{expr} {dir}"));
        if expr == "i.id" {
            break;
        }
    }
    out.join(", ")
}

/// The number of items a browse filter matches; with `remember` (generation, filter key) it is
/// looked up and stored in [`super::listing_cache`].
async fn browse_total(
    c: &Catalog,
    f: &BrowseFilter,
    remember: Option<(i64, &str)>,
) -> Result<u64, CatalogError> {
    use sea_orm::Statement;
    let key = remember.map(|(g, filter)| (g, format!("browse|{filter}")));
    if let Some((g, key)) = &key {
        if let Some(total) = c.listings.totals.get(*g, key) {
            return Ok(total);
        }
    }
    let count_sql = format!("SELECT COUNT(*) AS n FROM items i WHERE {}", f.where_sql);
    let backend = c.read.get_database_backend();
    let total: i64 = match c
        .read
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            &count_sql,
            f.values.clone(),
        ))
        .await?
    {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    let total = total.max(0) as u64;
    if let Some((g, key)) = key {
        c.listings.totals.put(g, key, total);
    }
    Ok(total)
}

/// Orders whose pages can start from a remembered sort key: every term ascending, on columns
/// the item generation covers, and exactly an index's order (m0003, m0004). The row value to
/// compare with a [`PageStart`], and whether it holds the year.
fn keyset_of(order: &str) -> Option<(&'static str, bool)> {
    if order == "i.sort_name ASC, COALESCE(i.year, 2147483647) ASC, i.id ASC" {
        Some(("(i.sort_name, COALESCE(i.year, 2147483647), i.id)", true))
    } else if order == "i.sort_name ASC, i.id ASC" {
        Some(("(i.sort_name, i.id)", false))
    } else {
        None
    }
}

fn page_start_of(item: &item::Model) -> PageStart {
    PageStart {
        sort_name: item.sort_name.clone(),
        year_key: item.year.unwrap_or(i32::MAX),
        id: item.id.clone(),
    }
}

/// Runs a browse query: (page, total). Missing items are never returned.
pub async fn browse(c: &Catalog, q: &BrowseQuery) -> Result<(Vec<Item>, u64), CatalogError> {
    use sea_orm::Statement;
    let mut f = browse_filter(q);
    // Nothing is remembered for filters on the user's own data or on metadata (their changes
    // do not move the generation, see m0004) or on explicit ids (cheap to count).
    let on_metadata = !q.genres.is_empty() || !q.official_ratings.is_empty();
    let generation = if f.per_user || on_metadata || !q.ids.is_empty() {
        None
    } else {
        super::listing_cache::generation(&c.read).await?
    };
    let filter_key = generation.map(|_| f.key());
    let remember = generation.zip(filter_key.as_deref());
    let total = browse_total(c, &f, remember).await?;
    if q.limit == Some(0) || q.offset >= total {
        return Ok((Vec::new(), total));
    }
    let order = browse_order(&q.sort);
    let backend = c.read.get_database_backend();
    let Some(limit) = q.limit else {
        let mut sql = format!(
            "SELECT i.* FROM items i WHERE {} ORDER BY {order}",
            f.where_sql
        );
        if q.offset > 0 {
            sql.push_str(&format!(" LIMIT 1000000 OFFSET {}", q.offset));
        }
        let rows = item::Entity::find()
            .from_raw_sql(Statement::from_sql_and_values(backend, &sql, f.values))
            .all(&c.read)
            .await?;
        return Ok((rows.into_iter().map(to_domain).collect(), total));
    };
    // Where this page starts and where the next one will, when the order allows it: one more
    // row is read to learn the next page's start.
    let keyset = remember.and_then(|(g, filter)| keyset_of(&order).map(|k| (g, filter, k)));
    let start_key = |offset: u64| match keyset {
        Some((_, filter, _)) => format!("start|{order}|{filter}|{offset}"),
        None => String::new(),
    };
    let start = match keyset {
        Some((g, _, _)) if q.offset > 0 => c.listings.page_starts.get(g, &start_key(q.offset)),
        _ => None,
    };
    let (this_start, next_start) = (start_key(q.offset), start_key(q.offset + limit));
    let fetch = if keyset.is_some() { limit + 1 } else { limit };
    let mut where_sql = f.where_sql.clone();
    let skip = match (&start, keyset) {
        (Some(start), Some((_, _, (row_value, with_year)))) => {
            let mut bound = vec![f.bind(start.sort_name.clone().into())];
            if with_year {
                bound.push(f.bind(start.year_key.into()));
            }
            bound.push(f.bind(start.id.clone().into()));
            where_sql.push_str(&format!(" AND {row_value} >= ({})", bound.join(", ")));
            0
        }
        _ => q.offset,
    };
    // Page in the index on ids alone, then read the page's rows: OFFSET then skips index
    // entries, not whole rows. The outer ORDER BY only restores the page's order.
    let sql = format!(
        "SELECT i.* FROM (SELECT i.id AS page_id FROM items i WHERE {where_sql} \
           ORDER BY {order} LIMIT {fetch} OFFSET {skip}) p \
         JOIN items i ON i.id = p.page_id ORDER BY {order}"
    );
    let mut rows = item::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(backend, &sql, f.values))
        .all(&c.read)
        .await?;
    if let Some((g, _, _)) = keyset {
        if rows.len() as u64 > limit {
            if let Some(next) = rows.pop() {
                c.listings
                    .page_starts
                    .put(g, next_start, page_start_of(&next));
            }
        }
        if let (None, Some(first), true) = (&start, rows.first(), q.offset > 0) {
            c.listings
                .page_starts
                .put(g, this_start, page_start_of(first));
        }
    }
    Ok((rows.into_iter().map(to_domain).collect(), total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_orders_read_exactly_like_an_index() {
        let name_year = browse_order(&[
            (BrowseSort::SortName, false),
            (BrowseSort::ProductionYear, false),
        ]);
        assert_eq!(
            name_year,
            "i.sort_name ASC, COALESCE(i.year, 2147483647) ASC, i.id ASC"
        );
        assert!(keyset_of(&name_year).is_some_and(|(_, year)| year));
        let name = browse_order(&[(BrowseSort::SortName, false)]);
        assert_eq!(name, "i.sort_name ASC, i.id ASC");
        assert!(keyset_of(&name).is_some_and(|(_, year)| !year));
        assert_eq!(browse_order(&[]), name);
        // Descending: titles without a year still last, ties by id ascending; no keyset.
        let desc = browse_order(&[
            (BrowseSort::SortName, true),
            (BrowseSort::ProductionYear, true),
        ]);
        assert_eq!(
            desc,
            "i.sort_name DESC, COALESCE(i.year, -2147483647) DESC, i.id ASC"
        );
        assert!(keyset_of(&desc).is_none());
        assert_eq!(
            browse_order(&[(BrowseSort::DateCreated, true)]),
            "i.created_at DESC, i.sort_name ASC, i.id ASC"
        );
    }
}
