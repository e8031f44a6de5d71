//! Deployments: creating (with a checked plan), replanning while planned,
//! drafting a buildout for a request's shortfall, previewing a plan, reading
//! one. The pages' and lists' reads are `views.rs`; moving them along is `run.rs`.

use super::model::load;
use super::plan::{self, PlannedRing, PlannedTarget};
use super::run::parse;
use super::store::{self, NewDeployment};
use crate::auth::server::caller::Caller;
use crate::auth::Role;
use crate::db::Db;
use crate::deployments::domain::{key_of, DeploymentState, Kind};
use crate::deployments::types::{Deployment, DeploymentInput, PlanInput};
use crate::error::{AppError, AppResult};
use crate::fleet::codes::{RegionCode, SkuCode};
use crate::fleet::server::service as fleet;
use crate::shared::audit;

/// One deployment as it is now.
pub async fn load_one(db: &Db, id: i64) -> AppResult<Deployment> {
    let mut conn = db.pool().acquire().await?;
    Ok(load(&mut conn, id, "").await?.deployment())
}

/// One deployment by key, for a signed-in caller.
pub async fn get(db: &Db, caller: &Caller, key: &str) -> AppResult<Deployment> {
    caller.user()?;
    load_one(db, parse(key)?).await
}

fn text(v: &Option<String>, field: &'static str, max: usize) -> AppResult<String> {
    let v = v
        .as_deref()
        .ok_or_else(|| AppError::invalid(field, format!("{field} is required")))?;
    crate::requests::domain::parse_text(v, max)
        .map_err(|m| AppError::invalid(field, format!("{field} {m}")))
}

/// The region and SKU of a plan, checked against the fleet.
async fn place(
    db: &Db,
    region: &Option<String>,
    sku: &Option<String>,
) -> AppResult<(RegionCode, SkuCode, String)> {
    let region = RegionCode::parse(region.as_deref().unwrap_or_default())
        .map_err(|m| AppError::invalid("region", m))?;
    let sku = SkuCode::parse(sku.as_deref().unwrap_or_default())
        .map_err(|m| AppError::invalid("sku", m))?;
    let snap = fleet::snapshot(db).await?;
    snap.region(region.as_str())
        .ok_or_else(|| AppError::invalid("region", format!("no region '{region}'")))?;
    let unit = snap
        .options
        .skus
        .iter()
        .find(|s| s.code == sku.as_str())
        .map(|s| s.unit.as_str().to_owned())
        .ok_or_else(|| AppError::invalid("sku", format!("no SKU '{sku}'")))?;
    Ok((region, sku, unit))
}

/// Creates a planned deployment (operators).
pub async fn create(db: &Db, caller: &Caller, input: &DeploymentInput) -> AppResult<Deployment> {
    let me = caller.require(Role::Operator)?.clone();
    let kind = Kind::parse(input.kind.as_deref().unwrap_or_default())
        .map_err(|m| AppError::invalid("kind", m))?;
    let title = text(&input.title, "title", 120)?;
    let (region, sku, _) = place(db, &input.region, &input.sku).await?;
    let summary = match input
        .public_summary
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        // Public text: what /status may show, so no request keys.
        Some(s) => Some(
            crate::status::domain::public_text(s, 200)
                .map_err(|m| AppError::invalid("public_summary", format!("public_summary {m}")))?,
        ),
        None => None,
    };
    let mut requests = Vec::new();
    for k in &input.requests {
        requests.push(
            crate::requests::domain::parse_key(k).map_err(|m| AppError::invalid("requests", m))?,
        );
    }
    let rings = plan::check(db, kind, &region, &sku, &input.rings, None).await?;
    let now = db.clock().now_rfc3339();
    let mut tx = db.begin_write().await?;
    let new = NewDeployment {
        kind,
        title: &title,
        region: &region,
        sku: &sku,
        owner_id: me.id,
        public_summary: summary.as_deref(),
        now: &now,
    };
    let id = store::insert_deployment(&mut *tx, &new).await?;
    plan::write(&mut tx, id, &region, &sku, &rings).await?;
    for r in &requests {
        crate::requests::server::store::find_request(&mut *tx, *r, "")
            .await?
            .ok_or_else(|| {
                AppError::invalid(
                    "requests",
                    format!("no request {}", crate::requests::domain::key_of(*r)),
                )
            })?;
        store::link_request(&mut *tx, id, *r).await?;
    }
    audit::record(
        &mut *tx,
        &caller.origin,
        Some(&me.name),
        "deployment.create",
        Some(&key_of(id)),
        None,
        Some(&format!(
            "{kind} of {sku} in {region}: {} rings",
            rings.len()
        )),
    )
    .await?;
    // Read inside the transaction: an answer that failed after the commit
    // would say 503 about a change that was made.
    let done = load(&mut tx, id, "").await?.deployment();
    tx.commit().await?;
    Ok(done)
}

