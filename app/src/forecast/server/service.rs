//! The forecast of every region × SKU asked for: the trend kept for this
//! fleet version, today's ledger from the fleet snapshot, capacity to come
//! from the deployments, demand to come from the requests, projected by the
//! pure model.

use std::collections::HashMap;

use time::{Date, Duration};

use super::{store, Fitted, Fleetwide, Trends};
use crate::auth::server::caller::Caller;
use crate::db::Db;
use crate::error::AppResult;
use crate::forecast::model::{Step, Trend, WINDOW_DAYS};
use crate::forecast::scenario::{self, Inputs, PairInputs};
use crate::forecast::types::{Forecast, ForecastQuery};
use crate::requests::domain::{Kind, State};
use crate::shared::time::{format_day, parse_day};

/// Daily samples of used units a region's forecast charts show, today's
/// included: a year, carried on into the forecast.
const YEAR_DAYS: i64 = 365;

/// Fits the trend of every region × SKU on the last `WINDOW_DAYS` of history.
async fn fit_all(db: &Db, today: Date) -> Result<Trends, sqlx::Error> {
    let since = format_day(today - Duration::days(WINDOW_DAYS as i64));
    Ok(store::used_since(db.pool(), &since)
        .await?
        .into_iter()
        .map(|(pair, history)| {
            let fitted = Fitted {
                trend: Trend::fit(&history),
                history,
            };
            (pair, fitted)
        })
        .collect())
}

/// Steps by (region, SKU).
type StepsByPair = HashMap<(String, String), Vec<Step>>;

fn push(map: &mut StepsByPair, region: String, sku: String, step: Step) {
    map.entry((region, sku)).or_default().push(step);
}

/// The inputs of every region × SKU `q` selects (its toggles aside: the
/// scenario applies them): today's ledger from the fleet snapshot, the trend
/// kept for this fleet version, capacity to come from the deployments, and
/// demand to come from the requests, waiting and pending apart.
pub async fn inputs(db: &Db, caller: &Caller, q: &ForecastQuery) -> AppResult<Inputs> {
    caller.user()?;
    let today = db.clock().today();
    let snap = crate::fleet::server::service::snapshot_for(db, caller).await?;
    let trends = snap.forecast_trends(fit_all(db, today)).await?;

    let only_region = match q.regions.as_slice() {
        [one] => Some(one.as_str()),
        _ => None,
    };
    // One region's families are summed from their SKUs' year of history (its
    // page charts them: one read per fleet version, kept in the snapshot);
    // more than one region's, from the fitted window (reading every pair's
    // year would take a cold forecast past a second).
    let year = match only_region {
        Some(region) => {
            let since = format_day(today - Duration::days(YEAR_DAYS - 1));
            let read = async {
                let mut by_sku = crate::fleet::server::snapshot::UsedBySku::new();
                for (sku, used) in store::used_in_region_since(db.pool(), region, &since).await? {
                    by_sku.entry(sku).or_default().push(used);
                }
                Ok(by_sku)
            };
            Some(snap.region_year(region, read).await?)
        }
        None => None,
    };
    let history = |sku: &str, fitted: &[i64]| match year.as_ref().and_then(|y| y.get(sku)) {
        Some(h) => h.clone(),
        None => fitted[fitted.len().saturating_sub(WINDOW_DAYS)..].to_vec(),
    };
    let mut supply = StepsByPair::new();
    for (region, sku, units, eta) in
        // One region asked for: only its deployments are read.
        crate::deployments::server::views::capacity_to_come(db, caller, only_region).await?
    {
        // Without an ETA (paused, say) it lands when it would if resumed now.
        let on = eta.map_or(today, |t| t.date()).max(today);
        push(&mut supply, region, sku, Step { on, units });
    }
    let (mut waiting, mut pending) = (StepsByPair::new(), StepsByPair::new());
    for (region, sku, kind, state, quantity, need_by) in store::demand_to_come(db.pool()).await? {
        let on = parse_day(&need_by).unwrap_or(today).max(today);
        let units = match kind {
            Kind::Provision => quantity,
            Kind::Deprovision => -quantity,
        };
        let to = if state == State::Submitted {
            &mut pending
        } else {
            &mut waiting
        };
        push(to, region, sku, Step { on, units });
    }

    let mut pairs = snap
        .regions
        .iter()
        .flat_map(|r| &r.skus)
        .filter(|s| q.selects(&s.region, &s.sku))
        .map(|s| {
            let pair = (s.region.clone(), s.sku.clone());
            let fitted = trends.get(&pair);
            PairInputs {
                used: s.rollup.ledger.used(),
                serviceable: s.rollup.ledger.serviceable(),
                trend: fitted.and_then(|f| f.trend),
                history: fitted
                    .map(|f| history(&s.sku, &f.history))
                    .unwrap_or_default(),
                supply: supply.remove(&pair).unwrap_or_default(),
                waiting: waiting.remove(&pair).unwrap_or_default(),
                pending: pending.remove(&pair).unwrap_or_default(),
                family: s.family,
                unit: s.unit,
                region: pair.0,
                sku: pair.1,
                members: 1,
            }
        })
        .collect::<Vec<_>>();
    let mut families = crate::forecast::rollup::family_rollups(&pairs);
    for f in &mut families {
        f.history = crate::forecast::history::thin_history(&f.history);
    }
    // The year is for the families' charts (a region's page draws one per
    // family); each pair keeps the fitted window, which keeps the page's
    // hydration data small (every pair's year made a region page 439 KB).
    for p in &mut pairs {
        p.history
            .drain(..p.history.len().saturating_sub(WINDOW_DAYS));
    }
    Ok(Inputs {
        today,
        thresholds: snap.thresholds,
        families,
        pairs,
    })
}

