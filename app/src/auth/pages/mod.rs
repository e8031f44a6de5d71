//! Sign-in and the identity admin pages (users, tokens, the audit trail).

pub(crate) mod admin;
mod audit;
mod login;

pub use admin::{TokensPage, UsersPage};
pub use audit::AuditPage;
pub use login::LoginPage;
