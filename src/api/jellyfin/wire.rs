//! Wire rules for every route, as middleware rather than per-handler code: paths are matched
//! case-insensitively (clients send `system/info/public`, `Users/authenticatebyname`…), a
//! doubled slash is collapsed, and CORS lets web clients hosted elsewhere in, as Jellyfin does.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, Uri};
use actix_web::middleware::Next;
use actix_web::HttpResponse;

/// Paths whose case matters (static files).
fn keeps_case(path: &str) -> bool {
    path.starts_with("/web/") || path == "/web"
}

/// The path routes are matched against: lower-case, no empty segments, no trailing slash.
pub fn routing_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(segment);
    }
    if out.is_empty() {
        out.push('/');
    }
    if keeps_case(&out) {
        out
    } else {
        out.to_lowercase()
    }
}

/// The CORS headers every response carries (also those the `sendfile` stream front sends).
pub fn cors_headers(
    res_headers: &mut actix_web::http::header::HeaderMap,
    origin: Option<HeaderValue>,
) {
    res_headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        origin.unwrap_or_else(|| HeaderValue::from_static("*")),
    );
    res_headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    res_headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(
            "Accept, Accept-Language, Authorization, Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Content-Length, Content-MD5, Content-Range, Content-Type, Date, Host, If-Match, If-Modified-Since, If-None-Match, If-Unmodified-Since, Origin, OriginToken, Pragma, Range, Slug, Transfer-Encoding, Want-Digest, X-MediaBrowser-Token, X-Emby-Authorization, X-Emby-Token, X-Api-Key",
        ),
    );
    res_headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD"),
    );
    res_headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(
            "Content-Range, Content-Length, Accept-Ranges, X-Application-Error-Code",
        ),
    );
}

pub async fn normalize(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let origin = req.headers().get(header::ORIGIN).cloned();
    // Any origin may call (Jellyfin allows all); the preflight is answered here.
    if req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        let mut res = HttpResponse::NoContent().finish();
        cors_headers(res.headers_mut(), origin);
        return Ok(req.into_response(res).map_into_right_body());
    }
    let path = req.path().to_string();
    let wanted = routing_path(&path);
    if wanted != path {
        let target = match req.uri().query() {
            Some(q) => format!("{wanted}?{q}"),
            None => wanted,
        };
        if let Ok(uri) = target.parse::<Uri>() {
            req.match_info_mut().get_mut().update(&uri);
            req.head_mut().uri = uri;
        }
    }
    let mut res = next.call(req).await?;
    cors_headers(res.headers_mut(), origin);
    Ok(res.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::routing_path;

    #[test]
    fn paths_fold_case_but_static_files_keep_it() {
        assert_eq!(routing_path("/System/Info/Public"), "/system/info/public");
        assert_eq!(
            routing_path("/Library/MediaFolders/"),
            "/library/mediafolders"
        );
        assert_eq!(
            routing_path("//Users//AuthenticateByName"),
            "/users/authenticatebyname"
        );
        assert_eq!(routing_path("/web/Assets/Logo.PNG"), "/web/Assets/Logo.PNG");
        assert_eq!(routing_path("/"), "/");
    }
}
