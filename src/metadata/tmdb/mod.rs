//! The TMDB API v3 client: searches, details, seasons, episodes, IMDb look-ups, the image
//! configuration and genre lists, each answer typed ([`types`]) and mappable to
//! [`crate::domain::metadata::Metadata`] ([`mapping`]).
//!
//! Every answer goes through the catalog's `tmdb_cache` (DESIGN.md: "TMDB responses are
//! cached in the catalog with a TTL"): a fresh cached answer is served without a request, and
//! concurrent callers asking the same thing wait for one request instead of sending several.
//! 404s are cached too, so a title TMDB lacks is not asked again on every scan; 429 and 5xx are
//! not. A 429's `Retry-After` pauses every request of this client, a bounded number of times,
//! after which the caller gets [`TmdbError::RateLimited`] to retry later (a job's backoff).
//!
//! Credentials (`api_key` or the bearer read token) never reach a log, an error or a cache key.

pub mod mapping;
pub mod types;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Url;
use serde::de::DeserializeOwned;
use tokio::sync::{OwnedMutexGuard, Semaphore};

use crate::config::{Secret, TmdbConfig};
use crate::db::tmdb_cache::{self, CachedResponse};
use crate::db::{Catalog, CatalogError};

pub use mapping::{
    episode_metadata, movie_certification, movie_metadata, season_episodes, season_metadata,
    tv_certification, tv_metadata,
};
pub use types::{
    Configuration, Episode, FindResults, Genre, GenreList, ImagesConfiguration, Movie, MovieResult,
    Page, Season, Tv, TvResult,
};

/// What [`Tmdb::movie`] appends: one request instead of four.
pub const MOVIE_APPEND: &str = "credits,external_ids,release_dates,images";
/// What [`Tmdb::tv`] appends.
pub const TV_APPEND: &str = "external_ids,content_ratings,credits";

/// 429 answers waited out per request before giving up (the job retries later).
const MAX_RATE_LIMIT_WAITS: u32 = 3;
/// A `Retry-After` longer than this is not waited in-line: the caller is told to come back.
const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(30);
/// The wait when a 429 names none.
const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(2);
/// A not-found answer is trusted for at most a day: TMDB's community adds titles daily.
const NOT_FOUND_TTL: Duration = Duration::from_secs(24 * 3600);
/// Error bodies are cut: errors end up in logs and job records.
const MAX_MESSAGE: usize = 200;

/// Why a TMDB request gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum TmdbError {
    /// No credential in the config: TMDB is skipped (and no request was sent).
    #[error("no TMDB API key configured (tmdb.api_key or tmdb.read_token)")]
    NotConfigured,
    /// TMDB has no such thing (404, status_code 34). Cached like an answer.
    #[error("not found on TMDB: {what}")]
    NotFound { what: String },
    /// 429 after the allowed waits, or a `Retry-After` too long to wait in-line.
    #[error("TMDB rate limit (429){}", retry_hint(.retry_after))]
    RateLimited { retry_after: Option<Duration> },
    /// Transport failure (`status` None: unreachable, timeout) or an unexpected status
    /// (401 for a bad key, 5xx). The URL in the message has no credentials.
    #[error("TMDB request {what} failed{}: {message}", status_hint(.status))]
    Http {
        what: String,
        status: Option<u16>,
        message: String,
    },
    /// A 2xx answer that is not the expected JSON.
    #[error("TMDB answer to {what} is not what was expected: {message}")]
    Decode { what: String, message: String },
    /// The caller's request cannot be sent (an empty search, a malformed IMDb id).
    #[error("invalid TMDB request: {0}")]
    Invalid(String),
    #[error("TMDB cache: {0}")]
    Catalog(#[from] CatalogError),
}

fn retry_hint(after: &Option<Duration>) -> String {
    after
        .map(|d| format!(", retry after {} s", d.as_secs()))
        .unwrap_or_default()
}

fn status_hint(status: &Option<u16>) -> String {
    status.map(|s| format!(" ({s})")).unwrap_or_default()
}

