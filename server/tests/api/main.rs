//! Black-box tests of Headroom over HTTP, each run on SQLite and on PostgreSQL.

mod access;
mod audit;
mod backup;
mod check;
mod contract;
mod delivery;
mod deployment_paths;
mod deployments;
mod fleet_api;
mod forecast;
mod hardening;
mod helpers;
mod imports;
mod ledger;
mod metrics;
mod openapi;
mod ops;
mod page_cache;
mod pages;
mod path_tricks;
mod requests;
mod sessions;
mod status;
mod storage;
mod webhooks;
