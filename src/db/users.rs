//! Users: argon2 password hashes; the first administrator comes from the configuration.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use super::entities::user;
use super::{now_ms, Catalog, CatalogError};
use crate::domain::User;

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
        configuration_json: Set(None),
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

pub fn to_domain(u: user::Model) -> User {
    User {
        id: u.id,
        name: u.name,
        is_admin: u.is_admin,
        is_disabled: u.is_disabled,
        created_at: u.created_at,
        last_login_at: u.last_login_at,
        last_activity_at: u.last_activity_at,
        configuration_json: u.configuration_json,
    }
}

pub async fn authenticate(
    c: &Catalog,
    name: &str,
    password: &str,
) -> Result<Option<User>, CatalogError> {
    let Some(u) = user::Entity::find()
        .filter(user::Column::Name.eq(name))
        .one(&c.read)
        .await?
    else {
        return Ok(None);
    };
    Ok((!u.is_disabled && verify_password(password, &u.password_hash)).then(|| to_domain(u)))
}

pub async fn get(c: &Catalog, id: &str) -> Result<Option<User>, CatalogError> {
    Ok(user::Entity::find_by_id(id.to_string())
        .one(&c.read)
        .await?
        .map(to_domain))
}

pub async fn all(c: &Catalog) -> Result<Vec<User>, CatalogError> {
    use sea_orm::QueryOrder;
    Ok(user::Entity::find()
        .order_by_asc(user::Column::Name)
        .all(&c.read)
        .await?
        .into_iter()
        .map(to_domain)
        .collect())
}
