//! The request workflow, shared by the API and the pages. Every change runs in
//! one write transaction that re-reads the request (locked on PostgreSQL),
//! checks the caller's role and the version they saw, asks the pure state
//! machine, moves ledger units (clusters and rollup together), changes state
//! with a conditional update, and writes the audit trail.

use super::store::{self, NewRequest, RequestRow, Shift};
use crate::auth::server::audit::{self, now_rfc3339};
use crate::auth::server::caller::Caller;
use crate::auth::{CurrentUser, Role};
use crate::db::Db;
use crate::error::{AppError, AppResult, CapacityShortfall};
use crate::fleet::codes::{parse_zone, RegionCode, SkuCode};
use crate::fleet::server::snapshot::Snapshot;
use crate::fleet::server::{service as fleet, store as fleet_store};
use crate::fleet::types::Page;
use crate::requests::domain::{self, Action, Candidate, Kind, Priority, State};
use crate::requests::policy::decide;
use crate::requests::types::{
    ActionInput, Approval, CapacityRequest, RequestFilter, RequestInput, Reservation,
};
use crate::settings::server as settings;

/// The checked fields of a request.
struct Fields {
    kind: Kind,
    region: String,
    zone: Option<i64>,
    sku: String,
    quantity: i64,
    need_by: String,
    service: String,
    justification: String,
    priority: Priority,
}

fn required<T>(v: Option<T>, field: &'static str) -> AppResult<T> {
    v.ok_or_else(|| AppError::invalid(field, format!("{field} is required")))
}

/// Parses input into fields, naming the first bad one. Region and SKU must exist.
async fn parse_fields(db: &Db, i: &RequestInput) -> AppResult<Fields> {
    let kind = Kind::parse(&required(i.kind.clone(), "kind")?)
        .map_err(|m| AppError::invalid("kind", m))?;
    let region = RegionCode::parse(&required(i.region.clone(), "region")?)
        .map_err(|m| AppError::invalid("region", m))?;
    let zone = match i.zone {
        Some(z) => Some(parse_zone(&z.to_string()).map_err(|m| AppError::invalid("zone", m))?),
        None => None,
    };
    let sku = SkuCode::parse(&required(i.sku.clone(), "sku")?)
        .map_err(|m| AppError::invalid("sku", m))?;
    let quantity = domain::parse_quantity(required(i.quantity, "quantity")?)
        .map_err(|m| AppError::invalid("quantity", m))?;
    let need_by = domain::parse_date(&required(i.need_by.clone(), "need_by")?)
        .map_err(|m| AppError::invalid("need_by", m))?;
    let service = domain::parse_text(&required(i.service.clone(), "service")?, 100)
        .map_err(|m| AppError::invalid("service", format!("service {m}")))?;
    let justification =
        domain::parse_text(&required(i.justification.clone(), "justification")?, 4000)
            .map_err(|m| AppError::invalid("justification", format!("justification {m}")))?;
    let priority = Priority::parse(&required(i.priority.clone(), "priority")?)
        .map_err(|m| AppError::invalid("priority", m))?;
    let snap = fleet::snapshot(db).await?;
    let max_days = settings::count_of(&snap.settings, &crate::settings::REQUESTS_MAX_NEED_BY_DAYS);
    let latest = crate::fleet::server::history::format_day(
        time::OffsetDateTime::now_utc().date() + time::Duration::days(max_days),
    );
    // Both are YYYY-MM-DD, so text order is date order.
    if need_by > latest {
        return Err(AppError::invalid(
            "need_by",
            format!("need_by may be at most {max_days} days ahead (by {latest})"),
        ));
    }
    let known_region = snap
        .region(region.as_str())
        .ok_or_else(|| AppError::invalid("region", format!("no region '{region}'")))?;
    if !snap.options.skus.iter().any(|s| s.code == sku.as_str()) {
        return Err(AppError::invalid("sku", format!("no SKU '{sku}'")));
    }
    if !known_region.skus.iter().any(|s| s.sku == sku.as_str()) {
        return Err(AppError::invalid(
            "sku",
            format!("{region} offers no {sku}"),
        ));
    }
    Ok(Fields {
        kind,
        region: region.to_string(),
        zone,
        sku: sku.to_string(),
        quantity,
        need_by,
        service,
        justification,
        priority,
    })
}

