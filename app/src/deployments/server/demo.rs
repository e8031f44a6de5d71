//! The demo automation (`headroom serve --demo`): it plays the provisioning
//! pipeline, reporting progress on the targets of the deployments in flight
//! through the same service as a real pipeline's API calls — targets take tens
//! of seconds and one occasionally fails — so a visitor sees a live system.
//! It retries its own failures a little later, as an operator would (a
//! deployment a person paused, or one halted by anything else, is left to
//! people), and when nothing is in flight any more it plans and starts a small
//! rollout on a healthy region × SKU, so there is always something to watch.

use rand::Rng;

use super::model::load_many;
use super::run;
use super::store;
use crate::auth::server::caller::{Caller, Via};
use crate::auth::{CurrentUser, Roles};
use crate::db::Db;
use crate::deployments::domain::{
    key_of, DeploymentAction, DeploymentState, RingState, TargetState,
};
use crate::deployments::types::{DeploymentInput, RingInput, TargetInput, TargetReport};
use crate::error::AppResult;

/// The demo pipeline acts as this user (an operator).
const PIPELINE: &str = "operator";

/// What the pipeline says when one of its targets fails.
const FAILURE: &str = "disk firmware check failed on 2 nodes";

/// How long after its own failure the pipeline retries the target.
const RETRY_AFTER: time::Duration = time::Duration::seconds(45);

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
    let idle = running.is_empty();
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
                            ("failed", t.progress, FAILURE)
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
    reports += retry_own_failures(db, &me).await?;
    if idle {
        start_rollout(db, &me, rng).await?;
    }
    Ok(reports)
}

/// Resumes (retrying the failed target) each deployment halted by the
/// pipeline's own failure at least `RETRY_AFTER` ago; returns how many.
async fn retry_own_failures(db: &Db, me: &Caller) -> AppResult<usize> {
    let mut conn = db.pool().acquire().await?;
    let rows = store::deployments_in(&mut *conn, &[DeploymentState::Paused], None, 100).await?;
    let paused = load_many(&mut conn, rows).await?;
    drop(conn);
    let now = db.clock().now();
    let mut resumed = 0;
    for d in paused {
        let own = d
            .targets
            .iter()
            .flatten()
            .any(|t| t.state == TargetState::Failed && t.message == FAILURE);
        let since = time::OffsetDateTime::parse(
            &d.row.updated_at,
            &time::format_description::well_known::Rfc3339,
        );
        if !own || since.map_or(true, |at| now - at < RETRY_AFTER) {
            continue;
        }
        let key = key_of(d.row.id);
        let resume = DeploymentAction::Resume;
        // A refusal (someone acted meanwhile) is fine: theirs stands.
        if run::act(db, me, &key, resume, Some(d.row.version))
            .await
            .is_ok()
        {
            resumed += 1;
        }
    }
    Ok(resumed)
}

/// Plans and starts a three-cluster rollout (a canary that bakes twenty
/// minutes — so a long-running demo adds a few dozen a day — then two) on a
/// healthy region × SKU picked at random; nothing when no pair tried has three
/// clusters free of other deployments. A plan refused is tried elsewhere; one
/// that will not start is cancelled, so it holds no cluster.
async fn start_rollout(db: &Db, me: &Caller, rng: &mut impl Rng) -> AppResult<()> {
    let snap = crate::fleet::server::service::snapshot(db).await?;
    let healthy: Vec<(&str, &str)> = snap
        .regions
        .iter()
        .flat_map(|r| r.skus.iter())
        .filter(|s| s.rollup.health == crate::fleet::ledger::Health::Healthy)
        .map(|s| (s.region.as_str(), s.sku.as_str()))
        .collect();
    for _ in 0..healthy.len().min(8) {
        let (region, sku) = healthy[rng.gen_range(0..healthy.len())];
        let clusters = store::free_for_rollout(db.pool(), region, sku, 3).await?;
        if clusters.len() < 3 {
            continue;
        }
        let ring = |name: &str, bake: i64, ids: &[i64]| RingInput {
            name: Some(name.into()),
            bake_minutes: Some(bake),
            targets: ids
                .iter()
                .map(|&id| TargetInput {
                    cluster_id: Some(id),
                    ..Default::default()
                })
                .collect(),
        };
        let input = DeploymentInput {
            kind: Some("rollout".into()),
            title: Some(format!("Host OS update on {sku} in {region}")),
            region: Some(region.into()),
            sku: Some(sku.into()),
            rings: vec![
                ring("canary", 20, &clusters[..1]),
                ring("rest", 0, &clusters[1..]),
            ],
            ..Default::default()
        };
        let Ok(d) = super::service::create(db, me, &input).await else {
            continue;
        };
        let start = DeploymentAction::Start;
        if let Err(e) = run::act(db, me, &d.key, start, Some(d.version)).await {
            tracing::warn!(error = %e, key = %d.key, "demo rollout did not start; cancelled");
            let cancel = DeploymentAction::Cancel;
            run::act(db, me, &d.key, cancel, Some(d.version)).await?;
            continue;
        }
        return Ok(());
    }
    Ok(())
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
