//! Requests: filing, editing, reading, listing and commenting, shared by the
//! API, the server functions and the seed. Decisions (submit, approve, reject,
//! cancel, fulfil) are in `act.rs`; the request page's and the inbox's views
//! in `views.rs`. Every function takes the caller and checks it first.

use std::collections::HashMap;

use super::act;
use super::fields;
use super::policy_run::run_policy;
use super::records;
use super::store::{self, ListWhere, RequestRow};
use crate::auth::server::caller::Caller;
use crate::auth::Role;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::fleet::server::service as fleet;
use crate::requests::domain::{self, Action, State};
use crate::requests::policy::Decision;
use crate::requests::types::{
    ActionInput, Approval, CapacityRequest, RequestFilter, RequestInput, Reservation,
};
use crate::shared::audit;
use crate::shared::page::Page;

pub(super) fn parse_key(key: &str) -> AppResult<i64> {
    domain::parse_key(key).map_err(|m| AppError::invalid("key", m))
}

pub(super) fn required<T>(v: Option<T>, field: &'static str) -> AppResult<T> {
    v.ok_or_else(|| AppError::invalid(field, format!("{field} is required")))
}

/// Requests as the API shows them, with their approvals and reservations
/// (three queries however many rows).
pub(super) async fn assemble(
    ex: &mut sqlx::AnyConnection,
    rows: Vec<RequestRow>,
) -> AppResult<Vec<CapacityRequest>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let approvals = records::approvals_of(&mut *ex, &ids).await?;
    let reservations = records::reservations_of(&mut *ex, &ids).await?;
    Ok(assemble_loaded(rows, approvals, reservations))
}

/// Requests as the API shows them, from rows whose approvals and reservations
/// were read already.
pub(super) fn assemble_loaded(
    rows: Vec<RequestRow>,
    approval_rows: Vec<records::ApprovalRow>,
    reservation_rows: Vec<records::ReservationRow>,
) -> Vec<CapacityRequest> {
    let mut approvals: HashMap<i64, Vec<Approval>> = HashMap::new();
    for a in approval_rows {
        approvals.entry(a.request_id).or_default().push(Approval {
            approver: a.approver,
            at: a.at,
        });
    }
    let mut reservations: HashMap<i64, Vec<Reservation>> = HashMap::new();
    for r in reservation_rows {
        reservations
            .entry(r.request_id)
            .or_default()
            .push(Reservation {
                cluster_id: r.cluster_id,
                cluster: r.cluster,
                units: r.units,
            });
    }
    rows.into_iter()
        .map(|row| {
            let policy = match (&row.policy_rule, row.approvals_needed) {
                (Some(rule), Some(n)) => Some(
                    Decision {
                        rule: rule.clone(),
                        approvals: n.clamp(0, 255) as u8,
                    }
                    .explain(),
                ),
                _ => None,
            };
            CapacityRequest {
                key: domain::key_of(row.id),
                kind: row.kind,
                region: row.region.to_string(),
                zone: row.zone,
                sku: row.sku.to_string(),
                quantity: row.quantity,
                need_by: row.need_by,
                service: row.service,
                justification: row.justification,
                priority: row.priority,
                requester: row.requester,
                state: row.state,
                version: row.version,
                hold_until: row.hold_until,
                policy,
                approvals_needed: row.approvals_needed,
                approvals: approvals.remove(&row.id).unwrap_or_default(),
                reservations: reservations.remove(&row.id).unwrap_or_default(),
                deployment: row.deployment_id.map(crate::deployments::domain::key_of),
                created_at: row.created_at,
                updated_at: row.updated_at,
            }
        })
        .collect()
}

/// One request by id, as it is now.
pub(super) async fn load(db: &Db, id: i64) -> AppResult<CapacityRequest> {
    load_in(&mut *db.pool().acquire().await?, id).await
}

/// One request by id, read on `conn` (inside a transaction: as it will be committed).
pub(super) async fn load_in(conn: &mut sqlx::AnyConnection, id: i64) -> AppResult<CapacityRequest> {
    let row = store::find_request(&mut *conn, id, "")
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no request {}", domain::key_of(id))))?;
    Ok(assemble(conn, vec![row]).await?.remove(0))
}

/// One request by key, for a signed-in caller.
pub async fn get(db: &Db, caller: &Caller, key: &str) -> AppResult<CapacityRequest> {
    caller.user()?;
    load(db, parse_key(key)?).await
}

