//! Subscriptions and their delivery logs, for admins: each function checks
//! its caller, checks what it was given (a bad field is a 400 naming it, with
//! nothing stored), and records every change on the audit trail in the same
//! transaction.

use super::dest;
use super::outbox::unix_ms;
use super::sign;
use super::store::{self, NewSubscription, SubscriptionFields, SubscriptionRow};
use crate::auth::server::caller::Caller;
use crate::auth::Role;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::shared::audit;
use crate::shared::time::rfc3339;
use crate::webhooks::domain::{format_events, parse_events, EventType, MAX_DESCRIPTION};
use crate::webhooks::types::{NewSecret, Subscription, SubscriptionChange, SubscriptionInput};

/// How long the previous secret keeps signing after a rotation: a day.
pub const ROTATION_OVERLAP_MS: i64 = 24 * 3600 * 1000;

/// A subscription's name on the audit trail.
pub fn object(id: i64) -> String {
    format!("webhook-{id}")
}

pub(super) fn instant(ms: i64) -> String {
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

pub(super) fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("there is no webhook subscription {id}"))
}

pub(super) async fn find(
    db: &Db,
    conn: &mut sqlx::AnyConnection,
    id: i64,
) -> AppResult<Subscription> {
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

mod log;
pub use log::{deliveries, replay, send_test};
