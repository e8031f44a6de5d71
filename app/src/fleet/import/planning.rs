//! An import's lines set against the fleet as it is: created, changed,
//! unchanged or refused.

use std::collections::{HashMap, HashSet};

use super::{ImportRow, LineError, MAX_LISTED};
use crate::fleet::codes::{ClusterLifecycle, Family, RegionCode, SkuCode};

/// A cluster as it is, with what holds its reserved units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub zone: i64,
    pub sku: String,
    pub lifecycle: ClusterLifecycle,
    pub total: i64,
    pub allocated: i64,
    pub reserved: i64,
    pub out_of_service: i64,
    /// Units the reservations of requests hold on it.
    pub held_by_requests: i64,
    /// Units earlier imports hold on it.
    pub held_by_imports: i64,
    /// The deployment still working on it (`DEP-4`), if any.
    pub deployment: Option<String>,
}

/// The fleet as an import sees it.
#[derive(Debug, Clone, Default)]
pub struct Fleet {
    pub clusters: Vec<Existing>,
    pub regions: HashSet<String>,
    pub skus: HashMap<String, Family>,
}

/// A cluster to create, with the units the import holds on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Create {
    pub id: i64,
    pub row: ImportRow,
}

/// A cluster to change, as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub row: ImportRow,
    pub before: Existing,
}

impl Change {
    /// What changes, in words ("total 96 → 128; lifecycle in_service → maintenance").
    pub fn describe(&self) -> String {
        let (r, b) = (&self.row, &self.before);
        let mut parts = Vec::new();
        if r.lifecycle != b.lifecycle {
            parts.push(format!("lifecycle {} → {}", b.lifecycle, r.lifecycle));
        }
        for (what, before, after) in [
            ("total", b.total, r.total),
            ("allocated", b.allocated, r.allocated),
            ("reserved", b.reserved, r.reserved),
            ("out_of_service", b.out_of_service, r.out_of_service),
        ] {
            if before != after {
                parts.push(format!("{what} {before} → {after}"));
            }
        }
        parts.join("; ")
    }

    /// The units the import record holds on the cluster after the change.
    pub fn hold(&self) -> i64 {
        self.row.reserved - self.before.held_by_requests
    }
}

/// What an import does, or why it cannot.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub rows: u64,
    pub creates: Vec<Create>,
    pub changes: Vec<Change>,
    pub unchanged: u64,
    pub new_regions: Vec<RegionCode>,
    pub new_skus: Vec<(SkuCode, Family)>,
    pub errors: Vec<LineError>,
    pub error_count: u64,
}

impl Plan {
    /// Records refused lines, listing the first `MAX_LISTED`.
    pub fn refuse(&mut self, errors: impl IntoIterator<Item = LineError>) {
        for e in errors {
            self.error_count += 1;
            if self.errors.len() < MAX_LISTED {
                self.errors.push(e);
            }
        }
    }

    /// The units the import record will hold, summed.
    pub fn held_units(&self) -> i64 {
        self.creates.iter().map(|c| c.row.reserved).sum::<i64>()
            + self.changes.iter().map(Change::hold).sum::<i64>()
    }
}

