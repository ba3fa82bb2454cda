//! Users: argon2 password hashes; the first administrator comes from the configuration.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use super::entities::user;
use super::{now_ms, Catalog, CatalogError};

pub fn hash_password(password: &str) -> Result<String, CatalogError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CatalogError::Conflict(format!("cannot hash password: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

pub async fn count(c: &Catalog) -> Result<u64, CatalogError> {
    Ok(user::Entity::find().count(&c.read).await?)
}

pub async fn create(
    c: &Catalog,
    name: &str,
    password: &str,
    is_admin: bool,
) -> Result<user::Model, CatalogError> {
    if user::Entity::find()
        .filter(user::Column::Name.eq(name))
        .one(&c.write)
        .await?
        .is_some()
    {
        return Err(CatalogError::Conflict(format!("user {name:?} exists")));
    }
    Ok(user::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        name: Set(name.to_string()),
        password_hash: Set(hash_password(password)?),
        is_admin: Set(is_admin),
        is_disabled: Set(false),
        created_at: Set(now_ms()),
        last_login_at: Set(None),
        last_activity_at: Set(None),
    }
    .insert(&c.write)
    .await?)
}

/// Creates the configured first administrator while the catalog has no user at all.
/// Returns whether one was created.
pub async fn ensure_first_admin(
    c: &Catalog,
    name: Option<&str>,
    password: Option<&str>,
) -> Result<bool, CatalogError> {
    let (Some(name), Some(password)) = (name, password) else {
        return Ok(false);
    };
    if count(c).await? > 0 {
        return Ok(false);
    }
    create(c, name, password, true).await?;
    Ok(true)
}

pub async fn authenticate(
    c: &Catalog,
    name: &str,
    password: &str,
) -> Result<Option<user::Model>, CatalogError> {
    let Some(u) = user::Entity::find()
        .filter(user::Column::Name.eq(name))
        .one(&c.read)
        .await?
    else {
        return Ok(None);
    };
    Ok((!u.is_disabled && verify_password(password, &u.password_hash)).then_some(u))
}
