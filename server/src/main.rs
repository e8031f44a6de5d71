//! `headroom`: serve, migrate, seed, settings. Bare `headroom` means `headroom serve`.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use app::auth::Roles;
use app::db::Db;
use app::shared::audit::Origin;
use server::config::Config;
use server::seed::{
    demo_accounts_exist, ensure_demo_accounts, seed_bench_deployments, seed_demo,
    seed_demo_deployments, seed_demo_requests, Scale, DEMO_ACCOUNTS,
};
use server::{router, AppState};

/// Rendering a page allocates many small strings; mimalloc serves them with
/// less contention between worker threads than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
use cli::{Cli, Command, ImportWhat, SettingsAction, TokenAction, UserAction};

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

/// The database as it is, for commands that only read it (no migration is
/// applied; one not fully migrated is refused).
async fn open_existing(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(&config.database_url).await?;
    anyhow::ensure!(
        db.migrations_applied().await.unwrap_or(false),
        "the database (DATABASE_URL) is not a Headroom database with every migration applied \
         (run `headroom migrate`)"
    );
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
        Command::Seed {
            demo: _,
            scale,
            deployments: extra,
        } => {
            let db = open_db(&config).await?;
            let started = std::time::Instant::now();
            let report = seed_demo(&db, scale).await?;
            let fleet_s = started.elapsed().as_secs_f64();
            ensure_demo_accounts(&db).await?;
            let requests = seed_demo_requests(&db).await?;
            let deployments = seed_demo_deployments(&db).await?;
            println!(
                "seeded the {scale:?} demo fleet: {} regions, {} SKUs, {} clusters, {} history rows in {:.1} s",
                report.regions,
                report.skus,
                report.clusters,
                report.history_rows,
                fleet_s
            );
            println!("{requests} demo requests and {deployments} demo deployments in every state");
            if extra > 0 {
                let started = std::time::Instant::now();
                let (made, targets) = seed_bench_deployments(&db, extra, 40).await?;
                println!(
                    "{made} more deployments with {targets} targets in {:.1} s",
                    started.elapsed().as_secs_f64()
                );
            }
            println!("demo accounts (DEMO ONLY: these passwords are public):");
            for (name, password, roles) in DEMO_ACCOUNTS {
                let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
                println!("  {name:<10} {password:<26} {}", roles.join(","));
            }
            Ok(())
        }
        Command::Backup { path } => {
            let report = server::check::backup(&open_existing(&config).await?, &path).await?;
            println!("{report}");
            Ok(())
        }
        Command::Import {
            what: ImportWhat::Clusters { file, dry_run },
        } => import_clusters(&open_db(&config).await?, &file, dry_run).await,
        Command::Check => {
            let report = server::check::report(&open_existing(&config).await?).await?;
            println!("{report}");
            Ok(())
        }
        Command::Settings { action } => {
            let db = open_db(&config).await?;
            match action {
                SettingsAction::Get { key } => {
                    println!("{}", app::settings::server::get(&db, &key).await?)
                }
                SettingsAction::Set { key, value } => {
                    app::settings::server::set(&db, &Origin::default(), "(cli)", &key, &value)
                        .await?;
                    println!("{key} = {}", app::settings::server::get(&db, &key).await?);
                }
            }
            Ok(())
        }
        Command::User { action } => {
            let db = open_db(&config).await?;
            match action {
                UserAction::Add { name, roles } => {
                    let mut password = String::new();
                    std::io::stdin()
                        .read_line(&mut password)
                        .context("reading the password from stdin")?;
                    let password = password.strip_suffix('\n').unwrap_or(&password);
                    let password = password.strip_suffix('\r').unwrap_or(password).to_owned();
                    app::auth::server::users::add(
                        &db,
                        &Origin::default(),
                        "(cli)",
                        &name,
                        Some(password),
                        &Roles::new(roles),
                        false,
                    )
                    .await?;
                    eprintln!("added user {name}");
                }
                UserAction::Disable { name } => {
                    app::auth::server::users::disable(&db, &Origin::default(), "(cli)", &name)
                        .await?;
                    eprintln!("disabled user {name}; their sessions and tokens ended");
                }
            }
            Ok(())
        }
        Command::Token {
            action:
                TokenAction::Create {
                    user,
                    name,
                    roles,
                    expires_days,
                },
        } => {
            let db = open_db(&config).await?;
            let narrowed = (!roles.is_empty()).then(|| Roles::new(roles));
            let now = app::auth::server::sessions::now();
            let (id, token) = app::auth::server::tokens::create_token(
                &db,
                &user,
                &name,
                narrowed,
                expires_days,
                now,
            )
            .await?;
            app::shared::audit::record(
                db.pool(),
                &Origin::default(),
                Some("(cli)"),
                "token.create",
                Some(&format!("token {id} of {user}")),
                None,
                Some(&name),
            )
            .await?;
            println!("{token}");
            Ok(())
        }
    }
}

