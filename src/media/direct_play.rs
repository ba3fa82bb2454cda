//! Direct play: serving a media file from disk as-is, with HTTP range and
//! conditional request support.
//!
//! The caller resolves the file from the catalog (never from a client-supplied
//! path) and calls [`serve_file`] from a `GET` or `HEAD` handler, e.g.
//! `GET/HEAD /api/v1/items/{id}/stream` or Jellyfin's `/Videos/{id}/stream`.
//!
//! Semantics follow RFC 9110 the way nginx's static file module behaves:
//!
//! * `Accept-Ranges: bytes` on every response.
//! * A single byte range (`bytes=a-b`, `bytes=a-`, `bytes=-n`) gives `206` with
//!   `Content-Range`; a range starting at or past the end gives `416` with
//!   `Content-Range: bytes */len`; a syntactically invalid `Range` header is
//!   ignored (`200` with the whole file). See [`parse_range`] for the rules,
//!   including multi-range requests.
//! * A strong `ETag` (size + modification time in nanoseconds) and
//!   `Last-Modified`; `If-Match` / `If-Unmodified-Since` (`412`),
//!   `If-None-Match` / `If-Modified-Since` (`304`) and `If-Range`.
//! * `HEAD` gets exactly the headers `GET` would get (including the range
//!   handling and the `Content-Length` of the body `GET` would send) and no
//!   body. As in nginx, a `Range` header on `HEAD` is honoured.
//! * The body is streamed from disk in [`CHUNK_SIZE`] chunks, never buffering
//!   the whole file; see [`CHUNK_SIZE`] for the strategy.
//!
//! The decisions (status, headers, which bytes) are one pure function,
//! [`plan_response`]; [`respond`] sends its plan through actix, and on Linux
//! the connection front (`api::stream_front`) sends the same plan with
//! `sendfile(2)` (see [`super::sendfile`]).

use std::fs::{File, Metadata};
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use actix_web::body::SizedStream;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use bytes::Bytes;
use futures_util::future::{self, Either, FutureExt};
use futures_util::stream::{self, Stream, StreamExt};

/// Size of one read from disk, and so of one body chunk handed to actix.
///
/// Strategy: each chunk is read with one positional read (`preadv2`) straight
/// into a fresh, uninitialised buffer that becomes the `Bytes` chunk: no
/// zeroing and no intermediate copy (`tokio::fs::File` reads into its own
/// buffer and copies again). On Linux the read is first tried with
/// `RWF_NOWAIT` on the worker thread, which succeeds when the data is in the
/// page cache (the common case for hot media and for benchmarks) and costs no
/// thread hop; data that would need disk I/O is read on tokio's blocking pool
/// instead, with [`READ_AHEAD`] chunks in flight, so a slow disk never blocks
/// the async worker.
///
/// Why 64 KiB: actix copies every chunk into its connection write buffer
/// (32 KiB high-water mark) and throws that buffer away after a flush if it
/// grew past 128 KiB, so chunks up to 64 KiB keep the write buffer's
/// allocation alive and the data hot in cache, and 64 KiB buffers stay below
/// glibc's mmap threshold (larger ones are mmapped and page-faulted afresh for
/// every chunk, which cost ~15% in profiles). Measured on random 1 MiB range
/// reads from the page cache, 64 and 128 KiB were best; 256 KiB was ~15%
/// slower and 512 KiB ~30% slower. Memory per stream stays small:
/// [`READ_AHEAD`] chunks plus actix's write buffer.
pub const CHUNK_SIZE: usize = 64 * 1024;

/// Number of chunk reads kept in flight per stream. With 2, the next chunk is
/// read (from the page cache inline, or from disk on the blocking pool) while
/// the current one is written to the socket.
const READ_AHEAD: usize = 2;

/// Options for [`serve_file`].
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions<'a> {
    /// `Content-Type` of the response, e.g. from [`content_type_for_extension`].
    pub content_type: &'a str,
}

/// Errors from [`serve_file`]. Both happen before any response is produced;
/// errors while the body is being streamed are logged and end the stream.
#[derive(Debug, thiserror::Error)]
pub enum DirectPlayError {
    /// The file does not exist (any more).
    #[error("media file not found: {0}")]
    NotFound(String),
    /// The file exists but cannot be opened or inspected, or is not a regular
    /// file.
    #[error("cannot read media file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
}

/// What a `Range` header asks for, resolved against a known length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeDecision {
    /// Serve the whole file with `200` (no range, or the header is ignored).
    Full,
    /// Serve bytes `start..=end_inclusive` with `206`.
    Partial { start: u64, end_inclusive: u64 },
    /// Answer `416` with `Content-Range: bytes */len`.
    Unsatisfiable,
}

/// `Content-Type` for a file, by its extension (see
/// [`content_type_for_extension`]).
pub fn content_type_for_path(path: &Path) -> &'static str {
    path.extension()
        .and_then(|e| e.to_str())
        .map_or("application/octet-stream", content_type_for_extension)
}

/// `Content-Type` for a container name or file extension (without the dot),
/// case-insensitively. Unknown ones give `application/octet-stream`.
pub fn content_type_for_extension(ext: &str) -> &'static str {
    let ext = ext.trim().trim_start_matches('.');
    const TABLE: &[(&str, &str)] = &[
        ("mkv", "video/x-matroska"),
        ("matroska", "video/x-matroska"),
        ("mp4", "video/mp4"),
        ("m4v", "video/mp4"),
        ("avi", "video/x-msvideo"),
        ("mov", "video/quicktime"),
        ("webm", "video/webm"),
        ("ts", "video/mp2t"),
        ("m2ts", "video/mp2t"),
        ("mts", "video/mp2t"),
    ];
    TABLE
        .iter()
        .find(|(e, _)| e.eq_ignore_ascii_case(ext))
        .map_or("application/octet-stream", |(_, ct)| ct)
}

/// One range-spec of a `Range` header, before resolution against a length.
/// Numbers too large for `u64` saturate to `u64::MAX`, which resolves
/// correctly: such a start is past any end, such an end or suffix covers the
/// whole file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RangeSpec {
    /// `first-last` or `first-` (`last` = `None`).
    FromTo(u64, Option<u64>),
    /// `-n`: the last `n` bytes.
    Suffix(u64),
}

