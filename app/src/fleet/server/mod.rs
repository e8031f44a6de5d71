//! The fleet's server side: SQL in `store`, assembly into page/API types in `service`,
//! the daily history sampler in `history`.

pub mod history;
pub mod service;
pub mod snapshot;
pub mod store;
