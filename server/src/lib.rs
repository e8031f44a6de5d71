//! The Headroom server: configuration, the HTTP router (Leptos pages, server
//! functions, the JSON API, operations endpoints), the demo seed, the
//! invariant check and the CLI.

pub mod api;
pub mod assets;
pub mod auth;
pub mod check;
pub mod config;
pub mod finish;
pub mod metrics;
pub mod ops;
pub mod pages;
pub mod routes;
pub mod seed;
pub mod state;
pub mod status;

pub use routes::router;
pub use state::AppState;
