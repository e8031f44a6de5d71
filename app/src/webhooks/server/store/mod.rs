//! The webhooks' SQL: subscriptions here, the delivery outbox and its
//! attempts in `deliveries`. Instants the worker compares are epoch milliseconds.

use sqlx::{Any, Executor, FromRow};

/// A subscription as stored, with its backlog.
#[derive(Debug, Clone, FromRow)]
pub struct SubscriptionRow {
    pub id: i64,
    pub url: String,
    pub description: String,
    pub events: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_until_ms: Option<i64>,
    pub enabled: i64,
    pub disabled_reason: Option<String>,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub backlog: i64,
}

const SUBSCRIPTION_COLUMNS: &str = "s.id, s.url, s.description, s.events, s.secret, \
     s.previous_secret, s.previous_until_ms, s.enabled, s.disabled_reason, s.version, \
     s.created_by, s.created_at, s.updated_at, \
     (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.subscription_id = s.id \
       AND d.state IN ('pending', 'delivering')) AS backlog";

/// A new subscription's fields.
pub struct NewSubscription<'a> {
    pub url: &'a str,
    pub description: &'a str,
    pub events: &'a str,
    pub secret: &'a str,
    pub created_by: &'a str,
    pub now: &'a str,
}

pub async fn insert_subscription<'e>(
    ex: impl Executor<'e, Database = Any>,
    s: &NewSubscription<'_>,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO webhook_subscriptions (url, description, events, secret, enabled, \
         version, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 1, 1, $5, $6, $6) RETURNING id",
    )
    .bind(s.url)
    .bind(s.description)
    .bind(s.events)
    .bind(s.secret)
    .bind(s.created_by)
    .bind(s.now)
    .fetch_one(ex)
    .await?;
    Ok(id)
}

/// Every subscription, oldest first.
pub async fn list_subscriptions<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<SubscriptionRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions s ORDER BY s.id"
    ))
    .fetch_all(ex)
    .await
}

pub async fn find_subscription<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
) -> Result<Option<SubscriptionRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions s WHERE s.id = $1"
    ))
    .bind(id)
    .fetch_optional(ex)
    .await
}

/// A subscription's changeable fields, as they will be.
pub struct SubscriptionFields<'a> {
    pub url: &'a str,
    pub description: &'a str,
    pub events: &'a str,
    pub enabled: bool,
    pub disabled_reason: Option<&'a str>,
}

/// Changes a subscription seen at `version`; returns rows affected (0 = stale).
pub async fn update_subscription<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    version: i64,
    f: &SubscriptionFields<'_>,
    now: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE webhook_subscriptions SET url = $1, description = $2, events = $3, \
         enabled = $4, disabled_reason = $5, version = version + 1, updated_at = $6 \
         WHERE id = $7 AND version = $8",
    )
    .bind(f.url)
    .bind(f.description)
    .bind(f.events)
    .bind(i64::from(f.enabled))
    .bind(f.disabled_reason)
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(ex)
    .await?
    .rows_affected())
}

/// A new secret; the current one keeps signing until `previous_until_ms`.
pub async fn rotate_secret<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    version: i64,
    secret: &str,
    previous_until_ms: i64,
    now: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE webhook_subscriptions SET previous_secret = secret, secret = $1, \
         previous_until_ms = $2, version = version + 1, updated_at = $3 \
         WHERE id = $4 AND version = $5",
    )
    .bind(secret)
    .bind(previous_until_ms)
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(ex)
    .await?
    .rows_affected())
}

/// Removes a subscription and its deliveries.
pub async fn delete_subscription<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM webhook_subscriptions WHERE id = $1")
            .bind(id)
            .execute(ex)
            .await?
            .rows_affected(),
    )
}

/// A receiver answered 410: no more deliveries until an admin enables it again.
pub async fn disable<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    reason: &str,
    now: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE webhook_subscriptions SET enabled = 0, disabled_reason = $1, \
         version = version + 1, updated_at = $2 WHERE id = $3 AND enabled = 1",
    )
    .bind(reason)
    .bind(now)
    .bind(id)
    .execute(ex)
    .await?
    .rows_affected())
}

/// The enabled subscriptions that asked for `event`.
pub async fn subscribers<'e>(
    ex: impl Executor<'e, Database = Any>,
    event: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM webhook_subscriptions \
         WHERE enabled = 1 AND (' ' || events || ' ') LIKE $1 ORDER BY id",
    )
    .bind(format!("% {event} %"))
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

mod deliveries;
pub use deliveries::*;
