//! Admin server functions of the notices page; the service checks the role again.

use leptos::prelude::*;

use crate::shared::fields::ServerError;

use super::types::Notice;

#[cfg(feature = "ssr")]
use crate::error::server_error;

/// Active notices and those resolved in the last two weeks (admins only).
#[server]
pub async fn list_notices() -> Result<Vec<Notice>, ServerError> {
    let (db, caller) = crate::authorize(crate::auth::Access::Role(crate::auth::Role::Admin))?;
    super::server::service::current(&db, &caller)
        .await
        .map_err(server_error)
}

/// Publishes a notice (admins only): kind, title, affected regions (space- or
/// comma-separated codes) and the first update.
#[server]
pub async fn publish_notice(
    kind: String,
    title: String,
    regions: String,
    message: String,
) -> Result<Notice, ServerError> {
    let (db, caller) = crate::authorize(crate::auth::Access::Role(crate::auth::Role::Admin))?;
    let input = super::server::service::NoticeInput {
        kind,
        title,
        regions,
        message,
    };
    super::server::service::publish(&db, &caller, &input)
        .await
        .map_err(server_error)
}

/// Adds an update to an active notice, resolving it when `resolve` is "on"
/// (admins only).
#[server]
pub async fn update_notice(
    id: i64,
    version: i64,
    message: String,
    resolve: Option<String>,
) -> Result<Notice, ServerError> {
    let (db, caller) = crate::authorize(crate::auth::Access::Role(crate::auth::Role::Admin))?;
    let resolve = resolve.is_some_and(|v| !v.is_empty() && v != "off");
    super::server::service::add_update(&db, &caller, id, version, &message, resolve)
        .await
        .map_err(server_error)
}
