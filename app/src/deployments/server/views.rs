//! Deployments as the pages and lists read them: a page of the list (full, for
//! the API, or as rows with their targets summed, for the page), the deployment
//! page's view with the caller's actions, and what is in flight.

use std::sync::Arc;

use super::cache::{Fingerprint, Kept};
use super::model::{load, load_many, load_summaries, Loaded, Summary};
use super::run::parse;
use super::store::{self, ListWhere};
use crate::auth::server::caller::Caller;
use crate::auth::Role;
use crate::db::Db;
use crate::deployments::domain::{key_of, DeploymentAction, DeploymentState, Kind};
use crate::deployments::types::{
    Deployment, DeploymentDetail, DeploymentFilter, Event, InFlight, InFlightItem,
};
use crate::error::{AppError, AppResult};
use crate::fleet::server::service as fleet;
use crate::shared::audit;
use crate::shared::page::Page;

/// A page of deployments: in flight first, then newest first (kept per
/// replica until a deployment changes, see `cache`).
pub async fn list(
    db: &Db,
    caller: &Caller,
    filter: &DeploymentFilter,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<Arc<Page<Deployment>>> {
    caller.user()?;
    let mut conn = db.pool().acquire().await?;
    let at = fingerprint(caller, &mut conn).await?;
    let key = format!("full {limit} {cursor:?} {filter:?}");
    if let Some(Kept::Full(page)) = db.deployment_lists().get(&at, &key) {
        return Ok(page);
    }
    let (rows, next_cursor) = list_page(&mut conn, filter, cursor, limit).await?;
    let items = load_many(&mut conn, rows)
        .await?
        .iter()
        .map(Loaded::deployment)
        .collect();
    let page = Arc::new(Page { items, next_cursor });
    db.deployment_lists()
        .put(&at, key, Kept::Full(Arc::clone(&page)));
    Ok(page)
}

/// The list page's rows: as `list`, with what each deployment's targets add up
/// to instead of the targets.
pub async fn list_rows(
    db: &Db,
    caller: &Caller,
    filter: &DeploymentFilter,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<Arc<Page<crate::deployments::types::DeploymentRow>>> {
    caller.user()?;
    let mut conn = db.pool().acquire().await?;
    let at = fingerprint(caller, &mut conn).await?;
    let key = format!("rows {limit} {cursor:?} {filter:?}");
    if let Some(Kept::Rows(page)) = db.deployment_lists().get(&at, &key) {
        return Ok(page);
    }
    let (rows, next_cursor) = list_page(&mut conn, filter, cursor, limit).await?;
    let items = load_summaries(db, &mut conn, rows)
        .await?
        .iter()
        .map(Summary::list_row)
        .collect();
    let page = Arc::new(Page { items, next_cursor });
    db.deployment_lists()
        .put(&at, key, Kept::Rows(Arc::clone(&page)));
    Ok(page)
}

/// The deployments' fingerprint, read once per request: the list page and
/// its in-flight panel share it (`shared::seen`).
async fn fingerprint(caller: &Caller, conn: &mut sqlx::AnyConnection) -> AppResult<Fingerprint> {
    Ok(match &caller.seen {
        Some(seen) => seen.deployments(|| store::fingerprint(&mut *conn)).await?,
        None => store::fingerprint(&mut *conn).await?,
    })
}

/// One page of the list's deployment rows and the next page's cursor.
async fn list_page(
    conn: &mut sqlx::AnyConnection,
    filter: &DeploymentFilter,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<(Vec<store::DeploymentRow>, Option<String>)> {
    let state = match &filter.state {
        Some(s) => Some(DeploymentState::parse(s).map_err(|m| AppError::invalid("state", m))?),
        None => None,
    };
    let kind = match &filter.kind {
        Some(k) => Some(Kind::parse(k).map_err(|m| AppError::invalid("kind", m))?),
        None => None,
    };
    // Named the way the fleet names it, or refused: never a filter that quietly matches nothing.
    if let Some(r) = &filter.region {
        crate::fleet::codes::RegionCode::parse(r).map_err(|m| AppError::invalid("region", m))?;
    }
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
    let mut rows = store::list_deployments(&mut *conn, &w, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| {
            rows.last()
                .map(|r| format!("{}.{}", r.state.list_rank(), r.id))
        })
        .flatten();
    Ok((rows, next_cursor))
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
    let missing = || AppError::NotFound(format!("no deployment {key}"));
    let version = store::version_of(&mut *conn, id)
        .await?
        .ok_or_else(missing)?;
    let kept = match db.deployment_details().get(id, version) {
        Some(kept) => kept,
        None => {
            let d = load(&mut conn, id, "").await?;
            let timeline = timeline(&mut conn, &key_of(id)).await?;
            let kept = Arc::new((d, timeline));
            db.deployment_details().put(id, version, Arc::clone(&kept));
            kept
        }
    };
    drop(conn);
    let (d, timeline) = (&kept.0, kept.1.clone());
    let now = db.clock().now();
    let snap = fleet::snapshot_for(db, caller).await?;
    let unit = snap
        .options
        .skus
        .iter()
        .find(|s| s.code == d.row.sku.as_str())
        .map_or("units".into(), |s| s.unit.as_str().to_owned());
    Ok(DeploymentDetail {
        status: crate::deployments::progress::status_words(&d.model(), d.row.note.as_deref(), now),
        eta: d.eta(now),
        capacity_change: d.capacity_change(),
        actions: actions(caller, d.row.state),
        deployment: d.deployment(),
        unit,
        timeline,
        now: crate::shared::time::rfc3339(now),
    })
}

/// A deployment's timeline, from the audit trail.
async fn timeline(conn: &mut sqlx::AnyConnection, key: &str) -> AppResult<Vec<Event>> {
    Ok(audit::list_for_object(&mut *conn, key)
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
        .collect())
}

/// How many deployments the overview's and a region's panel list (the list
/// page has the rest).
pub const IN_FLIGHT_SHOWN: usize = 20;

/// Deployments in flight or planned (optionally in one region), with the
/// capacity each adds or removes and when: the overview's and region pages' panel.
pub async fn in_flight(db: &Db, caller: &Caller, region: Option<&str>) -> AppResult<InFlight> {
    caller.user()?;
    let states = [
        DeploymentState::Planned,
        DeploymentState::InProgress,
        DeploymentState::Paused,
        DeploymentState::RollingBack,
    ];
    let mut conn = db.pool().acquire().await?;
    // Kept like the list's pages: every page with a freeze banner reads it.
    let at = fingerprint(caller, &mut conn).await?;
    let key = format!("in-flight {region:?}");
    let kept = match db.deployment_lists().get(&at, &key) {
        Some(Kept::InFlight(kept)) => kept,
        _ => {
            let mut rows =
                store::deployments_in(&mut *conn, &states, region, IN_FLIGHT_SHOWN as i64 + 1)
                    .await?;
            let more = rows.len() > IN_FLIGHT_SHOWN;
            rows.truncate(IN_FLIGHT_SHOWN);
            let kept = Arc::new((more, load_summaries(db, &mut conn, rows).await?));
            db.deployment_lists()
                .put(&at, key, Kept::InFlight(Arc::clone(&kept)));
            kept
        }
    };
    drop(conn);
    let (more, loaded) = (kept.0, &kept.1);
    let snap = fleet::snapshot_for(db, caller).await?;
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

/// Capacity on its way, for the forecast: per buildout or decommission not
/// over yet, (region, SKU, units still to come in or go out, expected
/// completion). Every such deployment, not the first `IN_FLIGHT_SHOWN`.
pub async fn capacity_to_come(
    db: &Db,
    caller: &Caller,
    region: Option<&str>,
) -> AppResult<Vec<(String, String, i64, Option<time::OffsetDateTime>)>> {
    caller.user()?;
    let states = [
        DeploymentState::Planned,
        DeploymentState::InProgress,
        DeploymentState::Paused,
    ];
    let mut conn = db.pool().acquire().await?;
    let rows = store::deployments_in(&mut *conn, &states, region, i64::MAX).await?;
    let loaded = load_summaries(db, &mut conn, rows).await?;
    let now = db.clock().now();
    Ok(loaded
        .iter()
        .map(|d| (d, d.still_to_change()))
        .filter(|(_, units)| *units != 0)
        .map(|(d, units)| {
            (
                d.row.region.to_string(),
                d.row.sku.to_string(),
                units,
                d.eta_at(now),
            )
        })
        .collect())
}

/// The capacity freezes in force, in words (one region, when given).
fn freezes(snap: &crate::fleet::server::snapshot::Snapshot, region: Option<&str>) -> Vec<String> {
    snap.regions
        .iter()
        .filter(|r| region.is_none_or(|code| r.code == code))
        .flat_map(|r| {
            crate::fleet::codes::Family::ALL
                .iter()
                .filter_map(|f| super::hold::frozen(snap, &r.code, *f))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A request's timeline rows: its own, and what the deployments linked to
/// it went through (created, ring by ring, state), oldest first.
pub async fn request_trail(
    conn: &mut sqlx::AnyConnection,
    key: &str,
    request: i64,
) -> AppResult<Vec<crate::shared::audit::AuditEntry>> {
    Ok(store::request_chain(&mut *conn, key, request).await?)
}
