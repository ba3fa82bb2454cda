//! A fake TMDB API v3 on a loopback port that replays the real recorded answers in
//! `../shared/fixtures/tmdb` (see its README): `GET /3/<path>?<query>` is served from
//! `3/<path>@<query>.json` (or `3/<path>.json` without a query), the credential removed from
//! the query first. When no file has the exact query, the request's `language` is ignored (the
//! recordings mostly lack it), and an `append_to_response` is composed from the separate
//! sub-endpoint files, each nested under its name without its `id`, as TMDB nests it.
//!
//! It checks the credential (`api_key` query or `Authorization: Bearer`) and answers the
//! recorded 401 body for a wrong one, 404 with the recorded body for anything it has no file
//! for, and, when told, 429s with `Retry-After` or other scripted answers ahead of the files.
//! It counts requests and the most ever in flight at once.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The recordings beside the checkout.
pub fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/tmdb")
}

/// Whether the recordings are there; outside CI a bare clone may lack `../shared`.
pub fn fixtures_present() -> bool {
    if fixtures_root().join("3/movie/550.json").is_file() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must have ../shared/fixtures/tmdb"
    );
    eprintln!("../shared/fixtures/tmdb missing: TMDB test skipped");
    false
}

/// A scripted answer, served before the recordings.
#[derive(Debug, Clone)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Canned {
    /// TMDB's documented 429 (status_code 25) with `Retry-After`.
    pub fn rate_limited(retry_after: &str) -> Canned {
        Canned {
            status: 429,
            headers: vec![("Retry-After".into(), retry_after.into())],
            body: r#"{"success":false,"status_code":25,"status_message":"Your request count (41) is over the allowed limit of (40)."}"#.into(),
        }
    }

    pub fn status(status: u16, body: &str) -> Canned {
        Canned {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `/3/movie/550`.
    pub path: String,
    /// Decoded query pairs in the order sent, credential included.
    pub query: Vec<(String, String)>,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
}

impl Seen {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Decoded query pairs, sorted.
type Query = Vec<(String, String)>;

/// One recording: path below `/3`, its query, its file.
type Recording = (String, Query, PathBuf);

#[derive(Default)]
struct Script {
    once: VecDeque<Canned>,
    forever: Option<Canned>,
}

struct State {
    root: PathBuf,
    /// (path below /3, sorted query pairs) → file.
    index: Vec<Recording>,
    api_key: String,
    read_token: String,
    requests: Mutex<Vec<Seen>>,
    scripts: Mutex<HashMap<String, Script>>,
    delay: Mutex<Duration>,
    /// Served for every `/t/p/{size}/{file}` request (the image CDN), when set.
    image: Mutex<Option<Vec<u8>>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

pub struct FakeTmdb {
    /// The base URL to configure as `tmdb.base_url` (without `/3`), on 127.0.0.1.
    pub url: String,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTmdb {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeTmdb {
    /// Accepts `api_key` as the v3 key and `read_token` as the bearer token.
    pub async fn start(api_key: &str, read_token: &str) -> FakeTmdb {
        let root = fixtures_root();
        let state = Arc::new(State {
            index: index(&root),
            root,
            api_key: api_key.into(),
            read_token: read_token.into(),
            requests: Mutex::new(Vec::new()),
            scripts: Mutex::new(HashMap::new()),
            delay: Mutex::new(Duration::ZERO),
            image: Mutex::new(None),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        // Loopback only: the fake must never be a real address.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let s = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, s).await;
                });
            }
        });
        FakeTmdb { url, state, task }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.state.requests.lock().unwrap().clone()
    }

    /// Requests to one path (`/3/movie/550`).
    pub fn count(&self, path: &str) -> usize {
        self.requests().iter().filter(|r| r.path == path).count()
    }

    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// Every answer waits this long (to observe concurrency).
    pub fn set_delay(&self, delay: Duration) {
        *self.state.delay.lock().unwrap() = delay;
    }

    /// `path` answers these first, in order, then from the recordings again.
    pub fn script(&self, path: &str, replies: Vec<Canned>) {
        let mut scripts = self.state.scripts.lock().unwrap();
        scripts.entry(path.into()).or_default().once.extend(replies);
    }

    /// `path` answers this until [`FakeTmdb::clear`].
    pub fn script_forever(&self, path: &str, reply: Canned) {
        let mut scripts = self.state.scripts.lock().unwrap();
        scripts.entry(path.into()).or_default().forever = Some(reply);
    }

    /// Serves `bytes` (a JPEG, say) for every image path `/t/p/…`; configure
    /// `tmdb.image_base_url` as `{url}/t/p/`.
    pub fn serve_images(&self, bytes: Vec<u8>) {
        *self.state.image.lock().unwrap() = Some(bytes);
    }

    pub fn clear(&self, path: &str) {
        self.state.scripts.lock().unwrap().remove(path);
    }
}

/// Every recording under `3/`, keyed by path and sorted decoded query.
fn index(root: &Path) -> Vec<Recording> {
    let mut out = Vec::new();
    let base = root.join("3");
    let mut stack = vec![base.clone()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(&base).unwrap().to_string_lossy().to_string();
            let Some(stem) = rel.strip_suffix(".json") else {
                continue;
            };
            let (path, query) = stem.split_once('@').unwrap_or((stem, ""));
            out.push((path.to_string(), parse_query(query), p.clone()));
        }
    }
    out
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    let url = reqwest::Url::parse(&format!("http://fake/?{query}")).unwrap();
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    pairs
}

async fn serve(mut stream: tokio::net::TcpStream, state: Arc<State>) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let target = lines
        .next()
        .unwrap_or("")
        .split(' ')
        .nth(1)
        .unwrap_or("")
        .to_string();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let url = reqwest::Url::parse(&format!("http://fake{target}")).unwrap();
    let seen = Seen {
        path: url.path().to_string(),
        query: url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        headers,
    };
    state.requests.lock().unwrap().push(seen.clone());
    if seen.path.starts_with("/t/p/") {
        // The image CDN needs no key.
        let image = state.image.lock().unwrap().clone();
        let (status, body) = match image {
            Some(bytes) => ("200 OK", bytes),
            None => ("404 Not Found", Vec::new()),
        };
        let head = format!(
            "HTTP/1.1 {status}\r\ncontent-type: image/jpeg\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(&body).await?;
        return stream.shutdown().await;
    }

    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let delay = *state.delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    let reply = answer(&state, &seen);
    state.in_flight.fetch_sub(1, Ordering::SeqCst);

    let mut out = format!(
        "HTTP/1.1 {} Fake\r\ncontent-type: application/json;charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&reply.body);
    stream.write_all(out.as_bytes()).await?;
    stream.shutdown().await
}

fn answer(state: &State, seen: &Seen) -> Canned {
    let bearer_ok = seen
        .headers
        .get("authorization")
        .is_some_and(|v| *v == format!("Bearer {}", state.read_token));
    let key_ok = seen.param("api_key") == Some(state.api_key.as_str());
    if !(bearer_ok || key_ok) {
        return Canned::status(
            401,
            &read(&state.root.join("errors/401-invalid-api-key.json")),
        );
    }
    {
        let mut scripts = state.scripts.lock().unwrap();
        if let Some(script) = scripts.get_mut(&seen.path) {
            if let Some(reply) = script.once.pop_front() {
                return reply;
            }
            if let Some(reply) = &script.forever {
                return reply.clone();
            }
        }
    }
    let not_found = || {
        Canned::status(
            404,
            &read(&state.root.join("errors/404-resource-not-found.json")),
        )
    };
    let Some(path) = seen.path.strip_prefix("/3/") else {
        return not_found();
    };
    let mut query: Vec<(String, String)> = seen
        .query
        .iter()
        .filter(|(k, _)| k != "api_key")
        .cloned()
        .collect();
    query.sort();
    match find(state, path, &query) {
        Some(body) => Canned::status(200, &body),
        None => not_found(),
    }
}

fn find(state: &State, path: &str, query: &[(String, String)]) -> Option<String> {
    let exact = |q: &[(String, String)]| {
        state
            .index
            .iter()
            .find(|(p, pq, _)| p == path && pq.as_slice() == q)
            .map(|(_, _, file)| read(file))
    };
    if let Some(body) = exact(query) {
        return Some(body);
    }
    let without_language: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| k != "language")
        .cloned()
        .collect();
    if let Some(body) = exact(&without_language) {
        return Some(body);
    }
    // append_to_response, composed as the README describes.
    let append = without_language
        .iter()
        .find(|(k, _)| k == "append_to_response")?
        .1
        .clone();
    let rest: Vec<(String, String)> = without_language
        .into_iter()
        .filter(|(k, _)| k != "append_to_response")
        .collect();
    // The base object: the plain recording, else one recorded with another append (TMDB's
    // base fields are the same whatever is appended).
    let base = state
        .index
        .iter()
        .find(|(p, pq, _)| p == path && pq.as_slice() == rest.as_slice())
        .or_else(|| {
            state
                .index
                .iter()
                .find(|(p, pq, _)| p == path && pq.iter().all(|(k, _)| k == "append_to_response"))
        })?;
    let mut doc: Value = serde_json::from_str(&read(&base.2)).unwrap();
    for sub in append.split(',') {
        let sub_path = format!("{path}/{sub}");
        let Some((_, _, file)) = state
            .index
            .iter()
            .find(|(p, pq, _)| *p == sub_path && pq.is_empty())
        else {
            // TMDB leaves out what it cannot append.
            continue;
        };
        let mut body: Value = serde_json::from_str(&read(file)).unwrap();
        body.as_object_mut().unwrap().remove("id");
        doc[sub] = body;
    }
    Some(doc.to_string())
}

fn read(file: &Path) -> String {
    std::fs::read_to_string(file).unwrap()
}
