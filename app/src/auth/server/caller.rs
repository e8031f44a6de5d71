//! Who is calling: resolved once per request (bearer token, session cookie, or
//! a trusted proxy header) and kept in the request's extensions, where handlers,
//! server functions and pages find it.

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::HeaderMap;
use ipnet::IpNet;

use super::sessions::{self, SessionPolicy};
use super::{store, tokens};
use crate::auth::roles::{parse_user_name, CurrentUser, Role, Roles};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::shared::audit::Origin;
use crate::shared::seen::{Seen, Versions};

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Anonymous,
    Session,
    Token,
    Proxy,
}

/// The caller of one request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: Option<CurrentUser>,
    pub via: Via,
    pub origin: Origin,
    /// What this request read once for all its parts (a `GET`'s versions,
    /// read with the caller; see `shared::seen`), shared by its clones.
    pub seen: Option<Arc<Seen>>,
}

impl Caller {
    pub fn anonymous(origin: Origin) -> Self {
        Caller {
            user: None,
            via: Via::Anonymous,
            origin,
            seen: None,
        }
    }

    /// The versions this request read at its edge, if it is a read that did.
    pub fn versions(&self) -> Option<Versions> {
        self.seen.as_ref().map(|s| s.versions)
    }

    /// The signed-in user who reads the fleet, or `unauthenticated`; a
    /// monitor-only account (which reads `/metrics` only) is `forbidden`.
    pub fn user(&self) -> AppResult<&CurrentUser> {
        let user = self.signed_in()?;
        if user.reads() {
            Ok(user)
        } else {
            Err(AppError::Forbidden(
                "a monitor account reads /metrics and nothing else".into(),
            ))
        }
    }

    /// The signed-in user, whatever their roles, or `unauthenticated`.
    pub fn signed_in(&self) -> AppResult<&CurrentUser> {
        self.user.as_ref().ok_or(AppError::Unauthenticated)
    }

    /// The signed-in user if `access` admits them, else `unauthenticated` /
    /// `forbidden`.
    pub fn check(&self, access: crate::auth::Access) -> AppResult<Option<&CurrentUser>> {
        use crate::auth::Access;
        match access {
            Access::Public => Ok(self.user.as_ref()),
            Access::SignedIn => self.user().map(Some),
            Access::AnyUser => self.signed_in().map(Some),
            Access::Role(role) => self.require(role).map(Some),
            Access::AnyOf(roles) => {
                let user = self.signed_in()?;
                if roles.iter().any(|r| user.has(*r)) {
                    Ok(Some(user))
                } else {
                    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
                    Err(AppError::Forbidden(format!(
                        "this needs one of the roles {}",
                        names.join(", ")
                    )))
                }
            }
        }
    }

    /// The signed-in user holding `role`, or `unauthenticated` / `forbidden`.
    pub fn require(&self, role: Role) -> AppResult<&CurrentUser> {
        let user = self.signed_in()?;
        if user.has(role) {
            Ok(user)
        } else {
            Err(AppError::Forbidden(format!("this needs the {role} role")))
        }
    }
}

/// The network facts of one request, before its caller is known.
#[derive(Debug, Clone, Default)]
pub struct Peer {
    /// The socket's remote address.
    pub addr: Option<IpAddr>,
    /// The request id (already checked: short and printable).
    pub request_id: Option<String>,
    /// Whether session cookies are `Secure` (and so `__Host-` named).
    pub secure_cookies: bool,
}

/// The client's address: the socket peer, unless the peer is a trusted proxy;
/// then the rightmost `X-Forwarded-For` entry that is not itself a trusted
/// proxy (entries left of it were written by the client and prove nothing).
/// An entry that is no address stops the walk at the last trusted hop.
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: &[&str],
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let is_trusted = |a: &IpAddr| trusted.iter().any(|n| n.contains(a));
    let mut current = peer?;
    let mut hops = forwarded_for
        .iter()
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .rev();
    while is_trusted(&current) {
        let Some(hop) = hops.next() else { break };
        let Some(addr) = hop
            .parse::<IpAddr>()
            .ok()
            .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        else {
            break;
        };
        current = addr;
    }
    Some(current)
}

