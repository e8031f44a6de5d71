//! Identity at the HTTP edge: resolving the caller, enforcing access rules,
//! refusing cross-site writes, security headers, and sign-in / sign-out.

mod headers;
mod login;
mod middleware;

pub use headers::security_headers;
pub use login::{login, logout};
pub use middleware::{api_access, csrf_guard, enforce_access, resolve_caller};
