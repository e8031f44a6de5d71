//! Webhooks on the wire: subscriptions, deliveries and their attempts, as the
//! API and the admin page show them.

use serde::{Deserialize, Serialize};

use super::domain::{DeliveryState, EventType};

/// A subscription: events to a URL. Its secret is shown only when it is made
/// or rotated (`NewSecret`) and on the admin page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Subscription {
    pub id: i64,
    pub url: String,
    pub description: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<String>))]
    pub events: Vec<EventType>,
    pub enabled: bool,
    /// Why it is disabled, when it is (an admin, or a receiver's 410).
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub disabled_reason: Option<String>,
    /// Grows by one on every change; a change names the version it saw.
    pub version: i64,
    /// Until when the previous secret also signs, after a rotation.
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub previous_secret_until: Option<String>,
    /// Deliveries waiting to go (pending or being delivered).
    pub backlog: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A subscription with its signing secret (`whsec_…`): the answer to making
/// one and to rotating its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewSecret {
    pub subscription: Subscription,
    pub secret: String,
}

/// One event for one subscription, with every attempt made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub id: i64,
    pub subscription_id: i64,
    /// The `webhook-id` header: the same on every attempt and on a replay.
    pub message_id: String,
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub event: EventType,
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub state: DeliveryState,
    pub attempts: i64,
    /// When the next attempt is due, while pending.
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub next_attempt_at: Option<String>,
    /// The last answer's HTTP status, if one came.
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub last_status: Option<i64>,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub last_error: Option<String>,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub last_latency_ms: Option<i64>,
    /// The delivery this one replays.
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub replay_of: Option<i64>,
    pub created_at: String,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub finished_at: Option<String>,
    pub log: Vec<Attempt>,
}

/// One attempt at a delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Attempt {
    pub attempt: i64,
    pub started_at: String,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub status: Option<i64>,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub error: Option<String>,
    pub latency_ms: i64,
    /// Which replica made it.
    pub replica: String,
}

/// A subscription as an admin writes it: the fields are checked by the service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubscriptionInput {
    #[serde(default)]
    pub url: String,
    /// Event types (`request.approved`), or a prefix with `.*` (`notice.*`).
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default)]
    pub description: String,
}

/// A change to a subscription: what is given changes, at the version seen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubscriptionChange {
    /// The version the caller saw (required).
    pub version: Option<i64>,
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}
