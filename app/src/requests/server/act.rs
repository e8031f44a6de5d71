//! Acting on a request: `decide` (pure, `crate::requests::workflow`) says
//! whether the caller may and what it does; `apply` does it in one
//! transaction — the state change is a conditional update on state and
//! version, units move only through the fleet's ledger API, and the audit
//! trail records it. Also settling a reservation (fulfilment, expiry); the
//! policy run after submission is `policy_run`.

use super::records;
use super::service::{add_comment, load_in, parse_key, required};
use super::store::{self, RequestRow, Transition};
use crate::auth::server::caller::Caller;
use crate::db::Db;
use crate::error::{AppError, AppResult, CapacityShortfall};
use crate::fleet::placement::{Holding, Shortfall};
use crate::fleet::server::ledger::{self, Slot};
use crate::fleet::server::service as fleet;
use crate::fleet::server::snapshot::Snapshot;
use crate::requests::domain::{self, Action, Kind, State};
use crate::requests::types::{ActionInput, CapacityRequest};
use crate::requests::workflow::{decide, Facts, Plan, Refusal};
use crate::shared::audit;
use crate::shared::time::{format_day, parse_day};

pub(super) fn slot(row: &RequestRow) -> Slot<'_> {
    Slot {
        region: row.region.as_str(),
        sku: row.sku.as_str(),
        zone: row.zone,
    }
}

pub(super) fn shortfall(snap: &Snapshot, row: &RequestRow, s: Shortfall) -> AppError {
    AppError::InsufficientCapacity(CapacityShortfall {
        units: s.units,
        region: row.region.to_string(),
        zone: row.zone,
        unit: unit_of(snap, row.sku.as_str()),
    })
}

/// The unit a SKU is counted in ("vCPU"), for messages.
pub(super) fn unit_of(snap: &Snapshot, sku: &str) -> String {
    snap.options
        .skus
        .iter()
        .find(|k| k.code == sku)
        .map_or_else(|| "units".into(), |k| k.unit.as_str().to_owned())
}

/// `need_by` plus the grace period.
pub(super) fn hold_until(need_by: &str, grace_days: i64) -> String {
    parse_day(need_by)
        .map(|d| format_day(d + time::Duration::days(grace_days)))
        .unwrap_or_else(|| need_by.to_owned())
}

/// Who has approved a request so far.
async fn approvers(tx: &mut sqlx::AnyConnection, id: i64) -> AppResult<Vec<i64>> {
    Ok(records::approvals_of(&mut *tx, &[id])
        .await?
        .into_iter()
        .map(|a| a.approver_id)
        .collect())
}

/// The workflow's facts about a stored request.
pub(super) fn facts<'a>(row: &RequestRow, approvers: &'a [i64]) -> Facts<'a> {
    Facts {
        state: row.state,
        kind: row.kind,
        requester_id: row.requester_id,
        approvers,
        approvals_needed: row.approvals_needed,
    }
}

/// Submit, approve, reject, cancel or fulfil a request at the version the caller saw.
pub async fn act(
    db: &Db,
    caller: &Caller,
    key: &str,
    action: Action,
    input: &ActionInput,
) -> AppResult<CapacityRequest> {
    let id = parse_key(key)?;
    let snap = fleet::snapshot(db).await?;
    let mut tx = db.begin_write().await?;
    act_in(db, &mut tx, caller, &snap, id, action, input).await?;
    // Read inside the transaction: a read after the commit could fail (the
    // database gone) and answer 503 about a change that was made.
    let done = load_in(&mut tx, id).await?;
    tx.commit().await?;
    Ok(done)
}

/// `act`'s checks and change inside the caller's transaction (which also
/// files the request when it is submitted at once).
pub(super) async fn act_in(
    db: &Db,
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    snap: &Snapshot,
    id: i64,
    action: Action,
    input: &ActionInput,
) -> AppResult<()> {
    let me = caller.user()?.clone();
    let key = domain::key_of(id);
    let version = required(input.version, "version")?;
    let comment = match input
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(c) => Some(
            domain::parse_text(c, 4000)
                .map_err(|m| AppError::invalid("comment", format!("comment {m}")))?,
        ),
        None => None,
    };
    let now = db.clock().now_rfc3339();
    let row = store::find_request(&mut *tx, id, db.lock_rows())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no request {key}")))?;
    let approved_by = approvers(tx, id).await?;
    let decided = decide(action, &me, &facts(&row, &approved_by));
    if let Err(Refusal::Forbidden(why)) = &decided {
        return Err(AppError::Forbidden(why.clone()));
    }
    if action.needs_reason() && comment.is_none() {
        return Err(AppError::invalid("comment", Action::REASON_REQUIRED));
    }
    if row.version != version {
        return Err(AppError::Conflict(format!(
            "{key} changed since you saw it (now version {}, {})",
            row.version, row.state
        )));
    }
    let plan = decided.map_err(|r| match r {
        Refusal::Forbidden(why) | Refusal::Conflict(why) => AppError::Conflict(why),
    })?;
    apply(db, tx, caller, snap, &row, plan, input.with_buildout, &now).await?;
    if let Some(c) = &comment {
        add_comment(tx, caller, id, c, &now).await?;
    }
    if plan == Plan::Submit {
        super::policy_run::run_policy(db, tx, caller, snap, id, None, &now).await?;
    }
    Ok(())
}

