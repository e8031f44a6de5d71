//! Importing clusters from CSV: the columns of the export (`/clusters.csv`),
//! checked line by line, then planned against the fleet as it is.
//!
//! Pure domain code: the server reads the file and the fleet, this decides.
//!
//! - A row whose `id` names a cluster changes that cluster; a row with an `id`
//!   that names none creates a cluster with that id (so an export imported
//!   into an empty database exports identically); a row without an `id` is
//!   matched by `name`, or creates a cluster with the next free id.
//! - A cluster keeps its name, region, zone and SKU: an import changes its
//!   lifecycle and ledger only. Clusters missing from the file are left alone.
//! - `reserved` units not held by a request's reservation are held by the
//!   import record (shown as such on the cluster, released by an operator).
//! - `family` must be the SKU's (it names a new SKU's family); `free`, when
//!   given, must be what the ledger leaves; `utilization` and `health` follow
//!   from the ledger and the thresholds and are not read.
//! - Any refused line refuses the whole file: an import is all or nothing.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::codes::{ClusterLifecycle, Family, RegionCode, SkuCode};

/// The export's columns, in its order.
pub const COLUMNS: [&str; 14] = [
    "id",
    "name",
    "region",
    "zone",
    "sku",
    "family",
    "lifecycle",
    "total",
    "allocated",
    "reserved",
    "out_of_service",
    "free",
    "utilization",
    "health",
];

/// The columns a file must have (the others may be left out).
const REQUIRED: [&str; 9] = [
    "name",
    "region",
    "zone",
    "sku",
    "lifecycle",
    "total",
    "allocated",
    "reserved",
    "out_of_service",
];

/// The most rows one file may hold (ten times the large demo fleet).
pub const MAX_ROWS: u64 = 1_000_000;
/// The most units any one ledger field may hold.
pub const MAX_UNITS: i64 = 1_000_000_000;
/// The most refused lines a report lists (the rest are counted).
pub const MAX_LISTED: usize = 100;
/// The longest cluster name.
pub const MAX_NAME: usize = 64;

/// A refused line: where (1-based line, the column when one is at fault) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LineError {
    pub line: u64,
    pub column: Option<String>,
    pub message: String,
}

impl LineError {
    pub fn new(line: u64, column: Option<&str>, message: impl Into<String>) -> Self {
        LineError {
            line,
            column: column.map(str::to_owned),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(f, "line {}, column {c}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// Where each known column is in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    at: [Option<usize>; COLUMNS.len()],
}

impl Columns {
    fn get<'a>(&self, column: &str, fields: &[&'a str]) -> Option<&'a str> {
        let i = COLUMNS.iter().position(|c| *c == column)?;
        self.at[i]
            .and_then(|at| fields.get(at).copied())
            .map(str::trim)
    }
}

