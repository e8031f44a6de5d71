//! Running the approval policy on a submitted request (after submission, and
//! after an edit of a submitted request): how many approvals it needs, recorded
//! on its timeline, or — small and healthy, within the requester's daily
//! allowance — approved by the policy itself, reserving its units.

use super::act::{hold_until, shortfall, slot};
use super::records;
use super::store::{self, RequestRow, Transition};
use crate::auth::server::caller::Caller;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::fleet::server::ledger;
use crate::fleet::server::snapshot::Snapshot;
use crate::requests::domain::{self, Kind, State};
use crate::requests::policy::{decide as policy_decide, Decision};
use crate::shared::audit;
use crate::shared::time::format_day;

/// The policy's decision for a request as it stands.
fn policy_for(snap: &Snapshot, row: &RequestRow) -> AppResult<Decision> {
    let (family, health) = snap
        .pair(&row.region, &row.sku)
        .map(|s| (s.family, s.rollup.health))
        .ok_or_else(|| AppError::invalid("sku", "the region no longer offers this SKU"))?;
    Ok(policy_decide(
        &snap.settings.policy,
        family,
        row.quantity,
        health,
    ))
}

/// Runs the policy on a submitted request: records how many approvals it
/// needs (on the timeline, with `note` in front when given) and, if none,
/// approves it by itself.
pub(super) async fn run_policy(
    db: &Db,
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    snap: &Snapshot,
    id: i64,
    note: Option<&str>,
    now: &str,
) -> AppResult<()> {
    let row = store::find_request(&mut *tx, id, "")
        .await?
        .ok_or_else(|| AppError::NotFound(domain::key_of(id)))?;
    let decision = policy_for(snap, &row)?;
    let approvals = i64::from(decision.approvals);
    store::set_policy(&mut *tx, id, &decision.rule, approvals).await?;
    if let Some(note) = note {
        note_policy(tx, caller, id, &format!("{note}; {}", decision.explain())).await?;
    }
    if approvals == 0 {
        approve_by_policy(db, tx, caller, snap, &row, &decision.rule, now).await?;
    }
    Ok(())
}

/// Puts a change of the policy's decision on the request's timeline.
pub(super) async fn note_policy(
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    id: i64,
    what: &str,
) -> AppResult<()> {
    audit::record(
        &mut *tx,
        &caller.origin,
        Some("(policy)"),
        "request.policy",
        Some(&domain::key_of(id)),
        None,
        Some(what),
    )
    .await?;
    Ok(())
}

/// A submitted request the policy approves by itself: reserves now, recorded
/// as the policy's approval. Placement is computed before any unit moves, so
/// a shortfall changes nothing; then, or when the requester has had
/// `requests.auto_approvals_per_day` automatic approvals today (UTC), the
/// request waits for one person instead, and the timeline says why.
async fn approve_by_policy(
    db: &Db,
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    snap: &Snapshot,
    row: &RequestRow,
    rule: &str,
    now: &str,
) -> AppResult<()> {
    let limit = snap.settings.auto_approvals_per_day;
    let today = format!("{}T00:00:00Z", format_day(db.clock().today()));
    let used = store::count_auto_approved_since(&mut *tx, row.requester_id, &today).await?;
    let family = snap.sku(&row.sku).map(|k| k.family);
    let freeze = family
        .filter(|_| row.kind == Kind::Provision)
        .and_then(|f| crate::deployments::server::hold::frozen(snap, row.region.as_str(), f));
    let reserved = if used >= limit {
        Err(format!(
            "the requester has had {used} automatic approvals today (the limit is {limit})"
        ))
    } else if let Some(why) = freeze {
        Err(format!("a capacity freeze holds ({why})"))
    } else if row.kind == Kind::Provision {
        match ledger::reserve(db, tx, slot(row), row.quantity).await? {
            Ok(held) => {
                records::insert_reservations(tx, row.id, &held).await?;
                Ok(())
            }
            Err(s) => Err(shortfall(snap, row, s).to_string()),
        }
    } else {
        Ok(())
    };
    let why = match reserved {
        Err(why) => {
            let rule = format!("{rule}, but {why}: needs a human");
            store::set_policy(&mut *tx, row.id, &rule, 1).await?;
            return note_policy(tx, caller, row.id, &rule).await;
        }
        Ok(()) => format!("approved by policy: rule '{rule}'"),
    };
    let hold = hold_until(&row.need_by, snap.settings.hold_grace_days);
    let approve = Transition {
        from: State::Submitted,
        version: row.version,
        to: State::Approved,
        hold_until: Some(&hold),
        policy: None,
        now,
    };
    if store::transition(&mut *tx, row.id, &approve).await? == 1 {
        super::events::moved(db, tx, row.id, State::Approved).await?;
    }
    store::mark_auto_approved(&mut *tx, row.id, now).await?;
    audit::record(
        &mut *tx,
        &caller.origin,
        Some("(policy)"),
        "request.approve",
        Some(&domain::key_of(row.id)),
        Some(State::Submitted.as_str()),
        Some(&why),
    )
    .await?;
    Ok(())
}