fn new_row<'a>(f: &'a Fields, requester_id: i64, now: &'a str) -> NewRequest<'a> {
    NewRequest {
        kind: f.kind.as_str(),
        region: &f.region,
        zone: f.zone,
        sku: &f.sku,
        quantity: f.quantity,
        need_by: &f.need_by,
        service: &f.service,
        justification: &f.justification,
        priority: f.priority.as_str(),
        requester_id,
        now,
    }
}

fn parse_key(key: &str) -> AppResult<i64> {
    domain::parse_key(key).map_err(|m| AppError::invalid("key", m))
}

fn corrupt(e: String) -> AppError {
    AppError::Internal(anyhow::anyhow!("stored request is invalid: {e}"))
}

async fn assemble(ex: &mut sqlx::AnyConnection, row: RequestRow) -> AppResult<CapacityRequest> {
    let approvals = store::approvals(&mut *ex, row.id).await?;
    let reservations = store::reservations(&mut *ex, row.id).await?;
    let policy = match (&row.policy_rule, row.approvals_needed) {
        (Some(rule), Some(n)) => Some(
            crate::requests::policy::Decision {
                rule: rule.clone(),
                approvals: n as u8,
            }
            .explain(),
        ),
        _ => None,
    };
    Ok(CapacityRequest {
        key: domain::key_of(row.id),
        kind: Kind::parse(&row.kind).map_err(corrupt)?,
        region: row.region,
        zone: row.zone,
        sku: row.sku,
        quantity: row.quantity,
        need_by: row.need_by,
        service: row.service,
        justification: row.justification,
        priority: Priority::parse(&row.priority).map_err(corrupt)?,
        requester: row.requester,
        state: State::parse(&row.state).map_err(corrupt)?,
        version: row.version,
        hold_until: row.hold_until,
        policy,
        approvals_needed: row.approvals_needed,
        approvals: approvals
            .into_iter()
            .map(|(_, approver, at)| Approval { approver, at })
            .collect(),
        reservations: reservations
            .into_iter()
            .map(|(cluster_id, cluster, units)| Reservation {
                cluster_id,
                cluster,
                units,
            })
            .collect(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// One request by key, for a signed-in caller.
pub async fn get(db: &Db, caller: &Caller, key: &str) -> AppResult<CapacityRequest> {
    caller.user()?;
    load(db, key).await
}

/// One request by key, as it is now (after a change the caller made).
async fn load(db: &Db, key: &str) -> AppResult<CapacityRequest> {
    let id = parse_key(key)?;
    let mut conn = db.pool().acquire().await?;
    let row = store::find_request(&mut *conn, id, "")
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no request {key}")))?;
    assemble(&mut conn, row).await
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
    if let Some(s) = &filter.state {
        State::parse(s).map_err(|m| AppError::invalid("state", m))?;
    }
    let filed_before = match &filter.older_than_days {
        None => None,
        Some(d) => match d.parse::<i64>() {
            Ok(days @ 0..=3650) => Some(
                (time::OffsetDateTime::now_utc() - time::Duration::days(days))
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
            ),
            _ => {
                return Err(AppError::invalid(
                    "older_than_days",
                    format!("older_than_days: '{d}' is not a number of days from 0 to 3650"),
                ))
            }
        },
    };
    let before = match cursor {
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| AppError::invalid("cursor", "is not a cursor from this list"))?,
        ),
        None => None,
    };
    let mut conn = db.pool().acquire().await?;
    let where_ = store::ListWhere {
        state: filter.state.as_deref(),
        region: filter.region.as_deref(),
        sku: filter.sku.as_deref(),
        requester: filter.requester.as_deref(),
        filed_before: filed_before.as_deref(),
        before_id: before,
    };
    let mut rows = store::list_requests(&mut *conn, &where_, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|r| r.id.to_string())
    } else {
        None
    };
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        items.push(assemble(&mut conn, row).await?);
    }
    Ok(Page { items, next_cursor })
}

fn user(caller: &Caller) -> AppResult<&CurrentUser> {
    caller.user()
}

