//! The outbox's SQL: deliveries written, claimed, finished and read back,
//! and their attempts.

use sqlx::{Any, Executor, FromRow};

use crate::db::Backend;

/// A delivery waiting in the outbox.
pub struct NewDelivery<'a> {
    pub subscription_id: i64,
    pub message_id: &'a str,
    pub event: &'a str,
    pub payload: &'a str,
    pub due_ms: i64,
    pub replay_of: Option<i64>,
    pub now: &'a str,
}

pub async fn insert_delivery<'e>(
    ex: impl Executor<'e, Database = Any>,
    d: &NewDelivery<'_>,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO webhook_deliveries (subscription_id, message_id, event, payload, state, \
         attempts, next_attempt_ms, replay_of, created_at) \
         VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6, $7) RETURNING id",
    )
    .bind(d.subscription_id)
    .bind(d.message_id)
    .bind(d.event)
    .bind(d.payload)
    .bind(d.due_ms)
    .bind(d.replay_of)
    .bind(d.now)
    .fetch_one(ex)
    .await?;
    Ok(id)
}

/// What "due" means: pending and its time come, or claimed by a replica whose
/// lease ran out (it died mid-attempt) — and its subscription enabled.
const DUE: &str = "s.enabled = 1 AND ((d.state = 'pending' AND d.next_attempt_ms <= $1) \
     OR (d.state = 'delivering' AND d.claimed_until_ms < $1))";

/// Whether any delivery is due (a read: the idle worker's cheap question).
pub async fn any_due<'e>(
    ex: impl Executor<'e, Database = Any>,
    now_ms: i64,
) -> Result<bool, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as(&format!(
        "SELECT d.id FROM webhook_deliveries d \
         JOIN webhook_subscriptions s ON s.id = d.subscription_id WHERE {DUE} LIMIT 1"
    ))
    .bind(now_ms)
    .fetch_optional(ex)
    .await?;
    Ok(row.is_some())
}

/// A delivery a replica claimed, with where it goes.
#[derive(Debug, Clone, FromRow)]
pub struct Claimed {
    pub id: i64,
    pub subscription_id: i64,
    pub message_id: String,
    pub payload: String,
    /// This attempt's number.
    pub attempts: i64,
}

/// Claims up to `limit` due deliveries for `replica` until `lease_ms`, counting
/// the attempt. Each is claimed by one replica: on PostgreSQL the candidates
/// are locked `FOR UPDATE SKIP LOCKED` (another replica's claim skips them)
/// and the update checks again that they are still due; SQLite runs one
/// writer at a time, so the update is the claim.
pub async fn claim<'e>(
    ex: impl Executor<'e, Database = Any>,
    backend: Backend,
    replica: &str,
    now_ms: i64,
    lease_ms: i64,
    limit: i64,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let lock = match backend {
        Backend::Postgres => "FOR UPDATE OF d SKIP LOCKED",
        Backend::Sqlite => "",
    };
    sqlx::query_as(&format!(
        "UPDATE webhook_deliveries SET state = 'delivering', attempts = attempts + 1, \
         claimed_by = $2, claimed_until_ms = $3 \
         WHERE id IN (SELECT d.id FROM webhook_deliveries d \
           JOIN webhook_subscriptions s ON s.id = d.subscription_id \
           WHERE {DUE} ORDER BY d.next_attempt_ms, d.id LIMIT $4 {lock}) \
         AND ((state = 'pending' AND next_attempt_ms <= $1) \
           OR (state = 'delivering' AND claimed_until_ms < $1)) \
         RETURNING id, subscription_id, message_id, payload, attempts"
    ))
    .bind(now_ms)
    .bind(replica)
    .bind(lease_ms)
    .bind(limit)
    .fetch_all(ex)
    .await
}

/// Where a subscription's deliveries go and the secrets that sign them.
#[derive(Debug, Clone, FromRow)]
pub struct Target {
    pub url: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_until_ms: Option<i64>,
}

pub async fn target<'e>(
    ex: impl Executor<'e, Database = Any>,
    subscription_id: i64,
) -> Result<Option<Target>, sqlx::Error> {
    sqlx::query_as(
        "SELECT url, secret, previous_secret, previous_until_ms \
         FROM webhook_subscriptions WHERE id = $1",
    )
    .bind(subscription_id)
    .fetch_optional(ex)
    .await
}

