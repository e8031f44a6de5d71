//! What the fleet pages and the JSON API show: one set of types for both.

use super::codes::{CapacityUnit, ClusterLifecycle, Family, RegionLifecycle};
use super::ledger::{Health, Ledger, Thresholds};
use serde::{Deserialize, Serialize};

/// One cluster, in the shape of PRODUCT.md "The contract".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Cluster {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub zone: i64,
    pub sku: String,
    pub family: Family,
    pub lifecycle: ClusterLifecycle,
    pub ledger: Ledger,
    pub utilization: f64,
    pub health: Health,
}

impl Cluster {
    /// Fills in the derived `utilization` and `health`.
    #[expect(clippy::too_many_arguments, reason = "a cluster is its stored columns")]
    pub fn new(
        id: i64,
        name: String,
        region: String,
        zone: i64,
        sku: String,
        family: Family,
        lifecycle: ClusterLifecycle,
        ledger: Ledger,
        thresholds: &Thresholds,
    ) -> Self {
        Cluster {
            id,
            name,
            region,
            zone,
            sku,
            family,
            lifecycle,
            utilization: ledger.utilization(),
            health: ledger.health(thresholds),
            ledger,
        }
    }
}

/// A summed ledger with its derived figures, for any group of clusters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Rollup {
    pub ledger: Ledger,
    pub utilization: f64,
    pub health: Health,
    pub clusters: i64,
}

impl Rollup {
    pub fn new(ledger: Ledger, clusters: i64, thresholds: &Thresholds) -> Self {
        Rollup {
            ledger,
            utilization: ledger.utilization(),
            health: ledger.health(thresholds),
            clusters,
        }
    }
}

/// A SKU of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sku {
    pub code: String,
    pub family: Family,
    pub unit: CapacityUnit,
}

/// The capacity of one SKU in one region (the unit policies and the status page use).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RegionSku {
    pub region: String,
    pub sku: String,
    pub family: Family,
    pub unit: CapacityUnit,
    #[serde(flatten)]
    pub rollup: Rollup,
}

/// A region with its health: the worst of its region × SKU bands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Region {
    pub code: String,
    pub name: String,
    pub geography: String,
    pub lifecycle: RegionLifecycle,
    pub health: Health,
    pub clusters: i64,
    /// The region × SKU pairs of this region, most utilized first.
    pub skus: Vec<RegionSku>,
}

/// Totals of one capacity unit across the fleet (vCPU, GPU and TiB never add up together).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UnitTotal {
    pub unit: CapacityUnit,
    #[serde(flatten)]
    pub rollup: Rollup,
}

/// One cell of the overview grid: a region × SKU family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FamilyCell {
    pub family: Family,
    #[serde(flatten)]
    pub rollup: Rollup,
}

/// One row of the overview grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GridRow {
    pub region: String,
    pub name: String,
    pub health: Health,
    /// One cell per family in `Family::ALL` order; `None` where the region has none.
    pub cells: Vec<Option<FamilyCell>>,
}

/// The fleet overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FleetSummary {
    pub regions: i64,
    pub clusters: i64,
    pub thresholds: Thresholds,
    pub totals: Vec<UnitTotal>,
    pub health_counts: HealthCounts,
    pub grid: Vec<GridRow>,
    /// The most utilized region × SKU pairs.
    pub most_constrained: Vec<RegionSku>,
    /// When these figures were read (UTC, RFC 3339): the latest fleet change
    /// or settings change this replica has seen.
    pub as_of: String,
}

/// How many region × SKU pairs sit in each band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HealthCounts {
    pub healthy: i64,
    pub constrained: i64,
    pub critical: i64,
}

/// A region's ledger by zone × SKU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ZoneSku {
    pub zone: i64,
    pub sku: String,
    pub family: Family,
    pub unit: CapacityUnit,
    #[serde(flatten)]
    pub rollup: Rollup,
}

/// A daily utilization series for a trend chart; `points` are (day, utilization).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TrendSeries {
    pub label: String,
    pub points: Vec<(String, f64)>,
}

/// Everything the region page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RegionDetail {
    pub region: Region,
    pub zones: Vec<ZoneSku>,
    pub trend: Vec<TrendSeries>,
    pub thresholds: Thresholds,
}

/// Everything the cluster page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterDetail {
    pub cluster: Cluster,
    pub unit: CapacityUnit,
    pub region_name: String,
    pub trend: TrendSeries,
    pub thresholds: Thresholds,
    /// Reserved units imports hold on it (no request holds them).
    pub import_holds: Vec<super::import::ImportHold>,
}

/// Choices for the cluster filter form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterOptions {
    pub regions: Vec<(String, String)>,
    pub skus: Vec<Sku>,
}

/// A region × SKU's headroom as the new-request form shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadroomNow {
    pub region: String,
    pub sku: String,
    /// `None` where the region does not offer the SKU.
    pub pair: Option<RegionSku>,
    /// The bands' thresholds, to show the band after a request.
    pub thresholds: crate::fleet::ledger::Thresholds,
    /// Other regions offering the SKU, most free (placeable) units first: (region, free).
    pub elsewhere: Vec<(String, i64)>,
    /// This region's free (placeable) units of the SKU per zone: (zone, free), by zone.
    pub zones: Vec<(i64, i64)>,
}
