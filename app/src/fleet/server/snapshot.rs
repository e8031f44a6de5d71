//! The fleet snapshot: the read-mostly data every fleet page needs (thresholds,
//! regions with their rollups, the overview, filter choices), built once per
//! fleet and settings version and shared by all requests on this replica.
//!
//! Each request reads both versions (one single-row query) and reuses the
//! snapshot built for them; any write that changes the fleet bumps the fleet
//! version in its own transaction (a settings change, the settings version),
//! so every replica rebuilds on its next request. Region details and trends
//! are filled in lazily, per snapshot.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use crate::fleet::codes::{RegionCode, SkuCode};
use crate::fleet::ledger::Thresholds;
use crate::fleet::types::{
    FilterOptions, FleetSummary, Region, RegionDetail, RegionSku, Sku, TrendSeries,
};
use crate::settings::Settings;

/// The versions a snapshot was built at.
pub use crate::shared::seen::Versions;

/// One version's fleet data.
pub struct Snapshot {
    pub version: Versions,
    pub thresholds: Thresholds,
    pub regions: Vec<Region>,
    pub summary: FleetSummary,
    pub options: FilterOptions,
    /// The settings the snapshot was built with (its thresholds come from them).
    pub settings: Arc<Settings>,
    pub(super) region_details: Mutex<HashMap<String, Arc<RegionDetail>>>,
    pub(super) trends: Mutex<HashMap<(String, String), Arc<TrendSeries>>>,
    /// A region's year of daily used units per SKU, for its forecast charts
    /// (read by the forecast, `forecast::server::service::inputs`).
    region_years: Mutex<HashMap<String, Arc<UsedBySku>>>,
    /// How many clusters each cluster-list filter matches (a COUNT over the
    /// fleet is the cost of "N clusters · page n of m"), at most `MAX_COUNTS`.
    pub(super) counts: Mutex<HashMap<String, i64>>,
    /// Free units per zone of a region × SKU (the zone outlook of the request
    /// pages and the inbox), at most `MAX_COUNTS` pairs.
    zone_frees: Mutex<HashMap<(String, String), Arc<ZoneFrees>>>,
    /// Other answers that follow from the fleet alone (`kept`), by key, at
    /// most `MAX_COUNTS`.
    kept: Mutex<HashMap<String, Arc<dyn std::any::Any + Send + Sync>>>,
    /// The forecast's trends, fitted on the history once per fleet version
    /// (held while fitting: callers at once wait for one fit).
    forecast: tokio::sync::Mutex<Option<Arc<crate::forecast::server::Trends>>>,
    /// The fleet-wide default forecast and when it was made (held while
    /// making it, likewise).
    fleetwide_forecast:
        tokio::sync::Mutex<Option<(std::time::Instant, Arc<crate::forecast::server::Fleetwide>)>>,
}

/// (zone, free units) of a region × SKU, by zone.
pub type ZoneFrees = Vec<(i64, i64)>;

/// Daily used units by SKU, oldest first.
pub type UsedBySku = HashMap<String, Vec<i64>>;

/// The most filter counts one snapshot keeps (each is a short key and a number).
const MAX_COUNTS: usize = 4_096;

impl Snapshot {
    pub fn new(
        version: Versions,
        regions: Vec<Region>,
        summary: FleetSummary,
        options: FilterOptions,
        settings: Arc<Settings>,
    ) -> Self {
        let thresholds = settings.thresholds;
        Snapshot {
            version,
            thresholds,
            regions,
            summary,
            options,
            settings,
            region_details: Mutex::default(),
            trends: Mutex::default(),
            region_years: Mutex::default(),
            counts: Mutex::default(),
            zone_frees: Mutex::default(),
            kept: Mutex::default(),
            forecast: tokio::sync::Mutex::default(),
            fleetwide_forecast: tokio::sync::Mutex::default(),
        }
    }

