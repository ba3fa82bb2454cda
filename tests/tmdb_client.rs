//! The production TMDB client against a fake TMDB on loopback that replays the real recorded
//! answers (`tests/common/fake_tmdb.rs`, `../shared/fixtures/tmdb`): real values through every
//! endpoint, both ways of authenticating, the catalog cache (SQLite and PostgreSQL), 429 with
//! Retry-After, the concurrency limit, and "no key configured".
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::fake_tmdb::{fixtures_present, Canned, FakeTmdb};
use kinora::config::Config;
use kinora::db::Catalog;
use kinora::domain::metadata::PersonKind;
use kinora::metadata::tmdb::{self, MediaType, Tmdb, TmdbError};

const KEY: &str = "fake-v3-key-5f2b9c";
const TOKEN: &str = "fake-read-token-eyJhbGciOi";

async fn sqlite(dir: &tempfile::TempDir) -> Catalog {
    Catalog::open(&format!("sqlite://{}/k.db?mode=rwc", dir.path().display()))
        .await
        .unwrap()
}

/// The client as the server builds it: from a `[tmdb]` config section.
fn client(fake_url: &str, auth: &str, extra: &str, catalog: Catalog) -> Tmdb {
    let toml = format!("[tmdb]\nbase_url = {fake_url:?}\n{auth}\n{extra}\n");
    let config = Config::from_parts(&toml, "test", &[]).unwrap();
    Tmdb::new(&config.tmdb, catalog)
}

fn with_key() -> String {
    format!("api_key = {KEY:?}")
}

fn with_token() -> String {
    format!("read_token = {TOKEN:?}")
}

