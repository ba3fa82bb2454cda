//! The `sendfile` stream front of the real binary, over raw TCP: what it answers must be what
//! actix answers (same status, headers and bytes), connections move from it to actix mid-way
//! (keep-alive, pipelining), and odd or hostile clients (heads in pieces, huge or malformed
//! heads, a client that leaves mid-body) neither crash nor hang it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::media::video;
use common::{lib, Instance};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const WAIT: Duration = Duration::from_secs(10);

#[derive(Debug)]
struct Response {
    status: u16,
    /// Lower-case names; `date` left out (it changes).
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

/// One raw HTTP/1.1 connection.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(server: &common::Server) -> Conn {
        let addr = server.base.trim_start_matches("http://").to_string();
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        Conn {
            stream,
            buf: Vec::new(),
        }
    }

    async fn send(&mut self, raw: &str) {
        self.stream.write_all(raw.as_bytes()).await.unwrap();
    }

    async fn fill(&mut self) -> usize {
        let mut chunk = vec![0u8; 64 * 1024];
        let n = tokio::time::timeout(WAIT, self.stream.read(&mut chunk))
            .await
            .expect("the server answered in time")
            .unwrap();
        self.buf.extend_from_slice(&chunk[..n]);
        n
    }

    /// The next response; `head` for the answer to a HEAD request (no body).
    async fn response(&mut self, head: bool) -> Response {
        let split = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            assert!(self.fill().await > 0, "connection closed before a response");
        };
        let text = String::from_utf8(self.buf[..split].to_vec()).unwrap();
        self.buf.drain(..split + 4);
        let mut lines = text.split("\r\n");
        let status_line = lines.next().unwrap();
        assert!(status_line.starts_with("HTTP/1.1 "), "{status_line}");
        let status: u16 = status_line[9..12].parse().unwrap();
        let mut headers = BTreeMap::new();
        for line in lines {
            let (name, value) = line.split_once(':').unwrap();
            let name = name.trim().to_ascii_lowercase();
            assert!(
                headers
                    .insert(name.clone(), value.trim().to_string())
                    .is_none(),
                "{name} twice"
            );
        }
        headers.remove("date").expect("a date header");
        let len: usize = match headers.get("content-length") {
            Some(_) if head || status == 304 => 0,
            Some(l) => l.parse().unwrap(),
            None => 0,
        };
        while self.buf.len() < len {
            assert!(self.fill().await > 0, "connection closed mid-body");
        }
        let body = self.buf.drain(..len).collect();
        Response {
            status,
            headers,
            body,
        }
    }

    async fn closed(&mut self) -> bool {
        self.buf.is_empty() && self.fill().await == 0
    }
}

fn get(path: &str, extra: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\n{extra}\r\n")
}

