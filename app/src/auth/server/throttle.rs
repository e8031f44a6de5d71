//! Slows guessing: failed sign-ins are counted per account and per address over
//! a window (limits in settings); past a limit, sign-in is refused until the
//! window has moved on, and each refusal is answered after a short delay.

use std::collections::HashMap;
use std::time::Duration;

use super::store;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::settings::server::count_of;
use crate::settings::{
    SIGNIN_MAX_FAILURES_PER_ACCOUNT, SIGNIN_MAX_FAILURES_PER_ADDRESS, SIGNIN_WINDOW_MINUTES,
};

fn account_key(name: &str) -> String {
    format!("account:{name}")
}

fn address_key(addr: &str) -> String {
    format!("address:{addr}")
}

/// Refuses with `rate_limited` when the account or the address has failed too often.
pub async fn check(
    db: &Db,
    settings: &HashMap<String, String>,
    name: &str,
    addr: &str,
    now: i64,
) -> AppResult<()> {
    let window = count_of(settings, &SIGNIN_WINDOW_MINUTES) * 60;
    let since = now - window;
    let account = store::count_failed_sign_ins(db.pool(), &account_key(name), since).await?;
    let address = store::count_failed_sign_ins(db.pool(), &address_key(addr), since).await?;
    if account >= count_of(settings, &SIGNIN_MAX_FAILURES_PER_ACCOUNT)
        || address >= count_of(settings, &SIGNIN_MAX_FAILURES_PER_ADDRESS)
    {
        tokio::time::sleep(Duration::from_millis(500)).await;
        return Err(AppError::RateLimited(format!(
            "too many failed sign-ins; try again in {} minutes",
            window / 60
        )));
    }
    Ok(())
}

/// Counts a failure against the account and the address.
pub async fn failed(db: &Db, name: &str, addr: &str, now: i64) -> AppResult<()> {
    let mut tx = db.begin_write().await?;
    store::record_failed_sign_in(&mut *tx, &account_key(name), now).await?;
    store::record_failed_sign_in(&mut *tx, &address_key(addr), now).await?;
    tx.commit().await?;
    Ok(())
}

/// A success clears the account's count (the address keeps its own).
pub async fn succeeded(db: &Db, name: &str) -> AppResult<()> {
    store::clear_failed_sign_ins(db.pool(), &account_key(name)).await?;
    Ok(())
}
