//! Who may reach which page: the declarative access rules of the UI's routes.
//! The server enforces them in middleware before rendering; the route × role
//! matrix test enumerates Leptos' route list against them.

use super::roles::{CurrentUser, Role};

/// What a route asks of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user, whatever their roles.
    SignedIn,
    /// A signed-in user holding this role.
    Role(Role),
}

impl Access {
    /// Whether `caller` passes.
    pub fn allows(&self, caller: Option<&CurrentUser>) -> bool {
        match (self, caller) {
            (Access::Public, _) => true,
            (_, None) => false,
            (Access::SignedIn, Some(_)) => true,
            (Access::Role(r), Some(u)) => u.has(*r),
        }
    }
}

/// The access rule of a UI page path.
pub fn page_access(path: &str) -> Access {
    if path == "/login" {
        Access::Public
    } else if path == "/admin" || path.starts_with("/admin/") {
        Access::Role(Role::Admin)
    } else if path == "/requests/new" {
        Access::Role(Role::Requester)
    } else if path == "/approvals" || path.starts_with("/approvals/") {
        Access::Role(Role::Approver)
    } else {
        Access::SignedIn
    }
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

/// The access rule of every server function, by name (the registered path is
/// `/api/<name><hash>`). The middleware enforces it, the functions check again,
/// and the matrix test fails if a registered function is missing here.
pub const SERVER_FN_ACCESS: &[(&str, Access)] = &[
    ("get_me", Access::SignedIn),
    ("get_fleet_summary", Access::SignedIn),
    ("get_region_detail", Access::SignedIn),
    ("get_cluster_detail", Access::SignedIn),
    ("get_cluster_page", Access::SignedIn),
    ("get_filter_options", Access::SignedIn),
    ("get_region_sku", Access::SignedIn),
    ("list_requests_page", Access::SignedIn),
    ("get_request_detail", Access::SignedIn),
    ("get_approval_inbox", Access::Role(Role::Approver)),
    ("list_users", Access::Role(Role::Admin)),
    ("add_user", Access::Role(Role::Admin)),
    ("set_user_roles", Access::Role(Role::Admin)),
    ("disable_user", Access::Role(Role::Admin)),
    ("list_api_tokens", Access::Role(Role::Admin)),
    ("create_api_token", Access::Role(Role::Admin)),
    ("revoke_api_token", Access::Role(Role::Admin)),
    ("list_settings", Access::Role(Role::Admin)),
    ("update_setting", Access::Role(Role::Admin)),
    ("list_audit", Access::Role(Role::Admin)),
    ("list_notices", Access::Role(Role::Admin)),
    ("publish_notice", Access::Role(Role::Admin)),
    ("update_notice", Access::Role(Role::Admin)),
];

/// The rule of the server function at `path` (`/api/<name><digits>`), if known.
pub fn server_fn_access(path: &str) -> Option<Access> {
    let rest = path.strip_prefix("/api/")?;
    SERVER_FN_ACCESS.iter().find_map(|(name, access)| {
        let hash = rest.strip_prefix(name)?;
        hash.bytes().all(|b| b.is_ascii_digit()).then_some(*access)
    })
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
    }

    #[test]
    fn pages() {
        assert_eq!(page_access("/login"), Access::Public);
        assert_eq!(page_access("/admin/users"), Access::Role(Role::Admin));
        assert_eq!(page_access("/administrator"), Access::SignedIn);
        assert_eq!(page_access("/clusters"), Access::SignedIn);
        assert!(is_public_path("/pkg/headroom.wasm") && !is_public_path("/clusters.csv"));
    }
}