/// `headroom import clusters FILE [--dry-run]`: a progress bar (on a terminal)
/// while the file is read, then what was done; a refused file exits non-zero.
async fn import_clusters(db: &Db, file: &std::path::Path, dry_run: bool) -> anyhow::Result<()> {
    let opened =
        std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let bar = indicatif::ProgressBar::new(opened.metadata()?.len());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} read, {eta} left")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let opts = app::fleet::server::import::ImportOptions {
        dry_run,
        file_name: &file.display().to_string(),
        region_names: server::seed::catalogue::region_named,
    };
    let report = app::fleet::server::import::import_as(
        db,
        &Origin::default(),
        "(cli)",
        bar.wrap_read(std::io::BufReader::new(opened)),
        opts,
    )
    .await;
    bar.finish_and_clear();
    let report = report?;
    let summary = report.summary();
    if report.error_count > 0 {
        anyhow::bail!("{summary}");
    }
    println!("{summary} ({:.1} s)", started.elapsed().as_secs_f64());
    Ok(())
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let db = open_db(&config).await?;
    if demo {
        if app::fleet::server::store::count_clusters(db.pool()).await? == 0 {
            let report = seed_demo(&db, Scale::Small).await?;
            ensure_demo_accounts(&db).await?;
            seed_demo_requests(&db).await?;
            seed_demo_deployments(&db).await?;
            tracing::info!(
                clusters = report.clusters,
                "seeded the small demo fleet into an empty database"
            );
        }
        ensure_demo_accounts(&db).await?;
    }
    if demo_accounts_exist(&db).await? {
        if !config.site_addr.ip().is_loopback() {
            anyhow::bail!(
                "demo accounts exist (their passwords are public), so Headroom will not listen on {}; \
                 disable them with `headroom user disable NAME` or listen on 127.0.0.1",
                config.site_addr
            );
        }
        let banner = "WARNING: DEMO ACCOUNTS EXIST. Their passwords are public (see the README). Demo use only.";
        eprintln!(
            "\n{}\n{banner}\n{}\n",
            "!".repeat(banner.len()),
            "!".repeat(banner.len())
        );
        for (name, password, _) in DEMO_ACCOUNTS {
            eprintln!("  demo account: {name} / {password}");
        }
        tracing::warn!("demo accounts exist; listening on loopback only");
    }
    tokio::spawn(app::fleet::server::history::run_sampler(db.clone()));
    tokio::spawn(app::requests::server::expiry::run_sweeper(db.clone()));
    tokio::spawn(app::auth::server::users::run_housekeeping(db.clone()));
    tokio::spawn(app::deployments::server::run::run_scheduler(db.clone()));
    app::webhooks::server::worker::spawn(db.clone())?;
    if demo {
        tokio::spawn(app::deployments::server::demo::run_demo_pipeline(
            db.clone(),
        ));
    }
    let drain = config.shutdown_drain;
    let stopping = move |grace| server::ops::Stopping { drain, grace };
    let state = AppState::new(db, config.leptos_options(), config.public_url.as_deref());
    let listener = tokio::net::TcpListener::bind(config.site_addr)
        .await
        .with_context(|| format!("listening on {}", config.site_addr))?;
    let addr = listener.local_addr()?;
    if let Some(metrics_addr) = config.metrics_addr {
        let metrics = tokio::net::TcpListener::bind(metrics_addr)
            .await
            .with_context(|| format!("listening on {metrics_addr} (HEADROOM_METRICS_ADDR)"))?;
        tracing::info!(addr = %metrics_addr, "serving /metrics without sign-in");
        let private = server::metrics::private_router(state.clone());
        tokio::spawn(async move {
            let stopped =
                server::ops::serve_until_signal(metrics, private, stopping(Duration::from_secs(1)))
                    .await;
            if let Err(e) = stopped {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
    }
    println!("Headroom is listening on http://{addr}");
    tracing::info!(%addr, site_root = %config.site_root.display(), "listening");
    server::ops::serve_until_signal(listener, router(state), stopping(Duration::from_secs(10)))
        .await
}
