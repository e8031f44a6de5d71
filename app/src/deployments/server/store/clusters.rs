//! Which clusters deployments hold: those named by deployments not over yet
//! (one deployment per cluster at a time; an import leaves them alone), and
//! the clusters free for the demo pipeline's next rollout. A decommission's
//! succeeded target holds none: its cluster has left the fleet (and SQLite
//! may give its id to a new one).

use sqlx::{Any, Executor};

use super::id_list;

/// Clusters named by targets of deployments that are not over (so one
/// cluster is in one deployment at a time), other than deployment `except`.
pub async fn clusters_in_flight<'e>(
    ex: impl Executor<'e, Database = Any>,
    clusters: &[i64],
    except: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    if clusters.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64,)> = sqlx::query_as(&format!(
        "SELECT DISTINCT t.cluster_id FROM deployment_targets t JOIN deployments d ON d.id = t.deployment_id \
         WHERE t.cluster_id IN {} AND d.id <> $1 AND d.state NOT IN ('completed', 'rolled_back', 'cancelled') \
         AND NOT (d.kind = 'decommission' AND t.state = 'succeeded')",
        id_list(clusters)
    ))
    .bind(except)
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().map(|(c,)| c).collect())
}

/// Up to `limit` in-service clusters of a region × SKU that no deployment
/// still under way targets (the demo pipeline's next rollout).
pub async fn free_for_rollout<'e>(
    ex: impl Executor<'e, Database = Any>,
    region: &str,
    sku: &str,
    limit: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT c.id FROM clusters c WHERE c.region = $1 AND c.sku = $2 AND c.lifecycle = 'in_service' \
         AND NOT EXISTS (SELECT 1 FROM deployment_targets t JOIN deployments d ON d.id = t.deployment_id \
         WHERE t.cluster_id = c.id AND d.state NOT IN ('completed', 'rolled_back', 'cancelled') \
         AND NOT (d.kind = 'decommission' AND t.state = 'succeeded')) \
         ORDER BY c.id LIMIT $3",
    )
    .bind(region)
    .bind(sku)
    .bind(limit)
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().map(|(c,)| c).collect())
}

/// Clusters that a deployment still under way targets, with that deployment's
/// id (the lowest, if several): an import leaves them to their deployment.
pub async fn clusters_under_way<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.cluster_id, MIN(d.id) FROM deployment_targets t JOIN deployments d ON d.id = t.deployment_id \
         WHERE t.cluster_id IS NOT NULL AND d.state NOT IN ('completed', 'rolled_back', 'cancelled') \
         AND NOT (d.kind = 'decommission' AND t.state = 'succeeded') \
         GROUP BY t.cluster_id",
    )
    .fetch_all(ex)
    .await
}
