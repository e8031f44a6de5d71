//! What a refused form posted without JavaScript had in it that must not go
//! into a URL (free text such as a justification): kept per user and form,
//! handed back only to that user with the token the redirect carries, for an
//! hour at most. With JavaScript the form never leaves the page, so this is
//! the no-JS path only.

use base64::Engine;
use rand::RngCore;
use sqlx::{Any, Executor};

use crate::db::Db;
use crate::error::AppResult;
use crate::shared::text::prefix;

/// A draft older than this is ignored and purged.
pub const MAX_AGE_SECONDS: i64 = 3_600;
/// At most this many fields, each cut to this many bytes, are kept.
const MAX_FIELDS: usize = 16;
const MAX_FIELD_BYTES: usize = 8_192;

/// Keeps `fields` as `user`'s draft of `form` (replacing an earlier one) and
/// returns the token that reads it back.
pub async fn keep(
    db: &Db,
    user: i64,
    form: &str,
    fields: &[(&str, &str)],
    now: i64,
) -> AppResult<String> {
    let kept: Vec<(&str, &str)> = fields
        .iter()
        .take(MAX_FIELDS)
        .map(|(k, v)| (*k, prefix(v, MAX_FIELD_BYTES)))
        .collect();
    let json = serde_json::to_string(&kept).unwrap_or_else(|_| "[]".to_owned());
    let token = new_token();
    let mut tx = db.begin_write().await?;
    purge_drafts(&mut *tx, now - MAX_AGE_SECONDS).await?;
    upsert_draft(&mut *tx, user, form, &token, &json, now).await?;
    tx.commit().await?;
    Ok(token)
}

/// `user`'s draft of `form` if `token` is its token and it is fresh; empty otherwise.
pub async fn read(
    db: &Db,
    user: i64,
    form: &str,
    token: &str,
    now: i64,
) -> AppResult<Vec<(String, String)>> {
    let row = select_draft(db.pool(), user, form, token, now - MAX_AGE_SECONDS).await?;
    Ok(row
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}

/// Drops `user`'s draft of `form` (the form went through).
pub async fn drop_draft(db: &Db, user: i64, form: &str) -> AppResult<()> {
    delete_draft(db.pool(), user, form).await?;
    Ok(())
}

fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

async fn upsert_draft<'e>(
    ex: impl Executor<'e, Database = Any>,
    user: i64,
    form: &str,
    token: &str,
    fields: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO form_drafts (user_id, form, token, fields, created_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id, form) DO UPDATE SET \
           token = excluded.token, fields = excluded.fields, created_at = excluded.created_at",
    )
    .bind(user)
    .bind(form)
    .bind(token)
    .bind(fields)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

async fn select_draft<'e>(
    ex: impl Executor<'e, Database = Any>,
    user: i64,
    form: &str,
    token: &str,
    newer_than: i64,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT fields FROM form_drafts \
         WHERE user_id = $1 AND form = $2 AND token = $3 AND created_at > $4",
    )
    .bind(user)
    .bind(form)
    .bind(token)
    .bind(newer_than)
    .fetch_optional(ex)
    .await?;
    Ok(row.map(|(f,)| f))
}

async fn delete_draft<'e>(
    ex: impl Executor<'e, Database = Any>,
    user: i64,
    form: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM form_drafts WHERE user_id = $1 AND form = $2")
        .bind(user)
        .bind(form)
        .execute(ex)
        .await?;
    Ok(())
}

async fn purge_drafts<'e>(
    ex: impl Executor<'e, Database = Any>,
    older_than: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM form_drafts WHERE created_at <= $1")
        .bind(older_than)
        .execute(ex)
        .await?;
    Ok(done.rows_affected())
}