/// The forecast for `q`, soonest to run out first.
pub async fn forecast(db: &Db, caller: &Caller, q: &ForecastQuery) -> AppResult<Forecast> {
    Ok(scenario::forecast(&inputs(db, caller, q).await?, q))
}

/// How long the fleet-wide default forecast is kept: its dates are days, so
/// a list half a minute old reads the same.
const FLEETWIDE_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// The fleet-wide forecast at the default settings and its inputs, kept per
/// fleet version for `FLEETWIDE_TTL` (demand and supply to come change
/// without a new fleet version: a request filed, a buildout planned).
pub async fn fleetwide(db: &Db, caller: &Caller) -> AppResult<std::sync::Arc<Fleetwide>> {
    let snap = crate::fleet::server::service::snapshot_for(db, caller).await?;
    fleetwide_of(db, caller, &snap).await
}

/// `fleetwide`, kept in `snap`: for a caller that holds the snapshot already
/// (one statement fewer).
async fn fleetwide_of(
    db: &Db,
    caller: &Caller,
    snap: &crate::fleet::server::snapshot::Snapshot,
) -> AppResult<std::sync::Arc<Fleetwide>> {
    caller.user()?;
    snap.fleetwide_forecast(FLEETWIDE_TTL, async {
        let q = ForecastQuery::default();
        let inputs = inputs(db, caller, &q).await?;
        let forecast = scenario::forecast(&inputs, &q);
        Ok(Fleetwide { inputs, forecast })
    })
    .await
}

/// What reserving `units` of `region` × `sku` today does to its dates, from
/// the fleet-wide forecast kept half a minute (`None` when the pair has no
/// forecast): the request page's before → after, from the fleet snapshot it
/// read already.
pub async fn impact(
    db: &Db,
    caller: &Caller,
    snap: &crate::fleet::server::snapshot::Snapshot,
    (region, sku): (&str, &str),
    units: i64,
) -> AppResult<Option<crate::forecast::impact::Impact>> {
    let f = fleetwide_of(db, caller, snap).await?;
    let i = &f.inputs;
    Ok(i.pairs
        .iter()
        .find(|p| p.region == region && p.sku == sku)
        .map(|p| crate::forecast::impact::Impact::of(p, i.today, &i.thresholds, units)))
}
