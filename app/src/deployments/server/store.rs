//! Deployment SQL, one named function per statement, rows parsed into domain
//! types. The deployments feature owns `deployments`, `deployment_rings`,
//! `deployment_targets`, `deployment_requests` and `deployment_report_keys`;
//! the clusters its targets name change only through the fleet's ledger API.

use sqlx::{Any, Executor, FromRow};

use crate::deployments::domain::{DeploymentState, Kind, RingState, TargetState};
use crate::fleet::codes::{RegionCode, SkuCode};

mod clusters;
mod links;
mod lists;
mod report_keys;
pub use clusters::*;
pub use links::*;
pub use lists::*;
pub use report_keys::*;

/// A deployment row with its owner's name.
#[derive(Debug, Clone, FromRow)]
pub struct DeploymentRow {
    pub id: i64,
    pub kind: Kind,
    pub title: String,
    pub region: RegionCode,
    pub sku: SkuCode,
    pub owner_id: i64,
    pub owner: String,
    pub state: DeploymentState,
    pub version: i64,
    pub state_version: i64,
    pub public_summary: Option<String>,
    pub note: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub completed_at: Option<String>,
}

const DEPLOYMENT_SELECT: &str = "SELECT d.id, d.kind, d.title, d.region, d.sku, d.owner_id, u.name AS owner, \
     d.state, d.version, d.state_version, d.public_summary, d.note, d.created_at, d.updated_at, d.completed_at \
     FROM deployments d JOIN users u ON u.id = d.owner_id";

#[derive(Debug, Clone, FromRow)]
pub struct RingRow {
    pub id: i64,
    pub deployment_id: i64,
    pub position: i64,
    pub name: String,
    pub state: RingState,
    pub bake_minutes: i64,
    pub bake_ends_at: Option<String>,
}

#[derive(Debug, Clone, FromRow)]
pub struct TargetRow {
    pub id: i64,
    pub deployment_id: i64,
    pub ring_id: i64,
    pub position: i64,
    pub cluster_id: Option<i64>,
    pub cluster_name: Option<String>,
    pub zone: i64,
    pub units: i64,
    pub state: TargetState,
    pub progress: i64,
    pub message: String,
    pub changed_version: i64,
    pub last_report: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// Units its cluster had out of service of its own when this target took
    /// it out of service; they stay out when it returns.
    pub kept_out_of_service: i64,
}

fn id_list(ids: &[i64]) -> String {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("({})", ids.join(", "))
}

/// The fields a deployment is created with.
pub struct NewDeployment<'a> {
    pub kind: Kind,
    pub title: &'a str,
    pub region: &'a RegionCode,
    pub sku: &'a SkuCode,
    pub owner_id: i64,
    pub public_summary: Option<&'a str>,
    pub now: &'a str,
}

pub async fn insert_deployment<'e>(
    ex: impl Executor<'e, Database = Any>,
    d: &NewDeployment<'_>,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO deployments (kind, title, region, sku, owner_id, state, version, state_version, \
         public_summary, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, 1, $7, $8, $8) RETURNING id",
    )
    .bind(d.kind)
    .bind(d.title)
    .bind(d.region)
    .bind(d.sku)
    .bind(d.owner_id)
    .bind(DeploymentState::Planned)
    .bind(d.public_summary)
    .bind(d.now)
    .fetch_one(ex)
    .await?;
    Ok(id)
}

pub async fn insert_ring<'e>(
    ex: impl Executor<'e, Database = Any>,
    deployment: i64,
    position: i64,
    name: &str,
    bake_minutes: i64,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO deployment_rings (deployment_id, position, name, state, bake_minutes) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(deployment)
    .bind(position)
    .bind(name)
    .bind(RingState::Pending)
    .bind(bake_minutes)
    .fetch_one(ex)
    .await?;
    Ok(id)
}

/// A target to insert.
pub struct NewTarget<'a> {
    pub deployment: i64,
    pub ring: i64,
    pub position: i64,
    pub cluster_id: Option<i64>,
    pub cluster_name: Option<&'a str>,
    pub zone: i64,
    pub units: i64,
}

pub async fn insert_target<'e>(
    ex: impl Executor<'e, Database = Any>,
    t: &NewTarget<'_>,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO deployment_targets (deployment_id, ring_id, position, cluster_id, cluster_name, zone, units, \
         state, progress, message, changed_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, '', 1) RETURNING id",
    )
    .bind(t.deployment)
    .bind(t.ring)
    .bind(t.position)
    .bind(t.cluster_id)
    .bind(t.cluster_name)
    .bind(t.zone)
    .bind(t.units)
    .bind(TargetState::Pending)
    .fetch_one(ex)
    .await?;
    Ok(id)
}

/// Removes a planned deployment's rings and targets (its plan is being replaced).
pub async fn delete_plan(tx: &mut sqlx::AnyConnection, deployment: i64) -> Result<(), sqlx::Error> {
    for sql in [
        "DELETE FROM deployment_targets WHERE deployment_id = $1",
        "DELETE FROM deployment_rings WHERE deployment_id = $1",
    ] {
        sqlx::query(sql).bind(deployment).execute(&mut *tx).await?;
    }
    Ok(())
}

/// The deployment, locked for the rest of the transaction when `lock` is set.
pub async fn find_deployment<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    lock: &str,
) -> Result<Option<DeploymentRow>, sqlx::Error> {
    let lock = if lock.is_empty() {
        String::new()
    } else {
        format!("{lock} OF d")
    };
    sqlx::query_as(&format!("{DEPLOYMENT_SELECT} WHERE d.id = $1{lock}"))
        .bind(id)
        .fetch_optional(ex)
        .await
}

