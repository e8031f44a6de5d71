//! The SQL of CSV imports: the fleet as an import reads it, the import record
//! and its holds, and the writes of an import (clusters with their ids, ledger
//! changes). Only `ledger.rs` writes through these; `import.rs` reads.

use sqlx::{Any, AnyConnection, Executor, FromRow};

use super::load_sql::{values_placeholders, INSERT_CHUNK};
use crate::fleet::codes::ClusterLifecycle;
use crate::fleet::import::{Change, Create};

/// A cluster as an import reads it, with the units earlier imports hold on it.
#[derive(Debug, Clone, FromRow)]
pub struct ClusterForImport {
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
    pub held_by_imports: i64,
}

/// Every cluster with its import holds summed.
pub async fn clusters_for_import<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<ClusterForImport>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.name, c.region, c.zone, c.sku, c.lifecycle, c.total, c.allocated, \
                c.reserved, c.out_of_service, COALESCE(h.units, 0) AS held_by_imports \
         FROM clusters c LEFT JOIN (SELECT cluster_id, CAST(SUM(units) AS BIGINT) AS units \
                                    FROM import_holds GROUP BY cluster_id) h ON h.cluster_id = c.id \
         ORDER BY c.id",
    )
    .fetch_all(ex)
    .await
}

/// The region codes and the SKUs with their families.
pub async fn catalogue(
    conn: &mut AnyConnection,
) -> Result<(Vec<String>, Vec<(String, String)>), sqlx::Error> {
    let regions: Vec<(String,)> = sqlx::query_as("SELECT code FROM regions")
        .fetch_all(&mut *conn)
        .await?;
    let skus: Vec<(String, String)> = sqlx::query_as("SELECT code, family FROM skus")
        .fetch_all(&mut *conn)
        .await?;
    Ok((regions.into_iter().map(|(r,)| r).collect(), skus))
}

/// On PostgreSQL, no other transaction writes clusters until this one ends
/// (reads go on): the import's plan holds for the fleet it read.
pub async fn lock_clusters(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::query("LOCK TABLE clusters IN EXCLUSIVE MODE")
        .execute(conn)
        .await?;
    Ok(())
}

/// On PostgreSQL, the id sequence moves past ids an import gave explicitly.
pub async fn advance_cluster_ids(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::query(
        "SELECT setval(pg_get_serial_sequence('clusters', 'id'), \
                GREATEST((SELECT MAX(id) FROM clusters), 1))",
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Inserts the clusters an import creates, with their ids.
pub async fn insert_clusters_with_ids(
    conn: &mut AnyConnection,
    creates: &[Create],
) -> Result<(), sqlx::Error> {
    for chunk in creates.chunks(INSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO clusters (id, name, region, zone, sku, lifecycle, total, allocated, reserved, out_of_service) VALUES {}",
            values_placeholders(chunk.len(), 10)
        );
        let mut q = sqlx::query(&sql);
        for c in chunk {
            let r = &c.row;
            q = q
                .bind(c.id)
                .bind(&r.name)
                .bind(r.region.as_str())
                .bind(r.zone)
                .bind(r.sku.as_str())
                .bind(r.lifecycle)
                .bind(r.total)
                .bind(r.allocated)
                .bind(r.reserved)
                .bind(r.out_of_service);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Sets a cluster's lifecycle and ledger to the import's, if they are still
/// what the plan read; returns rows affected.
pub async fn update_cluster_ledger(
    conn: &mut AnyConnection,
    change: &Change,
) -> Result<u64, sqlx::Error> {
    let (r, b) = (&change.row, &change.before);
    Ok(sqlx::query(
        "UPDATE clusters SET lifecycle = $1, total = $2, allocated = $3, reserved = $4, out_of_service = $5 \
         WHERE id = $6 AND lifecycle = $7 AND total = $8 AND allocated = $9 AND reserved = $10 AND out_of_service = $11",
    )
    .bind(r.lifecycle)
    .bind(r.total)
    .bind(r.allocated)
    .bind(r.reserved)
    .bind(r.out_of_service)
    .bind(b.id)
    .bind(b.lifecycle)
    .bind(b.total)
    .bind(b.allocated)
    .bind(b.reserved)
    .bind(b.out_of_service)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Adds the import record; returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn insert_import(
    conn: &mut AnyConnection,
    at: &str,
    actor: &str,
    file_name: &str,
    rows: i64,
    created: i64,
    changed: i64,
    held_units: i64,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO fleet_imports (at, actor, file_name, rows_read, created, changed, held_units) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(at)
    .bind(actor)
    .bind(file_name)
    .bind(rows)
    .bind(created)
    .bind(changed)
    .bind(held_units)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Drops every import hold on a cluster; returns rows affected.
pub async fn delete_holds_on(conn: &mut AnyConnection, cluster: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM import_holds WHERE cluster_id = $1")
            .bind(cluster)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// Records the units `import` holds on each cluster `(cluster, units)`.
pub async fn insert_holds(
    conn: &mut AnyConnection,
    import: i64,
    holds: &[(i64, i64)],
) -> Result<(), sqlx::Error> {
    for chunk in holds.chunks(INSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO import_holds (import_id, cluster_id, units) VALUES {}",
            values_placeholders(chunk.len(), 3)
        );
        let mut q = sqlx::query(&sql);
        for (cluster, units) in chunk {
            q = q.bind(import).bind(*cluster).bind(*units);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The import holds on one cluster: (import id, when, by whom, units).
pub async fn holds_on<'e>(
    ex: impl Executor<'e, Database = Any>,
    cluster: i64,
) -> Result<Vec<(i64, String, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT i.id, i.at, i.actor, h.units FROM import_holds h \
         JOIN fleet_imports i ON i.id = h.import_id WHERE h.cluster_id = $1 ORDER BY i.id",
    )
    .bind(cluster)
    .fetch_all(ex)
    .await
}
