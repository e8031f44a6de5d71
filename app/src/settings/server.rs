//! Reading and writing settings.

use std::collections::HashMap;

use super::{find, thresholds_from, SettingKey, HEALTH_CONSTRAINED, HEALTH_CRITICAL};
use crate::auth::server::audit::{self, Origin};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::fleet::ledger::Thresholds;
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

async fn upsert_setting<'e>(
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

/// The value of a known setting: stored, or its default.
pub async fn get(db: &Db, key: &str) -> AppResult<String> {
    let known =
        find(key).ok_or_else(|| AppError::invalid("key", format!("'{key}' is not a setting")))?;
    Ok(get_setting(db.pool(), key)
        .await?
        .unwrap_or_else(|| known.default.to_owned()))
}

/// Sets a known setting after checking the value (and, for thresholds, the pair),
/// recording the change in the audit trail.
pub async fn set(db: &Db, origin: &Origin, actor: &str, key: &str, value: &str) -> AppResult<()> {
    let known =
        find(key).ok_or_else(|| AppError::invalid("key", format!("'{key}' is not a setting")))?;
    let value = known
        .parse(value)
        .map_err(|e| AppError::invalid("value", format!("{key} {e}")))?;
    let mut tx = db.begin_write().await?;
    let before = get_setting(&mut *tx, key).await?;
    if key == HEALTH_CONSTRAINED.key || key == HEALTH_CRITICAL.key {
        let mut constrained = get_setting(&mut *tx, HEALTH_CONSTRAINED.key).await?;
        let mut critical = get_setting(&mut *tx, HEALTH_CRITICAL.key).await?;
        if key == HEALTH_CONSTRAINED.key {
            constrained = Some(value.clone());
        } else {
            critical = Some(value.clone());
        }
        thresholds_from(constrained.as_deref(), critical.as_deref())
            .map_err(|e| AppError::invalid("value", e.to_string()))?;
    }
    upsert_setting(&mut *tx, key, &value).await?;
    // Settings are part of every replica's snapshot (health bands, sign-in rules).
    crate::fleet::server::store::bump_fleet_version(&mut *tx).await?;
    audit::record(
        &mut *tx,
        origin,
        Some(actor),
        "settings.set",
        Some(key),
        before.as_deref(),
        Some(&value),
    )
    .await?;
    tx.commit().await?;
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

/// A known setting's value from a map of stored ones, else its default.
pub fn value_of<'a>(stored: &'a HashMap<String, String>, key: &SettingKey) -> &'a str {
    stored
        .get(key.key)
        .map(|s| s.as_str())
        .unwrap_or(key.default)
}

/// A count setting as a number (its default if the stored text is unusable).
pub fn count_of(stored: &HashMap<String, String>, key: &SettingKey) -> i64 {
    value_of(stored, key)
        .parse()
        .unwrap_or_else(|_| key.default.parse().unwrap_or(1))
}

/// The approval rules in force (the defaults if the stored text were ever unusable;
/// `set` refuses such text, so that takes a hand-edited database).
pub fn rules_of(stored: &HashMap<String, String>) -> Vec<crate::requests::policy::Rule> {
    crate::requests::policy::parse_rules(value_of(stored, &super::REQUESTS_POLICY))
        .unwrap_or_else(|_| crate::requests::policy::default_rules())
}

/// The health thresholds in force.
pub async fn thresholds<'e>(ex: impl Executor<'e, Database = Any>) -> AppResult<Thresholds> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT key, value FROM settings WHERE key IN ($1, $2)")
            .bind(HEALTH_CONSTRAINED.key)
            .bind(HEALTH_CRITICAL.key)
            .fetch_all(ex)
            .await?;
    let value = |k: &str| {
        rows.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    thresholds_from(value(HEALTH_CONSTRAINED.key), value(HEALTH_CRITICAL.key)).map_err(|e| {
        AppError::Internal(anyhow::anyhow!("stored health thresholds are invalid: {e}"))
    })
}
