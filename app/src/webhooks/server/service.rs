//! Subscriptions and their delivery logs, for admins: each function checks
//! its caller, checks what it was given (a bad field is a 400 naming it, with
//! nothing stored), and records every change on the audit trail in the same
//! transaction.

use super::dest;
use super::outbox::{self, unix_ms};
use super::sign;
use super::store::{self, DeliveryRow, NewSubscription, SubscriptionFields, SubscriptionRow};
use crate::auth::server::caller::Caller;
use crate::auth::Role;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::shared::audit;
use crate::shared::page::Page;
use crate::shared::time::rfc3339;
use crate::webhooks::domain::{
    format_events, parse_events, DeliveryState, EventType, MAX_DESCRIPTION,
};
use crate::webhooks::types::{
    Attempt, Delivery, NewSecret, Subscription, SubscriptionChange, SubscriptionInput,
};

/// How long the previous secret keeps signing after a rotation: a day.
pub const ROTATION_OVERLAP_MS: i64 = 24 * 3600 * 1000;

/// A subscription's name on the audit trail.
pub fn object(id: i64) -> String {
    format!("webhook-{id}")
}

fn instant(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(rfc3339)
        .unwrap_or_default()
}

fn subscription(row: SubscriptionRow, now_ms: i64) -> Subscription {
    Subscription {
        id: row.id,
        url: row.url,
        description: row.description,
        events: row
            .events
            .split(' ')
            .filter_map(|e| EventType::parse(e).ok())
            .collect(),
        enabled: row.enabled == 1,
        disabled_reason: row.disabled_reason,
        version: row.version,
        previous_secret_until: row
            .previous_until_ms
            .filter(|until| *until > now_ms && row.previous_secret.is_some())
            .map(instant),
        backlog: row.backlog,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

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

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("there is no webhook subscription {id}"))
}

async fn find(db: &Db, conn: &mut sqlx::AnyConnection, id: i64) -> AppResult<Subscription> {
    let row = store::find_subscription(&mut *conn, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    Ok(subscription(row, unix_ms(db.clock().now())))
}

/// A destination as an admin wrote it: a URL Headroom may deliver to now.
async fn checked_url(db: &Db, raw: &str) -> AppResult<String> {
    let url = dest::parse_url(raw).map_err(|m| AppError::invalid("url", m))?;
    let allow = crate::settings::server::current(db)
        .await?
        .webhooks_allow_private;
    dest::check_destination(&url, allow)
        .await
        .map_err(|m| AppError::invalid("url", format!("url refused: {m}")))?;
    Ok(url.to_string())
}

fn checked_events(names: &[String]) -> AppResult<String> {
    parse_events(names)
        .map(|e| format_events(&e))
        .map_err(|m| AppError::invalid("events", format!("events: {m}")))
}

fn checked_description(raw: &str) -> AppResult<String> {
    let d = raw.trim();
    if d.chars().count() > MAX_DESCRIPTION {
        return Err(AppError::invalid(
            "description",
            format!("description must be at most {MAX_DESCRIPTION} characters"),
        ));
    }
    if d.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "description",
            "description must be one line of text",
        ));
    }
    Ok(d.to_owned())
}

/// Every subscription, oldest first.
pub async fn list(db: &Db, caller: &Caller) -> AppResult<Vec<Subscription>> {
    caller.require(Role::Admin)?;
    let now_ms = unix_ms(db.clock().now());
    Ok(store::list_subscriptions(db.pool())
        .await?
        .into_iter()
        .map(|r| subscription(r, now_ms))
        .collect())
}

pub async fn get(db: &Db, caller: &Caller, id: i64) -> AppResult<Subscription> {
    caller.require(Role::Admin)?;
    find(db, &mut *db.pool().acquire().await?, id).await
}

