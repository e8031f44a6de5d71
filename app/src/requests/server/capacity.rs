//! Requests that wait for capacity (approved "with buildout"): when their
//! buildout completes, their units are reserved as on any approval and they
//! are approved, held until the later of need-by and completion plus the
//! grace; when it is rolled back or cancelled (or the capacity went to someone
//! else), they return to their approvers with a comment saying why. Called by
//! the deployments feature inside its own transaction.

use super::act::hold_until;
use super::records;
use super::service::add_comment;
use super::store::{self, Transition};
use crate::auth::server::caller::Caller;
use crate::db::Db;
use crate::error::AppResult;
use crate::fleet::server::ledger::{self, Slot};
use crate::requests::domain::{key_of, State};
use crate::shared::audit;
use crate::shared::time::format_day;

/// Reserves and approves the linked requests awaiting capacity (a buildout completed).
pub async fn serve_waiting(
    db: &Db,
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    requests: &[i64],
    deployment: &str,
) -> AppResult<()> {
    let waiting =
        store::requests_in_state(&mut *tx, requests, State::AwaitingCapacity, db.lock_rows())
            .await?;
    let settings = crate::settings::server::current(db).await?;
    let now = db.clock().now_rfc3339();
    let today = format_day(db.clock().today());
    for row in waiting {
        let slot = Slot {
            region: row.region.as_str(),
            sku: row.sku.as_str(),
            zone: row.zone,
        };
        match ledger::reserve(db, tx, slot, row.quantity).await? {
            Ok(held) => {
                records::insert_reservations(tx, row.id, &held).await?;
                // Held until the later of need-by and today (the completion), plus the grace.
                let from = if row.need_by.as_str() > today.as_str() {
                    row.need_by.clone()
                } else {
                    today.clone()
                };
                let hold = hold_until(&from, settings.hold_grace_days);
                let t = Transition {
                    from: State::AwaitingCapacity,
                    version: row.version,
                    to: State::Approved,
                    hold_until: Some(&hold),
                    policy: None,
                    now: &now,
                };
                if store::transition(&mut *tx, row.id, &t).await? == 1 {
                    super::events::moved(db, tx, row.id, State::Approved).await?;
                }
                audit::record(
                    &mut *tx,
                    &caller.origin,
                    Some("(deployment)"),
                    "request.reserve",
                    Some(&key_of(row.id)),
                    Some(State::AwaitingCapacity.as_str()),
                    Some(&format!("approved: {deployment} completed")),
                )
                .await?;
            }
            Err(short) => {
                let why = format!(
                    "{deployment} completed, but {} units are still missing",
                    short.units
                );
                back_to_submitted(db, tx, caller, &row, &why, &now).await?;
            }
        }
    }
    Ok(())
}

/// Sends the linked requests awaiting capacity back to their approvers (the buildout will not come).
pub async fn release_waiting(
    db: &Db,
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    requests: &[i64],
    why: &str,
) -> AppResult<()> {
    let waiting =
        store::requests_in_state(&mut *tx, requests, State::AwaitingCapacity, db.lock_rows())
            .await?;
    let now = db.clock().now_rfc3339();
    for row in waiting {
        back_to_submitted(db, tx, caller, &row, why, &now).await?;
    }
    Ok(())
}

/// Submitted again, its approvals cleared (they were for a capacity that did not
/// come), with a comment on its timeline.
async fn back_to_submitted(
    db: &Db,
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    row: &store::RequestRow,
    why: &str,
    now: &str,
) -> AppResult<()> {
    records::delete_approvals(&mut *tx, row.id).await?;
    let t = Transition {
        from: State::AwaitingCapacity,
        version: row.version,
        to: State::Submitted,
        hold_until: None,
        policy: None,
        now,
    };
    if store::transition(&mut *tx, row.id, &t).await? == 1 {
        super::events::moved(db, tx, row.id, State::Submitted).await?;
    }
    let comment = format!("Back to the approvers: {why}.");
    audit::record(
        &mut *tx,
        &caller.origin,
        Some("(deployment)"),
        "request.submit",
        Some(&key_of(row.id)),
        Some(State::AwaitingCapacity.as_str()),
        Some(State::Submitted.as_str()),
    )
    .await?;
    if caller.user.is_some() {
        add_comment(tx, caller, row.id, &comment, now).await?;
    } else {
        audit::record(
            &mut *tx,
            &caller.origin,
            Some("(deployment)"),
            "request.comment",
            Some(&key_of(row.id)),
            None,
            Some(&comment),
        )
        .await?;
    }
    Ok(())
}
