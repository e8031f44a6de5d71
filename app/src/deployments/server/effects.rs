//! What a deployment does to capacity, always through the fleet's ledger API:
//!
//! - buildout: a target's cluster exists from planning on in `buildout` (units
//!   out of service); its success puts it in service (units free); walked back
//!   (refused while it holds allocations or reservations, naming them) or
//!   cancelled, it leaves the ledger. Completion reserves the units of the
//!   requests waiting on it.
//! - decommission: a target starts only on an idle cluster (else 409 naming
//!   what holds it), which goes `decommissioning` (units out of service) and
//!   leaves the ledger when its target succeeds; walked back, it comes back
//!   (under its old id where it is free), `decommissioning` while its target
//!   walks back and in service once it has.
//! - rollout: a target's cluster is in `maintenance` while it runs, and back in
//!   service when it succeeds or is walked back.
//!
//! A cluster back in service keeps out of service the units it had out of
//! service of its own when its target took it out (`kept_out_of_service`).

use sqlx::AnyConnection;

use super::model::Loaded;
use super::store::{self, DeploymentRow, TargetRow};
use crate::auth::server::caller::Caller;
use crate::db::Db;
use crate::deployments::domain::{key_of, DeploymentState, Kind, TargetState};
use crate::error::{AppError, AppResult};
use crate::fleet::codes::ClusterLifecycle;
use crate::fleet::server::ledger;

/// Moves the target's cluster to `to`: leaving service, the target records
/// the units the cluster had out of service of its own; returning, those stay
/// out of service (only what the deployment parked comes back free).
async fn lifecycle(
    db: &Db,
    tx: &mut AnyConnection,
    target: &TargetRow,
    cluster: i64,
    to: ClusterLifecycle,
) -> AppResult<()> {
    if let Some(own) =
        ledger::set_lifecycle(db, tx, cluster, to, target.kept_out_of_service).await?
    {
        store::keep_out_of_service(&mut *tx, target.id, own).await?;
    }
    Ok(())
}

/// Refuses unless the cluster holds no allocation or reservation, naming what holds it.
async fn require_idle(tx: &mut AnyConnection, cluster: i64, name: &str) -> AppResult<()> {
    let row = crate::fleet::server::store::find_cluster(&mut *tx, cluster)
        .await?
        .ok_or_else(|| AppError::Conflict(format!("cluster {name} is no longer in the fleet")))?;
    if row.allocated == 0 && row.reserved == 0 {
        return Ok(());
    }
    let holders = crate::requests::server::records::holders_of(&mut *tx, cluster).await?;
    let held = if holders.is_empty() {
        String::new()
    } else {
        format!(" (reserved for {})", holders.join(", "))
    };
    Err(AppError::Conflict(format!(
        "cluster {name} still holds {} allocated and {} reserved units{held}; it cannot leave service",
        row.allocated, row.reserved
    )))
}

/// Brings a retired cluster back into the ledger, `decommissioning` (all its
/// units out of service), and points its target at it.
async fn restore(
    tx: &mut AnyConnection,
    deployment: &DeploymentRow,
    target: &TargetRow,
    cluster: i64,
) -> AppResult<()> {
    let c = ledger::NewCluster {
        name: target.cluster_name.clone().unwrap_or_default(),
        region: deployment.region.to_string(),
        zone: target.zone,
        sku: deployment.sku.to_string(),
        lifecycle: ClusterLifecycle::Decommissioning,
        total: target.units,
        allocated: 0,
        reserved: 0,
        out_of_service: target.units,
    };
    let now = ledger::restore_cluster(tx, cluster, c).await?;
    if now != cluster {
        store::set_target_cluster(&mut *tx, target.id, now).await?;
    }
    Ok(())
}

/// Whether a rollback can walk every built cluster back: refused (409, naming
/// the requests) while one holds allocations or reservations, before anything
/// moves, rather than halfway through the walk.
pub async fn can_walk_back(tx: &mut AnyConnection, d: &Loaded) -> AppResult<()> {
    if d.row.kind != Kind::Buildout {
        return Ok(());
    }
    for t in d.targets.iter().flatten() {
        if let (TargetState::Succeeded, Some(cluster)) = (t.state, t.cluster_id) {
            require_idle(tx, cluster, t.cluster_name.as_deref().unwrap_or("?")).await?;
        }
    }
    Ok(())
}