/// A subscription with its current secret (the admin page's "show secret").
pub async fn with_secret(db: &Db, caller: &Caller, id: i64) -> AppResult<NewSecret> {
    caller.require(Role::Admin)?;
    let mut conn = db.pool().acquire().await?;
    let row = store::find_subscription(&mut *conn, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let secret = row.secret.clone();
    Ok(NewSecret {
        subscription: subscription(row, unix_ms(db.clock().now())),
        secret,
    })
}

/// Subscribes a URL to events; the answer carries the new signing secret.
pub async fn create(db: &Db, caller: &Caller, input: &SubscriptionInput) -> AppResult<NewSecret> {
    let me = caller.require(Role::Admin)?.clone();
    let url = checked_url(db, &input.url).await?;
    let events = checked_events(&input.events)?;
    let description = checked_description(&input.description)?;
    let secret = sign::new_secret();
    let now = db.clock().now_rfc3339();
    let mut tx = db.begin_write().await?;
    let id = store::insert_subscription(
        &mut *tx,
        &NewSubscription {
            url: &url,
            description: &description,
            events: &events,
            secret: &secret,
            created_by: &me.name,
            now: &now,
        },
    )
    .await?;
    audit::record(
        &mut *tx,
        &caller.origin,
        Some(&me.name),
        "webhook.subscribe",
        Some(&object(id)),
        None,
        Some(&format!("{url}: {events}")),
    )
    .await?;
    let subscription = find(db, &mut tx, id).await?;
    tx.commit().await?;
    Ok(NewSecret {
        subscription,
        secret,
    })
}

/// Changes what is given of a subscription seen at `change.version`. Enabling
/// it clears why it was disabled; its waiting deliveries go out again.
pub async fn change(
    db: &Db,
    caller: &Caller,
    id: i64,
    change: &SubscriptionChange,
) -> AppResult<Subscription> {
    let me = caller.require(Role::Admin)?.clone();
    let version = change
        .version
        .ok_or_else(|| AppError::invalid("version", "version is required: the one you saw"))?;
    let url = match &change.url {
        Some(u) => Some(checked_url(db, u).await?),
        None => None,
    };
    let events = change.events.as_deref().map(checked_events).transpose()?;
    let description = change
        .description
        .as_deref()
        .map(checked_description)
        .transpose()?;
    let now = db.clock().now_rfc3339();
    let mut tx = db.begin_write().await?;
    let row = store::find_subscription(&mut *tx, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let enabled = change.enabled.unwrap_or(row.enabled == 1);
    let reason = match (enabled, change.enabled) {
        (true, _) => None,
        (false, Some(false)) => Some(format!("disabled by {}", me.name)),
        (false, _) => row.disabled_reason.clone(),
    };
    let fields = SubscriptionFields {
        url: url.as_deref().unwrap_or(&row.url),
        description: description.as_deref().unwrap_or(&row.description),
        events: events.as_deref().unwrap_or(&row.events),
        enabled,
        disabled_reason: reason.as_deref(),
    };
    if store::update_subscription(&mut *tx, id, version, &fields, &now).await? != 1 {
        return Err(AppError::Conflict(format!(
            "webhook subscription {id} changed since you saw it (now version {})",
            row.version
        )));
    }
    audit::record(
        &mut *tx,
        &caller.origin,
        Some(&me.name),
        "webhook.update",
        Some(&object(id)),
        Some(&format!(
            "{}: {}{}",
            row.url,
            row.events,
            if row.enabled == 1 { "" } else { " (disabled)" }
        )),
        Some(&format!(
            "{}: {}{}",
            fields.url,
            fields.events,
            if enabled { "" } else { " (disabled)" }
        )),
    )
    .await?;
    let done = find(db, &mut tx, id).await?;
    tx.commit().await?;
    if enabled {
        db.webhook_wake().notify_one();
    }
    Ok(done)
}

/// A new signing secret; the old one also signs for a day, so receivers can
/// change over without losing a delivery.
pub async fn rotate(
    db: &Db,
    caller: &Caller,
    id: i64,
    version: Option<i64>,
) -> AppResult<NewSecret> {
    let me = caller.require(Role::Admin)?.clone();
    let version = version
        .ok_or_else(|| AppError::invalid("version", "version is required: the one you saw"))?;
    let secret = sign::new_secret();
    let now = db.clock().now();
    let mut tx = db.begin_write().await?;
    let row = store::find_subscription(&mut *tx, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let until = unix_ms(now) + ROTATION_OVERLAP_MS;
    if store::rotate_secret(&mut *tx, id, version, &secret, until, &rfc3339(now)).await? != 1 {
        return Err(AppError::Conflict(format!(
            "webhook subscription {id} changed since you saw it (now version {})",
            row.version
        )));
    }
    audit::record(
        &mut *tx,
        &caller.origin,
        Some(&me.name),
        "webhook.rotate",
        Some(&object(id)),
        None,
        Some(&format!(
            "the previous secret signs until {}",
            instant(until)
        )),
    )
    .await?;
    let subscription = find(db, &mut tx, id).await?;
    tx.commit().await?;
    Ok(NewSecret {
        subscription,
        secret,
    })
}

/// Removes a subscription with its delivery log.
pub async fn delete(db: &Db, caller: &Caller, id: i64) -> AppResult<()> {
    let me = caller.require(Role::Admin)?.clone();
    let mut tx = db.begin_write().await?;
    let row = store::find_subscription(&mut *tx, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    store::delete_subscription(&mut *tx, id).await?;
    audit::record(
        &mut *tx,
        &caller.origin,
        Some(&me.name),
        "webhook.delete",
        Some(&object(id)),
        Some(&format!("{}: {}", row.url, row.events)),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
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
