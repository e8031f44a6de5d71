//! The demo automation (`headroom serve --demo`): it plays the provisioning
//! pipeline, reporting progress on the targets of the deployments in flight
//! through the same service as a real pipeline's API calls — targets take tens
//! of seconds and one occasionally fails — so a visitor sees a live system.

use rand::Rng;

use super::model::load_many;
use super::run;
use super::store;
use crate::auth::server::caller::{Caller, Via};
use crate::auth::{CurrentUser, Roles};
use crate::db::Db;
use crate::deployments::domain::{key_of, DeploymentState, RingState, TargetState};
use crate::deployments::types::TargetReport;
use crate::error::AppResult;

/// The demo pipeline acts as this user (an operator).
const PIPELINE: &str = "operator";

async fn pipeline(db: &Db) -> AppResult<Option<Caller>> {
    let Some(u) = crate::auth::server::store::find_user_by_name(db.pool(), PIPELINE).await? else {
        return Ok(None);
    };
    Ok(Some(Caller {
        user: Some(CurrentUser {
            id: u.id,
            name: u.name,
            roles: Roles::parse(&u.roles).unwrap_or_default(),
        }),
        via: Via::Token,
        origin: Default::default(),
        seen: None,
    }))
}

/// One step of the demo pipeline over every deployment in flight; returns the reports made.
pub async fn step(db: &Db, rng: &mut impl Rng) -> AppResult<usize> {
    let Some(me) = pipeline(db).await? else {
        return Ok(0);
    };
    let states = [DeploymentState::InProgress, DeploymentState::RollingBack];
    let mut conn = db.pool().acquire().await?;
    let rows = store::deployments_in(&mut *conn, &states, None, 100).await?;
    let running = load_many(&mut conn, rows).await?;
    drop(conn);
    let mut reports = 0;
    for d in running {
        let key = key_of(d.row.id);
        for (ring, targets) in d.rings.iter().zip(&d.targets) {
            let active = matches!(ring.state, RingState::InProgress | RingState::RollingBack);
            for t in targets.iter().filter(|_| active) {
                let (state, progress, message) = match t.state {
                    TargetState::Pending => (
                        "in_progress",
                        rng.gen_range(3..12),
                        "draining and imaging nodes",
                    ),
                    TargetState::InProgress if t.progress >= 100 || t.progress + 25 >= 100 => {
                        if rng.gen_bool(0.04) {
                            (
                                "failed",
                                t.progress,
                                "disk firmware check failed on 2 nodes",
                            )
                        } else {
                            ("succeeded", 100, "burn-in passed")
                        }
                    }
                    TargetState::InProgress => (
                        "in_progress",
                        t.progress + rng.gen_range(8..25),
                        "burn-in running",
                    ),
                    TargetState::RollingBack => ("rolled_back", 100, "restored"),
                    _ => continue,
                };
                let report = TargetReport {
                    state: Some(state.into()),
                    progress: Some(progress.min(100)),
                    message: message.into(),
                    version: Some(d.row.version),
                };
                // A refusal (the deployment moved on meanwhile) is fine: next step.
                if run::report(db, &me, &key, t.id, &report, None)
                    .await
                    .is_ok()
                {
                    reports += 1;
                }
            }
        }
    }
    Ok(reports)
}

/// Runs the demo pipeline every five seconds, for as long as the process lives.
pub async fn run_demo_pipeline(db: Db) {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::from_entropy();
    loop {
        if let Err(e) = step(&db, &mut rng).await {
            tracing::warn!(error = %e, "demo pipeline step failed");
        }
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    }
}
