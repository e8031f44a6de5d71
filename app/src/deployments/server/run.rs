//! Moving deployments along: an operator's action, a target report, a
//! scheduler tick (the pass itself is `scheduler`, re-exported here). Each asks the pure engine what changes, then applies the
//! changes in one transaction — targets (with their capacity effects), rings,
//! and the deployment itself as a conditional update on its version — and puts
//! every change on the audit trail (the deployment's timeline).

use sqlx::AnyConnection;

use super::effects;
use super::hold;
use super::model::{load, Loaded};
use super::store::{self, TargetUpdate};
use crate::auth::server::caller::Caller;
use crate::auth::Role;
use crate::db::Db;
use crate::deployments::domain::{key_of, parse_key, DeploymentAction, DeploymentState, Report};
use crate::deployments::engine::{self, Change};
use crate::deployments::types::{Deployment, TargetReport};
use crate::error::{AppError, AppResult};
use crate::fleet::server::service as fleet;
use crate::fleet::server::snapshot::Snapshot;
use crate::shared::audit;
use crate::shared::time::rfc3339;

pub use super::scheduler::{run_scheduler, tick};

pub(super) fn parse(key: &str) -> AppResult<i64> {
    parse_key(key).map_err(|m| AppError::invalid("key", m))
}

/// The changes of a tick (or of the step right after a start or a resume).
pub(super) async fn advance(
    snap: &Snapshot,
    conn: &mut AnyConnection,
    d: &Loaded,
    model: &engine::Model,
    now: time::OffsetDateTime,
) -> AppResult<Vec<Change>> {
    let gate = match model.state {
        DeploymentState::InProgress => hold::gate_of(snap, conn, d).await?,
        _ => None,
    };
    Ok(engine::advance(model, now, |r| match &gate {
        Some((g, verdict)) if *g == r => verdict.clone(),
        _ => Ok(()),
    }))
}

/// Details of a target report, stored with the target's change.
pub(super) struct ReportDetail<'a> {
    target: i64,
    progress: i64,
    message: &'a str,
    fingerprint: &'a str,
}

