//! Deployment API handlers: parse, call the deployment service, map errors.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::{Extension, Json};

use super::query_pairs;
use super::requests::JsonBody;
use app::auth::server::caller::Caller;
use app::db::Db;
use app::deployments::domain::DeploymentAction;
use app::deployments::server::{run, service, views};
use app::deployments::types::{
    Deployment, DeploymentFilter, DeploymentInput, PlanInput, TargetReport, VersionInput,
};
use app::error::{AppError, AppResult};
use app::shared::page::parse_limit;
use app::shared::page::Page;

#[utoipa::path(get, path = "/deployments", operation_id = "list_deployments", tag = "deployments",
    params(
        ("state" = Option<String>, Query, description = "deployment state"),
        ("kind" = Option<String>, Query, description = "`buildout`, `decommission` or `rollout`"),
        ("region" = Option<String>, Query, pattern = "^([a-z][a-z0-9]{1,31})?$", description = "region code"),
        super::openapi::PageParams),
    responses((status = 200, description = "A page of deployments, newest first", body = Page<Deployment>)))]
pub async fn list(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> AppResult<axum::response::Response> {
    let pairs = query_pairs(raw.as_deref());
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, v)| key == k && !v.is_empty())
            .map(|(_, v)| v.as_str())
    };
    let limit = parse_limit(get("limit")).map_err(|m| AppError::invalid("limit", m))?;
    let filter = DeploymentFilter::from_pairs(get);
    let page = views::list(&db, &caller, &filter, get("cursor"), limit).await?;
    Ok(Json(&*page).into_response())
}

#[utoipa::path(post, path = "/deployments", operation_id = "create_deployment", tag = "deployments",
    request_body = DeploymentInput,
    responses((status = 201, description = "The deployment, planned", body = Deployment)))]
pub async fn create(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    JsonBody(input): JsonBody<DeploymentInput>,
) -> AppResult<(StatusCode, Json<Deployment>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::create(&db, &caller, &input).await?),
    ))
}

#[utoipa::path(get, path = "/deployments/{key}", operation_id = "get_deployment", tag = "deployments",
    params(("key" = String, Path, pattern = "^DEP-[1-9][0-9]{0,17}$", description = "deployment key, e.g. `DEP-17`")),
    responses((status = 200, description = "One deployment with its rings and targets", body = Deployment)))]
pub async fn get(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
) -> AppResult<Json<Deployment>> {
    Ok(Json(service::get(&db, &caller, &key).await?))
}

#[utoipa::path(patch, path = "/deployments/{key}", operation_id = "replan_deployment", tag = "deployments",
    params(("key" = String, Path, pattern = "^DEP-[1-9][0-9]{0,17}$", description = "deployment key, e.g. `DEP-17`")),
    request_body(content = PlanInput, description = "a new plan for a planned deployment, and the version the caller saw"),
    responses((status = 200, description = "The deployment with its new plan", body = Deployment)))]
pub async fn replan(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    JsonBody(input): JsonBody<PlanInput>,
) -> AppResult<Json<Deployment>> {
    Ok(Json(service::replan(&db, &caller, &key, &input).await?))
}

#[utoipa::path(post, path = "/deployments/{key}/{action}", operation_id = "act_on_deployment", tag = "deployments",
    params(
        ("key" = String, Path, pattern = "^DEP-[1-9][0-9]{0,17}$", description = "deployment key, e.g. `DEP-17`"),
        ("action" = DeploymentAction, Path, description = "the operator's action")),
    request_body = VersionInput,
    responses((status = 200, description = "The deployment after the action", body = Deployment)))]
pub async fn act(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path((key, action)): Path<(String, String)>,
    JsonBody(input): JsonBody<VersionInput>,
) -> AppResult<Json<Deployment>> {
    let action = DeploymentAction::parse(&action).map_err(|_| {
        AppError::NotFound(format!(
            "no action '{}' (start, pause, resume, rollback, cancel)",
            app::shared::text::bounded(&action, 40)
        ))
    })?;
    Ok(Json(
        run::act(&db, &caller, &key, action, input.version).await?,
    ))
}

#[utoipa::path(post, path = "/deployments/{key}/targets/{id}", operation_id = "report_target", tag = "deployments",
    params(
        ("key" = String, Path, pattern = "^DEP-[1-9][0-9]{0,17}$", description = "deployment key, e.g. `DEP-17`"),
        ("id" = i64, Path, description = "target id"),
        ("Idempotency-Key" = Option<String>, Header, description = "a report sent again with the same key is applied once")),
    request_body(content = TargetReport, description = "the target's state and progress; `version` is the deployment's"),
    responses((status = 200, description = "The deployment after the report", body = Deployment)))]
pub async fn report(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path((key, id)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<TargetReport>,
) -> AppResult<Json<Deployment>> {
    let id: i64 = id.parse().map_err(|_| {
        AppError::invalid(
            "id",
            format!(
                "'{}' is not a target id (an integer)",
                app::shared::text::bounded(&id, 20)
            ),
        )
    })?;
    let idempotency = match headers.get("idempotency-key") {
        None => None,
        Some(v) => Some(v.to_str().map_err(|_| {
            AppError::invalid("Idempotency-Key", "an Idempotency-Key is printable text")
        })?),
    };
    Ok(Json(
        run::report(&db, &caller, &key, id, &input, idempotency).await?,
    ))
}
