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

/// The deployments linked to request `request` (a buildout drafted for it).
pub async fn deployments_of_request<'e>(
    ex: impl Executor<'e, Database = Any>,
    request: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT deployment_id FROM deployment_requests WHERE request_id = $1 ORDER BY deployment_id",
    )
    .bind(request)
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().map(|(d,)| d).collect())
}
