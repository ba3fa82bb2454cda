//! The `kinora` command line.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};

use kinora::app;
use kinora::config::Config;

#[derive(Parser)]
#[command(
    name = "kinora",
    version,
    about = "A self-hosted video media server that speaks Jellyfin"
)]
struct Cli {
    /// Config file (default: $KINORA_CONFIG, else ./kinora.toml, else built-in defaults).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve,
    /// Scan every library once and wait until probing is done (asks the running server if
    /// there is one).
    Scan {
        /// Return when discovery is done, without waiting for probes and thumbnails.
        #[arg(long)]
        no_wait: bool,
    },
    /// Apply catalog migrations and exit.
    Migrate,
    /// Configuration commands.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// API keys for /api/v1.
    Apikey {
        #[command(subcommand)]
        command: ApikeyCommand,
    },
    /// The path parser: parse names, score it on a fixture file.
    Naming {
        #[command(subcommand)]
        command: NamingCommand,
    },
    /// LLM providers: check them, ask one, show the usage ledger.
    Llm {
        #[command(subcommand)]
        command: LlmCommand,
    },
}

#[derive(Subcommand)]
enum NamingCommand {
    /// Read paths, one per line, on stdin; write one JSON object per line (kind, title, year,
    /// season, episode, episode_end, episode_title, date, extra_type, tmdb_id, imdb_id,
    /// tvdb_id, confidence, is_3d, format_3d, is_stub, stub_type; null or false when absent).
    Parse {
        /// Parse as in a TV library (a bare number in a name is an episode).
        #[arg(long)]
        tv: bool,
    },
    /// Score the parser on a JSONL file in the format of shared/fixtures/naming/dev.jsonl:
    /// failures, accuracy per field, and the share of fully correct cases.
    Eval { file: PathBuf },
}

