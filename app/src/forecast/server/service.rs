//! The forecast of every region × SKU asked for: the trend kept for this
//! fleet version, today's ledger from the fleet snapshot, capacity to come
//! from the deployments, demand to come from the requests, projected by the
//! pure model.

use std::collections::HashMap;

use time::{Date, Duration};

use super::{store, Trends};
use crate::auth::server::caller::Caller;
use crate::db::Db;
use crate::error::AppResult;
use crate::forecast::model::{Outlook, Step, Trend, HORIZON_DAYS, WINDOW_DAYS};
use crate::forecast::types::{Forecast, ForecastItem, ForecastQuery, METHOD};
use crate::requests::domain::Kind;
use crate::shared::time::{format_day, parse_day};

/// Fits the trend of every region × SKU on the last `WINDOW_DAYS` of history.
async fn fit_all(db: &Db, today: Date) -> Result<Trends, sqlx::Error> {
    let since = format_day(today - Duration::days(WINDOW_DAYS as i64));
    let rows = store::used_since(db.pool(), &since).await?;
    let mut series: HashMap<(String, String), Vec<i64>> = HashMap::new();
    for (region, sku, used) in rows {
        series.entry((region, sku)).or_default().push(used);
    }
    Ok(series
        .into_iter()
        .filter_map(|(pair, used)| Some((pair, Trend::fit(&used)?)))
        .collect())
}

/// Steps by (region, SKU).
type StepsByPair = HashMap<(String, String), Vec<Step>>;

fn push(map: &mut StepsByPair, region: String, sku: String, step: Step) {
    map.entry((region, sku)).or_default().push(step);
}

/// The forecast for `q`, soonest to run out first.
pub async fn forecast(db: &Db, caller: &Caller, q: &ForecastQuery) -> AppResult<Forecast> {
    caller.user()?;
    let today = db.clock().today();
    let snap = crate::fleet::server::service::snapshot(db).await?;
    let trends = snap.forecast_trends(fit_all(db, today)).await?;

    let mut supply = StepsByPair::new();
    for (region, sku, units, eta) in
        crate::deployments::server::views::capacity_to_come(db, caller).await?
    {
        // Without an ETA (paused, say) it lands when it would if resumed now.
        let on = eta.map_or(today, |t| t.date()).max(today);
        push(&mut supply, region, sku, Step { on, units });
    }
    let mut demand = StepsByPair::new();
    for (region, sku, kind, quantity, need_by) in
        store::demand_to_come(db.pool(), q.include_pending).await?
    {
        let on = parse_day(&need_by).unwrap_or(today).max(today);
        let units = match kind {
            Kind::Provision => quantity,
            Kind::Deprovision => -quantity,
        };
        push(&mut demand, region, sku, Step { on, units });
    }

    let day = |d: Option<Date>| d.map(format_day);
    let mut items: Vec<ForecastItem> = snap
        .regions
        .iter()
        .filter(|r| q.region.as_ref().is_none_or(|code| code.as_str() == r.code))
        .flat_map(|r| &r.skus)
        .filter(|s| q.sku.as_ref().is_none_or(|code| code.as_str() == s.sku))
        .map(|s| {
            let pair = (s.region.clone(), s.sku.clone());
            let trend = trends.get(&pair);
            let outlook = Outlook {
                today,
                used: s.rollup.ledger.used(),
                serviceable: s.rollup.ledger.serviceable(),
                supply: supply.remove(&pair).unwrap_or_default(),
                demand: demand.remove(&pair).unwrap_or_default(),
                growth: q.growth,
            };
            let crossed = outlook.crossings(trend, &snap.thresholds);
            ForecastItem {
                region: s.region.clone(),
                sku: s.sku.clone(),
                family: s.family,
                unit: s.unit,
                used: outlook.used,
                serviceable: outlook.serviceable,
                exhaustion_date: day(crossed.exhaustion),
                constrained_date: day(crossed.constrained),
                critical_date: day(crossed.critical),
                method: METHOD.to_owned(),
                growth_per_day: trend.map(|t| t.slope),
                window_days: trend.map_or(0, |t| t.days),
                supply_to_come: outlook.supply.iter().map(|s| s.units).sum(),
                demand_to_come: outlook.demand.iter().map(|s| s.units).sum(),
            }
        })
        .collect();
    // Soonest to run out first; then soonest critical; then by name.
    let key = |d: &Option<String>| (d.is_none(), d.clone());
    items.sort_by(|a, b| {
        (
            key(&a.exhaustion_date),
            key(&a.critical_date),
            &a.region,
            &a.sku,
        )
            .cmp(&(
                key(&b.exhaustion_date),
                key(&b.critical_date),
                &b.region,
                &b.sku,
            ))
    });
    Ok(Forecast {
        items,
        today: format_day(today),
        horizon_days: HORIZON_DAYS,
        include_pending: q.include_pending,
        growth: q.growth,
    })
}