/// The header line: every name known, none twice, every required one present.
pub fn parse_header(fields: &[&str]) -> Result<Columns, Vec<LineError>> {
    let mut at = [None; COLUMNS.len()];
    let mut errors = Vec::new();
    for (pos, raw) in fields.iter().enumerate() {
        let name = raw.trim().trim_start_matches('\u{feff}');
        match COLUMNS.iter().position(|c| *c == name) {
            Some(i) if at[i].is_some() => errors.push(LineError::new(
                1,
                Some(name),
                format!("the column {name} appears twice"),
            )),
            Some(i) => at[i] = Some(pos),
            None => errors.push(LineError::new(
                1,
                None,
                format!(
                    "'{}' is not a column of the export ({})",
                    crate::shared::text::bounded(name, 40),
                    COLUMNS.join(",")
                ),
            )),
        }
    }
    for name in REQUIRED {
        let i = COLUMNS.iter().position(|c| *c == name).unwrap_or_default();
        if at[i].is_none() {
            errors.push(LineError::new(
                1,
                Some(name),
                format!("the header has no {name} column"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(Columns { at })
    } else {
        Err(errors)
    }
}

/// One line of the file, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub line: u64,
    pub id: Option<i64>,
    pub name: String,
    pub region: RegionCode,
    pub zone: i64,
    pub sku: SkuCode,
    pub family: Option<Family>,
    pub lifecycle: ClusterLifecycle,
    pub total: i64,
    pub allocated: i64,
    pub reserved: i64,
    pub out_of_service: i64,
}

/// A cluster name: 1–64 ASCII letters, digits, `-`, `_` and `.`, starting
/// with a letter or digit (so no spreadsheet reads it as a formula).
pub fn parse_cluster_name(s: &str) -> Result<String, String> {
    let ok = (1..=MAX_NAME).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && s.as_bytes()[0].is_ascii_alphanumeric();
    if ok {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "'{}' is not a cluster name (1–{MAX_NAME} letters, digits, '-', '_' or '.', starting with a letter or digit)",
            crate::shared::text::bounded(s, 80)
        ))
    }
}

fn parse_units(s: &str) -> Result<i64, String> {
    match s.parse::<i64>() {
        Ok(n) if (0..=MAX_UNITS).contains(&n) => Ok(n),
        _ => Err(format!(
            "'{}' is not a number of units (a whole number from 0 to {MAX_UNITS})",
            crate::shared::text::bounded(s, 40)
        )),
    }
}

/// The parsed value, or the refusal recorded against `column`.
fn take<T>(
    errors: &mut Vec<LineError>,
    line: u64,
    column: &str,
    parsed: Option<Result<T, String>>,
) -> Option<T> {
    match parsed {
        Some(Ok(v)) => Some(v),
        Some(Err(message)) => {
            errors.push(LineError::new(line, Some(column), message));
            None
        }
        None => None,
    }
}

/// Parses one data line (`line` is its 1-based line number in the file).
pub fn parse_row(line: u64, cols: &Columns, fields: &[&str]) -> Result<ImportRow, Vec<LineError>> {
    let mut errors = Vec::new();
    let mut field = |column: &'static str| -> Option<&str> {
        let v = cols.get(column, fields).unwrap_or("");
        if v.is_empty() && REQUIRED.contains(&column) {
            errors.push(LineError::new(
                line,
                Some(column),
                format!("{column} is empty"),
            ));
            None
        } else {
            Some(v)
        }
    };
    let id = field("id").filter(|v| !v.is_empty());
    let name = field("name");
    let region = field("region");
    let zone = field("zone");
    let sku = field("sku");
    let family = field("family").filter(|v| !v.is_empty());
    let lifecycle = field("lifecycle");
    let units: Vec<(&str, Option<&str>)> = ["total", "allocated", "reserved", "out_of_service"]
        .into_iter()
        .map(|c| (c, field(c)))
        .collect();
    let free = field("free").filter(|v| !v.is_empty());
    let id = take(
        &mut errors,
        line,
        "id",
        id.map(|v| match v.parse::<i64>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(format!(
                "'{}' is not a cluster id (a whole number from 1)",
                crate::shared::text::bounded(v, 40)
            )),
        }),
    );
    let name = take(&mut errors, line, "name", name.map(parse_cluster_name));
    let region = take(&mut errors, line, "region", region.map(RegionCode::parse));
    let zone = take(
        &mut errors,
        line,
        "zone",
        zone.map(super::codes::parse_zone),
    );
    let sku = take(&mut errors, line, "sku", sku.map(SkuCode::parse));
    let family = take(&mut errors, line, "family", family.map(Family::parse));
    let lifecycle = take(
        &mut errors,
        line,
        "lifecycle",
        lifecycle.map(ClusterLifecycle::parse),
    );
    let units: Vec<Option<i64>> = units
        .into_iter()
        .map(|(c, v)| take(&mut errors, line, c, v.map(parse_units)))
        .collect();
    let free = take(&mut errors, line, "free", free.map(parse_units));
    let (Some(name), Some(region), Some(zone), Some(sku), Some(lifecycle)) =
        (name, region, zone, sku, lifecycle)
    else {
        return Err(errors);
    };
    let [Some(total), Some(allocated), Some(reserved), Some(out_of_service)] = units[..] else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let used = allocated + reserved + out_of_service;
    if used > total {
        errors.push(LineError::new(
            line,
            Some("total"),
            format!("allocated + reserved + out_of_service ({used}) exceeds total ({total})"),
        ));
    } else if lifecycle != ClusterLifecycle::InService && used != total {
        errors.push(LineError::new(
            line,
            Some("out_of_service"),
            format!(
                "a cluster in {lifecycle} keeps its unused units out of service: out_of_service must be {}",
                total - allocated - reserved
            ),
        ));
    } else if let Some(free) = free.filter(|f| *f != total - used) {
        errors.push(LineError::new(
            line,
            Some("free"),
            format!(
                "free is {free}, but total − allocated − reserved − out_of_service is {}",
                total - used
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ImportRow {
        line,
        id,
        name,
        region,
        zone,
        sku,
        family,
        lifecycle,
        total,
        allocated,
        reserved,
        out_of_service,
    })
}

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

/// Reserved units an import holds on a cluster (shown on its page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportHold {
    pub import: i64,
    /// UTC, RFC 3339.
    pub at: String,
    pub actor: String,
    pub units: i64,
}

/// One created or changed cluster, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RowChange {
    pub line: u64,
    pub id: i64,
    pub name: String,
    /// `create` or `change`.
    pub action: String,
    /// For a change, what changes ("total 96 → 128").
    pub detail: String,
}

