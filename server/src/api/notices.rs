//! Notice API handlers: the status page's incidents and maintenance for
//! automation. Admins publish and update; any signed-in caller may list.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;

use super::requests::JsonBody;
use app::auth::server::caller::Caller;
use app::db::Db;
use app::error::{AppError, AppResult};
use app::shared::page::Page;
use app::status::domain::NoticeKind;
use app::status::server::service::{self, NoticeInput};
use app::status::types::Notice;

/// `POST /api/v1/notices`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PublishBody {
    #[serde(default)]
    #[schema(value_type = NoticeKind)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    regions: Vec<String>,
    #[serde(default)]
    message: String,
}

/// `POST /api/v1/notices/{id}/updates`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UpdateBody {
    /// The notice's version the caller saw (required).
    version: Option<i64>,
    #[serde(default)]
    message: String,
    #[serde(default)]
    resolve: bool,
}

#[utoipa::path(get, path = "/notices", operation_id = "list_notices", tag = "notices",
    responses((status = 200, description = "The active notices (one page)", body = Page<Notice>)))]
pub async fn list(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<Page<Notice>>> {
    Ok(Json(Page {
        items: service::current(&db, &caller).await?,
        next_cursor: None,
    }))
}

#[utoipa::path(post, path = "/notices", operation_id = "publish_notice", tag = "notices",
    request_body = PublishBody,
    responses((status = 201, description = "The notice, on the status page", body = Notice)))]
pub async fn publish(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody<PublishBody>,
) -> AppResult<(StatusCode, Json<Notice>)> {
    let input = NoticeInput {
        kind: body.kind,
        title: body.title,
        regions: body.regions.join(" "),
        message: body.message,
    };
    Ok((
        StatusCode::CREATED,
        Json(service::publish(&db, &caller, &input).await?),
    ))
}

#[utoipa::path(post, path = "/notices/{id}/updates", operation_id = "update_notice", tag = "notices",
    params(("id" = i64, Path, description = "notice id")),
    request_body = UpdateBody,
    responses((status = 200, description = "The notice with the update (resolved with `\"resolve\": true`)", body = Notice)))]
pub async fn update(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<UpdateBody>,
) -> AppResult<Json<Notice>> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("there is no notice '{id}'")))?;
    let version = body.version.ok_or_else(|| {
        AppError::invalid(
            "version",
            "version is required: the notice's version you saw",
        )
    })?;
    Ok(Json(
        service::add_update(&db, &caller, id, version, &body.message, body.resolve).await?,
    ))
}