#[derive(Subcommand)]
enum LlmCommand {
    /// Check every configured provider (reachable, model present, a structured answer
    /// parses) and print one row per provider; fails if a provider meant to be used does not
    /// work.
    Test,
    /// Send one prompt through the router as TASK (classify, describe, fill_metadata,
    /// search_query, embed); prints which provider answered, after which fallbacks, and the
    /// answer.
    Ask {
        #[arg(long)]
        task: String,
        /// Record the call against this item id in the ledger.
        #[arg(long)]
        item: Option<String>,
        prompt: String,
    },
    /// Calls, tokens and cost from the ledger, by day, provider and task.
    Usage {
        /// Days back, today included.
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// Print the totals as JSON (the shape of GET /api/v1/llm/usage's groups).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate the configuration and print it, secrets masked.
    Check,
}

#[derive(Subcommand)]
enum ApikeyCommand {
    /// Create a key; prints only the key on stdout.
    Create { name: String },
}

/// The server logs at info; one-shot commands only warn, so their own output (a key, a
/// progress bar) stays readable. `KINORA_LOG` overrides both.
fn init_tracing(serving: bool, llm: bool) {
    let default = if serving {
        "info,sqlx=warn,sea_orm=warn"
    } else if llm {
        // Cloud calls are logged at info: a person running `kinora llm` sees what left.
        "warn,kinora::llm=info,sqlx=warn,sea_orm=warn"
    } else {
        "warn,sqlx=warn,sea_orm=warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("KINORA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // The naming commands are pure and synchronous: no config, runtime or logging needed.
    if let Command::Naming { command } = &cli.command {
        return match naming_command(command) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("kinora: {e:#}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    init_tracing(
        matches!(cli.command, Command::Serve),
        matches!(cli.command, Command::Llm { .. }),
    );
    // reqwest is built without a default TLS provider; pick the one crypto backend we ship.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kinora: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kinora: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Arc::new(Config::load(cli.config.as_deref())?);
    match cli.command {
        Command::Serve => app::serve(config).await,
        Command::Scan { no_wait } => scan(config, no_wait).await,
        Command::Migrate => {
            let catalog = kinora::db::Catalog::open(&config.database_url()).await?;
            catalog.close().await;
            eprintln!("catalog is up to date");
            Ok(())
        }
        Command::Config {
            command: ConfigCommand::Check,
        } => {
            print!("{}", config.to_masked_toml());
            for p in &config.llm.providers {
                if let Some(var) = &p.api_key_env {
                    // Whether the key is there, never what it is.
                    let set = std::env::var(var).is_ok_and(|v| !v.trim().is_empty());
                    eprintln!(
                        "llm provider {:?}: API key from ${var} ({})",
                        p.name,
                        if set { "set" } else { "NOT set" }
                    );
                }
            }
            for lib in &config.libraries {
                if !lib.path.is_dir() {
                    eprintln!(
                        "warning: library {:?}: folder {} does not exist (yet)",
                        lib.name,
                        lib.path.display()
                    );
                }
            }
            Ok(())
        }
        Command::Apikey {
            command: ApikeyCommand::Create { name },
        } => {
            let catalog = kinora::db::Catalog::open(&config.database_url()).await?;
            let key = kinora::db::api_keys::create(&catalog, &name).await?;
            catalog.close().await;
            println!("{key}");
            Ok(())
        }
        Command::Llm { command } => llm_command(&config, command).await,
        Command::Naming { command } => naming_command(&command),
    }
}

fn naming_command(command: &NamingCommand) -> anyhow::Result<()> {
    use std::io::{BufRead, Write};
    match command {
        NamingCommand::Parse { tv } => {
            let stdin = std::io::stdin().lock();
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for line in stdin.lines() {
                let line = line?;
                let path = line.trim_end_matches('\r');
                if path.is_empty() {
                    continue;
                }
                serde_json::to_writer(&mut out, &kinora::naming::guess(path, *tv))?;
                out.write_all(b"\n")?;
            }
            out.flush()?;
            Ok(())
        }
        NamingCommand::Eval { file } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let report = kinora::naming::eval::evaluate(&text)?;
            print!("{}", kinora::naming::eval::render(&report));
            Ok(())
        }
    }
}

async fn llm_command(config: &Config, command: LlmCommand) -> anyhow::Result<()> {
    use kinora::llm::{Call, DataKind, Router, Task};
    let catalog = kinora::db::Catalog::open(&config.database_url()).await?;
    let router = Router::new(config, Some(catalog.clone()));
    let result = match command {
        LlmCommand::Test => {
            let rows = router.check().await;
            if rows.is_empty() {
                println!("no LLM provider is configured ([[llm.providers]] in the config)");
            }
            print_table(
                &["PROVIDER", "KIND", "WHERE", "MODEL", "STATE", "DETAIL"],
                rows.iter()
                    .map(|r| {
                        vec![
                            r.name.clone(),
                            r.kind.to_string(),
                            r.location.to_string(),
                            r.model.clone(),
                            r.state.to_string(),
                            r.detail.clone(),
                        ]
                    })
                    .collect(),
            );
            let failed: Vec<&str> = rows
                .iter()
                .filter(|r| r.is_failure())
                .map(|r| r.name.as_str())
                .collect();
            if failed.is_empty() {
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "LLM providers not working: {}",
                    failed.join(", ")
                ))
            }
        }
        LlmCommand::Ask { task, item, prompt } => {
            let Some(task) = Task::parse(&task) else {
                anyhow::bail!(
                    "unknown task {task:?}; tasks: classify, describe, fill_metadata, search_query, embed"
                );
            };
            let data = [DataKind::Text];
            let show_fallbacks = |fallbacks: &[kinora::llm::Attempt]| {
                for a in fallbacks {
                    println!("fallback: {a}");
                }
            };
            if task == Task::Embed {
                let e = router
                    .embed(std::slice::from_ref(&prompt), item.as_deref(), &data)
                    .await?;
                show_fallbacks(&e.fallbacks);
                let v = e.vectors.first().cloned().unwrap_or_default();
                println!(
                    "answered by: {} (model {}) after {} fallback(s)",
                    e.provider,
                    e.model,
                    e.fallbacks.len()
                );
                let head: Vec<String> = v.iter().take(8).map(|x| format!("{x:.4}")).collect();
                println!("embedding: {} dimensions [{}, …]", v.len(), head.join(", "));
            } else {
                let answer = router
                    .structured(&Call {
                        task,
                        input: &prompt,
                        item_id: item.as_deref(),
                        data: &data,
                        images: &[],
                    })
                    .await?;
                show_fallbacks(&answer.fallbacks);
                println!(
                    "answered by: {} (model {}) after {} fallback(s), {} repair(s); prompt {}; {} tokens in, {} out",
                    answer.provider,
                    answer.model,
                    answer.fallbacks.len(),
                    answer.repairs,
                    answer.prompt_version,
                    answer.input_tokens,
                    answer.output_tokens
                );
                println!("{}", serde_json::to_string_pretty(&answer.value)?);
            }
            Ok(())
        }
        LlmCommand::Usage { days, json } => {
            let u = router.usage(days.max(1)).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&u)?);
            } else {
                let usd = |m: i64| format!("{:.4}", m as f64 / 1e6);
                println!(
                    "LLM usage since {} ({} day(s)): {} calls ({} failed), {} tokens in, {} out, ${}",
                    u.since_day,
                    days.max(1),
                    u.totals.calls,
                    u.totals.failed,
                    u.totals.input_tokens,
                    u.totals.output_tokens,
                    usd(u.totals.cost_micro_usd)
                );
                match router.daily_cloud_budget_usd() {
                    Some(b) => println!(
                        "cloud today: ${} of the ${b:.4} daily budget",
                        usd(u.cloud_today_micro_usd)
                    ),
                    None => println!(
                        "cloud today: ${} (no daily budget set)",
                        usd(u.cloud_today_micro_usd)
                    ),
                }
                for (title, rows) in [
                    ("DAY", &u.by_day),
                    ("PROVIDER", &u.by_provider),
                    ("TASK", &u.by_task),
                ] {
                    println!();
                    print_table(
                        &[
                            title,
                            "CALLS",
                            "FAILED",
                            "TOKENS IN",
                            "TOKENS OUT",
                            "COST USD",
                        ],
                        rows.iter()
                            .map(|r| {
                                vec![
                                    r.key.clone(),
                                    r.calls.to_string(),
                                    r.failed.to_string(),
                                    r.input_tokens.to_string(),
                                    r.output_tokens.to_string(),
                                    usd(r.cost_micro_usd),
                                ]
                            })
                            .collect(),
                    );
                }
            }
            Ok(())
        }
    };
    catalog.close().await;
    result
}

