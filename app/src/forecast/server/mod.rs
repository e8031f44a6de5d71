//! The forecast on the server: the inputs read (`store`), the trends fitted
//! once per fleet version and kept in the fleet snapshot, and the projection
//! per region × SKU (`service`).

use std::collections::HashMap;

use super::model::Trend;

pub mod service;
pub mod store;

/// A region × SKU's fitted window: its trend (`None` without a week of
/// history) and the daily used units it was fitted on.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    pub trend: Option<Trend>,
    pub history: Vec<i64>,
}

/// The fitted window of each region × SKU with history, by (region, SKU).
pub type Trends = HashMap<(String, String), Fitted>;

/// The fleet-wide forecast at the default settings and the inputs it was
/// projected from, kept a short while (the overview's soonest, a request's
/// before → after).
#[derive(Debug, Clone, PartialEq)]
pub struct Fleetwide {
    pub inputs: super::scenario::Inputs,
    pub forecast: super::types::Forecast,
}
