//! Demo deployments in every state, made through the deployment service as the
//! demo accounts (the operator plays the provisioning pipeline), so every
//! ring, target and timeline is what the real flow would leave — including a
//! buildout drafted by "approve with buildout" for a request awaiting capacity.

use app::db::Db;
use app::deployments::domain::DeploymentAction as A;
use app::deployments::server::{run, service};
use app::deployments::types::DeploymentInput;
use app::fleet::codes::Family;
use app::requests::domain::Action;
use app::requests::server::act::act as decide;
use app::requests::types::{ActionInput, RequestInput};
use app::shared::time::format_day;

use super::accounts::caller;
use super::deploy_steps::{act, build, cluster, input, report, ring, serving};

/// Creates the demo deployments; returns how many.
pub async fn seed_demo_deployments(db: &Db) -> anyhow::Result<usize> {
    let op = caller(db, "operator").await?;
    let snap = app::fleet::server::service::snapshot(db).await?;
    let pairs: Vec<(String, String, Family)> = snap
        .regions
        .iter()
        .flat_map(|r| {
            r.skus
                .iter()
                .map(|s| (s.region.clone(), s.sku.clone(), s.family))
        })
        .collect();
    // Healthy non-GPU pairs, one region after another, so the demo spreads over the fleet.
    let healthy: Vec<(String, String, Family)> = snap
        .regions
        .iter()
        .flat_map(|r| r.skus.iter())
        .filter(|s| {
            s.family != Family::Gpu && s.rollup.health == app::fleet::ledger::Health::Healthy
        })
        .map(|s| (s.region.clone(), s.sku.clone(), s.family))
        .collect();
    let mut general: Vec<&(String, String, Family)> = Vec::new();
    for round in 0.. {
        let before = general.len();
        for region in &snap.regions {
            if let Some(p) = healthy.iter().filter(|p| p.0 == region.code).nth(round) {
                general.push(p);
            }
        }
        if general.len() == before || general.len() >= 6 {
            break;
        }
    }
    let gpu = pairs
        .iter()
        .find(|p| p.2 == Family::Gpu)
        .ok_or_else(|| anyhow::anyhow!("no GPU pair"))?;
    anyhow::ensure!(
        general.len() >= 6,
        "too few region × SKU pairs for demo deployments"
    );
    let mut made = 0;

    // Planned: drafted by "approve with buildout" for a GPU request the fleet is short of.
    let requester = caller(db, "requester").await?;
    let (a1, a2) = (
        caller(db, "approver1").await?,
        caller(db, "approver2").await?,
    );
    let free = snap
        .region(&gpu.0)
        .and_then(|r| r.skus.iter().find(|s| s.sku == gpu.1))
        .map_or(0, |s| s.rollup.ledger.free());
    let ask = RequestInput {
        kind: Some("provision".into()),
        region: Some(gpu.0.clone()),
        sku: Some(gpu.1.clone()),
        quantity: Some(free + 256),
        need_by: Some(format_day(db.clock().today() + time::Duration::days(75))),
        service: Some("frontier-training".into()),
        justification: Some("Next model generation: more than the region holds today.".into()),
        priority: Some("P1".into()),
        ..Default::default()
    };
    let r = app::requests::server::service::create(db, &requester, &ask).await?;
    let r = decide(
        db,
        &a1,
        &r.key,
        Action::Approve,
        &ActionInput {
            version: Some(r.version),
            ..Default::default()
        },
    )
    .await?;
    decide(
        db,
        &a2,
        &r.key,
        Action::Approve,
        &ActionInput {
            version: Some(r.version),
            with_buildout: true,
            ..Default::default()
        },
    )
    .await?;
    made += 1;

    // In progress: a three-ring buildout, the canary's target under way.
    let (region, sku, _) = general[0];
    let d = service::create(
        db,
        &op,
        &DeploymentInput {
            public_summary: Some(format!("Adding capacity in {region}")),
            ..input(
                "buildout",
                &format!("{sku} expansion in {region}"),
                region,
                sku,
                vec![
                    ring("canary", 3, vec![build(1, 800)]),
                    ring("zone 1", 5, vec![build(1, 800), build(1, 800)]),
                    ring("rest", 0, vec![build(2, 800), build(3, 800)]),
                ],
            )
        },
    )
    .await?;
    let d = act(db, &op, &d, A::Start).await?;
    report(db, &op, &d, 0, 0, "in_progress", 40, "burn-in running").await?;
    made += 1;

    // Completed: a buildout whose two clusters are now in service (and idle)…
    let (region, sku, _) = general[1];
    let built = service::create(
        db,
        &op,
        &input(
            "buildout",
            &format!("{sku} refresh in {region}"),
            region,
            sku,
            vec![ring("all", 0, vec![build(1, 600), build(2, 600)])],
        ),
    )
    .await?;
    let mut built = act(db, &op, &built, A::Start).await?;
    for t in 0..2 {
        built = report(db, &op, &built, 0, t, "succeeded", 100, "in service").await?;
    }
    run::tick(db).await?;
    made += 1;
    // …and paused: a decommission of those two, halted by a failed target.
    let ids: Vec<i64> = built.rings[0]
        .targets
        .iter()
        .filter_map(|t| t.cluster_id)
        .collect();
    let d = service::create(
        db,
        &op,
        &input(
            "decommission",
            &format!("Retire the trial {sku} racks in {region}"),
            region,
            sku,
            vec![
                ring("canary", 60, vec![cluster(ids[0])]),
                ring("rest", 0, vec![cluster(ids[1])]),
            ],
        ),
    )
    .await?;
    let d = act(db, &op, &d, A::Start).await?;
    report(
        db,
        &op,
        &d,
        0,
        0,
        "failed",
        35,
        "drain timed out: 3 VMs would not migrate",
    )
    .await?;
    made += 1;

    // Completed too: a rollout; then rolling back, rolled back and failed.
    let (region, sku, _) = general[2];
    let ids = serving(db, region, sku, 0, 2).await?;
    let d = service::create(
        db,
        &op,
        &input(
            "rollout",
            &format!("Host OS patch for {sku} in {region}"),
            region,
            sku,
            vec![ring("all", 0, ids.iter().map(|i| cluster(*i)).collect())],
        ),
    )
    .await?;
    let mut d = act(db, &op, &d, A::Start).await?;
    for t in 0..d.rings[0].targets.len() {
        d = report(db, &op, &d, 0, t, "succeeded", 100, "patched").await?;
    }
    run::tick(db).await?;
    made += 1;

    let (region, sku, _) = general[3];
    let d = service::create(
        db,
        &op,
        &input(
            "buildout",
            &format!("Extra {sku} in {region}"),
            region,
            sku,
            vec![ring("all", 0, vec![build(2, 500), build(3, 500)])],
        ),
    )
    .await?;
    let d = act(db, &op, &d, A::Start).await?;
    let d = report(db, &op, &d, 0, 0, "succeeded", 100, "in service").await?;
    act(db, &op, &d, A::Rollback).await?;
    made += 1;

    let (region, sku, _) = general[4];
    let d = service::create(
        db,
        &op,
        &input(
            "buildout",
            &format!("Trial {sku} pod in {region}"),
            region,
            sku,
            vec![ring("all", 0, vec![build(1, 400)])],
        ),
    )
    .await?;
    let d = act(db, &op, &d, A::Start).await?;
    let d = report(db, &op, &d, 0, 0, "succeeded", 100, "in service").await?;
    let d = act(db, &op, &d, A::Rollback).await?;
    report(
        db,
        &op,
        &d,
        0,
        0,
        "rolled_back",
        100,
        "removed: the pod is not needed",
    )
    .await?;
    made += 1;

    let (region, sku, _) = general[5];
    let ids = serving(db, region, sku, 2, 1).await?;
    let d = service::create(
        db,
        &op,
        &input(
            "rollout",
            &format!("Firmware update for {sku} in {region}"),
            region,
            sku,
            vec![ring("all", 0, ids.iter().map(|i| cluster(*i)).collect())],
        ),
    )
    .await?;
    let d = act(db, &op, &d, A::Start).await?;
    let d = report(db, &op, &d, 0, 0, "succeeded", 100, "updated").await?;
    let d = act(db, &op, &d, A::Rollback).await?;
    report(
        db,
        &op,
        &d,
        0,
        0,
        "failed",
        50,
        "the old firmware image is missing",
    )
    .await?;
    made += 1;

    // Cancelled before it started.
    let (region, sku, _) = general[1];
    let d = service::create(
        db,
        &op,
        &input(
            "buildout",
            &format!("{sku} pod (superseded)"),
            region,
            sku,
            vec![ring("all", 0, vec![build(2, 300)])],
        ),
    )
    .await?;
    act(db, &op, &d, A::Cancel).await?;
    made += 1;
    Ok(made)
}
