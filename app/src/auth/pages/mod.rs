//! Sign-in and administration pages.

pub(crate) mod admin;
mod login;

pub use admin::{AuditPage, SettingsPage, TokensPage, UsersPage};
pub use login::LoginPage;
