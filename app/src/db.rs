//! The database: one pool over SQLite or PostgreSQL, chosen by `DATABASE_URL`.
//!
//! Every query is written once with `$N` placeholders, which both drivers accept.
//! The dialect differences live here: how a write transaction begins, which
//! migrations apply, and how a connection is prepared.

use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor, Transaction};

/// Which database engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The default when `DATABASE_URL` is unset: `headroom.db` in the working directory.
pub const DEFAULT_URL: &str = "sqlite://headroom.db";

/// A handle on the database, cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    fleet_cache: std::sync::Arc<crate::fleet::server::snapshot::FleetCache>,
    deployment_lists: std::sync::Arc<crate::deployments::server::cache::ListCache>,
    deployment_details: std::sync::Arc<crate::deployments::server::cache::DetailCache>,
    refusals: std::sync::Arc<crate::shared::audit::RefusalLimiter>,
    touches: std::sync::Arc<crate::auth::server::touches::Touches>,
    clock: crate::shared::time::Clock,
    settings_cache: std::sync::Arc<crate::settings::server::SettingsCache>,
    webhook_wake: std::sync::Arc<tokio::sync::Notify>,
}

impl Db {
    /// Connects to `url` (`sqlite://…` or `postgres://…`); a SQLite file is created if missing.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if url.starts_with("sqlite:") {
            let sep = if url.contains('?') { '&' } else { '?' };
            let url = if url.contains("mode=") {
                url.to_owned()
            } else {
                format!("{url}{sep}mode=rwc")
            };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (Backend::Postgres, url.to_owned())
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite: or postgres:");
        };
        let options: AnyConnectOptions = url.parse().context("parsing DATABASE_URL")?;
        let pool = match backend {
            // WAL lets readers run beside the one writer; busy_timeout makes a
            // second writer wait instead of failing; foreign keys are off by default.
            Backend::Sqlite => AnyPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(5))
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                             PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                        )
                        .await?;
                        Ok(())
                    })
                }),
            // A database outage answers 503 `unavailable` within 3 s, not a hang.
            Backend::Postgres => AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(3)),
        }
        .connect_with(options)
        .await
        .context("connecting to the database")?;
        Ok(Db {
            pool,
            backend,
            fleet_cache: Default::default(),
            deployment_lists: Default::default(),
            deployment_details: Default::default(),
            refusals: Default::default(),
            touches: Default::default(),
            clock: Default::default(),
            settings_cache: Default::default(),
            webhook_wake: Default::default(),
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// This replica's cache of fleet snapshots.
    pub fn fleet_cache(&self) -> &crate::fleet::server::snapshot::FleetCache {
        &self.fleet_cache
    }

    pub fn deployment_lists(&self) -> &crate::deployments::server::cache::ListCache {
        &self.deployment_lists
    }

    pub fn deployment_details(&self) -> &crate::deployments::server::cache::DetailCache {
        &self.deployment_details
    }

    /// This replica's count of recent refusals, which bounds how many reach the audit trail.
    pub fn refusals(&self) -> &crate::shared::audit::RefusalLimiter {
        &self.refusals
    }

    /// This replica's recent records of a token's or session's use.
    pub fn touches(&self) -> &crate::auth::server::touches::Touches {
        &self.touches
    }

    /// This replica's cache of the settings in force.
    pub fn settings_cache(&self) -> &crate::settings::server::SettingsCache {
        &self.settings_cache
    }

    /// Wakes this replica's webhook worker when an event wrote deliveries.
    pub fn webhook_wake(&self) -> &tokio::sync::Notify {
        &self.webhook_wake
    }

    /// This process's clock: every service asks it for "now" (tests stop it).
    pub fn clock(&self) -> &crate::shared::time::Clock {
        &self.clock
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATOR,
            Backend::Postgres => &POSTGRES_MIGRATOR,
        }
    }

    /// Applies pending migrations. On SQLite they run on one connection with
    /// foreign keys off (a migration that rebuilds a table to change a CHECK must
    /// not cascade through its children), and the keys are checked afterwards.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self.backend {
            Backend::Postgres => self.migrator().run(&self.pool).await,
            Backend::Sqlite => {
                let mut conn = self.pool.acquire().await?;
                conn.execute("PRAGMA foreign_keys = OFF").await?;
                let applied = self.migrator().run(&mut *conn).await;
                let broken = sqlx::query("PRAGMA foreign_key_check")
                    .fetch_optional(&mut *conn)
                    .await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                if broken.is_some() {
                    anyhow::bail!("a migration left a foreign key broken");
                }
                applied
            }
        }
        .context("applying migrations")?;
        Ok(())
    }

    /// Writes a consistent copy of a SQLite database to the new file `path`
    /// while it is in use: `VACUUM INTO` reads in one transaction, so the copy
    /// is of one moment, writers carry on, and the copy is compacted. `false`
    /// on PostgreSQL, whose backups are `pg_dump`'s.
    pub async fn backup_into(&self, path: &str) -> Result<bool, sqlx::Error> {
        match self.backend {
            Backend::Postgres => Ok(false),
            Backend::Sqlite => {
                sqlx::query("VACUUM INTO $1")
                    .bind(path)
                    .execute(&self.pool)
                    .await?;
                Ok(true)
            }
        }
    }

    /// Whether every migration this binary knows has been applied.
    pub async fn migrations_applied(&self) -> Result<bool, sqlx::Error> {
        let applied: Vec<(i64,)> =
            sqlx::query_as("SELECT version FROM _sqlx_migrations WHERE success = $1")
                .bind(true)
                .fetch_all(&self.pool)
                .await?;
        Ok(self
            .migrator()
            .iter()
            .all(|m| applied.iter().any(|(v,)| *v == m.version)))
    }

    /// SQL for the seconds, rounded, from one RFC 3339 text column to another.
    pub fn seconds_between(&self, from: &str, to: &str) -> String {
        match self.backend {
            Backend::Sqlite => {
                format!("CAST(ROUND((julianday({to}) - julianday({from})) * 86400) AS BIGINT)")
            }
            Backend::Postgres => format!(
                "CAST(ROUND(EXTRACT(EPOCH FROM ({to}::timestamptz - {from}::timestamptz))) AS BIGINT)"
            ),
        }
    }

    /// The suffix that locks the rows a `SELECT` read until the transaction ends:
    /// `FOR UPDATE` on PostgreSQL; nothing on SQLite, where `begin_write` already
    /// holds the database's write lock.
    pub fn lock_rows(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock
    /// at once (`BEGIN IMMEDIATE`): a deferred transaction that later upgrades
    /// to a write fails with SQLITE_BUSY instead of waiting.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }
}
