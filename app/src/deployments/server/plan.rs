//! A deployment's plan: checked (every ring and target named when wrong),
//! written (a buildout's clusters created in lifecycle `buildout` — capacity
//! on its way, never free — through the fleet's ledger), and cleared when a
//! planned deployment's plan is replaced.

use sqlx::AnyConnection;

use super::model::Loaded;
use super::store::{self, NewTarget};
use crate::db::Db;
use crate::deployments::domain::{self, Kind, MAX_RINGS, MAX_TARGETS_PER_RING};
use crate::deployments::types::RingInput;
use crate::error::{AppError, AppResult};
use crate::fleet::codes::{parse_zone, ClusterLifecycle, RegionCode, SkuCode};
use crate::fleet::server::ledger::{self, NewCluster};

/// A checked target: a cluster to build, or an existing one.
#[derive(Debug, Clone, PartialEq)]
pub enum PlannedTarget {
    Build {
        zone: i64,
        units: i64,
    },
    Cluster {
        id: i64,
        name: String,
        zone: i64,
        units: i64,
    },
}

/// A checked ring.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRing {
    pub name: String,
    pub bake_minutes: i64,
    pub targets: Vec<PlannedTarget>,
}

fn bad(message: String) -> AppError {
    AppError::invalid("rings", message)
}

/// Checks a plan for a deployment of `kind` in region × SKU.
pub async fn check(
    db: &Db,
    kind: Kind,
    region: &RegionCode,
    sku: &SkuCode,
    rings: &[RingInput],
    replacing: Option<i64>,
) -> AppResult<Vec<PlannedRing>> {
    if rings.is_empty() || rings.len() > MAX_RINGS {
        return Err(bad(format!("a plan has 1 to {MAX_RINGS} rings")));
    }
    // Every named cluster in one read.
    let named: Vec<i64> = rings
        .iter()
        .flat_map(|r| r.targets.iter().filter_map(|t| t.cluster_id))
        .collect();
    let clusters: std::collections::HashMap<i64, crate::fleet::server::store::ClusterRow> =
        crate::fleet::server::store::find_clusters(db.pool(), &named)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(rings.len());
    for (r, ring) in rings.iter().enumerate() {
        let at = |what: &str| format!("rings[{r}]: {what}");
        let name = match ring.name.as_deref().map(str::trim) {
            None | Some("") => format!("ring {}", r + 1),
            Some(n) => domain_text(n, 40).map_err(|m| bad(at(&format!("name {m}"))))?,
        };
        let bake_minutes =
            domain::parse_bake(ring.bake_minutes.unwrap_or(0)).map_err(|m| bad(at(&m)))?;
        if ring.targets.is_empty() || ring.targets.len() > MAX_TARGETS_PER_RING {
            return Err(bad(at(&format!(
                "a ring has 1 to {MAX_TARGETS_PER_RING} targets"
            ))));
        }
        let mut targets = Vec::with_capacity(ring.targets.len());
        for (t, target) in ring.targets.iter().enumerate() {
            let at = |what: &str| format!("rings[{r}].targets[{t}]: {what}");
            targets.push(match (kind, target.cluster_id) {
                (Kind::Buildout, Some(_)) => {
                    return Err(bad(at(
                        "a buildout builds new clusters: give zone and units, not cluster_id",
                    )))
                }
                (Kind::Buildout, None) => {
                    let zone = parse_zone(&target.zone.unwrap_or(0).to_string())
                        .map_err(|m| bad(at(&m)))?;
                    let units =
                        domain::parse_units(target.units.unwrap_or(0)).map_err(|m| bad(at(&m)))?;
                    PlannedTarget::Build { zone, units }
                }
                (_, None) => {
                    return Err(bad(at(&format!(
                        "a {kind} names an existing cluster: give cluster_id"
                    ))))
                }
                (_, Some(id)) => {
                    if !seen.insert(id) {
                        return Err(bad(at(&format!("cluster {id} is named twice"))));
                    }
                    let c = clusters
                        .get(&id)
                        .filter(|c| c.region == region.as_str() && c.sku == sku.as_str())
                        .ok_or_else(|| {
                            bad(at(&format!(
                                "there is no cluster {id} of {sku} in {region}"
                            )))
                        })?;
                    PlannedTarget::Cluster {
                        id,
                        name: c.name.clone(),
                        zone: c.zone,
                        units: c.total,
                    }
                }
            });
        }
        out.push(PlannedRing {
            name,
            bake_minutes,
            targets,
        });
    }
    let ids: Vec<i64> = seen.into_iter().collect();
    // A replanned deployment may keep its own clusters.
    let busy = store::clusters_in_flight(db.pool(), &ids, replacing.unwrap_or(0)).await?;
    if let Some(busy) = busy.first() {
        return Err(AppError::Conflict(format!(
            "cluster {busy} is already in another deployment"
        )));
    }
    Ok(out)
}

