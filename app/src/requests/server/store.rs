//! Request SQL, one named function per statement. Rows are parsed at this
//! boundary: a `RequestRow` holds a `Kind`, a `State`, a `RegionCode`… never
//! strings to compare. The requests feature owns `capacity_requests` (here)
//! and what hangs off a request (`records.rs`): `request_approvals`,
//! `reservations`, `request_comments`.

use sqlx::{Any, Executor, FromRow};

use crate::fleet::codes::{RegionCode, SkuCode};
use crate::requests::domain::{Kind, Priority, State};

mod lists;
pub use lists::*;

/// A request row with its requester's name.
#[derive(Debug, Clone, FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub kind: Kind,
    pub region: RegionCode,
    pub zone: Option<i64>,
    pub sku: SkuCode,
    pub quantity: i64,
    pub need_by: String,
    pub service: String,
    pub justification: String,
    pub priority: Priority,
    pub requester_id: i64,
    pub requester: String,
    pub state: State,
    pub version: i64,
    pub hold_until: Option<String>,
    pub policy_rule: Option<String>,
    pub approvals_needed: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    /// The deployment linked to it (a buildout it waits for), if any.
    pub deployment_id: Option<i64>,
}

const REQUEST_SELECT: &str = "SELECT r.id, r.kind, r.region, r.zone, r.sku, r.quantity, r.need_by, r.service, \
     r.justification, r.priority, r.requester_id, u.name AS requester, r.state, r.version, r.hold_until, \
     r.policy_rule, r.approvals_needed, r.created_at, r.updated_at, \
     (SELECT MAX(dr.deployment_id) FROM deployment_requests dr WHERE dr.request_id = r.id) AS deployment_id \
     FROM capacity_requests r JOIN users u ON u.id = r.requester_id";

/// The fields a request is inserted or edited with.
pub struct RequestFields<'a> {
    pub kind: Kind,
    pub region: &'a RegionCode,
    pub zone: Option<i64>,
    pub sku: &'a SkuCode,
    pub quantity: i64,
    pub need_by: &'a str,
    pub service: &'a str,
    pub justification: &'a str,
    pub priority: Priority,
}

/// Inserts a draft; returns its id.
pub async fn insert_request<'e>(
    ex: impl Executor<'e, Database = Any>,
    r: &RequestFields<'_>,
    requester_id: i64,
    now: &str,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO capacity_requests (kind, region, zone, sku, quantity, need_by, service, justification, \
         priority, requester_id, state, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12) RETURNING id",
    )
    .bind(r.kind)
    .bind(r.region)
    .bind(r.zone)
    .bind(r.sku)
    .bind(r.quantity)
    .bind(r.need_by)
    .bind(r.service)
    .bind(r.justification)
    .bind(r.priority)
    .bind(requester_id)
    .bind(State::Draft)
    .bind(now)
    .fetch_one(ex)
    .await?;
    Ok(id)
}

/// The request, locked for the rest of the transaction when `lock` is the
/// dialect's row-lock suffix.
pub async fn find_request<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    lock: &str,
) -> Result<Option<RequestRow>, sqlx::Error> {
    let lock = if lock.is_empty() {
        String::new()
    } else {
        format!("{lock} OF r")
    };
    sqlx::query_as(&format!("{REQUEST_SELECT} WHERE r.id = $1{lock}"))
        .bind(id)
        .fetch_optional(ex)
        .await
}

/// How many requests are in each state (for the metrics).
pub async fn count_by_state<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<(State, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT state, COUNT(*) FROM capacity_requests GROUP BY state")
        .fetch_all(ex)
        .await
}

/// Requests (id, state) with no audit row for the transition into their
/// current state: `request.create` for a draft, `request.approve` (by people
/// or the policy) or `request.reserve` (a buildout completed) for an approved
/// one, `request.<verb>` for the others (the invariant check).
pub async fn unaudited<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<(i64, State)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id, r.state FROM capacity_requests r WHERE NOT EXISTS ( \
           SELECT 1 FROM audit_log a WHERE a.object = 'CR-' || CAST(r.id AS TEXT) AND a.action IN ( \
             CASE r.state WHEN 'draft' THEN 'request.create' WHEN 'submitted' THEN 'request.submit' \
               WHEN 'awaiting_capacity' THEN 'request.approve' WHEN 'approved' THEN 'request.approve' \
               WHEN 'fulfilled' THEN 'request.fulfill' WHEN 'rejected' THEN 'request.reject' \
               WHEN 'cancelled' THEN 'request.cancel' WHEN 'expired' THEN 'request.expire' END, \
             CASE r.state WHEN 'approved' THEN 'request.reserve' END)) \
         ORDER BY r.id",
    )
    .fetch_all(ex)
    .await
}

