//! The benchmark's deployments (`seed --deployments N`): hundreds of plans
//! over the fleet's region × SKU pairs, made through the same service as the API.

use app::db::Db;
use app::deployments::domain::{DeploymentAction as A, RingState};
use app::deployments::server::service;
use app::deployments::types::{RingInput, TargetInput};

use super::accounts::caller;
use super::deploy_steps::{act, build, cluster, input, report, ring};

/// Deployments in bulk for the benchmark: `n` of `per` targets each, spread
/// over the fleet's region × SKU pairs — rollouts of in-service clusters no
/// deployment names yet, and every third a buildout — made through the same
/// service as the API. A fifth are under way, a tenth cancelled, the rest
/// planned. Returns (deployments, targets).
pub async fn seed_bench_deployments(
    db: &Db,
    n: usize,
    per: usize,
) -> anyhow::Result<(usize, usize)> {
    let op = caller(db, "operator").await?;
    let free: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT c.id, c.region, c.sku FROM clusters c WHERE c.lifecycle = 'in_service' \
         AND NOT EXISTS (SELECT 1 FROM deployment_targets t WHERE t.cluster_id = c.id) ORDER BY c.region, c.sku, c.id",
    )
    .fetch_all(db.pool())
    .await?;
    let mut pairs: Vec<((String, String), Vec<i64>)> = Vec::new();
    for (id, region, sku) in free {
        match pairs.last_mut() {
            Some((p, ids)) if p.0 == region && p.1 == sku => ids.push(id),
            _ => pairs.push(((region, sku), vec![id])),
        }
    }
    anyhow::ensure!(!pairs.is_empty(), "no clusters to deploy to");
    let per = per.clamp(4, 400);
    // A canary of one, then the rest in three rings.
    let rings = |targets: Vec<TargetInput>| -> Vec<RingInput> {
        let mut rest = targets;
        let tail = rest.split_off(1);
        let third = tail.len().div_ceil(3).max(1);
        let mut out = vec![ring("canary", 60, rest)];
        for (i, chunk) in tail.chunks(third).enumerate() {
            out.push(ring(&format!("wave {}", i + 1), 30, chunk.to_vec()));
        }
        out
    };
    let (mut made, mut targets) = (0, 0);
    for i in 0..n {
        let p = i % pairs.len();
        let ((region, sku), ids) = &mut pairs[p];
        let (kind, plan) = if i % 3 == 2 || ids.len() < per {
            (
                "buildout",
                rings((0..per).map(|t| build(t as i64 % 3 + 1, 500)).collect()),
            )
        } else {
            let take: Vec<i64> = ids.drain(..per).collect();
            ("rollout", rings(take.into_iter().map(cluster).collect()))
        };
        let d = service::create(
            db,
            &op,
            &input(
                kind,
                &format!("Bench {kind} {i} of {sku} in {region}"),
                region,
                sku,
                plan,
            ),
        )
        .await?;
        targets += per;
        made += 1;
        match i % 10 {
            0 | 5 => {
                let d = act(db, &op, &d, A::Start).await?;
                // A rollout whose canary would leave a critical pair waits at its gate.
                if d.rings[0].state == RingState::InProgress {
                    report(db, &op, &d, 0, 0, "in_progress", 50, "bench: under way").await?;
                }
            }
            1 => {
                act(db, &op, &d, A::Cancel).await?;
            }
            _ => {}
        }
    }
    Ok((made, targets))
}