/// Parses a `Range` header value against a file of `len` bytes.
///
/// * The unit must be `bytes` (case-insensitively); anything else is ignored
///   ([`RangeDecision::Full`]).
/// * Whitespace around the unit, the numbers, `-`, `=` and `,` is tolerated,
///   and empty list elements are skipped (RFC 9110 list syntax).
/// * A syntactically invalid header (no numbers, signs, non-digits,
///   `first > last` as in `bytes=5-2`) is ignored: [`RangeDecision::Full`],
///   as nginx does and RFC 9110 allows.
/// * `last` past the end is clamped to `len - 1`; a suffix longer than the
///   file means the whole file; `bytes=-0` is unsatisfiable; any range on a
///   zero-length file is unsatisfiable (nginx behaviour).
/// * Numbers too large for `u64` are valid syntax: as a start they are past
///   the end (unsatisfiable), as an end or suffix length they are clamped to
///   the file (RFC 9110 semantics; nginx answers 416 to any overflow).
/// * Multiple ranges: multipart/byteranges is not supported. If none of the
///   ranges is satisfiable the answer is [`RangeDecision::Unsatisfiable`]; if
///   exactly one is, that one is served as a single-part `206` (it is all the
///   client can get); if several are, the header is ignored and the whole
///   file is served with `200`, which RFC 9110 allows and every client must
///   handle. Jellyfin clients only send single ranges.
pub fn parse_range(header: &str, len: u64) -> RangeDecision {
    let Some(specs) = parse_range_specs(header) else {
        return RangeDecision::Full;
    };
    let mut satisfiable = specs.iter().filter_map(|spec| resolve_spec(*spec, len));
    match (satisfiable.next(), satisfiable.next()) {
        (None, _) => RangeDecision::Unsatisfiable,
        (Some((start, end_inclusive)), None) => RangeDecision::Partial {
            start,
            end_inclusive,
        },
        (Some(_), Some(_)) => RangeDecision::Full,
    }
}

/// Syntax of `Range: bytes=...`; `None` when the header must be ignored.
fn parse_range_specs(header: &str) -> Option<Vec<RangeSpec>> {
    let (unit, set) = header.split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return None;
    }
    let mut specs = Vec::new();
    for element in set.split(',') {
        let element = element.trim_matches(is_ows);
        if element.is_empty() {
            continue;
        }
        let (first, last) = element.split_once('-')?;
        let first = first.trim_matches(is_ows);
        let last = last.trim_matches(is_ows);
        let spec = if first.is_empty() {
            RangeSpec::Suffix(parse_digits(last)?)
        } else {
            let first = parse_digits(first)?;
            let last = if last.is_empty() {
                None
            } else {
                let last = parse_digits(last)?;
                if last < first {
                    return None;
                }
                Some(last)
            };
            RangeSpec::FromTo(first, last)
        };
        specs.push(spec);
    }
    if specs.is_empty() {
        None
    } else {
        Some(specs)
    }
}

fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Non-empty ASCII digits only (no sign), saturating at `u64::MAX`.
fn parse_digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.bytes().fold(0u64, |acc, b| {
        acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}

/// Inclusive byte bounds of a spec within `len` bytes, `None` if unsatisfiable.
fn resolve_spec(spec: RangeSpec, len: u64) -> Option<(u64, u64)> {
    if len == 0 {
        return None;
    }
    match spec {
        RangeSpec::FromTo(first, last) => {
            if first >= len {
                return None;
            }
            let last = last.map_or(len - 1, |l| l.min(len - 1));
            Some((first, last))
        }
        RangeSpec::Suffix(0) => None,
        RangeSpec::Suffix(n) => Some((len.saturating_sub(n), len - 1)),
    }
}

/// Validators of the file being served.
struct Validators {
    /// Quoted strong entity tag.
    etag: String,
    /// Modification time in whole seconds since the epoch, if known.
    mtime_secs: Option<u64>,
    /// `Last-Modified` value.
    last_modified: Option<String>,
}

impl Validators {
    fn new(meta: &Metadata) -> Self {
        let len = meta.len();
        let modified = meta.modified().ok();
        let since_epoch = modified.and_then(|m| m.duration_since(UNIX_EPOCH).ok());
        let etag = match since_epoch {
            Some(d) => format!("\"{:x}.{:x}-{:x}\"", d.as_secs(), d.subsec_nanos(), len),
            None => format!("\"0-{len:x}\""),
        };
        Validators {
            etag,
            mtime_secs: since_epoch.map(|d| d.as_secs()),
            last_modified: modified.map(httpdate::fmt_http_date),
        }
    }

    /// `Accept-Ranges`, `ETag` and `Last-Modified`: the headers every answer
    /// carries.
    fn into_headers(self) -> Vec<(header::HeaderName, HeaderValue)> {
        let mut headers = Vec::with_capacity(6);
        headers.push((header::ACCEPT_RANGES, HeaderValue::from_static("bytes")));
        // Both are built from digits, quotes, letters and punctuation only.
        if let Ok(etag) = HeaderValue::try_from(self.etag) {
            headers.push((header::ETAG, etag));
        }
        if let Some(Ok(lm)) = self.last_modified.map(HeaderValue::try_from) {
            headers.push((header::LAST_MODIFIED, lm));
        }
        headers
    }

    /// Whether an entity-tag list (`If-Match`, `If-None-Match`) matches.
    fn etag_list_matches(&self, list: &str, weak: bool) -> bool {
        if list.trim() == "*" {
            return true;
        }
        parse_etag_list(list).into_iter().any(|(is_weak, tag)| {
            // Strong comparison: neither may be weak (ours never is).
            (weak || !is_weak) && tag == self.etag
        })
    }

    /// Whether the file was not modified after the given HTTP date
    /// (seconds resolution). `None` if the date or the mtime is unknown.
    fn not_modified_since(&self, date: &str) -> Option<bool> {
        let date = httpdate::parse_http_date(date.trim()).ok()?;
        let date_secs = date.duration_since(UNIX_EPOCH).ok()?.as_secs();
        Some(self.mtime_secs? <= date_secs)
    }

    /// `If-Range`: an entity tag must match strongly, a date exactly.
    fn if_range_matches(&self, value: &str) -> bool {
        let value = value.trim();
        if value.starts_with('"') || value.starts_with("W/") {
            return !value.starts_with("W/") && value == self.etag;
        }
        match (httpdate::parse_http_date(value), self.mtime_secs) {
            (Ok(date), Some(mtime)) => date
                .duration_since(UNIX_EPOCH)
                .is_ok_and(|d| d.as_secs() == mtime),
            _ => false,
        }
    }
}

/// Entity tags of a comma-separated list as `(is_weak, "quoted-tag")`.
/// Malformed elements end the list.
fn parse_etag_list(list: &str) -> Vec<(bool, &str)> {
    let mut tags = Vec::new();
    let mut rest = list;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || is_ows(c));
        if rest.is_empty() {
            break;
        }
        let (weak, body) = match rest.strip_prefix("W/") {
            Some(body) => (true, body),
            None => (false, rest),
        };
        if !body.starts_with('"') {
            break;
        }
        let Some(close) = body[1..].find('"') else {
            break;
        };
        let end = close + 2;
        tags.push((weak, &body[..end]));
        rest = &body[end..];
    }
    tags
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// What the body of a planned response is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlannedBody {
    /// No body (`304`, `412`, `416`): `Content-Length: 0`, none at all for `304`.
    Empty,
    /// `len` bytes of the file from `start`; `Content-Length: len`, also for
    /// `HEAD`, which gets no body.
    File { start: u64, len: u64 },
}

