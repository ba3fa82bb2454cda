//! Configuration: a TOML file plus `KINORA_*` environment overrides, validated once at start-up
//! and then passed around as `Arc<Config>`. Unknown keys and bad values stop start-up with a
//! message that names the key.

mod env;
mod llm;
mod tmdb;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use env::apply_env_overrides;
pub use llm::{
    url_is_local, LlmConfig, LlmProviderConfig, LlmTasksConfig, PrivacyConfig, ProviderKind,
};
pub use tmdb::{Secret, TmdbConfig};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid config {origin}: {message}")]
    Invalid { origin: String, message: String },
    #[error("invalid value for {key}: {message}")]
    BadValue { key: String, message: String },
}

/// The whole effective configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the catalog (SQLite), thumbnails and caches live.
    pub data_dir: PathBuf,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub scanner: ScannerConfig,
    pub jobs: JobsConfig,
    pub tools: ToolsConfig,
    pub admin: AdminConfig,
    pub web: WebConfig,
    pub classify: ClassifyConfig,
    pub privacy: PrivacyConfig,
    pub llm: LlmConfig,
    pub tmdb: TmdbConfig,
    pub libraries: Vec<LibraryConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./kinora-data"),
            server: ServerConfig::default(),
            database: DatabaseConfig::default(),
            scanner: ScannerConfig::default(),
            jobs: JobsConfig::default(),
            tools: ToolsConfig::default(),
            admin: AdminConfig::default(),
            web: WebConfig::default(),
            classify: ClassifyConfig::default(),
            privacy: PrivacyConfig::default(),
            llm: LlmConfig::default(),
            tmdb: TmdbConfig::default(),
            libraries: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// The name Jellyfin clients show for this server.
    pub name: String,
    pub bind: String,
    /// 8096 is Jellyfin's port; 0 picks a free one (tests run in parallel).
    pub port: u16,
    /// HTTP worker threads; 0 = one per core.
    pub workers: usize,
    /// UDP port answering Jellyfin client discovery ("who is JellyfinServer?"); 7359 is
    /// Jellyfin's; 0 picks a free one.
    pub discovery_port: u16,
    /// Answer discovery at all.
    pub discovery: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            name: "Kinora".into(),
            bind: "0.0.0.0".into(),
            port: 8096,
            workers: 0,
            discovery_port: 7359,
            discovery: true,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// A jellyfin-web bundle (the `dist` folder of a jellyfin-web release) served at `/web/`;
    /// Jellyfin's mobile apps load their interface from there. None: `/web/` shows a page
    /// about Kinora.
    pub jellyfin_web_dir: Option<PathBuf>,
}

/// How sure classification must be before nobody needs to look.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClassifyConfig {
    /// Items classified with a confidence below this go to the review queue (`/api/v1/review`).
    pub review_threshold: f64,
    /// Below this confidence the `classify` LLM task is asked too (when a provider is
    /// configured for it); at or above it the heuristic stands alone.
    pub llm_threshold: f64,
}