#[tokio::test]
async fn real_answers_through_every_endpoint_with_an_api_key() {
    if !fixtures_present() {
        return;
    }
    let fake = FakeTmdb::start(KEY, TOKEN).await;
    let dir = tempfile::tempdir().unwrap();
    let tmdb = client(&fake.url, &with_key(), "", sqlite(&dir).await);
    assert!(tmdb.is_configured());

    let matrix = tmdb.search_movie("the matrix", None).await.unwrap();
    assert_eq!(matrix.results[0].id, 603);
    assert_eq!(matrix.results[0].title.as_deref(), Some("The Matrix"));
    let reloaded = tmdb
        .search_movie("The Matrix  Reloaded", Some(2003))
        .await
        .unwrap();
    assert_eq!(reloaded.results.len(), 1);
    assert_eq!(reloaded.results[0].id, 604);

    let movie = tmdb.movie(550).await.unwrap();
    let m = tmdb::movie_metadata(&movie, tmdb.certification_country());
    assert_eq!(m.title.as_deref(), Some("Fight Club"));
    assert_eq!(m.ids.imdb.as_deref(), Some("tt0137523"));
    assert_eq!(m.certification.as_deref(), Some("R"));
    let cast: Vec<(&str, Option<i32>)> = m
        .people
        .iter()
        .filter(|p| p.kind == PersonKind::Actor)
        .take(3)
        .map(|p| (p.name.as_str(), p.order))
        .collect();
    assert_eq!(
        cast,
        [
            ("Edward Norton", Some(0)),
            ("Brad Pitt", Some(1)),
            ("Helena Bonham Carter", Some(2))
        ]
    );
    assert!(m
        .people
        .iter()
        .any(|p| p.kind == PersonKind::Director && p.name == "David Fincher"));

    let got = tmdb.search_tv("game of thrones", None).await.unwrap();
    assert_eq!(got.results[0].id, 1399);
    let tv = tmdb.tv(1399).await.unwrap();
    let t = tmdb::tv_metadata(&tv, "US");
    assert_eq!(t.ids.tvdb.as_deref(), Some("121361"));
    assert_eq!(t.ids.imdb.as_deref(), Some("tt0944947"));
    assert_eq!(t.certification.as_deref(), Some("TV-MA"));

    let season = tmdb.season(1399, 1).await.unwrap();
    assert_eq!(season.episodes.len(), 10);
    let episode = tmdb.episode(1399, 1, 1).await.unwrap();
    let e = tmdb::episode_metadata(&episode);
    assert_eq!(e.title.as_deref(), Some("Winter Is Coming"));
    assert!(e.people.iter().any(|p| p.kind == PersonKind::GuestStar));

    let found = tmdb.find_imdb("tt0936501").await.unwrap();
    assert_eq!(found.movie_results[0].id, 8681);
    assert_eq!(found.movie_results[0].title.as_deref(), Some("Taken"));
    assert!(matches!(
        tmdb.find_imdb("0936501").await,
        Err(TmdbError::Invalid(_))
    ));

    let config = tmdb.configuration().await.unwrap();
    assert_eq!(
        tmdb::image_url(config.images.base().unwrap(), "w500", "/abc.jpg"),
        "https://image.tmdb.org/t/p/w500/abc.jpg"
    );
    assert_eq!(
        tmdb.image_url("original", "/abc.jpg"),
        "https://image.tmdb.org/t/p/original/abc.jpg"
    );
    let genres = tmdb.genres(MediaType::Tv).await.unwrap();
    assert!(genres.iter().any(|g| g.name == "Sci-Fi & Fantasy"));

    // The key travels as the api_key parameter, never as a header; the language is sent.
    let requests = fake.requests();
    // Ten calls, ten requests (the malformed IMDb id was refused before any request).
    assert_eq!(requests.len(), 10);
    for r in &requests {
        assert_eq!(r.param("api_key"), Some(KEY), "{r:?}");
        assert_eq!(r.param("language"), Some("en-US"), "{r:?}");
        assert!(!r.headers.contains_key("authorization"), "{r:?}");
    }
    let detail = requests.iter().find(|r| r.path == "/3/movie/550").unwrap();
    assert_eq!(
        detail.param("append_to_response"),
        Some("credits,external_ids,release_dates,images")
    );
    assert_eq!(detail.param("include_image_language"), Some("en,null"));
    let tv_detail = requests.iter().find(|r| r.path == "/3/tv/1399").unwrap();
    assert_eq!(
        tv_detail.param("append_to_response"),
        Some("external_ids,content_ratings,credits")
    );
    let search = requests
        .iter()
        .find(|r| r.param("year") == Some("2003"))
        .unwrap();
    // Sent as TMDB compares it (case and spacing ignored), so variants share one cache entry.
    assert_eq!(search.param("query"), Some("the matrix reloaded"));
}

#[tokio::test]
async fn the_read_token_goes_in_the_authorization_header_only() {
    if !fixtures_present() {
        return;
    }
    let fake = FakeTmdb::start(KEY, TOKEN).await;
    let dir = tempfile::tempdir().unwrap();
    // Both set: the token wins and the key is not sent at all.
    let tmdb = client(
        &fake.url,
        &format!("{}\n{}", with_key(), with_token()),
        "",
        sqlite(&dir).await,
    );
    let movie = tmdb.movie(550).await.unwrap();
    assert_eq!(movie.imdb_id.as_deref(), Some("tt0137523"));
    let r = &fake.requests()[0];
    assert_eq!(
        r.headers.get("authorization").map(String::as_str),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(r.param("api_key"), None);
}

/// Collects every log line (all levels, all targets) written while a test runs.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;
    fn make_writer(&'a self) -> LogBuffer {
        self.clone()
    }
}

