//! The scenario's tests: each toggle, the roll-ups, a request's impact and a link.

use super::*;
use crate::forecast::rollup::family_rollups;
use time::macros::date;

const TODAY: Date = date!(2026 - 12 - 01);

fn pair(region: &str, sku: &str, used: i64, serviceable: i64, slope_per_day: i64) -> PairInputs {
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
