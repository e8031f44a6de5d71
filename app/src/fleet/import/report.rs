//! What an import did, or would do: the report the CLI, the API and the
//! admin page show.

use serde::{Deserialize, Serialize};

use super::{LineError, Plan, MAX_LISTED};

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
