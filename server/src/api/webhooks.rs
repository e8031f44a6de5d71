//! Webhook API handlers (admins): subscriptions, their secrets, their
//! delivery logs, replays and test events.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;

use super::query_pairs;
use super::requests::JsonBody;
use app::auth::server::caller::Caller;
use app::auth::Role;
use app::db::Db;
use app::error::{AppError, AppResult};
use app::shared::page::{parse_limit, Page};
use app::webhooks::server::service;
use app::webhooks::types::{
    Delivery, NewSecret, Subscription, SubscriptionChange, SubscriptionInput,
};

/// A subscription's id from the path: anything else names none (404).
fn subscription_id(raw: &str) -> AppResult<i64> {
    raw.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        AppError::NotFound(format!(
            "there is no webhook subscription '{}'",
            app::shared::text::bounded(raw, 40)
        ))
    })
}

/// `POST /api/v1/webhooks/{id}/rotate`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RotateBody {
    /// The subscription's version the caller saw (required).
    version: Option<i64>,
}

#[utoipa::path(get, path = "/webhooks", operation_id = "list_webhooks", tag = "webhooks",
    responses((status = 200, description = "Every subscription (one page)", body = Page<Subscription>)))]
pub async fn list(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<Page<Subscription>>> {
    Ok(Json(Page {
        items: service::list(&db, &caller).await?,
        next_cursor: None,
    }))
}

#[utoipa::path(post, path = "/webhooks", operation_id = "create_webhook", tag = "webhooks",
    request_body = SubscriptionInput,
    responses((status = 201, description = "Subscribed; the answer carries the signing secret", body = NewSecret)))]
pub async fn create(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody<SubscriptionInput>,
) -> AppResult<(StatusCode, Json<NewSecret>)> {
    caller.require(Role::Admin)?;
    Ok((
        StatusCode::CREATED,
        Json(service::create(&db, &caller, &body).await?),
    ))
}

#[utoipa::path(get, path = "/webhooks/{id}", operation_id = "get_webhook", tag = "webhooks",
    params(("id" = i64, Path, description = "subscription id")),
    responses((status = 200, description = "The subscription", body = Subscription)))]
pub async fn get(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<Subscription>> {
    caller.require(Role::Admin)?;
    Ok(Json(
        service::get(&db, &caller, subscription_id(&id)?).await?,
    ))
}

#[utoipa::path(patch, path = "/webhooks/{id}", operation_id = "change_webhook", tag = "webhooks",
    params(("id" = i64, Path, description = "subscription id")),
    request_body = SubscriptionChange,
    responses((status = 200, description = "The subscription as changed", body = Subscription)))]
pub async fn change(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SubscriptionChange>,
) -> AppResult<Json<Subscription>> {
    caller.require(Role::Admin)?;
    Ok(Json(
        service::change(&db, &caller, subscription_id(&id)?, &body).await?,
    ))
}

#[utoipa::path(delete, path = "/webhooks/{id}", operation_id = "delete_webhook", tag = "webhooks",
    params(("id" = i64, Path, description = "subscription id")),
    responses((status = 204, description = "Removed, with its delivery log")))]
pub async fn delete(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    caller.require(Role::Admin)?;
    service::delete(&db, &caller, subscription_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/webhooks/{id}/rotate", operation_id = "rotate_webhook_secret", tag = "webhooks",
    params(("id" = i64, Path, description = "subscription id")),
    request_body = RotateBody,
    responses((status = 200, description = "A new secret; the previous one also signs for a day", body = NewSecret)))]
pub async fn rotate(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RotateBody>,
) -> AppResult<Json<NewSecret>> {
    caller.require(Role::Admin)?;
    Ok(Json(
        service::rotate(&db, &caller, subscription_id(&id)?, body.version).await?,
    ))
}

#[utoipa::path(post, path = "/webhooks/{id}/test", operation_id = "send_test_webhook", tag = "webhooks",
    params(("id" = i64, Path, description = "subscription id")),
    responses((status = 201, description = "A webhook.test event, queued", body = Delivery)))]
pub async fn test(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<(StatusCode, Json<Delivery>)> {
    caller.require(Role::Admin)?;
    Ok((
        StatusCode::CREATED,
        Json(service::send_test(&db, &caller, subscription_id(&id)?).await?),
    ))
}

#[utoipa::path(get, path = "/webhooks/{id}/deliveries", operation_id = "list_webhook_deliveries", tag = "webhooks",
    params(("id" = i64, Path, description = "subscription id"), super::openapi::PageParams),
    responses((status = 200, description = "The delivery log, newest first, each with its attempts", body = Page<Delivery>)))]
pub async fn deliveries(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<Page<Delivery>>> {
    caller.require(Role::Admin)?;
    let pairs = query_pairs(raw.as_deref());
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, v)| key == k && !v.is_empty())
            .map(|(_, v)| v.as_str())
    };
    let limit = parse_limit(get("limit")).map_err(|m| AppError::invalid("limit", m))?;
    Ok(Json(
        service::deliveries(&db, &caller, subscription_id(&id)?, get("cursor"), limit).await?,
    ))
}

#[utoipa::path(post, path = "/webhooks/{id}/deliveries/{delivery}/replay", operation_id = "replay_webhook_delivery", tag = "webhooks",
    params(("id" = i64, Path, description = "subscription id"), ("delivery" = i64, Path, description = "delivery id")),
    responses((status = 201, description = "The same message (same webhook-id), queued again as a new delivery", body = Delivery)))]
pub async fn replay(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path((id, delivery)): Path<(String, String)>,
) -> AppResult<(StatusCode, Json<Delivery>)> {
    caller.require(Role::Admin)?;
    let id = subscription_id(&id)?;
    let delivery = delivery.parse::<i64>().map_err(|_| {
        AppError::NotFound(format!(
            "webhook subscription {id} has no delivery '{}'",
            app::shared::text::bounded(&delivery, 40)
        ))
    })?;
    Ok((
        StatusCode::CREATED,
        Json(service::replay(&db, &caller, id, delivery).await?),
    ))
}
