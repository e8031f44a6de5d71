//! The requests' lists and queues: the filtered keyset page, an approver's
//! inbox, the operators' fulfilment queue and the navigation's counts.

use sqlx::{Any, Executor};

use super::{RequestRow, REQUEST_SELECT};
use crate::requests::domain::State;

/// What the request list is filtered by; `None` means any.
pub struct ListWhere<'a> {
    pub state: Option<State>,
    pub region: Option<&'a str>,
    pub sku: Option<&'a str>,
    /// The requester's user name.
    pub requester: Option<&'a str>,
    /// Filed at or before this RFC 3339 instant.
    pub filed_before: Option<&'a str>,
    /// The keyset cursor: ids below this.
    pub before_id: Option<i64>,
}

/// A page of requests, newest first, filtered.
pub async fn list_requests<'e>(
    ex: impl Executor<'e, Database = Any>,
    w: &ListWhere<'_>,
    limit: i64,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{REQUEST_SELECT} WHERE ($1 IS NULL OR r.state = $1) AND ($2 IS NULL OR r.region = $2) \
         AND ($3 IS NULL OR r.sku = $3) AND ($4 IS NULL OR u.name = $4) \
         AND ($5 IS NULL OR r.created_at <= $5) AND ($6 IS NULL OR r.id < $6) \
         ORDER BY r.id DESC LIMIT $7"
    ))
    .bind(w.state)
    .bind(w.region)
    .bind(w.sku)
    .bind(w.requester)
    .bind(w.filed_before)
    .bind(w.before_id)
    .bind(limit)
    .fetch_all(ex)
    .await
}

/// Requests waiting for approver `$2`: submitted (`$1`), not theirs, not yet
/// approved by them — what the inbox lists and the navigation counts.
const WAITING_FOR: &str = "r.state = $1 AND r.requester_id <> $2 \
     AND NOT EXISTS (SELECT 1 FROM request_approvals a WHERE a.request_id = r.id AND a.approver_id = $2)";

/// Submitted requests `user` may still decide: not their own, not approved by them; oldest first.
pub async fn inbox<'e>(
    ex: impl Executor<'e, Database = Any>,
    user: i64,
    limit: i64,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{REQUEST_SELECT} WHERE {WAITING_FOR} ORDER BY r.id LIMIT $3"
    ))
    .bind(State::Submitted)
    .bind(user)
    .bind(limit)
    .fetch_all(ex)
    .await
}

/// Approved requests waiting to be fulfilled, soonest need-by first.
pub async fn ready_to_fulfill<'e>(
    ex: impl Executor<'e, Database = Any>,
    limit: i64,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{REQUEST_SELECT} WHERE r.state = $1 ORDER BY r.need_by, r.id LIMIT $2"
    ))
    .bind(State::Approved)
    .bind(limit)
    .fetch_all(ex)
    .await
}

/// The navigation's counts for `user` (as `nav_counts`) and the deployments'
/// fingerprint (`deployments::server::store::FINGERPRINT`), in one statement:
/// what a kept page (`server/src/pages.rs`) reads for each caller.
pub async fn nav_counts_and_deployments<'e>(
    ex: impl Executor<'e, Database = Any>,
    user: i64,
    approver: bool,
    requester: bool,
) -> Result<
    (
        (Option<i64>, Option<i64>),
        crate::deployments::server::cache::Fingerprint,
    ),
    sqlx::Error,
> {
    let sql = format!(
        "SELECT {}, fp.fp_count, fp.fp_versions, fp.fp_newest, fp.fp_changed FROM ({}) fp",
        nav_counts_sql(),
        crate::deployments::server::store::FINGERPRINT
    );
    let query = sqlx::query_as(&sql);
    let (waiting, mine, count, versions, newest, changed) =
        bind_nav_counts(query, user, approver, requester)
            .fetch_one(ex)
            .await?;
    Ok(((waiting, mine), (count, versions, newest, changed)))
}

/// The navigation's two counts as columns ($1 submitted, $2 the user, $3 and
/// $4 whether they approve and request, $5 and $6 the other states in flight).
fn nav_counts_sql() -> String {
    format!(
        "CASE WHEN $3 = 1 THEN (SELECT COUNT(*) FROM capacity_requests r WHERE {WAITING_FOR}) END, \
         CASE WHEN $4 = 1 THEN (SELECT COUNT(*) FROM capacity_requests \
         WHERE requester_id = $2 AND state IN ($1, $5, $6)) END"
    )
}

/// The navigation's counts for `user`, in one statement: submitted requests
/// they may still decide (when `approver`) and their own in flight —
/// submitted, awaiting capacity or approved (when `requester`).
pub async fn nav_counts<'e>(
    ex: impl Executor<'e, Database = Any>,
    user: i64,
    approver: bool,
    requester: bool,
) -> Result<(Option<i64>, Option<i64>), sqlx::Error> {
    let sql = format!("SELECT {}", nav_counts_sql());
    bind_nav_counts(sqlx::query_as(&sql), user, approver, requester)
        .fetch_one(ex)
        .await
}

/// `query` (whose SQL holds `nav_counts_sql`) with the counts' six arguments.
fn bind_nav_counts<'q, O>(
    query: sqlx::query::QueryAs<'q, Any, O, sqlx::any::AnyArguments<'q>>,
    user: i64,
    approver: bool,
    requester: bool,
) -> sqlx::query::QueryAs<'q, Any, O, sqlx::any::AnyArguments<'q>> {
    query
        .bind(State::Submitted)
        .bind(user)
        .bind(i64::from(approver))
        .bind(i64::from(requester))
        .bind(State::AwaitingCapacity)
        .bind(State::Approved)
}
