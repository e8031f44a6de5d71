//! The daily history sampler: once per day, a sample of every region × SKU.

use std::time::Duration;

use crate::db::Db;
use crate::shared::time::format_day;

/// Today in UTC by this process's clock, as `YYYY-MM-DD`.
pub fn today(db: &Db) -> String {
    format_day(db.clock().today())
}

/// Records today's sample if it is missing. Safe to run on every replica at
/// once: the primary key keeps one sample per region × SKU × day.
pub async fn sample_today(db: &Db) -> crate::error::AppResult<u64> {
    let mut tx = db.begin_write().await?;
    let rows = super::ledger::record_daily_sample(&mut tx, &today(db)).await?;
    tx.commit().await?;
    Ok(rows)
}

/// Runs forever: samples at start and then every ten minutes (a no-op until
/// the day turns), so history keeps growing after the seed.
pub async fn run_sampler(db: Db) {
    loop {
        match sample_today(&db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "recorded today's capacity sample"),
            Err(e) => tracing::warn!(error = %e, "could not record today's capacity sample"),
        }
        tokio::time::sleep(Duration::from_secs(600)).await;
    }
}
