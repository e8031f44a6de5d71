//! Server functions of the forecast: the inputs a page projects in the
//! browser (the what-if toggles are applied there, by `scenario`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::scenario::Inputs;
use crate::fleet::types::FilterOptions;
use crate::shared::fields::ServerError;

/// The most region × SKU pairs one page receives: the soonest to run out at
/// the default settings (a region or a SKU narrows the choice).
pub const MAX_PAIRS: usize = 60;

/// What the `/forecast` page shows: the inputs of the pairs its URL selects,
/// how many more the selection held, and the pickers' choices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastPageData {
    pub inputs: Inputs,
    /// Pairs selected but left out (beyond `MAX_PAIRS`).
    pub more: usize,
    pub options: FilterOptions,
}

/// The inputs of the pairs the page's URL query selects (`region=`, `sku=`;
/// parsed with the API's code, so a bad field is named the same way). The
/// region × family roll-ups stay whole where the pairs are cut short.
#[server]
pub async fn get_forecast_inputs(query: String) -> Result<ForecastPageData, ServerError> {
    let (db, caller) = crate::authorize(crate::auth::Access::SignedIn)?;
    let (inputs, more) = selected(&db, &caller, &query).await?;
    let options = crate::fleet::server::service::filter_options(&db, &caller)
        .await
        .map_err(crate::error::server_error)?;
    Ok(ForecastPageData {
        inputs,
        more,
        options,
    })
}

/// A region page's forecast (`panels::RegionForecast`): the inputs of the
/// region's pairs with the history of only the one whose chart it draws, the
/// soonest to run out (the dates need none), and no pickers.
#[server]
pub async fn get_region_forecast(code: String) -> Result<Inputs, ServerError> {
    let (db, caller) = crate::authorize(crate::auth::Access::SignedIn)?;
    let query = format!("region={}", crate::shared::url::encode_component(&code));
    let (mut inputs, _) = selected(&db, &caller, &query).await?;
    let soonest = super::scenario::forecast(&inputs, &super::types::ForecastQuery::default())
        .items
        .into_iter()
        .next()
        .map(|i| i.sku);
    for pair in &mut inputs.pairs {
        if soonest.as_ref() != Some(&pair.sku) {
            pair.history = Vec::new();
        }
    }
    Ok(inputs)
}

/// The inputs of the pairs `query` selects, at most `MAX_PAIRS` of them (the
/// soonest to run out at the default settings), and how many more it held.
#[cfg(feature = "ssr")]
async fn selected(
    db: &crate::db::Db,
    caller: &crate::auth::server::caller::Caller,
    query: &str,
) -> Result<(Inputs, usize), ServerError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let q = super::types::ForecastQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|e| crate::error::server_error(e.into()))?;
    let mut inputs = super::server::service::inputs(db, caller, &q)
        .await
        .map_err(crate::error::server_error)?;
    let more = inputs.pairs.len().saturating_sub(MAX_PAIRS);
    if more > 0 {
        let soonest = super::scenario::forecast(&inputs, &super::types::ForecastQuery::default());
        let keep: std::collections::HashSet<(&str, &str)> = soonest
            .items
            .iter()
            .take(MAX_PAIRS)
            .map(|i| (i.region.as_str(), i.sku.as_str()))
            .collect();
        let kept = inputs
            .pairs
            .iter()
            .filter(|p| keep.contains(&(p.region.as_str(), p.sku.as_str())))
            .cloned()
            .collect();
        inputs.pairs = kept;
    }
    Ok((inputs, more))
}

/// The most pairs the overview's "soonest to run out" lists.
pub const SOONEST: usize = 8;

/// The pairs soonest to run out or turn critical within the horizon, at the
/// default settings (the overview's panel; kept for half a minute).
#[server]
pub async fn get_soonest() -> Result<Vec<super::types::ForecastItem>, ServerError> {
    let (db, caller) = crate::authorize(crate::auth::Access::SignedIn)?;
    let f = super::server::service::fleetwide(&db, &caller)
        .await
        .map_err(crate::error::server_error)?;
    Ok(f.forecast
        .items
        .iter()
        .filter(|i| i.exhaustion_date.is_some() || i.critical_date.is_some())
        .take(SOONEST)
        .cloned()
        .collect())
}

/// One region × SKU's inputs (none where the region does not offer the SKU),
/// from the fleet-wide forecast kept for half a minute: what a request's
/// before → after projects.
#[server]
pub async fn get_pair_inputs(region: String, sku: String) -> Result<Inputs, ServerError> {
    let (db, caller) = crate::authorize(crate::auth::Access::SignedIn)?;
    let f = super::server::service::fleetwide(&db, &caller)
        .await
        .map_err(crate::error::server_error)?;
    Ok(Inputs {
        pairs: f
            .inputs
            .pairs
            .iter()
            .filter(|p| p.region == region && p.sku == sku)
            .cloned()
            .collect(),
        families: Vec::new(),
        ..f.inputs.clone()
    })
}
