//! Server functions of the settings page (admins only; each checks again).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::shared::fields::ServerError;

/// A setting with its current value, for the settings page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingView {
    pub key: String,
    pub value: String,
    pub help: String,
    /// Which control edits it (`SettingKind::as_str`).
    pub kind: String,
    /// Its area on the page (`settings::AREAS`).
    pub area: String,
}

/// Every setting (admins only).
#[server]
pub async fn list_settings() -> Result<Vec<SettingView>, ServerError> {
    let (db, _) = crate::authorize(crate::auth::Access::Role(crate::auth::Role::Admin))?;
    let settings = super::server::current(&db)
        .await
        .map_err(crate::error::server_error)?;
    Ok(settings
        .text
        .iter()
        .map(|(k, value)| SettingView {
            key: k.key.to_owned(),
            value: value.clone(),
            help: k.help.to_owned(),
            kind: k.kind.as_str().to_owned(),
            area: super::area_of(k.key).to_owned(),
        })
        .collect())
}

/// The database, the caller (checked: an admin) and their name.
#[cfg(feature = "ssr")]
fn admin() -> Result<(crate::db::Db, crate::auth::server::caller::Caller, String), ServerError> {
    let (db, caller) = crate::authorize(crate::auth::Access::Role(crate::auth::Role::Admin))?;
    let actor = caller
        .user
        .as_ref()
        .map(|u| u.name.clone())
        .unwrap_or_default();
    Ok((db, caller, actor))
}

/// Changes a setting (admins only).
#[server]
pub async fn update_setting(key: String, value: String) -> Result<(), ServerError> {
    let (db, caller, actor) = admin()?;
    super::server::set(&db, &caller.origin, &actor, &key, &value)
        .await
        .map_err(crate::error::server_error)
}

/// Changes a group of settings at once, all or nothing (admins only); the
/// form names each field `values[<key>]`.
#[server]
pub async fn update_settings(
    values: std::collections::HashMap<String, String>,
) -> Result<usize, ServerError> {
    let (db, caller, actor) = admin()?;
    if values.is_empty() || values.len() > super::ALL.len() {
        return Err(crate::error::server_error(crate::error::AppError::invalid(
            "values",
            "send the settings of one group",
        )));
    }
    let mut entries: Vec<(String, String)> = values.into_iter().collect();
    entries.sort();
    let area = super::area_of(&entries[0].0);
    super::server::set_many(&db, &caller.origin, &actor, &entries)
        .await
        .map_err(|e| {
            let e = crate::error::server_error(e);
            // Without JavaScript: back to the page, the error beside its field
            // and "Not saved" in the area that was saved only.
            crate::shared::forms::back_with_error::<UpdateSettings>(&[("area", area)], &e);
            e
        })
}
