//! End-to-end harness: the real `kinora` binary on a loopback port over media generated with
//! ffmpeg, driven over HTTP.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod fake_http;
pub mod fake_tmdb;
pub mod media;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_kinora");
pub const ADMIN_PASSWORD: &str = "pw-Very-Secret-42";

/// A library in the generated config.
pub struct Lib {
    pub name: &'static str,
    pub path: PathBuf,
    pub kind: &'static str,
    pub watch: &'static str,
}

/// A temporary Kinora installation: config, data dir, libraries.
pub struct Instance {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub data_dir: PathBuf,
    pub api_key: String,
    pub database_url: Option<String>,
}

impl Instance {
    pub fn new(libs: &[Lib], extra_toml: &str) -> Instance {
        Self::with_database(libs, extra_toml, None)
    }

    pub fn with_database(libs: &[Lib], extra_toml: &str, database_url: Option<String>) -> Instance {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        let mut toml = format!(
            "data_dir = {:?}\n[server]\nbind = \"127.0.0.1\"\nport = 0\ndiscovery_port = 0\n[scanner]\nstability_secs = 1\ndebounce_ms = 200\ninterval_secs = 0\n[jobs]\nlease_secs = 5\n{}\n",
            data_dir.display().to_string(),
            database_url
                .as_ref()
                .map(|u| format!("[database]\nurl = {u:?}\n"))
                .unwrap_or_default()
        );
        toml.push_str(extra_toml);
        for l in libs {
            toml.push_str(&format!(
                "\n[[libraries]]\nname = {:?}\npath = {:?}\nkind = {:?}\nwatch = {:?}\n",
                l.name,
                l.path.display().to_string(),
                l.kind,
                l.watch
            ));
        }
        let config = dir.path().join("kinora.toml");
        std::fs::write(&config, toml).unwrap();
        let mut inst = Instance {
            dir,
            config,
            data_dir,
            api_key: String::new(),
            database_url,
        };
        let out = inst.cli(&["apikey", "create", "e2e"]);
        assert!(
            out.status.success(),
            "apikey create failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        inst.api_key = String::from_utf8(out.stdout).unwrap().trim().to_string();
        assert_eq!(inst.api_key.len(), 64, "stdout must be the key alone");
        inst
    }

    pub fn command(&self, args: &[&str]) -> Command {
        self.command_as(args, false)
    }

    /// As root, `unprivileged` runs the binary as `nobody` (root reads any folder, so an
    /// unreadable one can only be tested without it).
    pub fn command_as(&self, args: &[&str], unprivileged: bool) -> Command {
        let mut cmd = if unprivileged && is_root() {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN]);
            c
        } else {
            Command::new(BIN)
        };
        cmd.arg("--config").arg(&self.config).args(args);
        cmd.env("KINORA_LOG", "info,kinora=debug");
        cmd.env("KINORA_ADMIN_USER", "admin");
        cmd.env("KINORA_ADMIN_PASSWORD", ADMIN_PASSWORD);
        cmd.env_remove("KINORA_CONFIG");
        cmd
    }

    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        self.command(args).output().unwrap()
    }

    pub fn start(&self) -> Server {
        self.start_with(|_| {})
    }

    pub fn start_with(&self, tweak: impl FnOnce(&mut Command)) -> Server {
        self.start_inner(false, tweak)
    }

    /// Starts the server as an unprivileged user (see [`Instance::command_as`]); the caller
    /// makes the instance and media folders accessible to it.
    pub fn start_unprivileged(&self) -> Server {
        if is_root() {
            chown_nobody(self.dir.path());
        }
        self.start_inner(true, |_| {})
    }

    fn start_inner(&self, unprivileged: bool, tweak: impl FnOnce(&mut Command)) -> Server {
        let _ = std::fs::remove_file(self.data_dir.join("server.port"));
        let log = self.dir.path().join(format!("server-{}.log", uuid_like()));
        let log_file = std::fs::File::create(&log).unwrap();
        let mut cmd = self.command_as(&["serve"], unprivileged);
        cmd.stdout(Stdio::null()).stderr(log_file);
        tweak(&mut cmd);
        let child = cmd.spawn().unwrap();
        let mut server = Server {
            child: Some(child),
            base: String::new(),
            key: self.api_key.clone(),
            log,
            client: http_client(),
        };
        let started = Instant::now();
        loop {
            if let Ok(port) = std::fs::read_to_string(self.data_dir.join("server.port")) {
                if !port.trim().is_empty() {
                    server.base = format!("http://127.0.0.1:{}", port.trim());
                    break;
                }
            }
            if let Some(Ok(Some(status))) = server.child.as_mut().map(|c| c.try_wait()) {
                panic!("server exited with {status}: {}", server.log_text());
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "server did not start: {}",
                server.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Gives a folder tree to `nobody` (uid 65534) so an unprivileged server can use it.
pub fn chown_nobody(path: &Path) {
    let status = Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// reqwest is built without a default TLS provider (the server installs ring at start).
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

fn uuid_like() -> String {
    format!(
        "{:x}",
        Instant::now().elapsed().as_nanos() ^ std::process::id() as u128 ^ rand_seed()
    )
}

fn rand_seed() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// A running server.
pub struct Server {
    pub child: Option<Child>,
    pub base: String,
    pub key: String,
    pub log: PathBuf,
    pub client: reqwest::Client,
}

impl Server {
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("X-Api-Key", &self.key)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let res = self.get(path).await;
        let status = res.status();
        let body = res.text().await.unwrap();
        assert!(status.is_success(), "GET {path}: {status} {body}");
        serde_json::from_str(&body).unwrap()
    }

    /// Logs the first administrator in through the Jellyfin API from `device_id`; the token.
    pub async fn jf_login(&self, device_id: &str) -> String {
        let auth = format!(
            r#"MediaBrowser Client="e2e", Device="test", DeviceId="{device_id}", Version="1""#
        );
        let res: Value = self
            .client
            .post(self.url("/Users/AuthenticateByName"))
            .header("Authorization", auth)
            .json(&serde_json::json!({"Username": "admin", "Pw": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        res["AccessToken"].as_str().unwrap().to_string()
    }

    /// A Jellyfin GET with a token; the JSON body of a 2xx answer.
    pub async fn jf_get(&self, path: &str, token: &str) -> Value {
        let res = self
            .client
            .get(self.url(path))
            .header("X-Emby-Token", token)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body = res.text().await.unwrap();
        assert!(status.is_success(), "GET {path}: {status} {body}");
        serde_json::from_str(&body).unwrap()
    }

    pub async fn post(&self, path: &str) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("X-Api-Key", &self.key)
            .send()
            .await
            .unwrap()
    }

    /// All listed items of the given kinds (comma-separated), as (name → item).
    pub async fn items(&self, kinds: &str) -> Vec<Value> {
        let v = self
            .get_json(&format!("/api/v1/items?limit=500&type={kinds}"))
            .await;
        v["items"].as_array().unwrap().clone()
    }

    pub async fn item_named(&self, kinds: &str, name: &str) -> Option<Value> {
        self.items(kinds)
            .await
            .into_iter()
            .find(|i| i["name"] == name)
    }

    /// Waits until no scan runs and no job is queued or running.
    pub async fn wait_idle(&self) {
        let started = Instant::now();
        let mut calm = 0;
        loop {
            let s = self.get_json("/api/v1/scan/status").await;
            let j = self.get_json("/api/v1/jobs").await;
            let idle = s["scanning"] == false
                && s["pending_rechecks"] == 0
                && j["queued"] == 0
                && j["running"] == 0;
            calm = if idle { calm + 1 } else { 0 };
            if calm >= 3 {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "not idle after 90 s: {s} {j}\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Asks for a full rescan and waits for it and its jobs.
    pub async fn rescan(&self) {
        let before = self.get_json("/api/v1/scan/status").await["scans_completed"]
            .as_u64()
            .unwrap();
        let libs = self
            .get_json("/api/v1/libraries")
            .await
            .as_array()
            .unwrap()
            .len() as u64;
        assert_eq!(self.post("/api/v1/scan").await.status(), 202);
        let started = Instant::now();
        while self.get_json("/api/v1/scan/status").await["scans_completed"]
            .as_u64()
            .unwrap()
            < before + libs
        {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "rescan did not finish"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.wait_idle().await;
    }

    /// How many requests the `sendfile` stream front has answered (its debug line), once at
    /// least `expected` are logged or 5 s passed: the line follows the response by a moment.
    pub async fn served_by_front(&self, expected: usize) -> usize {
        let started = Instant::now();
        loop {
            let n = self.log_text().matches("served with sendfile").count();
            if n >= expected || started.elapsed() > Duration::from_secs(5) {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Polls `check` until it returns Some, for up to `secs`.
    pub async fn eventually<T, F, Fut>(&self, secs: u64, what: &str, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let started = Instant::now();
        loop {
            if let Some(v) = check().await {
                return v;
            }
            assert!(
                started.elapsed() < Duration::from_secs(secs),
                "timed out waiting for {what}\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill(); // SIGKILL
            let _ = c.wait();
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            // SIGTERM for a graceful stop.
            unsafe_kill(c.id() as i32, 15);
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(10) {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn unsafe_kill(pid: i32, sig: i32) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status();
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

pub fn lib(name: &'static str, path: &Path, kind: &'static str) -> Lib {
    Lib {
        name,
        path: path.to_path_buf(),
        kind,
        watch: "off",
    }
}

/// The PostgreSQL server CI provides; `None` locally when there is none. In CI it is required.
pub fn postgres_url() -> Option<String> {
    match std::env::var("KINORA_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "CI must provide KINORA_TEST_POSTGRES_URL (scripts/test starts PostgreSQL)"
            );
            eprintln!("KINORA_TEST_POSTGRES_URL not set: PostgreSQL case skipped");
            None
        }
    }
}

/// A fresh, empty PostgreSQL database for one test; returns its URL.
pub async fn fresh_postgres_db(base_url: &str) -> String {
    use sea_orm::{ConnectionTrait, Database};
    let name = format!("kinora_t_{}", uuid_like());
    let admin = Database::connect(base_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let _ = admin.close().await;
    let (prefix, _) = base_url.rsplit_once('/').unwrap();
    format!("{prefix}/{name}")
}

/// The real local LLM server (llama.cpp's server with SmolLM2-135M, `tests/support/
/// llm_server.py`) that scripts/test starts: its base URL, without `/v1`. `None` locally when
/// there is none; in CI it is required, so those tests fail instead of skipping.
pub fn llm_url() -> Option<String> {
    match std::env::var("KINORA_TEST_LLM_URL") {
        Ok(u) if !u.is_empty() => Some(u.trim_end_matches('/').to_string()),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "CI must provide KINORA_TEST_LLM_URL (scripts/test starts the local LLM server)"
            );
            eprintln!("KINORA_TEST_LLM_URL not set: real-LLM test skipped");
            None
        }
    }
}
