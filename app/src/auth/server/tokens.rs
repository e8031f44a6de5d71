//! Secrets handed to clients (session ids, API tokens): random, and stored only
//! as their SHA-256, so a database leak does not leak a usable credential.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::store::{self, TokenRow};
use crate::auth::roles::{CurrentUser, Roles};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::shared::seen::Versions;

/// 32 bytes from the operating system's CSPRNG, base64url; `prefix` tells kinds apart.
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The stored form of a secret.
pub fn digest(secret: &str) -> String {
    let hash = Sha256::digest(secret.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// API tokens start with this, so they are easy to spot in logs and scanners.
pub const TOKEN_PREFIX: &str = "hr_";

/// Longest lifetime a token may be given, in days.
pub const MAX_EXPIRY_DAYS: i64 = 3_650;

/// A use of a token is recorded at most once per this many seconds, so the
/// API's read path writes rarely.
pub const TOUCH_EVERY_SECONDS: i64 = 60;

/// Creates an API token for `user` acting with `roles` (all the user's roles if
/// `None`; never more), expiring `expires_in_days` after `now` (`None`: never).
/// Returns the token, shown this once.
pub async fn create_token(
    db: &Db,
    user_name: &str,
    label: &str,
    roles: Option<Roles>,
    expires_in_days: Option<i64>,
    now: i64,
) -> AppResult<(i64, String)> {
    let label = label.trim();
    if label.is_empty() || label.len() > 100 {
        return Err(AppError::invalid(
            "name",
            "a token's name is 1–100 characters",
        ));
    }
    if expires_in_days.is_some_and(|d| !(1..=MAX_EXPIRY_DAYS).contains(&d)) {
        return Err(AppError::invalid(
            "expires_in_days",
            format!("a token expires in 1 to {MAX_EXPIRY_DAYS} days, or never (empty)"),
        ));
    }
    let mut tx = db.begin_write().await?;
    let user = store::find_user_by_name(&mut *tx, user_name)
        .await?
        .filter(|u| u.disabled == 0)
        .ok_or_else(|| AppError::invalid("user", format!("no enabled user '{user_name}'")))?;
    let user_roles =
        Roles::parse(&user.roles).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    if let Some(r) = &roles {
        if !r.is_subset(&user_roles) {
            return Err(AppError::invalid(
                "role",
                format!("a token can only narrow {user_name}'s roles ({user_roles})"),
            ));
        }
    }
    let token = new_secret(TOKEN_PREFIX);
    let roles = roles.map(|r| r.to_string());
    let id = store::insert_token(
        &mut *tx,
        &store::NewToken {
            user_id: user.id,
            name: label,
            token_hash: &digest(&token),
            roles: roles.as_deref(),
            created_at: now,
            expires_at: expires_in_days.map(|d| now + d * 86_400),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((id, token))
}

/// A bearer token's row if it is live at `now` (neither it nor its user
/// switched off, not expired), with the versions read in the same statement
/// (see `shared::seen`).
pub async fn find(db: &Db, token: &str, now: i64) -> AppResult<Option<(TokenRow, Versions)>> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    Ok(store::find_live_token(db.pool(), &digest(token), now).await?)
}

/// The user a live token (`find`) acts for, with the roles in force: the
/// token's narrowing intersected with the user's current roles. The use is
/// recorded (at most once a minute).
pub async fn admit(db: &Db, row: TokenRow, now: i64) -> CurrentUser {
    if row
        .last_used_at
        .is_none_or(|at| now - at >= TOUCH_EVERY_SECONDS)
    {
        // Once for requests arriving together, too (`touches`).
        let key = format!("token:{}", row.id);
        let write = store::touch_token(db.pool(), row.id, now);
        // Best effort: a busy database must not refuse the request for this.
        if let Err(e) = db
            .touches()
            .record(&key, now, TOUCH_EVERY_SECONDS, write)
            .await
        {
            tracing::warn!(error = %e, token = row.id, "could not record a token's use");
        }
    }
    let user_roles = Roles::parse(&row.user_roles).unwrap_or_default();
    let roles = match row.roles.as_deref().map(Roles::parse) {
        Some(Ok(narrow)) => user_roles.intersect(&narrow),
        Some(Err(_)) => Roles::default(),
        None => user_roles,
    };
    CurrentUser {
        id: row.user_id,
        name: row.user_name,
        roles,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_digested() {
        let a = new_secret(TOKEN_PREFIX);
        let b = new_secret(TOKEN_PREFIX);
        assert_ne!(a, b);
        assert!(a.starts_with("hr_") && a.len() >= 43);
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
