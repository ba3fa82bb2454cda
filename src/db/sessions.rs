//! Devices and access tokens for Jellyfin clients: one token per (user, device), stored as a
//! SHA-256 hash (tokens travel in query strings; the catalog must not hold usable ones).

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

use super::api_keys::{generate_secret, hash_secret};
use super::entities::{access_token, device, user};
use super::{now_ms, Catalog, CatalogError};
use crate::domain::{Device, User};

/// What a client says about itself when it logs in.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    pub device_id: String,
    pub device_name: String,
    pub client: String,
    pub app_version: String,
}

/// A valid token's owner and device.
#[derive(Debug, Clone)]
pub struct Session {
    pub token_id: String,
    pub user: User,
    pub device: Device,
}

fn device_to_domain(d: device::Model) -> Device {
    Device {
        id: d.id,
        user_id: d.user_id,
        device_id: d.device_id,
        device_name: d.device_name,
        client: d.client,
        app_version: d.app_version,
        capabilities_json: d.capabilities_json,
        last_seen_at: d.last_seen_at,
    }
}

/// Logs `user_id` in on a device: the device row is created or refreshed, its previous token
/// revoked, and a new token returned (shown to the client once, stored hashed).
pub async fn create_token(
    c: &Catalog,
    user_id: &str,
    info: &DeviceInfo,
) -> Result<(String, Session), CatalogError> {
    let now = now_ms();
    let txn = c.write.begin().await?;
    let existing = device::Entity::find()
        .filter(device::Column::UserId.eq(user_id))
        .filter(device::Column::DeviceId.eq(info.device_id.clone()))
        .one(&txn)
        .await?;
    let device = match existing {
        Some(d) => {
            let mut a: device::ActiveModel = d.into();
            a.device_name = Set(info.device_name.clone());
            a.client = Set(info.client.clone());
            a.app_version = Set(info.app_version.clone());
            a.last_seen_at = Set(now);
            a.update(&txn).await?
        }
        None => {
            device::ActiveModel {
                id: Set(uuid::Uuid::new_v4().to_string()),
                user_id: Set(user_id.to_string()),
                device_id: Set(info.device_id.clone()),
                device_name: Set(info.device_name.clone()),
                client: Set(info.client.clone()),
                app_version: Set(info.app_version.clone()),
                capabilities_json: Set(None),
                last_seen_at: Set(now),
            }
            .insert(&txn)
            .await?
        }
    };
    super::execute_on(
        &txn,
        "UPDATE access_tokens SET revoked_at = $1 WHERE device_row_id = $2 AND revoked_at IS NULL",
        vec![now.into(), device.id.clone().into()],
    )
    .await?;
    let secret = generate_secret();
    let token = access_token::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        token_hash: Set(hash_secret(&secret)),
        user_id: Set(user_id.to_string()),
        device_row_id: Set(device.id.clone()),
        created_at: Set(now),
        last_used_at: Set(now),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    super::execute_on(
        &txn,
        "UPDATE users SET last_login_at = $1, last_activity_at = $2 WHERE id = $3",
        vec![now.into(), now.into(), user_id.into()],
    )
    .await?;
    let user = user::Entity::find_by_id(user_id.to_string())
        .one(&txn)
        .await?
        .ok_or_else(|| CatalogError::NotFound(format!("user {user_id}")))?;
    txn.commit().await?;
    Ok((
        secret,
        Session {
            token_id: token.id,
            user: super::users::to_domain(user),
            device: device_to_domain(device),
        },
    ))
}

/// The session behind a token, when the token is valid and its user enabled.
pub async fn lookup(c: &Catalog, secret: &str) -> Result<Option<Session>, CatalogError> {
    let Some(token) = access_token::Entity::find()
        .filter(access_token::Column::TokenHash.eq(hash_secret(secret)))
        .filter(access_token::Column::RevokedAt.is_null())
        .one(&c.read)
        .await?
    else {
        return Ok(None);
    };
    let Some(user) = user::Entity::find_by_id(token.user_id.clone())
        .one(&c.read)
        .await?
        .filter(|u| !u.is_disabled)
    else {
        return Ok(None);
    };
    let Some(device) = device::Entity::find_by_id(token.device_row_id.clone())
        .one(&c.read)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Session {
        token_id: token.id,
        user: super::users::to_domain(user),
        device: device_to_domain(device),
    }))
}

pub async fn revoke(c: &Catalog, token_id: &str) -> Result<(), CatalogError> {
    super::execute(
        &c.write,
        "UPDATE access_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        vec![now_ms().into(), token_id.into()],
    )
    .await?;
    Ok(())
}

/// Devices with a live token, most recently seen first (the `/Sessions` list).
pub async fn active_devices(c: &Catalog) -> Result<Vec<(Device, User)>, CatalogError> {
    let tokens = access_token::Entity::find()
        .filter(access_token::Column::RevokedAt.is_null())
        .all(&c.read)
        .await?;
    let device_ids: Vec<String> = tokens.iter().map(|t| t.device_row_id.clone()).collect();
    let devices = device::Entity::find()
        .filter(device::Column::Id.is_in(device_ids))
        .order_by_desc(device::Column::LastSeenAt)
        .all(&c.read)
        .await?;
    let users = user::Entity::find().all(&c.read).await?;
    Ok(devices
        .into_iter()
        .filter_map(|d| {
            let u = users.iter().find(|u| u.id == d.user_id)?.clone();
            Some((device_to_domain(d), super::users::to_domain(u)))
        })
        .collect())
}

pub async fn save_capabilities(
    c: &Catalog,
    device_row_id: &str,
    json: &str,
) -> Result<(), CatalogError> {
    super::execute(
        &c.write,
        "UPDATE devices SET capabilities_json = $1, last_seen_at = $2 WHERE id = $3",
        vec![json.into(), now_ms().into(), device_row_id.into()],
    )
    .await?;
    Ok(())
}
