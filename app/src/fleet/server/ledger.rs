//! The fleet owns the ledger. This is the only way anything changes capacity:
//! reserve, release, fulfil and give back units; add and remove clusters;
//! change a cluster's lifecycle; load or clear a whole fleet. Each function
//! works inside the caller's transaction, keeps every region × SKU rollup equal
//! to the sum of its clusters, and bumps the fleet version itself, so a
//! feature that moves units (requests today, deployments next) cannot forget.
//!
//! Placement is the fleet's too: in-service clusters with the most free units
//! first (`crate::fleet::placement`); every unit move is a conditional update
//! that never takes a column below zero.

use sqlx::AnyConnection;

use super::import_sql;
use super::ledger_sql::{self as sql, RollupDelta, Shift};
use super::load_sql;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::fleet::codes::ClusterLifecycle;
use crate::fleet::placement::{place, Candidate, Holding, Shortfall};

pub use bulk::{add_sku, apply_import, clear, finish_load, load_region, ImportBy, NewRegion};
pub use load_sql::NewHistory;
pub use sql::NewCluster;

mod bulk;

/// Where units go or come from: a region × SKU, optionally one zone.
#[derive(Debug, Clone, Copy)]
pub struct Slot<'a> {
    pub region: &'a str,
    pub sku: &'a str,
    pub zone: Option<i64>,
}

fn candidates(rows: Vec<(i64, i64)>) -> Vec<Candidate> {
    rows.into_iter()
        .map(|(cluster_id, units)| Candidate { cluster_id, units })
        .collect()
}

/// Moves each holding's units by `shift` (clusters and rollup together).
async fn shift(
    tx: &mut AnyConnection,
    slot: Slot<'_>,
    holdings: &[Holding],
    shift: Shift,
) -> AppResult<()> {
    let (mut total, mut parked) = (0, 0);
    for h in holdings {
        // The conditional update is the last word: never below zero.
        match sql::shift_units(&mut *tx, h.cluster_id, h.units, shift).await? {
            Some(true) => parked += h.units,
            Some(false) => {}
            None => {
                return Err(AppError::Conflict(
                    "capacity moved at the same moment; try again".into(),
                ))
            }
        }
        total += h.units;
    }
    if total > 0 {
        sql::shift_rollup(&mut *tx, slot.region, slot.sku, total, shift).await?;
        if parked > 0 {
            let delta = RollupDelta {
                out_of_service: parked,
                ..RollupDelta::default()
            };
            sql::add_to_rollup(&mut *tx, slot.region, slot.sku, delta).await?;
        }
        sql::bump_fleet_version(&mut *tx).await?;
    }
    Ok(())
}

/// Places `quantity` units among `rows` (cluster, units), most first, and
/// moves them by `how`; `Ok(Err)` (changing nothing) when they are not there.
async fn place_and_shift(
    tx: &mut AnyConnection,
    slot: Slot<'_>,
    rows: Vec<(i64, i64)>,
    quantity: i64,
    how: Shift,
) -> AppResult<Result<Vec<Holding>, Shortfall>> {
    let plan = match place(&candidates(rows), quantity) {
        Ok(plan) => plan,
        Err(short) => return Ok(Err(short)),
    };
    shift(tx, slot, &plan, how).await?;
    Ok(Ok(plan))
}

/// Reserves `quantity` free units in the slot's in-service clusters, most free
/// first, all or nothing: `Ok(Err(shortfall))` changes nothing.
pub async fn reserve(
    db: &Db,
    tx: &mut AnyConnection,
    slot: Slot<'_>,
    quantity: i64,
) -> AppResult<Result<Vec<Holding>, Shortfall>> {
    let rows =
        sql::placement_candidates(&mut *tx, slot.region, slot.sku, slot.zone, db.lock_rows())
            .await?;
    place_and_shift(tx, slot, rows, quantity, Shift::Reserve).await
}

/// Where `quantity` units would be reserved now, without reserving them.
pub async fn preview_reservation(
    db: &Db,
    slot: Slot<'_>,
    quantity: i64,
) -> AppResult<Result<Vec<Holding>, Shortfall>> {
    let rows = sql::placement_candidates(db.pool(), slot.region, slot.sku, slot.zone, "").await?;
    Ok(place(&candidates(rows), quantity))
}

/// Gives reserved units back to free (a cancelled, rejected or expired request).
pub async fn release(
    tx: &mut AnyConnection,
    slot: Slot<'_>,
    holdings: &[Holding],
) -> AppResult<()> {
    shift(tx, slot, holdings, Shift::Release).await
}

/// Turns reserved units into allocated ones (a fulfilled request).
pub async fn fulfill(
    tx: &mut AnyConnection,
    slot: Slot<'_>,
    holdings: &[Holding],
) -> AppResult<()> {
    shift(tx, slot, holdings, Shift::Fulfill).await
}

/// Returns `quantity` allocated units to free, from the clusters with the most
/// allocated first (a fulfilled deprovision); `Ok(Err)` when fewer are allocated.
pub async fn give_back(
    db: &Db,
    tx: &mut AnyConnection,
    slot: Slot<'_>,
    quantity: i64,
) -> AppResult<Result<Vec<Holding>, Shortfall>> {
    let rows =
        sql::allocation_candidates(&mut *tx, slot.region, slot.sku, slot.zone, db.lock_rows())
            .await?;
    place_and_shift(tx, slot, rows, quantity, Shift::Return).await
}

/// Adds a cluster (capacity). A cluster that is not in service holds its
/// unallocated, unreserved units out of service, so they are never counted free.
pub async fn add_cluster(tx: &mut AnyConnection, c: NewCluster) -> AppResult<i64> {
    enter(tx, None, c).await
}

