//! What the fleet pages need, and no more: the pages' server functions return
//! these instead of the API's shapes, because everything a page's resources
//! return is also serialized into its HTML for hydration. The overview's grid
//! cells become a percentage and a band instead of whole rollups, and a trend a
//! row of basis points instead of `(date, utilization)` pairs (issue 13: the
//! overview went from 170 KB toward 60). The JSON API keeps the full shapes.

use serde::{Deserialize, Serialize};

use super::codes::{CapacityUnit, ClusterLifecycle, Family};
use super::ledger::{Health, Ledger, LedgerError, Thresholds};
use super::types::{
    Cluster, ClusterDetail, FleetSummary, HealthCounts, Region, RegionDetail, RegionSku,
    TrendSeries, UnitTotal, ZoneSku,
};
use crate::components::format::tenths_of_percent;

/// The overview page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverviewView {
    pub regions: i64,
    pub clusters: i64,
    pub thresholds: Thresholds,
    pub totals: Vec<UnitTotal>,
    pub health_counts: HealthCounts,
    pub grid: Vec<GridLine>,
    pub most_constrained: Vec<RegionSku>,
    pub as_of: String,
}

/// One row of the overview's grid: a cell per family in `Family::ALL`
/// order, `None` where the region has none. Sent as an array,
/// `["westus2","West US 2",[[823,1],null,…]]`: 64 rows of keys and cells as
/// strings were most of the page's hydration data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "GridWire", into = "GridWire")]
pub struct GridLine {
    pub region: String,
    pub name: String,
    pub cells: Vec<Option<GridCell>>,
}

type GridWire = (String, String, Vec<Option<GridCell>>);

impl From<GridWire> for GridLine {
    fn from((region, name, cells): GridWire) -> Self {
        GridLine {
            region,
            name,
            cells,
        }
    }
}

impl From<GridLine> for GridWire {
    fn from(g: GridLine) -> Self {
        (g.region, g.name, g.cells)
    }
}

/// A grid cell: the utilization in tenths of a percent, as shown (`823` is
/// `82.3%`), and its band. Sent as `[823, 1]`, the band by its place in
/// `Health::ALL`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "(i64, u8)", into = "(i64, u8)")]
pub struct GridCell {
    pub tenths: i64,
    pub health: Health,
}

/// A band as sent: its place in `Health::ALL`.
fn band_of(h: Health) -> u8 {
    Health::ALL.iter().position(|x| *x == h).unwrap_or(0) as u8
}

fn health_of(band: u8) -> Result<Health, &'static str> {
    Health::ALL
        .get(usize::from(band))
        .copied()
        .ok_or("no such health band")
}

/// A ledger as sent: `[total, allocated, reserved, out_of_service]`.
fn ledger_wire(l: Ledger) -> [i64; 4] {
    [l.total(), l.allocated(), l.reserved(), l.out_of_service()]
}

impl TryFrom<(i64, u8)> for GridCell {
    type Error = &'static str;
    fn try_from((tenths, band): (i64, u8)) -> Result<Self, Self::Error> {
        Ok(GridCell {
            tenths,
            health: health_of(band)?,
        })
    }
}

impl From<GridCell> for (i64, u8) {
    fn from(c: GridCell) -> Self {
        (c.tenths, band_of(c.health))
    }
}

impl From<FleetSummary> for OverviewView {
    fn from(s: FleetSummary) -> Self {
        OverviewView {
            regions: s.regions,
            clusters: s.clusters,
            thresholds: s.thresholds,
            totals: s.totals,
            health_counts: s.health_counts,
            grid: s
                .grid
                .into_iter()
                .map(|row| GridLine {
                    region: row.region,
                    name: row.name,
                    cells: row
                        .cells
                        .into_iter()
                        .map(|c| {
                            c.map(|c| GridCell {
                                tenths: tenths_of_percent(c.rollup.utilization),
                                health: c.rollup.health,
                            })
                        })
                        .collect(),
                })
                .collect(),
            most_constrained: s.most_constrained,
            as_of: s.as_of,
        }
    }
}

/// A daily trend as the chart draws it: utilization in basis points, one per
/// day from `first` to `last`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendLine {
    pub label: String,
    pub first: String,
    pub last: String,
    pub bp: Vec<u16>,
}

impl From<TrendSeries> for TrendLine {
    fn from(s: TrendSeries) -> Self {
        TrendLine {
            first: s.points.first().map(|p| p.0.clone()).unwrap_or_default(),
            last: s.points.last().map(|p| p.0.clone()).unwrap_or_default(),
            bp: s
                .points
                .iter()
                .map(|(_, u)| (u.clamp(0.0, 1.0) * 10_000.0).round() as u16)
                .collect(),
            label: s.label,
        }
    }
}

impl TrendLine {
    /// The utilization of slot `i` as a fraction.
    pub fn at(&self, i: usize) -> Option<f64> {
        self.bp.get(i).map(|&b| f64::from(b) / 10_000.0)
    }

