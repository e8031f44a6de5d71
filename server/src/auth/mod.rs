//! Identity at the HTTP edge: resolving the caller, enforcing access rules,
//! refusing cross-site writes, security headers, and sign-in / sign-out.

mod edge;
mod headers;
mod login;
mod middleware;

pub use edge::{path_guard, sanitize_request_id, REQUEST_ID};
pub use headers::security_headers;
pub use login::{login, logout};
pub use middleware::{
    api_access, audit_refusals, csrf_guard, enforce_access, is_cross_site, resolve_caller,
};
