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
    /// Edited in a text area (the approval policy), not a one-line input.
    pub multiline: bool,
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
            multiline: k.kind == super::SettingKind::Policy,
        })
        .collect())
}

/// Changes a setting (admins only).
#[server]
pub async fn update_setting(key: String, value: String) -> Result<(), ServerError> {
    let (db, caller) = crate::authorize(crate::auth::Access::Role(crate::auth::Role::Admin))?;
    let actor = caller
        .user
        .as_ref()
        .map(|u| u.name.clone())
        .unwrap_or_default();
    super::server::set(&db, &caller.origin, &actor, &key, &value)
        .await
        .map_err(crate::error::server_error)
}
