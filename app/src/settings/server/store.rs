//! Settings SQL, one named function per statement.

use std::collections::HashMap;

use sqlx::{Any, Executor};

/// The stored value of `key`, if set.
pub async fn get_setting<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(ex)
        .await?;
    Ok(row.map(|(v,)| v))
}

pub async fn upsert_setting<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
    value: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(ex)
    .await?;
    Ok(())
}

/// Every stored setting.
pub async fn all<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<HashMap<String, String>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT key, value FROM settings")
        .fetch_all(ex)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The current settings version (see the `settings_version` migration).
pub async fn settings_version<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<i64, sqlx::Error> {
    let (v,): (i64,) = sqlx::query_as("SELECT version FROM settings_version WHERE id = 1")
        .fetch_one(ex)
        .await?;
    Ok(v)
}

/// Marks the settings changed; call inside the transaction that changed them.
pub async fn bump_settings_version<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE settings_version SET version = version + 1 WHERE id = 1")
        .execute(ex)
        .await?;
    Ok(())
}