/// How to answer a request for a file, decided from the request method and
/// headers and the file's metadata alone, so that every way of sending the
/// answer (actix with [`respond`], or the `sendfile` connection front) gives
/// the same status and headers.
#[derive(Debug)]
pub struct ResponsePlan {
    pub status: StatusCode,
    /// Every header but `Content-Length` (which follows from [`Self::body`]),
    /// `Date` and the connection headers.
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
    pub body: PlannedBody,
}

impl ResponsePlan {
    /// The `Content-Length` to send: none for `304` (as actix does; it
    /// describes no body), else the body length.
    pub fn content_length(&self) -> Option<u64> {
        match self.body {
            _ if self.status == StatusCode::NOT_MODIFIED => None,
            PlannedBody::Empty => Some(0),
            PlannedBody::File { len, .. } => Some(len),
        }
    }

    fn bare(status: StatusCode, validators: Validators) -> Self {
        ResponsePlan {
            status,
            headers: validators.into_headers(),
            body: PlannedBody::Empty,
        }
    }
}

/// Plans the answer to `method` with `headers` for a file with `meta`.
///
/// Other methods than `GET`/`HEAD` get the whole file without range or `304`
/// handling (the routes only use `GET` and `HEAD`).
pub fn plan_response(
    method: &Method,
    headers: &HeaderMap,
    meta: &Metadata,
    content_type: &str,
) -> ResponsePlan {
    let len = meta.len();
    let validators = Validators::new(meta);
    let get_or_head = method == Method::HEAD || method == Method::GET;

    // RFC 9110 §13.2.2, steps 1-2: If-Match, else If-Unmodified-Since.
    if let Some(if_match) = header_str(headers, header::IF_MATCH) {
        if !validators.etag_list_matches(if_match, false) {
            return ResponsePlan::bare(StatusCode::PRECONDITION_FAILED, validators);
        }
    } else if let Some(ius) = header_str(headers, header::IF_UNMODIFIED_SINCE) {
        if validators.not_modified_since(ius) == Some(false) {
            return ResponsePlan::bare(StatusCode::PRECONDITION_FAILED, validators);
        }
    }

    // Steps 3-4: If-None-Match, else If-Modified-Since (GET/HEAD only).
    if let Some(inm) = header_str(headers, header::IF_NONE_MATCH) {
        if validators.etag_list_matches(inm, true) {
            let status = if get_or_head {
                StatusCode::NOT_MODIFIED
            } else {
                StatusCode::PRECONDITION_FAILED
            };
            return ResponsePlan::bare(status, validators);
        }
    } else if get_or_head {
        if let Some(ims) = header_str(headers, header::IF_MODIFIED_SINCE) {
            if validators.not_modified_since(ims) == Some(true) {
                return ResponsePlan::bare(StatusCode::NOT_MODIFIED, validators);
            }
        }
    }

    // Step 5: Range, unless If-Range does not match.
    let mut decision = RangeDecision::Full;
    if get_or_head {
        if let Some(range) = header_str(headers, header::RANGE) {
            // An If-Range that is not visible ASCII cannot match.
            let if_range_ok = headers
                .get(header::IF_RANGE)
                .is_none_or(|v| v.to_str().is_ok_and(|v| validators.if_range_matches(v)));
            if if_range_ok {
                decision = parse_range(range, len);
            }
        }
    }

    let (status, start, count) = match decision {
        RangeDecision::Full => (StatusCode::OK, 0, len),
        RangeDecision::Partial {
            start,
            end_inclusive,
        } => (
            StatusCode::PARTIAL_CONTENT,
            start,
            end_inclusive - start + 1,
        ),
        RangeDecision::Unsatisfiable => {
            let mut plan = ResponsePlan::bare(StatusCode::RANGE_NOT_SATISFIABLE, validators);
            plan.headers
                .push((header::CONTENT_RANGE, range_value(format!("bytes */{len}"))));
            return plan;
        }
    };

    let mut headers = validators.into_headers();
    let content_type = HeaderValue::from_str(content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.push((header::CONTENT_TYPE, content_type));
    if status == StatusCode::PARTIAL_CONTENT {
        let value = format!("bytes {}-{}/{}", start, start + count - 1, len);
        headers.push((header::CONTENT_RANGE, range_value(value)));
    }
    ResponsePlan {
        status,
        headers,
        body: PlannedBody::File { start, len: count },
    }
}

/// A `Content-Range` value: digits, spaces, `-`, `*` and `/` only, so always valid.
fn range_value(value: String) -> HeaderValue {
    HeaderValue::try_from(value).unwrap_or(HeaderValue::from_static("bytes */0"))
}

/// Serves `path` (already resolved from the catalog) for direct play.
///
/// Returns an error only if the file cannot be opened or inspected; the
/// caller maps [`DirectPlayError::NotFound`] to 404 and the rest to 500.
pub async fn serve_file(
    req: &HttpRequest,
    path: &Path,
    opts: &ServeOptions<'_>,
) -> Result<HttpResponse, DirectPlayError> {
    let (file, meta) = open(path).await?;
    Ok(respond(req, file, &meta, path, opts))
}

/// The actix answer for an opened file: [`plan_response`], then the body
/// streamed from disk in [`CHUNK_SIZE`] chunks.
pub fn respond(
    req: &HttpRequest,
    file: File,
    meta: &Metadata,
    path: &Path,
    opts: &ServeOptions<'_>,
) -> HttpResponse {
    let plan = plan_response(req.method(), req.headers(), meta, opts.content_type);
    let mut builder = HttpResponse::build(plan.status);
    for (name, value) in plan.headers {
        builder.insert_header((name, value));
    }
    let (start, count) = match plan.body {
        // `finish` sends `Content-Length: 0` (and none on a 304).
        PlannedBody::Empty => return builder.finish(),
        PlannedBody::File { start, len } => (start, len),
    };
    // SizedStream makes actix send `Content-Length: count` (not chunked). For
    // HEAD, actix writes that Content-Length and no body; the empty stream
    // means nothing is read from disk.
    if req.method() == Method::HEAD {
        let empty = stream::empty::<Result<Bytes, io::Error>>();
        return builder.body(SizedStream::new(count, empty));
    }
    let body = file_stream(file, path.display().to_string(), start, count, true);
    builder.body(SizedStream::new(count, body))
}

/// Opens the file and reads its metadata on the blocking pool.
pub async fn open(path: &Path) -> Result<(File, Metadata), DirectPlayError> {
    let owned = path.to_path_buf();
    let result = tokio::task::spawn_blocking(move || {
        let file = File::open(&owned)?;
        let meta = file.metadata()?;
        Ok::<_, io::Error>((file, meta))
    })
    .await
    .unwrap_or_else(|join| Err(io::Error::other(join)));
    let display = || path.display().to_string();
    match result {
        Ok((_, meta)) if !meta.is_file() => Err(DirectPlayError::Io {
            path: display(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"),
        }),
        Ok(pair) => Ok(pair),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(DirectPlayError::NotFound(display())),
        Err(source) => Err(DirectPlayError::Io {
            path: display(),
            source,
        }),
    }
}

/// Streams `count` bytes of `file` from `start`, in [`CHUNK_SIZE`] chunks.
///
/// Each chunk is first read without blocking from the page cache (Linux
/// `RWF_NOWAIT`); what is not cached is read on tokio's blocking pool, with up
/// to [`READ_AHEAD`] chunks in flight so the disk works while the previous
/// chunk is written to the socket. See [`CHUNK_SIZE`]. `try_page_cache:
/// false` skips the non-blocking attempt (tests use it to exercise the
/// blocking path).
///
/// A read error, or the file turning out shorter than expected (truncated
/// while streaming), is logged and ends the stream with that error, so actix
/// closes the connection instead of leaving the client waiting for the
/// announced Content-Length.
fn file_stream(
    file: File,
    path: String,
    start: u64,
    count: u64,
    try_page_cache: bool,
) -> impl Stream<Item = Result<Bytes, io::Error>> + 'static {
    let file = Arc::new(file);
    let chunk = CHUNK_SIZE as u64;
    let end = start + count;
    let offsets = (0..count.div_ceil(chunk)).map(move |i| {
        let offset = start + i * chunk;
        // Lossless: bounded by CHUNK_SIZE.
        (offset, (end - offset).min(chunk) as usize)
    });
    let mut nowait_supported = try_page_cache;
    stream::iter(offsets)
        .map(move |(offset, size)| {
            let mut buf = Vec::with_capacity(size);
            if nowait_supported {
                match sys::fill_nowait(&file, &mut buf, offset, size) {
                    Ok(NoWait::Filled) => return Either::Left(future::ready(Ok(buf.into()))),
                    Ok(NoWait::Partial) => {}
                    Ok(NoWait::Unsupported) => nowait_supported = false,
                    Err(e) => return Either::Left(future::ready(Err(e))),
                }
            }
            let file = Arc::clone(&file);
            // Spawned as soon as `buffered` pulls the item, so this read runs
            // while the previous chunk is being written out.
            let read = tokio::task::spawn_blocking(move || {
                fill(&file, &mut buf, offset, size).map(|()| Bytes::from(buf))
            });
            Either::Right(read.map(|joined| joined.unwrap_or_else(|e| Err(io::Error::other(e)))))
        })
        .buffered(READ_AHEAD)
        .scan(false, move |failed, item| {
            if *failed {
                return future::ready(None);
            }
            if let Err(e) = &item {
                *failed = true;
                tracing::warn!(path = %path, error = %e, "direct play: read failed mid-stream");
            }
            future::ready(Some(item))
        })
}

/// Outcome of a non-blocking read attempt.
#[derive(Debug, PartialEq, Eq)]
#[cfg_attr(
    not(all(target_os = "linux", target_pointer_width = "64")),
    allow(dead_code)
)]
enum NoWait {
    /// The whole chunk came from the page cache.
    Filled,
    /// Part or none of it is cached: read the rest on the blocking pool.
    Partial,
    /// Non-blocking reads are not available (platform, kernel or filesystem).
    Unsupported,
}

