//! The fleet's server side: read SQL in `store`, assembly into page and API
//! types in `service` (rows parsed in `rows`; over a per-replica `snapshot`; the overview in
//! `summary`), the ledger's write API
//! in `ledger` (its SQL in `ledger_sql`), and the daily history sampler.

pub mod history;
pub mod import;
mod import_sql;
pub mod ledger;
mod ledger_sql;
mod load_sql;
mod rows;
pub mod service;
pub mod snapshot;
pub mod store;
mod summary;
