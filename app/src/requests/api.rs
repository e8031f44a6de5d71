//! Server functions of the request pages: reads, and the forms (file, act,
//! comment, bulk decide), which work with and without WASM — hydrated, an
//! `ActionForm` calls them in place; without JS, the browser posts the form and
//! is sent on (to the request, with a notice) or back (with the error, which
//! names its field, and what was typed: the short fields in the URL, the
//! justification kept server-side as a draft, `shared::drafts`).

use std::collections::HashMap;

use leptos::prelude::*;

use super::types::{
    ApprovalInbox, CapacityRequest, FulfilmentQueue, NavCounts, RequestDetail, RequestFilter,
};
#[cfg(feature = "ssr")]
use crate::shared::drafts;
use crate::shared::fields::ServerError;
#[cfg(feature = "ssr")]
use crate::shared::forms::{back_with_error, go_to};
use crate::shared::page::Page;

#[cfg(feature = "ssr")]
use crate::auth::{Access, Role};
#[cfg(feature = "ssr")]
use crate::error::{server_error, AppError};

/// A page of requests for the list, from the page's URL query.
#[server]
pub async fn list_requests_page(
    filter: RequestFilter,
    cursor: Option<String>,
) -> Result<Page<CapacityRequest>, ServerError> {
    let (db, caller) = crate::authorize(Access::SignedIn)?;
    let cursor = cursor.filter(|v| !v.trim().is_empty());
    super::server::service::list(&db, &caller, &filter, cursor.as_deref(), 50)
        .await
        .map_err(server_error)
}

/// One request's page.
#[server]
pub async fn get_request_detail(key: String) -> Result<RequestDetail, ServerError> {
    let (db, caller) = crate::authorize(Access::SignedIn)?;
    super::server::views::detail(&db, &caller, &key)
        .await
        .map_err(server_error)
}

/// The approver's inbox.
#[server]
pub async fn get_approval_inbox() -> Result<ApprovalInbox, ServerError> {
    let (db, caller) = crate::authorize(Access::Role(Role::Approver))?;
    super::server::views::inbox(&db, &caller)
        .await
        .map_err(server_error)
}

/// The operators' queue: approved requests to fulfil, soonest need-by first.
#[server]
pub async fn get_fulfilment_queue() -> Result<FulfilmentQueue, ServerError> {
    let (db, caller) = crate::authorize(Access::Role(Role::Operator))?;
    super::server::views::fulfilment_queue(&db, &caller)
        .await
        .map_err(server_error)
}

/// What the navigation counts for the caller ("3 waiting for you"); nothing
/// for an anonymous visitor or a monitor-only account (the layout asks on
/// every page, the sign-in page too, which must not turn into a 401 or 403
/// for them). Over HTTP the middleware refuses them, as declared.
#[server]
pub async fn get_nav_counts() -> Result<NavCounts, ServerError> {
    let (db, caller) = crate::authorize(Access::Public)?;
    let Some(me) = caller.user.as_ref().filter(|u| u.reads()) else {
        return Ok(NavCounts::default());
    };
    // A page rendered for every caller with these roles counts for nobody:
    // the counts a role has, as marks.
    if let Some(marks) = crate::shared::template::marks() {
        return Ok(NavCounts {
            waiting_for_me: me.has(Role::Approver).then_some(marks.waiting),
            mine_in_flight: me.has(Role::Requester).then_some(marks.mine),
        });
    }
    super::server::views::nav_counts(&db, &caller)
        .await
        .map_err(server_error)
}

/// The new-request form's fields, as typed (the service checks them).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct NewRequestForm {
    pub kind: Option<String>,
    pub region: Option<String>,
    pub zone: Option<String>,
    pub sku: Option<String>,
    pub quantity: Option<String>,
    pub need_by: Option<String>,
    pub service: Option<String>,
    pub justification: Option<String>,
    pub priority: Option<String>,
    /// Present when "Save as draft" was pressed.
    pub draft: Option<String>,
}

