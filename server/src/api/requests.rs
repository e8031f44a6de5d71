//! Request API handlers: parse, call the request service, map errors.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::{Extension, Json};

use super::query_pairs;
use app::auth::server::caller::Caller;
use app::db::Db;
use app::error::{AppError, AppResult};
use app::requests::domain::Action;
use app::requests::server::{act, service};
use app::requests::types::{ActionInput, CapacityRequest, RequestFilter, RequestInput};
use app::shared::page::parse_limit;
use app::shared::page::Page;

/// A JSON body, with a 400 naming the problem instead of axum's plain-text rejection.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(JsonBody(v)),
            Err(e) => Err(AppError::Invalid {
                field: None,
                message: format!(
                    "the body is not valid JSON for this call: {}",
                    e.body_text()
                ),
            }),
        }
    }
}

#[utoipa::path(post, path = "/requests", operation_id = "create_request", tag = "requests",
    request_body = RequestInput,
    responses((status = 201, description = "The request, submitted (or a draft with `\"draft\": true`)", body = CapacityRequest)))]
pub async fn create(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    JsonBody(input): JsonBody<RequestInput>,
) -> AppResult<(StatusCode, Json<CapacityRequest>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::create(&db, &caller, &input).await?),
    ))
}

#[utoipa::path(patch, path = "/requests/{key}", operation_id = "edit_request", tag = "requests",
    params(("key" = String, Path, pattern = "^CR-[1-9][0-9]{0,17}$", description = "request key, e.g. `CR-1042`")),
    request_body(content = RequestInput, description = "the fields to change, and `version`: the version the caller saw"),
    responses((status = 200, description = "The request as changed", body = CapacityRequest)))]
pub async fn edit(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    JsonBody(patch): JsonBody<RequestInput>,
) -> AppResult<Json<CapacityRequest>> {
    // Only the fields sent change (and `version` says which version they change).
    Ok(Json(service::edit(&db, &caller, &key, &patch).await?))
}

#[utoipa::path(get, path = "/requests/{key}", operation_id = "get_request", tag = "requests",
    params(("key" = String, Path, pattern = "^CR-[1-9][0-9]{0,17}$", description = "request key, e.g. `CR-1042`")),
    responses((status = 200, description = "One request", body = CapacityRequest)))]
pub async fn get(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
) -> AppResult<Json<CapacityRequest>> {
    Ok(Json(service::get(&db, &caller, &key).await?))
}

#[utoipa::path(get, path = "/requests", operation_id = "list_requests", tag = "requests",
    params(
        ("state" = Option<String>, Query, description = "request state"),
        ("region" = Option<String>, Query, pattern = "^([a-z][a-z0-9]{1,31})?$", description = "region code"),
        ("sku" = Option<String>, Query, pattern = "^([A-Za-z][A-Za-z0-9-]{1,31})?$", description = "SKU code"),
        ("requester" = Option<String>, Query, description = "the requester's user name"),
        ("older_than_days" = Option<i64>, Query, minimum = 0, maximum = 3650, description = "only requests filed at least this many days ago"),
        super::openapi::PageParams),
    responses((status = 200, description = "A page of requests, newest first", body = Page<CapacityRequest>)))]
pub async fn list(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<Page<CapacityRequest>>> {
    let pairs = query_pairs(raw.as_deref());
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, v)| key == k && !v.is_empty())
            .map(|(_, v)| v.as_str())
    };
    let limit = parse_limit(get("limit")).map_err(|m| AppError::invalid("limit", m))?;
    Ok(Json(
        service::list(
            &db,
            &caller,
            &RequestFilter::from_pairs(get),
            get("cursor"),
            limit,
        )
        .await?,
    ))
}

#[utoipa::path(post, path = "/requests/{key}/{action}", operation_id = "act_on_request", tag = "requests",
    params(
        ("key" = String, Path, pattern = "^CR-[1-9][0-9]{0,17}$", description = "request key, e.g. `CR-1042`"),
        ("action" = RequestAction, Path, description = "the transition; which roles may take it is the workflow's")),
    request_body(content = ActionInput, description = "`version`: the version the caller saw; an optional comment"),
    responses((status = 200, description = "The request after the transition", body = CapacityRequest)))]
pub async fn act(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path((key, action)): Path<(String, String)>,
    JsonBody(input): JsonBody<ActionInput>,
) -> AppResult<Json<CapacityRequest>> {
    let action = RequestAction::parse(&action).ok_or_else(|| {
        AppError::NotFound(format!(
            "no action '{}' (submit, approve, reject, cancel, fulfill)",
            app::shared::text::bounded(&action, 40)
        ))
    })?;
    Ok(Json(act::act(&db, &caller, &key, action, &input).await?))
}

/// The transitions a caller may ask for by `POST /requests/{key}/{action}`
/// (expiry is the server's own).
#[derive(Debug, Clone, Copy, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum RequestAction {
    Submit,
    Approve,
    Reject,
    Cancel,
    Fulfill,
}

impl RequestAction {
    fn parse(text: &str) -> Option<Action> {
        Action::parse(text).ok().filter(|a| *a != Action::Expire)
    }
}

/// `POST /api/v1/requests/{key}/comments`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct CommentInput {
    #[serde(default)]
    comment: String,
}

#[utoipa::path(post, path = "/requests/{key}/comments", operation_id = "comment_on_request", tag = "requests",
    params(("key" = String, Path, pattern = "^CR-[1-9][0-9]{0,17}$", description = "request key, e.g. `CR-1042`")),
    request_body = CommentInput,
    responses((status = 200, description = "The request, its timeline holding the comment", body = CapacityRequest)))]
pub async fn comment(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    JsonBody(input): JsonBody<CommentInput>,
) -> AppResult<Json<CapacityRequest>> {
    Ok(Json(
        service::comment(&db, &caller, &key, &input.comment).await?,
    ))
}