/// One attempt, as it went.
pub struct AttemptRecord<'a> {
    pub delivery_id: i64,
    pub attempt: i64,
    pub started_at: &'a str,
    pub status: Option<i64>,
    pub error: Option<&'a str>,
    pub latency_ms: i64,
    pub replica: &'a str,
}

pub async fn insert_attempt<'e>(
    ex: impl Executor<'e, Database = Any>,
    a: &AttemptRecord<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, attempt, started_at, status, error, \
         latency_ms, replica) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(a.delivery_id)
    .bind(a.attempt)
    .bind(a.started_at)
    .bind(a.status)
    .bind(a.error)
    .bind(a.latency_ms)
    .bind(a.replica)
    .execute(ex)
    .await?;
    Ok(())
}

/// Where an attempt leaves its delivery.
pub struct Finish<'a> {
    pub state: &'a str,
    pub next_attempt_ms: i64,
    pub finished_at: Option<&'a str>,
}

/// Records an attempt's end on its delivery, if this replica's claim still
/// holds (a claim that ran out and was taken again changes nothing): returns
/// rows affected.
pub async fn finish<'e>(
    ex: impl Executor<'e, Database = Any>,
    a: &AttemptRecord<'_>,
    f: &Finish<'_>,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE webhook_deliveries SET state = $1, next_attempt_ms = $2, finished_at = $3, \
         last_status = $4, last_error = $5, last_latency_ms = $6, \
         claimed_by = NULL, claimed_until_ms = NULL \
         WHERE id = $7 AND state = 'delivering' AND claimed_by = $8 AND attempts = $9",
    )
    .bind(f.state)
    .bind(f.next_attempt_ms)
    .bind(f.finished_at)
    .bind(a.status)
    .bind(a.error)
    .bind(a.latency_ms)
    .bind(a.delivery_id)
    .bind(a.replica)
    .bind(a.attempt)
    .execute(ex)
    .await?
    .rows_affected())
}

/// A delivery as stored.
#[derive(Debug, Clone, FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub subscription_id: i64,
    pub message_id: String,
    pub event: String,
    pub payload: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_ms: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub last_latency_ms: Option<i64>,
    pub replay_of: Option<i64>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

const DELIVERY_COLUMNS: &str = "id, subscription_id, message_id, event, payload, state, \
     attempts, next_attempt_ms, last_status, last_error, last_latency_ms, replay_of, \
     created_at, finished_at";

/// A subscription's deliveries, newest first, before the id `before`.
pub async fn deliveries_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    subscription_id: i64,
    before: i64,
    limit: i64,
) -> Result<Vec<DeliveryRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries \
         WHERE subscription_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
    ))
    .bind(subscription_id)
    .bind(before)
    .bind(limit)
    .fetch_all(ex)
    .await
}

pub async fn find_delivery<'e>(
    ex: impl Executor<'e, Database = Any>,
    subscription_id: i64,
    id: i64,
) -> Result<Option<DeliveryRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries \
         WHERE subscription_id = $1 AND id = $2"
    ))
    .bind(subscription_id)
    .bind(id)
    .fetch_optional(ex)
    .await
}

/// An attempt as stored.
#[derive(Debug, Clone, FromRow)]
pub struct AttemptRow {
    pub delivery_id: i64,
    pub attempt: i64,
    pub started_at: String,
    pub status: Option<i64>,
    pub error: Option<String>,
    pub latency_ms: i64,
    pub replica: String,
}

/// The attempts at the deliveries from `from` to `to` (ids) of a subscription.
pub async fn attempts_between<'e>(
    ex: impl Executor<'e, Database = Any>,
    subscription_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<AttemptRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.delivery_id, a.attempt, a.started_at, a.status, a.error, a.latency_ms, \
         a.replica FROM webhook_attempts a \
         JOIN webhook_deliveries d ON d.id = a.delivery_id \
         WHERE d.subscription_id = $1 AND a.delivery_id BETWEEN $2 AND $3 \
         ORDER BY a.delivery_id, a.attempt",
    )
    .bind(subscription_id)
    .bind(from)
    .bind(to)
    .fetch_all(ex)
    .await
}

/// Deliveries waiting to go across every subscription (the metrics' backlog).
pub async fn backlog<'e>(ex: impl Executor<'e, Database = Any>) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM webhook_deliveries WHERE state IN ('pending', 'delivering')",
    )
    .fetch_one(ex)
    .await?;
    Ok(n)
}
