//! Composition root: open the catalog, sync libraries, start workers, the scanner, the watcher
//! and the HTTP server; shut down cleanly. Nothing imports this module but `main`.

use std::fs::File;
use std::net::TcpListener;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use actix_http::HttpService;
use actix_service::{
    fn_factory, fn_service, map_config, IntoServiceFactory, ServiceFactory, ServiceFactoryExt,
};
use actix_web::dev::AppConfig;
use actix_web::{middleware, web, App};
use anyhow::Context;

use crate::api::{self, AppState};
use crate::config::Config;
use crate::db::{self, libraries, Catalog};
use crate::jobs::{JobQueue, JobRunner};
use crate::llm::Router;
use crate::scanner::{self, Scanner};
use crate::workers::Pipeline;

/// File names inside the data dir.
pub const LOCK_FILE: &str = "server.lock";
pub const PORT_FILE: &str = "server.port";
pub const CONTROL_TOKEN_FILE: &str = "control.token";
pub const DISCOVERY_PORT_FILE: &str = "discovery.port";

/// Everything a running Kinora holds, whether it serves HTTP or only scans.
pub struct Core {
    pub config: Arc<Config>,
    pub catalog: Catalog,
    pub jobs: JobQueue,
    pub scanner: Scanner,
    pub pipeline: Pipeline,
    /// Every LLM call goes through this router; it never blocks start-up (providers are
    /// contacted only when something asks).
    pub llm: Arc<Router>,
}

impl Core {
    pub async fn open(config: Arc<Config>) -> anyhow::Result<Core> {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create data dir {}", config.data_dir.display()))?;
        let catalog = Catalog::open(&config.database_url()).await?;
        if db::users::ensure_first_admin(
            &catalog,
            config.admin.user.as_deref(),
            config.admin.password.as_deref(),
        )
        .await?
        {
            tracing::info!(
                user = config.admin.user.as_deref().unwrap_or(""),
                "created the first administrator"
            );
        }
        let libs = Arc::new(libraries::sync_from_config(&catalog, &config.libraries).await?);
        let jobs = JobQueue::new(
            catalog.clone(),
            config.jobs.max_attempts,
            Duration::from_secs(config.jobs.lease_secs),
        );
        let scanner = Scanner::new(
            catalog.clone(),
            jobs.clone(),
            libs.clone(),
            Duration::from_secs(config.scanner.stability_secs),
        );
        let llm = Arc::new(Router::new(&config, Some(catalog.clone())));
        log_llm_providers(&llm);
        let pipeline = Pipeline {
            catalog: catalog.clone(),
            jobs: jobs.clone(),
            libraries: libs,
            tools: Arc::new(crate::probe::Tools {
                ffprobe: config.tools.ffprobe.clone(),
                ffmpeg: config.tools.ffmpeg.clone(),
                timeout: Duration::from_secs(config.tools.timeout_secs),
            }),
            data_dir: config.data_dir.clone(),
            llm: llm.clone(),
            classify: config.classify.clone(),
            tmdb: crate::metadata::tmdb::Tmdb::new(&config.tmdb, catalog.clone()),
            http: image_client()?,
        };
        Ok(Core {
            config,
            catalog,
            jobs,
            scanner,
            pipeline,
            llm,
        })
    }

    pub fn start_workers(&self) -> JobRunner {
        JobRunner::start(
            self.jobs.clone(),
            Arc::new(self.pipeline.clone()),
            self.config.job_workers(),
            self.config.jobs.network_workers,
            crate::jobs::kinds::METADATA,
        )
    }
}

/// The client images are fetched with (TMDB posters and backdrops).
fn image_client() -> anyhow::Result<reqwest::Client> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("Kinora/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("cannot build the HTTP client for images")
}

/// One line per configured LLM provider at start-up, so a log shows what may leave the machine.
fn log_llm_providers(llm: &Router) {
    for p in llm.providers() {
        tracing::info!(
            provider = %p.name,
            kind = p.kind,
            location = p.location,
            model = %p.model,
            state = p.state,
            tasks = %p.tasks.join(","),
            "LLM provider"
        );
    }
}

/// An exclusive lock on the data dir: one server (or local scan) per catalog at a time.
pub struct DataDirLock {
    _file: File,
}

