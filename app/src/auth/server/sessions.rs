//! Server-side sessions: a random id in an HttpOnly cookie, its SHA-256 in the
//! database (so any replica can serve any request), idle and absolute timeouts.

use std::collections::HashMap;

use super::store;
use super::tokens::{digest, new_secret};
use crate::auth::roles::{CurrentUser, Roles};
use crate::db::Db;
use crate::error::AppResult;
use crate::settings::server::count_of;
use crate::settings::{SESSION_ABSOLUTE_MINUTES, SESSION_IDLE_MINUTES};

/// The session cookie's name.
pub const COOKIE: &str = "headroom_session";

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// How long sessions live, from settings.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle_secs: i64,
    pub absolute_secs: i64,
}

impl SessionPolicy {
    pub fn from_settings(settings: &HashMap<String, String>) -> Self {
        SessionPolicy {
            idle_secs: count_of(settings, &SESSION_IDLE_MINUTES) * 60,
            absolute_secs: count_of(settings, &SESSION_ABSOLUTE_MINUTES) * 60,
        }
    }
}

/// Starts a session for `user_id`, ending the one the browser had (a new id at
/// every sign-in, so a planted id never becomes a signed-in one). Returns the
/// cookie value.
pub async fn start(db: &Db, user_id: i64, previous: Option<&str>) -> AppResult<String> {
    let id = new_secret("");
    let mut tx = db.begin_write().await?;
    if let Some(old) = previous {
        store::delete_session(&mut *tx, &digest(old)).await?;
    }
    store::insert_session(&mut *tx, &digest(&id), user_id, now()).await?;
    tx.commit().await?;
    Ok(id)
}

/// The signed-in user of a session cookie, if the session is alive.
pub async fn resolve(
    db: &Db,
    cookie: &str,
    policy: SessionPolicy,
) -> AppResult<Option<CurrentUser>> {
    let hash = digest(cookie);
    let Some(row) = store::find_session(db.pool(), &hash).await? else {
        return Ok(None);
    };
    let now = now();
    if now - row.last_seen > policy.idle_secs || now - row.created_at > policy.absolute_secs {
        store::delete_session(db.pool(), &hash).await?;
        return Ok(None);
    }
    // Touch at most once a minute: a write per request would serialise readers on SQLite.
    if now - row.last_seen >= 60 {
        store::touch_session(db.pool(), &hash, now).await?;
    }
    Ok(Some(CurrentUser {
        id: row.user_id,
        name: row.name,
        roles: Roles::parse(&row.roles).unwrap_or_default(),
    }))
}

/// Ends a session.
pub async fn end(db: &Db, cookie: &str) -> AppResult<()> {
    store::delete_session(db.pool(), &digest(cookie)).await?;
    Ok(())
}

/// The `Set-Cookie` value for a session id (`Secure` when the public URL is https).
pub fn set_cookie(id: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// The session id in a `Cookie` header, if any.
pub fn from_cookie_header(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, v)| *k == COOKIE && !v.is_empty())
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies() {
        assert_eq!(
            from_cookie_header("theme=dark; headroom_session=abc"),
            Some("abc")
        );
        assert_eq!(from_cookie_header("headroom_session="), None);
        let c = set_cookie("abc", true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.ends_with("; Secure"));
        assert!(!set_cookie("abc", false).contains("Secure"));
    }
}