/// Appends to `buf` until it holds `size` bytes, reading the file from
/// `offset + buf.len()`. Blocking.
fn fill(file: &File, buf: &mut Vec<u8>, offset: u64, size: usize) -> io::Result<()> {
    while buf.len() < size {
        let at = offset + buf.len() as u64;
        match sys::read_append(file, buf, at, size, false) {
            Ok(0) => return Err(unexpected_eof(at)),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn unexpected_eof(at: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("file ended at byte {at}, before the expected end"),
    )
}

/// Positional reads that append into a `Vec`'s spare capacity, so a chunk
/// buffer is never zeroed before the kernel overwrites it.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
mod sys {
    use super::{unexpected_eof, NoWait};
    use std::fs::File;
    use std::io;
    use std::os::fd::AsRawFd;

    /// Reads at most `size - buf.len()` bytes at `offset` and appends them to
    /// `buf`, without blocking on disk I/O if `nowait`. Returns the number of
    /// bytes read, 0 at end of file.
    pub(super) fn read_append(
        file: &File,
        buf: &mut Vec<u8>,
        offset: u64,
        size: usize,
        nowait: bool,
    ) -> io::Result<usize> {
        let want = size.saturating_sub(buf.len());
        buf.reserve(want);
        let spare = buf.spare_capacity_mut();
        let iov = libc::iovec {
            iov_base: spare.as_mut_ptr().cast(),
            iov_len: want.min(spare.len()),
        };
        let offset = i64::try_from(offset)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "file offset too large"))?;
        let flags = if nowait { libc::RWF_NOWAIT } else { 0 };
        // SAFETY: `iov` describes `iov_len` bytes of `buf`'s spare capacity,
        // which are allocated, writable and not aliased while the call runs;
        // the kernel writes at most `iov_len` bytes there. The descriptor is
        // borrowed from a `File` that outlives the call.
        let n = unsafe { libc::preadv2(file.as_raw_fd(), &iov, 1, offset, flags) };
        let n = usize::try_from(n).map_err(|_| io::Error::last_os_error())?;
        // SAFETY: the kernel initialised the first `n <= iov_len` bytes of the
        // spare capacity, which directly follow the initialised part.
        unsafe { buf.set_len(buf.len() + n) };
        Ok(n)
    }

    /// Fills `buf` up to `size` bytes from the page cache only.
    pub(super) fn fill_nowait(
        file: &File,
        buf: &mut Vec<u8>,
        offset: u64,
        size: usize,
    ) -> io::Result<NoWait> {
        while buf.len() < size {
            let at = offset + buf.len() as u64;
            match read_append(file, buf, at, size, true) {
                Ok(0) => return Err(unexpected_eof(at)),
                Ok(_) => {}
                Err(e) => match e.raw_os_error() {
                    Some(libc::EINTR) => {}
                    // Not (all) in the page cache.
                    Some(libc::EAGAIN) => return Ok(NoWait::Partial),
                    // Kernel without preadv2 / RWF_NOWAIT, or a filesystem
                    // that does not support it.
                    Some(libc::ENOSYS | libc::EINVAL | libc::EOPNOTSUPP) => {
                        return Ok(NoWait::Unsupported)
                    }
                    _ => return Err(e),
                },
            }
        }
        Ok(NoWait::Filled)
    }
}

/// Portable fallback: zero-initialised buffer, `pread`-like reads, no
/// non-blocking page-cache reads.
#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
mod sys {
    use super::NoWait;
    use std::fs::File;
    use std::io;