/// A page of requests, newest first, for a signed-in caller.
pub async fn list(
    db: &Db,
    caller: &Caller,
    filter: &RequestFilter,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<Page<CapacityRequest>> {
    caller.user()?;
    let state = match &filter.state {
        Some(s) => Some(State::parse(s).map_err(|m| AppError::invalid("state", m))?),
        None => None,
    };
    let filed_before = match &filter.older_than_days {
        None => None,
        Some(d) => match d.parse::<i64>() {
            Ok(days @ 0..=3650) => Some(crate::shared::time::rfc3339(
                db.clock().now() - time::Duration::days(days),
            )),
            _ => {
                return Err(AppError::invalid(
                    "older_than_days",
                    format!(
                        "older_than_days: '{}' is not a number of days from 0 to 3650",
                        crate::shared::text::bounded(d, 20)
                    ),
                ))
            }
        },
    };
    let before_id = match cursor {
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| AppError::invalid("cursor", "is not a cursor from this list"))?,
        ),
        None => None,
    };
    let where_ = ListWhere {
        state,
        region: filter.region.as_deref(),
        sku: filter.sku.as_deref(),
        requester: filter.requester.as_deref(),
        filed_before: filed_before.as_deref(),
        before_id,
    };
    let mut conn = db.pool().acquire().await?;
    let mut rows = store::list_requests(&mut *conn, &where_, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    let items = assemble(&mut conn, rows).await?;
    Ok(Page { items, next_cursor })
}

/// Files a request (submitted unless `draft`).
pub async fn create(db: &Db, caller: &Caller, input: &RequestInput) -> AppResult<CapacityRequest> {
    let me = caller.require(Role::Requester)?.clone();
    let snap = fleet::snapshot(db).await?;
    let fields = fields::parse(input, &snap, db.clock().today())?;
    let now = db.clock().now_rfc3339();
    // Filed and submitted in one transaction: never a draft left behind by a
    // submission that failed, nor a 503 about a request that was filed.
    let mut tx = db.begin_write().await?;
    let id = store::insert_request(&mut *tx, &fields.row(), me.id, &now).await?;
    audit::record(
        &mut *tx,
        &caller.origin,
        Some(&me.name),
        "request.create",
        Some(&domain::key_of(id)),
        None,
        Some(State::Draft.as_str()),
    )
    .await?;
    if !input.draft {
        let submit = ActionInput {
            version: Some(1),
            comment: None,
            with_buildout: false,
        };
        act::act_in(db, &mut tx, caller, &snap, id, Action::Submit, &submit).await?;
    }
    let filed = load_in(&mut tx, id).await?;
    tx.commit().await?;
    Ok(filed)
}

/// Edits the requester's own draft or submitted request at the version they
/// saw; fields left out keep their values. A submitted request was approved,
/// and its policy decided, for what it said before: its approvals are cleared
/// and the policy runs again, on the timeline.
pub async fn edit(
    db: &Db,
    caller: &Caller,
    key: &str,
    patch: &RequestInput,
) -> AppResult<CapacityRequest> {
    let me = caller.require(Role::Requester)?.clone();
    let id = parse_key(key)?;
    let version = required(patch.version, "version")?;
    let snap = fleet::snapshot(db).await?;
    let now = db.clock().now_rfc3339();
    let mut tx = db.begin_write().await?;
    let row = store::find_request(&mut *tx, id, db.lock_rows())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no request {key}")))?;
    if row.requester_id != me.id {
        return Err(AppError::Forbidden(
            "only the requester may edit a request".into(),
        ));
    }
    if row.version != version {
        return Err(AppError::Conflict(format!(
            "{key} changed since you saw it (now version {})",
            row.version
        )));
    }
    let fields = fields::parse(&fields::merged(&row, patch), &snap, db.clock().today())?;
    if store::update_fields(&mut *tx, id, version, &fields.row(), &now).await? != 1 {
        return Err(AppError::Conflict(format!(
            "a {} request cannot be edited",
            row.state
        )));
    }
    audit::record(
        &mut *tx,
        &caller.origin,
        Some(&me.name),
        "request.edit",
        Some(key),
        Some(row.state.as_str()),
        Some(row.state.as_str()),
    )
    .await?;
    if row.state == State::Submitted {
        let cleared = records::delete_approvals(&mut *tx, id).await?;
        let why = format!("edited after submission: {cleared} approval(s) cleared");
        run_policy(db, &mut tx, caller, &snap, id, Some(&why), &now).await?;
    }
    let done = load_in(&mut tx, id).await?;
    tx.commit().await?;
    Ok(done)
}

/// Adds a comment (any signed-in user).
pub async fn comment(
    db: &Db,
    caller: &Caller,
    key: &str,
    body: &str,
) -> AppResult<CapacityRequest> {
    caller.user()?;
    let id = parse_key(key)?;
    let body = domain::parse_text(body, 4000)
        .map_err(|m| AppError::invalid("comment", format!("comment {m}")))?;
    let mut tx = db.begin_write().await?;
    store::find_request(&mut *tx, id, "")
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no request {key}")))?;
    add_comment(&mut tx, caller, id, &body, &db.clock().now_rfc3339()).await?;
    let done = load_in(&mut tx, id).await?;
    tx.commit().await?;
    Ok(done)
}

/// Stores a comment and records it in the audit trail (the request's timeline).
pub(super) async fn add_comment(
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    id: i64,
    body: &str,
    now: &str,
) -> AppResult<()> {
    let me = caller.user()?;
    records::insert_comment(&mut *tx, id, me.id, body, now).await?;
    audit::record(
        &mut *tx,
        &caller.origin,
        Some(&me.name),
        "request.comment",
        Some(&domain::key_of(id)),
        None,
        Some(body),
    )
    .await?;
    Ok(())
}
