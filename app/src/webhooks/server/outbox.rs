//! The transactional outbox: a feature that makes an event writes its
//! deliveries here, in its own transaction, so a delivery exists exactly when
//! the event committed. Ask `subscribers` first: with none, there is no
//! payload to build.

use serde::Serialize;
use sqlx::AnyConnection;

use super::sign::new_message_id;
use super::store::{self, NewDelivery};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::webhooks::domain::EventType;

/// The enabled subscriptions that want `event` (read in the event's transaction).
pub async fn subscribers(tx: &mut AnyConnection, event: EventType) -> AppResult<Vec<i64>> {
    Ok(store::subscribers(&mut *tx, event.as_str()).await?)
}

/// The payload, as the Standard Webhooks spec suggests: the event's type, when
/// it happened, and the object as the API shows it.
#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    timestamp: &'a str,
    data: &'a T,
}

/// Writes one delivery of `event` (about `data`) per subscription in `to`,
/// due now, all with one message id; wakes this replica's worker. Returns the
/// delivery ids.
pub async fn enqueue<T: Serialize>(
    db: &Db,
    tx: &mut AnyConnection,
    to: &[i64],
    event: EventType,
    data: &T,
) -> AppResult<Vec<i64>> {
    if to.is_empty() {
        return Ok(Vec::new());
    }
    let now = db.clock().now();
    let at = crate::shared::time::rfc3339(now);
    let payload = serde_json::to_string(&Envelope {
        kind: event.as_str(),
        timestamp: &at,
        data,
    })
    .map_err(|e| AppError::Internal(e.into()))?;
    let message_id = new_message_id();
    let mut ids = Vec::with_capacity(to.len());
    for subscription_id in to {
        ids.push(
            store::insert_delivery(
                &mut *tx,
                &NewDelivery {
                    subscription_id: *subscription_id,
                    message_id: &message_id,
                    event: event.as_str(),
                    payload: &payload,
                    due_ms: unix_ms(now),
                    replay_of: None,
                    now: &at,
                },
            )
            .await?,
        );
    }
    db.webhook_wake().notify_one();
    Ok(ids)
}

/// Milliseconds since the epoch.
pub fn unix_ms(t: time::OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}