/// When the longest-waiting submitted request last changed (RFC 3339: its
/// submission, or an earlier approval of several it needs), if any waits.
pub async fn oldest_submitted<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Option<String>, sqlx::Error> {
    let (at,): (Option<String>,) =
        sqlx::query_as("SELECT MIN(updated_at) FROM capacity_requests WHERE state = $1")
            .bind(State::Submitted)
            .fetch_one(ex)
            .await?;
    Ok(at)
}

/// Edits a draft or submitted request's fields if it is still at `version`.
pub async fn update_fields<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    version: i64,
    r: &RequestFields<'_>,
    now: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE capacity_requests SET kind = $1, region = $2, zone = $3, sku = $4, quantity = $5, need_by = $6, \
         service = $7, justification = $8, priority = $9, updated_at = $10, version = version + 1 \
         WHERE id = $11 AND version = $12 AND state IN ($13, $14)",
    )
    .bind(r.kind)
    .bind(r.region)
    .bind(r.zone)
    .bind(r.sku)
    .bind(r.quantity)
    .bind(r.need_by)
    .bind(r.service)
    .bind(r.justification)
    .bind(r.priority)
    .bind(now)
    .bind(id)
    .bind(version)
    .bind(State::Draft)
    .bind(State::Submitted)
    .execute(ex)
    .await?
    .rows_affected())
}

/// A state change, taken only from the state and version the caller saw.
pub struct Transition<'a> {
    pub from: State,
    pub version: i64,
    pub to: State,
    pub hold_until: Option<&'a str>,
    /// (rule, approvals needed), when the policy decided.
    pub policy: Option<(&'a str, i64)>,
    pub now: &'a str,
}

/// Moves a request: the database never takes a transition the caller did not
/// see. Returns rows affected (0 = stale).
pub async fn transition<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    t: &Transition<'_>,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE capacity_requests SET state = $1, version = version + 1, updated_at = $2, \
         hold_until = COALESCE($3, hold_until), policy_rule = COALESCE($4, policy_rule), \
         approvals_needed = COALESCE($5, approvals_needed) \
         WHERE id = $6 AND state = $7 AND version = $8",
    )
    .bind(t.to)
    .bind(t.now)
    .bind(t.hold_until)
    .bind(t.policy.map(|p| p.0))
    .bind(t.policy.map(|p| p.1))
    .bind(id)
    .bind(t.from)
    .bind(t.version)
    .execute(ex)
    .await?
    .rows_affected())
}

/// Records a changed policy decision (no state or version change: it is the
/// policy's own amendment inside the transaction that asked it).
pub async fn set_policy<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    rule: &str,
    approvals: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE capacity_requests SET policy_rule = $1, approvals_needed = $2 WHERE id = $3",
    )
    .bind(rule)
    .bind(approvals)
    .bind(id)
    .execute(ex)
    .await?;
    Ok(())
}

/// Records that the policy approved a request by itself, at `now`.
pub async fn mark_auto_approved<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE capacity_requests SET auto_approved_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

/// How many of a requester's requests the policy approved by itself since `since` (RFC 3339).
pub async fn count_auto_approved_since<'e>(
    ex: impl Executor<'e, Database = Any>,
    requester_id: i64,
    since: &str,
) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM capacity_requests WHERE requester_id = $1 AND auto_approved_at >= $2",
    )
    .bind(requester_id)
    .bind(since)
    .fetch_one(ex)
    .await?;
    Ok(n)
}

/// Requests in `state` among `ids`, locked (a deployment's linked requests).
pub async fn requests_in_state<'e>(
    ex: impl Executor<'e, Database = Any>,
    ids: &[i64],
    state: State,
    lock: &str,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let lock = if lock.is_empty() {
        String::new()
    } else {
        format!("{lock} OF r")
    };
    // Ids are integers formatted here, never user text.
    sqlx::query_as(&format!(
        "{REQUEST_SELECT} WHERE r.id IN ({}) AND r.state = $1 ORDER BY r.id{lock}",
        list.join(", ")
    ))
    .bind(state)
    .fetch_all(ex)
    .await
}

/// (id, version) of approved requests whose hold has passed (`hold_until < today`).
pub async fn expired_holds<'e>(
    ex: impl Executor<'e, Database = Any>,
    today: &str,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, version FROM capacity_requests WHERE state = $1 AND hold_until < $2 ORDER BY id",
    )
    .bind(State::Approved)
    .bind(today)
    .fetch_all(ex)
    .await
}

/// Removes every request (the demo seed replaces the fleet they point at).
pub async fn delete_all_requests(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    for table in [
        "reservations",
        "request_approvals",
        "request_comments",
        "capacity_requests",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