impl Default for ClassifyConfig {
    fn default() -> Self {
        ClassifyConfig {
            review_threshold: 0.6,
            llm_threshold: 0.75,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `postgres://…` or `sqlite://…`; unset means `kinora.db` inside `data_dir`.
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScannerConfig {
    /// Seconds between periodic stat-only walks of every library (0 = never).
    pub interval_secs: u64,
    /// A file whose size has not changed for this many seconds is considered complete.
    pub stability_secs: u64,
    /// How long filesystem events are gathered before they are handled, in milliseconds.
    pub debounce_ms: u64,
}

impl Default for ScannerConfig {
    fn default() -> Self {
        ScannerConfig {
            interval_secs: 3600,
            stability_secs: 3,
            debounce_ms: 500,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Concurrent background jobs (probe, thumbnails…); 0 = one per core.
    pub workers: usize,
    /// Attempts before a job is recorded as permanently failed.
    pub max_attempts: i32,
    /// Lease length in seconds; a job whose worker died is taken again after it runs out.
    pub lease_secs: u64,
    /// Extra workers that take only metadata jobs, which mostly wait on TMDB, image downloads
    /// and LLMs rather than use the CPU.
    pub network_workers: usize,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            workers: 0,
            max_attempts: 4,
            lease_secs: 60,
            network_workers: 4,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ToolsConfig {
    pub ffprobe: PathBuf,
    pub ffmpeg: PathBuf,
    /// Seconds before one ffprobe/ffmpeg run is killed.
    pub timeout_secs: u64,
}

impl Default for ToolsConfig {
    fn default() -> Self {
        ToolsConfig {
            ffprobe: PathBuf::from("ffprobe"),
            ffmpeg: PathBuf::from("ffmpeg"),
            timeout_secs: 60,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// First administrator, created only when no user exists yet.
    pub user: Option<String>,
    pub password: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LibraryKind {
    Movies,
    Tv,
    Home,
    Mixed,
}

impl LibraryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LibraryKind::Movies => "movies",
            LibraryKind::Tv => "tv",
            LibraryKind::Home => "home",
            LibraryKind::Mixed => "mixed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "movies" => LibraryKind::Movies,
            "tv" => LibraryKind::Tv,
            "home" => LibraryKind::Home,
            "mixed" => LibraryKind::Mixed,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WatchMode {
    /// Filesystem events where they work, plus the periodic walk.
    #[default]
    Auto,
    /// Periodic walk only (network shares deliver no events).
    Poll,
    /// Neither: scans only on demand and at start.
    Off,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LibraryConfig {
    pub name: String,
    pub path: PathBuf,
    pub kind: LibraryKind,
    /// Persisted id; set it to keep a library's items when its path changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<uuid::Uuid>,
    #[serde(default)]
    pub watch: WatchMode,
    /// Whether Kinora writes NFO and JSON sidecars beside this library's media.
    #[serde(default)]
    pub sidecars: SidecarPolicy,
}

/// Sidecar writing for one library. Whatever the policy, an NFO that Kinora did not write (or
/// that was edited since) is never overwritten. Lives here, not in `sidecar`, because config
/// imports nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SidecarPolicy {
    /// Write, and rewrite Kinora's own sidecars when their content changes.
    #[default]
    Write,
    /// Write only where no sidecar exists yet.
    WriteIfAbsent,
    /// Never write sidecars (a read-only or shared media folder).
    Never,
}

impl Config {
    /// Loads the effective configuration: explicit path, else `$KINORA_CONFIG`, else
    /// `./kinora.toml` when present, else defaults; then environment overrides; then validation.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        let path = explicit
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("KINORA_CONFIG").map(PathBuf::from))
            .or_else(|| {
                let local = PathBuf::from("kinora.toml");
                local.exists().then_some(local)
            });
        let (text, origin) = match &path {
            Some(p) => (
                std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.display().to_string(),
                    source,
                })?,
                p.display().to_string(),
            ),
            None => (String::new(), "(built-in defaults)".to_string()),
        };
        Self::from_parts(&text, &origin, &env)
    }

    /// Pure form of [`Config::load`], for tests.
    pub fn from_parts(
        toml_text: &str,
        origin: &str,
        env: &[(String, String)],
    ) -> Result<Config, ConfigError> {
        let mut doc: toml::Table = toml::from_str(toml_text).map_err(|e| ConfigError::Invalid {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        apply_env_overrides(&mut doc, env)?;
        let config: Config =
            Config::deserialize(toml::Value::Table(doc)).map_err(|e| ConfigError::Invalid {
                origin: origin.to_string(),
                message: e.to_string(),
            })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.server.bind.parse::<std::net::IpAddr>().is_err() && self.server.bind != "localhost"
        {
            return Err(bad("server.bind", "not an IP address"));
        }
        if let Some(url) = &self.database.url {
            if !(url.starts_with("postgres://")
                || url.starts_with("postgresql://")
                || url.starts_with("sqlite:"))
            {
                return Err(bad(
                    "database.url",
                    "must start with postgres://, postgresql:// or sqlite:",
                ));
            }
        }
        if self.jobs.max_attempts < 1 {
            return Err(bad("jobs.max_attempts", "must be at least 1"));
        }
        if self.jobs.lease_secs < 5 {
            return Err(bad("jobs.lease_secs", "must be at least 5"));
        }
        if let Some(dir) = &self.web.jellyfin_web_dir {
            if !dir.join("index.html").is_file() {
                return Err(bad(
                    "web.jellyfin_web_dir",
                    &format!(
                        "{} has no index.html (point it at a jellyfin-web bundle's dist folder)",
                        dir.display()
                    ),
                ));
            }
        }
        for (key, value) in [
            ("classify.review_threshold", self.classify.review_threshold),
            ("classify.llm_threshold", self.classify.llm_threshold),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(bad(key, "must be between 0 and 1"));
            }
        }
        self.llm.validate()?;
        self.tmdb.validate()?;
        let mut names = std::collections::HashSet::new();
        for (i, lib) in self.libraries.iter().enumerate() {
            if lib.name.trim().is_empty() {
                return Err(bad(&format!("libraries[{i}].name"), "must not be empty"));
            }
            if !names.insert(lib.name.to_lowercase()) {
                return Err(bad(
                    &format!("libraries[{i}].name"),
                    &format!("duplicate library name {:?}", lib.name),
                ));
            }
            if lib.path.as_os_str().is_empty() {
                return Err(bad(&format!("libraries[{i}].path"), "must not be empty"));
            }
        }
        Ok(())
    }

    /// The catalog URL: the configured one, else a SQLite file inside the data dir.
    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("kinora.db").display()
            ),
        }
    }

    /// The effective configuration as TOML with secrets masked, for `kinora config check`.
    pub fn to_masked_toml(&self) -> String {
        let mut masked = self.clone();
        if masked.admin.password.is_some() {
            masked.admin.password = Some("********".into());
        }
        if let Some(url) = &masked.database.url {
            masked.database.url = Some(mask_url_password(url));
        }
        // API keys are never in the config (only the names of their variables), but a URL
        // may carry a password.
        for p in &mut masked.llm.providers {
            p.base_url = mask_url_password(&p.base_url);
        }
        for secret in [&mut masked.tmdb.api_key, &mut masked.tmdb.read_token] {
            if secret.is_some() {
                *secret = Some(Secret::new("********"));
            }
        }
        masked.tmdb.base_url = mask_url_password(&masked.tmdb.base_url);
        masked.tmdb.image_base_url = mask_url_password(&masked.tmdb.image_base_url);
        toml::to_string_pretty(&masked).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
    }

    pub fn job_workers(&self) -> usize {
        if self.jobs.workers == 0 {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        } else {
            self.jobs.workers
        }
    }
}

fn bad(key: &str, message: &str) -> ConfigError {
    ConfigError::BadValue {
        key: key.to_string(),
        message: message.to_string(),
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:********@host/db`.
pub fn mask_url_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{}:********{}",
            &url[..scheme_end + 3],
            &authority[..colon],
            &url[scheme_end + 3 + at..]
        ),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests;
