//! The SQL of bulk loads: a whole fleet at once (the demo seed, imports) in
//! multi-row statements, and the rollups recomputed after. Only `ledger.rs`
//! calls these.

use super::ledger_sql::NewCluster;

/// A day of a region × SKU's history to insert.
#[derive(Debug, Clone)]
pub struct NewHistory {
    pub region: String,
    pub sku: String,
    pub day: String,
    pub total: i64,
    pub allocated: i64,
    pub reserved: i64,
    pub out_of_service: i64,
}

/// `($1, $2, …), (…)` for `rows` rows of `cols` columns.
pub(super) fn values_placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows per multi-row INSERT: well under both engines' bind-parameter limits.
pub(super) const INSERT_CHUNK: usize = 1000;

/// Removes the whole fleet (used by the demo seed, which replaces it).
pub async fn delete_fleet(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    for table in [
        "import_holds",
        "ledger_history",
        "region_sku_ledger",
        "clusters",
        "skus",
        "regions",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn insert_region(
    conn: &mut sqlx::AnyConnection,
    code: &str,
    name: &str,
    geography: &str,
    lifecycle: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO regions (code, name, geography, lifecycle) VALUES ($1, $2, $3, $4)")
        .bind(code)
        .bind(name)
        .bind(geography)
        .bind(lifecycle)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_sku(
    conn: &mut sqlx::AnyConnection,
    code: &str,
    family: &str,
    unit: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO skus (code, family, unit) VALUES ($1, $2, $3)")
        .bind(code)
        .bind(family)
        .bind(unit)
        .execute(conn)
        .await?;
    Ok(())
}

/// Inserts clusters in multi-row statements.
pub async fn insert_clusters(
    conn: &mut sqlx::AnyConnection,
    clusters: &[NewCluster],
) -> Result<(), sqlx::Error> {
    for chunk in clusters.chunks(INSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO clusters (name, region, zone, sku, lifecycle, total, allocated, reserved, out_of_service) VALUES {}",
            values_placeholders(chunk.len(), 9)
        );
        let mut q = sqlx::query(&sql);
        for c in chunk {
            q = q
                .bind(&c.name)
                .bind(&c.region)
                .bind(c.zone)
                .bind(&c.sku)
                .bind(c.lifecycle)
                .bind(c.total)
                .bind(c.allocated)
                .bind(c.reserved)
                .bind(c.out_of_service);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts history samples in multi-row statements.
pub async fn insert_history(
    conn: &mut sqlx::AnyConnection,
    rows: &[NewHistory],
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO ledger_history (region, sku, day, total, allocated, reserved, out_of_service) VALUES {}",
            values_placeholders(chunk.len(), 7)
        );
        let mut q = sqlx::query(&sql);
        for h in chunk {
            q = q
                .bind(&h.region)
                .bind(&h.sku)
                .bind(&h.day)
                .bind(h.total)
                .bind(h.allocated)
                .bind(h.reserved)
                .bind(h.out_of_service);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Recomputes every region × SKU rollup from the clusters (after a bulk load).
pub async fn rebuild_region_sku_ledger(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM region_sku_ledger")
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO region_sku_ledger (region, sku, clusters, total, allocated, reserved, out_of_service) \
         SELECT region, sku, COUNT(*), CAST(SUM(total) AS BIGINT), CAST(SUM(allocated) AS BIGINT), \
                CAST(SUM(reserved) AS BIGINT), CAST(SUM(out_of_service) AS BIGINT) \
         FROM clusters GROUP BY region, sku",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}
