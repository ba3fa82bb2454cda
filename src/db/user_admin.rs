//! Administration of users: names, rights, passwords, saved settings, deletion, and revoking a
//! user's access tokens. The rule kept across every change: at least one enabled administrator.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

use super::entities::user;
use super::{now_ms, Catalog, CatalogError};
use crate::domain::User;

/// Why an administrative change was refused (the text is Jellyfin's, shown to the admin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    LastAdministrator(&'static str),
    AdministratorDisabled,
}

impl Refusal {
    pub fn message(&self) -> &'static str {
        match self {
            Refusal::LastAdministrator(m) => m,
            Refusal::AdministratorDisabled => "Administrators cannot be disabled.",
        }
    }
}

fn enabled_admin(u: &user::Model) -> bool {
    u.is_admin && !u.is_disabled
}

/// The administrator an API key acts as: the oldest enabled one.
pub async fn first_admin(c: &Catalog) -> Result<Option<User>, CatalogError> {
    Ok(user::Entity::find()
        .filter(user::Column::IsAdmin.eq(true))
        .filter(user::Column::IsDisabled.eq(false))
        .order_by_asc(user::Column::CreatedAt)
        .order_by_asc(user::Column::Id)
        .one(&c.read)
        .await?
        .map(super::users::to_domain))
}

/// Whether another user (not `except_id`) already has `name`, ignoring case (Jellyfin's rule).
pub async fn name_taken(
    c: &Catalog,
    name: &str,
    except_id: Option<&str>,
) -> Result<bool, CatalogError> {
    let wanted = name.to_lowercase();
    Ok(user::Entity::find()
        .all(&c.write)
        .await?
        .iter()
        .any(|u| Some(u.id.as_str()) != except_id && u.name.to_lowercase() == wanted))
}

pub async fn rename(c: &Catalog, id: &str, name: &str) -> Result<(), CatalogError> {
    let u = user::Entity::find_by_id(id.to_string())
        .one(&c.write)
        .await?
        .ok_or_else(|| CatalogError::NotFound(format!("user {id}")))?;
    let mut a: user::ActiveModel = u.into();
    a.name = Set(name.to_string());
    a.update(&c.write).await?;
    Ok(())
}

/// Sets a user's administrator and disabled flags. Refused when it would leave no enabled
/// administrator, or make an administrator disabled. Disabling revokes the user's tokens.
pub async fn set_flags(
    c: &Catalog,
    id: &str,
    is_admin: bool,
    is_disabled: bool,
) -> Result<Result<(), Refusal>, CatalogError> {
    let txn = c.write.begin().await?;
    let users = user::Entity::find().all(&txn).await?;
    let Some(target) = users.iter().find(|u| u.id == id).cloned() else {
        return Err(CatalogError::NotFound(format!("user {id}")));
    };
    if is_admin && is_disabled {
        return Ok(Err(Refusal::AdministratorDisabled));
    }
    let others = users.iter().filter(|u| u.id != id).any(enabled_admin);
    let stays_enabled_admin = is_admin && !is_disabled;
    if !others && !stays_enabled_admin {
        return Ok(Err(Refusal::LastAdministrator(
            "There must be at least one user in the system with administrative access.",
        )));
    }
    let newly_disabled = is_disabled && !target.is_disabled;
    let mut a: user::ActiveModel = target.into();
    a.is_admin = Set(is_admin);
    a.is_disabled = Set(is_disabled);
    a.update(&txn).await?;
    if newly_disabled {
        revoke_tokens_on(&txn, id, None).await?;
    }
    txn.commit().await?;
    Ok(Ok(()))
}

/// Deletes a user with their devices, tokens and play state. Refused for the last enabled
/// administrator.
pub async fn delete(c: &Catalog, id: &str) -> Result<Result<(), Refusal>, CatalogError> {
    let txn = c.write.begin().await?;
    let users = user::Entity::find().all(&txn).await?;
    let Some(target) = users.iter().find(|u| u.id == id) else {
        return Err(CatalogError::NotFound(format!("user {id}")));
    };
    if enabled_admin(target) && !users.iter().filter(|u| u.id != id).any(enabled_admin) {
        return Ok(Err(Refusal::LastAdministrator(
            "The user cannot be deleted because there must be at least one admin user in the system.",
        )));
    }
    // Explicit rather than left to ON DELETE CASCADE, so the outcome does not depend on a
    // backend's foreign-key settings.
    for sql in [
        "DELETE FROM user_item_data WHERE user_id = $1",
        "DELETE FROM access_tokens WHERE user_id = $1",
        "DELETE FROM devices WHERE user_id = $1",
        "DELETE FROM users WHERE id = $1",
    ] {
        super::execute_on(&txn, sql, vec![id.into()]).await?;
    }
    txn.commit().await?;
    Ok(Ok(()))
}

/// Whether `password` is the user's current password.
pub async fn check_password(c: &Catalog, id: &str, password: &str) -> Result<bool, CatalogError> {
    let Some(u) = user::Entity::find_by_id(id.to_string())
        .one(&c.write)
        .await?
    else {
        return Ok(false);
    };
    Ok(super::users::verify_password(password, &u.password_hash))
}

/// Stores a new password (argon2) and revokes the user's tokens except `keep_token_id` (the
/// caller's own, when users change their own password).
pub async fn set_password(
    c: &Catalog,
    id: &str,
    password: &str,
    keep_token_id: Option<&str>,
) -> Result<(), CatalogError> {
    let hash = super::users::hash_password(password)?;
    let txn = c.write.begin().await?;
    let changed = super::execute_on(
        &txn,
        "UPDATE users SET password_hash = $1 WHERE id = $2",
        vec![hash.into(), id.into()],
    )
    .await?;
    if changed == 0 {
        return Err(CatalogError::NotFound(format!("user {id}")));
    }
    revoke_tokens_on(&txn, id, keep_token_id).await?;
    txn.commit().await?;
    Ok(())
}

/// Stores the user's `UserConfiguration` (a JSON object).
pub async fn set_configuration(c: &Catalog, id: &str, json: &str) -> Result<(), CatalogError> {
    let changed = super::execute(
        &c.write,
        "UPDATE users SET configuration_json = $1 WHERE id = $2",
        vec![json.into(), id.into()],
    )
    .await?;
    if changed == 0 {
        return Err(CatalogError::NotFound(format!("user {id}")));
    }
    Ok(())
}

async fn revoke_tokens_on<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    keep_token_id: Option<&str>,
) -> Result<(), CatalogError> {
    let now = now_ms();
    match keep_token_id {
        Some(keep) => {
            super::execute_on(
                conn,
                "UPDATE access_tokens SET revoked_at = $1 WHERE user_id = $2 AND id <> $3 AND revoked_at IS NULL",
                vec![now.into(), user_id.into(), keep.into()],
            )
            .await?
        }
        None => {
            super::execute_on(
                conn,
                "UPDATE access_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
                vec![now.into(), user_id.into()],
            )
            .await?
        }
    };
    Ok(())
}