/// What an import did (or, on a dry run or when refused, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub dry_run: bool,
    /// Whether the fleet changed (false on a dry run or when any line was refused).
    pub applied: bool,
    /// The import record's id, when applied.
    pub import: Option<i64>,
    pub rows: u64,
    pub created: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub regions_created: Vec<String>,
    pub skus_created: Vec<String>,
    /// Reserved units held by the import record (not by any request).
    pub held_units: i64,
    /// The first refused lines (`MAX_LISTED` at most).
    pub errors: Vec<LineError>,
    /// How many lines were refused in all.
    pub error_count: u64,
    /// The first clusters created or changed (`MAX_LISTED` at most).
    pub samples: Vec<RowChange>,
}

impl ImportReport {
    /// The report of `plan` (not yet applied).
    pub fn of(plan: &Plan, dry_run: bool) -> ImportReport {
        let samples = plan
            .creates
            .iter()
            .map(|c| RowChange {
                line: c.row.line,
                id: c.id,
                name: c.row.name.clone(),
                action: "create".into(),
                detail: String::new(),
            })
            .chain(plan.changes.iter().map(|c| RowChange {
                line: c.row.line,
                id: c.before.id,
                name: c.row.name.clone(),
                action: "change".into(),
                detail: c.describe(),
            }))
            .take(MAX_LISTED)
            .collect();
        ImportReport {
            dry_run,
            applied: false,
            import: None,
            rows: plan.rows,
            created: plan.creates.len() as u64,
            changed: plan.changes.len() as u64,
            unchanged: plan.unchanged,
            regions_created: plan.new_regions.iter().map(|r| r.to_string()).collect(),
            skus_created: plan.new_skus.iter().map(|(s, _)| s.to_string()).collect(),
            held_units: plan.held_units(),
            errors: plan.errors.clone(),
            error_count: plan.error_count,
            samples,
        }
    }

