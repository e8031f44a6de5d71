//! The deployment lists' reads: a filtered keyset page (in flight first),
//! deployments by state for the scheduler and the pages, per-deployment target
//! sums (one row a deployment, not one a target), and the public summaries of
//! work under way.

use sqlx::{Any, Executor, FromRow};

use super::{id_list, DeploymentRow, DEPLOYMENT_SELECT};
use crate::deployments::domain::{DeploymentState, Kind, TargetState};

/// What the list is filtered by.
pub struct ListWhere<'a> {
    pub state: Option<DeploymentState>,
    pub kind: Option<Kind>,
    pub region: Option<&'a str>,
    /// The keyset cursor: (in flight first: 0 or 1, id below this).
    pub after: Option<(i64, i64)>,
}

/// `DeploymentState::list_rank` in SQL: in flight 0, planned 1, the rest 2.
fn rank_sql() -> String {
    format!(
        "(CASE d.state {} END)",
        DeploymentState::ALL
            .iter()
            .map(|s| format!("WHEN '{s}' THEN {}", s.list_rank()))
            .collect::<Vec<_>>()
            .join(" ")
    )
}

/// The deployments' fingerprint (see `cache`): count, sum of versions, newest
/// id, latest change — one aggregate over the deployments' own rows.
pub async fn fingerprint<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<crate::deployments::server::cache::Fingerprint, sqlx::Error> {
    sqlx::query_as(FINGERPRINT).fetch_one(ex).await
}

/// The fingerprint's statement, for a reader that reads it with more in one
/// statement (as a derived table: `fp_count, fp_versions, fp_newest, fp_changed`).
pub const FINGERPRINT: &str =
    "SELECT COUNT(*) AS fp_count, CAST(COALESCE(SUM(version), 0) AS BIGINT) AS fp_versions, \
     COALESCE(MAX(id), 0) AS fp_newest, COALESCE(MAX(updated_at), '') AS fp_changed FROM deployments";

/// One deployment's version, if it exists: what its page's kept view is
/// checked against (see `cache::DetailCache`).
pub async fn version_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT version FROM deployments WHERE id = $1")
        .bind(id)
        .fetch_optional(ex)
        .await
}

/// A page of deployments: in flight first, then the rest, newest first in each.
pub async fn list_deployments<'e>(
    ex: impl Executor<'e, Database = Any>,
    w: &ListWhere<'_>,
    limit: i64,
) -> Result<Vec<DeploymentRow>, sqlx::Error> {
    let rank = rank_sql();
    sqlx::query_as(&format!(
        "{DEPLOYMENT_SELECT} WHERE ($1 IS NULL OR d.state = $1) AND ($2 IS NULL OR d.kind = $2) \
         AND ($3 IS NULL OR d.region = $3) \
         AND ($4 IS NULL OR {rank} > $4 OR ({rank} = $4 AND d.id < $5)) \
         ORDER BY {rank}, d.id DESC LIMIT $6"
    ))
    .bind(w.state)
    .bind(w.kind)
    .bind(w.region)
    .bind(w.after.map(|a| a.0))
    .bind(w.after.map(|a| a.1))
    .bind(limit)
    .fetch_all(ex)
    .await
}

/// Deployments in one of `states` (the scheduler, the pages' in-flight lists):
/// in flight before planned, oldest first in each.
pub async fn deployments_in<'e>(
    ex: impl Executor<'e, Database = Any>,
    states: &[DeploymentState],
    region: Option<&str>,
    limit: i64,
) -> Result<Vec<DeploymentRow>, sqlx::Error> {
    let states: Vec<String> = states.iter().map(|s| format!("'{}'", s.as_str())).collect();
    // The states are this enum's fixed texts, never user input.
    sqlx::query_as(&format!(
        "{DEPLOYMENT_SELECT} WHERE d.state IN ({}) AND ($1 IS NULL OR d.region = $1) ORDER BY {}, d.id LIMIT $2",
        states.join(", "),
        rank_sql()
    ))
    .bind(region)
    .bind(limit)
    .fetch_all(ex)
    .await
}

/// Per deployment, what its targets add up to: how many, how many succeeded,
/// their units, and how many finished in how many seconds (for the pace) —
/// one row a deployment instead of one a target, for the lists.
#[derive(Debug, Clone, Default, FromRow)]
pub struct TargetStats {
    pub deployment_id: i64,
    pub targets: i64,
    pub done: i64,
    pub units: i64,
    /// Units of targets not started yet, and of those running.
    pub unstarted_units: i64,
    pub running_units: i64,
    pub timed: i64,
    pub timed_seconds: i64,
}

pub async fn target_stats<'e>(
    ex: impl Executor<'e, Database = Any>,
    ids: &[i64],
    seconds: &str,
) -> Result<Vec<TargetStats>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let timed = "started_at IS NOT NULL AND finished_at IS NOT NULL";
    sqlx::query_as(&format!(
        "SELECT deployment_id, COUNT(*) AS targets, \
         CAST(SUM(CASE WHEN state = '{}' THEN 1 ELSE 0 END) AS BIGINT) AS done, \
         CAST(SUM(units) AS BIGINT) AS units, \
         CAST(SUM(CASE WHEN state = '{}' THEN units ELSE 0 END) AS BIGINT) AS unstarted_units, \
         CAST(SUM(CASE WHEN state = '{}' THEN units ELSE 0 END) AS BIGINT) AS running_units, \
         CAST(SUM(CASE WHEN {timed} THEN 1 ELSE 0 END) AS BIGINT) AS timed, \
         CAST(COALESCE(SUM(CASE WHEN {timed} THEN {seconds} END), 0) AS BIGINT) AS timed_seconds \
         FROM deployment_targets WHERE deployment_id IN {} GROUP BY deployment_id",
        TargetState::Succeeded.as_str(),
        TargetState::Pending.as_str(),
        TargetState::InProgress.as_str(),
        id_list(ids)
    ))
    .fetch_all(ex)
    .await
}

/// (region, public summary) of the deployments in flight that have one: what
/// the public status page may say about work under way.
pub async fn public_work<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT region, public_summary FROM deployments \
         WHERE state IN ('in_progress', 'paused', 'rolling_back') AND public_summary IS NOT NULL ORDER BY id",
    )
    .fetch_all(ex)
    .await
}
