//! Server functions of identity and administration. Each checks its caller's
//! role on the server before doing anything.

use leptos::prelude::*;

use crate::shared::fields::ServerError;
use serde::{Deserialize, Serialize};

use super::roles::{CurrentUser, Role, Roles};

#[cfg(feature = "ssr")]
use crate::error::server_error;

/// The signed-in user of this request (`None` when anonymous: the sign-in
/// page renders the layout too; over HTTP the middleware still wants a
/// signed-in caller).
#[server]
pub async fn get_me() -> Result<Option<CurrentUser>, ServerError> {
    let (_, caller) = crate::authorize(super::Access::Public)?;
    // A page rendered for every caller with these roles names nobody.
    Ok(match crate::shared::template::marks() {
        Some(marks) => caller.user.map(|u| CurrentUser {
            id: marks.id,
            name: marks.name.clone(),
            roles: u.roles,
        }),
        None => caller.user,
    })
}

/// The role checkboxes of a form, present when ticked (named as the admin
/// pages name them: `admin_role` for admin).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RoleFlags {
    pub viewer: Option<String>,
    pub requester: Option<String>,
    pub approver: Option<String>,
    pub operator: Option<String>,
    pub admin_role: Option<String>,
    pub monitor: Option<String>,
}

impl RoleFlags {
    /// The roles ticked.
    pub fn roles(self) -> Roles {
        let RoleFlags {
            viewer,
            requester,
            approver,
            operator,
            admin_role,
            monitor,
        } = self;
        let flags = [viewer, requester, approver, operator, admin_role, monitor];
        Roles::new(
            Role::ALL
                .into_iter()
                .zip(flags)
                .filter(|(_, f)| f.is_some())
                .map(|(r, _)| r),
        )
    }
}

/// A user as the admin page lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserSummary {
    pub name: String,
    pub roles: Roles,
    pub disabled: bool,
    pub demo: bool,
}

#[cfg(feature = "ssr")]
fn admin() -> Result<(crate::db::Db, super::server::caller::Caller), ServerError> {
    crate::authorize(super::Access::Role(Role::Admin))
}

#[cfg(feature = "ssr")]
fn actor(caller: &super::server::caller::Caller) -> String {
    caller
        .user
        .as_ref()
        .map(|u| u.name.clone())
        .unwrap_or_default()
}

/// Every user (admins only).
#[server]
pub async fn list_users() -> Result<Vec<UserSummary>, ServerError> {
    let (db, _) = admin()?;
    super::server::users::list(&db).await.map_err(server_error)
}

/// Adds a user (admins only).
#[server]
pub async fn add_user(
    name: String,
    password: String,
    #[server(flatten)] roles: RoleFlags,
) -> Result<(), ServerError> {
    let (db, caller) = admin()?;
    let roles = roles.roles();
    super::server::users::add(
        &db,
        &caller.origin,
        &actor(&caller),
        &name,
        Some(password),
        &roles,
        false,
    )
    .await
    .map(|_| ())
    .map_err(server_error)
}

/// Replaces a user's roles (admins only).
#[server]
pub async fn set_user_roles(
    name: String,
    #[server(flatten)] roles: RoleFlags,
) -> Result<(), ServerError> {
    let (db, caller) = admin()?;
    let roles = roles.roles();
    super::server::users::set_roles(&db, &caller.origin, &actor(&caller), &name, &roles)
        .await
        .map_err(server_error)
}

/// Disables a user, ending their sessions and tokens (admins only).
#[server]
pub async fn disable_user(name: String) -> Result<(), ServerError> {
    let (db, caller) = admin()?;
    super::server::users::disable(&db, &caller.origin, &actor(&caller), &name)
        .await
        .map_err(server_error)
}

/// An API token as the admin page lists it (never the secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenSummary {
    pub id: i64,
    pub user: String,
    pub name: String,
    pub roles: Option<String>,
    pub revoked: bool,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; `None` never expires.
    pub expires_at: Option<String>,
    /// Whether it had expired when listed.
    pub expired: bool,
    /// RFC 3339, to the minute; `None` never used.
    pub last_used_at: Option<String>,
}

