//! Importing clusters from CSV: the columns of the export (`/clusters.csv`),
//! checked line by line, then planned against the fleet as it is.
//!
//! Pure domain code: the server reads the file and the fleet, this decides.
//! Here each line is read; `planning` sets the lines against the fleet,
//! `report` says what was (or would be) done.
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

use serde::{Deserialize, Serialize};

use super::codes::{ClusterLifecycle, Family, RegionCode, SkuCode};

mod planning;
mod report;
#[cfg(test)]
mod tests;

pub use planning::{plan, Change, Create, Existing, Fleet, Plan};
pub use report::{ImportHold, ImportReport, RowChange};

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