/// A rejected key (401), an unreachable TMDB and a rate limit: the errors say what happened,
/// and neither credential appears in an error or in any log line.
#[tokio::test(flavor = "current_thread")]
async fn credentials_never_appear_in_errors_or_logs() {
    if !fixtures_present() {
        return;
    }
    let logs = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let fake = FakeTmdb::start("the-right-key", "the-right-token").await;
    let dir = tempfile::tempdir().unwrap();
    let catalog = sqlite(&dir).await;
    let mut errors = Vec::new();

    // A wrong key and a wrong token: TMDB's 401, not cached, not worth retrying.
    for auth in [with_key(), with_token()] {
        let tmdb = client(&fake.url, &auth, "", catalog.clone());
        let err = tmdb.movie(550).await.unwrap_err();
        assert!(
            matches!(
                err,
                TmdbError::Http {
                    status: Some(401),
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("Invalid API key"), "{err}");
        assert!(!err.is_retryable());
        errors.push(err.to_string());
        let again = tmdb.movie(550).await.unwrap_err();
        errors.push(again.to_string());
    }
    assert_eq!(fake.count("/3/movie/550"), 4, "a 401 is not cached");

    // Nothing listens on that port any more.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    for auth in [with_key(), with_token()] {
        let tmdb = client(&closed, &auth, "timeout_secs = 2", catalog.clone());
        let err = tmdb.search_movie("the matrix", None).await.unwrap_err();
        assert!(matches!(err, TmdbError::Http { status: None, .. }), "{err}");
        assert!(err.is_retryable());
        errors.push(err.to_string());
    }

    let accepting = FakeTmdb::start(KEY, TOKEN).await;
    let tmdb = client(&accepting.url, &with_key(), "", catalog.clone());
    accepting.script("/3/tv/1399", vec![Canned::rate_limited("3600")]);
    let err = tmdb.tv(1399).await.unwrap_err();
    errors.push(err.to_string());

    drop(_guard);
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("tmdb"),
        "the client logs its requests:\n{logs}"
    );
    for text in errors.iter().chain([&logs]) {
        assert!(!text.contains(KEY), "{text}");
        assert!(!text.contains(TOKEN), "{text}");
        assert!(!text.contains("api_key="), "{text}");
    }
}

/// A repeat is served from the catalog; an expired entry is asked again; a restarted client
/// over the same catalog still has the answers; a 404 is remembered too.
async fn cache_behaviour(catalog: Catalog) {
    let fake = FakeTmdb::start(KEY, TOKEN).await;
    let tmdb = client(&fake.url, &with_key(), "", catalog.clone());

    let first = tmdb.movie(550).await.unwrap();
    let second = tmdb.movie(550).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(fake.count("/3/movie/550"), 1, "the repeat made a request");

    let restarted = client(&fake.url, &with_key(), "", catalog.clone());
    restarted.movie(550).await.unwrap();
    assert_eq!(fake.count("/3/movie/550"), 1, "the cache is in the catalog");

    // Another language is another answer.
    let german = client(
        &fake.url,
        &with_key(),
        "language = \"de-DE\"",
        catalog.clone(),
    );
    german.movie(550).await.unwrap();
    assert_eq!(fake.count("/3/movie/550"), 2);

    // Not found: asked once.
    for _ in 0..2 {
        let err = tmdb.movie(999_999_999).await.unwrap_err();
        assert!(matches!(err, TmdbError::NotFound { .. }), "{err}");
        assert!(!err.is_retryable());
    }
    assert_eq!(fake.count("/3/movie/999999999"), 1, "a 404 is cached");

    // Once expired, the next call asks TMDB again and refreshes the entry.
    let expired = kinora::db::tmdb_cache::expire_all(&catalog).await.unwrap();
    assert!(expired >= 3, "{expired}");
    tmdb.movie(550).await.unwrap();
    assert_eq!(fake.count("/3/movie/550"), 3);
    tmdb.movie(550).await.unwrap();
    assert_eq!(fake.count("/3/movie/550"), 3);
    let purged = kinora::db::tmdb_cache::purge_expired(&catalog, kinora::db::now_ms())
        .await
        .unwrap();
    assert_eq!(purged, 2, "the expired German answer and the 404");

    // The stored key has no credential in it.
    use sea_orm::{ConnectionTrait, Statement};
    let rows = catalog
        .read
        .query_all_raw(Statement::from_string(
            catalog.backend(),
            "SELECT request_key FROM tmdb_cache",
        ))
        .await
        .unwrap();
    let keys: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "request_key").unwrap())
        .collect();
    assert!(keys.contains(
        &"movie/550?append_to_response=credits%2Cexternal_ids%2Crelease_dates%2Cimages&include_image_language=en%2Cnull&language=en-US"
            .to_string()
    ));
    assert!(keys.iter().all(|k| !k.contains(KEY)), "{keys:?}");

    // A stored answer that no longer reads as the type (say, after an upgrade) is fetched anew.
    let now = kinora::db::now_ms();
    kinora::db::tmdb_cache::put(
        &catalog,
        "movie/550?append_to_response=credits%2Cexternal_ids%2Crelease_dates%2Cimages&include_image_language=en%2Cnull&language=en-US",
        &kinora::db::tmdb_cache::CachedResponse {
            status: 200,
            body: "[1, 2]".into(),
            fetched_at: now,
            expires_at: now + 3_600_000,
        },
    )
    .await
    .unwrap();
    assert_eq!(tmdb.movie(550).await.unwrap(), first);
    assert_eq!(fake.count("/3/movie/550"), 4);
}

