//! Bad input and faults: each gives a clear recorded error, the rest of the library is
//! unaffected and the server keeps serving. Crash recovery: `kill -9` during scan and probe,
//! restart, same counts and ids.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use common::media::video;
use common::{lib, Instance};
use serde_json::Value;

fn write_script(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

async fn file_states(server: &common::Server) -> Vec<(String, String, Option<String>)> {
    let mut out = Vec::new();
    for item in server.items("movie,video,episode,extra").await {
        let d = server
            .get_json(&format!("/api/v1/items/{}", item["id"].as_str().unwrap()))
            .await;
        for f in d["files"].as_array().unwrap() {
            out.push((
                f["path"].as_str().unwrap().to_string(),
                f["state"].as_str().unwrap().to_string(),
                f["last_error"].as_str().map(str::to_string),
            ));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_files_are_recorded_and_the_rest_is_served() {
    let media = tempfile::tempdir().unwrap();
    let root = media.path().join("home");
    video(&root.join("good one.mp4"));
    video(&root.join("emoji 🎉 party.mkv"));
    video(&root.join("line\nbreak.mp4"));
    let invalid = root.join(OsStr::from_bytes(b"latin1 caf\xe9.mkv"));
    video(&invalid);
    std::fs::write(root.join("zero.mkv"), b"").unwrap();
    std::fs::write(
        root.join("text.mkv"),
        b"this is not a video at all\n".repeat(100),
    )
    .unwrap();
    let good = std::fs::read(root.join("good one.mp4")).unwrap();
    std::fs::write(root.join("truncated.mp4"), &good[..good.len().min(2048)]).unwrap();
    std::fs::create_dir_all(root.join("loop")).unwrap();
    std::os::unix::fs::symlink(&root, root.join("loop/back-to-root")).unwrap();
    // A symlink to media elsewhere is followed (people link other disks in).
    let elsewhere = media.path().join("other-disk");
    video(&elsewhere.join("linked.mp4"));
    std::os::unix::fs::symlink(&elsewhere, root.join("linked-disk")).unwrap();

    let inst = Instance::new(&[lib("Home", &root, "home")], "");
    let mut server = inst.start();
    server.wait_idle().await;

    let mut names: Vec<String> = server
        .items("video")
        .await
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "emoji 🎉 party",
            "good one",
            "latin1 caf\u{FFFD}",
            "line\nbreak",
            "linked"
        ],
        "playable files listed once each, bad ones left out"
    );

    // Bad files are recorded with their reason (zero-byte: never an item; the others fail
    // probing permanently and are recorded on the job).
    let jobs = server.get_json("/api/v1/jobs").await;
    let failures = jobs["recent_failures"].as_array().unwrap();
    assert_eq!(
        jobs["failed"], 2,
        "text.mkv and truncated.mp4 fail to probe: {jobs}"
    );
    for f in failures {
        assert_eq!(f["kind"], "probe");
        assert!(!f["error"].as_str().unwrap().is_empty());
    }
    assert!(
        server.log_text().contains("empty file (0 bytes)"),
        "zero-byte file is reported"
    );
    assert!(
        server.log_text().contains("symlink loop"),
        "the loop is reported"
    );

    // The invalid UTF-8 name streams from the exact path.
    let latin = server
        .item_named("video", "latin1 caf\u{FFFD}")
        .await
        .unwrap();
    let res = server
        .get(&format!(
            "/api/v1/items/{}/stream",
            latin["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.bytes().await.unwrap().as_ref(),
        std::fs::read(&invalid).unwrap().as_slice()
    );

    // The library folder vanishes (an unmounted disk) and comes back: nothing goes missing.
    let parked = media.path().join("parked");
    std::fs::rename(&root, &parked).unwrap();
    server.rescan().await;
    assert_eq!(
        server.items("video").await.len(),
        5,
        "an unavailable library keeps its items"
    );
    let status = server.get_json("/api/v1/scan/status").await;
    assert_eq!(status["last_reports"][0]["offline"], true, "{status}");
    std::fs::rename(&parked, &root).unwrap();
    server.rescan().await;
    assert_eq!(server.items("video").await.len(), 5);

    // A file deleted while being probed: ffprobe is replaced by one that deletes its input.
    server.stop();
    let fake = inst.dir.path().join("deleting-ffprobe");
    write_script(
        &fake,
        r#"for a; do last="$a"; done; rm -f "${last#file:}"; exit 1"#,
    );
    video(&root.join("doomed.mp4"));
    let mut server = inst.start_with(|cmd| {
        cmd.env("KINORA_TOOLS__FFPROBE", &fake);
    });
    server.wait_idle().await;
    assert!(server.item_named("video", "doomed").await.is_none());
    assert!(!root.join("doomed.mp4").exists());
    assert_eq!(
        server.items("video").await.len(),
        5,
        "the rest is unaffected"
    );
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_ffprobe_is_a_recorded_error_not_an_outage() {
    let media = tempfile::tempdir().unwrap();
    let root = media.path().join("movies");
    video(&root.join("Solo (2001)/Solo (2001).mkv"));
    let inst = Instance::new(
        &[lib("Movies", &root, "movies")],
        "[tools]\nffprobe = \"/nonexistent/ffprobe\"\n",
    );
    let server = inst.start();
    // The item is listed (discovery does not need ffprobe) and the failure is recorded.
    let solo = server
        .eventually(20, "the movie to be listed", || async {
            server.item_named("movie", "Solo").await
        })
        .await;
    let detail: Value = server
        .eventually(20, "the probe failure to be recorded", || async {
            let d = server
                .get_json(&format!("/api/v1/items/{}", solo["id"].as_str().unwrap()))
                .await;
            (d["files"][0]["probe_state"] == "failed").then_some(d)
        })
        .await;
    let err = detail["files"][0]["last_error"].as_str().unwrap();
    assert!(err.contains("not found"), "{err}");
    assert_eq!(server.get_json("/api/v1/health").await["status"], "ok");
    // A tool problem is retried with backoff rather than failing the job at once.
    let jobs = &detail["jobs"];
    assert!(
        jobs.as_array()
            .unwrap()
            .iter()
            .any(|j| j["kind"] == "probe" && j["state"] == "queued"),
        "{jobs}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_paths_and_secrets() {
    let media = tempfile::tempdir().unwrap();
    let root = media.path().join("movies");
    video(&root.join("Key (2000)/Key (2000).mkv"));
    let inst = Instance::new(&[lib("Movies", &root, "movies")], "");
    let server = inst.start();
    server.wait_idle().await;
    let c = &server.client;
    // Health is anonymous; everything else needs a key.
    assert_eq!(
        c.get(server.url("/api/v1/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    for path in [
        "/api/v1/items",
        "/api/v1/libraries",
        "/api/v1/jobs",
        "/api/v1/scan/status",
    ] {
        let res = c.get(server.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 401, "{path}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "unauthorized");
        let wrong = c
            .get(server.url(path))
            .header("Authorization", "Bearer nope")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401);
    }
    let ok = c
        .get(server.url("/api/v1/items"))
        .header("Authorization", format!("Bearer {}", server.key))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    // No path a client sends is ever read: ids only.
    for evil in [
        "/api/v1/items/..%2F..%2F..%2Fetc%2Fpasswd/stream",
        "/api/v1/items/%2Fetc%2Fpasswd/stream",
        "/api/v1/items/../../etc/passwd/stream",
        "/api/v1/items/00000000-0000-0000-0000-000000000000/stream",
    ] {
        let res = server.get(evil).await;
        assert!(
            res.status() == 404 || res.status() == 400,
            "{evil}: {}",
            res.status()
        );
        let body = res.text().await.unwrap();
        assert!(!body.contains("root:"), "{evil} leaked a file");
    }
    // Bad parameters get the stable error shape.
    let bad = server.get("/api/v1/items?limit=abc").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<Value>().await.unwrap()["error"], "bad_request");
    // Secrets never reach the logs, access log included.
    let _ = c
        .get(server.url(&format!("/api/v1/health?api_key={}", server.key)))
        .send()
        .await
        .unwrap();
    let log = server.log_text();
    assert!(log.contains("/api/v1/health"), "access log present");
    assert!(!log.contains(&server.key), "API key leaked into the log");
    assert!(
        !log.contains(common::ADMIN_PASSWORD),
        "admin password leaked into the log"
    );
    let check = inst.cli(&["config", "check"]);
    let shown = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success());
    assert!(
        !shown.contains(common::ADMIN_PASSWORD),
        "config check must mask secrets"
    );
    assert!(shown.contains("password = \"********\""), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_scan_and_probe_then_restart_loses_nothing() {
    let media = tempfile::tempdir().unwrap();
    let root = media.path().join("tv");
    for s in 1..=2 {
        for e in 1..=6 {
            video(&root.join(format!(
                "Crash Show/Season {s:02}/Crash Show S{s:02}E{e:02}.mkv"
            )));
        }
    }
    let inst = Instance::new(&[lib("Shows", &root, "tv")], "");
    // A slow ffprobe so the kill lands while probes are in flight.
    let slow = inst.dir.path().join("slow-ffprobe");
    write_script(&slow, "sleep 0.4; exec ffprobe \"$@\"");
    let mut server = inst.start_with(|cmd| {
        cmd.env("KINORA_TOOLS__FFPROBE", &slow);
    });
    let first_ids: Vec<Value> = server
        .eventually(30, "some episodes to be listed", || async {
            let eps = server.items("episode").await;
            (eps.len() >= 3).then_some(eps)
        })
        .await;
    server.kill9();

    // Restart: the scan at start-up and the expired leases finish the work.
    let server = inst.start();
    server.wait_idle().await;
    let episodes = server.items("episode").await;
    assert_eq!(episodes.len(), 12, "every episode once");
    for before in &first_ids {
        assert!(
            episodes
                .iter()
                .any(|e| e["id"] == before["id"] && e["name"] == before["name"]),
            "{} kept its id",
            before["name"]
        );
    }
    assert_eq!(server.items("series").await.len(), 1);
    assert_eq!(server.items("season").await.len(), 2);
    let states = file_states(&server).await;
    assert_eq!(states.len(), 12);
    for e in &episodes {
        let d = server
            .get_json(&format!("/api/v1/items/{}", e["id"].as_str().unwrap()))
            .await;
        assert_eq!(d["files"][0]["probe_state"], "ok", "{d}");
    }
    let jobs = server.get_json("/api/v1/jobs").await;
    assert_eq!(jobs["failed"], 0, "{jobs}");

    // Kill again in the middle of a rescan with new files, restart, and check once more.
    let mut server = server;
    for e in 7..=10 {
        video(&root.join(format!("Crash Show/Season 02/Crash Show S02E{e:02}.mkv")));
    }
    let _ = server.post("/api/v1/scan").await;
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    server.kill9();
    let server = inst.start();
    server.wait_idle().await;
    let after = server.items("episode").await;
    assert_eq!(after.len(), 16);
    for e in &episodes {
        assert!(
            after.iter().any(|a| a["id"] == e["id"]),
            "ids survive a second crash"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_folder_is_reported_and_its_files_kept() {
    use std::os::unix::fs::PermissionsExt;
    let media = tempfile::tempdir().unwrap();
    let root = media.path().join("home");
    video(&root.join("open/visible.mp4"));
    video(&root.join("locked/hidden.mp4"));
    let inst = Instance::new(&[lib("Home", &root, "home")], "");
    if common::is_root() {
        common::chown_nobody(media.path());
    }
    std::fs::set_permissions(media.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(inst.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let server = inst.start_unprivileged();
    server.wait_idle().await;
    assert_eq!(server.items("video").await.len(), 2);

    // The folder becomes unreadable: reported, and its file is not taken for deleted.
    std::fs::set_permissions(root.join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
    server.rescan().await;
    let status = server.get_json("/api/v1/scan/status").await;
    let problems = status["last_reports"][0]["problems"].to_string();
    assert!(problems.contains("locked"), "{status}");
    assert_eq!(
        server.items("video").await.len(),
        2,
        "an unreadable folder is not a deletion"
    );
    assert_eq!(server.get_json("/api/v1/health").await["status"], "ok");
    std::fs::set_permissions(root.join("locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
}
