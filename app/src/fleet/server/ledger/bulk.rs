//! The ledger's whole-fleet writes: a fleet cleared, loaded region by region
//! (the demo seed) or changed by an import's plan. Each recomputes every
//! rollup from its clusters and bumps the fleet version, as the unit moves in
//! `ledger` do one row at a time.

use sqlx::AnyConnection;

use super::super::ledger_sql as sql;
use super::super::{import_sql, load_sql};
use super::{NewCluster, NewHistory};
use crate::db::Db;
use crate::error::{AppError, AppResult};

/// Removes the whole fleet (the demo seed replaces it; requests and notices
/// that point at it must be gone first).
pub async fn clear(tx: &mut AnyConnection) -> AppResult<()> {
    load_sql::delete_fleet(&mut *tx).await?;
    sql::bump_fleet_version(&mut *tx).await?;
    Ok(())
}

/// Adds a SKU to the catalogue.
pub async fn add_sku(
    tx: &mut AnyConnection,
    code: &str,
    family: &str,
    unit: &str,
) -> AppResult<()> {
    load_sql::insert_sku(&mut *tx, code, family, unit).await?;
    Ok(())
}

/// Adds a region with its clusters and history in bulk (multi-row inserts);
/// call `finish_load` once after the last region.
pub async fn load_region(
    tx: &mut AnyConnection,
    region: (&str, &str, &str, &str),
    clusters: &[NewCluster],
    history: &[NewHistory],
) -> AppResult<()> {
    let (code, name, geography, lifecycle) = region;
    load_sql::insert_region(&mut *tx, code, name, geography, lifecycle).await?;
    let clusters: Vec<NewCluster> = clusters
        .iter()
        .cloned()
        .map(NewCluster::placeable)
        .collect();
    load_sql::insert_clusters(&mut *tx, &clusters).await?;
    load_sql::insert_history(&mut *tx, history).await?;
    Ok(())
}

/// After a bulk load: every rollup recomputed from its clusters, the version bumped.
pub async fn finish_load(tx: &mut AnyConnection) -> AppResult<()> {
    load_sql::rebuild_region_sku_ledger(&mut *tx).await?;
    sql::bump_fleet_version(&mut *tx).await?;
    Ok(())
}

/// A region an import creates: code, name, geography.
pub type NewRegion = (String, String, String);

/// Who imported which file, for the import record.
#[derive(Debug, Clone, Copy)]
pub struct ImportBy<'a> {
    pub at: &'a str,
    pub actor: &'a str,
    pub file_name: &'a str,
}

/// Applies an import's plan (`crate::fleet::import::plan`, made on this
/// transaction's read of the fleet): new regions and SKUs, the clusters it
/// creates with their ids, each changed ledger (a conditional update on what
/// the plan read), the import record with the reserved units it holds; every
/// rollup recomputed, today's daily sample taken if missing, and the version
/// bumped. Returns the record's id.
pub async fn apply_import(
    db: &Db,
    tx: &mut AnyConnection,
    plan: &crate::fleet::import::Plan,
    regions: &[NewRegion],
    by: ImportBy<'_>,
) -> AppResult<i64> {
    for (code, name, geography) in regions {
        load_sql::insert_region(&mut *tx, code, name, geography, "active").await?;
    }
    for (code, family) in &plan.new_skus {
        load_sql::insert_sku(
            &mut *tx,
            code.as_str(),
            family.as_str(),
            family.unit().as_str(),
        )
        .await?;
    }
    import_sql::insert_clusters_with_ids(&mut *tx, &plan.creates).await?;
    for change in &plan.changes {
        if import_sql::update_cluster_ledger(&mut *tx, change).await? != 1 {
            return Err(AppError::Conflict(format!(
                "cluster {} changed while the file was read; import it again",
                change.before.id
            )));
        }
    }
    let id = import_sql::insert_import(
        &mut *tx,
        by.at,
        by.actor,
        by.file_name,
        plan.rows as i64,
        plan.creates.len() as i64,
        plan.changes.len() as i64,
        plan.held_units(),
    )
    .await?;
    let mut holds: Vec<(i64, i64)> = plan
        .creates
        .iter()
        .filter(|c| c.row.reserved > 0)
        .map(|c| (c.id, c.row.reserved))
        .collect();
    for change in plan
        .changes
        .iter()
        .filter(|c| c.hold() != c.before.held_by_imports)
    {
        import_sql::delete_holds_on(&mut *tx, change.before.id).await?;
        if change.hold() > 0 {
            holds.push((change.before.id, change.hold()));
        }
    }
    import_sql::insert_holds(&mut *tx, id, &holds).await?;
    if db.backend() == crate::db::Backend::Postgres {
        import_sql::advance_cluster_ids(&mut *tx).await?;
    }
    load_sql::rebuild_region_sku_ledger(&mut *tx).await?;
    // A fleet imported into an empty database has today's sample at once (its
    // trends start here); one already taken today is kept, as always.
    sql::record_daily_sample(&mut *tx, &super::super::history::today(db)).await?;
    sql::bump_fleet_version(&mut *tx).await?;
    Ok(id)
}