/// Files a request (submitted unless `draft`).
pub async fn create(db: &Db, caller: &Caller, input: &RequestInput) -> AppResult<CapacityRequest> {
    let me = caller.require(Role::Requester)?.clone();
    let fields = parse_fields(db, input).await?;
    let now = now_rfc3339();
    let id = {
        let mut tx = db.begin_write().await?;
        let id = store::insert_request(&mut *tx, &new_row(&fields, me.id, &now)).await?;
        let key = domain::key_of(id);
        audit::record(
            &mut *tx,
            &caller.origin,
            Some(&me.name),
            "request.create",
            Some(&key),
            None,
            Some("draft"),
        )
        .await?;
        tx.commit().await?;
        id
    };
    if input.draft {
        return load(db, &domain::key_of(id)).await;
    }
    act(
        db,
        caller,
        &domain::key_of(id),
        Action::Submit,
        &ActionInput {
            version: Some(1),
            comment: None,
        },
    )
    .await
}

/// Edits the requester's own draft or submitted request at the version they saw.
pub async fn edit(
    db: &Db,
    caller: &Caller,
    key: &str,
    input: &RequestInput,
) -> AppResult<CapacityRequest> {
    let me = caller.require(Role::Requester)?.clone();
    let id = parse_key(key)?;
    let version = required(input.version, "version")?;
    let fields = parse_fields(db, input).await?;
    let now = now_rfc3339();
    let snap = fleet::snapshot(db).await?;
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
    if store::update_fields(&mut *tx, id, version, &new_row(&fields, me.id, &now)).await? != 1 {
        return Err(AppError::Conflict(format!(
            "a {} request cannot be edited",
            row.state
        )));
    }
    let key = domain::key_of(id);
    audit::record(
        &mut *tx,
        &caller.origin,
        Some(&me.name),
        "request.edit",
        Some(&key),
        Some(&row.state),
        Some(&row.state),
    )
    .await?;
    // A submitted request was approved, and its policy decided, for what it
    // said before: both start again for what it says now.
    if row.state == State::Submitted.as_str() {
        let cleared = store::delete_approvals(&mut *tx, id).await?;
        let edited = store::find_request(&mut *tx, id, "")
            .await?
            .ok_or_else(|| AppError::NotFound(key.clone()))?;
        let decision = policy_for(&snap, &edited)?;
        let approvals = i64::from(decision.approvals);
        store::set_policy(&mut *tx, id, &decision.rule, approvals).await?;
        let why = format!(
            "edited after submission: {cleared} approval(s) cleared; {}",
            decision.explain()
        );
        note_policy(&mut tx, caller, &key, &why).await?;
        if approvals == 0 {
            approve_by_policy(db, &mut tx, caller, &snap, id, &decision.rule, &now).await?;
        }
    }
    tx.commit().await?;
    load(db, &key).await
}

/// Adds a comment (any signed-in user).
pub async fn comment(
    db: &Db,
    caller: &Caller,
    key: &str,
    body: &str,
) -> AppResult<CapacityRequest> {
    let me = user(caller)?.clone();
    let id = parse_key(key)?;
    let body = domain::parse_text(body, 4000)
        .map_err(|m| AppError::invalid("comment", format!("comment {m}")))?;
    let mut tx = db.begin_write().await?;
    store::find_request(&mut *tx, id, "")
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no request {key}")))?;
    add_comment(&mut tx, caller, &me, id, key, &body, &now_rfc3339()).await?;
    tx.commit().await?;
    load(db, key).await
}

/// Stores a comment and records it in the audit trail (the request's timeline).
async fn add_comment(
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    me: &CurrentUser,
    id: i64,
    key: &str,
    body: &str,
    now: &str,
) -> AppResult<()> {
    store::insert_comment(&mut *tx, id, me.id, body, now).await?;
    audit::record(
        &mut *tx,
        &caller.origin,
        Some(&me.name),
        "request.comment",
        Some(key),
        None,
        Some(body),
    )
    .await?;
    Ok(())
}

/// `need_by` plus the grace period (days).
fn hold_until(need_by: &str, grace_days: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(need_by, &fmt)
        .map(|d| crate::fleet::server::history::format_day(d + time::Duration::days(grace_days)))
        .unwrap_or_else(|_| need_by.to_owned())
}

