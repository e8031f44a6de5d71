//! What the request pages show beyond the request itself: the request page
//! (timeline, comments, the caller's actions — from the same `decide` the
//! service applies — and, for approvers, the headroom after approval) and the
//! approver's inbox.

use super::act::{facts, unit_of};
use super::service::{assemble, assemble_loaded, parse_key};
use super::{records, store};
use crate::auth::server::caller::Caller;
use crate::auth::Role;
use crate::db::Db;
use crate::error::{AppError, AppResult, CapacityShortfall};
use crate::fleet::server::ledger::{self, Slot};
use crate::fleet::server::service as fleet;
use crate::fleet::server::snapshot::Snapshot;
use crate::fleet::server::store as fleet_store;
use crate::requests::domain::{Action, Kind, State};
use crate::requests::types::{
    ApprovalInbox, CapacityRequest, Comment, FulfilmentQueue, HeadroomChange, NavCounts, Preview,
    RequestDetail, TimelineEntry,
};
use crate::requests::workflow::allowed;

/// Where a request's units would be placed now: each cluster's free units
/// and band before → after, the units short and the shortfall's message.
async fn placement(
    db: &Db,
    snap: &Snapshot,
    r: &CapacityRequest,
) -> AppResult<(Vec<HeadroomChange>, i64, Option<String>)> {
    let t = snap.thresholds;
    let slot = Slot {
        region: &r.region,
        sku: &r.sku,
        zone: r.zone,
    };
    let (plan, short, shortfall) = match ledger::preview_reservation(db, slot, r.quantity).await? {
        Ok(plan) => (plan, 0, None),
        Err(s) => (
            Vec::new(),
            s.units,
            Some(
                CapacityShortfall {
                    units: s.units,
                    region: r.region.clone(),
                    zone: r.zone,
                    unit: unit_of(snap, &r.sku),
                }
                .message(),
            ),
        ),
    };
    let ids: Vec<i64> = plan.iter().map(|h| h.cluster_id).collect();
    let clusters = fleet_store::cluster_frees(db.pool(), &ids)
        .await?
        .into_iter()
        .map(|(id, name, free, used, serviceable)| {
            let take = plan
                .iter()
                .find(|h| h.cluster_id == id)
                .map_or(0, |h| h.units);
            HeadroomChange {
                name,
                free_before: free,
                free_after: free - take,
                health_before: t.band(used, serviceable),
                health_after: t.band(used + take, serviceable),
            }
        })
        .collect();
    Ok((clusters, short, shortfall))
}

/// What approving a submitted provision request would do to the fleet, and
/// the units short of placing it.
async fn preview(
    db: &Db,
    caller: &Caller,
    snap: &Snapshot,
    r: &CapacityRequest,
) -> AppResult<Option<(Preview, i64)>> {
    if r.state != State::Submitted || r.kind != Kind::Provision {
        return Ok(None);
    }
    let t = snap.thresholds;
    let Some(pair) = snap
        .region(&r.region)
        .and_then(|reg| reg.skus.iter().find(|s| s.sku == r.sku))
    else {
        return Ok(None);
    };
    let l = pair.rollup.ledger;
    let (free_after, health_after) = l.after_reserving(r.quantity, &t);
    let region_sku = HeadroomChange {
        name: format!("{} · {}", r.region, r.sku),
        free_before: l.free(),
        free_after,
        health_before: pair.rollup.health,
        health_after,
    };
    // Where its units would go follows from the fleet alone: kept per
    // snapshot, so an approver's page reads no clusters while the fleet stands.
    let key = format!(
        "placement {} {} {:?} {}",
        r.region, r.sku, r.zone, r.quantity
    );
    let placed = snap.kept(key, placement(db, snap, r)).await?;
    let (clusters, short, shortfall) = (placed.0.clone(), placed.1, placed.2.clone());
    let pair = (r.region.as_str(), r.sku.as_str());
    let impact =
        crate::forecast::server::service::impact(db, caller, snap, pair, r.quantity).await?;
    Ok(Some((
        Preview {
            clusters,
            region_sku,
            shortfall,
            impact,
        },
        short,
    )))
}