impl TmdbError {
    /// Whether the same request may succeed later (a job should back off and retry): rate
    /// limits, transport failures, 5xx and catalog trouble. A missing key, a 404, a rejected
    /// key (401) or an unreadable answer will not change by waiting.
    pub fn is_retryable(&self) -> bool {
        match self {
            TmdbError::RateLimited { .. } | TmdbError::Catalog(_) => true,
            TmdbError::Http { status, .. } => match status {
                None => true,
                Some(s) => *s == 408 || *s == 429 || *s >= 500,
            },
            TmdbError::NotConfigured
            | TmdbError::NotFound { .. }
            | TmdbError::Decode { .. }
            | TmdbError::Invalid(_) => false,
        }
    }

    /// How long TMDB asked to be left alone, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            TmdbError::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }
}

/// Movie or TV, for the endpoints that exist for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Movie,
    Tv,
}

impl MediaType {
    fn as_str(self) -> &'static str {
        match self {
            MediaType::Movie => "movie",
            MediaType::Tv => "tv",
        }
    }
}

/// How requests prove who we are.
#[derive(Clone)]
enum Auth {
    /// `Authorization: Bearer <read token>`: stays out of URLs.
    Bearer(Secret),
    /// `?api_key=<v3 key>`.
    ApiKey(Secret),
}

impl Auth {
    fn secret(&self) -> &str {
        match self {
            Auth::Bearer(s) | Auth::ApiKey(s) => s.expose(),
        }
    }
}

/// The TMDB client. Cheap to clone; clones share the HTTP client, the concurrency limit, the
/// rate-limit pause and the in-flight requests.
#[derive(Clone)]
pub struct Tmdb {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    catalog: Catalog,
    auth: Option<Auth>,
    /// `…/3`, no trailing slash.
    api_base: String,
    image_base_url: String,
    language: String,
    country: String,
    ttl: Duration,
    timeout: Duration,
    permits: Semaphore,
    /// No request leaves before this instant (set by a 429's Retry-After).
    paused_until: Mutex<Option<Instant>>,
    in_flight: KeyLocks,
}

impl std::fmt::Debug for Tmdb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tmdb")
            .field("api_base", &self.inner.api_base)
            .field("configured", &self.is_configured())
            .field("language", &self.inner.language)
            .finish_non_exhaustive()
    }
}

impl Tmdb {
    /// A client for `config`. Without a credential it is still built: every call answers
    /// [`TmdbError::NotConfigured`] without touching the network.
    pub fn new(config: &TmdbConfig, catalog: Catalog) -> Tmdb {
        let usable = |s: &Option<Secret>| s.clone().filter(|s| !s.expose().trim().is_empty());
        let auth = usable(&config.read_token)
            .map(Auth::Bearer)
            .or_else(|| usable(&config.api_key).map(Auth::ApiKey));
        let timeout = Duration::from_secs(config.timeout_secs.max(1));
        Tmdb {
            inner: Arc::new(Inner {
                http: http_client(timeout),
                catalog,
                auth,
                api_base: format!("{}/3", config.base_url.trim_end_matches('/')),
                image_base_url: config.image_base_url.clone(),
                language: config.language.clone(),
                country: config.certification_country(),
                ttl: Duration::from_secs(config.cache_ttl_hours.max(1).saturating_mul(3600)),
                timeout,
                permits: Semaphore::new(config.max_concurrent.clamp(1, Semaphore::MAX_PERMITS)),
                paused_until: Mutex::new(None),
                in_flight: KeyLocks::default(),
            }),
        }
    }

    /// Whether a credential is configured; when not, [`TmdbError::NotConfigured`] says why.
    pub fn is_configured(&self) -> bool {
        self.inner.auth.is_some()
    }

    /// The country whose age ratings the mappings should use (the language's region).
    pub fn certification_country(&self) -> &str {
        &self.inner.country
    }

    /// `image_base_url` + size + file path (see [`image_url`]).
    pub fn image_url(&self, size: &str, file_path: &str) -> String {
        image_url(&self.inner.image_base_url, size, file_path)
    }

    /// `/search/movie`: the first page, TMDB's order (best match first).
    pub async fn search_movie(
        &self,
        query: &str,
        year: Option<i32>,
    ) -> Result<Page<MovieResult>, TmdbError> {
        let query = search_text(query)?;
        let mut params = vec![("query", query)];
        if let Some(y) = year {
            params.push(("year", y.to_string()));
        }
        self.get("search/movie", &params).await
    }

