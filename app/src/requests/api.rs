//! Server functions of the request pages (reads; the forms post to plain
//! handlers so they work without WASM).

use leptos::prelude::*;

use super::types::{ApprovalInbox, CapacityRequest, RequestDetail, RequestFilter};
use crate::fleet::types::Page;

#[cfg(feature = "ssr")]
use crate::error::server_error;

/// A page of requests for the list, from the page's URL query.
#[server]
pub async fn list_requests_page(
    filter: RequestFilter,
    cursor: Option<String>,
) -> Result<Page<CapacityRequest>, ServerFnError> {
    let (db, caller) = crate::authorize(crate::auth::Access::SignedIn)?;
    let cursor = cursor.filter(|v| !v.trim().is_empty());
    super::server::service::list(&db, &caller, &filter, cursor.as_deref(), 50)
        .await
        .map_err(server_error)
}

/// One request's page.
#[server]
pub async fn get_request_detail(key: String) -> Result<RequestDetail, ServerFnError> {
    let (db, caller) = crate::authorize(crate::auth::Access::SignedIn)?;
    super::server::service::detail(&db, &caller, &key)
        .await
        .map_err(server_error)
}

/// The approver's inbox.
#[server]
pub async fn get_approval_inbox() -> Result<ApprovalInbox, ServerFnError> {
    let (db, caller) = crate::authorize(crate::auth::Access::Role(crate::auth::Role::Approver))?;
    super::server::service::inbox(&db, &caller)
        .await
        .map_err(server_error)
}
