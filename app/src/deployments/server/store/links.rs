//! The links between deployments and capacity requests (`deployment_requests`):
//! a buildout drafted for a short request, read both ways.

use sqlx::{Any, Executor};

use super::id_list;

/// The keys of the requests linked to several deployments: (deployment, request id).
pub async fn requests_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    ids: &[i64],
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(&format!(
        "SELECT deployment_id, request_id FROM deployment_requests WHERE deployment_id IN {} ORDER BY request_id",
        id_list(ids)
    ))
    .fetch_all(ex)
    .await
}

pub async fn link_request<'e>(
    ex: impl Executor<'e, Database = Any>,
    deployment: i64,
    request: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO deployment_requests (deployment_id, request_id) VALUES ($1, $2)")
        .bind(deployment)
        .bind(request)
        .execute(ex)
        .await?;
    Ok(())
}

/// The request's own audit rows (`object` = `key`) and the steps of every
/// deployment linked to it (created, ring by ring, state), oldest first: its
/// timeline's whole chain in one statement, each part through the
/// `audit_log_object` index.
pub async fn request_chain<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
    request: i64,
) -> Result<Vec<crate::shared::audit::AuditEntry>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, at, actor, action, object, before, after, source, request_id FROM audit_log \
         WHERE object = $1 OR (object IN (SELECT 'DEP-' || CAST(deployment_id AS TEXT) FROM deployment_requests \
         WHERE request_id = $2) AND action IN ('deployment.create', 'deployment.ring', 'deployment.state')) \
         ORDER BY id",
    )
    .bind(key)
    .bind(request)
    .fetch_all(ex)
    .await
}
