//! `headroom seed --demo`: a deterministic, realistic demo fleet.
//!
//! The same scale always yields the same fleet (a seeded ChaCha RNG): regions of
//! different sizes and heat, GPU scarce and hot, a few regions constrained or
//! critical, and a year of daily history that trends into today's ledgers.

mod accounts;
pub mod backtest;
mod bench_deployments;
pub mod catalogue;
mod deploy_steps;
mod deployments;
pub mod generate;
mod requests;

use std::time::Instant;

use anyhow::Context;
use app::db::Db;
use app::fleet::server::ledger;

pub use accounts::{demo_accounts_exist, ensure_demo_accounts, DEMO_ACCOUNTS};
pub use bench_deployments::seed_bench_deployments;
pub use deployments::seed_demo_deployments;
pub use generate::{Scale, ScaleSpec};
pub use requests::seed_demo_requests;

/// What a seed run created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    pub regions: usize,
    pub skus: usize,
    pub clusters: usize,
    pub history_rows: usize,
}

/// Replaces the fleet with the demo fleet of `scale`, in one write transaction.
pub async fn seed_demo(db: &Db, scale: Scale) -> anyhow::Result<SeedReport> {
    let started = Instant::now();
    let spec = scale.spec();
    let today = db.clock().today();
    let mut tx = db.begin_write().await?;
    // What points at the fleet goes with it: notices, requests and their reservations.
    app::status::server::store::delete_all_notices(&mut tx)
        .await
        .context("clearing status notices")?;
    app::deployments::server::store::delete_all(&mut tx)
        .await
        .context("clearing deployments")?;
    app::requests::server::store::delete_all_requests(&mut tx)
        .await
        .context("clearing requests")?;
    ledger::clear(&mut tx).await.context("clearing the fleet")?;
    for sku in catalogue::SKUS {
        ledger::add_sku(&mut tx, sku.code, sku.family.as_str(), sku.unit.as_str()).await?;
    }
    let mut report = SeedReport {
        regions: 0,
        skus: catalogue::SKUS.len(),
        clusters: 0,
        history_rows: 0,
    };
    for region in generate::generate(&spec, today) {
        let head = (region.code, region.name, region.geography, region.lifecycle);
        ledger::load_region(&mut tx, head, &region.clusters, &region.history)
            .await
            .context("loading a region")?;
        report.regions += 1;
        report.clusters += region.clusters.len();
        report.history_rows += region.history.len();
    }
    ledger::finish_load(&mut tx).await?;
    tx.commit().await?;
    tracing::info!(
        ?report,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "seeded the demo fleet"
    );
    Ok(report)
}