/// Files a request from the new-request form (submitted unless "Save as
/// draft"), then shows it.
#[server]
pub async fn file_request(
    #[server(flatten)] form: NewRequestForm,
) -> Result<CapacityRequest, ServerError> {
    let short = short_fields(&form);
    let NewRequestForm {
        kind,
        region,
        zone,
        sku,
        quantity,
        need_by,
        service,
        justification,
        priority,
        draft,
    } = form;
    let (db, caller) = crate::authorize(Access::Role(Role::Requester))?;
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let keep: Vec<(&str, &str)> = short.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let filed = async {
        let quantity = match text(&quantity) {
            None => None,
            Some(q) => Some(q.parse::<i64>().map_err(|_| {
                AppError::invalid("quantity", "quantity must be a whole number of units")
            })?),
        };
        let zone = match text(&zone) {
            None => None,
            Some(z) => Some(
                z.parse::<i64>()
                    .map_err(|_| AppError::invalid("zone", "zone must be 1, 2 or 3"))?,
            ),
        };
        let input = super::types::RequestInput {
            kind: text(&kind),
            region: text(&region),
            zone: Some(zone),
            sku: text(&sku),
            quantity,
            need_by: text(&need_by),
            service: text(&service),
            justification: text(&justification),
            priority: text(&priority),
            draft: draft.is_some(),
            version: None,
        };
        super::server::service::create(&db, &caller, &input).await
    };
    match filed.await {
        Ok(r) => {
            if let Some(user) = &caller.user {
                let _ = drafts::drop_draft(&db, user.id, DRAFT_FORM).await;
            }
            let notice = if r.state == super::domain::State::Draft {
                format!("{} saved; it is draft until you submit it", r.key)
            } else {
                r.outcome(super::domain::Action::Submit)
            };
            go_to(&notice_for(&r, &notice));
            Ok(r)
        }
        Err(e) => {
            let e = server_error(e);
            // Without JS the justification waits server-side, never in the URL.
            let kept = keep_justification(&db, &caller, justification.as_deref()).await;
            let mut keep = keep;
            if let Some(token) = &kept {
                keep.push(("kept", token));
            }
            back_with_error::<FileRequest>(&keep, &e);
            Err(e)
        }
    }
}

