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

/// Why a request path cannot be routed as it is, or `None` when it is in
/// normal form. The access decision is made on the raw path, so the path must
/// be exactly what the router and the renderer will see: no dot segments
/// (`.`, `..`, in any case or encoding), no empty segments (`//`, a trailing
/// `/`), no encoded `/` or `\`, no raw `\`, no control characters, and no
/// percent-encoded character that needs no encoding (`%61` for `a`), which a
/// decoder downstream could turn into a different route than the one checked.
pub fn path_problem(path: &str) -> Option<&'static str> {
    if !path.starts_with('/') {
        return Some("the path must start with /");
    }
    if path == "/" {
        return None;
    }
    for segment in path[1..].split('/') {
        if segment.is_empty() {
            return Some("the path has an empty segment (// or a trailing /)");
        }
        let mut decoded = Vec::with_capacity(segment.len());
        let bytes = segment.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'%' => {
                    let hex = bytes
                        .get(i + 1..i + 3)
                        .and_then(|h| std::str::from_utf8(h).ok());
                    let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) else {
                        return Some("the path has a malformed percent-encoding");
                    };
                    if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                        return Some("the path percent-encodes a character that needs no encoding");
                    }
                    if matches!(b, b'/' | b'\\') {
                        return Some("the path has an encoded slash or backslash");
                    }
                    if b < 0x20 || b == 0x7f {
                        return Some("the path has a control character");
                    }
                    decoded.push(b);
                    i += 3;
                }
                b'\\' => return Some("the path has a backslash"),
                b if b < 0x20 || b == 0x7f => return Some("the path has a control character"),
                b => {
                    decoded.push(b);
                    i += 1;
                }
            }
        }
        if decoded == b"." || decoded == b".." {
            return Some("the path has a dot segment (. or ..)");
        }
    }
    None
}

/// The longest `next` a sign-in redirects to; longer ones become `/`.
pub const MAX_NEXT: usize = 2048;

/// Where to send someone after sign-in: only a local path that starts with a
/// single `/` (not `//` or `/\`, which browsers treat as another host) and
/// consists of printable, non-space ASCII; anything else becomes `/`.
pub fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\");
    let printable = next.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if local && printable && next.len() <= MAX_NEXT {
        next
    } else {
        "/"
    }
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
    fn normal_paths_pass() {
        for p in [
            "/",
            "/clusters",
            "/regions/westus2",
            "/requests/CR-1042",
            "/pkg/headroom.wasm",
            "/status/badge/westus2.svg",
            "/api/v1/clusters",
            "/a%20b",
            "/caf%C3%A9",
            "/.well-known",
        ] {
            assert_eq!(path_problem(p), None, "{p}");
        }
    }

    #[test]
    fn path_tricks_are_refused() {
        for p in [
            "",
            "clusters",
            "//clusters",
            "/clusters/",
            "/pkg//clusters",
            "/pkg/../clusters",
            "/pkg/./clusters",
            "/status/..",
            "/pkg/%2e%2e/clusters",
            "/pkg/%2E%2E/clusters",
            "/pkg/.%2e/clusters",
            "/pkg/..%2E/regions/westus2",
            "/pkg/%2e./x",
            "/pkg/%2e",
            "/pkg%2f..%2fclusters",
            "/pkg/..%2Fclusters",
            "/pkg/..%5cclusters",
            "/pkg/..\\clusters",
            "/%61dmin/users",
            "/admin/%75sers",
            "/pkg/%",
            "/pkg/%2",
            "/pkg/%zz",
            "/a%00b",
            "/a%0ab",
            "/a\tb",
        ] {
            assert!(path_problem(p).is_some(), "{p:?} passed");
        }
    }

    #[test]
    fn next_is_a_local_printable_path() {
        assert_eq!(
            safe_next("/clusters?region=westus2"),
            "/clusters?region=westus2"
        );
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "https://evil.example",
            "/a\nb",
            "/a b",
            "",
            "evil",
            "/caf\u{e9}",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
        // `%09` stays encoded, so the browser sees a path, not another host.
        assert_eq!(safe_next("/%09/evil.example"), "/%09/evil.example");
        assert_eq!(safe_next(&format!("/{}", "a".repeat(MAX_NEXT))), "/");
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