    /// The last `days` days of the line (all of it if shorter).
    pub fn last_days(&self, days: usize) -> TrendLine {
        let skip = self.bp.len().saturating_sub(days);
        let first = crate::shared::time::parse_day(&self.first)
            .and_then(|d| d.checked_add(time::Duration::days(skip as i64)))
            .map(crate::shared::time::format_day)
            .unwrap_or_else(|| self.first.clone());
        TrendLine {
            label: self.label.clone(),
            first,
            last: self.last.clone(),
            bp: self.bp[skip..].to_vec(),
        }
    }

    /// The day (YYYY-MM-DD) of slot `i`.
    pub fn day(&self, i: usize) -> String {
        crate::shared::time::parse_day(&self.first)
            .and_then(|d| d.checked_add(time::Duration::days(i as i64)))
            .map(crate::shared::time::format_day)
            .unwrap_or_default()
    }
}

/// One row of a region's zone × SKU table. Sent as an array, not an object:
/// the keys of 64 rows were half the table's hydration data. Its utilization
/// and health follow from the ledger and the region's thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ZoneWire", into = "ZoneWire")]
pub struct ZoneLine {
    pub zone: i64,
    pub sku: String,
    pub family: Family,
    pub unit: CapacityUnit,
    pub clusters: i64,
    pub ledger: Ledger,
}

/// A `ZoneLine` as sent: `[zone, sku, family, unit, clusters, [total,
/// allocated, reserved, out_of_service]]`.
type ZoneWire = (i64, String, Family, CapacityUnit, i64, [i64; 4]);

impl TryFrom<ZoneWire> for ZoneLine {
    type Error = LedgerError;
    fn try_from((zone, sku, family, unit, clusters, l): ZoneWire) -> Result<Self, Self::Error> {
        Ok(ZoneLine {
            ledger: Ledger::parse(l[0], l[1], l[2], l[3])?,
            zone,
            sku,
            family,
            unit,
            clusters,
        })
    }
}

impl From<ZoneLine> for ZoneWire {
    fn from(z: ZoneLine) -> Self {
        let ledger = ledger_wire(z.ledger);
        (z.zone, z.sku, z.family, z.unit, z.clusters, ledger)
    }
}

/// One row of the cluster list page. Sent as an array, `[81642, "name",
/// "region", 1, "Dasv5", "in_service", [total, allocated, reserved,
/// out_of_service], 755, 1]` (utilization in tenths of a percent, the band by
/// its place in `Health::ALL`): the API's `Cluster` objects were ~400 bytes a
/// row of the page's hydration data, this is about a third.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ClusterWire", into = "ClusterWire")]
pub struct ClusterLine {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub zone: i64,
    pub sku: String,
    pub lifecycle: ClusterLifecycle,
    pub ledger: Ledger,
    pub tenths: i64,
    pub health: Health,
}

type ClusterWire = (
    i64,
    String,
    String,
    i64,
    String,
    ClusterLifecycle,
    [i64; 4],
    i64,
    u8,
);

impl TryFrom<ClusterWire> for ClusterLine {
    type Error = String;
    fn try_from(w: ClusterWire) -> Result<Self, Self::Error> {
        let (id, name, region, zone, sku, lifecycle, l, tenths, band) = w;
        Ok(ClusterLine {
            ledger: Ledger::parse(l[0], l[1], l[2], l[3]).map_err(|e| e.to_string())?,
            health: health_of(band)?,
            id,
            name,
            region,
            zone,
            sku,
            lifecycle,
            tenths,
        })
    }
}

impl From<ClusterLine> for ClusterWire {
    fn from(c: ClusterLine) -> Self {
        let (ledger, band) = (ledger_wire(c.ledger), band_of(c.health));
        (
            c.id,
            c.name,
            c.region,
            c.zone,
            c.sku,
            c.lifecycle,
            ledger,
            c.tenths,
            band,
        )
    }
}

impl From<Cluster> for ClusterLine {
    fn from(c: Cluster) -> Self {
        ClusterLine {
            tenths: tenths_of_percent(c.utilization),
            id: c.id,
            name: c.name,
            region: c.region,
            zone: c.zone,
            sku: c.sku,
            lifecycle: c.lifecycle,
            ledger: c.ledger,
            health: c.health,
        }
    }
}

impl From<ZoneSku> for ZoneLine {
    fn from(z: ZoneSku) -> Self {
        ZoneLine {
            zone: z.zone,
            sku: z.sku,
            family: z.family,
            unit: z.unit,
            clusters: z.rollup.clusters,
            ledger: z.rollup.ledger,
        }
    }
}

/// The region page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionView {
    pub region: Region,
    pub zones: Vec<ZoneLine>,
    pub trend: Vec<TrendLine>,
    pub thresholds: Thresholds,
}

impl From<RegionDetail> for RegionView {
    fn from(d: RegionDetail) -> Self {
        RegionView {
            // The page lists zones, not the region's SKU rollups.
            region: Region {
                skus: Vec::new(),
                ..d.region
            },
            zones: d.zones.into_iter().map(ZoneLine::from).collect(),
            trend: d.trend.into_iter().map(TrendLine::from).collect(),
            thresholds: d.thresholds,
        }
    }
}

