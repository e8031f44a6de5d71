//! The fleet service layer, shared by server functions and REST handlers:
//! rows (parsed in `rows`) assembled into views under the health thresholds.
//!
//! Every read a page or the API makes takes the caller and refuses anyone not
//! signed in, whatever the middleware did before (defence in depth).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::rows::{cluster_from, family, region_from, region_sku_from, sum_rollup, unit};
use super::snapshot::Snapshot;
use super::store::{self, HistoryPoint};
use crate::auth::server::caller::Caller;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::fleet::query::{ClusterQuery, ClusterSort, Cursor};
use crate::fleet::types::*;
use crate::shared::page::{Page, PagePosition};

/// How many days the trend charts show.
pub const TREND_DAYS: i64 = 365;

/// The fleet snapshot of the current version, built if this replica lacks it.
pub async fn snapshot(db: &Db) -> AppResult<Arc<Snapshot>> {
    let version = store::versions(db.pool()).await?;
    snapshot_at(db, version).await
}

/// The fleet snapshot a read for `caller` sees: at the versions its request
/// read at its edge (`shared::seen`) — no statement of its own — else as
/// `snapshot`.
pub async fn snapshot_for(db: &Db, caller: &Caller) -> AppResult<Arc<Snapshot>> {
    match caller.versions() {
        Some(version) => {
            // One yield, measured (bench/results/2026-12-07-0100-edge.md):
            // without it the overview and region pages served 11-13 % fewer
            // requests at 64 connections. A resource whose fetcher is ready on
            // its first poll (all reads from memory) is ready before its
            // `<Suspense>` renders, and Leptos 0.8's SuspenseBoundary then
            // builds a `move || Suspend::new(..)` child's view in both of its
            // dry-resolve passes and once more to render it (leptos#2956:
            // by design); pending once, the dry passes stop at the `.await`.
            // It leans on task order; the fix that does not is to build the
            // heavy views inside `Unsuspend` (not done yet).
            tokio::task::yield_now().await;
            snapshot_at(db, version).await
        }
        None => snapshot(db).await,
    }
}

/// The fleet snapshot of `version` (or newer), built if this replica lacks it.
async fn snapshot_at(db: &Db, version: super::snapshot::Versions) -> AppResult<Arc<Snapshot>> {
    if let Some(s) = db.fleet_cache().get(version) {
        return Ok(s);
    }
    let _rebuilding = db.fleet_cache().rebuild.lock().await;
    if let Some(s) = db.fleet_cache().get(version) {
        return Ok(s);
    }
    // Data read after `version` is at least as new as it; a later write bumps
    // the version again, so nothing stale outlives the next request.
    let settings = crate::settings::server::at_version(db, version.settings).await?;
    let t = settings.thresholds;
    let region_rows = store::list_regions(db.pool()).await?;
    let mut by_region: BTreeMap<String, Vec<RegionSku>> = BTreeMap::new();
    for s in store::region_sku_sums(db.pool()).await? {
        by_region
            .entry(s.region.clone())
            .or_default()
            .push(region_sku_from(&s, &t)?);
    }
    let options = FilterOptions {
        regions: region_rows
            .iter()
            .map(|r| (r.code.clone(), r.name.clone()))
            .collect(),
        skus: store::list_skus(db.pool())
            .await?
            .into_iter()
            .map(|s| {
                Ok(Sku {
                    family: family(&s.family)?,
                    unit: unit(&s.unit)?,
                    code: s.code,
                })
            })
            .collect::<AppResult<Vec<_>>>()?,
    };
    let regions = region_rows
        .into_iter()
        .map(|r| {
            let skus = by_region.remove(&r.code).unwrap_or_default();
            region_from(r, skus)
        })
        .collect::<AppResult<Vec<_>>>()?;
    let summary = super::summary::summarize(&regions, t, db.clock().now_rfc3339());
    let snapshot = Arc::new(Snapshot::new(version, regions, summary, options, settings));
    db.fleet_cache().put(snapshot.clone());
    Ok(snapshot)
}

/// Every region with its region × SKU rollups.
pub async fn regions(db: &Db, caller: &Caller) -> AppResult<Vec<Region>> {
    caller.user()?;
    Ok(snapshot_for(db, caller).await?.regions.clone())
}

