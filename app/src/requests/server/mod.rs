//! The server side of capacity requests: SQL in `store`, the workflow in
//! `service`, the expiry sweeper in `expiry`.

pub mod expiry;
pub mod service;
pub mod store;
