//! Forecasts: when each region × SKU runs out, and what today's decisions do
//! to that date. `model` is the pure projection (the trend, supply and known
//! demand, the threshold crossings), shared by the server and the browser;
//! `history` how a history is thinned for pages and placed on charts;
//! `types` the query and the wire shapes; `server` reads the inputs and keeps
//! the fitted trends once per fleet version.

pub mod access;
pub mod api;
pub mod chart;
pub mod history;
pub mod impact;
pub mod model;
pub mod pages;
pub mod panels;
pub mod rollup;
pub mod scenario;
pub mod types;

#[cfg(feature = "ssr")]
pub mod server;
