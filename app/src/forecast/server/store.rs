//! The forecast's reads: the daily history of used units, and the demand
//! known but not yet in it. Read only; the fleet and the requests own these
//! tables.

use sqlx::{Any, Executor};

use crate::requests::domain::{Kind, State};

/// Each region × SKU's used units per day from `since` (`YYYY-MM-DD`), oldest
/// first, in order of region and SKU. Read as a stream and gathered series by
/// series: the rows (one per region × SKU × day, ~120,000 on the large fleet)
/// are never held at once.
pub async fn used_since<'e>(
    ex: impl Executor<'e, Database = Any>,
    since: &str,
) -> Result<Vec<((String, String), Vec<i64>)>, sqlx::Error> {
    use futures_util::TryStreamExt;
    let mut rows = sqlx::query_as::<_, (String, String, i64)>(
        "SELECT region, sku, CAST(allocated + reserved AS BIGINT) AS used FROM ledger_history \
         WHERE day >= $1 ORDER BY region, sku, day",
    )
    .bind(since)
    .fetch(ex);
    let mut series: Vec<((String, String), Vec<i64>)> = Vec::new();
    while let Some((region, sku, used)) = rows.try_next().await? {
        match series.last_mut() {
            Some(((r, s), history)) if *r == region && *s == sku => history.push(used),
            _ => series.push(((region, sku), vec![used])),
        }
    }
    Ok(series)
}

/// (SKU, used units) per day from `since` in one region, in order of SKU and
/// day: a region's year for its charts.
pub async fn used_in_region_since<'e>(
    ex: impl Executor<'e, Database = Any>,
    region: &str,
    since: &str,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT sku, CAST(allocated + reserved AS BIGINT) AS used FROM ledger_history \
         WHERE region = $1 AND day >= $2 ORDER BY sku, day",
    )
    .bind(region)
    .bind(since)
    .fetch_all(ex)
    .await
}

/// One request's demand to come: (region, SKU, kind, state, quantity, need-by).
pub type DemandRow = (String, String, Kind, State, i64, String);

/// Requests whose units are not in the ledger yet: those waiting for
/// capacity and those submitted. Approved ones are in `reserved` already, so
/// they are not counted again.
pub async fn demand_to_come<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<DemandRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT region, sku, kind, state, quantity, need_by FROM capacity_requests \
         WHERE state = $1 OR state = $2 ORDER BY id",
    )
    .bind(State::AwaitingCapacity)
    .bind(State::Submitted)
    .fetch_all(ex)
    .await
}