/// Reserves a provision request's units in the same transaction; all or nothing.
async fn reserve(db: &Db, tx: &mut sqlx::AnyConnection, row: &RequestRow) -> AppResult<()> {
    let candidates: Vec<Candidate> =
        store::placement_candidates(&mut *tx, &row.region, &row.sku, row.zone, db.lock_rows())
            .await?
            .into_iter()
            .map(|(cluster_id, free)| Candidate { cluster_id, free })
            .collect();
    let plan = domain::place(&candidates, row.quantity).map_err(|s| {
        let unit = fleet_unit(db, &row.sku);
        AppError::InsufficientCapacity(CapacityShortfall {
            units: s.units,
            region: row.region.clone(),
            zone: row.zone,
            unit,
        })
    })?;
    for (cluster, units) in plan {
        // The conditional update is the last word: never below zero free.
        if store::shift_units(&mut *tx, cluster, units, Shift::Reserve).await? != 1 {
            return Err(AppError::Conflict(
                "capacity moved while approving; try again".into(),
            ));
        }
        store::insert_reservation(&mut *tx, row.id, cluster, units).await?;
    }
    store::shift_rollup(
        &mut *tx,
        &row.region,
        &row.sku,
        row.quantity,
        Shift::Reserve,
    )
    .await?;
    fleet_store::bump_fleet_version(&mut *tx).await?;
    Ok(())
}

fn fleet_unit(db: &Db, sku: &str) -> String {
    db.fleet_cache()
        .latest()
        .and_then(|s| {
            s.options
                .skus
                .iter()
                .find(|k| k.code == sku)
                .map(|k| k.unit.as_str().to_owned())
        })
        .unwrap_or_else(|| "units".into())
}

/// Releases (cancel, reject, expiry) or fulfils a request's reservation.
pub(super) async fn settle(
    tx: &mut sqlx::AnyConnection,
    row: &RequestRow,
    shift: Shift,
) -> AppResult<()> {
    let held = store::reservations(&mut *tx, row.id).await?;
    let mut total = 0;
    for (cluster, _, units) in &held {
        if store::shift_units(&mut *tx, *cluster, *units, shift).await? != 1 {
            return Err(AppError::Internal(anyhow::anyhow!(
                "reservation of {} on cluster {cluster} is not in its ledger",
                row.id
            )));
        }
        total += units;
    }
    store::delete_reservations(&mut *tx, row.id).await?;
    if total > 0 {
        store::shift_rollup(&mut *tx, &row.region, &row.sku, total, shift).await?;
        fleet_store::bump_fleet_version(&mut *tx).await?;
    }
    Ok(())
}

/// Gives back a deprovision request's units: allocated → free, most allocated first.
async fn give_back(db: &Db, tx: &mut sqlx::AnyConnection, row: &RequestRow) -> AppResult<()> {
    let rows =
        store::allocation_candidates(&mut *tx, &row.region, &row.sku, row.zone, db.lock_rows())
            .await?;
    let candidates: Vec<Candidate> = rows
        .into_iter()
        .map(|(cluster_id, free)| Candidate { cluster_id, free })
        .collect();
    let plan = domain::place(&candidates, row.quantity).map_err(|s| {
        AppError::Conflict(format!(
            "only {} of {} units are allocated there to give back",
            row.quantity - s.units,
            row.quantity
        ))
    })?;
    for (cluster, units) in plan {
        store::shift_units(&mut *tx, cluster, units, Shift::Return).await?;
    }
    store::shift_rollup(&mut *tx, &row.region, &row.sku, row.quantity, Shift::Return).await?;
    fleet_store::bump_fleet_version(&mut *tx).await?;
    Ok(())
}

/// Puts a change of the policy's decision on the request's timeline.
async fn note_policy(
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    key: &str,
    what: &str,
) -> AppResult<()> {
    audit::record(
        &mut *tx,
        &caller.origin,
        Some("(policy)"),
        "request.policy",
        Some(key),
        None,
        Some(what),
    )
    .await?;
    Ok(())
}

