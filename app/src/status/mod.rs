//! Public status: each region's state from its capacity health and the notices
//! admins publish, 90 days of history, and the admin page for notices. The
//! public routes themselves are rendered by the server outside the app shell.

pub mod access;
pub mod api;
pub mod domain;
pub mod pages;
pub mod types;

#[cfg(feature = "ssr")]
pub mod server;
