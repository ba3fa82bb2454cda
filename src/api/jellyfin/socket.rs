//! The `/socket` WebSocket: keep-alive as Jellyfin does it (clients such as Infuse hang
//! without it), bound to the caller's session, and pushes of `UserDataChanged`.

use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use tokio::sync::broadcast;

use super::auth::{presented_token, resolve};
use super::respond::JfError;
use crate::api::AppState;

/// Seconds a client may stay silent; sent to it as `ForceKeepAlive`'s data.
const LOST_TIMEOUT_SECS: u64 = 60;

/// A message for the sockets of one user (or everyone when `user_id` is None).
#[derive(Debug, Clone)]
pub struct Push {
    pub user_id: Option<String>,
    pub message_type: &'static str,
    pub data: serde_json::Value,
}

/// A server → client message. A message without data (`KeepAlive`) has no `Data` key, as in
/// the spec's outbound message schemas.
fn message(message_type: &str, data: serde_json::Value) -> String {
    let mut msg = json!({
        "MessageType": message_type,
        "MessageId": uuid::Uuid::new_v4().simple().to_string(),
    });
    if !data.is_null() {
        msg["Data"] = data;
    }
    msg.to_string()
}

pub async fn socket(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let token = presented_token(&req).ok_or(JfError::Unauthorized)?;
    let session = resolve(&state, &token)
        .await?
        .ok_or(JfError::Unauthorized)?;
    let (response, mut ws, mut incoming) = actix_ws::handle(&req, body)?;
    let mut pushes = state.pushes.subscribe();
    let user_id = session.user.id.clone();
    actix_web::rt::spawn(async move {
        if ws
            .text(message("ForceKeepAlive", json!(LOST_TIMEOUT_SECS)))
            .await
            .is_err()
        {
            return;
        }
        let mut last_seen = tokio::time::Instant::now();
        let mut tick = tokio::time::interval(Duration::from_secs(15));
        loop {
            tokio::select! {
                msg = incoming.recv() => {
                    let Some(Ok(msg)) = msg else { break };
                    last_seen = tokio::time::Instant::now();
                    match msg {
                        actix_ws::Message::Text(text) => {
                            let kind = serde_json::from_str::<serde_json::Value>(&text)
                                .ok()
                                .and_then(|v| v.get("MessageType").and_then(|t| t.as_str()).map(str::to_string));
                            if kind.as_deref() == Some("KeepAlive") && ws.text(message("KeepAlive", serde_json::Value::Null)).await.is_err() {
                                break;
                            }
                        }
                        actix_ws::Message::Ping(bytes) if ws.pong(&bytes).await.is_err() => break,
                        actix_ws::Message::Close(_) => break,
                        _ => {}
                    }
                }
                push = pushes.recv() => {
                    match push {
                        Ok(p) if p.user_id.as_deref().is_none_or(|u| u == user_id) => {
                            if ws.text(message(p.message_type, p.data)).await.is_err() {
                                break;
                            }
                        }
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => break,
                    }
                }
                _ = tick.tick() => {
                    let idle = last_seen.elapsed();
                    if idle > Duration::from_secs(LOST_TIMEOUT_SECS) {
                        break;
                    }
                    // Remind a quiet client, as Jellyfin does after 45 s.
                    if idle > Duration::from_secs(45) && ws.text(message("ForceKeepAlive", json!(LOST_TIMEOUT_SECS))).await.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = ws.close(None).await;
    });
    Ok(response)
}
