//! The expiry sweeper: approved requests not fulfilled by their hold date
//! expire, releasing their reservation. Safe on several replicas at once: each
//! expiry is a conditional transition, so only one replica takes it.

use std::time::Duration;

use super::act::{settle, Settle};
use super::store::{self, Transition};
use crate::db::Db;
use crate::error::AppResult;
use crate::fleet::server::history;
use crate::requests::domain::{self, Action, State};
use crate::shared::audit::{self, Origin};

/// Expires every approved request whose hold ended before `today`; returns how many.
pub async fn sweep(db: &Db, today: &str) -> AppResult<usize> {
    let due = store::expired_holds(db.pool(), today).await?;
    let mut expired = 0;
    for (id, version) in due {
        let mut tx = db.begin_write().await?;
        let Some(row) = store::find_request(&mut *tx, id, db.lock_rows()).await? else {
            continue;
        };
        if row.version != version || row.state != State::Approved {
            continue;
        }
        let next = State::Approved
            .after(Action::Expire, false)
            .map_err(|e| crate::error::AppError::Internal(e.into()))?;
        settle(&mut tx, &row, Settle::Release).await?;
        let expire = Transition {
            from: State::Approved,
            version,
            to: next,
            hold_until: None,
            policy: None,
            now: &db.clock().now_rfc3339(),
        };
        if store::transition(&mut *tx, id, &expire).await? == 1 {
            super::events::moved(db, &mut tx, id, next).await?;
            audit::record(
                &mut *tx,
                &Origin::default(),
                Some("(expiry)"),
                "request.expire",
                Some(&domain::key_of(id)),
                Some(State::Approved.as_str()),
                Some(next.as_str()),
            )
            .await?;
            tx.commit().await?;
            expired += 1;
        }
    }
    Ok(expired)
}

/// Runs forever: sweeps at start and then every ten minutes.
pub async fn run_sweeper(db: Db) {
    loop {
        match sweep(&db, &history::today(&db)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "expired approved requests past their hold"),
            Err(e) => tracing::warn!(error = %e, "expiry sweep failed"),
        }
        tokio::time::sleep(Duration::from_secs(600)).await;
    }
}