/// Every API token (admins only).
#[server]
pub async fn list_api_tokens() -> Result<Vec<TokenSummary>, ServerError> {
    let (db, _) = admin()?;
    let rows = super::server::store::list_tokens(db.pool())
        .await
        .map_err(|e| server_error(e.into()))?;
    let now = db.clock().now().unix_timestamp();
    let at = |secs: i64| {
        time::OffsetDateTime::from_unix_timestamp(secs)
            .map(crate::shared::time::rfc3339)
            .unwrap_or_default()
    };
    Ok(rows
        .into_iter()
        .map(|t| TokenSummary {
            id: t.id,
            user: t.user_name,
            name: t.name,
            roles: t.roles,
            revoked: t.revoked != 0,
            created_at: at(t.created_at),
            expires_at: t.expires_at.map(at),
            expired: t.expires_at.is_some_and(|e| e <= now),
            last_used_at: t.last_used_at.map(at),
        })
        .collect())
}

/// The new-token form's fields, as typed (role boxes are present when ticked).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct NewTokenForm {
    pub user: String,
    pub name: String,
    #[serde(flatten)]
    pub roles: RoleFlags,
    pub expires_in_days: Option<String>,
}

/// Creates an API token and returns it, shown once (admins only).
#[server]
pub async fn create_api_token(
    #[server(flatten)] form: NewTokenForm,
) -> Result<String, ServerError> {
    let NewTokenForm {
        user,
        name,
        roles,
        expires_in_days,
    } = form;
    let (db, caller) = admin()?;
    let roles = roles.roles();
    let narrowed = (!roles.is_empty()).then_some(roles);
    let expires_in_days = match expires_in_days.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => Some(d.parse::<i64>().map_err(|_| {
            server_error(crate::error::AppError::invalid(
                "expires_in_days",
                "expires in: a whole number of days, or empty for never",
            ))
        })?),
    };
    let (id, token) = super::server::tokens::create_token(
        &db,
        &user,
        &name,
        narrowed,
        expires_in_days,
        db.clock().now().unix_timestamp(),
    )
    .await
    .map_err(server_error)?;
    crate::shared::audit::record(
        db.pool(),
        &caller.origin,
        Some(&actor(&caller)),
        "token.create",
        Some(&format!("token {id} of {user}")),
        None,
        Some(&name),
    )
    .await
    .map_err(|e| server_error(e.into()))?;
    Ok(token)
}

/// Revokes an API token (admins only).
#[server]
pub async fn revoke_api_token(id: i64) -> Result<(), ServerError> {
    let (db, caller) = admin()?;
    let n = super::server::store::revoke_token(db.pool(), id)
        .await
        .map_err(|e| server_error(e.into()))?;
    if n == 0 {
        return Err(server_error(crate::error::AppError::NotFound(format!(
            "no live token {id}"
        ))));
    }
    crate::shared::audit::record(
        db.pool(),
        &caller.origin,
        Some(&actor(&caller)),
        "token.revoke",
        Some(&format!("token {id}")),
        None,
        None,
    )
    .await
    .map_err(|e| server_error(e.into()))?;
    Ok(())
}

/// A page of the audit trail, newest first (admins only): `AUDIT_PAGE` rows
/// matching the filters of the page's query string.
#[server]
pub async fn list_audit(query: String) -> Result<Vec<AuditRow>, ServerError> {
    let (db, _) = admin()?;
    let q = parse_audit_query(&query).map_err(server_error)?;
    let rows = crate::shared::audit::list(db.pool(), &q, AUDIT_PAGE)
        .await
        .map_err(|e| server_error(e.into()))?;
    Ok(rows
        .into_iter()
        .map(|r| AuditRow {
            id: r.id,
            at: r.at,
            actor: r.actor,
            action: r.action,
            object: r.object,
            before: r.before,
            after: r.after,
            source: r.source,
            request_id: r.request_id,
        })
        .collect())
}

/// Rows per page of the audit page.
pub const AUDIT_PAGE: i64 = 100;

/// Parses the audit page's query string (`actor=…&from=…`), naming a bad field.
#[cfg(feature = "ssr")]
pub fn parse_audit_query(
    query: &str,
) -> Result<crate::shared::audit_query::AuditQuery, crate::error::AppError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    crate::shared::audit_query::AuditQuery::parse(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )
    .map_err(crate::error::AppError::from)
}

/// One audit row, for the audit page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: Option<String>,
    pub action: String,
    pub object: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub source: Option<String>,
    pub request_id: Option<String>,
}