fn domain_text(s: &str, max: usize) -> Result<String, String> {
    crate::requests::domain::parse_text(s, max)
}

/// Writes a checked plan for deployment `id`; a buildout's clusters are created
/// (lifecycle `buildout`: their units out of service until their target succeeds).
pub async fn write(
    tx: &mut AnyConnection,
    id: i64,
    region: &RegionCode,
    sku: &SkuCode,
    rings: &[PlannedRing],
) -> AppResult<()> {
    let mut built = 0;
    for (position, ring) in rings.iter().enumerate() {
        let ring_id =
            store::insert_ring(&mut *tx, id, position as i64, &ring.name, ring.bake_minutes)
                .await?;
        for (t, target) in ring.targets.iter().enumerate() {
            let (cluster_id, cluster_name, zone, units) = match target {
                PlannedTarget::Build { zone, units } => {
                    built += 1;
                    let name = format!(
                        "{region}-az{zone}-{}-dep{id}-{built:02}",
                        sku.as_str().to_lowercase()
                    );
                    let cluster = NewCluster {
                        name: name.clone(),
                        region: region.to_string(),
                        zone: *zone,
                        sku: sku.to_string(),
                        lifecycle: ClusterLifecycle::Buildout,
                        total: *units,
                        allocated: 0,
                        reserved: 0,
                        out_of_service: *units,
                    };
                    (
                        Some(ledger::add_cluster(tx, cluster).await?),
                        Some(name),
                        *zone,
                        *units,
                    )
                }
                PlannedTarget::Cluster {
                    id,
                    name,
                    zone,
                    units,
                } => (Some(*id), Some(name.clone()), *zone, *units),
            };
            let row = NewTarget {
                deployment: id,
                ring: ring_id,
                position: t as i64,
                cluster_id,
                cluster_name: cluster_name.as_deref(),
                zone,
                units,
            };
            store::insert_target(&mut *tx, &row).await?;
        }
    }
    Ok(())
}

/// Removes a planned deployment's plan: a buildout's planned clusters leave the ledger.
pub async fn clear(db: &Db, tx: &mut AnyConnection, d: &Loaded) -> AppResult<()> {
    if d.row.kind == Kind::Buildout {
        for cluster in d.targets.iter().flatten().filter_map(|t| t.cluster_id) {
            ledger::remove_cluster(db, tx, cluster).await?;
        }
    }
    store::delete_plan(tx, d.row.id).await?;
    Ok(())
}

/// The plan editor's template applied to its "all targets" text: rings of
/// space-separated targets. A buildout's `zone:units` names its zone; a cluster
/// id takes its cluster's zone, so "the rest of its zone" holds the canary's
/// zone-mates (an id that names no cluster counts as zone 0: saving names it).
pub async fn from_template(
    db: &Db,
    kind: Kind,
    template: &str,
    all: &str,
) -> AppResult<Vec<crate::deployments::types::TemplateRing>> {
    const MAX_TOKENS: usize = MAX_RINGS * MAX_TARGETS_PER_RING;
    let tokens: Vec<&str> = all
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .take(MAX_TOKENS + 1)
        .collect();
    if tokens.len() > MAX_TOKENS {
        return Err(AppError::invalid(
            "all",
            format!("a plan has at most {MAX_TOKENS} targets"),
        ));
    }
    let zoned: Vec<(i64, &str)> = if kind == Kind::Buildout {
        tokens
            .iter()
            .map(|t| {
                let zone = t.split(':').next().and_then(|z| z.parse().ok());
                (zone.unwrap_or(0), *t)
            })
            .collect()
    } else {
        let ids: Vec<i64> = tokens.iter().filter_map(|t| t.parse().ok()).collect();
        let zones: std::collections::HashMap<i64, i64> =
            crate::fleet::server::store::find_clusters(db.pool(), &ids)
                .await?
                .into_iter()
                .map(|c| (c.id, c.zone))
                .collect();
        tokens
            .iter()
            .map(|t| {
                let zone = t.parse().ok().and_then(|id: i64| zones.get(&id).copied());
                (zone.unwrap_or(0), *t)
            })
            .collect()
    };
    let rings = crate::deployments::templates::rings(template, &zoned)
        .map_err(|m| AppError::invalid("all", m))?;
    Ok(rings
        .into_iter()
        .map(
            |(name, bake_minutes, targets)| crate::deployments::types::TemplateRing {
                name,
                bake_minutes,
                targets: targets.join(" "),
            },
        )
        .collect())
}