/// The fleet overview: totals per unit, the region × family grid, the hot spots.
pub async fn fleet_summary(db: &Db, caller: &Caller) -> AppResult<FleetSummary> {
    caller.user()?;
    Ok(snapshot_for(db, caller).await?.summary.clone())
}

/// One region with its SKU rollups, or `not_found`.
pub async fn region(db: &Db, code: &str) -> AppResult<Region> {
    snapshot(db)
        .await?
        .region(code)
        .cloned()
        .ok_or_else(|| AppError::NotFound(format!("no region '{code}'")))
}

/// The first day a trend chart shows, as `YYYY-MM-DD`.
fn trend_start(db: &Db) -> String {
    let start = db.clock().today() - time::Duration::days(TREND_DAYS - 1);
    crate::shared::time::format_day(start)
}

fn series(points: Vec<HistoryPoint>) -> Vec<TrendSeries> {
    let mut by_label: BTreeMap<String, Vec<(String, f64)>> = BTreeMap::new();
    for p in points {
        let u = if p.serviceable > 0 {
            p.used as f64 / p.serviceable as f64
        } else {
            0.0
        };
        by_label.entry(p.label).or_default().push((p.day, u));
    }
    by_label
        .into_iter()
        .map(|(label, points)| TrendSeries { label, points })
        .collect()
}

/// The region page: its ledger by zone × SKU and its trend per family.
/// One region × SKU's ledger and band now; a missing region or SKU means the
/// first of the pickers' options.
/// How many other regions the new-request form suggests.
const ELSEWHERE: usize = 5;

pub async fn headroom_now(
    db: &Db,
    caller: &Caller,
    region: Option<&str>,
    sku: Option<&str>,
) -> AppResult<HeadroomNow> {
    caller.user()?;
    let snap = snapshot_for(db, caller).await?;
    let region = region
        .filter(|r| !r.is_empty())
        .or_else(|| snap.options.regions.first().map(|(code, _)| code.as_str()))
        .unwrap_or_default()
        .to_owned();
    let sku = sku
        .filter(|s| !s.is_empty())
        .or_else(|| snap.options.skus.first().map(|s| s.code.as_str()))
        .unwrap_or_default()
        .to_owned();
    let pair = snap
        .region(&region)
        .and_then(|r| r.skus.iter().find(|s| s.sku == sku))
        .cloned();
    let mut elsewhere: Vec<(String, i64)> = snap
        .regions
        .iter()
        .filter(|r| r.code != region)
        .filter_map(|r| r.skus.iter().find(|s| s.sku == sku))
        .map(|s| (s.region.clone(), s.rollup.ledger.free()))
        .filter(|(_, free)| *free > 0)
        .collect();
    elsewhere.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    elsewhere.truncate(ELSEWHERE);
    let zones = match pair {
        Some(_) => snap.zone_frees(db, &region, &sku).await?.to_vec(),
        None => Vec::new(),
    };
    Ok(HeadroomNow {
        region,
        sku,
        pair,
        thresholds: snap.thresholds,
        elsewhere,
        zones,
    })
}

