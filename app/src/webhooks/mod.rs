//! Webhooks: admins subscribe URLs to events (requests, notices, deployments);
//! each event is written to an outbox in the transaction that made it and
//! delivered, signed per the Standard Webhooks spec, by a worker on every
//! replica, with retries and a delivery log admins can replay from.

pub mod access;
pub mod api;
pub mod domain;
pub mod pages;
pub mod types;

#[cfg(feature = "ssr")]
pub mod server;
