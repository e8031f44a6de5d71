//! Server-side sessions: a random id in an HttpOnly cookie, its SHA-256 in the
//! database (so any replica can serve any request), idle and absolute timeouts.

use super::store::{self, SessionRow};
use super::tokens::{digest, new_secret, TOUCH_EVERY_SECONDS};
use crate::auth::roles::{CurrentUser, Roles};
use crate::db::Db;
use crate::error::AppResult;
use crate::settings::Settings;
use crate::shared::seen::Versions;

/// The session cookie's name over plain HTTP.
pub const COOKIE: &str = "headroom_session";
/// Its name when cookies are `Secure`: the `__Host-` prefix makes browsers
/// refuse it unless it is Secure, host-only and `Path=/`, so a sibling
/// subdomain or a plain-HTTP page cannot plant a session.
pub const SECURE_COOKIE: &str = "__Host-headroom_session";

/// The session cookie's name in this mode.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE
    } else {
        COOKIE
    }
}

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
    pub fn from_settings(settings: &Settings) -> Self {
        SessionPolicy {
            idle_secs: settings.session_idle_minutes * 60,
            absolute_secs: settings.session_absolute_minutes * 60,
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

/// A session cookie's row, if its user is enabled, with the versions read in
/// the same statement (see `shared::seen`).
pub async fn find(db: &Db, cookie: &str) -> AppResult<Option<(SessionRow, Versions)>> {
    Ok(store::find_session(db.pool(), &digest(cookie)).await?)
}

/// The signed-in user of a session (`find`), if the session is alive under
/// `policy`; a session past its time is ended.
pub async fn admit(
    db: &Db,
    cookie: &str,
    row: SessionRow,
    policy: SessionPolicy,
) -> AppResult<Option<CurrentUser>> {
    let hash = digest(cookie);
    let now = now();
    if now - row.last_seen > policy.idle_secs || now - row.created_at > policy.absolute_secs {
        store::delete_session(db.pool(), &hash).await?;
        return Ok(None);
    }
    // Touch at most once a minute, and once for requests arriving together
    // (`touches`): a write per request would serialise them on SQLite.
    if now - row.last_seen >= TOUCH_EVERY_SECONDS {
        let write = store::touch_session(db.pool(), &hash, now);
        db.touches()
            .record(&format!("session:{hash}"), now, TOUCH_EVERY_SECONDS, write)
            .await?;
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

/// The `Set-Cookie` value for a session id (`Secure` and `__Host-` when the public URL is https).
pub fn set_cookie(id: &str, secure: bool) -> String {
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={id}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// The session id in one `Cookie` header, if any: only the cookie of this
/// mode's name (in Secure mode a plain `headroom_session` is ignored).
pub fn from_cookie_header(header: &str, secure: bool) -> Option<&str> {
    let name = cookie_name(secure);
    header
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v)
}

/// The session id in a request's `Cookie` headers, if any.
pub fn from_headers(headers: &axum::http::HeaderMap, secure: bool) -> Option<&str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| from_cookie_header(h, secure))
}

/// Removes sessions past their idle or absolute timeout; returns how many.
pub async fn purge_expired(db: &Db, policy: SessionPolicy, now: i64) -> AppResult<u64> {
    Ok(store::delete_expired_sessions(
        db.pool(),
        now - policy.idle_secs,
        now - policy.absolute_secs,
    )
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies() {
        assert_eq!(
            from_cookie_header("theme=dark; headroom_session=abc", false),
            Some("abc")
        );
        assert_eq!(from_cookie_header("headroom_session=", false), None);
        let c = set_cookie("abc", true);
        assert!(c.starts_with("__Host-headroom_session=abc; Path=/;"), "{c}");
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.ends_with("; Secure"));
        assert!(!c.contains("Domain"), "a __Host- cookie names no domain");
        assert!(set_cookie("abc", false).starts_with("headroom_session=abc;"));
        assert!(!set_cookie("abc", false).contains("Secure"));
        assert!(clear_cookie(true).starts_with("__Host-headroom_session=;"));
    }

    #[test]
    fn secure_mode_reads_only_the_host_prefixed_cookie() {
        let planted = "headroom_session=planted";
        assert_eq!(from_cookie_header(planted, true), None);
        assert_eq!(
            from_cookie_header(
                "headroom_session=planted; __Host-headroom_session=real",
                true
            ),
            Some("real")
        );
        assert_eq!(
            from_cookie_header("__Host-headroom_session=real", false),
            None
        );
    }
}
