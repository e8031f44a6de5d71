//! The fleet overview assembled from the regions of a snapshot: totals per
//! unit, the region × family grid, the band counts, the hot spots. Pure: the
//! snapshot builds it once per fleet and settings version.

use std::collections::BTreeMap;

use crate::fleet::codes::{CapacityUnit, Family};
use crate::fleet::ledger::{Health, Ledger, Thresholds};
use crate::fleet::types::*;

/// How many region × SKU pairs the overview lists as most constrained.
const MOST_CONSTRAINED: usize = 12;

/// Assembles the overview from the regions.
pub(super) fn summarize(regions: &[Region], t: Thresholds, as_of: String) -> FleetSummary {
    let mut totals: BTreeMap<CapacityUnit, (Ledger, i64)> = BTreeMap::new();
    let mut counts = HealthCounts::default();
    let mut all_pairs = Vec::new();
    let mut grid = Vec::with_capacity(regions.len());
    for region in regions {
        let mut cells: Vec<Option<(Ledger, i64)>> = vec![None; Family::ALL.len()];
        for s in &region.skus {
            let entry = totals.entry(s.unit).or_default();
            entry.0 = entry.0.plus(s.rollup.ledger);
            entry.1 += s.rollup.clusters;
            let i = Family::ALL.iter().position(|f| *f == s.family).unwrap_or(0);
            let cell = cells[i].get_or_insert_with(Default::default);
            cell.0 = cell.0.plus(s.rollup.ledger);
            cell.1 += s.rollup.clusters;
            match s.rollup.health {
                Health::Healthy => counts.healthy += 1,
                Health::Constrained => counts.constrained += 1,
                Health::Critical => counts.critical += 1,
            }
            all_pairs.push(s.clone());
        }
        grid.push(GridRow {
            region: region.code.clone(),
            name: region.name.clone(),
            health: region.health,
            cells: cells
                .into_iter()
                .zip(Family::ALL)
                .map(|(c, f)| {
                    c.map(|(ledger, n)| FamilyCell {
                        family: *f,
                        rollup: Rollup::new(ledger, n, &t),
                    })
                })
                .collect(),
        });
    }
    all_pairs.sort_by(|a, b| b.rollup.utilization.total_cmp(&a.rollup.utilization));
    all_pairs.truncate(MOST_CONSTRAINED);
    FleetSummary {
        regions: regions.len() as i64,
        clusters: regions.iter().map(|r| r.clusters).sum(),
        thresholds: t,
        totals: totals
            .into_iter()
            .map(|(unit, (ledger, n))| UnitTotal {
                unit,
                rollup: Rollup::new(ledger, n, &t),
            })
            .collect(),
        health_counts: counts,
        grid,
        most_constrained: all_pairs,
        as_of,
    }
}