#[tokio::test]
async fn cache_on_sqlite() {
    if !fixtures_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    cache_behaviour(sqlite(&dir).await).await;
}

#[tokio::test]
async fn cache_on_postgres() {
    if !fixtures_present() {
        return;
    }
    let Some(base) = common::postgres_url() else {
        return;
    };
    let url = common::fresh_postgres_db(&base).await;
    cache_behaviour(Catalog::open(&url).await.unwrap()).await;
}

#[tokio::test]
async fn a_429_waits_for_retry_after_then_succeeds() {
    if !fixtures_present() {
        return;
    }
    let fake = FakeTmdb::start(KEY, TOKEN).await;
    let dir = tempfile::tempdir().unwrap();
    let tmdb = client(&fake.url, &with_key(), "", sqlite(&dir).await);
    fake.script("/3/search/movie", vec![Canned::rate_limited("1")]);
    let started = Instant::now();
    let page = tmdb.search_movie("the matrix", None).await.unwrap();
    assert_eq!(page.results[0].id, 603);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fake.count("/3/search/movie"), 2);
}

#[tokio::test]
async fn a_429_that_persists_ends_in_a_retryable_error_and_is_not_cached() {
    if !fixtures_present() {
        return;
    }
    let fake = FakeTmdb::start(KEY, TOKEN).await;
    let dir = tempfile::tempdir().unwrap();
    let tmdb = client(&fake.url, &with_key(), "", sqlite(&dir).await);
    fake.script_forever("/3/tv/1399", Canned::rate_limited("1"));
    let started = Instant::now();
    let err = tmdb.tv(1399).await.unwrap_err();
    assert!(matches!(err, TmdbError::RateLimited { .. }), "{err}");
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    // The first answer and three waits, each honoured.
    assert_eq!(fake.count("/3/tv/1399"), 4);
    assert!(started.elapsed() >= Duration::from_millis(2900));
    assert!(started.elapsed() < Duration::from_secs(10));

    // A Retry-After too long to wait in-line is handed to the caller at once.
    fake.clear("/3/tv/1399");
    fake.script("/3/tv/1399", vec![Canned::rate_limited("3600")]);
    let started = Instant::now();
    let err = tmdb.tv(1399).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(started.elapsed() < Duration::from_secs(2));

    // Nothing of that was cached: the next call asks and gets the show.
    let tv = tmdb.tv(1399).await.unwrap();
    assert_eq!(tv.name.as_deref(), Some("Game of Thrones"));
    assert_eq!(fake.count("/3/tv/1399"), 6);
}

