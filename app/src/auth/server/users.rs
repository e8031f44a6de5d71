//! Users: adding, disabling, changing roles, signing in. Every change is audited.

use super::audit::{self, Origin};
use super::{password, sessions, store, throttle};
use crate::auth::roles::{check_new_password, parse_user_name, CurrentUser, Roles};
use crate::db::Db;
use crate::error::{AppError, AppResult};

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

/// Checks a name and password (throttled, audited either way).
pub async fn sign_in(db: &Db, origin: &Origin, name: &str, pass: &str) -> AppResult<CurrentUser> {
    let settings = crate::fleet::server::service::snapshot(db)
        .await?
        .settings
        .clone();
    let addr = origin.source.clone().unwrap_or_default();
    let now = sessions::now();
    let name = name.trim();
    if let Err(e) = throttle::check(db, &settings, name, &addr, now).await {
        audit::record(
            db.pool(),
            origin,
            Some(name),
            "signin.throttled",
            Some(name),
            None,
            None,
        )
        .await?;
        return Err(e);
    }
    let user = store::find_user_by_name(db.pool(), name).await?;
    let hash = user
        .as_ref()
        .filter(|u| u.disabled == 0)
        .and_then(|u| u.password_hash.clone());
    if !password::verify(pass.to_owned(), hash).await {
        throttle::failed(db, name, &addr, now).await?;
        audit::record(
            db.pool(),
            origin,
            Some(name),
            "signin.failed",
            Some(name),
            None,
            None,
        )
        .await?;
        return Err(AppError::Invalid {
            field: Some("password"),
            message: "that name and password do not match an enabled account".into(),
        });
    }
    let user = user.expect("verified, so the user exists");
    throttle::succeeded(db, name).await?;
    audit::record(
        db.pool(),
        origin,
        Some(name),
        "signin",
        Some(name),
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
