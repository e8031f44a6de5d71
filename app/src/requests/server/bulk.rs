//! Bulk decisions from the approver's inbox: each request decided on its own
//! through `act`, so one refusal does not stop the rest.

use super::act::act;
use crate::auth::server::caller::Caller;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::requests::domain::Action;
use crate::requests::types::{ActionInput, CapacityRequest};
use crate::shared::audit;

/// The most requests one bulk decision may name.
pub const MAX_BULK: usize = 200;

/// What a bulk decision did: each request decided on its own.
#[derive(Debug, Default)]
pub struct BulkOutcome {
    pub done: Vec<CapacityRequest>,
    pub failed: Vec<(String, AppError)>,
}

/// Approves or rejects several requests, each at the version the caller saw
/// and each checked on its own (one refusal does not stop the rest; a refused
/// one is audited like any 403). More than `MAX_BULK` is refused whole; a
/// rejection without a reason is refused whole too. Requests whose units
/// cannot be placed now are not approved in bulk.
pub async fn decide_many(
    db: &Db,
    caller: &Caller,
    action: Action,
    picks: &[(String, i64)],
    comment: Option<&str>,
) -> AppResult<BulkOutcome> {
    caller.require(crate::auth::Role::Approver)?;
    if !matches!(action, Action::Approve | Action::Reject) {
        return Err(AppError::invalid("action", "choose approve or reject"));
    }
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if action.needs_reason() && comment.is_none() {
        return Err(AppError::invalid("comment", Action::REASON_REQUIRED));
    }
    if picks.is_empty() {
        return Err(AppError::invalid("keys", "select at least one request"));
    }
    if picks.len() > MAX_BULK {
        return Err(AppError::invalid(
            "keys",
            format!("select at most {MAX_BULK} requests at once"),
        ));
    }
    let mut out = BulkOutcome::default();
    let snap = crate::fleet::server::service::snapshot(db).await?;
    for (key, version) in picks {
        // Approvals in bulk only for what can be placed now: a request beyond
        // the free units is decided on its own page, with its preview.
        if action == Action::Approve {
            if let Ok(r) = super::service::get(db, caller, key).await {
                let (_, short) = super::outlook::outlook(db, &snap, &r).await?;
                if short > 0 {
                    out.failed.push((
                        r.key.clone(),
                        AppError::Conflict(format!(
                            "cannot be placed now (short by {short} units); decide it on its page"
                        )),
                    ));
                    continue;
                }
            }
        }
        let input = ActionInput {
            version: Some(*version),
            comment: comment.map(str::to_owned),
            with_buildout: false,
        };
        match act(db, caller, key, action, &input).await {
            Ok(r) => out.done.push(r),
            Err(e) => {
                if let AppError::Forbidden(why) = &e {
                    let actor = caller.user.as_ref().map(|u| u.name.as_str());
                    let what = format!("bulk {action} {}", crate::shared::text::bounded(key, 40));
                    audit::record_refusal(
                        db,
                        &caller.origin,
                        actor,
                        "access.denied",
                        Some(&what),
                        Some(why),
                    )
                    .await;
                }
                out.failed
                    .push((crate::shared::text::bounded(key, 40).into_owned(), e));
            }
        }
    }
    Ok(out)
}
