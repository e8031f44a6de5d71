//! A subscription's delivery log, read back page by page, and what admins
//! send through it: a replay of a delivery, a test event.

use super::{find, instant, not_found, object};
use crate::auth::server::caller::Caller;
use crate::auth::Role;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::shared::audit;
use crate::shared::page::Page;
use crate::shared::time::rfc3339;
use crate::webhooks::domain::{DeliveryState, EventType};
use crate::webhooks::server::outbox::{self, unix_ms};
use crate::webhooks::server::store::{self, DeliveryRow};
use crate::webhooks::types::{Attempt, Delivery};

fn delivery(row: DeliveryRow, log: Vec<Attempt>) -> Delivery {
    let state = DeliveryState::parse(&row.state).unwrap_or(DeliveryState::Failed);
    Delivery {
        id: row.id,
        subscription_id: row.subscription_id,
        message_id: row.message_id,
        event: EventType::parse(&row.event).unwrap_or(EventType::Test),
        state,
        attempts: row.attempts,
        next_attempt_at: (state == DeliveryState::Pending).then(|| instant(row.next_attempt_ms)),
        last_status: row.last_status,
        last_error: row.last_error,
        last_latency_ms: row.last_latency_ms,
        replay_of: row.replay_of,
        created_at: row.created_at,
        finished_at: row.finished_at,
        log,
    }
}

/// A page of a subscription's deliveries, newest first, each with its attempts.
pub async fn deliveries(
    db: &Db,
    caller: &Caller,
    id: i64,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<Page<Delivery>> {
    caller.require(Role::Admin)?;
    let before = match cursor {
        None => i64::MAX,
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| AppError::invalid("cursor", "cursor is not one this list gave"))?,
    };
    let mut conn = db.pool().acquire().await?;
    find(db, &mut conn, id).await?;
    let mut rows = store::deliveries_of(&mut *conn, id, before, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let (Some(first), Some(last)) = (rows.last(), rows.first()) else {
        return Ok(Page {
            items: Vec::new(),
            next_cursor: None,
        });
    };
    let mut attempts = store::attempts_between(&mut *conn, id, first.id, last.id).await?;
    let next_cursor = more.then(|| first.id.to_string());
    let items = rows
        .into_iter()
        .map(|r| {
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut attempts)
                .into_iter()
                .partition(|a| a.delivery_id == r.id);
            attempts = rest;
            let log = mine
                .into_iter()
                .map(|a| Attempt {
                    attempt: a.attempt,
                    started_at: a.started_at,
                    status: a.status,
                    error: a.error,
                    latency_ms: a.latency_ms,
                    replica: a.replica,
                })
                .collect();
            delivery(r, log)
        })
        .collect();
    Ok(Page { items, next_cursor })
}

/// Sends a delivery's message again (same `webhook-id` and payload) as a new
/// delivery with its own attempts.
pub async fn replay(db: &Db, caller: &Caller, id: i64, delivery_id: i64) -> AppResult<Delivery> {
    let me = caller.require(Role::Admin)?.clone();
    let now = db.clock().now();
    let mut tx = db.begin_write().await?;
    find(db, &mut tx, id).await?;
    let original = store::find_delivery(&mut *tx, id, delivery_id)
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "webhook subscription {id} has no delivery {delivery_id}"
            ))
        })?;
    let new_id = store::insert_delivery(
        &mut *tx,
        &store::NewDelivery {
            subscription_id: id,
            message_id: &original.message_id,
            event: &original.event,
            payload: &original.payload,
            due_ms: unix_ms(now),
            replay_of: Some(delivery_id),
            now: &rfc3339(now),
        },
    )
    .await?;
    audit::record(
        &mut *tx,
        &caller.origin,
        Some(&me.name),
        "webhook.replay",
        Some(&object(id)),
        None,
        Some(&format!(
            "delivery {delivery_id} ({} {}) again as {new_id}",
            original.event, original.message_id
        )),
    )
    .await?;
    let done = store::find_delivery(&mut *tx, id, new_id)
        .await?
        .ok_or_else(|| not_found(id))?;
    tx.commit().await?;
    db.webhook_wake().notify_one();
    Ok(delivery(done, Vec::new()))
}

/// What a test delivery carries.
#[derive(serde::Serialize)]
struct TestEvent<'a> {
    subscription: i64,
    message: &'a str,
}

/// Sends a `webhook.test` event to one subscription (enabled or not: a
/// disabled one keeps it until it is enabled).
pub async fn send_test(db: &Db, caller: &Caller, id: i64) -> AppResult<Delivery> {
    let me = caller.require(Role::Admin)?.clone();
    let mut tx = db.begin_write().await?;
    find(db, &mut tx, id).await?;
    let data = TestEvent {
        subscription: id,
        message: "a test event from Headroom",
    };
    let ids = outbox::enqueue(db, &mut tx, &[id], EventType::Test, &data).await?;
    audit::record(
        &mut *tx,
        &caller.origin,
        Some(&me.name),
        "webhook.test",
        Some(&object(id)),
        None,
        None,
    )
    .await?;
    let done = store::find_delivery(&mut *tx, id, ids[0])
        .await?
        .ok_or_else(|| not_found(id))?;
    tx.commit().await?;
    Ok(delivery(done, Vec::new()))
}