/// Does what `plan` says to the request in `row`, inside `tx`. A final
/// approval the units are not there for is refused with the shortfall — or,
/// `with_buildout`, drafts a buildout for it and leaves the request awaiting
/// its capacity.
#[expect(
    clippy::too_many_arguments,
    reason = "the transaction's context, the plan and how to take it"
)]
async fn apply(
    db: &Db,
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    snap: &Snapshot,
    row: &RequestRow,
    plan: Plan,
    with_buildout: bool,
    now: &str,
) -> AppResult<()> {
    let me = caller.user()?;
    let mut hold = None;
    let mut next = plan.next(row.state);
    let mut note = None;
    // What a fulfilment delivered, for the timeline.
    let mut delivered = None;
    match plan {
        Plan::Submit | Plan::Reject | Plan::Cancel { release: false } => {}
        Plan::Approve { completes } => {
            records::insert_approval(&mut *tx, row.id, me.id, now).await?;
            if completes && row.kind == Kind::Provision {
                match ledger::reserve(db, tx, slot(row), row.quantity).await? {
                    Ok(held) => {
                        records::insert_reservations(tx, row.id, &held).await?;
                        hold = Some(hold_until(&row.need_by, snap.settings.hold_grace_days));
                    }
                    Err(s) if with_buildout => {
                        let dep = crate::deployments::server::service::draft_buildout(
                            db,
                            tx,
                            snap,
                            caller,
                            &row.region,
                            &row.sku,
                            row.zone,
                            s.units,
                            row.id,
                        )
                        .await?;
                        next = State::AwaitingCapacity;
                        note = Some(format!(
                            "{}: buildout {} drafted",
                            shortfall(snap, row, s),
                            crate::deployments::domain::key_of(dep)
                        ));
                    }
                    Err(s) => return Err(shortfall(snap, row, s)),
                }
            } else if completes {
                hold = Some(hold_until(&row.need_by, snap.settings.hold_grace_days));
            }
        }
        Plan::Cancel { release: true } => {
            settle(tx, row, Settle::Release).await?;
        }
        Plan::Fulfill {
            kind: Kind::Provision,
        } => {
            let held = settle(tx, row, Settle::Fulfill).await?;
            delivered = Some(format!("{} units allocated: {held}", row.quantity));
        }
        Plan::Fulfill {
            kind: Kind::Deprovision,
        } => {
            let back = ledger::give_back(db, tx, slot(row), row.quantity)
                .await?
                .map_err(|s| {
                    AppError::Conflict(format!(
                        "only {} of {} units are allocated there to give back",
                        row.quantity - s.units,
                        row.quantity
                    ))
                })?;
            delivered = Some(format!(
                "{} units given back from {} cluster{}",
                row.quantity,
                back.len(),
                if back.len() == 1 { "" } else { "s" }
            ));
        }
    }
    let moved = Transition {
        from: row.state,
        version: row.version,
        to: next,
        hold_until: hold.as_deref(),
        policy: None,
        now,
    };
    if store::transition(&mut *tx, row.id, &moved).await? != 1 {
        return Err(AppError::Conflict(format!(
            "{} changed while you acted; reload and try again",
            domain::key_of(row.id)
        )));
    }
    // An approval short of the last leaves the state as it was: no event.
    if next != row.state {
        super::events::moved(db, tx, row.id, next).await?;
    }
    let verb = match plan {
        Plan::Submit => Action::Submit,
        Plan::Approve { .. } => Action::Approve,
        Plan::Reject => Action::Reject,
        Plan::Cancel { .. } => Action::Cancel,
        Plan::Fulfill { .. } => Action::Fulfill,
    };
    audit::record(
        &mut *tx,
        &caller.origin,
        Some(&me.name),
        &format!("request.{verb}"),
        Some(&domain::key_of(row.id)),
        Some(row.state.as_str()),
        Some(next.as_str()),
    )
    .await?;
    if let Some(note) = note {
        super::policy_run::note_policy(tx, caller, row.id, &note).await?;
    }
    if let Some(what) = delivered {
        audit::record(
            &mut *tx,
            &caller.origin,
            Some(&me.name),
            "request.delivered",
            Some(&domain::key_of(row.id)),
            None,
            Some(&what),
        )
        .await?;
    }
    Ok(())
}

/// What happens to the units an approved provision holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Settle {
    /// Back to free (cancelled or expired).
    Release,
    /// Into allocation (fulfilled).
    Fulfill,
}

/// Releases or fulfils a request's reservation, and forgets it.
pub(super) async fn settle(
    tx: &mut sqlx::AnyConnection,
    row: &RequestRow,
    how: Settle,
) -> AppResult<String> {
    let rows = records::reservations_of(&mut *tx, &[row.id]).await?;
    let held: Vec<Holding> = rows.iter().map(records::ReservationRow::holding).collect();
    match how {
        Settle::Release => ledger::release(tx, slot(row), &held).await?,
        Settle::Fulfill => ledger::fulfill(tx, slot(row), &held).await?,
    }
    records::delete_reservations(&mut *tx, row.id).await?;
    Ok(rows
        .iter()
        .map(|r| format!("{} ×{}", r.cluster, r.units))
        .collect::<Vec<_>>()
        .join(", "))
}
