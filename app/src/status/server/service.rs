//! Notices (publish, update, resolve; admins only, audited) and the public
//! status view built from the fleet snapshot, the notices and the history.

use std::collections::HashMap;

use super::store::{self, NoticeRow};
use crate::auth::server::caller::Caller;
use crate::auth::Role;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::fleet::codes::{Family, RegionLifecycle};
use crate::fleet::server::service as fleet;
use crate::fleet::server::snapshot::Snapshot;
use crate::fleet::types::Region;
use crate::shared::audit;
use crate::shared::time::format_day;
use crate::status::domain::{self, ComponentState, NoticeKind, MAX_BODY, MAX_TITLE};
use crate::status::types::{
    ComponentStatus, DayState, Notice, NoticeUpdate, RegionStatus, StatusView, UnitFree,
};
use crate::webhooks::domain::EventType;
use crate::webhooks::server::outbox;

/// Days of history on the status page.
pub const HISTORY_DAYS: i64 = 90;
/// Resolved notices stay on the page (and in the feed) this many days.
pub const RECENT_DAYS: i64 = 14;

/// A notice as an admin writes it (checked here).
#[derive(Debug, Clone, Default)]
pub struct NoticeInput {
    pub kind: String,
    pub title: String,
    pub regions: String,
    pub message: String,
}

/// `days` before now on the process's clock, as RFC 3339.
fn days_ago(db: &Db, days: i64) -> String {
    crate::shared::time::rfc3339(db.clock().now() - time::Duration::days(days))
}

fn notice_object(id: i64) -> String {
    format!("notice-{id}")
}

/// Publishes a notice with its first update.
pub async fn publish(db: &Db, caller: &Caller, input: &NoticeInput) -> AppResult<Notice> {
    let me = caller.require(Role::Admin)?.clone();
    let kind = NoticeKind::parse(input.kind.trim()).map_err(|m| AppError::invalid("kind", m))?;
    let title = domain::public_text(&input.title, MAX_TITLE)
        .map_err(|m| AppError::invalid("title", format!("title {m}")))?;
    let message = domain::public_text(&input.message, MAX_BODY)
        .map_err(|m| AppError::invalid("message", format!("message {m}")))?;
    let snap = fleet::snapshot(db).await?;
    // Regions still being built are not on the public page: notices cannot name them.
    let known: Vec<String> = shown_regions(&snap).map(|r| r.code.clone()).collect();
    let regions = domain::parse_regions(&input.regions, &known)
        .map_err(|m| AppError::invalid("regions", m))?;
    let now = db.clock().now_rfc3339();
    let mut tx = db.begin_write().await?;
    let id = store::insert_notice(&mut *tx, kind.as_str(), &title, &now).await?;
    for r in &regions {
        store::insert_notice_region(&mut *tx, id, r).await?;
    }
    store::insert_update(&mut *tx, id, &now, &message).await?;
    audit::record(
        &mut *tx,
        &caller.origin,
        Some(&me.name),
        "notice.publish",
        Some(&notice_object(id)),
        None,
        Some(&format!(
            "{}: {title} ({})",
            kind.as_str(),
            regions.join(", ")
        )),
    )
    .await?;
    // Read inside the transaction: a read after the commit could fail and
    // answer 503 about a notice that was published.
    let done = get_in(&mut tx, id).await?;
    announce(db, &mut tx, EventType::NoticePublished, &done).await?;
    tx.commit().await?;
    Ok(done)
}

/// Writes a notice's webhook event for its subscribers, in the notice's transaction.
async fn announce(
    db: &Db,
    tx: &mut sqlx::AnyConnection,
    event: EventType,
    notice: &Notice,
) -> AppResult<()> {
    let to = outbox::subscribers(tx, event).await?;
    outbox::enqueue(db, tx, &to, event, notice).await?;
    Ok(())
}

