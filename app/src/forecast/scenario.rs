//! A scenario: the inputs of each region × SKU, read once on the server, with
//! the what-if toggles applied, and the forecast that results. Pure, so the
//! browser re-runs it the moment a toggle changes, and the server runs the
//! same code for the API and for a page without scripts.

use serde::{Deserialize, Serialize};
use time::Date;

use super::model::{Crossings, Outlook, Step, Trend};
use super::types::{
    Extra, FamilyRollup, Forecast, ForecastItem, ForecastQuery, RegionRollup, METHOD,
};
use crate::fleet::codes::{CapacityUnit, Family};
use crate::fleet::ledger::Thresholds;
use crate::shared::time::format_day;

/// What the projection of one region × SKU starts from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairInputs {
    pub region: String,
    pub sku: String,
    pub family: Family,
    pub unit: CapacityUnit,
    /// Units in use or promised today, and in service today.
    pub used: i64,
    pub serviceable: i64,
    /// The organic trend (`None` without a week of history).
    pub trend: Option<Trend>,
    /// Used units, oldest first (the last is yesterday's or today's
    /// sample), for the charts: the window the trend was fitted on, daily;
    /// a region × family roll-up of one region carries a year, the days
    /// before the window thinned (`history::thin_history`).
    pub history: Vec<i64>,
    /// Buildouts (`+`) and decommissions (`−`) at their ETA.
    pub supply: Vec<Step>,
    /// Requests waiting for capacity, at their need-by dates.
    pub waiting: Vec<Step>,
    /// Submitted requests at their need-by dates (counted with `include_pending`).
    pub pending: Vec<Step>,
    /// The region × SKU pairs summed in (1 for a pair; a region × family
    /// roll-up's count of SKUs): a what-if's extra applies to each of them.
    #[serde(default = "one")]
    pub members: i64,
}

fn one() -> i64 {
    1
}

/// The inputs of the pairs a page or a call asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inputs {
    /// The day projections start from (UTC).
    pub today: Date,
    pub thresholds: Thresholds,
    pub pairs: Vec<PairInputs>,
    /// The region × family roll-ups of every pair selected (`family_rollups`),
    /// complete even where `pairs` is cut short for a page.
    #[serde(default)]
    pub families: Vec<PairInputs>,
}

/// A what-if's extra on `members` pairs at once.
fn extra_step(today: Date, extra: &Option<Extra>, members: i64) -> Option<Step> {
    extra.map(|e| Step {
        on: e.on.unwrap_or(today).max(today),
        units: e.units.saturating_mul(members),
    })
}

impl PairInputs {
    /// The projection's starting point under the scenario `q`.
    pub fn outlook(&self, today: Date, q: &ForecastQuery) -> Outlook {
        let mut supply: Vec<Step> = if q.buildouts {
            self.supply.clone()
        } else {
            Vec::new()
        };
        supply.extend(extra_step(today, &q.extra_buildout, self.members));
        let mut demand = self.waiting.clone();
        if q.include_pending {
            demand.extend(self.pending.iter().copied());
        }
        demand.extend(extra_step(today, &q.extra_demand, self.members));
        Outlook {
            today,
            used: self.used,
            serviceable: self.serviceable,
            supply,
            demand,
            growth: q.growth,
        }
    }

    /// The crossings under `q`, and under `q` with `units` more demand from
    /// today (what approving a request of that many units does: its units are
    /// reserved at once).
    pub fn impact(
        &self,
        today: Date,
        thresholds: &Thresholds,
        q: &ForecastQuery,
        units: i64,
    ) -> (Crossings, Crossings) {
        let before = self.outlook(today, q);
        let mut after = before.clone();
        after.demand.push(Step { on: today, units });
        let trend = self.trend.as_ref();
        (
            before.crossings(trend, thresholds),
            after.crossings(trend, thresholds),
        )
    }
}

/// One pair's forecast under `q`.
pub fn item(inputs: &Inputs, pair: &PairInputs, q: &ForecastQuery) -> ForecastItem {
    let outlook = pair.outlook(inputs.today, q);
    let trend = pair.trend.as_ref();
    let crossed = outlook.crossings(trend, &inputs.thresholds);
    let day = |d: Option<Date>| d.map(format_day);
    ForecastItem {
        region: pair.region.clone(),
        sku: pair.sku.clone(),
        family: pair.family,
        unit: pair.unit,
        used: pair.used,
        serviceable: pair.serviceable,
        exhaustion_date: day(crossed.exhaustion),
        constrained_date: day(crossed.constrained),
        critical_date: day(crossed.critical),
        method: METHOD.to_owned(),
        growth_per_day: trend.map(|t| t.slope),
        window_days: trend.map_or(0, |t| t.days),
        supply_to_come: outlook.supply.iter().map(|s| s.units).sum(),
        demand_to_come: outlook.demand.iter().map(|s| s.units).sum(),
    }
}

/// The forecast of the pairs `q` selects, soonest to run out first, then
/// soonest critical, then by name; and their roll-ups per region × family
/// and per region.
pub fn forecast(inputs: &Inputs, q: &ForecastQuery) -> Forecast {
    let mut items: Vec<ForecastItem> = inputs
        .pairs
        .iter()
        .filter(|p| q.selects(&p.region, &p.sku))
        .map(|p| item(inputs, p, q))
        .collect();
    sort_soonest_first(&mut items);
    // The roll-ups were summed from the selected pairs, SKU filter and all.
    let mut by_family: Vec<FamilyRollup> = inputs
        .families
        .iter()
        .filter(|f| q.selects_region(&f.region))
        .map(|f| FamilyRollup::from_item(item(inputs, f, q), f.members))
        .collect();
    by_family.sort_by_cached_key(|f| {
        (
            soonest(&f.exhaustion_date, &f.critical_date, &f.constrained_date),
            f.region.clone(),
            f.family,
        )
    });
    let mut by_region: Vec<RegionRollup> = Vec::new();
    for f in &by_family {
        if !by_region.iter().any(|r| r.region == f.region) {
            by_region.push(RegionRollup {
                region: f.region.clone(),
                family: f.family,
                exhaustion_date: f.exhaustion_date.clone(),
                constrained_date: f.constrained_date.clone(),
                critical_date: f.critical_date.clone(),
            });
        }
    }
    Forecast {
        items,
        by_family,
        by_region,
        today: format_day(inputs.today),
        horizon_days: super::model::HORIZON_DAYS,
        include_pending: q.include_pending,
        growth: q.growth,
    }
}

/// A sort key: soonest to run out first, then soonest critical, then
/// soonest constrained; `None` (not within the horizon) after every date.
type Soonest = [(bool, Option<String>); 3];

fn soonest(
    exhaustion: &Option<String>,
    critical: &Option<String>,
    constrained: &Option<String>,
) -> Soonest {
    let key = |d: &Option<String>| (d.is_none(), d.clone());
    [key(exhaustion), key(critical), key(constrained)]
}

/// Orders items soonest to run out first; then soonest critical, then
/// soonest constrained; then by region and SKU.
pub fn sort_soonest_first(items: &mut [ForecastItem]) {
    items.sort_by_cached_key(|i| {
        (
            soonest(&i.exhaustion_date, &i.critical_date, &i.constrained_date),
            i.region.clone(),
            i.sku.clone(),
        )
    });
}

#[cfg(test)]
#[path = "scenario_tests.rs"]
mod tests;
