//! Access log through `tracing`, with credentials removed: Jellyfin clients put tokens in query
//! strings (`api_key=`, `ApiKey=`), and logs outlive sessions.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;

/// Query keys whose values never reach a log (compared case-insensitively).
const SECRET_KEYS: &[&str] = &[
    "api_key",
    "apikey",
    "token",
    "x-emby-token",
    "access_token",
    "password",
    "pw",
];

/// Paths whose last segment may be a secret (`DELETE /Auth/Keys/{key}`), compared
/// case-insensitively.
const SECRET_PATH_PREFIXES: &[&str] = &["/auth/keys/"];

/// The request target with secret query values (and secret path segments) replaced by `***`.
pub fn redact_target(path: &str, query: &str) -> String {
    let routed = super::jellyfin::wire::routing_path(path);
    let path = match SECRET_PATH_PREFIXES
        .iter()
        .find(|p| routed.starts_with(*p) && routed.len() > p.len())
    {
        Some(p) => format!("{p}***"),
        None => path.to_string(),
    };
    if query.is_empty() {
        return path;
    }
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| {
            let (key, _) = pair.split_once('=').unwrap_or((pair, ""));
            if SECRET_KEYS.iter().any(|s| key.eq_ignore_ascii_case(s)) {
                format!("{key}=***")
            } else {
                pair.to_string()
            }
        })
        .collect();
    format!("{path}?{}", parts.join("&"))
}

/// The access line of one answered request (`target` already redacted): the same line
/// whether actix or the `sendfile` stream front answered it.
pub fn log_response(method: &Method, target: &str, status: u16, started: Instant) {
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(target: "kinora::access", %method, %target, status, ms = format_args!("{ms:.1}"), "request");
}

pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let target = redact_target(req.path(), req.query_string());
    let res = next.call(req).await;
    match &res {
        Ok(r) => log_response(&method, &target, r.status().as_u16(), started),
        Err(e) => {
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            tracing::info!(target: "kinora::access", %method, %target, error = %e, ms = format_args!("{ms:.1}"), "request")
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::redact_target;

    #[test]
    fn secrets_are_redacted() {
        assert_eq!(
            redact_target("/Videos/1/stream", "static=true&api_key=abc123&ApiKey=zzz"),
            "/Videos/1/stream?static=true&api_key=***&ApiKey=***"
        );
        assert_eq!(redact_target("/x", ""), "/x");
        assert_eq!(redact_target("/Auth/Keys/abc123", ""), "/auth/keys/***");
        assert_eq!(redact_target("//auth//KEYS/abc123/", ""), "/auth/keys/***");
        assert_eq!(redact_target("/Auth/Keys", "app=x"), "/Auth/Keys?app=x");
        assert!(!redact_target("/a", "X-Emby-Token=s3cr3t").contains("s3cr3t"));
    }
}
