//! The automation's idempotency keys (`Idempotency-Key` on a target report):
//! which target a key was first used for, so a retried report changes nothing.

use sqlx::{Any, Executor};

/// Whether an idempotency key was taken already, for which target.
pub async fn find_report_key<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
) -> Result<Option<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT deployment_id, target_id FROM deployment_report_keys WHERE idem_key = $1",
    )
    .bind(key)
    .fetch_optional(ex)
    .await
}

pub async fn insert_report_key<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
    deployment: i64,
    target: i64,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO deployment_report_keys (idem_key, deployment_id, target_id, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(key)
    .bind(deployment)
    .bind(target)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}