    /// The report in a few lines (what the CLI prints).
    pub fn summary(&self) -> String {
        let verb = if self.applied {
            "imported"
        } else if self.dry_run && self.error_count == 0 {
            "dry run, nothing changed; would import"
        } else {
            "refused, nothing changed; read"
        };
        let mut out = format!(
            "{verb} {} rows: {} created, {} changed, {} unchanged",
            self.rows, self.created, self.changed, self.unchanged
        );
        if !self.regions_created.is_empty() {
            out.push_str(&format!(
                "; new regions {}",
                self.regions_created.join(", ")
            ));
        }
        if !self.skus_created.is_empty() {
            out.push_str(&format!("; new SKUs {}", self.skus_created.join(", ")));
        }
        if self.held_units > 0 {
            let by = self
                .import
                .map(|id| format!("import {id}"))
                .unwrap_or_else(|| "the import".into());
            out.push_str(&format!(
                "; {} reserved units held by {by}",
                self.held_units
            ));
        }
        if self.error_count > 0 {
            out.push_str(&format!("\n{} line(s) refused:", self.error_count));
            for e in &self.errors {
                out.push_str(&format!("\n  {e}"));
            }
            if self.error_count > self.errors.len() as u64 {
                out.push_str(&format!(
                    "\n  … and {} more",
                    self.error_count - self.errors.len() as u64
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "id,name,region,zone,sku,family,lifecycle,total,allocated,reserved,out_of_service,free,utilization,health";

    fn header() -> Columns {
        let fields: Vec<&str> = HEADER.split(',').collect();
        parse_header(&fields).expect("the export's header")
    }

    fn row(line: u64, text: &str) -> Result<ImportRow, Vec<LineError>> {
        let fields: Vec<&str> = text.split(',').collect();
        parse_row(line, &header(), &fields)
    }

    fn fleet() -> Fleet {
        Fleet {
            clusters: vec![Existing {
                id: 7,
                name: "westus2-a".into(),
                region: "westus2".into(),
                zone: 1,
                sku: "Dv5".into(),
                lifecycle: ClusterLifecycle::InService,
                total: 100,
                allocated: 10,
                reserved: 30,
                out_of_service: 0,
                held_by_requests: 20,
                held_by_imports: 10,
                deployment: None,
            }],
            regions: ["westus2".to_owned()].into(),
            skus: [("Dv5".to_owned(), Family::General)].into(),
        }
    }

    fn planned(lines: &[&str]) -> Plan {
        let rows = lines
            .iter()
            .enumerate()
            .map(|(i, l)| row(i as u64 + 2, l).expect("a valid line"))
            .collect::<Vec<_>>();
        let p = Plan {
            rows: rows.len() as u64,
            ..Plan::default()
        };
        plan(p, rows, &fleet())
    }

    #[test]
    fn the_exports_own_line_parses_with_derived_columns_checked() {
        let r = row(
            2,
            "7,westus2-a,westus2,1,Dv5,general,in_service,100,10,30,0,60,0.4000,constrained",
        )
        .expect("valid");
        assert_eq!((r.id, r.total, r.reserved, r.zone), (Some(7), 100, 30, 1));
        let e = row(
            2,
            "7,westus2-a,westus2,1,Dv5,general,in_service,100,10,30,0,61,,",
        )
        .unwrap_err();
        assert_eq!(e[0].column.as_deref(), Some("free"));
    }

    #[test]
    fn every_bad_field_is_named_with_its_line() {
        let e = row(9, "x,-bad,West US,4,Dv5,general,flying,ten,-1,0,0,,,").unwrap_err();
        let columns: Vec<&str> = e.iter().filter_map(|e| e.column.as_deref()).collect();
        assert_eq!(
            columns,
            [
                "id",
                "name",
                "region",
                "zone",
                "lifecycle",
                "total",
                "allocated"
            ]
        );
        assert!(e.iter().all(|e| e.line == 9));
    }

    #[test]
    fn impossible_ledgers_are_refused() {
        let over = row(3, ",c,westus2,1,Dv5,,in_service,10,5,5,1,,,").unwrap_err();
        assert_eq!(over[0].column.as_deref(), Some("total"));
        // Out of service, a cluster has no free units.
        let idle = row(3, ",c,westus2,1,Dv5,,maintenance,10,5,0,0,,,").unwrap_err();
        assert_eq!(idle[0].column.as_deref(), Some("out_of_service"));
        assert!(idle[0].message.contains("must be 5"));
        assert!(row(3, ",c,westus2,1,Dv5,,maintenance,10,5,0,5,0,,").is_ok());
    }

    #[test]
    fn the_header_names_unknown_and_missing_columns() {
        let e = parse_header(&["id", "name", "colour"]).unwrap_err();
        assert!(e
            .iter()
            .any(|e| e.message.contains("'colour' is not a column")));
        assert!(e.iter().any(|e| e.column.as_deref() == Some("total")));
        assert!(parse_header(&[
            "name",
            "region",
            "zone",
            "sku",
            "lifecycle",
            "total",
            "allocated",
            "reserved",
            "out_of_service"
        ])
        .is_ok());
    }

    #[test]
    fn a_known_id_changes_its_cluster_and_the_import_holds_what_requests_do_not() {
        let p = planned(&["7,westus2-a,westus2,1,Dv5,general,in_service,120,10,50,0,,,"]);
        assert_eq!((p.creates.len(), p.changes.len(), p.error_count), (0, 1, 0));
        assert_eq!(p.changes[0].hold(), 30);
        assert_eq!(p.changes[0].describe(), "total 100 → 120; reserved 30 → 50");
        let same = planned(&["7,westus2-a,westus2,1,Dv5,,in_service,100,10,30,0,,,"]);
        assert_eq!((same.unchanged, same.changes.len()), (1, 0));
    }

    #[test]
    fn a_cluster_keeps_its_identity_and_its_requests_reservations() {
        let p = planned(&["7,westus2-b,eastus,2,Dv5,,in_service,100,10,10,0,,,"]);
        let columns: Vec<&str> = p
            .errors
            .iter()
            .filter_map(|e| e.column.as_deref())
            .collect();
        assert_eq!(columns, ["name", "region", "zone", "reserved"]);
        assert!(p.changes.is_empty());
    }

    #[test]
    fn new_ids_names_regions_and_skus() {
        let p = planned(&[
            "40,eastus-a,eastus,1,NC-A100,gpu,in_service,8,0,2,0,6,,",
            ",westus2-a,westus2,1,Dv5,,in_service,100,10,30,0,,,",
            ",eastus-b,eastus,2,NC-A100,,buildout,8,0,0,8,,,",
        ]);
        assert_eq!(p.error_count, 0, "{:?}", p.errors);
        // Matched by name: the second line is cluster 7, unchanged.
        assert_eq!(p.unchanged, 1);
        let ids: Vec<i64> = p.creates.iter().map(|c| c.id).collect();
        assert_eq!(ids, [40, 41]);
        assert_eq!(p.new_regions, [RegionCode::parse("eastus").unwrap()]);
        assert_eq!(
            p.new_skus,
            [(SkuCode::parse("NC-A100").unwrap(), Family::Gpu)]
        );
        assert_eq!(p.held_units(), 2);
    }

    #[test]
    fn duplicates_and_clashes_are_refused_on_the_later_line() {
        let p = planned(&[
            "8,c1,westus2,1,Dv5,,in_service,1,0,0,0,,,",
            "8,c2,westus2,1,Dv5,,in_service,1,0,0,0,,,",
            "9,c1,westus2,1,Dv5,,in_service,1,0,0,0,,,",
            "10,westus2-a,westus2,1,Dv5,,in_service,1,0,0,0,,,",
            "11,x,westus2,1,Dv5,memory,in_service,1,0,0,0,,,",
            "12,y,westus2,1,Ev9,,in_service,1,0,0,0,,,",
        ]);
        let found: Vec<(u64, &str)> = p
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            found,
            [
                (3, "id"),
                (4, "name"),
                (5, "name"),
                (6, "family"),
                (7, "family")
            ]
        );
    }

    #[test]
    fn a_deployments_cluster_is_changed_only_through_it() {
        let mut f = fleet();
        f.clusters[0].deployment = Some("DEP-4".into());
        let r = row(2, "7,westus2-a,westus2,1,Dv5,,maintenance,100,10,30,60,,,").unwrap();
        let p = plan(Plan::default(), vec![r], &f);
        assert!(p.errors[0].message.contains("DEP-4"));
    }

    #[test]
    fn a_report_lists_a_hundred_refusals_and_counts_the_rest() {
        let mut p = Plan::default();
        p.refuse((0..250).map(|i| LineError::new(i, None, "bad")));
        let r = ImportReport::of(&p, true);
        assert_eq!((r.errors.len(), r.error_count), (MAX_LISTED, 250));
        assert!(r.summary().contains("… and 150 more"));
    }
}
