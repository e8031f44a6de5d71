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

pub async fn edit(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    JsonBody(patch): JsonBody<RequestInput>,
) -> AppResult<Json<CapacityRequest>> {
    // Only the fields sent change (and `version` says which version they change).
    Ok(Json(service::edit(&db, &caller, &key, &patch).await?))
}

pub async fn get(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
) -> AppResult<Json<CapacityRequest>> {
    Ok(Json(service::get(&db, &caller, &key).await?))
}

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

pub async fn act(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path((key, action)): Path<(String, String)>,
    JsonBody(input): JsonBody<ActionInput>,
) -> AppResult<Json<CapacityRequest>> {
    let action = match Action::parse(&action) {
        Ok(
            a @ (Action::Submit
            | Action::Approve
            | Action::Reject
            | Action::Cancel
            | Action::Fulfill),
        ) => a,
        _ => {
            return Err(AppError::NotFound(format!(
                "no action '{action}' (submit, approve, reject, cancel, fulfill)"
            )))
        }
    };
    Ok(Json(act::act(&db, &caller, &key, action, &input).await?))
}

#[derive(serde::Deserialize)]
pub struct CommentInput {
    #[serde(default)]
    comment: String,
}

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