/// Takes the lock, or `None` when another Kinora process holds it.
pub fn try_lock_data_dir(data_dir: &Path) -> anyhow::Result<Option<DataDirLock>> {
    use std::os::fd::AsRawFd;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create data dir {}", data_dir.display()))?;
    let path = data_dir.join(LOCK_FILE);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    // SAFETY: flock on a file descriptor we own; no memory is shared.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    Ok((rc == 0).then_some(DataDirLock { _file: file }))
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut f = File::options()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    f.write_all(contents.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// `kinora serve`.
pub async fn serve(config: Arc<Config>) -> anyhow::Result<()> {
    let Some(_lock) = try_lock_data_dir(&config.data_dir)? else {
        anyhow::bail!(
            "another Kinora process is using {} (remove nothing; stop it first)",
            config.data_dir.display()
        );
    };
    let core = Core::open(config.clone()).await?;
    let runner = core.start_workers();
    let control_token = crate::db::api_keys::generate_secret();
    write_private(&config.data_dir.join(CONTROL_TOKEN_FILE), &control_token)?;

    // Unfinished work from before a crash resumes on its own (expired leases); a scan at start
    // catches what changed while Kinora was down.
    let initial = core.scanner.clone();
    tokio::spawn(async move {
        initial.scan_all().await;
    });
    let periodic = spawn_periodic_scan(core.scanner.clone(), config.scanner.interval_secs);
    let watcher = scanner::watcher::start(
        core.scanner.clone(),
        Duration::from_millis(config.scanner.debounce_ms),
    );

    let server_id = db::meta_get_or_init(&core.catalog, "server_id", || {
        uuid::Uuid::new_v4().simple().to_string()
    })
    .await?;
    let state = AppState::new(
        config.clone(),
        core.catalog.clone(),
        core.jobs.clone(),
        core.scanner.clone(),
        control_token,
        server_id,
        core.llm.clone(),
    );
    let library_changes = api::jellyfin::library_changes::spawn(state.clone());
    let listener = TcpListener::bind((config.server.bind.as_str(), config.server.port))
        .with_context(|| {
            format!(
                "cannot listen on {}:{}",
                config.server.bind, config.server.port
            )
        })?;
    let addr = listener.local_addr()?;
    let state_for_discovery = (state.server_id.to_string(), config.server.name.clone());
    let data = web::Data::new(state);
    let mut builder = actix_server::Server::build().shutdown_timeout(5);
    if config.server.workers > 0 {
        builder = builder.workers(config.server.workers);
    }
    let shutdown = builder.graceful_shutdown_signal();
    let server = builder
        .listen("kinora-http", listener, move || {
            http_service(data.clone(), addr, shutdown.clone())
        })?
        .run();
    let discovery = start_discovery(&config, &state_for_discovery, addr.port()).await;
    write_private(&config.data_dir.join(PORT_FILE), &addr.port().to_string())?;
    tracing::info!("listening on http://{addr}");
    server.await.context("HTTP server failed")?;

    tracing::info!("shutting down");
    periodic.abort();
    library_changes.abort();
    if let Some(d) = discovery {
        d.abort();
    }
    drop(watcher);
    runner.shutdown(Duration::from_secs(5)).await;
    let _ = std::fs::remove_file(config.data_dir.join(PORT_FILE));
    core.catalog.close().await;
    Ok(())
}

/// actix-web's defaults, which `HttpServer` would apply: kept here because the server is
/// assembled by hand, and shared with the stream front so both time out alike.
const KEEP_ALIVE: Duration = Duration::from_secs(5);
const CLIENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const CLIENT_DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// One worker's service for accepted connections: the stream front
/// ([`api::stream_front`]), which answers direct-play requests with `sendfile` and hands
/// everything else to actix's HTTP/1 service over the App, built as `HttpServer::listen`
/// builds it.
fn http_service(
    data: web::Data<AppState>,
    addr: std::net::SocketAddr,
    shutdown: actix_server::GracefulShutdownSignal,
) -> impl ServiceFactory<
    actix_web::rt::net::TcpStream,
    Config = (),
    Response = (),
    Error = (),
    InitError = (),
> {
    let app = App::new()
        .app_data(data.clone())
        .wrap(middleware::from_fn(api::jellyfin::wire::normalize))
        .wrap(middleware::from_fn(api::access_log::log_request))
        .configure(api::native::configure)
        .configure(api::jellyfin::configure)
        .default_service(web::to(api::jellyfin::system::not_found))
        .into_factory()
        .map_err(|err| err.error_response());
    // What `HttpServer` passes: the host for URLs when a request names none (`LocalAddress`
    // in Jellyfin's system info) and the local address. `HttpServer` uses a crate-private
    // constructor; this hidden one is the public way in (actix-test uses it). Should a release
    // drop it, the build fails here, and `AppConfig::default()` (host `localhost:8080`) would
    // only change answers to requests without a `Host` header.
    let app_config = move |()| AppConfig::__priv_test_new(false, addr.to_string(), addr);
    let actix_signal = shutdown.clone();
    let h1 = HttpService::build()
        .keep_alive(KEEP_ALIVE)
        .client_request_timeout(CLIENT_REQUEST_TIMEOUT)
        .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
        // Also what lets the stream front reclaim a connection: actix, reading end-of-stream,
        // still finishes the answer it is writing (see `stream_front::Replay`).
        .h1_allow_half_closed(true)
        .local_addr(addr)
        .graceful_shutdown_signal(move || {
            let signal = actix_signal.clone();
            async move { signal.notified().await }
        })
        .h1(map_config(app, app_config));
    let front = Rc::new(api::stream_front::Front {
        state: data,
        keep_alive: KEEP_ALIVE,
        request_timeout: CLIENT_REQUEST_TIMEOUT,
        shutdown,
    });
    fn_factory(move || {
        let h1 = h1.new_service(());
        let front = front.clone();
        async move {
            let h1 = Rc::new(h1.await.map_err(|e| {
                tracing::error!(error = ?e, "cannot start the HTTP service");
            })?);
            Ok::<_, ()>(fn_service(move |io| {
                let (h1, front) = (h1.clone(), front.clone());
                async move {
                    api::stream_front::serve_connection(io, front, h1).await;
                    Ok::<_, ()>(())
                }
            }))
        }
    })
}

/// Answers Jellyfin client discovery on UDP; a port already taken is logged, not fatal.
async fn start_discovery(
    config: &Config,
    identity: &(String, String),
    http_port: u16,
) -> Option<tokio::task::JoinHandle<()>> {
    if !config.server.discovery {
        return None;
    }
    let bind = (config.server.bind.as_str(), config.server.discovery_port);
    let socket = match tokio::net::UdpSocket::bind(bind).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(port = config.server.discovery_port, error = %e, "client discovery disabled: cannot bind its UDP port");
            return None;
        }
    };
    if let Ok(local) = socket.local_addr() {
        let _ = write_private(
            &config.data_dir.join(DISCOVERY_PORT_FILE),
            &local.port().to_string(),
        );
        tracing::info!(port = local.port(), "answering Jellyfin client discovery");
    }
    let identity = api::jellyfin::discovery::Identity {
        server_id: identity.0.clone(),
        name: identity.1.clone(),
        http_port,
    };
    Some(tokio::spawn(api::jellyfin::discovery::serve(
        socket, identity,
    )))
}

fn spawn_periodic_scan(scanner: Scanner, interval_secs: u64) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if interval_secs == 0 {
            return;
        }
        let mut tick = tokio::time::interval(Duration::from_secs(interval_secs));
        tick.tick().await; // the first tick is immediate; the start-up scan covers it
        loop {
            tick.tick().await;
            scanner.scan_all().await;
        }
    })
}

/// Where the running server listens and how the local CLI authenticates to it.
pub struct RunningServer {
    pub base_url: String,
    pub token: String,
}

pub fn running_server(data_dir: &Path) -> anyhow::Result<RunningServer> {
    let port = std::fs::read_to_string(data_dir.join(PORT_FILE))
        .context("a Kinora server holds the data dir but has not written its port yet")?;
    let token = std::fs::read_to_string(data_dir.join(CONTROL_TOKEN_FILE))
        .context("cannot read the server's control token")?;
    Ok(RunningServer {
        base_url: format!("http://127.0.0.1:{}", port.trim()),
        token: token.trim().to_string(),
    })
}