    /// `/search/tv`, optionally narrowed to the year the series started.
    pub async fn search_tv(
        &self,
        query: &str,
        first_air_year: Option<i32>,
    ) -> Result<Page<TvResult>, TmdbError> {
        let query = search_text(query)?;
        let mut params = vec![("query", query)];
        if let Some(y) = first_air_year {
            params.push(("first_air_date_year", y.to_string()));
        }
        self.get("search/tv", &params).await
    }

    /// `/movie/{id}` with credits, external ids, release dates (age ratings) and images (logos)
    /// appended.
    pub async fn movie(&self, id: u64) -> Result<Movie, TmdbError> {
        // Appended images are filtered by language: the configured one and text-free ones
        // (logos carry words, so a logo in the user's language is what they want).
        let lang = self
            .inner
            .language
            .split('-')
            .next()
            .unwrap_or("en")
            .to_string();
        self.get(
            &format!("movie/{id}"),
            &[
                ("append_to_response", MOVIE_APPEND.into()),
                ("include_image_language", format!("{lang},null")),
            ],
        )
        .await
    }

    /// `/tv/{id}` with external ids (IMDb, TVDB) and content ratings appended.
    pub async fn tv(&self, id: u64) -> Result<Tv, TmdbError> {
        self.get(
            &format!("tv/{id}"),
            &[("append_to_response", TV_APPEND.into())],
        )
        .await
    }

    /// `/tv/{id}/season/{n}`, with every episode (guest stars and crew included).
    pub async fn season(&self, tv_id: u64, season: u32) -> Result<Season, TmdbError> {
        self.get(&format!("tv/{tv_id}/season/{season}"), &[]).await
    }

    /// `/tv/{id}/season/{s}/episode/{e}`.
    pub async fn episode(
        &self,
        tv_id: u64,
        season: u32,
        episode: u32,
    ) -> Result<Episode, TmdbError> {
        self.get(
            &format!("tv/{tv_id}/season/{season}/episode/{episode}"),
            &[],
        )
        .await
    }

    /// `/find/{imdb_id}?external_source=imdb_id`: the movies and series with that IMDb id.
    pub async fn find_imdb(&self, imdb_id: &str) -> Result<FindResults, TmdbError> {
        let imdb_id = imdb_id.trim();
        let valid = imdb_id
            .strip_prefix("tt")
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
        if !valid {
            return Err(TmdbError::Invalid(format!(
                "{imdb_id:?} is not an IMDb id (tt followed by digits)"
            )));
        }
        self.get(
            &format!("find/{imdb_id}"),
            &[("external_source", "imdb_id".into())],
        )
        .await
    }

    /// `/configuration`: image base URLs and sizes.
    pub async fn configuration(&self) -> Result<Configuration, TmdbError> {
        self.get("configuration", &[]).await
    }

    /// `/genre/{movie|tv}/list`, in the configured language.
    pub async fn genres(&self, kind: MediaType) -> Result<Vec<Genre>, TmdbError> {
        let list: GenreList = self
            .get(&format!("genre/{}/list", kind.as_str()), &[])
            .await?;
        Ok(list.genres)
    }

    /// One GET through the cache. `path` is below `/3/`; the configured language is added.
    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<T, TmdbError> {
        let Some(auth) = &self.inner.auth else {
            return Err(TmdbError::NotConfigured);
        };
        let mut query: Vec<(&str, String)> = params.to_vec();
        query.push(("language", self.inner.language.clone()));
        query.sort();
        let key = cache_key(path, &query);
        let what = format!("/3/{path}");

        if let Some(answer) = self.cached_answer(&key, &what).await? {
            return answer;
        }
        // One request per key at a time: whoever waited here finds the first one's answer.
        let _one_at_a_time = self.inner.in_flight.lock(&key).await;
        if let Some(answer) = self.cached_answer(&key, &what).await? {
            return answer;
        }

        let (status, body) = self.fetch(auth, path, &query, &what).await?;
        let now = crate::db::now_ms();
        match status {
            200..=299 => {
                // Decoded before it is stored: an unreadable answer is not kept for a week.
                let value = decode::<T>(&what, &body)?;
                self.store(&key, 200, body, now, self.inner.ttl).await;
                Ok(value)
            }
            404 => {
                self.store(&key, 404, body, now, self.inner.ttl.min(NOT_FOUND_TTL))
                    .await;
                Err(TmdbError::NotFound { what })
            }
            _ => Err(TmdbError::Http {
                what,
                status: Some(status),
                message: redact(&error_message(&body), auth.secret()),
            }),
        }
    }