/// The new-request form's short fields that were typed, for a URL (never
/// the justification).
#[cfg(feature = "ssr")]
fn short_fields(form: &NewRequestForm) -> Vec<(&'static str, String)> {
    [
        ("kind", &form.kind),
        ("region", &form.region),
        ("zone", &form.zone),
        ("sku", &form.sku),
        ("quantity", &form.quantity),
        ("need_by", &form.need_by),
        ("service", &form.service),
        ("priority", &form.priority),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
    .collect()
}

/// Keeps a typed justification as the caller's draft; its token, if kept.
#[cfg(feature = "ssr")]
async fn keep_justification(
    db: &crate::db::Db,
    caller: &crate::auth::server::caller::Caller,
    justification: Option<&str>,
) -> Option<String> {
    let user = caller.user.as_ref()?;
    let j = justification.filter(|j| !j.trim().is_empty())?;
    let now = db.clock().now().unix_timestamp();
    drafts::keep(db, user.id, DRAFT_FORM, &[("justification", j)], now)
        .await
        .ok()
}

/// The no-JS "Show headroom" button: the form reloaded with the chosen
/// region × SKU's headroom, the short fields in the URL and the justification
/// kept server-side (a GET form would put it in the URL).
#[server]
pub async fn show_request_headroom(
    #[server(flatten)] form: NewRequestForm,
) -> Result<(), ServerError> {
    let (db, caller) = crate::authorize(Access::Role(Role::Requester))?;
    let mut pairs = short_fields(&form);
    if let Some(token) = keep_justification(&db, &caller, form.justification.as_deref()).await {
        pairs.push(("kept", token));
    }
    let query = crate::shared::url::query_string(pairs.iter().map(|(k, v)| (*k, v.as_str())));
    go_to(&format!("/requests/new?{query}"));
    Ok(())
}

/// The name the new-request form's drafts are kept under.
#[cfg(feature = "ssr")]
const DRAFT_FORM: &str = "file_request";

/// The justification a refused no-JS filing left behind (`kept` in the URL it
/// was sent back to); empty when there is none or it is not the caller's.
#[server]
pub async fn get_request_draft(kept: String) -> Result<String, ServerError> {
    let (db, caller) = crate::authorize(Access::Role(Role::Requester))?;
    let user = caller.user.as_ref().map(|u| u.id).unwrap_or_default();
    let now = db.clock().now().unix_timestamp();
    let fields = drafts::read(
        &db,
        user,
        DRAFT_FORM,
        crate::shared::text::prefix(&kept, 64),
        now,
    )
    .await
    .map_err(server_error)?;
    Ok(fields
        .into_iter()
        .find(|(k, _)| k == "justification")
        .map(|(_, v)| v)
        .unwrap_or_default())
}

/// Submits, approves, rejects, cancels or fulfils a request from its page, at
/// the version the page showed, with an optional comment.
#[server]
pub async fn act_on_request(
    key: String,
    action: String,
    version: Option<String>,
    comment: Option<String>,
    with_buildout: Option<String>,
) -> Result<CapacityRequest, ServerError> {
    let (db, caller) = crate::authorize(Access::SignedIn)?;
    let acted = async {
        let action =
            super::domain::Action::parse(&action).map_err(|m| AppError::invalid("action", m))?;
        let input = super::types::ActionInput {
            version: version.as_deref().and_then(|v| v.trim().parse().ok()),
            comment: comment.filter(|c| !c.trim().is_empty()),
            with_buildout: with_buildout.is_some(),
        };
        super::server::act::act(&db, &caller, &key, action, &input)
            .await
            .map(|r| (r, action))
    };
    match acted.await {
        Ok((r, action)) => {
            go_to(&notice_for(&r, &r.outcome(action)));
            Ok(r)
        }
        Err(e) => Err(server_error(e)),
    }
}

/// The request page with a notice of what just happened to it.
#[cfg(feature = "ssr")]
fn notice_for(r: &CapacityRequest, notice: &str) -> String {
    format!(
        "/requests/{}?notice={}",
        r.key,
        crate::shared::url::encode_component(notice)
    )
}

/// Adds a comment from a request's page.
#[server]
pub async fn comment_on_request(
    key: String,
    comment: String,
) -> Result<CapacityRequest, ServerError> {
    let (db, caller) = crate::authorize(Access::SignedIn)?;
    match super::server::service::comment(&db, &caller, &key, &comment).await {
        Ok(r) => {
            go_to(&notice_for(&r, &format!("comment added to {}", r.key)));
            Ok(r)
        }
        Err(e) => Err(server_error(e)),
    }
}

/// What a bulk decision did, in words.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BulkSummary {
    pub done: Vec<String>,
    pub failed: Vec<String>,
}

impl BulkSummary {
    pub fn message(&self) -> String {
        let mut m = String::new();
        if !self.done.is_empty() {
            m.push_str(&format!("Done: {}. ", self.done.join(", ")));
        }
        if !self.failed.is_empty() {
            m.push_str(&format!("Failed: {}.", self.failed.join("; ")));
        }
        m.trim().to_owned()
    }
}

/// Approves or rejects the requests ticked in the inbox (`pick[CR-…]` = the
/// version shown), each checked on its own; then shows the inbox with what
/// went through and what did not.
#[server]
pub async fn decide_requests(
    action: String,
    pick: Option<HashMap<String, String>>,
    comment: Option<String>,
) -> Result<BulkSummary, ServerError> {
    let (db, caller) = crate::authorize(Access::Role(Role::Approver))?;
    let decided = async {
        let action =
            super::domain::Action::parse(&action).map_err(|m| AppError::invalid("action", m))?;
        let mut picks: Vec<(String, i64)> = pick
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.trim().parse().unwrap_or(0)))
            .collect();
        // Oldest first, as the inbox lists them.
        picks.sort_by_key(|(k, _)| super::domain::parse_key(k).unwrap_or(i64::MAX));
        super::server::bulk::decide_many(&db, &caller, action, &picks, comment.as_deref()).await
    };
    let outcome = decided.await.map_err(server_error)?;
    let summary = BulkSummary {
        done: outcome
            .done
            .iter()
            .map(|r| format!("{} {}", r.key, r.state))
            .collect(),
        failed: outcome
            .failed
            .iter()
            .map(|(k, e)| format!("{k}: {e}"))
            .collect(),
    };
    let kind = if summary.failed.is_empty() {
        "notice"
    } else {
        "error"
    };
    go_to(&format!(
        "/approvals?{kind}={}",
        crate::shared::url::encode_component(&summary.message())
    ));
    Ok(summary)
}