/// The log without ANSI colour sequences (`ESC [ … m`).
fn without_colours(log: &str) -> String {
    let mut out = String::with_capacity(log.len());
    let mut chars = log.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether the front has answered exactly `total` requests so far.
async fn front_served(server: &common::Server, total: usize) -> bool {
    server.served_by_front(total).await == total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_front() {
    let media = tempfile::tempdir().unwrap();
    let root = media.path().join("movies");
    let path = root.join("Front Test (2003)/Front Test (2003).mp4");
    video(&path);
    let inst = Instance::new(&[lib("Movies", &root, "movies")], "");
    let server = inst.start();
    server.wait_idle().await;
    let item = server.items("movie").await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Grow the file past any socket buffer (the watcher is off: the catalog keeps the path).
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend((0..24u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    std::fs::write(&path, &bytes).unwrap();
    let len = bytes.len();
    let wire = item.replace('-', "");
    let jf = format!("/Videos/{wire}/stream.mp4?static=true");
    // The same resource through actix: a percent-encoded id is the front's cue to hand over.
    let jf_actix = format!(
        "/Videos/%{:x}{}/stream.mp4?static=true",
        wire.as_bytes()[0],
        &wire[1..]
    );
    let native = format!("/api/v1/items/{item}/stream");
    let key = format!("X-Api-Key: {}\r\n", server.key);

    // ---- Range, HEAD, 416, If-Range, 304, 412: the front's answer is actix's answer.
    let mut conn = Conn::open(&server).await;
    conn.send(&get(&jf, "")).await;
    let full = conn.response(false).await;
    let etag = full.headers["etag"].clone();
    let last_modified = full.headers["last-modified"].clone();
    let cases: Vec<(&str, String, u16)> = vec![
        ("GET", String::new(), 200),
        ("HEAD", String::new(), 200),
        ("GET", "Range: bytes=100-199\r\n".into(), 206),
        ("HEAD", "Range: bytes=-10\r\n".into(), 206),
        ("GET", format!("Range: bytes={}-\r\n", len + 5), 416),
        (
            "GET",
            format!("Range: bytes=5-9\r\nIf-Range: {etag}\r\n"),
            206,
        ),
        (
            "GET",
            "Range: bytes=5-9\r\nIf-Range: \"stale\"\r\n".into(),
            200,
        ),
        ("GET", format!("If-None-Match: {etag}\r\n"), 304),
        (
            "HEAD",
            format!("If-Modified-Since: {last_modified}\r\n"),
            304,
        ),
        ("GET", "If-Match: \"other\"\r\n".into(), 412),
        (
            "GET",
            "Origin: https://app.example\r\nRange: bytes=0-0\r\n".into(),
            206,
        ),
    ];
    // Requests the front answered so far (it logs each).
    let mut total = 1;
    let mut actix = Conn::open(&server).await;
    for (method, extra, status) in &cases {
        let head = *method == "HEAD";
        conn.send(&get(&jf, extra).replacen("GET", method, 1)).await;
        let fast = conn.response(head).await;
        actix
            .send(&get(&jf_actix, extra).replacen("GET", method, 1))
            .await;
        let slow = actix.response(head).await;
        assert_eq!(fast.status, *status, "{method} {extra:?}");
        assert_eq!(fast.headers, slow.headers, "{method} {extra:?}");
        assert!(fast.body == slow.body, "{method} {extra:?}: bodies differ");
    }
    total += cases.len();
    assert!(
        front_served(&server, total).await,
        "the front served every case on the kept-alive connection"
    );
    // Spot checks of what both sent.
    assert!(full.body == bytes);
    conn.send(&get(
        &jf,
        "Range: bytes=100-199\r\nOrigin: https://app.example\r\n",
    ))
    .await;
    let part = conn.response(false).await;
    assert_eq!(part.status, 206);
    assert_eq!(
        part.headers["content-range"],
        format!("bytes 100-199/{len}")
    );
    assert_eq!(
        part.headers["access-control-allow-origin"],
        "https://app.example"
    );
    assert_eq!(part.headers["content-type"], "video/mp4");
    assert!(part.body == bytes[100..200]);
    total += 1;

    // ---- The native route: the key is checked here too; without one, actix answers 401.
    conn.send(&get(&native, &format!("{key}Range: bytes=0-9\r\n")))
        .await;
    let r = conn.response(false).await;
    assert_eq!((r.status, &r.body[..]), (206, &bytes[..10]));
    total += 1;
    assert!(front_served(&server, total).await);
    conn.send(&get(&native, "Range: bytes=0-9\r\n")).await;
    assert_eq!(conn.response(false).await.status, 401);
    // Actix answered that one; the next stream request comes back to the front.
    conn.send(&get(&jf, "Range: bytes=0-9\r\n")).await;
    let r = conn.response(false).await;
    assert_eq!((r.status, &r.body[..]), (206, &bytes[..10]));
    total += 1;
    assert!(front_served(&server, total).await);

    // ---- Keep-alive: streams, then a JSON API call (actix), then a stream (the front again),
    // on one connection, pipelined in one write.
    let mut conn = Conn::open(&server).await;
    let pipelined = [
        get(&jf, "Range: bytes=10-19\r\n"),
        get(&jf, "Range: bytes=20-29\r\n"),
        get(&format!("/api/v1/items/{item}"), &key),
        get(&jf, "Range: bytes=30-39\r\n"),
    ]
    .concat();
    conn.send(&pipelined).await;
    for (i, range) in [(10, 20), (20, 30)].into_iter().enumerate() {
        let r = conn.response(false).await;
        assert_eq!(r.status, 206, "response {i}");
        assert!(r.body == bytes[range.0..range.1], "response {i}");
    }
    let r = conn.response(false).await;
    assert_eq!(r.status, 200);
    let json: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(json["id"], item.as_str(), "{json}");
    let r = conn.response(false).await;
    assert_eq!((r.status, &r.body[..]), (206, &bytes[30..40]));
    total += 3;
    assert!(front_served(&server, total).await);

    // ---- A head in pieces, across TCP segments.
    let mut conn = Conn::open(&server).await;
    let raw = get(&jf, "Range: bytes=1000-1099\r\nConnection: close\r\n");
    for piece in [
        &raw[..3],
        &raw[3..9],
        &raw[9..raw.len() - 3],
        &raw[raw.len() - 3..],
    ] {
        conn.send(piece).await;
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let r = conn.response(false).await;
    assert_eq!((r.status, &r.body[..]), (206, &bytes[1000..1100]));
    assert_eq!(r.headers["connection"], "close");
    assert!(conn.closed().await, "Connection: close closes");
    total += 1;
    assert!(front_served(&server, total).await);

    // ---- A client that leaves mid-body: quiet, and the server carries on.
    for _ in 0..3 {
        let mut conn = Conn::open(&server).await;
        conn.send(&get(&jf, "")).await;
        while conn.buf.len() < 256 * 1024 {
            assert!(conn.fill().await > 0);
        }
        drop(conn);
    }

    // ---- Huge and malformed heads: actix answers or closes; nothing hangs or crashes.
    let mut conn = Conn::open(&server).await;
    let huge = format!("{}?{}", jf, "a".repeat(200 * 1024));
    let _ = conn.stream.write_all(get(&huge, "").as_bytes()).await;
    let answered = tokio::time::timeout(WAIT, async {
        let mut sink = vec![0u8; 4096];
        let n = conn.stream.read(&mut sink).await.unwrap_or(0);
        (n == 0 || sink.starts_with(b"HTTP/1.1 4"), n)
    })
    .await
    .expect("a huge head is answered or closed in time");
    assert!(answered.0, "huge head: {answered:?}");
    for bad in [
        format!("GET {jf} HTTP/1.1\r\nNo colon here\r\n\r\n"),
        format!("GET {jf} HTTP/1.1\r\nHost: x\r\n\0\r\n\r\n"),
        "\u{1}\u{2}\u{3} garbage\r\n\r\n".to_string(),
    ] {
        let mut conn = Conn::open(&server).await;
        conn.send(&bad).await;
        let r = conn.response(false).await;
        assert_eq!(r.status, 400, "{bad:?}");
    }
    // HTTP/1.0 is actix's.
    let mut conn = Conn::open(&server).await;
    conn.send(&format!("GET {jf} HTTP/1.0\r\nRange: bytes=0-1\r\n\r\n"))
        .await;
    let mut all = Vec::new();
    tokio::time::timeout(WAIT, conn.stream.read_to_end(&mut all))
        .await
        .unwrap()
        .unwrap();
    assert!(all.starts_with(b"HTTP/1.0 206") || all.starts_with(b"HTTP/1.1 206"));

    // Still serving.
    let mut conn = Conn::open(&server).await;
    conn.send(&get(&jf, "Range: bytes=0-3\r\n")).await;
    let r = conn.response(false).await;
    assert_eq!((r.status, &r.body[..]), (206, &bytes[..4]));

    // ---- The access log: one line per request, tokens redacted; no warnings.
    let mut conn = Conn::open(&server).await;
    conn.send(&get(
        &format!("{jf}&api_key=SeCrEt123"),
        "Range: bytes=0-0\r\n",
    ))
    .await;
    assert_eq!(conn.response(false).await.status, 206);
    let log = without_colours(&server.log_text());
    assert!(!log.contains("SeCrEt123"), "a token reached the log");
    assert!(
        log.lines().any(|l| l.contains("kinora::access")
            && l.contains("api_key=***")
            && l.contains("status=206")),
        "{log}"
    );
    assert!(log.contains("direct play: client went away"), "{log}");
    for line in log.lines() {
        let loud = line.contains("WARN") || line.contains("ERROR");
        assert!(
            !(loud && (line.contains("direct play") || line.contains("HTTP"))),
            "unexpected: {line}"
        );
    }
}
