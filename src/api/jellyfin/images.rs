//! `/Items/{id}/Images/{type}[/{index}]`: anonymous, as in Jellyfin (clients build image URLs
//! without tokens). Sizes are bucketed so an anonymous caller cannot make the server produce
//! unbounded variants; each variant is made once with ffmpeg and cached in the data dir.

use std::path::{Path, PathBuf};
use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::query::JfQuery;
use super::respond::JfError;
use crate::api::AppState;

/// Widths a resized image snaps up to.
const BUCKETS: &[i64] = &[160, 320, 480, 640, 960, 1280, 1920];

/// The bucket for a requested size: the smallest bucket at least as large, capped at the
/// largest (a larger request gets the largest variant).
pub fn bucket(requested: Option<i64>) -> Option<i64> {
    let r = requested.filter(|r| *r > 0)?;
    Some(
        *BUCKETS
            .iter()
            .find(|b| **b >= r)
            .unwrap_or(&BUCKETS[BUCKETS.len() - 1]),
    )
}

async fn resized(
    state: &AppState,
    source: &Path,
    tag: &str,
    width: i64,
) -> Result<PathBuf, JfError> {
    let dir = state.config.data_dir.join("image-cache");
    let out = dir.join(format!("{tag}-{width}.jpg"));
    if out.exists() {
        return Ok(out);
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| JfError::Internal(format!("cannot create {}: {e}", dir.display())))?;
    let tmp = dir.join(format!(".{tag}-{width}.{}.jpg", std::process::id()));
    let args: Vec<std::ffi::OsString> = vec![
        "-v".into(),
        "error".into(),
        "-y".into(),
        "-i".into(),
        {
            let mut s = std::ffi::OsString::from("file:");
            s.push(source.as_os_str());
            s
        },
        "-vf".into(),
        format!("scale='min({width},iw)':-2").into(),
        "-frames:v".into(),
        "1".into(),
        "-q:v".into(),
        "3".into(),
        {
            let mut s = std::ffi::OsString::from("file:");
            s.push(tmp.as_os_str());
            s
        },
    ];
    crate::process::run(&state.config.tools.ffmpeg, &args, Duration::from_secs(30))
        .await
        .map_err(|e| JfError::Internal(format!("image resize failed: {e}")))?;
    std::fs::rename(&tmp, &out)
        .map_err(|e| JfError::Internal(format!("cannot store resized image: {e}")))?;
    Ok(out)
}

pub async fn get_item_image(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, JfError> {
    let (raw_id, image_type) = path.into_inner();
    serve(&req, &state, &raw_id, &image_type).await
}

pub async fn get_item_image_by_index(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String, u32)>,
) -> Result<HttpResponse, JfError> {
    let (raw_id, image_type, index) = path.into_inner();
    if index > 0 {
        return Err(JfError::NotFound);
    }
    serve(&req, &state, &raw_id, &image_type).await
}

async fn serve(
    req: &HttpRequest,
    state: &AppState,
    raw_id: &str,
    image_type: &str,
) -> Result<HttpResponse, JfError> {
    // Kinora has one image per item so far: the primary (a keyframe, later a poster).
    if !image_type.eq_ignore_ascii_case("primary") && !image_type.eq_ignore_ascii_case("thumb") {
        return Err(JfError::NotFound);
    }
    let item = super::loader::listed_item(state, raw_id).await?;
    let (Some(source), Some(tag)) = (item.image_path.clone(), item.image_tag.clone()) else {
        return Err(JfError::NotFound);
    };
    let q = JfQuery::parse(req.query_string());
    let width = bucket(
        q.i64("MaxWidth")
            .or_else(|| q.i64("FillWidth"))
            .or_else(|| q.i64("Width")),
    );
    let file = match width {
        Some(w) => resized(state, &source, &tag, w).await?,
        None => source,
    };
    let bytes = tokio::fs::read(&file)
        .await
        .map_err(|_| JfError::NotFound)?;
    let mut res = HttpResponse::Ok();
    res.content_type("image/jpeg");
    res.insert_header((header::ETAG, format!("\"{tag}\"")));
    // A URL carrying the current tag never changes: cache it for a year.
    if q.get("tag") == Some(tag.as_str()) {
        res.insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"));
    } else {
        res.insert_header((header::CACHE_CONTROL, "public, max-age=60"));
    }
    if req.method() == actix_web::http::Method::HEAD {
        return Ok(res.finish());
    }
    Ok(res.body(bytes))
}

#[cfg(test)]
mod tests {
    use super::bucket;

    #[test]
    fn sizes_snap_to_buckets() {
        assert_eq!(bucket(None), None);
        assert_eq!(bucket(Some(0)), None);
        assert_eq!(bucket(Some(100)), Some(160));
        assert_eq!(bucket(Some(300)), Some(320));
        assert_eq!(bucket(Some(99_999)), Some(1920));
    }
}
