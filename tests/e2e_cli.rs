//! The command line: scan (alone, and through a running server), migrate, config check.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::media::video;
use common::{lib, Instance};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_runs_alone_or_asks_the_running_server() {
    let media = tempfile::tempdir().unwrap();
    let root = media.path().join("movies");
    video(&root.join("Cli One (2011)/Cli One (2011).mkv"));
    let inst = Instance::new(&[lib("Movies", &root, "movies")], "");
    // Give the file time to be older than the stability window.
    std::thread::sleep(std::time::Duration::from_millis(1100));

    // No server: the scan runs in this process and waits for probing.
    let out = inst.cli(&["scan"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Movies: 1 files seen, 1 new"), "{stderr}");

    // With a server running, `kinora scan` asks it instead of competing for the catalog.
    let server = inst.start();
    server.wait_idle().await;
    let movie = server.item_named("movie", "Cli One").await.unwrap();
    let detail = server
        .get_json(&format!("/api/v1/items/{}", movie["id"].as_str().unwrap()))
        .await;
    assert_eq!(
        detail["files"][0]["probe_state"], "ok",
        "the local scan probed it"
    );
    video(&root.join("Cli Two (2012)/Cli Two (2012).mkv"));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let before = server.get_json("/api/v1/scan/status").await["scans_completed"]
        .as_u64()
        .unwrap();
    let out = inst.cli(&["scan"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("scan complete"));
    let after = server.get_json("/api/v1/scan/status").await["scans_completed"]
        .as_u64()
        .unwrap();
    assert!(after > before, "the server did the scan");
    let two = server
        .item_named("movie", "Cli Two")
        .await
        .expect("listed when the CLI returns");
    let detail = server
        .get_json(&format!("/api/v1/items/{}", two["id"].as_str().unwrap()))
        .await;
    assert_eq!(
        detail["files"][0]["probe_state"], "ok",
        "scan waits for probing"
    );
}

#[test]
fn migrate_and_config_check() {
    let media = tempfile::tempdir().unwrap();
    let inst = Instance::new(&[lib("Movies", media.path(), "movies")], "");
    let out = inst.cli(&["migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = inst.cli(&["migrate"]);
    assert!(out.status.success(), "migrate twice is a no-op");

    let out = inst.cli(&["config", "check"]);
    assert!(out.status.success());
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("[[libraries]]") && shown.contains("kind = \"movies\""),
        "{shown}"
    );

    // A bad value stops everything with the key's name.
    let out = inst
        .command(&["config", "check"])
        .env("KINORA_SERVER__PORT", "eighty")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("port"));
    let bad = inst.dir.path().join("bad.toml");
    std::fs::write(&bad, "[server]\nprot = 1\n").unwrap();
    let out = std::process::Command::new(common::BIN)
        .args(["config", "check", "--config"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("prot"));
}