    /// The cached answer, if a fresh one is stored. A stored body that no longer decodes (a
    /// type changed since it was written) counts as absent, so it is fetched anew.
    async fn cached_answer<T: DeserializeOwned>(
        &self,
        key: &str,
        what: &str,
    ) -> Result<Option<Result<T, TmdbError>>, TmdbError> {
        let hit = tmdb_cache::get_fresh(&self.inner.catalog, key, crate::db::now_ms()).await?;
        Ok(match hit {
            Some(h) if h.status == 404 => Some(Err(TmdbError::NotFound {
                what: what.to_string(),
            })),
            Some(h) if h.status == 200 => decode(what, &h.body).ok().map(Ok),
            // Only 200 and 404 are written; anything else is treated as absent.
            _ => None,
        })
    }

    /// Keeps an answer. A failed write is logged, not returned: the answer in hand is good,
    /// and failing the caller would only make it ask TMDB again.
    async fn store(&self, key: &str, status: u16, body: String, now: i64, ttl: Duration) {
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        let response = CachedResponse {
            status,
            body,
            fetched_at: now,
            expires_at: now.saturating_add(ttl_ms),
        };
        if let Err(e) = tmdb_cache::put(&self.inner.catalog, key, &response).await {
            tracing::warn!(key, error = %e, "tmdb: cannot cache the answer");
        }
    }

    /// Sends the request (within the concurrency limit), waiting out 429s. Returns the final
    /// status and body; only 429 is handled here.
    async fn fetch(
        &self,
        auth: &Auth,
        path: &str,
        query: &[(&str, String)],
        what: &str,
    ) -> Result<(u16, String), TmdbError> {
        let mut url = Url::parse(&format!("{}/{path}", self.inner.api_base)).map_err(|e| {
            TmdbError::Invalid(format!("bad URL for {what} (check tmdb.base_url): {e}"))
        })?;
        {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
            if let Auth::ApiKey(key) = auth {
                pairs.append_pair("api_key", key.expose());
            }
        }
        let _permit = self
            .inner
            .permits
            .acquire()
            .await
            .map_err(|_| TmdbError::Http {
                what: what.to_string(),
                status: None,
                message: "client shut down".into(),
            })?;
        let mut waits = 0;
        loop {
            self.wait_out_pause().await;
            let mut request = self.inner.http.get(url.clone());
            if let Auth::Bearer(token) = auth {
                request = request.bearer_auth(token.expose());
            }
            let started = Instant::now();
            let response = request
                .send()
                .await
                .map_err(|e| self.transport_error(what, auth, e))?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(crate::llm::provider::parse_retry_after);
            let body = response
                .text()
                .await
                .map_err(|e| self.transport_error(what, auth, e))?;
            tracing::debug!(
                request = what,
                status,
                ms = started.elapsed().as_millis() as u64,
                "tmdb"
            );
            if status != 429 {
                return Ok((status, body));
            }
            let wait = retry_after.unwrap_or(DEFAULT_RATE_LIMIT_WAIT);
            if waits >= MAX_RATE_LIMIT_WAITS || wait > MAX_RATE_LIMIT_WAIT {
                tracing::info!(request = what, waits, "tmdb rate limit: giving up for now");
                return Err(TmdbError::RateLimited { retry_after });
            }
            waits += 1;
            tracing::info!(
                request = what,
                wait_ms = wait.as_millis() as u64,
                "tmdb rate limit: waiting as Retry-After asks"
            );
            self.pause_for(wait);
        }
    }

