//! Server-only status code: notice SQL and the service that builds the public view.

pub mod service;
pub mod store;
