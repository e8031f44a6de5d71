//! Who may reach what. Each feature declares its rules once, in its own
//! `access.rs` (pages and other browser routes, server functions, API routes);
//! the middleware reads them through the lookups here, every server function
//! and service checks its caller again, and the access matrix test takes its
//! expectations from its own table written from PRODUCT.md "Access".

use super::roles::{CurrentUser, Role};

/// What a route asks of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user who reads the fleet: whatever their roles, unless
    /// their only role is `monitor` (`CurrentUser::reads`).
    SignedIn,
    /// Any signed-in user at all, a monitor-only account too (signing out).
    AnyUser,
    /// A signed-in user holding this role.
    Role(Role),
    /// A signed-in user holding any of these roles.
    AnyOf(&'static [Role]),
}

impl Access {
    /// Whether `caller` passes.
    pub fn allows(&self, caller: Option<&CurrentUser>) -> bool {
        match (self, caller) {
            (Access::Public, _) => true,
            (_, None) => false,
            (Access::SignedIn, Some(u)) => u.reads(),
            (Access::AnyUser, Some(_)) => true,
            (Access::Role(r), Some(u)) => u.has(*r),
            (Access::AnyOf(roles), Some(u)) => roles.iter().any(|r| u.has(*r)),
        }
    }
}

/// One feature's access rules.
#[derive(Debug)]
pub struct Rules {
    /// Leptos pages and other browser routes (form posts, downloads), as
    /// route patterns (`/regions/:code`).
    pub paths: &'static [(&'static str, Access)],
    /// Server functions, by name (registered at `/api/<name><digits>`).
    pub server_fns: &'static [(&'static str, Access)],
    /// JSON API routes: (method, path under `/api/v1` as axum writes it).
    pub api: &'static [(&'static str, &'static str, Access)],
}

/// Every feature's rules.
pub fn features() -> [&'static Rules; 8] {
    [
        &RULES,
        &crate::deployments::access::RULES,
        &crate::fleet::access::RULES,
        &crate::forecast::access::RULES,
        &crate::requests::access::RULES,
        &crate::settings::access::RULES,
        &crate::status::access::RULES,
        &crate::webhooks::access::RULES,
    ]
}

/// `/metrics`: admins and monitors (PRODUCT.md "Access"), on the main
/// address; a machine's route, so an anonymous caller gets 401, not a
/// sign-in redirect.
pub const METRICS_PATH: &str = "/metrics";
pub const METRICS: Access = Access::AnyOf(&[Role::Admin, Role::Monitor]);

/// The API's OpenAPI document (`/api/v1/openapi.json`) and its page
/// (`/api/docs`, with Swagger UI's files under it): any signed-in reader. The
/// page is a browser's, so an anonymous caller is sent to sign in.
pub const OPENAPI: Access = Access::SignedIn;
pub const API_DOCS_PATH: &str = "/api/docs";
pub const API_DOCS: Access = Access::SignedIn;

/// Whether `path` is the API docs page or one of its files.
pub fn is_api_docs_path(path: &str) -> bool {
    path == API_DOCS_PATH || path.starts_with("/api/docs/")
}

/// Identity's own rules: sign-in and sign-out, the users, tokens and audit pages.
pub const RULES: Rules = Rules {
    paths: &[
        ("/login", Access::Public),
        ("/logout", Access::AnyUser),
        ("/admin", Access::Role(Role::Admin)),
        ("/admin/users", Access::Role(Role::Admin)),
        ("/admin/tokens", Access::Role(Role::Admin)),
        ("/admin/audit", Access::Role(Role::Admin)),
        ("/admin/audit.csv", Access::Role(Role::Admin)),
        (API_DOCS_PATH, API_DOCS),
    ],
    server_fns: &[
        ("get_me", Access::SignedIn),
        ("list_users", Access::Role(Role::Admin)),
        ("add_user", Access::Role(Role::Admin)),
        ("set_user_roles", Access::Role(Role::Admin)),
        ("disable_user", Access::Role(Role::Admin)),
        ("list_api_tokens", Access::Role(Role::Admin)),
        ("create_api_token", Access::Role(Role::Admin)),
        ("revoke_api_token", Access::Role(Role::Admin)),
        ("list_audit", Access::Role(Role::Admin)),
    ],
    api: &[("GET", "/openapi.json", OPENAPI)],
};

/// Whether a route pattern (`/regions/:code`) matches a path.
pub fn pattern_matches(pattern: &str, path: &str) -> bool {
    let (p, q): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == q.len()
        && p.iter().zip(&q).all(|(a, b)| match a.strip_prefix(':') {
            Some(_) => !b.is_empty(),
            None => a == b,
        })
}