pub async fn rings_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    ids: &[i64],
) -> Result<Vec<RingRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(&format!(
        "SELECT id, deployment_id, position, name, state, bake_minutes, bake_ends_at FROM deployment_rings \
         WHERE deployment_id IN {} ORDER BY deployment_id, position",
        id_list(ids)
    ))
    .fetch_all(ex)
    .await
}

pub async fn targets_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    ids: &[i64],
) -> Result<Vec<TargetRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(&format!(
        "SELECT id, deployment_id, ring_id, position, cluster_id, cluster_name, zone, units, state, progress, \
         message, changed_version, last_report, started_at, finished_at, kept_out_of_service \
         FROM deployment_targets WHERE deployment_id IN {} ORDER BY deployment_id, ring_id, position",
        id_list(ids)
    ))
    .fetch_all(ex)
    .await
}

/// Records the units a target's cluster had out of service of its own as the
/// target took it out of service.
pub async fn keep_out_of_service<'e>(
    ex: impl Executor<'e, Database = Any>,
    target: i64,
    units: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE deployment_targets SET kept_out_of_service = $1 WHERE id = $2")
        .bind(units)
        .bind(target)
        .execute(ex)
        .await?;
    Ok(())
}

/// Points a target at the record its cluster has now (a retired cluster back
/// under a new id).
pub async fn set_target_cluster<'e>(
    ex: impl Executor<'e, Database = Any>,
    target: i64,
    cluster: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE deployment_targets SET cluster_id = $1 WHERE id = $2")
        .bind(cluster)
        .bind(target)
        .execute(ex)
        .await?;
    Ok(())
}

/// Moves the deployment on by one version, only from the version the caller
/// read; a state change records its version as `state_version`. Returns rows affected.
pub async fn bump<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    seen: i64,
    state: Option<DeploymentState>,
    note: Option<Option<&str>>,
    now: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE deployments SET version = version + 1, updated_at = $1, \
         state = COALESCE($2, state), state_version = CASE WHEN $2 IS NULL THEN state_version ELSE version + 1 END, \
         note = CASE WHEN $3 = 1 THEN $4 ELSE note END, \
         completed_at = CASE WHEN $2 IN ('completed', 'rolled_back', 'cancelled') THEN $1 ELSE completed_at END \
         WHERE id = $5 AND version = $6",
    )
    .bind(now)
    .bind(state)
    .bind(i64::from(note.is_some()))
    .bind(note.flatten())
    .bind(id)
    .bind(seen)
    .execute(ex)
    .await?
    .rows_affected())
}

/// Sets a ring's state (and bake end).
pub async fn set_ring<'e>(
    ex: impl Executor<'e, Database = Any>,
    ring: i64,
    state: RingState,
    bake_ends_at: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE deployment_rings SET state = $1, bake_ends_at = $2 WHERE id = $3")
        .bind(state)
        .bind(bake_ends_at)
        .bind(ring)
        .execute(ex)
        .await?;
    Ok(())
}

/// Sets a target's state (progress and message when given), at the
/// deployment's new version, only if it has not changed since `seen_version`.
pub struct TargetUpdate<'a> {
    pub id: i64,
    pub state: TargetState,
    pub progress: Option<i64>,
    pub message: Option<&'a str>,
    pub last_report: Option<&'a str>,
    pub version: i64,
    pub now: &'a str,
}

pub async fn set_target<'e>(
    ex: impl Executor<'e, Database = Any>,
    t: &TargetUpdate<'_>,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE deployment_targets SET state = $1, progress = COALESCE($2, progress), \
         message = COALESCE($3, message), last_report = COALESCE($4, last_report), changed_version = $5, \
         started_at = CASE WHEN $1 = 'in_progress' AND started_at IS NULL THEN $6 ELSE started_at END, \
         finished_at = CASE WHEN $1 IN ('succeeded', 'rolled_back') THEN $6 ELSE finished_at END \
         WHERE id = $7",
    )
    .bind(t.state)
    .bind(t.progress)
    .bind(t.message)
    .bind(t.last_report)
    .bind(t.version)
    .bind(t.now)
    .bind(t.id)
    .execute(ex)
    .await?
    .rows_affected())
}

/// How many deployments are in each state (for the metrics).
pub async fn count_by_state<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<(DeploymentState, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT state, COUNT(*) FROM deployments GROUP BY state")
        .fetch_all(ex)
        .await
}

/// Deployments (id, state) with no audit row for the transition into their
/// current state: `deployment.create` for a planned one, a `deployment.state`
/// change to it for the others (the invariant check).
pub async fn unaudited<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<(i64, DeploymentState)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT d.id, d.state FROM deployments d WHERE NOT EXISTS ( \
           SELECT 1 FROM audit_log a WHERE a.object = 'DEP-' || CAST(d.id AS TEXT) \
             AND ((d.state = $1 AND a.action = 'deployment.create') \
                  OR (a.action = 'deployment.state' AND a.after = d.state))) \
         ORDER BY d.id",
    )
    .bind(DeploymentState::Planned)
    .fetch_all(ex)
    .await
}

/// Removes every deployment (the demo seed replaces the fleet they point at).
pub async fn delete_all(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    for table in [
        "deployment_report_keys",
        "deployment_requests",
        "deployment_targets",
        "deployment_rings",
        "deployments",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
