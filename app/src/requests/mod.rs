//! Capacity requests and approvals: the state machine and policy (pure), the
//! wire types, and (server-only) storage, reservation and the expiry sweeper.

pub mod api;
pub mod domain;
pub mod pages;
pub mod policy;
pub mod types;

#[cfg(feature = "ssr")]
pub mod server;