/// Resolves the caller from the request headers. The proxy identity header
/// (`auth.proxy_header`) is believed only from a peer in `auth.trusted_proxies`;
/// from anyone else it is refused (`forbidden`), never ignored, so a
/// misrouted client learns it at once and the attempt is audited.
///
/// One statement in the usual case: the token's or session's row comes with
/// the fleet and settings versions (`Caller::seen`), and the settings are this
/// replica's, kept under their version. Revoking a token, ending a session or
/// disabling a user is seen by the next request on every replica.
pub async fn resolve(db: &Db, headers: &HeaderMap, peer: Peer) -> AppResult<Caller> {
    let now = db.clock().now().unix_timestamp();
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let cookie = sessions::from_headers(headers, peer.secure_cookies);
    let token = match bearer.and_then(|a| a.strip_prefix("Bearer ")) {
        Some(t) => tokens::find(db, t.trim(), now).await?,
        None => None,
    };
    let session = match (bearer, cookie) {
        (None, Some(id)) => sessions::find(db, id).await?,
        _ => None,
    };
    let versions = match token
        .as_ref()
        .map(|t| t.1)
        .or(session.as_ref().map(|s| s.1))
    {
        Some(v) => v,
        None => crate::fleet::server::store::versions(db.pool()).await?,
    };
    let seen = Some(Arc::new(Seen::new(versions)));
    let settings = crate::settings::server::at_version(db, versions.settings).await?;
    let trusted = &settings.trusted_proxies;
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let from_proxy = peer
        .addr
        .is_some_and(|a| trusted.iter().any(|n| n.contains(&a)));
    let origin = Origin {
        source: client_address(peer.addr, &forwarded, trusted).map(|a| a.to_string()),
        request_id: peer.request_id,
    };
    let header = settings.proxy_header.as_deref().unwrap_or_default();
    let proxied = settings
        .proxy_header
        .as_deref()
        .and_then(|h| headers.get(h));
    if proxied.is_some() && !from_proxy {
        return Err(AppError::Forbidden(format!(
            "the {header} header is accepted only from a trusted proxy"
        )));
    }
    if let Some(auth) = bearer {
        // A bearer token that does not resolve is an error, not an anonymous call.
        auth.strip_prefix("Bearer ")
            .ok_or(AppError::Unauthenticated)?;
        let (row, _) = token.ok_or(AppError::Unauthenticated)?;
        return Ok(Caller {
            user: Some(tokens::admit(db, row, now).await),
            via: Via::Token,
            origin,
            seen,
        });
    }
    if let Some(value) = proxied {
        let name = value.to_str().ok().and_then(|v| parse_user_name(v).ok());
        let user = match name {
            Some(n) => store::find_user_by_name(db.pool(), &n)
                .await?
                .filter(|u| u.disabled == 0),
            None => None,
        };
        return Ok(match user {
            Some(u) => Caller {
                user: Some(CurrentUser {
                    id: u.id,
                    name: u.name,
                    roles: Roles::parse(&u.roles).unwrap_or_default(),
                }),
                via: Via::Proxy,
                origin,
                seen,
            },
            None => Caller::anonymous(origin),
        });
    }
    if let (Some(id), Some((row, _))) = (cookie, session) {
        let policy = SessionPolicy::from_settings(&settings);
        if let Some(user) = sessions::admit(db, id, row, policy).await? {
            return Ok(Caller {
                user: Some(user),
                via: Via::Session,
                origin,
                seen,
            });
        }
    }
    Ok(Caller::anonymous(origin))
}

/// The caller of the request being served, inside a server function or page.
pub fn current() -> Option<Caller> {
    leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<Caller>().cloned())
}

/// The caller, or `unauthenticated` if none was resolved.
pub fn caller() -> AppResult<Caller> {
    current().ok_or(AppError::Unauthenticated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::parse_cidrs;

    fn nets(s: &str) -> Vec<IpNet> {
        parse_cidrs(s).unwrap()
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn without_trusted_proxies_the_socket_address_is_the_client() {
        let xff = ["6.6.6.6"];
        assert_eq!(client_address(ip("10.0.0.5"), &xff, &[]), ip("10.0.0.5"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() {
        let trusted = nets("10.0.0.0/8");
        // The client wrote 6.6.6.6 itself; the proxy appended the real 203.0.113.9.
        assert_eq!(
            client_address(ip("10.0.0.5"), &["6.6.6.6, 203.0.113.9"], &trusted),
            ip("203.0.113.9")
        );
        // Two proxies in a row, in two headers.
        assert_eq!(
            client_address(ip("10.0.0.5"), &["203.0.113.9", "10.0.0.7"], &trusted),
            ip("203.0.113.9")
        );
        // No header: the proxy itself.
        assert_eq!(
            client_address(ip("10.0.0.5"), &[], &trusted),
            ip("10.0.0.5")
        );
        // Garbage stops the walk at the last trusted hop.
        assert_eq!(
            client_address(ip("10.0.0.5"), &["203.0.113.9, not-an-ip"], &trusted),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn a_forwarded_for_header_from_an_untrusted_peer_is_ignored() {
        let trusted = nets("10.0.0.0/8");
        assert_eq!(
            client_address(ip("198.51.100.1"), &["10.0.0.9"], &trusted),
            ip("198.51.100.1")
        );
    }
}