    pub fn region(&self, code: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.code == code)
    }

    /// A SKU of the catalogue (offered in some region or none), by its code.
    pub fn sku(&self, code: &SkuCode) -> Option<&Sku> {
        self.options.skus.iter().find(|s| s.code == code.as_str())
    }

    /// The region × SKU pair, if the region offers the SKU.
    pub fn pair(&self, region: &RegionCode, sku: &SkuCode) -> Option<&RegionSku> {
        self.region(region.as_str())?
            .skus
            .iter()
            .find(|s| s.sku == sku.as_str())
    }

    pub(super) fn cached_region_detail(&self, code: &str) -> Option<Arc<RegionDetail>> {
        self.region_details.lock().ok()?.get(code).cloned()
    }

    pub(super) fn cache_region_detail(&self, code: &str, detail: Arc<RegionDetail>) {
        if let Ok(mut map) = self.region_details.lock() {
            map.insert(code.to_owned(), detail);
        }
    }

    /// The region's year of used units kept for this fleet version, or
    /// `read` run and kept.
    pub async fn region_year(
        &self,
        code: &str,
        read: impl std::future::Future<Output = Result<UsedBySku, sqlx::Error>>,
    ) -> crate::error::AppResult<Arc<UsedBySku>> {
        if let Some(kept) = self
            .region_years
            .lock()
            .ok()
            .and_then(|m| m.get(code).cloned())
        {
            return Ok(kept);
        }
        let year = Arc::new(read.await?);
        if let Ok(mut map) = self.region_years.lock() {
            map.insert(code.to_owned(), year.clone());
        }
        Ok(year)
    }

    /// The count kept under `key` for this fleet version, or `count` run
    /// and kept (a cluster-list filter's total, where a cursor sits).
    pub(super) async fn counted(
        &self,
        key: String,
        count: impl std::future::Future<Output = Result<i64, sqlx::Error>>,
    ) -> crate::error::AppResult<i64> {
        if let Some(n) = self.cached_count(&key) {
            return Ok(n);
        }
        let n = count.await?;
        self.cache_count(&key, n);
        Ok(n)
    }

    /// Free units per zone of the region × SKU kept for this fleet version,
    /// or read and kept: an inbox of requests pinned to zones of many pairs
    /// reads each pair once per fleet version, not once per page.
    pub async fn zone_frees(
        &self,
        db: &crate::db::Db,
        region: &str,
        sku: &str,
    ) -> crate::error::AppResult<Arc<ZoneFrees>> {
        let key = (region.to_owned(), sku.to_owned());
        if let Some(kept) = self
            .zone_frees
            .lock()
            .ok()
            .and_then(|m| m.get(&key).cloned())
        {
            return Ok(kept);
        }
        let frees = Arc::new(super::store::zone_frees(db.pool(), region, sku).await?);
        if let Ok(mut map) = self.zone_frees.lock() {
            if map.len() < MAX_COUNTS {
                map.insert(key, frees.clone());
            }
        }
        Ok(frees)
    }

    /// The answer kept under `key` for this fleet version, or `make` run and
    /// kept: for reads whose answer follows from the fleet and settings alone
    /// (a request's placement preview: where its units would go). The key
    /// names the read and everything it depends on besides the fleet.
    pub async fn kept<T: Send + Sync + 'static>(
        &self,
        key: String,
        make: impl std::future::Future<Output = crate::error::AppResult<T>>,
    ) -> crate::error::AppResult<Arc<T>> {
        let hit = self.kept.lock().ok().and_then(|m| m.get(&key).cloned());
        if let Some(kept) = hit.and_then(|v| v.downcast::<T>().ok()) {
            return Ok(kept);
        }
        let made = Arc::new(make.await?);
        if let Ok(mut map) = self.kept.lock() {
            if map.len() < MAX_COUNTS {
                map.insert(key, made.clone());
            }
        }
        Ok(made)
    }

    /// The forecast's trends kept for this fleet version, or `fit` run and
    /// kept; callers at once wait for the first one's fit.
    pub async fn forecast_trends(
        &self,
        fit: impl std::future::Future<Output = Result<crate::forecast::server::Trends, sqlx::Error>>,
    ) -> crate::error::AppResult<Arc<crate::forecast::server::Trends>> {
        let mut kept = self.forecast.lock().await;
        if let Some(trends) = kept.as_ref() {
            return Ok(trends.clone());
        }
        let trends = Arc::new(fit.await?);
        *kept = Some(trends.clone());
        Ok(trends)
    }

    /// The fleet-wide default forecast made less than `ttl` ago, or `make`
    /// run and kept; callers at once wait for the first one's.
    pub async fn fleetwide_forecast(
        &self,
        ttl: std::time::Duration,
        make: impl std::future::Future<
            Output = crate::error::AppResult<crate::forecast::server::Fleetwide>,
        >,
    ) -> crate::error::AppResult<Arc<crate::forecast::server::Fleetwide>> {
        let mut kept = self.fleetwide_forecast.lock().await;
        if let Some((_, f)) = kept.as_ref().filter(|(at, _)| at.elapsed() < ttl) {
            return Ok(f.clone());
        }
        let made = Arc::new(make.await?);
        *kept = Some((std::time::Instant::now(), made.clone()));
        Ok(made)
    }

    fn cached_count(&self, filter: &str) -> Option<i64> {
        self.counts.lock().ok()?.get(filter).copied()
    }

    fn cache_count(&self, filter: &str, n: i64) {
        if let Ok(mut map) = self.counts.lock() {
            if map.len() >= MAX_COUNTS {
                map.clear();
            }
            map.insert(filter.to_owned(), n);
        }
    }

    pub(super) fn cached_trend(&self, region: &str, sku: &str) -> Option<Arc<TrendSeries>> {
        self.trends
            .lock()
            .ok()?
            .get(&(region.to_owned(), sku.to_owned()))
            .cloned()
    }

    pub(super) fn cache_trend(&self, region: &str, sku: &str, trend: Arc<TrendSeries>) {
        if let Ok(mut map) = self.trends.lock() {
            map.insert((region.to_owned(), sku.to_owned()), trend);
        }
    }
}