    pub(super) fn read_append(
        file: &File,
        buf: &mut Vec<u8>,
        offset: u64,
        size: usize,
        _nowait: bool,
    ) -> io::Result<usize> {
        let filled = buf.len();
        buf.resize(size.max(filled), 0);
        let result = read_at(file, &mut buf[filled..], offset);
        buf.truncate(filled + *result.as_ref().unwrap_or(&0));
        result
    }

    pub(super) fn fill_nowait(
        _file: &File,
        _buf: &mut Vec<u8>,
        _offset: u64,
        _size: usize,
    ) -> io::Result<NoWait> {
        Ok(NoWait::Unsupported)
    }

    #[cfg(unix)]
    fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(file, buf, offset)
    }

    #[cfg(windows)]
    fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::windows::fs::FileExt::seek_read(file, buf, offset)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use actix_web::body::{BodySize, MessageBody};
    use actix_web::dev::{Service, ServiceResponse};
    use actix_web::test::{self, TestRequest};
    use actix_web::{web, App};
    use std::path::PathBuf;
    use std::time::SystemTime;
    use tempfile::TempDir;

    // ---- content types -------------------------------------------------

    #[test]
    fn content_types() {
        let table = [
            ("mkv", "video/x-matroska"),
            ("MKV", "video/x-matroska"),
            (".mkv", "video/x-matroska"),
            ("mp4", "video/mp4"),
            ("M4v", "video/mp4"),
            ("avi", "video/x-msvideo"),
            ("mov", "video/quicktime"),
            ("webm", "video/webm"),
            ("ts", "video/mp2t"),
            ("m2ts", "video/mp2t"),
            ("srt", "application/octet-stream"),
            ("", "application/octet-stream"),
        ];
        for (ext, want) in table {
            assert_eq!(content_type_for_extension(ext), want, "ext {ext:?}");
        }
    }

    // ---- parse_range ---------------------------------------------------

    fn partial(start: u64, end_inclusive: u64) -> RangeDecision {
        RangeDecision::Partial {
            start,
            end_inclusive,
        }
    }

    #[test]
    fn parse_range_table() {
        use RangeDecision::{Full, Unsatisfiable};
        let len = 1000;
        let table: &[(&str, u64, RangeDecision)] = &[
            // simple forms
            ("bytes=0-499", len, partial(0, 499)),
            ("bytes=500-999", len, partial(500, 999)),
            ("bytes=0-0", len, partial(0, 0)),
            ("bytes=999-999", len, partial(999, 999)),
            ("bytes=0-", len, partial(0, 999)),
            ("bytes=999-", len, partial(999, 999)),
            ("bytes=500-", len, partial(500, 999)),
            ("bytes=-1", len, partial(999, 999)),
            ("bytes=-500", len, partial(500, 999)),
            ("bytes=0-999", len, partial(0, 999)),
            // end clamped
            ("bytes=0-1000", len, partial(0, 999)),
            ("bytes=900-5000", len, partial(900, 999)),
            // suffix longer than the file: whole file
            ("bytes=-1000", len, partial(0, 999)),
            ("bytes=-5000", len, partial(0, 999)),
            // unsatisfiable
            ("bytes=1000-", len, Unsatisfiable),
            ("bytes=1000-2000", len, Unsatisfiable),
            ("bytes=5000-6000", len, Unsatisfiable),
            ("bytes=-0", len, Unsatisfiable),
            // invalid syntax: ignored
            ("bytes=5-2", len, Full),
            ("bytes=", len, Full),
            ("bytes=-", len, Full),
            ("bytes=abc", len, Full),
            ("bytes=1-x", len, Full),
            ("bytes=x-1", len, Full),
            ("bytes=+1-2", len, Full),
            ("bytes=1-+2", len, Full),
            ("bytes=--1", len, Full),
            ("bytes=1", len, Full),
            ("bytes=1.5-2", len, Full),
            ("bytes 0-1", len, Full),
            ("", len, Full),
            ("=0-1", len, Full),
            ("items=0-1", len, Full),
            ("bits=0-1", len, Full),
            ("bytes=0-1,5-2", len, Full),
            // unit is case-insensitive; whitespace tolerated
            ("Bytes=0-1", len, partial(0, 1)),
            ("BYTES=0-1", len, partial(0, 1)),
            (" bytes = 0 - 1 ", len, partial(0, 1)),
            ("bytes=\t10-\t20", len, partial(10, 20)),
            ("bytes= -10", len, partial(990, 999)),
            ("bytes=0-1,", len, partial(0, 1)),
            ("bytes=, 0-1", len, partial(0, 1)),
            // numbers past u64: start past any end, end / suffix clamp
            ("bytes=99999999999999999999999-", len, Unsatisfiable),
            ("bytes=18446744073709551616-", len, Unsatisfiable),
            ("bytes=0-99999999999999999999999", len, partial(0, 999)),
            ("bytes=-99999999999999999999999", len, partial(0, 999)),
            (
                "bytes=18446744073709551615-18446744073709551615",
                len,
                Unsatisfiable,
            ),
            ("bytes=18446744073709551615-", u64::MAX, Unsatisfiable),
            ("bytes=0-", u64::MAX, partial(0, u64::MAX - 1)),
            ("bytes=-1", u64::MAX, partial(u64::MAX - 1, u64::MAX - 1)),
            // multiple ranges
            ("bytes=0-1,5-6", len, Full),
            ("bytes=0-1, -5", len, Full),
            ("bytes=0-1,2000-3000", len, partial(0, 1)),
            ("bytes=2000-3000, 10-", len, partial(10, 999)),
            ("bytes=2000-3000,4000-", len, Unsatisfiable),
            ("bytes=-0,-0", len, Unsatisfiable),
            // zero-length file: every range unsatisfiable
            ("bytes=0-", 0, Unsatisfiable),
            ("bytes=0-0", 0, Unsatisfiable),
            ("bytes=-1", 0, Unsatisfiable),
            ("bytes=-0", 0, Unsatisfiable),
            ("bytes=5-2", 0, Full),
            ("foo", 0, Full),
            // one-byte file
            ("bytes=0-0", 1, partial(0, 0)),
            ("bytes=-1", 1, partial(0, 0)),
            ("bytes=-2", 1, partial(0, 0)),
            ("bytes=1-", 1, Unsatisfiable),
        ];
        for (header, len, want) in table {
            assert_eq!(
                parse_range(header, *len),
                *want,
                "Range {header:?}, len {len}"
            );
        }
    }

    #[test]
    fn etag_list_parsing() {
        assert_eq!(
            parse_etag_list(r#""a", W/"b",  "c,d" ,"""#),
            vec![
                (false, r#""a""#),
                (true, r#""b""#),
                (false, r#""c,d""#),
                (false, r#""""#),
            ]
        );
        assert_eq!(parse_etag_list(r#"garbage, "a""#), vec![]);
        assert_eq!(parse_etag_list(r#""unterminated"#), vec![]);
    }

    // ---- serve_file through actix --------------------------------------

    /// Deterministic, non-uniform content (xorshift), so that an offset
    /// error anywhere shows up as a byte mismatch.
    fn content(len: usize) -> Vec<u8> {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
    }

    /// A few hundred KiB: several chunks, so full reads cross chunk
    /// boundaries, and not a multiple of the chunk size, so they end with a
    /// short chunk.
    const LEN: usize = 4 * CHUNK_SIZE + 12_345;

    struct Fixture {
        _dir: TempDir,
        path: PathBuf,
        data: Vec<u8>,
    }

    fn fixture(len: usize) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("movie.mkv");
        let data = content(len);
        std::fs::write(&path, &data).unwrap();
        Fixture {
            _dir: dir,
            path,
            data,
        }
    }

    async fn handler(req: HttpRequest, path: web::Data<PathBuf>) -> HttpResponse {
        let opts = ServeOptions {
            content_type: "video/x-matroska",
        };
        match serve_file(&req, &path, &opts).await {
            Ok(resp) => resp,
            Err(DirectPlayError::NotFound(_)) => HttpResponse::NotFound().finish(),
            Err(DirectPlayError::Io { .. }) => HttpResponse::InternalServerError().finish(),
        }
    }

    fn app(
        path: &Path,
    ) -> App<
        impl actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Response = ServiceResponse,
            Error = actix_web::Error,
            InitError = (),
        >,
    > {
        App::new()
            .app_data(web::Data::new(path.to_path_buf()))
            .route("/f", web::route().to(handler))
    }

    /// Sends `req` and returns status, headers and the collected body.
    async fn call(
        path: &Path,
        req: TestRequest,
    ) -> (StatusCode, header::HeaderMap, BodySize, Bytes) {
        let svc = test::init_service(app(path)).await;
        let resp = svc.call(req.uri("/f").to_request()).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let size = resp.response().body().size();
        let body = actix_web::body::to_bytes(resp.into_body()).await.unwrap();
        (status, headers, size, body)
    }

    fn h<'a>(headers: &'a header::HeaderMap, name: &str) -> Option<&'a str> {
        headers.get(name).map(|v| v.to_str().unwrap())
    }

    fn etag_of(path: &Path) -> String {
        Validators::new(&std::fs::metadata(path).unwrap()).etag
    }

    fn last_modified_of(path: &Path) -> String {
        httpdate::fmt_http_date(std::fs::metadata(path).unwrap().modified().unwrap())
    }

    #[actix_web::test]
    async fn full_get() {
        let f = fixture(LEN);
        let (status, headers, size, body) = call(&f.path, TestRequest::get()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(size, BodySize::Sized(LEN as u64));
        assert_eq!(body.len(), LEN);
        assert!(body == f.data, "body differs from the file");
        assert_eq!(h(&headers, "accept-ranges"), Some("bytes"));
        assert_eq!(h(&headers, "content-type"), Some("video/x-matroska"));
        assert_eq!(h(&headers, "content-range"), None);
        assert_eq!(h(&headers, "content-disposition"), None);
        let etag = h(&headers, "etag").unwrap();
        assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() > 2);
        assert_eq!(etag, etag_of(&f.path));
        let lm = h(&headers, "last-modified").unwrap();
        assert_eq!(lm, last_modified_of(&f.path));
        assert!(httpdate::parse_http_date(lm).is_ok());
    }

    #[actix_web::test]
    async fn etag_changes_with_mtime_and_size() {
        let f = fixture(1000);
        let before = etag_of(&f.path);
        let file = File::options().write(true).open(&f.path).unwrap();
        file.set_modified(SystemTime::now() + std::time::Duration::from_nanos(1_500))
            .unwrap();
        let after_mtime = etag_of(&f.path);
        assert_ne!(before, after_mtime);
        file.set_len(999).unwrap();
        file.set_modified(SystemTime::now() + std::time::Duration::from_nanos(1_500))
            .unwrap();
        assert_ne!(after_mtime, etag_of(&f.path));
    }

    #[actix_web::test]
    async fn head_has_get_headers_and_no_body() {
        let f = fixture(LEN);
        let (gs, gh, gsize, _) = call(&f.path, TestRequest::get()).await;
        let (status, headers, size, body) =
            call(&f.path, TestRequest::default().method(Method::HEAD)).await;
        assert_eq!(status, gs);
        assert_eq!(size, gsize);
        assert_eq!(size, BodySize::Sized(LEN as u64));
        assert!(body.is_empty());
        for name in ["accept-ranges", "content-type", "etag", "last-modified"] {
            assert_eq!(h(&headers, name), h(&gh, name), "{name}");
        }
    }

    #[actix_web::test]
    async fn head_with_range() {
        let f = fixture(LEN);
        let req = TestRequest::default()
            .method(Method::HEAD)
            .insert_header(("Range", "bytes=10-19"));
        let (status, headers, size, body) = call(&f.path, req).await;
        assert_eq!(status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(size, BodySize::Sized(10));
        assert!(body.is_empty());
        assert_eq!(
            h(&headers, "content-range"),
            Some(format!("bytes 10-19/{LEN}").as_str())
        );
    }

    async fn assert_range(f: &Fixture, range: &str, start: usize, end_inclusive: usize) {
        let req = TestRequest::get().insert_header(("Range", range));
        let (status, headers, size, body) = call(&f.path, req).await;
        assert_eq!(status, StatusCode::PARTIAL_CONTENT, "{range}");
        let want = format!("bytes {start}-{end_inclusive}/{}", f.data.len());
        assert_eq!(h(&headers, "content-range"), Some(want.as_str()), "{range}");
        assert_eq!(
            size,
            BodySize::Sized((end_inclusive - start + 1) as u64),
            "{range}"
        );
        assert!(
            body == f.data[start..=end_inclusive],
            "{range}: body differs"
        );
        assert_eq!(h(&headers, "accept-ranges"), Some("bytes"));
        assert_eq!(h(&headers, "content-type"), Some("video/x-matroska"));
        assert!(h(&headers, "etag").is_some());
    }

    #[actix_web::test]
    async fn ranges() {
        let f = fixture(LEN);
        let last = LEN - 1;
        assert_range(&f, "bytes=0-0", 0, 0).await;
        assert_range(&f, "bytes=100-199", 100, 199).await;
        assert_range(&f, "bytes=0-1048575", 0, last).await; // clamped
                                                            // across chunk boundaries
        let c = CHUNK_SIZE;
        assert_range(&f, &format!("bytes={}-{}", c - 10, c + 10), c - 10, c + 10).await;
        assert_range(&f, &format!("bytes={}-{}", c - 1, 2 * c), c - 1, 2 * c).await;
        assert_range(&f, &format!("bytes={c}-{}", 2 * c - 1), c, 2 * c - 1).await;
        // open
        assert_range(&f, "bytes=1000-", 1000, last).await;
        assert_range(&f, &format!("bytes={last}-"), last, last).await;
        // suffix
        assert_range(&f, "bytes=-500", LEN - 500, last).await;
        assert_range(&f, &format!("bytes=-{}", c + 3), LEN - c - 3, last).await;
        assert_range(&f, "bytes=-99999999", 0, last).await;
        // end past the end is clamped
        assert_range(
            &f,
            &format!("bytes={}-{}", LEN - 10, LEN + 1000),
            LEN - 10,
            last,
        )
        .await;
    }

    #[actix_web::test]
    async fn unsatisfiable_range() {
        let f = fixture(LEN);
        for range in [
            format!("bytes={LEN}-"),
            format!("bytes={}-{}", LEN + 5, LEN + 9),
            "bytes=-0".to_string(),
        ] {
            let req = TestRequest::get().insert_header(("Range", range.as_str()));
            let (status, headers, size, body) = call(&f.path, req).await;
            assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE, "{range}");
            let want = format!("bytes */{LEN}");
            assert_eq!(h(&headers, "content-range"), Some(want.as_str()));
            assert_eq!(h(&headers, "accept-ranges"), Some("bytes"));
            assert_eq!(size, BodySize::Sized(0));
            assert!(body.is_empty());
        }
    }

    #[actix_web::test]
    async fn invalid_range_is_ignored() {
        let f = fixture(LEN);
        for range in ["bytes=5-2", "bytes=abc", "items=0-10", "bytes=0-1,4-5"] {
            let req = TestRequest::get().insert_header(("Range", range));
            let (status, headers, _, body) = call(&f.path, req).await;
            assert_eq!(status, StatusCode::OK, "{range}");
            assert_eq!(h(&headers, "content-range"), None);
            assert!(body == f.data, "{range}: body differs");
        }
    }

    #[actix_web::test]
    async fn if_range() {
        let f = fixture(LEN);
        let etag = etag_of(&f.path);
        let lm = last_modified_of(&f.path);
        let weak = format!("W/{etag}");
        let old_date =
            httpdate::fmt_http_date(UNIX_EPOCH + std::time::Duration::from_secs(1_000_000));
        let cases: [(&str, bool); 6] = [
            (&etag, true),
            (&lm, true),
            (r#""something-else""#, false),
            (&weak, false),
            (&old_date, false),
            ("not a date", false),
        ];
        for (if_range, matches) in cases {
            let req = TestRequest::get()
                .insert_header(("Range", "bytes=10-29"))
                .insert_header(("If-Range", if_range));
            let (status, headers, _, body) = call(&f.path, req).await;
            if matches {
                assert_eq!(status, StatusCode::PARTIAL_CONTENT, "If-Range {if_range}");
                assert!(body == f.data[10..30]);
                assert!(h(&headers, "content-range").is_some());
            } else {
                assert_eq!(status, StatusCode::OK, "If-Range {if_range}");
                assert!(body == f.data, "If-Range {if_range}: body differs");
                assert_eq!(h(&headers, "content-range"), None);
            }
        }
    }

    #[actix_web::test]
    async fn if_none_match() {
        let f = fixture(LEN);
        let etag = etag_of(&f.path);
        let not_modified = [
            etag.clone(),
            format!("W/{etag}"),
            format!(r#""other", {etag}"#),
            "*".to_string(),
        ];
        for inm in &not_modified {
            for method in [Method::GET, Method::HEAD] {
                let req = TestRequest::default()
                    .method(method.clone())
                    .insert_header(("If-None-Match", inm.as_str()))
                    .insert_header(("Range", "bytes=0-10"));
                let (status, headers, _, body) = call(&f.path, req).await;
                assert_eq!(
                    status,
                    StatusCode::NOT_MODIFIED,
                    "{method} If-None-Match {inm}"
                );
                assert!(body.is_empty());
                assert_eq!(h(&headers, "etag"), Some(etag.as_str()));
                assert_eq!(h(&headers, "content-range"), None);
            }
        }
        // Mismatch: full body. If-None-Match takes precedence over
        // If-Modified-Since, even a matching one.
        let req = TestRequest::get()
            .insert_header(("If-None-Match", r#""other""#))
            .insert_header(("If-Modified-Since", last_modified_of(&f.path)));
        let (status, _, _, body) = call(&f.path, req).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body == f.data);
    }

    #[actix_web::test]
    async fn if_modified_since() {
        let f = fixture(1000);
        let lm = last_modified_of(&f.path);
        let req = TestRequest::get().insert_header(("If-Modified-Since", lm.as_str()));
        let (status, headers, _, body) = call(&f.path, req).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED);
        assert!(body.is_empty());
        assert_eq!(h(&headers, "last-modified"), Some(lm.as_str()));

        let old = httpdate::fmt_http_date(UNIX_EPOCH + std::time::Duration::from_secs(1_000_000));
        for ims in [old.as_str(), "garbage"] {
            let req = TestRequest::get().insert_header(("If-Modified-Since", ims));
            let (status, _, _, body) = call(&f.path, req).await;
            assert_eq!(status, StatusCode::OK, "If-Modified-Since {ims}");
            assert!(body == f.data);
        }
    }

    #[actix_web::test]
    async fn if_match_and_if_unmodified_since() {
        let f = fixture(1000);
        let etag = etag_of(&f.path);
        let old = httpdate::fmt_http_date(UNIX_EPOCH + std::time::Duration::from_secs(1_000_000));
        let cases: [(&str, &str, StatusCode); 5] = [
            ("If-Match", &etag, StatusCode::OK),
            ("If-Match", "*", StatusCode::OK),
            ("If-Match", r#""other""#, StatusCode::PRECONDITION_FAILED),
            ("If-Unmodified-Since", &old, StatusCode::PRECONDITION_FAILED),
            (
                "If-Unmodified-Since",
                &last_modified_of(&f.path),
                StatusCode::OK,
            ),
        ];
        for (name, value, want) in cases {
            let req = TestRequest::get().insert_header((name, value));
            let (status, _, _, body) = call(&f.path, req).await;
            assert_eq!(status, want, "{name}: {value}");
            if want == StatusCode::OK {
                assert!(body == f.data);
            } else {
                assert!(body.is_empty());
            }
        }
        let weak = format!("W/{etag}");
        let req = TestRequest::get().insert_header(("If-Match", weak.as_str()));
        let (status, _, _, _) = call(&f.path, req).await;
        assert_eq!(
            status,
            StatusCode::PRECONDITION_FAILED,
            "If-Match uses strong comparison"
        );
    }

    #[actix_web::test]
    async fn zero_byte_file() {
        let f = fixture(0);
        let (status, headers, size, body) = call(&f.path, TestRequest::get()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(size, BodySize::Sized(0));
        assert!(body.is_empty());
        assert_eq!(h(&headers, "accept-ranges"), Some("bytes"));

        for range in ["bytes=0-", "bytes=0-0", "bytes=-1"] {
            let req = TestRequest::get().insert_header(("Range", range));
            let (status, headers, _, body) = call(&f.path, req).await;
            assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE, "{range}");
            assert_eq!(h(&headers, "content-range"), Some("bytes */0"));
            assert!(body.is_empty());
        }
    }

    #[actix_web::test]
    async fn missing_file_and_directory() {
        let dir = tempfile::tempdir().unwrap();
        let req = TestRequest::get().to_http_request();
        let opts = ServeOptions {
            content_type: "video/mp4",
        };
        let missing = dir.path().join("gone.mp4");
        match serve_file(&req, &missing, &opts).await {
            Err(DirectPlayError::NotFound(p)) => assert!(p.ends_with("gone.mp4")),
            other => panic!("expected NotFound, got {other:?}"),
        }
        match serve_file(&req, dir.path(), &opts).await {
            Err(DirectPlayError::Io { .. }) => {}
            other => panic!("expected Io, got {other:?}"),
        }
        let (status, _, _, _) = call(&missing, TestRequest::get()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    #[actix_web::test]
    async fn truncated_while_streaming_ends_with_error() {
        let f = fixture(LEN);
        let req = TestRequest::get().to_http_request();
        let opts = ServeOptions {
            content_type: "video/mp4",
        };
        let resp = serve_file(&req, &f.path, &opts).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        // Nothing has been read yet: shrink the file under the stream.
        File::options()
            .write(true)
            .open(&f.path)
            .unwrap()
            .set_len(CHUNK_SIZE as u64 + 10)
            .unwrap();
        let mut body = std::pin::pin!(resp.into_body());
        let mut got = Vec::new();
        let mut error = None;
        while let Some(item) = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await {
            match item {
                Ok(chunk) => got.extend_from_slice(&chunk),
                Err(e) => {
                    error = Some(e.to_string());
                    break;
                }
            }
        }
        assert!(error.is_some(), "expected a read error");
        assert!(got.len() <= CHUNK_SIZE + 10);
        assert!(got[..] == f.data[..got.len()]);
        // The stream is fused after the error.
        assert!(std::future::poll_fn(|cx| body.as_mut().poll_next(cx))
            .await
            .is_none());
    }

    async fn collect(body: impl Stream<Item = Result<Bytes, io::Error>>) -> io::Result<Vec<u8>> {
        let mut body = std::pin::pin!(body);
        let mut out = Vec::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            assert!(!chunk.is_empty() && chunk.len() <= CHUNK_SIZE);
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    #[actix_web::test]
    async fn file_stream_both_read_paths() {
        let f = fixture(LEN);
        let cases = [
            (0, LEN),
            (0, 1),
            (1, CHUNK_SIZE),
            (CHUNK_SIZE - 1, 2),
            (CHUNK_SIZE, CHUNK_SIZE),
            (LEN - 1, 1),
            (12_345, LEN - 12_345),
            (7, 0),
        ];
        for try_page_cache in [true, false] {
            for (start, count) in cases {
                let file = File::open(&f.path).unwrap();
                let stream = file_stream(
                    file,
                    "test".into(),
                    start as u64,
                    count as u64,
                    try_page_cache,
                );
                let got = collect(stream).await.unwrap();
                assert!(
                    got == f.data[start..start + count],
                    "start {start} count {count} page cache {try_page_cache}"
                );
            }
        }
    }

    #[actix_web::test]
    async fn file_stream_past_end_is_an_error() {
        let f = fixture(1000);
        for try_page_cache in [true, false] {
            let file = File::open(&f.path).unwrap();
            let stream = file_stream(file, "test".into(), 900, 200, try_page_cache);
            let err = collect(stream).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        }
    }

    #[test]
    fn fill_appends_after_a_partial_read() {
        let f = fixture(LEN);
        let file = File::open(&f.path).unwrap();
        let mut buf = f.data[100..150].to_vec();
        buf.reserve(CHUNK_SIZE);
        fill(&file, &mut buf, 100, 5000).unwrap();
        assert!(buf == f.data[100..5100]);
        let mut buf = Vec::new();
        let err = fill(&file, &mut buf, LEN as u64 - 10, 11).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert!(buf == f.data[LEN - 10..]);
    }

    /// Evicts the file from the page cache (where the filesystem allows it)
    /// so the non-blocking read falls back to the blocking pool midway.
    #[cfg(target_os = "linux")]
    #[actix_web::test]
    async fn cold_page_cache() {
        use std::os::fd::AsRawFd;
        let f = fixture(LEN);
        let file = File::open(&f.path).unwrap();
        file.sync_all().unwrap();
        // SAFETY: plain syscall on an open descriptor.
        let rc = unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
        assert_eq!(rc, 0);
        let mut buf = Vec::with_capacity(CHUNK_SIZE);
        let outcome = sys::fill_nowait(&file, &mut buf, 0, CHUNK_SIZE).unwrap();
        assert!(buf[..] == f.data[..buf.len()], "{outcome:?}");
        let (status, _, _, body) = call(&f.path, TestRequest::get()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body == f.data);
    }

    /// Through a real HTTP/1.1 server: actix must send Content-Length (not
    /// chunked encoding) and HEAD must send the GET Content-Length, no body.
    #[actix_web::test]
    async fn on_the_wire() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let f = fixture(LEN);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let path = f.path.clone();
        let server = actix_web::HttpServer::new(move || app(&path))
            .workers(1)
            .listen(listener)
            .unwrap()
            .run();
        let handle = server.handle();
        let server_task = actix_web::rt::spawn(server);

        async fn raw(addr: std::net::SocketAddr, request: &str) -> (String, Vec<u8>) {
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut response = Vec::new();
            stream.read_to_end(&mut response).await.unwrap();
            let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
            let head = String::from_utf8(response[..split].to_vec())
                .unwrap()
                .to_ascii_lowercase();
            (head, response[split + 4..].to_vec())
        }

        let (head, body) = raw(
            addr,
            "GET /f HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(
            head.contains(&format!("\r\ncontent-length: {LEN}\r\n")),
            "{head}"
        );
        assert!(!head.contains("transfer-encoding"), "{head}");
        assert!(body == f.data);

        let (first, last) = (CHUNK_SIZE - 50, CHUNK_SIZE + 49);
        let request = format!(
            "GET /f HTTP/1.1\r\nHost: x\r\nRange: bytes={first}-{last}\r\nConnection: close\r\n\r\n"
        );
        let (head, body) = raw(addr, &request).await;
        assert!(head.starts_with("http/1.1 206"), "{head}");
        assert!(head.contains("\r\ncontent-length: 100\r\n"), "{head}");
        let range = format!("\r\ncontent-range: bytes {first}-{last}/{LEN}\r\n");
        assert!(head.contains(&range), "{head}");
        assert!(body == f.data[first..=last]);

        let (head, body) = raw(
            addr,
            "HEAD /f HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(
            head.contains(&format!("\r\ncontent-length: {LEN}\r\n")),
            "{head}"
        );
        assert!(body.is_empty());

        handle.stop(true).await;
        server_task.await.unwrap().unwrap();
    }
}
