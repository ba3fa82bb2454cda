//! End to end: the real binary scans generated media, shapes items, probes and thumbnails them,
//! keeps ids across moves, deletions and upgrades, and serves files with Range.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::media::video;
use common::{lib, Instance};
use serde_json::Value;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn library_shapes_probes_and_streams() {
    let media = tempfile::tempdir().unwrap();
    let m = media.path();
    video(&m.join("movies/Big Buck Test (2008)/Big Buck Test (2008).mkv"));
    video(&m.join("movies/Sintel Test (2010)/Sintel Test (2010) - 1080p.mkv"));
    video(&m.join("movies/Sintel Test (2010)/Sintel Test (2010) - 720p.mp4"));
    video(&m.join("movies/Sintel Test (2010)/extras/Making Of.mp4"));
    video(&m.join("tv/Sample Show (2020)/Season 01/Sample Show (2020) S01E01.mkv"));
    video(&m.join("tv/Sample Show (2020)/Season 01/Sample Show (2020) S01E02.mkv"));
    video(&m.join("tv/Sample Show (2020)/Specials/Sample Show (2020) S00E01.mkv"));
    video(&m.join("tv/Loose Show/Loose Show S02E03.mkv"));
    video(&m.join("home/2023 Beach Trip/kids at the beach.mov"));

    let inst = Instance::new(
        &[
            lib("Movies", &m.join("movies"), "movies"),
            lib("Shows", &m.join("tv"), "tv"),
            lib("Home", &m.join("home"), "home"),
        ],
        "",
    );
    let server = inst.start();
    server.wait_idle().await;

    // Movies: one item per title, versions under one item, extras never listed as movies.
    let movies = server.items("movie").await;
    let names: Vec<&str> = movies.iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Big Buck Test", "Sintel Test"]);
    assert_eq!(movies[0]["year"], 2008);
    let sintel = server
        .get_json(&format!("/api/v1/items/{}", id(&movies[1])))
        .await;
    let files = sintel["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "two versions of one movie: {sintel}");
    let mut labels: Vec<&str> = files
        .iter()
        .map(|f| f["version_label"].as_str().unwrap())
        .collect();
    labels.sort();
    assert_eq!(labels, vec!["1080p", "720p"]);
    let extras = server
        .get_json(&format!(
            "/api/v1/items?parent={}&type=extra",
            id(&movies[1])
        ))
        .await;
    assert_eq!(extras["total"], 1);
    assert_eq!(extras["items"][0]["owner_id"], movies[1]["id"]);

    // Series → seasons → episodes, with and without season folders; Specials is season 0.
    let series = server.items("series").await;
    let series_names: Vec<&str> = series.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(series_names, vec!["Loose Show", "Sample Show"]);
    assert_eq!(series[1]["year"], 2020);
    let seasons = server
        .get_json(&format!(
            "/api/v1/items?parent={}&type=season",
            id(&series[1])
        ))
        .await;
    let numbers: Vec<i64> = seasons["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["season_number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, vec![0, 1]);
    let season1 = &seasons["items"][1];
    let episodes = server
        .get_json(&format!(
            "/api/v1/items?parent={}&type=episode",
            id(season1)
        ))
        .await;
    let eps: Vec<i64> = episodes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["episode_number"].as_i64().unwrap())
        .collect();
    assert_eq!(eps, vec![1, 2]);
    let loose_seasons = server
        .get_json(&format!(
            "/api/v1/items?parent={}&type=season",
            id(&series[0])
        ))
        .await;
    assert_eq!(loose_seasons["items"][0]["season_number"], 2);

    // Home videos.
    let videos = server.items("video").await;
    assert_eq!(videos.len(), 1);
    assert_eq!(videos[0]["name"], "kids at the beach");

    // Probe facts and a thumbnail for every file.
    let bbb = server
        .get_json(&format!("/api/v1/items/{}", id(&movies[0])))
        .await;
    let f = &bbb["files"][0];
    assert_eq!(f["state"], "active");
    assert_eq!(f["probe_state"], "ok");
    assert_eq!(f["width"], 160);
    assert_eq!(f["height"], 90);
    assert!(f["duration_ms"].as_i64().unwrap() >= 900, "{f}");
    assert!(f["container"].as_str().unwrap().contains("matroska"));
    let kinds: Vec<&str> = f["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["video", "audio"]);
    assert_eq!(f["streams"][0]["codec"], "h264");
    assert!(f["has_thumbnail"].as_bool().unwrap(), "{f}");
    assert!(bbb["has_image"].as_bool().unwrap());
    assert!(bbb["runtime_ms"].as_i64().unwrap() >= 900);
    let jobs: Vec<&str> = bbb["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["state"].as_str().unwrap())
        .collect();
    assert!(jobs.iter().all(|s| *s == "done"), "{jobs:?}");

    // Direct play with Range, from disk, byte for byte.
    let path = f["path"].as_str().unwrap();
    let bytes = std::fs::read(path).unwrap();
    let url = format!("/api/v1/items/{}/stream", id(&movies[0]));
    let full = server.get(&url).await;
    assert_eq!(full.status(), 200);
    assert_eq!(full.headers()["content-type"], "video/x-matroska");
    assert_eq!(full.headers()["accept-ranges"], "bytes");
    assert_eq!(full.bytes().await.unwrap().as_ref(), bytes.as_slice());
    let part = server
        .client
        .get(server.url(&url))
        .header("X-Api-Key", &server.key)
        .header("Range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"].to_str().unwrap(),
        format!("bytes 100-199/{}", bytes.len())
    );
    assert_eq!(part.bytes().await.unwrap().as_ref(), &bytes[100..200]);
    let suffix = server
        .client
        .get(server.url(&url))
        .header("X-Api-Key", &server.key)
        .header("Range", "bytes=-10")
        .send()
        .await
        .unwrap();
    assert_eq!(suffix.status(), 206);
    assert_eq!(
        suffix.bytes().await.unwrap().as_ref(),
        &bytes[bytes.len() - 10..]
    );
    let beyond = server
        .client
        .get(server.url(&url))
        .header("X-Api-Key", &server.key)
        .header("Range", format!("bytes={}-", bytes.len() + 5))
        .send()
        .await
        .unwrap();
    assert_eq!(beyond.status(), 416);
    let head = server
        .client
        .head(server.url(&url))
        .header("X-Api-Key", &server.key)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()["content-length"].to_str().unwrap(),
        bytes.len().to_string()
    );
    // All five answered by the sendfile front (src/api/stream_front.rs), on a connection the
    // client's pool had used for API calls before.
    assert_eq!(server.served_by_front(5).await, 5, "{}", server.log_text());

    // Paging and text filter.
    let page = server
        .get_json("/api/v1/items?type=episode&limit=2&offset=1")
        .await;
    assert_eq!(page["total"], 4);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let found = server.get_json("/api/v1/items?q=sintel").await;
    assert_eq!(found["total"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moves_deletions_returns_duplicates_and_upgrades_keep_ids() {
    let media = tempfile::tempdir().unwrap();
    let root = media.path().join("movies");
    video(&root.join("Alpha (2001)/Alpha (2001).mkv"));
    video(&root.join("Beta (2002)/Beta (2002) - 720p.mkv"));
    video(&root.join("Gamma (2003)/Gamma (2003).mkv"));
    let inst = Instance::new(&[lib("Movies", &root, "movies")], "");
    let server = inst.start();
    server.wait_idle().await;
    let alpha = server.item_named("movie", "Alpha").await.unwrap();
    let beta = server.item_named("movie", "Beta").await.unwrap();
    let gamma = server.item_named("movie", "Gamma").await.unwrap();

    // Rescanning an unchanged library changes nothing.
    let before = server.get_json("/api/v1/jobs").await;
    server.rescan().await;
    assert_eq!(server.get_json("/api/v1/jobs").await, before);

    // A move to another folder and name keeps the item.
    std::fs::create_dir_all(root.join("Sorted")).unwrap();
    std::fs::rename(
        root.join("Alpha (2001)/Alpha (2001).mkv"),
        root.join("Sorted/alpha-renamed.mkv"),
    )
    .unwrap();
    server.rescan().await;
    let moved = server
        .get_json(&format!("/api/v1/items/{}", id(&alpha)))
        .await;
    assert!(
        moved["files"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("Sorted/alpha-renamed.mkv"),
        "{moved}"
    );
    assert_eq!(moved["files"][0]["state"], "active");
    assert_eq!(server.items("movie").await.len(), 3, "a move adds no item");

    // A deleted file leaves every listing; when it comes back it has its old id.
    let gamma_path = root.join("Gamma (2003)/Gamma (2003).mkv");
    let kept = inst.dir.path().join("gamma.bak");
    std::fs::rename(&gamma_path, &kept).unwrap();
    server.rescan().await;
    assert!(server.item_named("movie", "Gamma").await.is_none());
    assert_eq!(
        server
            .get(&format!("/api/v1/items/{}", id(&gamma)))
            .await
            .status(),
        404
    );
    std::fs::rename(&kept, &gamma_path).unwrap();
    server.rescan().await;
    assert_eq!(
        id(&server.item_named("movie", "Gamma").await.unwrap()),
        id(&gamma)
    );

    // The same content at a second live path is a duplicate: flagged, not a second item.
    std::fs::copy(&gamma_path, root.join("Gamma (2003)/Gamma copy.mkv")).unwrap();
    server.rescan().await;
    assert_eq!(server.items("movie").await.len(), 3);
    let g = server
        .get_json(&format!("/api/v1/items/{}", id(&gamma)))
        .await;
    let states: Vec<&str> = g["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["state"].as_str().unwrap())
        .collect();
    assert!(states.contains(&"duplicate"), "{g}");

    // An upgrade (720p replaced by a new 1080p release in the same folder) keeps the item.
    std::fs::remove_file(root.join("Beta (2002)/Beta (2002) - 720p.mkv")).unwrap();
    server.rescan().await;
    video(&root.join("Beta (2002)/Beta (2002) - 1080p.mkv"));
    server.rescan().await;
    let upgraded = server
        .item_named("movie", "Beta")
        .await
        .expect("Beta listed again");
    assert_eq!(id(&upgraded), id(&beta));
    let detail = server
        .get_json(&format!("/api/v1/items/{}", id(&beta)))
        .await;
    let active: Vec<&Value> = detail["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["state"] == "active")
        .collect();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0]["version_label"], "1080p");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_lists_a_new_file_once_it_stops_growing() {
    let media = tempfile::tempdir().unwrap();
    let root = media.path().join("home");
    video(&root.join("first.mp4"));
    let mut l = lib("Home", &root, "home");
    l.watch = "auto";
    let inst = Instance::new(&[l], "");
    let server = inst.start();
    server.wait_idle().await;
    // Write a file elsewhere, then move it in: an atomic appearance.
    let staging = inst.dir.path().join("second.mp4");
    video(&staging);
    std::fs::rename(&staging, root.join("second.mp4")).unwrap();
    server
        .eventually(20, "the new file to be listed", || async {
            server.item_named("video", "second").await
        })
        .await;
}

/// The same server on PostgreSQL: scan, probe, a move that keeps its id, a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_end_to_end() {
    let Some(base) = common::postgres_url() else {
        return;
    };
    let db = common::fresh_postgres_db(&base).await;
    let media = tempfile::tempdir().unwrap();
    let m = media.path();
    video(&m.join("movies/Pg Movie (1999)/Pg Movie (1999).mkv"));
    video(&m.join("tv/Pg Show/Season 01/Pg Show S01E01.mkv"));
    let inst = common::Instance::with_database(
        &[
            lib("Movies", &m.join("movies"), "movies"),
            lib("Shows", &m.join("tv"), "tv"),
        ],
        "",
        Some(db),
    );
    let mut server = inst.start();
    server.wait_idle().await;
    assert_eq!(
        server.get_json("/api/v1/health").await["database"],
        "postgres"
    );
    let movie = server.item_named("movie", "Pg Movie").await.unwrap();
    let ep = server
        .item_named("episode", "Pg Show S01E01")
        .await
        .unwrap();
    let d = server
        .get_json(&format!("/api/v1/items/{}", id(&movie)))
        .await;
    assert_eq!(d["files"][0]["probe_state"], "ok");
    assert!(d["files"][0]["has_thumbnail"].as_bool().unwrap());
    std::fs::rename(
        m.join("movies/Pg Movie (1999)/Pg Movie (1999).mkv"),
        m.join("movies/Pg Movie (1999)/renamed.mkv"),
    )
    .unwrap();
    server.rescan().await;
    assert_eq!(
        id(&server.item_named("movie", "Pg Movie").await.unwrap()),
        id(&movie)
    );
    server.stop();
    let server = inst.start();
    server.wait_idle().await;
    assert_eq!(
        id(&server
            .item_named("episode", "Pg Show S01E01")
            .await
            .unwrap()),
        id(&ep)
    );
    assert_eq!(server.items("movie,episode").await.len(), 2);
}
