//! Slows guessing: every sign-in attempt is counted per account and per
//! address *before* its password is checked (one atomic statement per key, so
//! N parallel guesses see N distinct counts); past a limit within the window
//! (settings), the attempt is refused after a short delay without hashing.
//! A success clears the account's count and takes itself off the address's.

use std::time::Duration;

use super::store;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::settings::Settings;

fn account_key(name: &str) -> String {
    format!("account:{name}")
}

fn address_key(addr: &str) -> String {
    format!("address:{addr}")
}

/// Counts an attempt by `name` (when it is a well-formed user name; other
/// names are no account and count against the address only) from `addr`, and
/// refuses with `rate_limited` when either is past its limit.
pub async fn attempt(
    db: &Db,
    settings: &Settings,
    name: Option<&str>,
    addr: &str,
    now: i64,
) -> AppResult<()> {
    let window = settings.signin_window_minutes * 60;
    let expired = now - window;
    let mut tx = db.begin_write().await?;
    let account = match name {
        Some(n) => store::count_sign_in_attempt(&mut *tx, &account_key(n), now, expired).await?,
        None => 0,
    };
    let address = store::count_sign_in_attempt(&mut *tx, &address_key(addr), now, expired).await?;
    tx.commit().await?;
    if account > settings.signin_max_failures_per_account
        || address > settings.signin_max_failures_per_address
    {
        tokio::time::sleep(Duration::from_millis(500)).await;
        return Err(AppError::RateLimited(format!(
            "too many failed sign-ins; try again in {} minutes",
            window / 60
        )));
    }
    Ok(())
}

/// A success clears the account's count and forgives this attempt from the address.
pub async fn succeeded(db: &Db, name: &str, addr: &str) -> AppResult<()> {
    let mut tx = db.begin_write().await?;
    store::clear_sign_in_attempts(&mut *tx, &account_key(name)).await?;
    store::forgive_sign_in_attempt(&mut *tx, &address_key(addr)).await?;
    tx.commit().await?;
    Ok(())
}

/// Drops counters whose window has passed; returns how many.
pub async fn purge(db: &Db, settings: &Settings, now: i64) -> AppResult<u64> {
    let window = settings.signin_window_minutes * 60;
    Ok(store::purge_sign_in_counters(db.pool(), now - window).await?)
}