/// The snapshot slot of one replica (kept in `Db`).
#[derive(Default)]
pub struct FleetCache {
    current: RwLock<Option<Arc<Snapshot>>>,
    /// Held while rebuilding, so a crowd of requests rebuilds once.
    pub(super) rebuild: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for FleetCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FleetCache")
    }
}

impl FleetCache {
    /// The snapshot of `version` or a newer one, if this replica has it (a
    /// request whose versions were read a moment ago may be answered from
    /// newer data, never from older).
    pub fn get(&self, version: Versions) -> Option<Arc<Snapshot>> {
        let slot = self.current.read().ok()?;
        slot.as_ref().filter(|s| s.version.covers(version)).cloned()
    }

    /// The newest snapshot this replica has, whatever its version.
    pub fn latest(&self) -> Option<Arc<Snapshot>> {
        self.current.read().ok()?.clone()
    }

    /// Keeps `snapshot`, unless the one kept is newer (a slow rebuild of an
    /// older version never replaces it).
    pub fn put(&self, snapshot: Arc<Snapshot>) {
        if let Ok(mut slot) = self.current.write() {
            let newer = slot.as_ref().is_some_and(|s| {
                s.version != snapshot.version && s.version.covers(snapshot.version)
            });
            if !newer {
                *slot = Some(snapshot);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(fleet: i64, settings: i64) -> Arc<Snapshot> {
        let kept = Arc::new(Settings::default());
        let summary = super::super::summary::summarize(&[], kept.thresholds, String::new());
        let options = FilterOptions {
            regions: Vec::new(),
            skus: Vec::new(),
        };
        let version = Versions { fleet, settings };
        Arc::new(Snapshot::new(version, Vec::new(), summary, options, kept))
    }

    fn v(fleet: i64, settings: i64) -> Versions {
        Versions { fleet, settings }
    }

    #[test]
    fn a_read_gets_its_versions_or_newer_never_older() {
        let cache = FleetCache::default();
        cache.put(at(5, 2));
        assert_eq!(cache.get(v(5, 2)).map(|s| s.version), Some(v(5, 2)));
        // A request that read its versions a moment before a change.
        assert_eq!(cache.get(v(4, 2)).map(|s| s.version), Some(v(5, 2)));
        assert_eq!(cache.get(v(5, 1)).map(|s| s.version), Some(v(5, 2)));
        // A request that saw a later change gets nothing kept: it rebuilds.
        assert!(cache.get(v(6, 2)).is_none());
        assert!(cache.get(v(5, 3)).is_none());
    }

    #[test]
    fn a_slow_rebuild_of_older_versions_never_replaces_a_newer_snapshot() {
        let cache = FleetCache::default();
        cache.put(at(5, 2));
        cache.put(at(4, 2));
        cache.put(at(5, 1));
        assert_eq!(cache.latest().map(|s| s.version), Some(v(5, 2)));
        cache.put(at(6, 2));
        assert_eq!(cache.latest().map(|s| s.version), Some(v(6, 2)));
        // The same versions rebuilt: kept (either is as new as the other).
        cache.put(at(6, 2));
        assert_eq!(cache.latest().map(|s| s.version), Some(v(6, 2)));
    }
}
