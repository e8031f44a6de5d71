//! `headroom check`: the database's invariants, each read by its feature's
//! named query, with what breaks one named so an operator can find it.
//!
//! - every cluster's ledger: no field below zero, allocated + reserved + out of
//!   service ≤ total (so free = total − the three ≥ 0);
//! - every region × SKU rollup is the sum of its clusters;
//! - every cluster's reserved units are what the reservations on it hold (with
//!   the units an import record holds, `import_holds`), and
//!   every request holds what its state says (an approved provision its whole
//!   quantity, any other request nothing);
//! - every request and deployment has an audit row for the transition into
//!   its current state.
//!
//! `headroom backup` lives here too: its copy is what a restore is checked on.

use app::db::Db;
use app::error::AppResult;
use app::fleet::server::ledger;
use app::requests::domain::{Kind, State};

/// What was looked at, for the report of a clean database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Looked {
    pub clusters: i64,
    pub requests: i64,
    pub deployments: i64,
}

/// Every broken invariant, in words (empty when the database is consistent).
pub async fn problems(db: &Db) -> AppResult<Vec<String>> {
    let pool = db.pool();
    let mut found = Vec::new();
    for (id, name) in ledger::ledger_violations(db).await? {
        found.push(format!(
            "cluster {id} ({name}): allocated + reserved + out of service exceed its total (free below zero)"
        ));
    }
    for (region, sku) in ledger::rollup_mismatches(db).await? {
        found.push(format!(
            "{region} × {sku}: the rollup is not the sum of its clusters"
        ));
    }
    for (id, name, reserved, held) in
        app::requests::server::records::reserved_mismatches(pool).await?
    {
        found.push(format!(
            "cluster {id} ({name}): {reserved} units reserved, but reservations and import holds on it hold {held}"
        ));
    }
    for (id, kind, state, quantity, held) in
        app::requests::server::records::holding_mismatches(pool).await?
    {
        let key = app::requests::domain::key_of(id);
        found.push(if state == State::Approved && kind == Kind::Provision {
            format!("{key}: approved for {quantity} units, but its reservations hold {held}")
        } else {
            format!("{key}: {state}, but it still holds {held} reserved units")
        });
    }
    for (id, state) in app::requests::server::store::unaudited(pool).await? {
        found.push(format!(
            "{}: {state}, but the audit trail has no transition into it",
            app::requests::domain::key_of(id)
        ));
    }
    for (id, state) in app::deployments::server::store::unaudited(pool).await? {
        found.push(format!(
            "{}: {state}, but the audit trail has no transition into it",
            app::deployments::domain::key_of(id)
        ));
    }
    Ok(found)
}

/// How much a clean check looked at.
pub async fn looked(db: &Db) -> AppResult<Looked> {
    let pool = db.pool();
    let requests = app::requests::server::store::count_by_state(pool).await?;
    let deployments = app::deployments::server::store::count_by_state(pool).await?;
    Ok(Looked {
        clusters: app::fleet::server::store::count_clusters(pool).await?,
        requests: requests.iter().map(|(_, n)| n).sum(),
        deployments: deployments.iter().map(|(_, n)| n).sum(),
    })
}

/// What `headroom check` prints: `ok` with what it looked at, or an error
/// naming each broken invariant (the first 100).
pub async fn report(db: &Db) -> anyhow::Result<String> {
    const SHOWN: usize = 100;
    let problems = problems(db).await?;
    if !problems.is_empty() {
        let mut lines: Vec<&str> = problems.iter().take(SHOWN).map(String::as_str).collect();
        let more = format!("… and {} more", problems.len().saturating_sub(SHOWN));
        if problems.len() > SHOWN {
            lines.push(&more);
        }
        anyhow::bail!(
            "{} broken invariant(s):\n  {}",
            problems.len(),
            lines.join("\n  ")
        );
    }
    let looked = looked(db).await?;
    Ok(format!(
        "ok: every invariant holds ({} clusters, {} requests, {} deployments)",
        looked.clusters, looked.requests, looked.deployments
    ))
}

/// `headroom backup PATH`: a consistent copy of a SQLite database into the new
/// file `path` (what it wrote, in words); on PostgreSQL, how to use pg_dump.
pub async fn backup(db: &Db, path: &std::path::Path) -> anyhow::Result<String> {
    use anyhow::Context;
    anyhow::ensure!(
        !path.exists(),
        "{} exists: a backup never overwrites a file",
        path.display()
    );
    let target = path
        .to_str()
        .context("the backup's path is not UTF-8 text")?;
    if !db.backup_into(target).await? {
        anyhow::bail!(
            "on PostgreSQL, back up with pg_dump (README, \"Operating Headroom\"): \
             pg_dump --format=custom --file={} \"$DATABASE_URL\"",
            path.display()
        );
    }
    let bytes = std::fs::metadata(path)?.len();
    Ok(format!("backed up to {} ({bytes} bytes)", path.display()))
}
