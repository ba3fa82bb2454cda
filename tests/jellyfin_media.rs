//! Images (anonymous, resized in buckets, cached by tag), the `/socket` WebSocket (keep-alive,
//! pushes), and the web entry points.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::media::video;
use common::{lib, Instance, ADMIN_PASSWORD};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

async fn next_json<S>(ws: &mut S) -> Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .unwrap()
            .unwrap();
        if let Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_socket_and_web() {
    let media = tempfile::tempdir().unwrap();
    video(&media.path().join("movies/Pic (2005)/Pic (2005).mkv"));
    let inst = Instance::new(&[lib("Movies", &media.path().join("movies"), "movies")], "");
    let server = inst.start();
    server.wait_idle().await;
    let c = &server.client;
    let auth: Value = c
        .post(server.url("/Users/AuthenticateByName"))
        .header(
            "Authorization",
            r#"MediaBrowser Client="e2e", Device="t", DeviceId="media1", Version="1""#,
        )
        .json(&serde_json::json!({"Username": "admin", "Pw": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = auth["AccessToken"].as_str().unwrap().to_string();
    let items: Value = c
        .get(server.url("/Items?Recursive=true&IncludeItemTypes=Movie"))
        .header("X-Emby-Token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let movie = &items["Items"][0];
    let id = movie["Id"].as_str().unwrap().to_string();
    let tag = movie["ImageTags"]["Primary"]
        .as_str()
        .expect("a keyframe thumbnail is the primary image")
        .to_string();
    // Its BlurHash travels with it, keyed by the tag (Swiftfin/Findroid paint it first).
    let blurhash = movie["ImageBlurHashes"]["Primary"][tag.as_str()]
        .as_str()
        .unwrap_or_else(|| panic!("no blurhash for the primary image: {movie}"));
    assert_eq!(blurhash.len(), 28, "4x3 components: {blurhash}");

    // Images need no token; a request with the current tag is cacheable for good.
    let img = c
        .get(server.url(&format!("/Items/{id}/Images/Primary?tag={tag}&quality=90")))
        .send()
        .await
        .unwrap();
    assert_eq!(img.status(), 200);
    assert_eq!(img.headers()["content-type"], "image/jpeg");
    assert!(img.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    let full = img.bytes().await.unwrap();
    assert_eq!(&full[..2], &[0xFF, 0xD8], "a JPEG");
    let small = c
        .get(server.url(&format!("/Items/{id}/Images/Primary?maxWidth=100")))
        .send()
        .await
        .unwrap();
    assert_eq!(small.status(), 200);
    let small = small.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("small.jpg");
    std::fs::write(&f, &small).unwrap();
    let probe = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width",
            "-of",
            "csv=p=0",
        ])
        .arg(&f)
        .output()
        .unwrap();
    let width: i64 = String::from_utf8_lossy(&probe.stdout)
        .trim()
        .parse()
        .unwrap();
    assert!(width <= 160, "resized into the 160 px bucket, got {width}");
    assert_eq!(
        c.get(server.url(&format!("/Items/{id}/Images/Backdrop")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        c.get(server.url(&format!("/Items/{id}/Images/Primary/0")))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // The socket: rejected without a token; keep-alive and pushes with one.
    let ws_base = server.base.replace("http://", "ws://");
    assert!(
        tokio_tungstenite::connect_async(format!("{ws_base}/socket"))
            .await
            .is_err()
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(format!(
        "{ws_base}/socket?api_key={token}&deviceId=media1"
    ))
    .await
    .unwrap();
    let first = next_json(&mut ws).await;
    assert_eq!(first["MessageType"], "ForceKeepAlive");
    assert_eq!(first["Data"], 60);
    ws.send(Message::Text(r#"{"MessageType":"KeepAlive"}"#.into()))
        .await
        .unwrap();
    let keep_alive = next_json(&mut ws).await;
    assert_eq!(keep_alive["MessageType"], "KeepAlive");
    assert!(keep_alive.get("Data").is_none(), "{keep_alive}");
    let played = c
        .post(server.url(&format!("/UserPlayedItems/{id}")))
        .header("X-Emby-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(played.status(), 200);
    let pushed = next_json(&mut ws).await;
    assert_eq!(pushed["MessageType"], "UserDataChanged");
    assert_eq!(pushed["Data"]["UserDataList"][0]["ItemId"], id.as_str());
    assert_eq!(pushed["Data"]["UserDataList"][0]["Played"], true);

    // A new file: connected clients are told (LibraryChanged, batched by the notifier).
    video(&media.path().join("movies/Later (2006)/Later (2006).mkv"));
    let refresh = c
        .post(server.url("/Library/Refresh"))
        .header("X-Emby-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(refresh.status(), 204);
    let mut added = Vec::new();
    for _ in 0..10 {
        let msg = next_json(&mut ws).await;
        if msg["MessageType"] == "LibraryChanged" {
            added.extend(
                msg["Data"]["ItemsAdded"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string()),
            );
            assert!(
                msg["Data"]["CollectionFolders"].as_array().unwrap().len() == 1,
                "{msg}"
            );
            if !added.is_empty() {
                break;
            }
        }
    }
    // The item is told as soon as it is catalogued; it lists once its file is identified.
    let mut later_id = String::new();
    for _ in 0..50 {
        let later = server
            .jf_get("/Items?Recursive=true&SearchTerm=Later", &token)
            .await;
        if let Some(id) = later["Items"][0]["Id"].as_str() {
            later_id = id.to_string();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let all = server.jf_get("/Items?Recursive=true", &token).await;
    assert!(
        added.contains(&later_id),
        "{added:?} lacks {later_id}: {all}"
    );

    // `/` leads to the web client; without a bundle, /web/ explains the server.
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let root = no_redirect.get(server.url("/")).send().await.unwrap();
    assert_eq!(root.status(), 302);
    assert_eq!(root.headers()["location"], "web/");
    let page = c
        .get(server.url("/web/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Jellyfin app"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_a_jellyfin_web_bundle() {
    let bundle = tempfile::tempdir().unwrap();
    let b = bundle.path();
    std::fs::write(b.join("index.html"), "<html>jellyfin-web index</html>").unwrap();
    std::fs::write(b.join("main.jellyfin.bundle.js"), "console.log('web')").unwrap();
    std::fs::write(b.join("config.json"), r#"{"multiserver":false}"#).unwrap();
    std::fs::create_dir_all(b.join("Assets")).unwrap();
    std::fs::write(b.join("Assets/Logo.SVG"), "<svg/>").unwrap();
    // A secret next to the bundle must stay out of reach.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "top secret").unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), b.join("link.txt")).unwrap();

    let media = tempfile::tempdir().unwrap();
    let inst = Instance::new(
        &[lib("Movies", media.path(), "movies")],
        &format!("[web]\njellyfin_web_dir = {:?}\n", b.display().to_string()),
    );
    let server = inst.start();
    let c = &server.client;
    let get = |path: &str| {
        let url = server.url(path);
        async move { c.get(url).send().await.unwrap() }
    };
    for path in ["/web/", "/web/index.html", "/web"] {
        let res = get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert!(
            res.text().await.unwrap().contains("jellyfin-web index"),
            "{path}"
        );
    }
    let js = get("/web/main.jellyfin.bundle.js").await;
    assert_eq!(js.status(), 200);
    assert!(js.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
    assert!(js.headers().contains_key("etag"));
    assert_eq!(get("/web/config.json").await.status(), 200);
    // Paths under /web keep their case (the bundle's file names are case-sensitive).
    assert_eq!(get("/web/Assets/Logo.SVG").await.status(), 200);
    assert_eq!(get("/web/assets/logo.svg").await.status(), 404);
    for path in [
        "/web/missing.js",
        "/web/../kinora.toml",
        "/web/%2e%2e/kinora.toml",
        "/web/Assets/%2e%2e/%2e%2e/kinora.toml",
        "/web/link.txt",
    ] {
        let res = get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert!(!res.text().await.unwrap().contains("top secret"));
    }
}