/// Left-aligned columns, two spaces apart.
fn print_table(headers: &[&str], rows: Vec<Vec<String>>) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(headers.iter().map(|h| h.to_string()).collect());
    for row in rows {
        line(row);
    }
}

/// A spinner on a terminal; hidden otherwise (summary lines are printed either way).
fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

async fn scan(config: Arc<Config>, no_wait: bool) -> anyhow::Result<()> {
    match app::try_lock_data_dir(&config.data_dir)? {
        Some(lock) => {
            let result = scan_locally(config, no_wait).await;
            drop(lock);
            result
        }
        None => scan_through_server(&config, no_wait).await,
    }
}

async fn scan_locally(config: Arc<Config>, no_wait: bool) -> anyhow::Result<()> {
    let core = app::Core::open(config).await?;
    let bar = progress_bar();
    bar.set_message("scanning libraries…");
    let reports = core.scanner.scan_all().await;
    let mut failed = false;
    for r in &reports {
        let offline = if r.offline {
            " (folder unavailable)"
        } else {
            ""
        };
        bar.suspend(|| {
            eprintln!(
                "{}: {} files seen, {} new, {} changed, {} returned, {} missing{offline}",
                r.library_name, r.files_seen, r.new, r.changed, r.returned, r.missing
            )
        });
        for p in &r.problems {
            bar.suspend(|| eprintln!("  problem: {p}"));
        }
        failed |= r.offline;
    }
    if !no_wait {
        let runner = core.start_workers();
        loop {
            let c = core.jobs.counts().await?;
            bar.set_message(format!(
                "identifying and probing: {} queued, {} running, {} done, {} failed",
                c.queued, c.running, c.done, c.failed
            ));
            if c.queued + c.running == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        runner.shutdown(Duration::from_secs(5)).await;
        let c = core.jobs.counts().await?;
        bar.suspend(|| eprintln!("jobs: {} done, {} failed", c.done, c.failed));
    }
    bar.finish_and_clear();
    core.catalog.close().await;
    if failed {
        anyhow::bail!("some library folders could not be read");
    }
    Ok(())
}

async fn scan_through_server(config: &Config, no_wait: bool) -> anyhow::Result<()> {
    let server = app::running_server(&config.data_dir)?;
    let client = reqwest::Client::new();
    let get = |path: &str| {
        client
            .get(format!("{}{path}", server.base_url))
            .header("X-Api-Key", &server.token)
    };
    // Wait for scans that start after our request: every library's scan bumps the counter.
    let before: serde_json::Value = get("/api/v1/scan/status")
        .send()
        .await
        .context("cannot reach the running server")?
        .error_for_status()?
        .json()
        .await?;
    let libraries: Vec<serde_json::Value> = get("/api/v1/libraries")
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let target = before["scans_completed"].as_u64().unwrap_or(0) + libraries.len() as u64;
    client
        .post(format!("{}/api/v1/scan", server.base_url))
        .header("X-Api-Key", &server.token)
        .send()
        .await
        .context("cannot reach the running server")?
        .error_for_status()
        .context("the running server refused the scan")?;
    let bar = progress_bar();
    bar.set_message("the running server is scanning…");
    loop {
        let status: serde_json::Value = get("/api/v1/scan/status")
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let jobs: serde_json::Value = get("/api/v1/jobs")
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let scanning = status["scanning"].as_bool().unwrap_or(false)
            || status["scans_completed"].as_u64().unwrap_or(0) < target;
        let queued = jobs["queued"].as_u64().unwrap_or(0);
        let running = jobs["running"].as_u64().unwrap_or(0);
        bar.set_message(format!(
            "{} {queued} jobs queued, {running} running, {} failed",
            if scanning { "scanning;" } else { "scan done;" },
            jobs["failed"].as_u64().unwrap_or(0)
        ));
        if !scanning && (no_wait || queued + running == 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    bar.finish_and_clear();
    eprintln!("scan complete");
    Ok(())
}
