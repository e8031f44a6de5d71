//! Stored rows into the fleet's domain types: ledgers, families, units, a
//! cluster, a region × SKU rollup, a region — with the health thresholds
//! applied; a row that does not parse is an internal error naming it.

use anyhow::anyhow;

use super::store::{ClusterRow, RegionRow, SumRow};
use crate::error::{AppError, AppResult};
use crate::fleet::codes::{CapacityUnit, ClusterLifecycle, Family, RegionLifecycle};
use crate::fleet::ledger::{Health, Ledger, Thresholds};
use crate::fleet::types::*;

pub(super) fn corrupt(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow!("stored {what} is invalid: {e}"))
}

pub(super) fn ledger_of(total: i64, allocated: i64, reserved: i64, oos: i64) -> AppResult<Ledger> {
    Ledger::parse(total, allocated, reserved, oos).map_err(|e| corrupt("ledger", e))
}

pub(super) fn family(s: &str) -> AppResult<Family> {
    Family::parse(s).map_err(|e| corrupt("family", e))
}

pub(super) fn unit(s: &str) -> AppResult<CapacityUnit> {
    CapacityUnit::parse(s).map_err(|e| corrupt("unit", e))
}

pub(super) fn cluster_from(row: ClusterRow, t: &Thresholds) -> AppResult<Cluster> {
    let ledger = ledger_of(row.total, row.allocated, row.reserved, row.out_of_service)?;
    Ok(Cluster::new(
        row.id,
        row.name,
        row.region,
        row.zone,
        row.sku,
        family(&row.family)?,
        ClusterLifecycle::parse(&row.lifecycle).map_err(|e| corrupt("lifecycle", e))?,
        ledger,
        t,
    ))
}

pub(super) fn sum_rollup(row: &SumRow, t: &Thresholds) -> AppResult<Rollup> {
    Ok(Rollup::new(
        ledger_of(row.total, row.allocated, row.reserved, row.out_of_service)?,
        row.clusters,
        t,
    ))
}

pub(super) fn region_sku_from(row: &SumRow, t: &Thresholds) -> AppResult<RegionSku> {
    Ok(RegionSku {
        region: row.region.clone(),
        sku: row.sku.clone(),
        family: family(&row.family)?,
        unit: unit(&row.unit)?,
        rollup: sum_rollup(row, t)?,
    })
}

pub(super) fn region_from(row: RegionRow, mut skus: Vec<RegionSku>) -> AppResult<Region> {
    skus.sort_by(|a, b| b.rollup.utilization.total_cmp(&a.rollup.utilization));
    Ok(Region {
        lifecycle: RegionLifecycle::parse(&row.lifecycle)
            .map_err(|e| corrupt("region lifecycle", e))?,
        health: skus
            .iter()
            .map(|s| s.rollup.health)
            .max()
            .unwrap_or(Health::Healthy),
        clusters: skus.iter().map(|s| s.rollup.clusters).sum(),
        code: row.code,
        name: row.name,
        geography: row.geography,
        skus,
    })
}
