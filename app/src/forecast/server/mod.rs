//! The forecast on the server: the inputs read (`store`), the trends fitted
//! once per fleet version and kept in the fleet snapshot, and the projection
//! per region × SKU (`service`).

use std::collections::HashMap;

use super::model::Trend;

pub mod service;
pub mod store;

/// The fitted trend of each region × SKU with enough history, by (region, SKU).
pub type Trends = HashMap<(String, String), Trend>;
