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
    /// Daily used units, oldest first (the last is yesterday's or today's
    /// sample), for the charts: a year of them when one region is asked
    /// for, else the window the trend was fitted on.
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
mod tests {
    use super::*;
    use crate::forecast::rollup::family_rollups;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 01);

    fn pair(
        region: &str,
        sku: &str,
        used: i64,
        serviceable: i64,
        slope_per_day: i64,
    ) -> PairInputs {
        let history: Vec<i64> = (0..90).map(|d| used - slope_per_day * (89 - d)).collect();
        PairInputs {
            region: region.into(),
            sku: sku.into(),
            family: Family::General,
            unit: CapacityUnit::Vcpu,
            used,
            serviceable,
            trend: Trend::fit(&history),
            history,
            supply: vec![Step {
                on: TODAY + time::Duration::days(50),
                units: 500,
            }],
            waiting: vec![Step {
                on: TODAY + time::Duration::days(10),
                units: 100,
            }],
            pending: vec![Step {
                on: TODAY + time::Duration::days(5),
                units: 200,
            }],
            members: 1,
        }
    }

    fn inputs() -> Inputs {
        let mut i = Inputs {
            today: TODAY,
            thresholds: Thresholds {
                constrained_bp: 7_500,
                critical_bp: 9_000,
            },
            pairs: vec![
                pair("westus2", "Dv5", 545, 1_000, 5),
                pair("eastus", "Dv5", 100, 1_000, 0),
                pair("westus2", "Ev5", 900, 1_000, 1),
            ],
            families: Vec::new(),
        };
        i.families = family_rollups(&i.pairs);
        i
    }

    fn days(d: &Option<String>) -> Option<i64> {
        d.as_deref()
            .and_then(crate::shared::time::parse_day)
            .map(|d| (d - TODAY).whole_days())
    }

    fn q(pairs: &[(&str, &str)]) -> ForecastQuery {
        ForecastQuery::parse(pairs.iter().copied()).unwrap()
    }

    #[test]
    fn each_toggle_moves_the_date_as_the_units_say() {
        let i = inputs();
        let westus2_dv5 = |query: ForecastQuery| {
            let f = forecast(&i, &query);
            assert_eq!(f.items.len(), 1);
            days(&f.items[0].exhaustion_date)
        };
        let base = [("region", "westus2"), ("sku", "Dv5")];
        // 545 + 5/day + 100 waiting from day 10 stays under 1,000 until the
        // buildout's +500 lands on day 50; 645 + 5d reaches 1,500 on day 171.
        assert_eq!(westus2_dv5(q(&base)), Some(171));
        // Pending 200 from day 5: 1,000 on day 31.
        let pending = [&base[..], &[("include_pending", "true")]].concat();
        assert_eq!(westus2_dv5(q(&pending)), Some(31));
        // Growth ×0.5: 2.5/day; 645 + 2.5d reaches 1,500 on day 342.
        let slower = [&base[..], &[("growth", "0.5")]].concat();
        assert_eq!(westus2_dv5(q(&slower)), Some(342));
        // Without the buildout, slower growth runs out at 545 + 100 + 2.5d = 1,000 → 142.
        let unbuilt = [&slower[..], &[("buildouts", "false")]].concat();
        assert_eq!(westus2_dv5(q(&unbuilt)), Some(142));
        // 300 more units from day 20 (hypothetical): 945 + 5d ≥ 1,000 → day 20 at
        // the latest: 545 + 100 + 300 + 100 = 1,045 ≥ 1,000 on day 20.
        let demand = [
            &base[..],
            &[("demand_units", "300"), ("demand_on", "2026-12-21")],
        ]
        .concat();
        assert_eq!(westus2_dv5(q(&demand)), Some(20));
        // A hypothetical 1,000-unit buildout today: 2,500 in service from day
        // 50, reached by 645 + 5d on day 371, beyond the horizon.
        let built = [&base[..], &[("buildout_units", "1000")]].concat();
        assert_eq!(westus2_dv5(q(&built)), None);
    }

    #[test]
    fn the_forecast_selects_regions_and_a_sku_and_sorts_soonest_first() {
        let i = inputs();
        let all = forecast(&i, &ForecastQuery::default());
        let order: Vec<_> = all
            .items
            .iter()
            .map(|it| format!("{}/{}", it.region, it.sku))
            .collect();
        // westus2/Ev5 (900 + 1/day + 100 waiting on day 10) runs out first.
        assert_eq!(order, ["westus2/Ev5", "westus2/Dv5", "eastus/Dv5"]);
        assert_eq!(days(&all.items[0].exhaustion_date), Some(10));
        assert_eq!(all.items[2].exhaustion_date, None);
        let dv5 = forecast(&i, &q(&[("sku", "Dv5")]));
        assert_eq!(dv5.items.len(), 2);
        let two = forecast(&i, &q(&[("region", "eastus"), ("region", "westus2")]));
        assert_eq!(two.items.len(), 3);
        let none = forecast(&i, &q(&[("region", "northeurope")]));
        assert!(none.items.is_empty());
    }

    #[test]
    fn a_family_rolls_up_as_the_sum_of_its_skus_and_a_region_as_its_soonest_family() {
        let mut i = inputs();
        // 90 of 100 GPUs in use, flat, 10 waiting from day 10.
        let mut gpu = pair("westus2", "ND96", 90, 100, 0);
        gpu.family = Family::Gpu;
        gpu.unit = CapacityUnit::Gpu;
        gpu.supply.clear();
        gpu.pending.clear();
        gpu.waiting[0].units = 10;
        i.pairs.push(gpu);
        i.families = family_rollups(&i.pairs);
        let f = forecast(&i, &ForecastQuery::default());
        let rows: Vec<_> = f
            .by_family
            .iter()
            .map(|r| (r.region.as_str(), r.family, r.skus, r.used, r.serviceable))
            .collect();
        // GPU runs out first (day 10), then westus2's general SKUs, then eastus's (never).
        assert_eq!(
            rows,
            [
                ("westus2", Family::Gpu, 1, 90, 100),
                ("westus2", Family::General, 2, 1_445, 2_000),
                ("eastus", Family::General, 1, 100, 1_000),
            ]
        );
        let gpu = &f.by_family[0];
        assert_eq!(days(&gpu.critical_date), Some(0));
        assert_eq!(days(&gpu.exhaustion_date), Some(10));
        // westus2 general: 1,445 + 6/day, +200 waiting from day 10, 2,000 in
        // service and 3,000 from day 50: 75 % (1,500) on day 10, 90 % (1,800)
        // on day 26, all of it (1,645 + 6d ≥ 3,000) on day 226.
        let general = &f.by_family[1];
        assert_eq!(days(&general.constrained_date), Some(10));
        assert_eq!(days(&general.critical_date), Some(26));
        assert_eq!(days(&general.exhaustion_date), Some(226));
        assert_eq!(general.growth_per_day, Some(6.0));
        assert_eq!(f.by_family[2].exhaustion_date, None);
        // A region is its soonest family; the order is soonest first.
        let regions: Vec<_> = f
            .by_region
            .iter()
            .map(|r| (r.region.as_str(), r.family, days(&r.exhaustion_date)))
            .collect();
        assert_eq!(
            regions,
            [
                ("westus2", Family::Gpu, Some(10)),
                ("eastus", Family::General, None)
            ]
        );
        // A hypothetical 100 units on day 20 lands on each SKU: 200 on the
        // roll-up, so 1,645 + 6d + 200 ≥ 2,000 on day 26 (not 43 as for 100).
        let extra = forecast(
            &i,
            &q(&[("demand_units", "100"), ("demand_on", "2026-12-21")]),
        );
        let general = extra
            .by_family
            .iter()
            .find(|r| r.region == "westus2" && r.family == Family::General)
            .unwrap();
        assert_eq!(days(&general.exhaustion_date), Some(26));
        // A region asked for narrows the roll-ups too.
        let eastus = forecast(&i, &q(&[("region", "eastus")]));
        assert_eq!(eastus.by_family.len(), 1);
        assert_eq!(eastus.by_region.len(), 1);
    }

    #[test]
    fn approving_a_request_brings_its_dates_forward() {
        let i = inputs();
        let p = &i.pairs[0];
        let (before, after) = p.impact(TODAY, &i.thresholds, &ForecastQuery::default(), 200);
        // 645 + 5d reaches 1,500 on day 171; with 200 more today, 845 + 5d
        // reaches 1,000 on day 31, before the buildout lands.
        assert_eq!(
            before.exhaustion.map(|d| (d - TODAY).whole_days()),
            Some(171)
        );
        assert_eq!(after.exhaustion.map(|d| (d - TODAY).whole_days()), Some(31));
        assert!(after.critical <= before.critical);
    }

    #[test]
    fn a_scenario_survives_its_link() {
        let scenario = q(&[
            ("region", "westus2"),
            ("region", "eastus"),
            ("sku", "Dv5"),
            ("include_pending", "true"),
            ("buildouts", "false"),
            ("growth", "1.5"),
            ("demand_units", "300"),
            ("demand_on", "2027-02-01"),
            ("buildout_units", "800"),
        ]);
        let link = scenario.to_query_string();
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(link.as_bytes())
            .into_owned()
            .collect();
        let back = ForecastQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert_eq!(back.unwrap(), scenario);
        assert_eq!(ForecastQuery::default().to_query_string(), "");
    }
}