/// Applies `changes` to `d` in `tx` and moves its version on; returns the new version.
pub(super) async fn apply(
    db: &Db,
    tx: &mut AnyConnection,
    caller: &Caller,
    d: &Loaded,
    changes: &[Change],
    report: Option<ReportDetail<'_>>,
    now: time::OffsetDateTime,
) -> AppResult<i64> {
    let at = rfc3339(now);
    let version = d.row.version + 1;
    let key = key_of(d.row.id);
    let actor = caller
        .user
        .as_ref()
        .map_or("(scheduler)", |u| u.name.as_str());
    let mut state = None;
    let mut note = None;
    let mut touched = report.as_ref().map(|r| r.target);
    for c in changes {
        match c {
            Change::Target {
                ring,
                target,
                from,
                to,
            } => {
                let t = &d.targets[*ring][*target];
                effects::on_target(db, tx, &d.row, t, *from, *to).await?;
                let mine = report.as_ref().filter(|r| r.target == t.id);
                store::set_target(
                    &mut *tx,
                    &TargetUpdate {
                        id: t.id,
                        state: *to,
                        progress: mine.map(|r| r.progress).or(match to {
                            crate::deployments::domain::TargetState::Pending => Some(0),
                            _ => None,
                        }),
                        message: mine.map(|r| r.message),
                        last_report: mine.map(|r| r.fingerprint),
                        version,
                        now: &at,
                    },
                )
                .await?;
                if mine.is_some() {
                    touched = None;
                }
                let name = t.cluster_name.as_deref().unwrap_or("?");
                let detail = mine
                    .map(|r| format!(" ({}%) {}", r.progress, r.message))
                    .unwrap_or_default();
                audit::record(
                    &mut *tx,
                    &caller.origin,
                    Some(actor),
                    "deployment.target",
                    Some(&key),
                    Some(&format!("{name} {from}")),
                    Some(&format!("{name} {to}{detail}")),
                )
                .await?;
            }
            Change::Ring {
                ring,
                state: s,
                bake_ends_at,
            } => {
                let r = &d.rings[*ring];
                store::set_ring(&mut *tx, r.id, *s, bake_ends_at.map(rfc3339).as_deref()).await?;
                audit::record(
                    &mut *tx,
                    &caller.origin,
                    Some(actor),
                    "deployment.ring",
                    Some(&key),
                    Some(&format!("ring '{}' {}", r.name, r.state)),
                    Some(&format!("ring '{}' {s}", r.name)),
                )
                .await?;
            }
            Change::Deployment(s) => state = Some(*s),
            Change::Note(n) => note = Some(n.clone()),
        }
    }
    // A report that changed no state (progress only) still records its
    // progress on the target, and on the audit trail (and so the timeline)
    // when it reaches another tenth: a pipeline reporting every percent adds
    // ten rows a target, not a hundred.
    if let (Some(id), Some(r)) = (touched, report.as_ref()) {
        let t = d
            .targets
            .iter()
            .flatten()
            .find(|t| t.id == id)
            .expect("the reported target");
        let name = t.cluster_name.as_deref().unwrap_or("?");
        if r.progress / 10 != t.progress / 10 {
            audit::record(
                &mut *tx,
                &caller.origin,
                Some(actor),
                "deployment.progress",
                Some(&key),
                Some(&format!("{name} {}%", t.progress)),
                Some(&format!("{name} {}% {}", r.progress, r.message)),
            )
            .await?;
        }
        store::set_target(
            &mut *tx,
            &TargetUpdate {
                id,
                state: t.state,
                progress: Some(r.progress),
                message: Some(r.message),
                last_report: Some(r.fingerprint),
                version,
                now: &at,
            },
        )
        .await?;
    }
    let note_ref = note.as_ref().map(|n| n.as_deref());
    if store::bump(&mut *tx, d.row.id, d.row.version, state, note_ref, &at).await? != 1 {
        return Err(AppError::Conflict(format!(
            "{key} changed at the same moment; reload and try again"
        )));
    }
    if let Some(s) = state.filter(|s| *s != d.row.state) {
        audit::record(
            &mut *tx,
            &caller.origin,
            Some(actor),
            "deployment.state",
            Some(&key),
            Some(d.row.state.as_str()),
            Some(s.as_str()),
        )
        .await?;
        if s.is_final() {
            effects::on_finish(db, tx, caller, d, s).await?;
        }
        super::events::moved(db, tx, d.row.id, d.row.state, s).await?;
    }
    Ok(version)
}

/// Start, pause, resume, roll back or cancel a deployment at the version the caller saw.
pub async fn act(
    db: &Db,
    caller: &Caller,
    key: &str,
    action: DeploymentAction,
    version: Option<i64>,
) -> AppResult<Deployment> {
    caller.require(Role::Operator)?;
    let id = parse(key)?;
    let version = version.ok_or_else(|| AppError::invalid("version", "version is required"))?;
    let now = db.clock().now();
    // The snapshot before the transaction (see `gate_of`).
    let snap = fleet::snapshot(db).await?;
    let mut tx = db.begin_write().await?;
    let d = load(&mut tx, id, db.lock_rows()).await?;
    if d.row.version != version {
        return Err(AppError::Conflict(format!(
            "{key} changed since you saw it (now version {}, {})",
            d.row.version, d.row.state
        )));
    }
    let model = d.model();
    let mut changes = engine::act(&model, action).map_err(AppError::Conflict)?;
    if action == DeploymentAction::Rollback {
        effects::can_walk_back(&mut tx, &d).await?;
    }
    if matches!(action, DeploymentAction::Start | DeploymentAction::Resume) {
        let next = model.clone().applied(&changes);
        changes.extend(advance(&snap, &mut tx, &d, &next, now).await?);
    }
    apply(db, &mut tx, caller, &d, &changes, None, now).await?;
    // Read inside the transaction: an answer that failed after the commit
    // would say 503 about a change that was made.
    let done = super::model::load(&mut tx, id, "").await?.deployment();
    tx.commit().await?;
    Ok(done)
}