/// The request page: the request, its timeline and comments, the caller's
/// possible actions, and for approvers the headroom after approval.
pub async fn detail(db: &Db, caller: &Caller, key: &str) -> AppResult<RequestDetail> {
    let me = caller.user()?.clone();
    let id = parse_key(key)?;
    let snap = fleet::snapshot_for(db, caller).await?;
    let mut conn = db.pool().acquire().await?;
    let row = store::find_request(&mut *conn, id, "")
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no request {key}")))?;
    let approvals = records::approvals_of(&mut *conn, &[id]).await?;
    let approvers: Vec<i64> = approvals.iter().map(|a| a.approver_id).collect();
    let actions = allowed(&me, &facts(&row, &approvers));
    let reservations = records::reservations_of(&mut *conn, &[id]).await?;
    let request = assemble_loaded(vec![row], approvals, reservations).remove(0);
    let needed = request.approvals_needed.unwrap_or(0);
    let mut approvals_so_far = 0;
    // The request's own trail, and what its buildouts went through (ring by ring).
    let trail = crate::deployments::server::views::request_trail(&mut conn, key, id).await?;
    let timeline = trail
        .into_iter()
        .map(|e| {
            if let Some(step) = e.action.strip_prefix("deployment.") {
                let dep = e.object.clone().unwrap_or_default();
                let detail = match (&e.before, &e.after) {
                    (Some(b), Some(a)) if step == "state" => format!("{b} → {a}"),
                    (_, Some(a)) => a.clone(),
                    _ => String::new(),
                };
                return TimelineEntry {
                    at: e.at,
                    actor: e.actor.unwrap_or_default(),
                    action: format!("{dep} {step}"),
                    detail,
                };
            }
            let action = e.action.trim_start_matches("request.").to_owned();
            let approval = Action::parse(&action) == Ok(Action::Approve);
            if approval {
                approvals_so_far += 1;
            }
            let detail = match (e.before, e.after) {
                // An approval that is not yet the last one changes no state.
                (Some(b), Some(a)) if b == a && approval => {
                    format!("approval {approvals_so_far} of {needed}; still {a}")
                }
                (Some(b), Some(a)) => format!("{b} → {a}"),
                (None, Some(a)) => a,
                _ => String::new(),
            };
            TimelineEntry {
                at: e.at,
                actor: e.actor.unwrap_or_default(),
                action,
                detail,
            }
        })
        .collect();
    let comments = records::comments(&mut *conn, id)
        .await?
        .into_iter()
        .map(|(author, at, body)| Comment { author, at, body })
        .collect();
    drop(conn);
    let previewed = match actions.contains(&Action::Approve) {
        true => preview(db, caller, &snap, &request).await?,
        false => None,
    };
    // An approver's preview has placed it already; others get the outlook.
    let (preview, short_by) = match previewed {
        Some((p, short)) => (Some(p), short),
        None => (None, super::outlook::outlook(db, &snap, &request).await?.1),
    };
    Ok(RequestDetail {
        short_by,
        unit: unit_of(&snap, &request.sku),
        request,
        timeline,
        comments,
        preview,
        actions,
    })
}

/// The approver's inbox: submitted requests they may decide, oldest first,
/// with the SLA they are measured against.
pub async fn inbox(db: &Db, caller: &Caller) -> AppResult<ApprovalInbox> {
    let me = caller.require(Role::Approver)?.clone();
    // The snapshot before the connection: holding one pooled connection while
    // the snapshot asks the pool for another deadlocks once every connection is
    // held that way (64 concurrent inbox requests stalled the benchmark).
    let snap = fleet::snapshot_for(db, caller).await?;
    let mut conn = db.pool().acquire().await?;
    let rows = store::inbox(&mut *conn, me.id, 200).await?;
    let requests = assemble(&mut conn, rows).await?;
    drop(conn);
    let items = super::outlook::inbox_items(db, &snap, requests).await?;
    Ok(ApprovalInbox {
        items,
        sla_business_days: snap.settings.sla_business_days,
        now: db.clock().now_rfc3339(),
    })
}

/// The navigation's counts for the caller: requests waiting for their approval
/// (approvers) and their own in flight (requesters); `None` for a role they lack.
pub async fn nav_counts(db: &Db, caller: &Caller) -> AppResult<NavCounts> {
    let me = caller.user()?;
    let (waiting_for_me, mine_in_flight) = store::nav_counts(
        db.pool(),
        me.id,
        me.has(Role::Approver),
        me.has(Role::Requester),
    )
    .await?;
    Ok(NavCounts {
        waiting_for_me,
        mine_in_flight,
    })
}

/// The navigation's counts for the caller and the deployments' fingerprint,
/// in one statement (a kept page's per-caller read, `server/src/pages.rs`);
/// the fingerprint is kept on the request (`shared::seen`) for its page's reads.
pub async fn nav_counts_and_deployments(
    db: &Db,
    caller: &Caller,
) -> AppResult<(NavCounts, crate::deployments::server::cache::Fingerprint)> {
    let me = caller.user()?;
    let ((waiting_for_me, mine_in_flight), fingerprint) = store::nav_counts_and_deployments(
        db.pool(),
        me.id,
        me.has(Role::Approver),
        me.has(Role::Requester),
    )
    .await?;
    if let Some(seen) = &caller.seen {
        seen.know_deployments(fingerprint.clone());
    }
    let counts = NavCounts {
        waiting_for_me,
        mine_in_flight,
    };
    Ok((counts, fingerprint))
}

/// The operators' queue: approved requests to fulfil, soonest need-by first
/// (at most 200), with today's date (UTC) to mark the overdue.
pub async fn fulfilment_queue(db: &Db, caller: &Caller) -> AppResult<FulfilmentQueue> {
    caller.require(Role::Operator)?;
    let mut conn = db.pool().acquire().await?;
    let rows = store::ready_to_fulfill(&mut *conn, 200).await?;
    let items = assemble(&mut conn, rows).await?;
    Ok(FulfilmentQueue {
        items,
        today: crate::shared::time::format_day(db.clock().today()),
    })
}