/// Adds an update to an active notice seen at `version`, resolving it when `resolve`.
pub async fn add_update(
    db: &Db,
    caller: &Caller,
    id: i64,
    version: i64,
    message: &str,
    resolve: bool,
) -> AppResult<Notice> {
    let me = caller.require(Role::Admin)?.clone();
    let message = domain::public_text(message, MAX_BODY)
        .map_err(|m| AppError::invalid("message", format!("message {m}")))?;
    let now = db.clock().now_rfc3339();
    let mut tx = db.begin_write().await?;
    let row = store::find_notice(&mut *tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no notice {id}")))?;
    if !store::touch_notice(&mut *tx, id, version, &now, resolve).await? {
        return Err(AppError::Conflict(if row.resolved_at.is_some() {
            format!("notice {id} is already resolved")
        } else {
            format!(
                "notice {id} changed since you saw it (now version {})",
                row.version
            )
        }));
    }
    store::insert_update(&mut *tx, id, &now, &message).await?;
    audit::record(
        &mut *tx,
        &caller.origin,
        Some(&me.name),
        if resolve {
            "notice.resolve"
        } else {
            "notice.update"
        },
        Some(&notice_object(id)),
        None,
        Some(&message),
    )
    .await?;
    // Read inside the transaction: a read after the commit could fail and
    // answer 503 about a notice that was published.
    let done = get_in(&mut tx, id).await?;
    let event = if resolve {
        EventType::NoticeResolved
    } else {
        EventType::NoticeUpdated
    };
    announce(db, &mut tx, event, &done).await?;
    tx.commit().await?;
    Ok(done)
}

/// One notice with its regions and updates.
pub async fn get(db: &Db, id: i64) -> AppResult<Notice> {
    get_in(&mut *db.pool().acquire().await?, id).await
}

/// One notice, read on `conn` (inside a transaction: as it will be committed).
async fn get_in(conn: &mut sqlx::AnyConnection, id: i64) -> AppResult<Notice> {
    let row = store::find_notice(&mut *conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no notice {id}")))?;
    Ok(assemble(conn, vec![row]).await?.remove(0))
}

/// Active notices and those resolved in the last `RECENT_DAYS` days, newest first.
pub async fn current(db: &Db, caller: &Caller) -> AppResult<Vec<Notice>> {
    caller.user()?;
    resolved_within(db, RECENT_DAYS).await
}

/// Active notices and those resolved in the last `days` days, newest first.
async fn resolved_within(db: &Db, days: i64) -> AppResult<Vec<Notice>> {
    let since = days_ago(db, days);
    let mut conn = db.pool().acquire().await?;
    let rows = store::list_notices(&mut *conn, &since, 500).await?;
    assemble(&mut conn, rows).await
}

async fn assemble(conn: &mut sqlx::AnyConnection, rows: Vec<NoticeRow>) -> AppResult<Vec<Notice>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut regions: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, region) in store::regions_of(&mut *conn, &ids).await? {
        regions.entry(id).or_default().push(region);
    }
    let mut updates: HashMap<i64, Vec<NoticeUpdate>> = HashMap::new();
    for (id, at, body) in store::updates_of(&mut *conn, &ids).await? {
        updates
            .entry(id)
            .or_default()
            .push(NoticeUpdate { at, body });
    }
    rows.into_iter()
        .map(|r| {
            Ok(Notice {
                id: r.id,
                kind: NoticeKind::parse(&r.kind)
                    .map_err(|m| AppError::Internal(anyhow::anyhow!(m)))?,
                title: r.title,
                regions: regions.remove(&r.id).unwrap_or_default(),
                started_at: r.started_at,
                updated_at: r.updated_at,
                resolved_at: r.resolved_at,
                version: r.version,
                updates: updates.remove(&r.id).unwrap_or_default(),
            })
        })
        .collect()
}

/// The regions the public page shows: all but those still being built.
fn shown_regions(snap: &Snapshot) -> impl Iterator<Item = &Region> {
    snap.regions
        .iter()
        .filter(|r| r.lifecycle != RegionLifecycle::Building)
}

/// A region's (family, used, serviceable) sums of one day.
type FamilyRows = Vec<(Family, i64, i64)>;

/// A region's days: each day's state (the worst of its components under the
/// public thresholds and the notices active that day), what was short, and
/// which notices were active.
fn region_days(
    days: &[String],
    public: &crate::fleet::ledger::Thresholds,
    sampled: Option<&HashMap<&str, FamilyRows>>,
    notices: &[&Notice],
) -> Vec<DayState> {
    days.iter()
        .map(|d| {
            let components = sampled
                .and_then(|s| s.get(d.as_str()))
                .map(|rows| domain::components(public, rows.iter().copied()));
            let active: Vec<&&Notice> = notices
                .iter()
                .filter(|n| domain::active_on(d, &n.started_at, n.resolved_at.as_deref()))
                .collect();
            let capacity = components.as_ref().map(|c| {
                c.iter()
                    .map(|(_, s)| *s)
                    .fold(ComponentState::Available, Ord::max)
            });
            DayState {
                day: d.clone(),
                state: domain::day_state(capacity, active.iter().map(|n| n.kind)),
                short: components
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|(_, s)| s.is_short())
                    .map(|(family, state)| ComponentStatus { family, state })
                    .collect(),
                notices: active.iter().map(|n| n.title.clone()).collect(),
            }
        })
        .collect()
}

