//! Writing Jellyfin responses: PascalCase JSON without nulls (the DTOs are declared that way),
//! camelCase when the client asks with `Accept: application/json; profile="CamelCase"`, and
//! errors the way Jellyfin answers them.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

const JSON: &str = "application/json; charset=utf-8";

/// Object keys whose own keys are data, not field names, so a naming policy never touches them
/// (System.Text.Json applies no DictionaryKeyPolicy in Jellyfin's options).
const DICTIONARY_FIELDS: &[&str] = &[
    "ImageTags",
    "ImageBlurHashes",
    "CustomPrefs",
    "ProviderIds",
    "RequiredHttpHeaders",
];

fn wants_camel_case(req: &HttpRequest) -> bool {
    req.headers()
        .get_all("accept")
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.to_ascii_lowercase().contains("profile=\"camelcase\"")
                || v.to_ascii_lowercase().contains("profile=camelcase")
        })
}

fn camel(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn to_camel_case(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = if DICTIONARY_FIELDS.contains(&k.as_str()) {
                        v
                    } else {
                        to_camel_case(v)
                    };
                    (camel(&k), v)
                })
                .collect(),
        ),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(to_camel_case).collect())
        }
        other => other,
    }
}

/// 200 with `body` as JSON in the casing the client asked for.
pub fn json<T: Serialize>(req: &HttpRequest, body: &T) -> HttpResponse {
    // PascalCase, the usual case, is written straight from the DTOs: going through a
    // `serde_json::Value` tree first costs more than the catalog queries behind a page of
    // 100 items.
    let bytes = if wants_camel_case(req) {
        serde_json::to_value(body).and_then(|v| serde_json::to_vec(&to_camel_case(v)))
    } else {
        serde_json::to_vec(body)
    };
    match bytes {
        Ok(bytes) => HttpResponse::Ok().content_type(JSON).body(bytes),
        Err(e) => JfError::Internal(format!("cannot serialise response: {e}")).error_response(),
    }
}

/// Errors as Jellyfin answers them: bare status codes for auth and missing items (clients key
/// on the status), a generic text for server errors (detail goes to the log only).
#[derive(Debug, thiserror::Error)]
pub enum JfError {
    #[error("not found")]
    NotFound,
    #[error("unauthorized")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("{0}")]
    BadRequest(String),
    #[error("too many failed attempts; try again later")]
    TooManyRequests,
    #[error("Error processing request.")]
    Internal(String),
}

impl ResponseError for JfError {
    fn status_code(&self) -> StatusCode {
        match self {
            JfError::NotFound => StatusCode::NOT_FOUND,
            JfError::Unauthorized => StatusCode::UNAUTHORIZED,
            JfError::Forbidden => StatusCode::FORBIDDEN,
            JfError::BadRequest(_) => StatusCode::BAD_REQUEST,
            JfError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            JfError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let JfError::Internal(detail) = self {
            tracing::error!(error = %detail, "Jellyfin request failed");
        }
        HttpResponse::build(self.status_code())
            .content_type("text/plain; charset=utf-8")
            .body(self.to_string())
    }
}

impl From<crate::db::CatalogError> for JfError {
    fn from(e: crate::db::CatalogError) -> JfError {
        match e {
            crate::db::CatalogError::NotFound(_) => JfError::NotFound,
            other => JfError::Internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn camel_case_keeps_dictionary_keys() {
        let v = serde_json::json!({"Name": "x", "ImageTags": {"Primary": "t"}, "Items": [{"RunTimeTicks": 1}]});
        let c = to_camel_case(v);
        assert_eq!(
            c,
            serde_json::json!({"name": "x", "imageTags": {"Primary": "t"}, "items": [{"runTimeTicks": 1}]})
        );
    }
}