/// Brings back a cluster that left the ledger (a decommission walked back):
/// under its old id unless another cluster took it meanwhile (SQLite hands
/// out the highest id again); answers the id it has now. Refused while
/// another cluster carries its name.
pub async fn restore_cluster(tx: &mut AnyConnection, id: i64, c: NewCluster) -> AppResult<i64> {
    let (id_taken, name_taken) = sql::cluster_taken(&mut *tx, id, &c.name).await?;
    if name_taken {
        return Err(AppError::Conflict(format!(
            "another cluster is named {} now; the retired one cannot come back under that name",
            c.name
        )));
    }
    enter(tx, (!id_taken).then_some(id), c).await
}

async fn enter(tx: &mut AnyConnection, id: Option<i64>, c: NewCluster) -> AppResult<i64> {
    let c = c.placeable();
    let id = sql::insert_cluster(&mut *tx, id, &c).await?;
    let delta = RollupDelta {
        clusters: 1,
        total: c.total,
        allocated: c.allocated,
        reserved: c.reserved,
        out_of_service: c.out_of_service,
    };
    sql::add_to_rollup(&mut *tx, &c.region, &c.sku, delta).await?;
    sql::bump_fleet_version(&mut *tx).await?;
    Ok(id)
}

/// Removes a cluster (capacity); refused while it holds an allocation or a reservation.
pub async fn remove_cluster(db: &Db, tx: &mut AnyConnection, id: i64) -> AppResult<()> {
    let c = sql::find_cluster_ledger(&mut *tx, id, db.lock_rows())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no cluster {id}")))?;
    if sql::delete_idle_cluster(&mut *tx, id).await? != 1 {
        return Err(AppError::Conflict(format!(
            "cluster {id} still holds {} allocated and {} reserved units",
            c.allocated, c.reserved
        )));
    }
    let delta = RollupDelta {
        clusters: -1,
        total: -c.total,
        allocated: -c.allocated,
        reserved: -c.reserved,
        out_of_service: -c.out_of_service,
    };
    sql::add_to_rollup(&mut *tx, &c.region, &c.sku, delta).await?;
    sql::bump_fleet_version(&mut *tx).await?;
    Ok(())
}

/// Moves a cluster to another lifecycle. Leaving service puts its free units
/// out of service and answers how many it had out of service of its own
/// (`Some`); returning to service brings the units back but `keep` (at most
/// what is out of service), the ones it had of its own when it left.
pub async fn set_lifecycle(
    db: &Db,
    tx: &mut AnyConnection,
    id: i64,
    to: ClusterLifecycle,
    keep: i64,
) -> AppResult<Option<i64>> {
    let c = sql::find_cluster_ledger(&mut *tx, id, db.lock_rows())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no cluster {id}")))?;
    let free = c.total - c.allocated - c.reserved - c.out_of_service;
    let (oos, left) = match (
        c.lifecycle == ClusterLifecycle::InService,
        to == ClusterLifecycle::InService,
    ) {
        (true, false) => (c.out_of_service + free, Some(c.out_of_service)),
        (false, true) => (keep.clamp(0, c.out_of_service), None),
        _ => (c.out_of_service, None),
    };
    if sql::set_cluster_lifecycle(&mut *tx, id, to, oos, c.out_of_service).await? != 1 {
        return Err(AppError::Conflict(format!(
            "cluster {id} changed at the same moment; try again"
        )));
    }
    let delta = RollupDelta {
        out_of_service: oos - c.out_of_service,
        ..RollupDelta::default()
    };
    sql::add_to_rollup(&mut *tx, &c.region, &c.sku, delta).await?;
    sql::bump_fleet_version(&mut *tx).await?;
    Ok(left)
}

/// Releases the reserved units imports hold on a cluster (an operator decided
/// nobody needs them); returns how many. A cluster out of service parks them
/// out of service, as any release does.
pub async fn release_import_hold(db: &Db, tx: &mut AnyConnection, cluster: i64) -> AppResult<i64> {
    let c = sql::find_cluster_ledger(&mut *tx, cluster, db.lock_rows())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no cluster {cluster}")))?;
    let units: i64 = import_sql::holds_on(&mut *tx, cluster)
        .await?
        .iter()
        .map(|h| h.3)
        .sum();
    if units == 0 {
        return Err(AppError::Conflict(format!(
            "no import holds units on cluster {cluster}"
        )));
    }
    let slot = Slot {
        region: &c.region,
        sku: &c.sku,
        zone: None,
    };
    let holding = Holding {
        cluster_id: cluster,
        units,
    };
    shift(tx, slot, &[holding], Shift::Release).await?;
    import_sql::delete_holds_on(&mut *tx, cluster).await?;
    Ok(units)
}

/// Records `day`'s sample of every region × SKU (kept if already taken);
/// returns how many were written.
pub async fn record_daily_sample(tx: &mut AnyConnection, day: &str) -> AppResult<u64> {
    let rows = sql::record_daily_sample(&mut *tx, day).await?;
    if rows > 0 {
        sql::bump_fleet_version(&mut *tx).await?;
    }
    Ok(rows)
}

/// Region × SKU pairs whose rollup is not the sum of their clusters (none, if
/// every write went through this module).
pub async fn rollup_mismatches(db: &Db) -> AppResult<Vec<(String, String)>> {
    Ok(sql::rollup_mismatches(db.pool()).await?)
}

/// Clusters (id, name) whose ledger is impossible (free below zero).
pub async fn ledger_violations(db: &Db) -> AppResult<Vec<(i64, String)>> {
    Ok(sql::ledger_violations(db.pool()).await?)
}
