//! The catalog: connection set-up (SQLite or PostgreSQL), migrations, entities and the
//! repositories that map rows to domain values.

pub mod api_keys;
pub mod changes;
pub mod entities;
pub mod field_sources;
pub mod items;
pub mod libraries;
pub mod listing_cache;
pub mod llm_ledger;
pub mod media_files;
pub mod metadata;
pub mod review;
pub mod sessions;
pub mod tmdb_cache;
pub mod user_admin;
pub mod user_data;
pub mod users;

use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr,
};

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot open catalog {url}: {source}")]
    Connect {
        url: String,
        #[source]
        source: DbErr,
    },
    #[error("catalog migration failed: {0}")]
    Migrate(#[source] DbErr),
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("catalog query failed: {0}")]
    Db(#[from] DbErr),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
}

/// The catalog's connections. On SQLite, writes go through a pool of exactly one connection
/// (SQLite has one writer; queuing in the pool beats failing with SQLITE_BUSY), reads through a
/// pool of several. On PostgreSQL both are the same pool.
#[derive(Clone, Debug)]
pub struct Catalog {
    pub read: DatabaseConnection,
    pub write: DatabaseConnection,
    /// What item listings remember per item generation (SQLite only; see [`listing_cache`]).
    pub listings: std::sync::Arc<listing_cache::ListingCache>,
}

impl Catalog {
    /// Opens (creating if needed) the catalog at `url` and applies pending migrations.
    pub async fn open(url: &str) -> Result<Catalog, CatalogError> {
        let catalog = Self::connect(url).await?;
        Migrator::up(&catalog.write, None)
            .await
            .map_err(CatalogError::Migrate)?;
        Ok(catalog)
    }

    async fn connect(url: &str) -> Result<Catalog, CatalogError> {
        let shown = crate::config::mask_url_password(url);
        let connect = |opts: ConnectOptions| async {
            Database::connect(opts)
                .await
                .map_err(|source| CatalogError::Connect {
                    url: shown.clone(),
                    source,
                })
        };
        if url.starts_with("sqlite:") {
            if let Some(parent) = sqlite_file(url).and_then(|p| p.parent().map(|p| p.to_path_buf()))
            {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(&parent).map_err(|source| CatalogError::DataDir {
                        path: parent.display().to_string(),
                        source,
                    })?;
                }
            }
            let write = connect(sqlite_options(url, 1)).await?;
            let read = connect(sqlite_options(url, 4)).await?;
            Ok(Catalog {
                read,
                write,
                listings: Default::default(),
            })
        } else {
            let mut opts = ConnectOptions::new(url.to_string());
            opts.max_connections(16)
                .min_connections(1)
                .connect_timeout(Duration::from_secs(10))
                .sqlx_logging(false);
            let pool = connect(opts).await?;
            Ok(Catalog {
                read: pool.clone(),
                write: pool,
                listings: Default::default(),
            })
        }
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.write.get_database_backend()
    }

    pub fn is_postgres(&self) -> bool {
        self.backend() == DatabaseBackend::Postgres
    }

    pub async fn close(self) {
        let _ = self.read.close().await;
        let _ = self.write.close().await;
    }
}

fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(std::path::PathBuf::from(path))
}

fn sqlite_options(url: &str, max: u32) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url.to_string());
    opts.max_connections(max)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    opts
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Reads one value of the small key/value table (server id and the like).
pub async fn meta_get(c: &Catalog, key: &str) -> Result<Option<String>, CatalogError> {
    use entities::server_meta;
    use sea_orm::EntityTrait;
    Ok(server_meta::Entity::find_by_id(key.to_string())
        .one(&c.read)
        .await?
        .map(|m| m.value))
}

/// Returns the value stored under `key`, storing `make()` first if there is none yet.
pub async fn meta_get_or_init(
    c: &Catalog,
    key: &str,
    make: impl FnOnce() -> String,
) -> Result<String, CatalogError> {
    use entities::server_meta;
    use sea_orm::{sea_query::OnConflict, EntityTrait, Set};
    if let Some(v) = meta_get(c, key).await? {
        return Ok(v);
    }
    let row = server_meta::ActiveModel {
        key: Set(key.to_string()),
        value: Set(make()),
    };
    server_meta::Entity::insert(row)
        .on_conflict(
            OnConflict::column(server_meta::Column::Key)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&c.write)
        .await?;
    meta_get(c, key)
        .await?
        .ok_or_else(|| CatalogError::NotFound(format!("server_meta {key}")))
}

/// Runs a statement and returns the number of rows it changed.
pub async fn execute(
    conn: &DatabaseConnection,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> Result<u64, DbErr> {
    execute_on(conn, sql, values).await
}

/// [`execute`] on any connection or transaction.
pub async fn execute_on<C: ConnectionTrait>(
    conn: &C,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> Result<u64, DbErr> {
    let stmt = sea_orm::Statement::from_sql_and_values(conn.get_database_backend(), sql, values);
    Ok(conn.execute_raw(stmt).await?.rows_affected())
}
