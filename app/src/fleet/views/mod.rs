//! What the fleet pages need, and no more: the pages' server functions return
//! these instead of the API's shapes, because everything a page's resources
//! return is also serialized into its HTML for hydration. The overview's grid
//! cells become a percentage and a band instead of whole rollups, and a trend a
//! row of basis points instead of `(date, utilization)` pairs (issue 13: the
//! overview went from 170 KB toward 60). The JSON API keeps the full shapes.

use serde::{Deserialize, Serialize};

use super::ledger::Thresholds;
use super::types::{
    ClusterDetail, FleetSummary, HealthCounts, Region, RegionDetail, RegionSku, TrendSeries,
    UnitTotal,
};
use crate::components::format::tenths_of_percent;

mod rows;
pub use rows::{ClusterLine, GridCell, GridLine, ZoneLine};

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