/// The access rule of a browser path: the declared rule of the page or route
/// it matches; any other path (which renders the 404 page) needs a signed-in caller.
pub fn page_access(path: &str) -> Access {
    features()
        .iter()
        .flat_map(|r| r.paths.iter())
        .find(|(pattern, _)| pattern_matches(pattern, path))
        .map_or(Access::SignedIn, |(_, a)| *a)
}

/// Paths anyone may fetch without signing in, besides `/login`: static assets,
/// health probes and the public status routes (PRODUCT.md "Access").
pub fn is_public_path(path: &str) -> bool {
    matches!(path, "/login" | "/healthz" | "/readyz" | "/favicon.svg")
        || path.starts_with("/pkg/")
        || is_status_path(path)
}

/// The public status routes: the same for everyone, so served without
/// looking at who asks (no session or token lookup, no refusal of a bad token).
pub fn is_status_path(path: &str) -> bool {
    path == "/status" || path == "/status.json" || path.starts_with("/status/")
}

/// The health probes: answered without looking at who asks, so `/healthz`
/// touches no database and stays 200 while the database is down.
pub fn is_probe_path(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz")
}

/// The rule of the server function at `path` (`/api/<name><digits>`), if declared.
pub fn server_fn_access(path: &str) -> Option<Access> {
    let rest = path.strip_prefix("/api/")?;
    features()
        .iter()
        .flat_map(|r| r.server_fns.iter())
        .find_map(|(name, access)| {
            let hash = rest.strip_prefix(name)?;
            hash.bytes().all(|b| b.is_ascii_digit()).then_some(*access)
        })
}

/// The declared rule of an API route (method, path pattern under `/api/v1`).
pub fn api_access(method: &str, pattern: &str) -> Option<Access> {
    features()
        .iter()
        .flat_map(|r| r.api.iter())
        .find(|(m, p, _)| *m == method && *p == pattern)
        .map(|(_, _, a)| *a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::roles::Roles;

    fn user(roles: &[Role]) -> CurrentUser {
        CurrentUser {
            id: 1,
            name: "u".into(),
            roles: Roles::new(roles.iter().copied()),
        }
    }

    #[test]
    fn rules() {
        assert!(Access::Public.allows(None));
        assert!(!Access::SignedIn.allows(None));
        assert!(Access::SignedIn.allows(Some(&user(&[]))));
        assert!(!Access::Role(Role::Admin).allows(Some(&user(&[Role::Approver]))));
        assert!(Access::Role(Role::Admin).allows(Some(&user(&[Role::Admin]))));
        let monitor = user(&[Role::Monitor]);
        assert!(!Access::SignedIn.allows(Some(&monitor)));
        assert!(Access::AnyUser.allows(Some(&monitor)));
        let metrics = Access::AnyOf(&[Role::Admin, Role::Monitor]);
        assert!(metrics.allows(Some(&monitor)) && metrics.allows(Some(&user(&[Role::Admin]))));
        assert!(!metrics.allows(Some(&user(&[Role::Viewer, Role::Operator]))));
    }

    #[test]
    fn patterns() {
        assert!(pattern_matches("/regions/:code", "/regions/westus2"));
        assert!(!pattern_matches("/regions/:code", "/regions/westus2/x"));
        assert!(!pattern_matches("/regions/:code", "/regions"));
        assert!(pattern_matches("/", "/"));
        assert!(!pattern_matches("/admin", "/administrator"));
    }

    #[test]
    fn pages() {
        assert_eq!(page_access("/login"), Access::Public);
        assert_eq!(page_access("/admin/users"), Access::Role(Role::Admin));
        assert_eq!(page_access("/administrator"), Access::SignedIn);
        assert_eq!(page_access("/clusters"), Access::SignedIn);
        assert_eq!(page_access("/requests/new"), Access::Role(Role::Requester));
        assert!(is_public_path("/pkg/headroom.wasm") && !is_public_path("/clusters.csv"));
    }

    #[test]
    fn every_declaration_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for r in features() {
            for (p, _) in r.paths {
                assert!(seen.insert(format!("path {p}")), "{p} declared twice");
            }
            for (n, _) in r.server_fns {
                assert!(seen.insert(format!("fn {n}")), "{n} declared twice");
            }
            for (m, p, _) in r.api {
                assert!(
                    seen.insert(format!("api {m} {p}")),
                    "{m} {p} declared twice"
                );
            }
        }
    }
}
