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
    // Logos are PNGs with transparency: a resized PNG stays a PNG.
    let ext = match source.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("png") => "png",
        _ => "jpg",
    };
    let out = dir.join(format!("{tag}-{width}.{ext}"));
    if out.exists() {
        return Ok(out);
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| JfError::Internal(format!("cannot create {}: {e}", dir.display())))?;
    let tmp = dir.join(format!(".{tag}-{width}.{}.{ext}", std::process::id()));
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
    // One image of each type so far (Backdrop/0 is the only backdrop).
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
    let image_type = image_type.to_ascii_lowercase();
    if !matches!(
        image_type.as_str(),
        "primary" | "thumb" | "backdrop" | "logo"
    ) {
        return Err(JfError::NotFound);
    }
    let item = super::loader::listed_item(state, raw_id).await?;
    // Only files the catalog names are served: the primary (a poster, else a keyframe, which
    // also stands in for Thumb), and the backdrop and logo metadata brought.
    let (source, tag) = match image_type.as_str() {
        "backdrop" => (item.backdrop_path.clone(), item.backdrop_tag.clone()),
        "logo" => (item.logo_path.clone(), item.logo_tag.clone()),
        _ => (item.image_path.clone(), item.image_tag.clone()),
    };
    let (Some(source), Some(tag)) = (source, tag) else {
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
    res.content_type(content_type(&bytes));
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

/// The image type of a file, from its first bytes (posters are JPEG, logos PNG, some sources
/// WebP); JPEG when unsure, which is what keyframe thumbnails are.
fn content_type(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else if bytes.starts_with(b"GIF8") {
        "image/gif"
    } else {
        "image/jpeg"
    }
}

#[cfg(test)]
mod tests {
    use super::{bucket, content_type};

    #[test]
    fn content_types_come_from_the_bytes() {
        assert_eq!(content_type(b"\x89PNG\r\n\x1a\n...."), "image/png");
        assert_eq!(content_type(b"RIFF\0\0\0\0WEBPVP8 "), "image/webp");
        assert_eq!(content_type(b"\xff\xd8\xff\xe0"), "image/jpeg");
    }

    #[test]
    fn sizes_snap_to_buckets() {
        assert_eq!(bucket(None), None);
        assert_eq!(bucket(Some(0)), None);
        assert_eq!(bucket(Some(100)), Some(160));
        assert_eq!(bucket(Some(300)), Some(320));
        assert_eq!(bucket(Some(99_999)), Some(1920));
    }
}
