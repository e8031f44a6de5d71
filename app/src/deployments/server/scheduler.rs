//! The deployments' scheduler: a pass over every deployment in progress that
//! promotes the rings whose bake has passed and whose gate holds, through the
//! same `advance` / `apply` as an operator's action (`run`), and the loop that
//! runs a pass every `deployments.tick_seconds`.

use super::model::load;
use super::run::{advance, apply};
use super::store;
use crate::auth::server::caller::Caller;
use crate::db::Db;
use crate::deployments::domain::DeploymentState;
use crate::deployments::engine::Change;
use crate::error::{AppError, AppResult};
use crate::fleet::server::service as fleet;

/// One scheduler pass: every deployment in progress whose bake has passed or
/// whose next ring waits for its gate moves on. Safe on several replicas at
/// once: each move is conditional on the version this pass read, so a ring is
/// promoted exactly once. Returns how many deployments moved.
pub async fn tick(db: &Db) -> AppResult<usize> {
    let now = db.clock().now();
    let scheduler = Caller::anonymous(Default::default());
    let running =
        store::deployments_in(db.pool(), &[DeploymentState::InProgress], None, 1000).await?;
    let mut moved = 0;
    for row in running {
        let snap = fleet::snapshot(db).await?;
        let mut conn = db.pool().acquire().await?;
        let d = super::model::load_many(&mut conn, vec![row])
            .await?
            .remove(0);
        let idle = advance(&snap, &mut conn, &d, &d.model(), now)
            .await?
            .is_empty();
        drop(conn);
        if idle {
            continue;
        }
        let mut tx = db.begin_write().await?;
        let d = load(&mut tx, d.row.id, db.lock_rows()).await?;
        let changes = advance(&snap, &mut tx, &d, &d.model(), now).await?;
        if changes.is_empty() || changes == [Change::Note(d.row.note.clone())] {
            continue;
        }
        match apply(db, &mut tx, &scheduler, &d, &changes, None, now).await {
            Ok(_) => {
                tx.commit().await?;
                moved += 1;
            }
            // Another replica moved it first: nothing to do.
            Err(AppError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(moved)
}

/// Runs the scheduler for as long as the process lives, every
/// `deployments.tick_seconds`.
pub async fn run_scheduler(db: Db) {
    loop {
        if let Err(e) = tick(&db).await {
            tracing::warn!(error = %e, "deployment scheduler pass failed; will retry");
        }
        let seconds = crate::settings::server::current(&db)
            .await
            .map_or(10, |s| s.deployments_tick_seconds);
        tokio::time::sleep(std::time::Duration::from_secs(seconds.max(1) as u64)).await;
    }
}