/// The cluster page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterView {
    pub cluster: super::types::Cluster,
    pub unit: super::codes::CapacityUnit,
    pub region_name: String,
    pub trend: TrendLine,
    pub thresholds: Thresholds,
    pub import_holds: Vec<super::import::ImportHold>,
}

impl From<ClusterDetail> for ClusterView {
    fn from(d: ClusterDetail) -> Self {
        ClusterView {
            cluster: d.cluster,
            unit: d.unit,
            region_name: d.region_name,
            trend: d.trend.into(),
            thresholds: d.thresholds,
            import_holds: d.import_holds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_row_goes_as_an_array_and_comes_back_whole() {
        let line = ClusterLine::from(Cluster {
            id: 81642,
            name: "westus2-az1-dv5-001".into(),
            region: "westus2".into(),
            zone: 1,
            sku: "Dv5".into(),
            family: Family::General,
            lifecycle: ClusterLifecycle::Maintenance,
            ledger: Ledger::parse(1000, 600, 50, 100).unwrap(),
            utilization: 0.722_22,
            health: Health::Healthy,
        });
        let json = serde_json::to_string(&line).unwrap();
        assert_eq!(
            json,
            r#"[81642,"westus2-az1-dv5-001","westus2",1,"Dv5","maintenance",[1000,600,50,100],722,0]"#
        );
        assert_eq!(serde_json::from_str::<ClusterLine>(&json).unwrap(), line);
        // What does not make a ledger or a band is refused, not shown.
        assert!(serde_json::from_str::<ClusterLine>(
            r#"[1,"a","b",1,"c","in_service",[10,20,0,0],0,0]"#
        )
        .is_err());
        assert!(serde_json::from_str::<ClusterLine>(
            r#"[1,"a","b",1,"c","in_service",[10,2,0,0],0,9]"#
        )
        .is_err());
    }

    #[test]
    fn a_trend_keeps_its_dates_and_its_values_to_a_basis_point() {
        let s = TrendSeries {
            label: "general".into(),
            points: vec![
                ("2026-01-01".into(), 0.0),
                ("2026-01-02".into(), 0.823_449),
                ("2026-01-03".into(), 1.0),
                ("2026-01-04".into(), 1.7),
            ],
        };
        let t = TrendLine::from(s);
        assert_eq!(t.label, "general");
        assert_eq!(
            (t.first.as_str(), t.last.as_str()),
            ("2026-01-01", "2026-01-04")
        );
        assert_eq!(t.bp, vec![0, 8234, 10_000, 10_000]);
        assert_eq!(t.at(1), Some(0.8234));
        assert_eq!(t.at(4), None);
        let empty = TrendLine::from(TrendSeries {
            label: "x".into(),
            points: vec![],
        });
        assert!(empty.bp.is_empty() && empty.first.is_empty());
    }

    #[test]
    fn a_grid_row_goes_as_arrays_and_comes_back_whole() {
        let cell = |tenths, health| Some(GridCell { tenths, health });
        let line = GridLine {
            region: "westus2".into(),
            name: "West US 2".into(),
            cells: vec![
                cell(823, Health::Constrained),
                None,
                cell(1000, Health::Critical),
            ],
        };
        let json = serde_json::to_string(&line).unwrap();
        assert_eq!(json, r#"["westus2","West US 2",[[823,1],null,[1000,2]]]"#);
        assert_eq!(serde_json::from_str::<GridLine>(&json).unwrap(), line);
        assert!(
            serde_json::from_str::<GridCell>("[823,3]").is_err(),
            "three bands only"
        );
    }

    #[test]
    fn a_zone_row_goes_as_an_array_and_comes_back_whole() {
        let line = ZoneLine {
            zone: 2,
            sku: "D4s_v5".into(),
            family: Family::General,
            unit: CapacityUnit::Vcpu,
            clusters: 12,
            ledger: Ledger::parse(1_000, 600, 100, 50).unwrap(),
        };
        let json = serde_json::to_string(&line).unwrap();
        assert_eq!(
            json,
            r#"[2,"D4s_v5","general","vCPU",12,[1000,600,100,50]]"#
        );
        assert_eq!(serde_json::from_str::<ZoneLine>(&json).unwrap(), line);
        // An overcommitted ledger is refused on the way in, as anywhere.
        let bad = r#"[2,"D4s_v5","general","vCPU",12,[10,6,6,0]]"#;
        assert!(serde_json::from_str::<ZoneLine>(bad).is_err());
    }

    #[test]
    fn a_trend_cut_to_its_last_days_keeps_its_dates() {
        let t = TrendLine {
            label: "gpu".into(),
            first: "2026-01-30".into(),
            last: "2026-02-03".into(),
            bp: vec![1, 2, 3, 4, 5],
        };
        let cut = t.last_days(2);
        assert_eq!(
            (cut.first.as_str(), cut.last.as_str(), cut.bp.as_slice()),
            ("2026-02-02", "2026-02-03", &[4u16, 5][..])
        );
        assert_eq!(t.last_days(30), t, "shorter than asked: all of it");
        assert_eq!(t.day(2), "2026-02-01");
        assert_eq!(cut.day(0), "2026-02-02");
    }
}
