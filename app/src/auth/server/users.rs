//! Users: adding, disabling, changing roles, signing in. Every change is audited.

use super::{password, sessions, store, throttle};
use crate::auth::roles::{check_new_password, parse_user_name, CurrentUser, Roles};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::shared::audit::{self, Origin};

pub use crate::auth::api::UserSummary;

/// Adds a user with a password (or none, for proxy sign-in only) and roles.
pub async fn add(
    db: &Db,
    origin: &Origin,
    actor: &str,
    name: &str,
    password: Option<String>,
    roles: &Roles,
    demo: bool,
) -> AppResult<i64> {
    let name = parse_user_name(name).map_err(|m| AppError::invalid("name", m))?;
    if roles.is_empty() {
        return Err(AppError::invalid("role", "give the user at least one role"));
    }
    let hash = match password {
        Some(p) => {
            check_new_password(&p).map_err(|m| AppError::invalid("password", m))?;
            Some(password::hash(p).await?)
        }
        None => None,
    };
    let mut tx = db.begin_write().await?;
    if store::find_user_by_name(&mut *tx, &name).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "a user named '{name}' exists already"
        )));
    }
    let id = store::insert_user(
        &mut *tx,
        &name,
        hash.as_deref(),
        &roles.to_string(),
        demo,
        sessions::now(),
    )
    .await?;
    audit::record(
        &mut *tx,
        origin,
        Some(actor),
        "user.add",
        Some(&name),
        None,
        Some(&roles.to_string()),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Disables a user: at once, every session ends and every token is revoked.
pub async fn disable(db: &Db, origin: &Origin, actor: &str, name: &str) -> AppResult<()> {
    let mut tx = db.begin_write().await?;
    let user = store::find_user_by_name(&mut *tx, name)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no user '{name}'")))?;
    store::set_user_disabled(&mut *tx, user.id, true).await?;
    let ended = store::delete_user_sessions(&mut *tx, user.id).await?;
    let revoked = store::revoke_user_tokens(&mut *tx, user.id).await?;
    let after = format!("disabled; {ended} sessions ended, {revoked} tokens revoked");
    let before = if user.disabled != 0 {
        "disabled"
    } else {
        "enabled"
    };
    audit::record(
        &mut *tx,
        origin,
        Some(actor),
        "user.disable",
        Some(name),
        Some(before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces a user's roles.
pub async fn set_roles(
    db: &Db,
    origin: &Origin,
    actor: &str,
    name: &str,
    roles: &Roles,
) -> AppResult<()> {
    if roles.is_empty() {
        return Err(AppError::invalid("role", "give the user at least one role"));
    }
    let mut tx = db.begin_write().await?;
    let user = store::find_user_by_name(&mut *tx, name)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no user '{name}'")))?;
    store::set_user_roles(&mut *tx, user.id, &roles.to_string()).await?;
    audit::record(
        &mut *tx,
        origin,
        Some(actor),
        "user.roles",
        Some(name),
        Some(&user.roles),
        Some(&roles.to_string()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn list(db: &Db) -> AppResult<Vec<UserSummary>> {
    Ok(store::list_users(db.pool())
        .await?
        .into_iter()
        .map(|u| UserSummary {
            roles: Roles::parse(&u.roles).unwrap_or_default(),
            name: u.name,
            disabled: u.disabled != 0,
            demo: u.demo != 0,
        })
        .collect())
}

/// What the audit trail and the counters call a sign-in name that is no
/// well-formed user name (it is never stored as given).
const NOT_A_NAME: &str = "(not a user name)";

/// Checks a name and password: the attempt is counted first (throttled past a
/// limit), then verified; audited either way. A name that is not a well-formed
/// user name is no account: it is never looked up or stored.
pub async fn sign_in(db: &Db, origin: &Origin, name: &str, pass: &str) -> AppResult<CurrentUser> {
    let settings = crate::settings::server::current(db).await?;
    let addr = origin.source.clone().unwrap_or_default();
    let now = sessions::now();
    let name = parse_user_name(name).ok();
    let shown = name.as_deref().unwrap_or(NOT_A_NAME);
    if let Err(e) = throttle::attempt(db, &settings, name.as_deref(), &addr, now).await {
        audit::record_refusal(
            db,
            origin,
            name.as_deref(),
            "signin.throttled",
            Some(shown),
            None,
        )
        .await;
        return Err(e);
    }
    let user = match &name {
        Some(n) => store::find_user_by_name(db.pool(), n).await?,
        None => None,
    };
    let hash = user
        .as_ref()
        .filter(|u| u.disabled == 0)
        .and_then(|u| u.password_hash.clone());
    // No stored password is longer than this; a longer one is only work for us.
    let pass = if pass.len() > 1024 { "" } else { pass };
    let (Some(user), true) = (user, password::verify(pass.to_owned(), hash).await?) else {
        audit::record(
            db.pool(),
            origin,
            name.as_deref(),
            "signin.failed",
            Some(shown),
            None,
            None,
        )
        .await?;
        return Err(AppError::Invalid {
            field: Some("password"),
            message: "that name and password do not match an enabled account".into(),
        });
    };
    throttle::succeeded(db, &user.name, &addr).await?;
    audit::record(
        db.pool(),
        origin,
        Some(&user.name),
        "signin",
        Some(&user.name),
        None,
        None,
    )
    .await?;
    Ok(CurrentUser {
        id: user.id,
        name: user.name,
        roles: Roles::parse(&user.roles).unwrap_or_default(),
    })
}

/// Removes expired sessions and sign-in counters whose window has passed:
/// the housekeeping `serve` runs every few minutes. Returns (sessions, counters).
pub async fn purge_expired(db: &Db, now: i64) -> AppResult<(u64, u64)> {
    let settings = crate::settings::server::current(db).await?;
    let policy = sessions::SessionPolicy::from_settings(&settings);
    let ended = sessions::purge_expired(db, policy, now).await?;
    let counters = throttle::purge(db, &settings, now).await?;
    Ok((ended, counters))
}

/// Runs `purge_expired` every five minutes, for as long as the process lives.
pub async fn run_housekeeping(db: Db) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
    loop {
        tick.tick().await;
        match purge_expired(&db, sessions::now()).await {
            Ok((s, c)) if s + c > 0 => {
                tracing::info!(sessions = s, counters = c, "purged expired sign-in state")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "housekeeping failed; will retry"),
        }
    }
}
