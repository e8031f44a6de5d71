//! API tokens' SQL: a token is stored as its SHA-256, joined with its user
//! when read.

use sqlx::{Any, Executor, FromRow};

use super::{Seen, VERSIONS};
use crate::shared::seen::Versions;

/// An API token joined with its (enabled) user.
#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub user_name: String,
    pub user_roles: String,
    pub name: String,
    pub roles: Option<String>,
    pub created_at: i64,
    pub revoked: i64,
    /// Unix seconds; `None` never expires.
    pub expires_at: Option<i64>,
    /// Unix seconds, to the minute; `None` never used.
    pub last_used_at: Option<i64>,
}

/// A token to store: its owner, label, digest, narrowed roles and expiry.
pub struct NewToken<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub token_hash: &'a str,
    pub roles: Option<&'a str>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

pub async fn insert_token<'e>(
    ex: impl Executor<'e, Database = Any>,
    t: &NewToken<'_>,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO api_tokens (user_id, name, token_hash, roles, created_at, revoked, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(t.user_id)
    .bind(t.name)
    .bind(t.token_hash)
    .bind(t.roles)
    .bind(t.created_at)
    .bind(0i64)
    .bind(t.expires_at)
    .fetch_one(ex)
    .await?;
    Ok(id)
}

const TOKEN_COLUMNS: &str =
    "t.id, t.user_id, u.name AS user_name, u.roles AS user_roles, t.name, t.roles, \
     t.created_at, t.revoked, t.expires_at, t.last_used_at";
const TOKENS: &str = "api_tokens t JOIN users u ON u.id = t.user_id";

/// The live token with this hash at `now` (neither it nor its user switched
/// off, and not expired), with the fleet and settings versions (see `seen`),
/// in one statement: what resolving an API call reads.
pub async fn find_live_token<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
    now: i64,
) -> Result<Option<(TokenRow, Versions)>, sqlx::Error> {
    let row: Option<Seen<TokenRow>> = sqlx::query_as(&format!(
        "SELECT {TOKEN_COLUMNS}, {VERSIONS} FROM {TOKENS} \
         WHERE t.token_hash = $1 AND t.revoked = $2 AND u.disabled = $2 \
         AND (t.expires_at IS NULL OR t.expires_at > $3)"
    ))
    .bind(token_hash)
    .bind(0i64)
    .bind(now)
    .fetch_optional(ex)
    .await?;
    Ok(row.map(Seen::split))
}

/// Records that token `id` was used at `now`.
pub async fn touch_token<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn list_tokens<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<TokenRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {TOKEN_COLUMNS} FROM {TOKENS} ORDER BY t.id DESC"
    ))
    .fetch_all(ex)
    .await
}

pub async fn revoke_token<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("UPDATE api_tokens SET revoked = $1 WHERE id = $2 AND revoked = $3")
            .bind(1i64)
            .bind(id)
            .bind(0i64)
            .execute(ex)
            .await?
            .rows_affected(),
    )
}

pub async fn revoke_user_tokens<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: i64,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("UPDATE api_tokens SET revoked = $1 WHERE user_id = $2 AND revoked = $3")
            .bind(1i64)
            .bind(user_id)
            .bind(0i64)
            .execute(ex)
            .await?
            .rows_affected(),
    )
}
