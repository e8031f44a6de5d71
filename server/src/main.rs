//! `headroom`: serve, migrate, seed, settings. Bare `headroom` means `headroom serve`.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use app::db::Db;
use server::config::Config;
use server::seed::{seed_demo, Scale};
use server::{router, AppState};

#[derive(Parser)]
#[command(
    name = "headroom",
    version,
    about = "Capacity dashboard: fleet headroom, requests, deployments"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and API (the default).
    Serve {
        /// Seed the small demo fleet if the database has no fleet yet.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Replace the fleet with a generated demo fleet.
    Seed {
        /// Required: the seed only makes demo data.
        #[arg(long, required = true)]
        demo: bool,
        #[arg(long, value_enum, default_value = "small")]
        scale: Scale,
    },
    /// Read or change a setting.
    Settings {
        #[command(subcommand)]
        action: SettingsAction,
    },
}

#[derive(Subcommand)]
enum SettingsAction {
    /// Print a setting's value.
    Get { key: String },
    /// Change a setting.
    Set { key: String, value: String },
}

fn init_tracing() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::io::stderr().is_terminal() {
        builder.init();
    } else {
        builder.json().init();
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    init_tracing();
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("headroom: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn open_db(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    Ok(db)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::from_env()?;
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => serve(config, demo).await,
        Command::Migrate => {
            open_db(&config).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Seed { demo: _, scale } => {
            let db = open_db(&config).await?;
            let started = std::time::Instant::now();
            let report = seed_demo(&db, scale).await?;
            println!(
                "seeded the {scale:?} demo fleet: {} regions, {} SKUs, {} clusters, {} history rows in {:.1} s",
                report.regions,
                report.skus,
                report.clusters,
                report.history_rows,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Settings { action } => {
            let db = open_db(&config).await?;
            match action {
                SettingsAction::Get { key } => {
                    println!("{}", app::settings::server::get(&db, &key).await?)
                }
                SettingsAction::Set { key, value } => {
                    app::settings::server::set(&db, &key, &value).await?;
                    println!("{key} = {}", app::settings::server::get(&db, &key).await?);
                }
            }
            Ok(())
        }
    }
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let db = open_db(&config).await?;
    if demo && app::fleet::server::store::count_clusters(db.pool()).await? == 0 {
        let report = seed_demo(&db, Scale::Small).await?;
        tracing::info!(
            clusters = report.clusters,
            "seeded the small demo fleet into an empty database"
        );
    }
    tokio::spawn(app::fleet::server::history::run_sampler(db.clone()));
    let state = AppState {
        db,
        leptos: config.leptos_options(),
    };
    let listener = tokio::net::TcpListener::bind(config.site_addr)
        .await
        .with_context(|| format!("listening on {}", config.site_addr))?;
    let addr = listener.local_addr()?;
    println!("Headroom is listening on http://{addr}");
    tracing::info!(%addr, site_root = %config.site_root.display(), "listening");
    server::ops::serve_until_signal(listener, router(state), Duration::from_secs(10)).await
}
