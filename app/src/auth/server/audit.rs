//! The audit trail: append-only rows of who did what, when, to what, from where.
//! There is no update or delete function here, on purpose.

use serde::{Deserialize, Serialize};
use sqlx::{Any, Executor, FromRow};

/// One audit row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, FromRow)]
pub struct AuditEntry {
    pub id: i64,
    /// UTC, RFC 3339.
    pub at: String,
    pub actor: Option<String>,
    pub action: String,
    pub object: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub source: Option<String>,
    pub request_id: Option<String>,
}

/// Where a change came from: the caller's address and the request id.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub source: Option<String>,
    pub request_id: Option<String>,
}

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Appends one row.
#[allow(clippy::too_many_arguments)]
pub async fn record<'e>(
    ex: impl Executor<'e, Database = Any>,
    origin: &Origin,
    actor: Option<&str>,
    action: &str,
    object: Option<&str>,
    before: Option<&str>,
    after: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, object, before, after, source, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(now_rfc3339())
    .bind(actor)
    .bind(action)
    .bind(object)
    .bind(before)
    .bind(after)
    .bind(origin.source.as_deref())
    .bind(origin.request_id.as_deref())
    .execute(ex)
    .await?;
    Ok(())
}

/// The newest rows, optionally of one action or actor, before id `before_id`.
pub async fn list<'e>(
    ex: impl Executor<'e, Database = Any>,
    action: Option<&str>,
    actor: Option<&str>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, at, actor, action, object, before, after, source, request_id FROM audit_log \
         WHERE ($1 IS NULL OR action = $1) AND ($2 IS NULL OR actor = $2) AND ($3 IS NULL OR id < $3) \
         ORDER BY id DESC LIMIT $4",
    )
    .bind(action)
    .bind(actor)
    .bind(before_id)
    .bind(limit)
    .fetch_all(ex)
    .await
}

/// Every row about one object (a request's timeline), oldest first.
pub async fn list_for_object<'e>(
    ex: impl Executor<'e, Database = Any>,
    object: &str,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, at, actor, action, object, before, after, source, request_id FROM audit_log \
         WHERE object = $1 ORDER BY id",
    )
    .bind(object)
    .fetch_all(ex)
    .await
}