/// The policy's decision for a request as it stands.
fn policy_for(snap: &Snapshot, row: &RequestRow) -> AppResult<crate::requests::policy::Decision> {
    let (family, health) = snap
        .region(&row.region)
        .and_then(|r| r.skus.iter().find(|s| s.sku == row.sku))
        .map(|s| (s.family, s.rollup.health))
        .ok_or_else(|| AppError::invalid("sku", "the region no longer offers this SKU"))?;
    Ok(decide(
        &settings::rules_of(&snap.settings),
        family,
        row.quantity,
        health,
    ))
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
    id: i64,
    rule: &str,
    now: &str,
) -> AppResult<()> {
    let key = domain::key_of(id);
    let row = store::find_request(&mut *tx, id, "")
        .await?
        .ok_or_else(|| AppError::NotFound(key.clone()))?;
    let limit = settings::count_of(
        &snap.settings,
        &crate::settings::REQUESTS_AUTO_APPROVALS_PER_DAY,
    );
    let today = format!("{}T00:00:00Z", &now[..10]);
    let used = store::count_auto_approved_since(&mut *tx, row.requester_id, &today).await?;
    let reserved = if used >= limit {
        Err(format!(
            "the requester has had {used} automatic approvals today (the limit is {limit})"
        ))
    } else if row.kind == Kind::Provision.as_str() {
        match reserve(db, tx, &row).await {
            Ok(()) => Ok(()),
            Err(AppError::InsufficientCapacity(short)) => Err(short.message()),
            Err(e) => return Err(e),
        }
    } else {
        Ok(())
    };
    match reserved {
        Ok(()) => {
            let hold = hold_until(&row.need_by, grace_days(snap));
            store::transition(
                &mut *tx,
                id,
                "submitted",
                row.version,
                "approved",
                Some(&hold),
                None,
                now,
            )
            .await?;
            store::mark_auto_approved(&mut *tx, id, now).await?;
            let why = format!("approved by policy: rule '{rule}'");
            audit::record(
                &mut *tx,
                &caller.origin,
                Some("(policy)"),
                "request.approve",
                Some(&key),
                Some("submitted"),
                Some(&why),
            )
            .await?;
        }
        Err(why) => {
            let rule = format!("{rule}, but {why}: needs a human");
            store::set_policy(&mut *tx, id, &rule, 1).await?;
            note_policy(tx, caller, &key, &rule).await?;
        }
    }
    Ok(())
}