pub async fn region_detail(db: &Db, caller: &Caller, code: &str) -> AppResult<RegionDetail> {
    caller.user()?;
    let snap = snapshot_for(db, caller).await?;
    if let Some(d) = snap.cached_region_detail(code) {
        return Ok((*d).clone());
    }
    let region = snap
        .region(code)
        .cloned()
        .ok_or_else(|| AppError::NotFound(format!("no region '{code}'")))?;
    let t = snap.thresholds;
    let zones = store::zone_sku_sums(db.pool(), code)
        .await?
        .iter()
        .map(|s| {
            Ok(ZoneSku {
                zone: s.zone,
                sku: s.sku.clone(),
                family: family(&s.family)?,
                unit: unit(&s.unit)?,
                rollup: sum_rollup(s, &t)?,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let trend = series(store::region_history_by_family(db.pool(), code, &trend_start(db)).await?);
    let detail = RegionDetail {
        region,
        zones,
        trend,
        thresholds: t,
    };
    snap.cache_region_detail(code, Arc::new(detail.clone()));
    Ok(detail)
}

/// One page of clusters and the cursor of the next page.
/// A filter on a region or SKU that does not exist is a mistake to name, not
/// an empty list that looks like "no clusters there".
fn known_filters(snap: &Snapshot, q: &ClusterQuery) -> AppResult<()> {
    if let Some(r) = &q.region {
        if snap.region(r.as_str()).is_none() {
            return Err(AppError::invalid("region", format!("no region '{r}'")));
        }
    }
    if let Some(s) = &q.sku {
        if !snap.options.skus.iter().any(|k| k.code == s.as_str()) {
            return Err(AppError::invalid("sku", format!("no SKU '{s}'")));
        }
    }
    Ok(())
}

pub async fn clusters(db: &Db, caller: &Caller, q: &ClusterQuery) -> AppResult<Page<Cluster>> {
    caller.user()?;
    let snap = snapshot_for(db, caller).await?;
    known_filters(&snap, q)?;
    let t = snap.thresholds;
    let mut rows = store::list_clusters(db.pool(), q, &t).await?;
    let more = rows.len() as i64 > q.limit;
    rows.truncate(q.limit as usize);
    let next_cursor = match (more, rows.last()) {
        (true, Some(last)) => Some(
            match q.sort {
                ClusterSort::Name => Cursor::Text(last.name.clone(), last.id),
                ClusterSort::FreeAsc | ClusterSort::FreeDesc => Cursor::Number(last.free, last.id),
                ClusterSort::UtilizationAsc | ClusterSort::UtilizationDesc => {
                    Cursor::Number(last.util_bp, last.id)
                }
            }
            .encode(),
        ),
        _ => None,
    };
    let items = rows
        .into_iter()
        .map(|r| cluster_from(r, &t))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Page { items, next_cursor })
}

/// Where `q`'s page sits among all the clusters its filters match.
pub async fn cluster_position(
    db: &Db,
    caller: &Caller,
    q: &ClusterQuery,
) -> AppResult<PagePosition> {
    caller.user()?;
    let snap = snapshot_for(db, caller).await?;
    let t = snap.thresholds;
    // The total depends on the filters only: counted once per fleet version.
    let filter = format!(
        "{:?}",
        (&q.region, q.zone, &q.sku, q.family, q.lifecycle, q.health)
    );
    let total = snap
        .counted(
            filter.clone(),
            store::count_matching(db.pool(), q, &t, false),
        )
        .await?;
    // Where a cursor sits is counted once per fleet version too (a deep page's
    // count runs over every row after it).
    let before = match &q.cursor {
        Some(cursor) => {
            let at = format!("{filter} {:?} {cursor:?}", q.sort);
            total
                - snap
                    .counted(at, store::count_matching(db.pool(), q, &t, true))
                    .await?
        }
        None => 0,
    };
    Ok(PagePosition::new(total, before, q.limit))
}

/// One cluster, or `not_found`.
pub async fn cluster(db: &Db, caller: &Caller, id: i64) -> AppResult<Cluster> {
    caller.user()?;
    let t = snapshot_for(db, caller).await?.thresholds;
    let row = store::find_cluster(db.pool(), id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no cluster {id}")))?;
    cluster_from(row, &t)
}

/// The cluster page: the cluster, its unit, and its region × SKU trend.
pub async fn cluster_detail(db: &Db, caller: &Caller, id: i64) -> AppResult<ClusterDetail> {
    caller.user()?;
    let snap = snapshot_for(db, caller).await?;
    let t = snap.thresholds;
    let row = store::find_cluster(db.pool(), id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no cluster {id}")))?;
    let unit = unit(&row.unit)?;
    let region_name = snap
        .region(&row.region)
        .map(|r| r.name.clone())
        .unwrap_or_default();
    let trend = match snap.cached_trend(&row.region, &row.sku) {
        Some(t) => t,
        None => {
            let points =
                store::region_sku_history(db.pool(), &row.region, &row.sku, &trend_start(db))
                    .await?;
            let trend = Arc::new(series(points).pop().unwrap_or(TrendSeries {
                label: row.sku.clone(),
                points: vec![],
            }));
            snap.cache_trend(&row.region, &row.sku, trend.clone());
            trend
        }
    };
    let import_holds = super::import::holds(db, caller, id).await?;
    Ok(ClusterDetail {
        cluster: cluster_from(row, &t)?,
        unit,
        region_name,
        trend: (*trend).clone(),
        thresholds: t,
        import_holds,
    })
}

/// The choices of the cluster filter form.
pub async fn filter_options(db: &Db, caller: &Caller) -> AppResult<FilterOptions> {
    caller.user()?;
    Ok(snapshot_for(db, caller).await?.options.clone())
}
