//! Settings on the server: SQL in `store`, the typed settings in force in a
//! per-replica cache keyed by `settings_version` (one cheap read per request;
//! a change made on any replica is seen by every other on its next request).

pub mod store;

use std::sync::{Arc, RwLock};

use super::{find, thresholds_from, Settings, HEALTH_CONSTRAINED, HEALTH_CRITICAL};
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
/// version, in one transaction.
pub async fn set(db: &Db, origin: &Origin, actor: &str, key: &str, value: &str) -> AppResult<()> {
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
        .map_err(|e| AppError::invalid("value", format!("{key} {e}")))?;
    let mut tx = db.begin_write().await?;
    let before = store::get_setting(&mut *tx, key).await?;
    if key == HEALTH_CONSTRAINED.key || key == HEALTH_CRITICAL.key {
        let mut constrained = store::get_setting(&mut *tx, HEALTH_CONSTRAINED.key).await?;
        let mut critical = store::get_setting(&mut *tx, HEALTH_CRITICAL.key).await?;
        if key == HEALTH_CONSTRAINED.key {
            constrained = Some(value.clone());
        } else {
            critical = Some(value.clone());
        }
        thresholds_from(constrained.as_deref(), critical.as_deref())
            .map_err(|e| AppError::invalid("value", e.to_string()))?;
    }
    store::upsert_setting(&mut *tx, key, &value).await?;
    store::bump_settings_version(&mut *tx).await?;
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
