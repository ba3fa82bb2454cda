//! API keys for `/api/v1` and the Jellyfin API: stored as SHA-256 hashes, shown once at creation.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use super::entities::api_key;
use super::{now_ms, Catalog, CatalogError};

/// Hex SHA-256 of a secret. Keys are long random strings, so a fast hash is enough: there is
/// nothing to brute-force.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A new random key: 32 bytes, hex-encoded.
pub fn generate_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Creates a key and returns its secret, which is not stored anywhere.
pub async fn create(c: &Catalog, name: &str) -> Result<String, CatalogError> {
    let secret = generate_secret();
    api_key::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        name: Set(name.to_string()),
        key_hash: Set(hash_secret(&secret)),
        key_prefix: Set(secret.chars().take(6).collect()),
        created_at: Set(now_ms()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(&c.write)
    .await?;
    Ok(secret)
}

/// The key's row when `secret` is a valid, unrevoked key.
pub async fn verify(c: &Catalog, secret: &str) -> Result<Option<api_key::Model>, CatalogError> {
    Ok(api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(hash_secret(secret)))
        .filter(api_key::Column::RevokedAt.is_null())
        .one(&c.read)
        .await?)
}

/// A live key as listed to administrators: never the secret, which is not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyInfo {
    pub id: String,
    pub name: String,
    /// The first characters of the secret, kept so a listed key can be recognised.
    pub key_prefix: String,
    pub key_hash: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

fn info(m: api_key::Model) -> ApiKeyInfo {
    ApiKeyInfo {
        id: m.id,
        name: m.name,
        key_prefix: m.key_prefix,
        key_hash: m.key_hash,
        created_at: m.created_at,
        last_used_at: m.last_used_at,
    }
}

/// Creates a key; returns its secret (shown once) and its listing.
pub async fn create_listed(c: &Catalog, name: &str) -> Result<(String, ApiKeyInfo), CatalogError> {
    let secret = create(c, name).await?;
    let row = api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(hash_secret(&secret)))
        .one(&c.write)
        .await?
        .ok_or_else(|| CatalogError::NotFound("new api key".into()))?;
    Ok((secret, info(row)))
}

/// Live (unrevoked) keys, oldest first.
pub async fn list(c: &Catalog) -> Result<Vec<ApiKeyInfo>, CatalogError> {
    use sea_orm::QueryOrder;
    Ok(api_key::Entity::find()
        .filter(api_key::Column::RevokedAt.is_null())
        .order_by_asc(api_key::Column::CreatedAt)
        .order_by_asc(api_key::Column::Id)
        .all(&c.read)
        .await?
        .into_iter()
        .map(info)
        .collect())
}

/// Records that a key was used (called when a key is validated, not on every request).
pub async fn touch(c: &Catalog, id: &str) -> Result<(), CatalogError> {
    super::execute(
        &c.write,
        "UPDATE api_keys SET last_used_at = $1 WHERE id = $2",
        vec![now_ms().into(), id.into()],
    )
    .await?;
    Ok(())
}

/// What names a key to revoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRef<'a> {
    /// The secret itself.
    Secret(&'a str),
    /// The key's id (catalog form).
    Id(&'a str),
    /// The start of the secret as listed: revokes only when exactly one live key matches.
    Prefix(&'a str),
}

/// Revokes the live key `r` names; returns the revoked keys (none when nothing matched, or when
/// a prefix is ambiguous).
pub async fn revoke(c: &Catalog, r: KeyRef<'_>) -> Result<Vec<ApiKeyInfo>, CatalogError> {
    let live = api_key::Entity::find().filter(api_key::Column::RevokedAt.is_null());
    let found = match r {
        KeyRef::Secret(s) => {
            live.filter(api_key::Column::KeyHash.eq(hash_secret(s)))
                .all(&c.write)
                .await?
        }
        KeyRef::Id(id) => {
            live.filter(api_key::Column::Id.eq(id))
                .all(&c.write)
                .await?
        }
        KeyRef::Prefix(p) if !p.is_empty() => {
            let rows = live
                .filter(api_key::Column::KeyPrefix.eq(p))
                .all(&c.write)
                .await?;
            if rows.len() == 1 {
                rows
            } else {
                Vec::new()
            }
        }
        KeyRef::Prefix(_) => Vec::new(),
    };
    let now = now_ms();
    for row in &found {
        super::execute(
            &c.write,
            "UPDATE api_keys SET revoked_at = $1 WHERE id = $2",
            vec![now.into(), row.id.clone().into()],
        )
        .await?;
    }
    Ok(found.into_iter().map(info).collect())
}