/// Replaces a planned deployment's plan (operators), at the version they saw.
pub async fn replan(
    db: &Db,
    caller: &Caller,
    key: &str,
    input: &PlanInput,
) -> AppResult<Deployment> {
    let me = caller.require(Role::Operator)?.clone();
    let id = parse(key)?;
    let version = input
        .version
        .ok_or_else(|| AppError::invalid("version", "version is required"))?;
    let mut conn = db.pool().acquire().await?;
    let current = load(&mut conn, id, "").await?;
    drop(conn);
    // A plan that cannot change is refused whatever the new one says.
    if current.row.state != DeploymentState::Planned {
        return Err(AppError::Conflict(format!(
            "a {} deployment's plan cannot change",
            current.row.state
        )));
    }
    let rings = plan::check(
        db,
        current.row.kind,
        &current.row.region,
        &current.row.sku,
        &input.rings,
        Some(id),
    )
    .await?;
    let now = db.clock().now_rfc3339();
    let mut tx = db.begin_write().await?;
    let d = load(&mut tx, id, db.lock_rows()).await?;
    if d.row.version != version {
        return Err(AppError::Conflict(format!(
            "{key} changed since you saw it (now version {})",
            d.row.version
        )));
    }
    if d.row.state != DeploymentState::Planned {
        return Err(AppError::Conflict(format!(
            "a {} deployment's plan cannot change",
            d.row.state
        )));
    }
    plan::clear(db, &mut tx, &d).await?;
    plan::write(&mut tx, id, &d.row.region, &d.row.sku, &rings).await?;
    if store::bump(&mut *tx, id, version, None, None, &now).await? != 1 {
        return Err(AppError::Conflict(format!(
            "{key} changed at the same moment; reload and try again"
        )));
    }
    audit::record(
        &mut *tx,
        &caller.origin,
        Some(&me.name),
        "deployment.plan",
        Some(key),
        None,
        Some(&format!("{} rings", rings.len())),
    )
    .await?;
    // Read inside the transaction: an answer that failed after the commit
    // would say 503 about a change that was made.
    let done = load(&mut tx, id, "").await?.deployment();
    tx.commit().await?;
    Ok(done)
}

