//! Identity and access: roles, the signed-in caller, access rules, sign-in
//! pages, admin pages, and (server-only) sessions, tokens, passwords, audit.

pub mod access;
pub mod api;
pub mod pages;
pub mod paths;
pub mod roles;

#[cfg(feature = "ssr")]
pub mod server;

pub use access::Access;
pub use roles::{CurrentUser, Role, Roles};