#[tokio::test]
async fn a_server_error_is_retryable_and_not_cached() {
    if !fixtures_present() {
        return;
    }
    let fake = FakeTmdb::start(KEY, TOKEN).await;
    let dir = tempfile::tempdir().unwrap();
    let tmdb = client(&fake.url, &with_key(), "", sqlite(&dir).await);
    fake.script(
        "/3/configuration",
        vec![Canned::status(
            503,
            r#"{"success":false,"status_code":9,"status_message":"Service offline."}"#,
        )],
    );
    let err = tmdb.configuration().await.unwrap_err();
    assert!(
        matches!(
            err,
            TmdbError::Http {
                status: Some(503),
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("Service offline"), "{err}");
    assert!(err.is_retryable());
    tmdb.configuration().await.unwrap();
    tmdb.configuration().await.unwrap();
    assert_eq!(fake.count("/3/configuration"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_in_flight_stay_within_max_concurrent() {
    if !fixtures_present() {
        return;
    }
    let fake = FakeTmdb::start(KEY, TOKEN).await;
    fake.set_delay(Duration::from_millis(150));
    let dir = tempfile::tempdir().unwrap();
    let tmdb = client(
        &fake.url,
        &with_key(),
        "max_concurrent = 2",
        sqlite(&dir).await,
    );
    let calls = (0..8).map(|i| {
        let tmdb = tmdb.clone();
        tokio::spawn(async move { tmdb.search_movie(&format!("title {i}"), None).await })
    });
    for call in futures_util::future::join_all(calls).await {
        // The fake has no recording for these searches: TMDB's 404.
        assert!(matches!(call.unwrap(), Err(TmdbError::NotFound { .. })));
    }
    assert_eq!(fake.requests().len(), 8);
    assert_eq!(
        fake.max_in_flight(),
        2,
        "the limit was not reached or exceeded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_request_at_once_is_sent_once() {
    if !fixtures_present() {
        return;
    }
    let fake = FakeTmdb::start(KEY, TOKEN).await;
    fake.set_delay(Duration::from_millis(200));
    let dir = tempfile::tempdir().unwrap();
    let tmdb = client(&fake.url, &with_key(), "", sqlite(&dir).await);
    let calls = (0..5).map(|_| {
        let tmdb = tmdb.clone();
        tokio::spawn(async move { tmdb.season(1399, 1).await })
    });
    for call in futures_util::future::join_all(calls).await {
        assert_eq!(call.unwrap().unwrap().episodes.len(), 10);
    }
    assert_eq!(fake.count("/3/tv/1399/season/1"), 1);
}

#[tokio::test]
async fn without_a_key_tmdb_is_skipped_without_a_request() {
    let fake = FakeTmdb::start(KEY, TOKEN).await;
    let dir = tempfile::tempdir().unwrap();
    // An empty value (e.g. KINORA_TMDB__API_KEY= in a compose file) is "not configured" too.
    for auth in ["", "api_key = \"\"\nread_token = \"  \""] {
        let tmdb = client(&fake.url, auth, "", sqlite(&dir).await);
        assert!(!tmdb.is_configured());
        let errors = [
            tmdb.search_movie("the matrix", None).await.unwrap_err(),
            tmdb.search_tv("game of thrones", Some(2011))
                .await
                .unwrap_err(),
            tmdb.movie(550).await.unwrap_err(),
            tmdb.tv(1399).await.unwrap_err(),
            tmdb.season(1399, 1).await.unwrap_err(),
            tmdb.episode(1399, 1, 1).await.unwrap_err(),
            tmdb.find_imdb("tt0137523").await.unwrap_err(),
            tmdb.configuration().await.unwrap_err(),
            tmdb.genres(MediaType::Movie).await.unwrap_err(),
        ];
        for err in errors {
            assert!(matches!(err, TmdbError::NotConfigured), "{err}");
            assert!(!err.is_retryable());
            assert_eq!(
                err.to_string(),
                "no TMDB API key configured (tmdb.api_key or tmdb.read_token)"
            );
        }
    }
    assert!(fake.requests().is_empty());
}
