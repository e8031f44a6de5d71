//! Deployments: staged buildouts, decommissions and rollouts, ring by ring —
//! the domain (kinds, states, keys), the pure engine that moves a deployment
//! along, ring gates and templates, the wire types, the pages and their server
//! functions, and (server-only) storage, capacity effects through the fleet's
//! ledger, the scheduler and the demo automation.

pub mod access;
pub mod api;
pub mod domain;
pub mod engine;
pub mod gate;
pub mod pages;
pub mod plan_edit;
pub mod progress;
pub mod templates;
pub mod types;

#[cfg(feature = "ssr")]
pub mod server;
