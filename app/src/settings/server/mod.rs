//! Settings on the server: SQL in `store`, the typed settings in force in a
//! per-replica cache keyed by `settings_version` (one cheap read per request;
//! a change made on any replica is seen by every other on its next request).

pub mod store;

use std::sync::{Arc, RwLock};

use super::{find, threshold_pair, Settings, THRESHOLD_PAIRS};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::shared::audit::{self, Origin};

/// This replica's settings, under the version they were read at.
#[derive(Debug, Default)]
pub struct SettingsCache {
    current: RwLock<Option<(i64, Arc<Settings>)>>,
}

impl SettingsCache {
    fn get(&self, version: i64) -> Option<Arc<Settings>> {
        let slot = self.current.read().ok()?;
        slot.as_ref()
            .filter(|(v, _)| *v == version)
            .map(|(_, s)| s.clone())
    }

    fn put(&self, version: i64, settings: Arc<Settings>) {
        if let Ok(mut slot) = self.current.write() {
            *slot = Some((version, settings));
        }
    }
}

/// The settings in force at `version` (read from the database if this replica
/// has not seen that version yet).
pub async fn at_version(db: &Db, version: i64) -> AppResult<Arc<Settings>> {
    if let Some(s) = db.settings_cache().get(version) {
        return Ok(s);
    }
    let settings = Arc::new(Settings::from_stored(&store::all(db.pool()).await?));
    db.settings_cache().put(version, settings.clone());
    Ok(settings)
}

/// The settings in force now: one read of the version, then this replica's cache.
pub async fn current(db: &Db) -> AppResult<Arc<Settings>> {
    let version = store::settings_version(db.pool()).await?;
    at_version(db, version).await
}

/// The value of a known setting as text: stored, or its default.
pub async fn get(db: &Db, key: &str) -> AppResult<String> {
    let known =
        find(key).ok_or_else(|| AppError::invalid("key", format!("'{key}' is not a setting")))?;
    Ok(store::get_setting(db.pool(), key)
        .await?
        .unwrap_or_else(|| known.default.to_owned()))
}

/// Sets a known setting after checking the value (and, for thresholds, the
/// pair), recording the change in the audit trail and bumping the settings
/// version, in one transaction. A refused value names the field `value`.
pub async fn set(db: &Db, origin: &Origin, actor: &str, key: &str, value: &str) -> AppResult<()> {
    match set_many(db, origin, actor, &[(key.to_owned(), value.to_owned())]).await {
        Err(AppError::Invalid {
            field: Some(f),
            message,
        }) if f != "key" => Err(AppError::Invalid {
            field: Some("value"),
            message,
        }),
        other => other.map(|_| ()),
    }
}

/// Sets several settings at once (a group of the settings page), all or
/// nothing: each value is checked, and each threshold pair with the other's
/// new or stored value. A refused value names its key as the field. Only
/// changed values are written and audited; returns how many changed.
pub async fn set_many(
    db: &Db,
    origin: &Origin,
    actor: &str,
    entries: &[(String, String)],
) -> AppResult<usize> {
    let mut parsed: Vec<(super::SettingKey, String)> = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let known = find(key).ok_or_else(|| {
            AppError::invalid(
                "key",
                format!(
                    "'{}' is not a setting",
                    crate::shared::text::bounded(key, 64)
                ),
            )
        })?;
        let value = known
            .parse(value)
            .map_err(|e| AppError::invalid(known.key, format!("{key} {e}")))?;
        parsed.push((known, value));
    }
    let mut tx = db.begin_write().await?;
    for (low_key, high_key) in THRESHOLD_PAIRS
        .iter()
        .filter(|(l, h)| parsed.iter().any(|(k, _)| k.key == l.key || k.key == h.key))
    {
        let new_value = |k: &super::SettingKey| {
            parsed
                .iter()
                .find(|(p, _)| p.key == k.key)
                .map(|(_, v)| v.clone())
        };
        let low = match new_value(low_key) {
            Some(v) => Some(v),
            None => store::get_setting(&mut *tx, low_key.key).await?,
        };
        let high = match new_value(high_key) {
            Some(v) => Some(v),
            None => store::get_setting(&mut *tx, high_key.key).await?,
        };
        threshold_pair((low_key, high_key), low.as_deref(), high.as_deref()).map_err(|_| {
            let field = if new_value(low_key).is_some() {
                low_key.key
            } else {
                high_key.key
            };
            AppError::invalid(
                field,
                format!("{} must be below {}", low_key.key, high_key.key),
            )
        })?;
    }
    let mut changed = 0;
    for (known, value) in &parsed {
        let before = store::get_setting(&mut *tx, known.key).await?;
        if before.as_deref() == Some(value.as_str()) {
            continue;
        }
        store::upsert_setting(&mut *tx, known.key, value).await?;
        audit::record(
            &mut *tx,
            origin,
            Some(actor),
            "settings.set",
            Some(known.key),
            before.as_deref(),
            Some(value),
        )
        .await?;
        changed += 1;
    }
    if changed > 0 {
        store::bump_settings_version(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(changed)
}
