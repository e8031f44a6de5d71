//! The daily history sampler: once per day, a sample of every region × SKU.

use std::time::Duration;

use super::store;
use crate::db::Db;

/// `YYYY-MM-DD`.
pub fn format_day(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Today in UTC, as `YYYY-MM-DD`.
pub fn today() -> String {
    format_day(time::OffsetDateTime::now_utc().date())
}

/// Records today's sample if it is missing. Safe to run on every replica at
/// once: the primary key keeps one sample per region × SKU × day.
pub async fn sample_today(db: &Db) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let rows = store::record_daily_sample(&mut *tx, &today()).await?;
    if rows > 0 {
        store::bump_fleet_version(&mut *tx).await?;
    }
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
