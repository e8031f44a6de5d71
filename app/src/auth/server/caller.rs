//! Who is calling: resolved once per request (bearer token, session cookie, or
//! a trusted proxy header) and kept in the request's extensions, where handlers,
//! server functions and pages find it.

use axum::http::HeaderMap;

use super::audit::Origin;
use super::sessions::{self, SessionPolicy};
use super::{store, tokens};
use crate::auth::roles::{CurrentUser, Role, Roles};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::settings::server::value_of;
use crate::settings::PROXY_AUTH_HEADER;

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
}

impl Caller {
    pub fn anonymous(origin: Origin) -> Self {
        Caller {
            user: None,
            via: Via::Anonymous,
            origin,
        }
    }

    /// The signed-in user, or `unauthenticated`.
    pub fn user(&self) -> AppResult<&CurrentUser> {
        self.user.as_ref().ok_or(AppError::Unauthenticated)
    }

    /// The signed-in user holding `role`, or `unauthenticated` / `forbidden`.
    pub fn require(&self, role: Role) -> AppResult<&CurrentUser> {
        let user = self.user()?;
        if user.has(role) {
            Ok(user)
        } else {
            Err(AppError::Forbidden(format!("this needs the {role} role")))
        }
    }
}

/// Resolves the caller from the request headers.
pub async fn resolve(db: &Db, headers: &HeaderMap, origin: Origin) -> AppResult<Caller> {
    if let Some(auth) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        // A bearer token that does not resolve is an error, not an anonymous call.
        let token = auth
            .strip_prefix("Bearer ")
            .ok_or(AppError::Unauthenticated)?;
        let user = tokens::resolve_token(db, token.trim())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        return Ok(Caller {
            user: Some(user),
            via: Via::Token,
            origin,
        });
    }
    let snapshot = crate::fleet::server::service::snapshot(db).await?;
    let header = value_of(&snapshot.settings, &PROXY_AUTH_HEADER);
    if !header.is_empty() {
        if let Some(name) = headers.get(header).and_then(|v| v.to_str().ok()) {
            let user = store::find_user_by_name(db.pool(), name.trim())
                .await?
                .filter(|u| u.disabled == 0);
            return Ok(match user {
                Some(u) => Caller {
                    user: Some(CurrentUser {
                        id: u.id,
                        name: u.name,
                        roles: Roles::parse(&u.roles).unwrap_or_default(),
                    }),
                    via: Via::Proxy,
                    origin,
                },
                None => Caller::anonymous(origin),
            });
        }
    }
    let cookie = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(sessions::from_cookie_header);
    if let Some(id) = cookie {
        let policy = SessionPolicy::from_settings(&snapshot.settings);
        if let Some(user) = sessions::resolve(db, id, policy).await? {
            return Ok(Caller {
                user: Some(user),
                via: Via::Session,
                origin,
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