/// Takes automation's report of one target. A repeat of the target's last
/// report (or of an `Idempotency-Key` already taken) answers with the
/// deployment as it is and changes nothing; a report is stale (409) only if
/// its target or the deployment's state changed after the version it carries.
pub async fn report(
    db: &Db,
    caller: &Caller,
    key: &str,
    target: i64,
    input: &TargetReport,
    idempotency_key: Option<&str>,
) -> AppResult<Deployment> {
    caller.require(Role::Operator)?;
    let id = parse(key)?;
    let state = Report::parse(
        input
            .state
            .as_deref()
            .ok_or_else(|| AppError::invalid("state", "state is required"))?,
    )
    .map_err(|m| AppError::invalid("state", m))?;
    let progress = match input.progress {
        Some(p @ 0..=100) => p,
        Some(_) => return Err(AppError::invalid("progress", "progress is from 0 to 100")),
        None if matches!(state, Report::Succeeded | Report::RolledBack) => 100,
        None => 0,
    };
    let message = input.message.trim();
    if message.chars().count() > 500 {
        return Err(AppError::invalid(
            "message",
            "message is at most 500 characters",
        ));
    }
    let version = input
        .version
        .ok_or_else(|| AppError::invalid("version", "version is required"))?;
    if let Some(k) = idempotency_key {
        if k.is_empty() || k.len() > 100 || !k.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AppError::invalid(
                "Idempotency-Key",
                "an Idempotency-Key is 1–100 printable characters",
            ));
        }
    }
    let fingerprint = format!("{state}|{progress}|{message}");
    let now = db.clock().now();
    let mut tx = db.begin_write().await?;
    if let Some(k) = idempotency_key {
        if let Some((d, t)) = store::find_report_key(&mut *tx, k).await? {
            if (d, t) != (id, target) {
                return Err(AppError::Conflict(
                    "that Idempotency-Key was used for another target".into(),
                ));
            }
            drop(tx);
            return super::service::load_one(db, id).await;
        }
    }
    let d = load(&mut tx, id, db.lock_rows()).await?;
    let (r, t) = d
        .target(target)
        .ok_or_else(|| AppError::NotFound(format!("{key} has no target {target}")))?;
    let row = &d.targets[r][t];
    if row.last_report.as_deref() == Some(fingerprint.as_str()) {
        drop(tx);
        return super::service::load_one(db, id).await;
    }
    if row.changed_version > version || d.row.state_version > version {
        return Err(AppError::Conflict(format!(
            "{key} changed after version {version}: it is {} (version {}) and target {target} is {}",
            d.row.state, d.row.version, row.state
        )));
    }
    let model = d.model();
    // A progress report on a running target changes no state.
    let changes = if (state, row.state)
        == (
            Report::InProgress,
            crate::deployments::domain::TargetState::InProgress,
        )
        && d.row.state == DeploymentState::InProgress
    {
        Vec::new()
    } else {
        engine::report(&model, target, state, message, now).map_err(AppError::Conflict)?
    };
    let detail = ReportDetail {
        target,
        progress,
        message,
        fingerprint: &fingerprint,
    };
    apply(db, &mut tx, caller, &d, &changes, Some(detail), now).await?;
    if let Some(k) = idempotency_key {
        store::insert_report_key(&mut *tx, k, id, target, &rfc3339(now)).await?;
    }
    // Read inside the transaction: an answer that failed after the commit
    // would say 503 about a change that was made.
    let done = super::model::load(&mut tx, id, "").await?.deployment();
    tx.commit().await?;
    Ok(done)
}