    /// Every request of this client holds off until the pause is over.
    fn pause_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut paused = self
            .inner
            .paused_until
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if paused.is_none_or(|p| p < until) {
            *paused = Some(until);
        }
    }

    async fn wait_out_pause(&self) {
        let until = *self
            .inner
            .paused_until
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(until) = until {
            tokio::time::sleep_until(until.into()).await;
        }
    }

    /// reqwest's message names the URL, which may carry `api_key`: it is dropped, and the
    /// secret is scrubbed from whatever remains.
    fn transport_error(&self, what: &str, auth: &Auth, e: reqwest::Error) -> TmdbError {
        let message = if e.is_timeout() {
            format!("no answer within {} s", self.inner.timeout.as_secs())
        } else {
            let e = e.without_url();
            let mut parts = vec![e.to_string()];
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                parts.push(c.to_string());
                cause = c.source();
            }
            parts.join(": ")
        };
        TmdbError::Http {
            what: what.to_string(),
            status: None,
            message: redact(&message, auth.secret()),
        }
    }
}

/// reqwest is built without a TLS provider of its own (see `llm::provider::http_client`).
fn http_client(timeout: Duration) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .user_agent(concat!("Kinora/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// The cache key: path + the sorted query (language included), never a credential.
fn cache_key(path: &str, sorted_query: &[(&str, String)]) -> String {
    let mut url = match Url::parse("tmdb:/") {
        Ok(u) => u,
        Err(_) => return format!("{path}?{sorted_query:?}"),
    };
    url.query_pairs_mut().extend_pairs(sorted_query.iter());
    format!("{path}?{}", url.query().unwrap_or(""))
}

fn decode<T: DeserializeOwned>(what: &str, body: &str) -> Result<T, TmdbError> {
    serde_json::from_str(body).map_err(|e| TmdbError::Decode {
        what: what.to_string(),
        message: e.to_string(),
    })
}

/// TMDB's `status_message`, or a 422's `errors`, else the start of the body.
fn error_message(body: &str) -> String {
    let parsed: Option<types::ErrorBody> = serde_json::from_str(body).ok();
    let message = parsed.and_then(|b| {
        b.status_message
            .filter(|m| !m.is_empty())
            .map(|m| match b.status_code {
                Some(code) => format!("{m} (TMDB code {code})"),
                None => m,
            })
            .or_else(|| (!b.errors.is_empty()).then(|| b.errors.join("; ")))
    });
    let text = message.unwrap_or_else(|| body.trim().to_string());
    if text.chars().count() > MAX_MESSAGE {
        let cut: String = text.chars().take(MAX_MESSAGE).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// Removes a secret from text bound for an error or a log.
fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        text.to_string()
    } else {
        text.replace(secret, "********")
    }
}

fn search_text(query: &str) -> Result<String, TmdbError> {
    // TMDB's search ignores case and extra spaces, so "The  Matrix " and "the matrix" are one
    // question: sent, and cached, as one.
    let q = query
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    if q.is_empty() {
        return Err(TmdbError::Invalid("empty search".into()));
    }
    Ok(q)
}

/// The URL of a TMDB image: `base` (the configured `image_base_url`, or the configuration's
/// `secure_base_url`) + `size` (`w500`, `original`) + `file_path` (`/abc.jpg`). A path that is
/// already a URL is returned as it is.
pub fn image_url(base: &str, size: &str, file_path: &str) -> String {
    if file_path.starts_with("http://") || file_path.starts_with("https://") {
        return file_path.to_string();
    }
    format!(
        "{}/{}/{}",
        base.trim_end_matches('/'),
        size.trim_matches('/'),
        file_path.trim_start_matches('/')
    )
}

/// One async lock per key, dropped from the map when nobody holds or waits for it.
#[derive(Default)]
struct KeyLocks {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

struct KeyGuard<'a> {
    owner: &'a KeyLocks,
    key: String,
    guard: Option<OwnedMutexGuard<()>>,
}

impl KeyLocks {
    async fn lock(&self, key: &str) -> KeyGuard<'_> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
            locks.entry(key.to_string()).or_default().clone()
        };
        let guard = lock.lock_owned().await;
        KeyGuard {
            owner: self,
            key: key.to_string(),
            guard: Some(guard),
        }
    }
}

impl Drop for KeyGuard<'_> {
    fn drop(&mut self) {
        let mut locks = self.owner.locks.lock().unwrap_or_else(|e| e.into_inner());
        // Release first, then: the map's Arc alone left means nobody else waits for it.
        drop(self.guard.take());
        if locks
            .get(&self.key)
            .is_some_and(|l| Arc::strong_count(l) == 1)
        {
            locks.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests;