/// Everything the public status routes show, now, from `snap` (the fleet
/// snapshot the caller read) and the notices.
pub async fn view(db: &Db, snap: &Snapshot) -> AppResult<StatusView> {
    // Notices of the whole history window colour its bars; the page lists the recent ones.
    let visible: Vec<&str> = shown_regions(snap).map(|r| r.code.as_str()).collect();
    // Only regions the page shows may be named on it.
    let notices: Vec<Notice> = resolved_within(db, HISTORY_DAYS)
        .await?
        .into_iter()
        .filter_map(|mut n| {
            n.regions.retain(|c| visible.contains(&c.as_str()));
            (!n.regions.is_empty()).then_some(n)
        })
        .collect();
    let recent_since = days_ago(db, RECENT_DAYS);
    let today = db.clock().today();
    let first_day = today - time::Duration::days(HISTORY_DAYS - 1);
    let public = snap.settings.status_thresholds;
    // Each region's family sums per day, from the daily samples.
    let mut sampled: HashMap<&str, HashMap<&str, FamilyRows>> = HashMap::new();
    let samples = store::family_history(db.pool(), &format_day(first_day)).await?;
    for p in &samples {
        let Ok(family) = Family::parse(&p.family) else {
            continue;
        };
        sampled
            .entry(&p.region)
            .or_default()
            .entry(&p.day)
            .or_default()
            .push((family, p.used, p.serviceable));
    }
    let days: Vec<String> = (0..HISTORY_DAYS)
        .map(|i| format_day(first_day + time::Duration::days(i)))
        .collect();
    let numbers = snap.settings.status_show_units;
    let work = crate::deployments::server::store::public_work(db.pool()).await?;
    let active: Vec<Notice> = notices.iter().filter(|n| n.is_active()).cloned().collect();
    let regions: Vec<RegionStatus> = shown_regions(snap)
        .map(|r| {
            let components: Vec<ComponentStatus> = domain::components(
                &public,
                r.skus.iter().map(|s| {
                    (
                        s.family,
                        s.rollup.ledger.used(),
                        s.rollup.ledger.serviceable(),
                    )
                }),
            )
            .into_iter()
            .map(|(family, state)| ComponentStatus { family, state })
            .collect();
            let kinds = active
                .iter()
                .filter(|n| n.regions.contains(&r.code))
                .map(|n| n.kind);
            let free = numbers.then(|| {
                let mut by_unit: Vec<UnitFree> = Vec::new();
                for s in &r.skus {
                    match by_unit.iter_mut().find(|u| u.unit == s.unit) {
                        Some(u) => u.free += s.rollup.ledger.free(),
                        None => by_unit.push(UnitFree {
                            unit: s.unit,
                            free: s.rollup.ledger.free(),
                        }),
                    }
                }
                by_unit
            });
            let touching: Vec<&Notice> = notices
                .iter()
                .filter(|n| n.regions.contains(&r.code))
                .collect();
            let history = region_days(&days, &public, sampled.get(r.code.as_str()), &touching);
            RegionStatus {
                work: work
                    .iter()
                    .filter(|(region, _)| *region == r.code)
                    .map(|(_, s)| s.clone())
                    .collect(),
                code: r.code.clone(),
                name: r.name.clone(),
                geography: r.geography.clone(),
                state: ComponentState::of_region(components.iter().map(|c| c.state), kinds),
                days_limited: history.iter().filter(|d| !d.short.is_empty()).count(),
                components,
                free,
                history,
            }
        })
        .collect();
    Ok(StatusView {
        overall: domain::overall(regions.iter().map(|r| r.state)),
        regions,
        recent: notices
            .into_iter()
            .filter(|n| n.resolved_at.as_ref().is_some_and(|r| *r >= recent_since))
            .collect(),
        active,
        generated_at: db.clock().now_rfc3339(),
    })
}