/// Submit, approve, reject, cancel or fulfil a request at the version the caller saw.
pub async fn act(
    db: &Db,
    caller: &Caller,
    key: &str,
    action: Action,
    input: &ActionInput,
) -> AppResult<CapacityRequest> {
    let me = user(caller)?.clone();
    let id = parse_key(key)?;
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
    let now = now_rfc3339();
    let snap = fleet::snapshot(db).await?;
    let mut tx = db.begin_write().await?;
    let row = store::find_request(&mut *tx, id, db.lock_rows())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no request {key}")))?;
    let from = State::parse(&row.state).map_err(corrupt)?;
    let own = row.requester_id == me.id;
    match action {
        Action::Submit | Action::Cancel if !own => {
            return Err(AppError::Forbidden(format!(
                "only the requester may {action} {key}"
            )))
        }
        Action::Submit | Action::Cancel if !me.has(Role::Requester) => {
            return Err(AppError::Forbidden("this needs the requester role".into()))
        }
        Action::Approve | Action::Reject if !me.has(Role::Approver) => {
            return Err(AppError::Forbidden("only approvers decide requests".into()))
        }
        Action::Approve if own => {
            return Err(AppError::Forbidden(
                "nobody approves their own request".into(),
            ))
        }
        Action::Fulfill if !me.has(Role::Operator) => {
            return Err(AppError::Forbidden("only operators fulfil requests".into()))
        }
        Action::Expire => return Err(AppError::Forbidden("requests expire by themselves".into())),
        _ => {}
    }
    if row.version != version {
        return Err(AppError::Conflict(format!(
            "{key} changed since you saw it (now version {}, {})",
            row.version, row.state
        )));
    }
    let mut policy = None;
    let mut hold = None;
    let next = match action {
        Action::Submit => {
            let next = from
                .after(Action::Submit, false)
                .map_err(|e| AppError::Conflict(e.to_string()))?;
            let decision = policy_for(&snap, &row)?;
            policy = Some((decision.rule, i64::from(decision.approvals)));
            next
        }
        Action::Approve => {
            let approvals = store::approvals(&mut *tx, id).await?;
            if approvals.iter().any(|(approver, _, _)| *approver == me.id) {
                return Err(AppError::Conflict(format!(
                    "you have already approved {key}"
                )));
            }
            let needed = row.approvals_needed.unwrap_or(2).max(1);
            let final_approval = approvals.len() as i64 + 1 >= needed;
            let next = from
                .after(Action::Approve, final_approval)
                .map_err(|e| AppError::Conflict(e.to_string()))?;
            store::insert_approval(&mut *tx, id, me.id, &now).await?;
            if next == State::Approved {
                if row.kind == Kind::Provision.as_str() {
                    reserve(db, &mut tx, &row).await?;
                }
                hold = Some(hold_until(&row.need_by, grace_days(&snap)));
            }
            next
        }
        Action::Reject | Action::Cancel => {
            let next = from
                .after(action, false)
                .map_err(|e| AppError::Conflict(e.to_string()))?;
            if from.holds_reservation() {
                settle(&mut tx, &row, Shift::Release).await?;
            }
            next
        }
        Action::Fulfill => {
            let next = from
                .after(Action::Fulfill, false)
                .map_err(|e| AppError::Conflict(e.to_string()))?;
            if row.kind == Kind::Provision.as_str() {
                settle(&mut tx, &row, Shift::Fulfil).await?;
            } else {
                give_back(db, &mut tx, &row).await?;
            }
            next
        }
        Action::Expire => unreachable!("refused above"),
    };
    let policy_ref = policy.as_ref().map(|(r, n)| (r.as_str(), *n));
    if store::transition(
        &mut *tx,
        id,
        from.as_str(),
        version,
        next.as_str(),
        hold.as_deref(),
        policy_ref,
        &now,
    )
    .await?
        != 1
    {
        return Err(AppError::Conflict(format!(
            "{key} changed while you acted; reload and try again"
        )));
    }
    let verb = format!("request.{action}");
    audit::record(
        &mut *tx,
        &caller.origin,
        Some(&me.name),
        &verb,
        Some(key),
        Some(from.as_str()),
        Some(next.as_str()),
    )
    .await?;
    if let Some(c) = &comment {
        add_comment(&mut tx, caller, &me, id, key, c, &now).await?;
    }
    if let Some((rule, 0)) = &policy {
        approve_by_policy(db, &mut tx, caller, &snap, id, rule, &now).await?;
    }
    tx.commit().await?;
    load(db, key).await
}

/// The actions `me` may take on a request in its current state.
fn allowed_actions(me: &CurrentUser, r: &CapacityRequest) -> Vec<String> {
    let own = r.requester == me.name;
    let approved_by_me = r.approvals.iter().any(|a| a.approver == me.name);
    let decider = me.has(Role::Approver);
    let may_withdraw = own && me.has(Role::Requester);
    let mut out = Vec::new();
    let mut allow = |a: Action| out.push(a.as_str().to_owned());
    match r.state {
        State::Draft if may_withdraw => {
            allow(Action::Submit);
            allow(Action::Cancel);
        }
        State::Submitted => {
            if decider && !own && !approved_by_me {
                allow(Action::Approve);
                allow(Action::Reject);
            }
            if may_withdraw {
                allow(Action::Cancel);
            }
        }
        State::Approved => {
            if me.has(Role::Operator) {
                allow(Action::Fulfill);
            }
            if may_withdraw {
                allow(Action::Cancel);
            }
        }
        _ => {}
    }
    out
}

