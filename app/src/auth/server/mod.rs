//! The server side of identity: SQL, password hashing, sessions, API tokens,
//! sign-in throttling (the audit trail is `crate::shared::audit`).

pub mod caller;
pub mod password;
pub mod sessions;
pub mod store;
pub mod throttle;
pub mod tokens;
pub mod touches;
pub mod users;