/// Drafts a planned buildout of `units` for a request that is short of them
/// (approve with buildout), inside the approving transaction; returns its id.
/// `snap` is the approval's snapshot, taken before its transaction: asking the
/// pool for one while holding the transaction's connection could wait on
/// connections held the same way.
#[expect(
    clippy::too_many_arguments,
    reason = "the request's pair, zone and shortfall, inside the caller's transaction"
)]
pub async fn draft_buildout(
    db: &Db,
    tx: &mut sqlx::AnyConnection,
    snap: &crate::fleet::server::snapshot::Snapshot,
    caller: &Caller,
    region: &RegionCode,
    sku: &SkuCode,
    zone: Option<i64>,
    units: i64,
    request: i64,
) -> AppResult<i64> {
    let me = caller.user()?;
    // New clusters the size of the pair's in-service ones (1,000 units if it has none).
    let size = snap
        .region(region.as_str())
        .and_then(|r| r.skus.iter().find(|s| s.sku == sku.as_str()))
        .filter(|s| s.rollup.clusters > 0)
        .map_or(1000, |s| {
            (s.rollup.ledger.total() / s.rollup.clusters).max(1)
        });
    let zones: Vec<i64> = zone.map_or_else(|| vec![1, 2, 3], |z| vec![z]);
    let targets: Vec<(i64, PlannedTarget)> =
        crate::deployments::templates::split_units(units, size, &zones)
            .into_iter()
            .map(|(zone, units)| (zone, PlannedTarget::Build { zone, units }))
            .collect();
    let rings: Vec<PlannedRing> =
        crate::deployments::templates::rings("canary-zone-rest", &targets)
            .map_err(|m| AppError::Internal(anyhow::anyhow!(m)))?
            .into_iter()
            .map(|(name, bake_minutes, targets)| PlannedRing {
                name,
                bake_minutes,
                targets,
            })
            .collect();
    let now = db.clock().now_rfc3339();
    let title = format!(
        "Capacity for {}: {units} units of {sku} in {region}",
        crate::requests::domain::key_of(request)
    );
    let new = NewDeployment {
        kind: Kind::Buildout,
        title: &title,
        region,
        sku,
        owner_id: me.id,
        public_summary: None,
        now: &now,
    };
    let id = store::insert_deployment(&mut *tx, &new).await?;
    plan::write(tx, id, region, sku, &rings).await?;
    store::link_request(&mut *tx, id, request).await?;
    audit::record(
        &mut *tx,
        &caller.origin,
        Some(&me.name),
        "deployment.create",
        Some(&key_of(id)),
        None,
        Some(&format!(
            "buildout for {}: {units} units",
            crate::requests::domain::key_of(request)
        )),
    )
    .await?;
    Ok(id)
}

/// The plan editor's template over its "all targets" text (`plan::from_template`).
pub async fn template(
    db: &Db,
    caller: &Caller,
    kind: &str,
    template: &str,
    all: &str,
) -> AppResult<Vec<crate::deployments::types::TemplateRing>> {
    caller.require(Role::Operator)?;
    let kind = Kind::parse(kind).map_err(|m| AppError::invalid("kind", m))?;
    plan::from_template(db, kind, template, all).await
}

/// What each ring of a plan would do to its region × SKU's free units.
pub async fn preview(
    db: &Db,
    caller: &Caller,
    input: &DeploymentInput,
) -> AppResult<Vec<crate::deployments::api::RingPreview>> {
    caller.require(Role::Operator)?;
    let kind = Kind::parse(input.kind.as_deref().unwrap_or_default())
        .map_err(|m| AppError::invalid("kind", m))?;
    let (region, sku, unit) = place(db, &input.region, &input.sku).await?;
    let rings = plan::check(db, kind, &region, &sku, &input.rings, None).await?;
    let snap = fleet::snapshot_for(db, caller).await?;
    let mut free = snap
        .region(region.as_str())
        .and_then(|r| r.skus.iter().find(|s| s.sku == sku.as_str()))
        .map_or(0, |s| s.rollup.ledger.free());
    let mut out = Vec::with_capacity(rings.len());
    for ring in rings {
        let mut change = 0;
        for t in &ring.targets {
            change += match t {
                PlannedTarget::Build { units, .. } => *units,
                PlannedTarget::Cluster { id, .. } => {
                    -crate::fleet::server::store::find_cluster(db.pool(), *id)
                        .await?
                        .map_or(0, |c| c.free)
                }
            };
        }
        // A rollout's clusters come back into service when their ring is done.
        let after = if kind == Kind::Rollout {
            free + change
        } else {
            {
                free += change;
                free
            }
        };
        out.push(crate::deployments::api::RingPreview {
            name: ring.name,
            targets: ring.targets.len(),
            units: change,
            unit: unit.clone(),
            free_after: after,
        });
    }
    Ok(out)
}
