//! API keys for `/api/v1`: stored as SHA-256 hashes, shown once at creation.

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