/// What approving a submitted provision request would do to the fleet.
async fn preview(
    db: &Db,
    r: &CapacityRequest,
) -> AppResult<Option<crate::requests::types::Preview>> {
    use crate::requests::types::{HeadroomChange, Preview};
    if r.state != State::Submitted || r.kind != Kind::Provision {
        return Ok(None);
    }
    let snap = fleet::snapshot(db).await?;
    let t = snap.thresholds;
    let Some(pair) = snap
        .region(&r.region)
        .and_then(|reg| reg.skus.iter().find(|s| s.sku == r.sku))
    else {
        return Ok(None);
    };
    let l = pair.rollup.ledger;
    let region_sku = HeadroomChange {
        name: format!("{} · {}", r.region, r.sku),
        free_before: l.free(),
        free_after: l.free() - r.quantity,
        health_before: pair.rollup.health,
        health_after: t.band(l.used() + r.quantity, l.serviceable()),
    };
    let candidates: Vec<Candidate> =
        store::placement_candidates(db.pool(), &r.region, &r.sku, r.zone, "")
            .await?
            .into_iter()
            .map(|(cluster_id, free)| Candidate { cluster_id, free })
            .collect();
    let (plan, shortfall) = match domain::place(&candidates, r.quantity) {
        Ok(plan) => (plan, None),
        Err(s) => (
            Vec::new(),
            Some(
                CapacityShortfall {
                    units: s.units,
                    region: r.region.clone(),
                    zone: r.zone,
                    unit: unit_of(&snap, &r.sku),
                }
                .message(),
            ),
        ),
    };
    let ids: Vec<i64> = plan.iter().map(|p| p.0).collect();
    let clusters = store::cluster_frees(db.pool(), &ids)
        .await?
        .into_iter()
        .map(|(id, name, free, used, serviceable)| {
            let take = plan.iter().find(|p| p.0 == id).map(|p| p.1).unwrap_or(0);
            HeadroomChange {
                name,
                free_before: free,
                free_after: free - take,
                health_before: t.band(used, serviceable),
                health_after: t.band(used + take, serviceable),
            }
        })
        .collect();
    Ok(Some(Preview {
        clusters,
        region_sku,
        shortfall,
    }))
}

/// Days an approved request is held past its need-by date.
fn grace_days(snap: &crate::fleet::server::snapshot::Snapshot) -> i64 {
    settings::count_of(&snap.settings, &crate::settings::REQUESTS_HOLD_GRACE_DAYS)
}

fn unit_of(snap: &crate::fleet::server::snapshot::Snapshot, sku: &str) -> String {
    snap.options
        .skus
        .iter()
        .find(|k| k.code == sku)
        .map(|k| k.unit.as_str().to_owned())
        .unwrap_or_else(|| "units".into())
}

/// The request page: the request, its timeline and comments, the caller's
/// possible actions, and for approvers the headroom after approval.
pub async fn detail(
    db: &Db,
    caller: &Caller,
    key: &str,
) -> AppResult<crate::requests::types::RequestDetail> {
    use crate::requests::types::{Comment, RequestDetail, TimelineEntry};
    let me = user(caller)?.clone();
    let request = load(db, key).await?;
    let id = parse_key(key)?;
    let timeline = audit::list_for_object(db.pool(), key)
        .await?
        .into_iter()
        .map(|e| TimelineEntry {
            at: e.at,
            actor: e.actor.unwrap_or_default(),
            action: e.action.trim_start_matches("request.").to_owned(),
            detail: match (e.before, e.after) {
                (Some(b), Some(a)) => format!("{b} → {a}"),
                (None, Some(a)) => a,
                _ => String::new(),
            },
        })
        .collect();
    let comments = store::comments(db.pool(), id)
        .await?
        .into_iter()
        .map(|(author, at, body)| Comment { author, at, body })
        .collect();
    let actions = allowed_actions(&me, &request);
    let preview = if actions.iter().any(|a| a == "approve") {
        preview(db, &request).await?
    } else {
        None
    };
    let snap = fleet::snapshot(db).await?;
    Ok(RequestDetail {
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
pub async fn inbox(db: &Db, caller: &Caller) -> AppResult<crate::requests::types::ApprovalInbox> {
    let me = caller.require(Role::Approver)?.clone();
    let mut conn = db.pool().acquire().await?;
    let rows = store::inbox(&mut *conn, me.id, 200).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(assemble(&mut conn, row).await?);
    }
    let snap = fleet::snapshot(db).await?;
    Ok(crate::requests::types::ApprovalInbox {
        items: out,
        sla_business_days: settings::count_of(
            &snap.settings,
            &crate::settings::REQUESTS_SLA_BUSINESS_DAYS,
        ),
        now: now_rfc3339(),
    })
}