/// Plans parsed `rows` against `fleet`; refusals go into `plan` (which may
/// already hold the lines that did not parse).
pub fn plan(mut plan: Plan, rows: Vec<ImportRow>, fleet: &Fleet) -> Plan {
    let by_id: HashMap<i64, &Existing> = fleet.clusters.iter().map(|c| (c.id, c)).collect();
    let by_name: HashMap<&str, i64> = fleet
        .clusters
        .iter()
        .map(|c| (c.name.as_str(), c.id))
        .collect();
    let mut next_id = fleet
        .clusters
        .iter()
        .map(|c| c.id)
        .chain(rows.iter().filter_map(|r| r.id))
        .max()
        .unwrap_or(0);
    let mut seen_ids: HashMap<i64, u64> = HashMap::new();
    let mut seen_names: HashMap<String, u64> = HashMap::new();
    let mut new_skus: HashMap<String, (Family, u64)> = HashMap::new();
    let mut new_regions: Vec<RegionCode> = Vec::new();
    for row in rows {
        let line = row.line;
        let mut errors = Vec::new();
        if let Some(first) = seen_names.insert(row.name.clone(), line) {
            errors.push(LineError::new(
                line,
                Some("name"),
                format!("{} is also on line {first}", row.name),
            ));
        }
        let target = row.id.or_else(|| by_name.get(row.name.as_str()).copied());
        if let Some(id) = target {
            if let Some(first) = seen_ids.insert(id, line) {
                errors.push(LineError::new(
                    line,
                    Some("id"),
                    format!("cluster {id} is also on line {first}"),
                ));
            }
        }
        match fleet.skus.get(row.sku.as_str()) {
            Some(family) if row.family.is_some_and(|f| f != *family) => {
                errors.push(LineError::new(
                    line,
                    Some("family"),
                    format!("{} is a {family} SKU", row.sku),
                ));
            }
            Some(_) => {}
            None => match (row.family, new_skus.get(row.sku.as_str())) {
                (None, None) => errors.push(LineError::new(
                    line,
                    Some("family"),
                    format!("{} is a new SKU: its family is needed", row.sku),
                )),
                (Some(f), Some((first, at))) if f != *first => errors.push(LineError::new(
                    line,
                    Some("family"),
                    format!("{} is a {first} SKU on line {at}", row.sku),
                )),
                (Some(f), None) => {
                    new_skus.insert(row.sku.as_str().to_owned(), (f, line));
                }
                _ => {}
            },
        }
        let before = target.and_then(|id| by_id.get(&id).copied());
        if let Some(b) = before {
            errors.extend(identity_errors(&row, b));
            let same = row.lifecycle == b.lifecycle
                && (row.total, row.allocated, row.reserved, row.out_of_service)
                    == (b.total, b.allocated, b.reserved, b.out_of_service);
            if !same {
                if let Some(dep) = &b.deployment {
                    errors.push(LineError::new(
                        line,
                        None,
                        format!("cluster {} is a target of {dep}, which is still under way: change it through the deployment", b.id),
                    ));
                }
                if row.reserved < b.held_by_requests {
                    errors.push(LineError::new(
                        line,
                        Some("reserved"),
                        format!(
                            "requests hold {} reserved units on cluster {}; reserved cannot be less",
                            b.held_by_requests, b.id
                        ),
                    ));
                }
            }
            if !errors.is_empty() {
                plan.refuse(errors);
            } else if same {
                plan.unchanged += 1;
            } else {
                plan.changes.push(Change {
                    row,
                    before: b.clone(),
                });
            }
            continue;
        }
        if let Some(other) = by_name.get(row.name.as_str()).filter(|_| row.id.is_some()) {
            errors.push(LineError::new(
                line,
                Some("name"),
                format!("{} is already the name of cluster {other}", row.name),
            ));
        }
        if !fleet.regions.contains(row.region.as_str()) && !new_regions.contains(&row.region) {
            new_regions.push(row.region.clone());
        }
        if !errors.is_empty() {
            plan.refuse(errors);
            continue;
        }
        let id = row.id.unwrap_or_else(|| {
            next_id += 1;
            next_id
        });
        plan.creates.push(Create { id, row });
    }
    plan.new_regions = new_regions;
    let mut skus: Vec<(SkuCode, Family)> = new_skus
        .into_iter()
        .filter_map(|(code, (family, _))| SkuCode::parse(&code).ok().map(|c| (c, family)))
        .collect();
    skus.sort();
    plan.new_skus = skus;
    plan
}

/// A cluster keeps its name, region, zone and SKU.
fn identity_errors(row: &ImportRow, b: &Existing) -> Vec<LineError> {
    let mut errors = Vec::new();
    let line = row.line;
    let id = b.id;
    if row.name != b.name {
        errors.push(LineError::new(
            line,
            Some("name"),
            format!(
                "cluster {id} is named {}; an import does not rename clusters",
                b.name
            ),
        ));
    }
    if row.region.as_str() != b.region {
        errors.push(LineError::new(
            line,
            Some("region"),
            format!(
                "cluster {id} is in {}; an import does not move clusters",
                b.region
            ),
        ));
    }
    if row.zone != b.zone {
        errors.push(LineError::new(
            line,
            Some("zone"),
            format!(
                "cluster {id} is in zone {}; an import does not move clusters",
                b.zone
            ),
        ));
    }
    if row.sku.as_str() != b.sku {
        errors.push(LineError::new(
            line,
            Some("sku"),
            format!(
                "cluster {id} is {}; an import does not change a cluster's SKU",
                b.sku
            ),
        ));
    }
    errors
}
