//! The steps the demo and benchmark seeds take through the deployment service:
//! plan inputs (rings and targets) in a line each,
//! and the operator's actions and target reports as the pipeline would make them.

use app::auth::server::caller::Caller;
use app::db::Db;
use app::deployments::domain::DeploymentAction as A;
use app::deployments::server::run;
use app::deployments::types::{Deployment, DeploymentInput, RingInput, TargetInput, TargetReport};

pub(super) fn build(zone: i64, units: i64) -> TargetInput {
    TargetInput {
        zone: Some(zone),
        units: Some(units),
        cluster_id: None,
    }
}

pub(super) fn cluster(id: i64) -> TargetInput {
    TargetInput {
        cluster_id: Some(id),
        ..Default::default()
    }
}

pub(super) fn ring(name: &str, bake: i64, targets: Vec<TargetInput>) -> RingInput {
    RingInput {
        name: Some(name.into()),
        bake_minutes: Some(bake),
        targets,
    }
}

pub(super) fn input(
    kind: &str,
    title: &str,
    region: &str,
    sku: &str,
    rings: Vec<RingInput>,
) -> DeploymentInput {
    DeploymentInput {
        kind: Some(kind.into()),
        title: Some(title.into()),
        region: Some(region.into()),
        sku: Some(sku.into()),
        rings,
        ..Default::default()
    }
}

pub(super) async fn act(
    db: &Db,
    op: &Caller,
    d: &Deployment,
    action: A,
) -> anyhow::Result<Deployment> {
    Ok(run::act(db, op, &d.key, action, Some(d.version)).await?)
}

#[expect(clippy::too_many_arguments, reason = "one target report, spelled out")]
pub(super) async fn report(
    db: &Db,
    op: &Caller,
    d: &Deployment,
    ring: usize,
    target: usize,
    state: &str,
    progress: i64,
    message: &str,
) -> anyhow::Result<Deployment> {
    let t = &d.rings[ring].targets[target];
    let r = TargetReport {
        state: Some(state.into()),
        progress: Some(progress),
        message: message.into(),
        version: Some(d.version),
    };
    Ok(run::report(db, op, &d.key, t.id, &r, None).await?)
}

/// In-service clusters of a region × SKU, for rollouts.
pub(super) async fn serving(
    db: &Db,
    region: &str,
    sku: &str,
    skip: i64,
    n: i64,
) -> anyhow::Result<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM clusters WHERE region = $1 AND sku = $2 AND lifecycle = 'in_service' ORDER BY id LIMIT $3 OFFSET $4",
    )
    .bind(region)
    .bind(sku)
    .bind(n)
    .bind(skip)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