/// What a target moving `from` → `to` does to its cluster.
pub async fn on_target(
    db: &Db,
    tx: &mut AnyConnection,
    deployment: &DeploymentRow,
    target: &TargetRow,
    from: TargetState,
    to: TargetState,
) -> AppResult<()> {
    use TargetState as T;
    let kind = deployment.kind;
    let Some(cluster) = target.cluster_id else {
        return Ok(());
    };
    let name = target.cluster_name.as_deref().unwrap_or("?");
    match (kind, from, to) {
        (Kind::Buildout, _, T::Succeeded) => {
            lifecycle(db, tx, target, cluster, ClusterLifecycle::InService).await
        }
        // Walking a built cluster back takes it out of service at once (no
        // new reservation lands on it), and only while nothing is held there.
        (Kind::Buildout, T::Succeeded, T::RollingBack) => {
            require_idle(tx, cluster, name).await?;
            lifecycle(db, tx, target, cluster, ClusterLifecycle::Buildout).await
        }
        (Kind::Buildout, T::RollingBack, T::RolledBack) => {
            lifecycle(db, tx, target, cluster, ClusterLifecycle::Buildout).await?;
            ledger::remove_cluster(db, tx, cluster).await
        }
        (Kind::Decommission, T::Pending, T::InProgress | T::Failed) => {
            require_idle(tx, cluster, name).await?;
            lifecycle(db, tx, target, cluster, ClusterLifecycle::Decommissioning).await
        }
        (Kind::Decommission, T::Pending, T::Succeeded) => {
            require_idle(tx, cluster, name).await?;
            lifecycle(db, tx, target, cluster, ClusterLifecycle::Decommissioning).await?;
            ledger::remove_cluster(db, tx, cluster).await
        }
        (Kind::Decommission, T::InProgress, T::Succeeded) => {
            ledger::remove_cluster(db, tx, cluster).await
        }
        // A retired cluster walked back comes back as it left: decommissioning
        // until its target has walked back.
        (Kind::Decommission, T::Succeeded, T::RollingBack) => {
            restore(tx, deployment, target, cluster).await
        }
        (Kind::Rollout, T::Pending, T::InProgress | T::Failed) => {
            lifecycle(db, tx, target, cluster, ClusterLifecycle::Maintenance).await
        }
        (Kind::Rollout, T::Pending | T::InProgress, T::Succeeded) => {
            lifecycle(db, tx, target, cluster, ClusterLifecycle::InService).await
        }
        (Kind::Decommission | Kind::Rollout, T::RollingBack, T::RolledBack) => {
            lifecycle(db, tx, target, cluster, ClusterLifecycle::InService).await
        }
        _ => Ok(()),
    }
}

/// What a deployment reaching `to` does: a buildout's completion reserves for
/// the requests it served; a cancellation
/// returns what did not finish; a rollback's end removes a buildout's
/// unstarted clusters and (like a cancellation of a buildout) sends the
/// requests that waited back to their approvers.
pub async fn on_finish(
    db: &Db,
    tx: &mut AnyConnection,
    caller: &Caller,
    d: &Loaded,
    to: DeploymentState,
) -> AppResult<()> {
    let key = key_of(d.row.id);
    let targets: Vec<&TargetRow> = d.targets.iter().flatten().collect();
    match (d.row.kind, to) {
        (Kind::Buildout, DeploymentState::Completed) => {
            crate::requests::server::capacity::serve_waiting(db, tx, caller, &d.requests, &key)
                .await?;
        }
        (kind, DeploymentState::Cancelled) => {
            for t in &targets {
                let Some(c) = t.cluster_id else { continue };
                match (kind, t.state) {
                    (Kind::Buildout, TargetState::Succeeded) => {}
                    (Kind::Buildout, _) => ledger::remove_cluster(db, tx, c).await?,
                    // Retired already, when its target succeeded.
                    (Kind::Decommission, TargetState::Succeeded) => {}
                    (
                        _,
                        TargetState::InProgress | TargetState::Failed | TargetState::RollingBack,
                    ) => lifecycle(db, tx, t, c, ClusterLifecycle::InService).await?,
                    _ => {}
                }
            }
            if kind == Kind::Buildout {
                let why = format!("{key} was cancelled");
                crate::requests::server::capacity::release_waiting(
                    db,
                    tx,
                    caller,
                    &d.requests,
                    &why,
                )
                .await?;
            }
        }
        (Kind::Buildout, DeploymentState::RolledBack) => {
            // Clusters of rings that never started will not be built either.
            for t in targets.iter().filter(|t| t.state == TargetState::Pending) {
                if let Some(c) = t.cluster_id {
                    ledger::remove_cluster(db, tx, c).await?;
                }
            }
            let why = format!("{key} was rolled back");
            crate::requests::server::capacity::release_waiting(db, tx, caller, &d.requests, &why)
                .await?;
        }
        _ => {}
    }
    Ok(())
}
