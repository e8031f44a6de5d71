//! The fleet: regions, zones, SKUs, clusters and their capacity ledgers.

pub mod access;
pub mod api;
pub mod codes;
pub mod import;
pub mod ledger;
pub mod pages;
pub mod placement;
pub mod query;
pub mod types;
pub mod views;

#[cfg(feature = "ssr")]
pub mod server;
