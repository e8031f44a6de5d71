//! Identity SQL: users, sessions, sign-in attempt counters (API tokens in `tokens`).

use sqlx::{Any, Executor, FromRow};

use crate::shared::seen::Versions;

mod tokens;

pub use tokens::*;

/// A user row.
#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub password_hash: Option<String>,
    pub roles: String,
    pub disabled: i64,
    pub demo: i64,
}

const USER_COLUMNS: &str = "id, name, password_hash, roles, disabled, demo";

pub async fn insert_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    name: &str,
    password_hash: Option<&str>,
    roles: &str,
    demo: bool,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO users (name, password_hash, roles, disabled, demo, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(name)
    .bind(password_hash)
    .bind(roles)
    .bind(0i64)
    .bind(i64::from(demo))
    .bind(now)
    .fetch_one(ex)
    .await?;
    Ok(id)
}

pub async fn find_user_by_name<'e>(
    ex: impl Executor<'e, Database = Any>,
    name: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE name = $1"))
        .bind(name)
        .fetch_optional(ex)
        .await
}

pub async fn list_users<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY name"))
        .fetch_all(ex)
        .await
}

pub async fn set_user_roles<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    roles: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE users SET roles = $1 WHERE id = $2")
        .bind(roles)
        .bind(id)
        .execute(ex)
        .await?
        .rows_affected())
}

pub async fn set_user_disabled<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    disabled: bool,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
        .bind(i64::from(disabled))
        .bind(id)
        .execute(ex)
        .await?
        .rows_affected())
}

pub async fn count_active_demo_users<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM users WHERE demo = $1 AND disabled = $2")
            .bind(1i64)
            .bind(0i64)
            .fetch_one(ex)
            .await?;
    Ok(n)
}

/// A session joined with its (enabled) user.
#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub user_id: i64,
    pub name: String,
    pub roles: String,
    pub created_at: i64,
    pub last_seen: i64,
}

pub async fn insert_session<'e>(
    ex: impl Executor<'e, Database = Any>,
    id_hash: &str,
    user_id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, created_at, last_seen) VALUES ($1, $2, $3, $3)",
    )
    .bind(id_hash)
    .bind(user_id)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// The session with this id hash, if its user is enabled.
/// A session's row with the fleet and settings versions (see `seen`), in one
/// statement: what resolving a signed-in browser's request reads.
pub async fn find_session<'e>(
    ex: impl Executor<'e, Database = Any>,
    id_hash: &str,
) -> Result<Option<(SessionRow, Versions)>, sqlx::Error> {
    let row: Option<Seen<SessionRow>> = sqlx::query_as(&format!(
        "SELECT s.user_id, u.name, u.roles, s.created_at, s.last_seen, {VERSIONS} \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.id_hash = $1 AND u.disabled = $2"
    ))
    .bind(id_hash)
    .bind(0i64)
    .fetch_optional(ex)
    .await?;
    Ok(row.map(Seen::split))
}

pub async fn touch_session<'e>(
    ex: impl Executor<'e, Database = Any>,
    id_hash: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen = $1 WHERE id_hash = $2")
        .bind(now)
        .bind(id_hash)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn delete_session<'e>(
    ex: impl Executor<'e, Database = Any>,
    id_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn delete_user_sessions<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(ex)
        .await?
        .rows_affected())
}

/// Removes sessions idle since `idle_before` or created before `created_before`.
pub async fn delete_expired_sessions<'e>(
    ex: impl Executor<'e, Database = Any>,
    idle_before: i64,
    created_before: i64,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE last_seen < $1 OR created_at < $2")
            .bind(idle_before)
            .bind(created_before)
            .execute(ex)
            .await?
            .rows_affected(),
    )
}

/// The fleet and settings versions as two more columns of a row.
const VERSIONS: &str = "(SELECT version FROM fleet_version WHERE id = 1) AS fleet_version, \
     (SELECT version FROM settings_version WHERE id = 1) AS settings_version";

/// A row read with the versions (`VERSIONS`).
#[derive(FromRow)]
struct Seen<T> {
    #[sqlx(flatten)]
    row: T,
    fleet_version: i64,
    settings_version: i64,
}

impl<T> Seen<T> {
    fn split(self) -> (T, Versions) {
        let versions = Versions {
            fleet: self.fleet_version,
            settings: self.settings_version,
        };
        (self.row, versions)
    }
}

/// Counts one sign-in attempt against `key` and returns the attempts in its
/// window, this one included. One statement, so parallel attempts each see a
/// distinct count on both engines. A window older than `window_starts_after`
/// starts again at this attempt.
pub async fn count_sign_in_attempt<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
    now: i64,
    window_starts_after: i64,
) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "INSERT INTO signin_counters (key, window_start, attempts) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           attempts = CASE WHEN signin_counters.window_start <= $3 THEN 1 \
                           ELSE signin_counters.attempts + 1 END, \
           window_start = CASE WHEN signin_counters.window_start <= $3 THEN $2 \
                               ELSE signin_counters.window_start END \
         RETURNING attempts",
    )
    .bind(key)
    .bind(now)
    .bind(window_starts_after)
    .fetch_one(ex)
    .await?;
    Ok(n)
}

/// Takes one attempt off `key` (a success from an address is not a guess).
pub async fn forgive_sign_in_attempt<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE signin_counters SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0",
    )
    .bind(key)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn clear_sign_in_attempts<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM signin_counters WHERE key = $1")
        .bind(key)
        .execute(ex)
        .await?;
    Ok(())
}

/// Removes counters whose window started at or before `before`; returns how many.
pub async fn purge_sign_in_counters<'e>(
    ex: impl Executor<'e, Database = Any>,
    before: i64,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM signin_counters WHERE window_start <= $1")
            .bind(before)
            .execute(ex)
            .await?
            .rows_affected(),
    )
}
