//! Reading deployments: rows into the API's `Deployment` and the engine's
//! `Model` (three queries for any number of deployments, never one per row).

use std::collections::HashMap;

use super::store::{self, DeploymentRow, RingRow, TargetRow};
use crate::deployments::domain::{key_of, Kind};
use crate::deployments::engine::{Model, RingModel, TargetModel};
use crate::deployments::types::{Deployment, Ring, Target};
use crate::error::{AppError, AppResult};
use crate::shared::time::rfc3339;

/// One deployment with everything it holds, as stored.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub row: DeploymentRow,
    pub rings: Vec<RingRow>,
    /// Per ring (same order as `rings`), its targets in order.
    pub targets: Vec<Vec<TargetRow>>,
    pub requests: Vec<i64>,
}

fn parse_time(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

impl Loaded {
    /// The engine's view.
    pub fn model(&self) -> Model {
        Model {
            kind: self.row.kind,
            state: self.row.state,
            rings: self
                .rings
                .iter()
                .zip(&self.targets)
                .map(|(r, ts)| {
                    let targets = ts
                        .iter()
                        .map(|t| TargetModel {
                            id: t.id,
                            name: t
                                .cluster_name
                                .clone()
                                .unwrap_or_else(|| format!("target {}", t.id)),
                            state: t.state,
                        })
                        .collect();
                    ring_model(r, targets)
                })
                .collect(),
        }
    }

    /// The API's view.
    pub fn deployment(&self) -> Deployment {
        Deployment {
            key: key_of(self.row.id),
            kind: self.row.kind,
            title: self.row.title.clone(),
            state: self.row.state,
            version: self.row.version,
            region: self.row.region.to_string(),
            sku: self.row.sku.to_string(),
            requests: self
                .requests
                .iter()
                .map(|id| crate::requests::domain::key_of(*id))
                .collect(),
            rings: self
                .rings
                .iter()
                .zip(&self.targets)
                .map(|(r, ts)| Ring {
                    name: r.name.clone(),
                    state: r.state,
                    bake_minutes: r.bake_minutes,
                    bake_ends_at: r.bake_ends_at.clone(),
                    targets: ts
                        .iter()
                        .map(|t| Target {
                            id: t.id,
                            cluster_id: t.cluster_id,
                            cluster: t.cluster_name.clone(),
                            zone: t.zone,
                            units: t.units,
                            state: t.state,
                            progress: t.progress,
                            message: t.message.clone(),
                        })
                        .collect(),
                })
                .collect(),
            owner: self.row.owner.clone(),
            public_summary: self.row.public_summary.clone(),
            note: self.row.note.clone(),
            created_at: self.row.created_at.clone(),
            updated_at: self.row.updated_at.clone(),
        }
    }

    /// The target with this id: (ring index, target index).
    pub fn target(&self, id: i64) -> Option<(usize, usize)> {
        self.targets
            .iter()
            .enumerate()
            .find_map(|(r, ts)| ts.iter().position(|t| t.id == id).map(|t| (r, t)))
    }

    /// How long a target has taken here, on average (ten minutes before any has finished).
    pub fn pace(&self) -> time::Duration {
        let done: Vec<i64> = self
            .targets
            .iter()
            .flatten()
            .filter_map(|t| {
                let (s, f) = (
                    parse_time(t.started_at.as_deref()?)?,
                    parse_time(t.finished_at.as_deref()?)?,
                );
                // Rounded, as `Db::seconds_between` does for the lists.
                Some((f - s).as_seconds_f64().round() as i64)
            })
            .collect();
        pace(done.len() as i64, done.iter().sum())
    }

    /// Units the deployment adds (a buildout) or removes (a decommission).
    pub fn capacity_change(&self) -> i64 {
        capacity_change(
            self.row.kind,
            self.targets.iter().flatten().map(|t| t.units).sum(),
        )
    }

    /// When it should finish, while it runs.
    pub fn eta(&self, now: time::OffsetDateTime) -> Option<String> {
        crate::deployments::progress::eta(&self.model(), now, self.pace()).map(rfc3339)
    }
}

/// The average time of `n` finished targets that took `seconds` in all (ten
/// minutes before any has finished).
fn pace(n: i64, seconds: i64) -> time::Duration {
    match n {
        0 => time::Duration::minutes(10),
        n => time::Duration::seconds(seconds.max(0) / n),
    }
}

/// Units a deployment of `kind` over targets of `units` adds (a buildout) or removes.
fn capacity_change(kind: Kind, units: i64) -> i64 {
    match kind {
        Kind::Buildout => units,
        Kind::Decommission => -units,
        Kind::Rollout => 0,
    }
}

fn ring_model(r: &RingRow, targets: Vec<TargetModel>) -> RingModel {
    RingModel {
        name: r.name.clone(),
        state: r.state,
        bake_minutes: r.bake_minutes,
        bake_ends_at: r.bake_ends_at.as_deref().and_then(parse_time),
        targets,
    }
}

/// A deployment for the lists: its rings and what its targets add up to, not
/// the targets themselves (two queries whatever the plan's size).
pub struct Summary {
    pub row: DeploymentRow,
    pub rings: Vec<RingRow>,
    pub stats: store::TargetStats,
}

impl Summary {
    pub fn capacity_change(&self) -> i64 {
        capacity_change(self.row.kind, self.stats.units)
    }

    /// Units still to come into service (a buildout's targets not yet
    /// succeeded: their clusters are planned capacity, out of service) or to
    /// leave it (a decommission's targets not started: a started one's
    /// cluster is out of service already). Rollouts change nothing for good.
    pub fn still_to_change(&self) -> i64 {
        match self.row.kind {
            Kind::Buildout => self.stats.unstarted_units + self.stats.running_units,
            Kind::Decommission => -self.stats.unstarted_units,
            Kind::Rollout => 0,
        }
    }

    /// When it should finish, while it runs (as `Loaded::eta`: the ETA reads
    /// ring states and the pace, never single targets).
    pub fn eta(&self, now: time::OffsetDateTime) -> Option<String> {
        self.eta_at(now).map(rfc3339)
    }

    /// `eta`, as a time.
    pub fn eta_at(&self, now: time::OffsetDateTime) -> Option<time::OffsetDateTime> {
        let model = Model {
            kind: self.row.kind,
            state: self.row.state,
            rings: self
                .rings
                .iter()
                .map(|r| ring_model(r, Vec::new()))
                .collect(),
        };
        let pace = pace(self.stats.timed, self.stats.timed_seconds);
        crate::deployments::progress::eta(&model, now, pace)
    }

    pub fn list_row(&self) -> crate::deployments::types::DeploymentRow {
        crate::deployments::types::DeploymentRow {
            key: key_of(self.row.id),
            kind: self.row.kind,
            title: self.row.title.clone(),
            state: self.row.state,
            region: self.row.region.to_string(),
            sku: self.row.sku.to_string(),
            targets: self.stats.targets as usize,
            done: self.stats.done as usize,
            units: self.stats.units,
        }
    }
}

/// Loads the summaries of deployments.
pub async fn load_summaries(
    db: &crate::db::Db,
    ex: &mut sqlx::AnyConnection,
    rows: Vec<DeploymentRow>,
) -> AppResult<Vec<Summary>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut rings: HashMap<i64, Vec<RingRow>> = HashMap::new();
    for r in store::rings_of(&mut *ex, &ids).await? {
        rings.entry(r.deployment_id).or_default().push(r);
    }
    let seconds = db.seconds_between("started_at", "finished_at");
    let mut stats: HashMap<i64, store::TargetStats> = store::target_stats(&mut *ex, &ids, &seconds)
        .await?
        .into_iter()
        .map(|s| (s.deployment_id, s))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| Summary {
            rings: rings.remove(&row.id).unwrap_or_default(),
            stats: stats.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

/// Loads deployments with their rings, targets and linked requests.
pub async fn load_many(
    ex: &mut sqlx::AnyConnection,
    rows: Vec<DeploymentRow>,
) -> AppResult<Vec<Loaded>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut rings: HashMap<i64, Vec<RingRow>> = HashMap::new();
    for r in store::rings_of(&mut *ex, &ids).await? {
        rings.entry(r.deployment_id).or_default().push(r);
    }
    let mut targets: HashMap<i64, Vec<TargetRow>> = HashMap::new();
    for t in store::targets_of(&mut *ex, &ids).await? {
        targets.entry(t.ring_id).or_default().push(t);
    }
    let mut requests: HashMap<i64, Vec<i64>> = HashMap::new();
    for (d, r) in store::requests_of(&mut *ex, &ids).await? {
        requests.entry(d).or_default().push(r);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let rings = rings.remove(&row.id).unwrap_or_default();
            let targets = rings
                .iter()
                .map(|r| targets.remove(&r.id).unwrap_or_default())
                .collect();
            Loaded {
                requests: requests.remove(&row.id).unwrap_or_default(),
                row,
                rings,
                targets,
            }
        })
        .collect())
}

/// One deployment, locked for the transaction when `lock` is set.
pub async fn load(ex: &mut sqlx::AnyConnection, id: i64, lock: &str) -> AppResult<Loaded> {
    let row = store::find_deployment(&mut *ex, id, lock)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no deployment {}", key_of(id))))?;
    Ok(load_many(ex, vec![row]).await?.remove(0))
}
