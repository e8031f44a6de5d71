//! Capacity requests and approvals: the state machine, the workflow decision
//! and the policy (pure), the wire types, the pages and their server
//! functions, and (server-only) storage, decisions and the expiry sweeper.

pub mod access;
pub mod api;
pub mod domain;
pub mod pages;
pub mod policy;
pub mod types;
pub mod workflow;

#[cfg(feature = "ssr")]
pub mod server;
