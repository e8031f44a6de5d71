//! Deployments: creating (with a checked plan), replanning while planned,
//! drafting a buildout for a request's shortfall, and reading — one, a page,
//! the deployment page's view, what is in flight. Moving them along is `run.rs`.

use super::model::{load, load_many, load_summaries, Loaded, Summary};
use super::plan::{self, PlannedRing, PlannedTarget};
use super::run::parse;
use super::store::{self, ListWhere, NewDeployment};
use crate::auth::server::caller::Caller;
use crate::auth::Role;
use crate::db::Db;
use crate::deployments::domain::{key_of, DeploymentAction, DeploymentState, Kind};
use crate::deployments::engine;
use crate::deployments::types::{
    Deployment, DeploymentDetail, DeploymentFilter, DeploymentInput, Event, InFlight, InFlightItem,
    PlanInput,
};
use crate::error::{AppError, AppResult};
use crate::fleet::codes::{RegionCode, SkuCode};
use crate::fleet::server::service as fleet;
use crate::shared::audit;
use crate::shared::page::Page;

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
    let rings = plan::check(db, kind, &region, &sku, &input.rings).await?;
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
    tx.commit().await?;
    load_one(db, id).await
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
    tx.commit().await?;
    load_one(db, id).await
}

/// Drafts a planned buildout of `units` for a request that is short of them
/// (approve with buildout), inside the approving transaction; returns its id.
#[expect(
    clippy::too_many_arguments,
    reason = "the request's pair, zone and shortfall, inside the caller's transaction"
)]
pub async fn draft_buildout(
    db: &Db,
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    region: &RegionCode,
    sku: &SkuCode,
    zone: Option<i64>,
    units: i64,
    request: i64,
) -> AppResult<i64> {
    let me = caller.user()?;
    let snap = fleet::snapshot(db).await?;
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

/// A page of deployments: in flight first, then newest first.
pub async fn list(
    db: &Db,
    caller: &Caller,
    filter: &DeploymentFilter,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<Page<Deployment>> {
    let (rows, next_cursor, mut conn) = list_page(db, caller, filter, cursor, limit).await?;
    let items = load_many(&mut conn, rows)
        .await?
        .iter()
        .map(Loaded::deployment)
        .collect();
    Ok(Page { items, next_cursor })
}

/// The list page's rows: as `list`, with what each deployment's targets add up
/// to instead of the targets.
pub async fn list_rows(
    db: &Db,
    caller: &Caller,
    filter: &DeploymentFilter,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<Page<crate::deployments::types::DeploymentRow>> {
    let (rows, next_cursor, mut conn) = list_page(db, caller, filter, cursor, limit).await?;
    let items = load_summaries(db, &mut conn, rows)
        .await?
        .iter()
        .map(Summary::list_row)
        .collect();
    Ok(Page { items, next_cursor })
}

/// One page of the list's deployment rows, the next page's cursor, and the
/// connection that read them.
async fn list_page(
    db: &Db,
    caller: &Caller,
    filter: &DeploymentFilter,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<(
    Vec<store::DeploymentRow>,
    Option<String>,
    sqlx::pool::PoolConnection<sqlx::Any>,
)> {
    caller.user()?;
    let state = match &filter.state {
        Some(s) => Some(DeploymentState::parse(s).map_err(|m| AppError::invalid("state", m))?),
        None => None,
    };
    let kind = match &filter.kind {
        Some(k) => Some(Kind::parse(k).map_err(|m| AppError::invalid("kind", m))?),
        None => None,
    };
    let after = match cursor {
        None => None,
        Some(c) => {
            let bad = || AppError::invalid("cursor", "is not a cursor from this list");
            let (rank, id) = c.split_once('.').ok_or_else(bad)?;
            Some((
                rank.parse().map_err(|_| bad())?,
                id.parse().map_err(|_| bad())?,
            ))
        }
    };
    let w = ListWhere {
        state,
        kind,
        region: filter.region.as_deref(),
        after,
    };
    let mut conn = db.pool().acquire().await?;
    let mut rows = store::list_deployments(&mut *conn, &w, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| {
            rows.last()
                .map(|r| format!("{}.{}", r.state.list_rank(), r.id))
        })
        .flatten();
    Ok((rows, next_cursor, conn))
}

/// The actions an operator may take on a deployment in its state.
fn actions(caller: &Caller, state: DeploymentState) -> Vec<String> {
    if !caller.user.as_ref().is_some_and(|u| u.has(Role::Operator)) {
        return Vec::new();
    }
    DeploymentAction::ALL
        .iter()
        .filter(|a| state.after(**a).is_ok())
        .map(|a| a.as_str().to_owned())
        .collect()
}

/// The deployment page.
pub async fn detail(db: &Db, caller: &Caller, key: &str) -> AppResult<DeploymentDetail> {
    caller.user()?;
    let id = parse(key)?;
    let mut conn = db.pool().acquire().await?;
    let d = load(&mut conn, id, "").await?;
    let timeline = audit::list_for_object(&mut *conn, key)
        .await?
        .into_iter()
        .map(|e| Event {
            at: e.at,
            actor: e.actor.unwrap_or_default(),
            action: e.action.trim_start_matches("deployment.").to_owned(),
            detail: match (e.before, e.after) {
                (Some(b), Some(a)) => format!("{b} → {a}"),
                (None, Some(a)) => a,
                _ => String::new(),
            },
        })
        .collect();
    drop(conn);
    let now = db.clock().now();
    let snap = fleet::snapshot(db).await?;
    let unit = snap
        .options
        .skus
        .iter()
        .find(|s| s.code == d.row.sku.as_str())
        .map_or("units".into(), |s| s.unit.as_str().to_owned());
    Ok(DeploymentDetail {
        status: engine::status_words(&d.model(), d.row.note.as_deref(), now),
        eta: d.eta(now),
        capacity_change: d.capacity_change(),
        actions: actions(caller, d.row.state),
        deployment: d.deployment(),
        unit,
        timeline,
        now: crate::shared::time::rfc3339(now),
    })
}

/// Deployments in flight or planned (optionally in one region), with the
/// capacity each adds or removes and when: the overview's and region pages' panel.
/// How many deployments the overview's and a region's panel list (the list
/// page has the rest).
pub const IN_FLIGHT_SHOWN: usize = 20;

pub async fn in_flight(db: &Db, caller: &Caller, region: Option<&str>) -> AppResult<InFlight> {
    caller.user()?;
    let states = [
        DeploymentState::Planned,
        DeploymentState::InProgress,
        DeploymentState::Paused,
        DeploymentState::RollingBack,
    ];
    let mut conn = db.pool().acquire().await?;
    let mut rows =
        store::deployments_in(&mut *conn, &states, region, IN_FLIGHT_SHOWN as i64 + 1).await?;
    let more = rows.len() > IN_FLIGHT_SHOWN;
    rows.truncate(IN_FLIGHT_SHOWN);
    let loaded = load_summaries(db, &mut conn, rows).await?;
    drop(conn);
    let snap = fleet::snapshot(db).await?;
    let now = db.clock().now();
    Ok(InFlight {
        more,
        region: region.map(str::to_owned),
        freezes: freezes(&snap, region),
        items: loaded
            .iter()
            .map(|d| InFlightItem {
                key: key_of(d.row.id),
                kind: d.row.kind,
                title: d.row.title.clone(),
                state: d.row.state,
                region: d.row.region.to_string(),
                sku: d.row.sku.to_string(),
                units: d.capacity_change(),
                unit: snap
                    .options
                    .skus
                    .iter()
                    .find(|s| s.code == d.row.sku.as_str())
                    .map_or("units".into(), |s| s.unit.as_str().to_owned()),
                eta: d.eta(now),
            })
            .collect(),
    })
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
    let rings = plan::check(db, kind, &region, &sku, &input.rings).await?;
    let snap = fleet::snapshot(db).await?;
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

/// The capacity freezes in force, in words (one region, when given).
fn freezes(snap: &crate::fleet::server::snapshot::Snapshot, region: Option<&str>) -> Vec<String> {
    snap.regions
        .iter()
        .filter(|r| region.is_none_or(|code| r.code == code))
        .flat_map(|r| {
            crate::fleet::codes::Family::ALL
                .iter()
                .filter_map(|f| super::run::frozen(snap, &r.code, *f))
                .collect::<Vec<_>>()
        })
        .collect()
}
