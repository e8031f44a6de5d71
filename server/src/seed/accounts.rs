//! The demo accounts of `seed --demo`: demo-only, with passwords printed by the
//! seed and documented in the README. `serve` warns while they exist and will
//! not listen beyond loopback.

use app::auth::server::caller::{Caller, Via};
use app::auth::server::{store, users};
use app::auth::{CurrentUser, Role, Roles};
use app::db::Db;
use app::shared::audit::Origin;

/// (name, password, roles). DEMO ONLY: these passwords are public.
pub const DEMO_ACCOUNTS: &[(&str, &str, &[Role])] = &[
    ("admin", "demo-admin-password", &[Role::Admin]),
    ("approver1", "demo-approver1-password", &[Role::Approver]),
    (
        "approver2",
        "demo-approver2-password",
        &[Role::Approver, Role::Requester],
    ),
    ("requester", "demo-requester-password", &[Role::Requester]),
    ("operator", "demo-operator-password", &[Role::Operator]),
    ("viewer", "demo-viewer-password", &[Role::Viewer]),
];

/// Creates the demo accounts that do not exist yet; returns how many it made.
pub async fn ensure_demo_accounts(db: &Db) -> anyhow::Result<usize> {
    let mut made = 0;
    for (name, password, roles) in DEMO_ACCOUNTS {
        if store::find_user_by_name(db.pool(), name).await?.is_none() {
            users::add(
                db,
                &Origin::default(),
                "(seed)",
                name,
                Some((*password).to_owned()),
                &Roles::new(roles.iter().copied()),
                true,
            )
            .await?;
            made += 1;
        }
    }
    Ok(made)
}

/// Whether any enabled demo account exists.
pub async fn demo_accounts_exist(db: &Db) -> anyhow::Result<bool> {
    Ok(store::count_active_demo_users(db.pool()).await? > 0)
}

/// A demo account as the caller of the services the seeds go through.
pub(super) async fn caller(db: &Db, name: &str) -> anyhow::Result<Caller> {
    let u = store::find_user_by_name(db.pool(), name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo user {name} is missing"))?;
    Ok(Caller {
        user: Some(CurrentUser {
            id: u.id,
            name: u.name,
            roles: Roles::parse(&u.roles).unwrap_or_default(),
        }),
        via: Via::Session,
        origin: Origin::default(),
        seen: None,
    })
}
