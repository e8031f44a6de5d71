//! Server functions of the webhooks page (admins); the service checks the
//! role again.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::types::{Delivery, NewSecret};
use crate::shared::fields::ServerError;

#[cfg(feature = "ssr")]
use crate::error::server_error;

/// How many deliveries the page shows per subscription.
pub const RECENT: i64 = 10;

/// A subscription as the page shows it: with its secret and latest deliveries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookView {
    pub hook: NewSecret,
    pub recent: Vec<Delivery>,
}

/// A refused form posted without JavaScript goes back to the page with its
/// error (`shared::forms`); hydrated, the action shows it.
#[cfg(feature = "ssr")]
fn back<F: leptos::server_fn::ServerFn, T>(r: Result<T, ServerError>) -> Result<T, ServerError> {
    if let Err(e) = &r {
        crate::shared::forms::back_with_error::<F>(&[], e);
    }
    r
}

#[cfg(feature = "ssr")]
fn admin() -> Result<(crate::db::Db, crate::auth::server::caller::Caller), ServerError> {
    crate::authorize(crate::auth::Access::Role(crate::auth::Role::Admin))
}

/// Every subscription with its latest deliveries.
#[server]
pub async fn list_webhooks() -> Result<Vec<WebhookView>, ServerError> {
    use super::server::service;
    let (db, caller) = admin()?;
    let mut views = Vec::new();
    for s in service::list(&db, &caller).await.map_err(server_error)? {
        let hook = service::with_secret(&db, &caller, s.id)
            .await
            .map_err(server_error)?;
        let recent = service::deliveries(&db, &caller, s.id, None, RECENT)
            .await
            .map_err(server_error)?
            .items;
        views.push(WebhookView { hook, recent });
    }
    Ok(views)
}

/// Subscribes a URL to events (space- or comma-separated names; `request.*`
/// names every request event).
#[server]
pub async fn create_webhook(
    url: String,
    events: String,
    description: String,
) -> Result<NewSecret, ServerError> {
    let (db, caller) = admin()?;
    let input = super::types::SubscriptionInput {
        url,
        events: split_events(&events),
        description,
    };
    back::<CreateWebhook, _>(
        super::server::service::create(&db, &caller, &input)
            .await
            .map_err(server_error),
    )
}

/// Event names as an admin typed them.
pub fn split_events(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Enables (`enabled` = "on") or disables a subscription seen at `version`.
#[server]
pub async fn change_webhook(id: i64, version: i64, enabled: String) -> Result<(), ServerError> {
    let (db, caller) = admin()?;
    let change = super::types::SubscriptionChange {
        version: Some(version),
        enabled: Some(enabled == "on"),
        ..Default::default()
    };
    back::<ChangeWebhook, _>(
        super::server::service::change(&db, &caller, id, &change)
            .await
            .map(|_| ())
            .map_err(server_error),
    )
}

/// A new signing secret (the previous one signs for a day more).
#[server]
pub async fn rotate_webhook_secret(id: i64, version: i64) -> Result<NewSecret, ServerError> {
    let (db, caller) = admin()?;
    back::<RotateWebhookSecret, _>(
        super::server::service::rotate(&db, &caller, id, Some(version))
            .await
            .map_err(server_error),
    )
}

#[server]
pub async fn delete_webhook(id: i64) -> Result<(), ServerError> {
    let (db, caller) = admin()?;
    back::<DeleteWebhook, _>(
        super::server::service::delete(&db, &caller, id)
            .await
            .map_err(server_error),
    )
}

/// Queues a `webhook.test` event for one subscription.
#[server]
pub async fn send_test_webhook(id: i64) -> Result<Delivery, ServerError> {
    let (db, caller) = admin()?;
    back::<SendTestWebhook, _>(
        super::server::service::send_test(&db, &caller, id)
            .await
            .map_err(server_error),
    )
}

/// Sends a delivery's message again.
#[server]
pub async fn replay_webhook_delivery(id: i64, delivery: i64) -> Result<Delivery, ServerError> {
    let (db, caller) = admin()?;
    back::<ReplayWebhookDelivery, _>(
        super::server::service::replay(&db, &caller, id, delivery)
            .await
            .map_err(server_error),
    )
}
