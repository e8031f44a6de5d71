//! The SQL of ledger writes: cluster units, region × SKU rollups, history, the
//! fleet version, bulk loads. Only `ledger.rs` calls these; every other
//! feature changes capacity through its typed API.

use sqlx::{Any, Executor};

/// A cluster to insert.
#[derive(Debug, Clone)]
pub struct NewCluster {
    pub name: String,
    pub region: String,
    pub zone: i64,
    pub sku: String,
    pub lifecycle: crate::fleet::codes::ClusterLifecycle,
    pub total: i64,
    pub allocated: i64,
    pub reserved: i64,
    pub out_of_service: i64,
}

impl NewCluster {
    /// The cluster as stored: when it is not in service, its unallocated,
    /// unreserved units are out of service, so `free` is always placeable.
    pub fn placeable(mut self) -> NewCluster {
        if self.lifecycle != crate::fleet::codes::ClusterLifecycle::InService {
            self.out_of_service = self.total - self.allocated - self.reserved;
        }
        self
    }
}

/// In-service clusters of a region × SKU (and zone) with free units, locked in
/// id order (a consistent lock order avoids deadlocks between approvers).
pub async fn placement_candidates<'e>(
    ex: impl Executor<'e, Database = Any>,
    region: &str,
    sku: &str,
    zone: Option<i64>,
    lock: &str,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT id, free FROM clusters WHERE region = $1 AND sku = $2 AND ($3 IS NULL OR zone = $3) \
         AND lifecycle = 'in_service' AND free > 0 ORDER BY id{lock}"
    ))
    .bind(region)
    .bind(sku)
    .bind(zone)
    .fetch_all(ex)
    .await
}

/// Clusters of a region × SKU (and zone) with allocated units, locked in id
/// order: where a deprovision gives units back.
pub async fn allocation_candidates<'e>(
    ex: impl Executor<'e, Database = Any>,
    region: &str,
    sku: &str,
    zone: Option<i64>,
    lock: &str,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT id, allocated FROM clusters WHERE region = $1 AND sku = $2 AND ($3 IS NULL OR zone = $3) \
         AND allocated > 0 ORDER BY id{lock}"
    ))
    .bind(region)
    .bind(sku)
    .bind(zone)
    .fetch_all(ex)
    .await
}

/// Moves `units` of a cluster between ledger columns, only if they are there:
/// `free` → `reserved` (reserve), `reserved` → free (release), `reserved` →
/// `allocated` (fulfil), `allocated` → free (deprovision). Units that become
/// unreserved and unallocated in a cluster that is not in service go to
/// `out_of_service` instead of `free` (free is always placeable).
/// `None` when the units were not there; else whether they were parked so.
pub async fn shift_units<'e>(
    ex: impl Executor<'e, Database = Any>,
    cluster: i64,
    units: i64,
    shift: Shift,
) -> Result<Option<bool>, sqlx::Error> {
    const PARK: &str =
        "out_of_service = out_of_service + CASE WHEN lifecycle = 'in_service' THEN 0 ELSE $1 END";
    let sql = match shift {
        Shift::Reserve => "UPDATE clusters SET reserved = reserved + $1 WHERE id = $2 AND free >= $1 RETURNING lifecycle".to_owned(),
        Shift::Release => format!("UPDATE clusters SET reserved = reserved - $1, {PARK} WHERE id = $2 AND reserved >= $1 RETURNING lifecycle"),
        Shift::Fulfill => "UPDATE clusters SET reserved = reserved - $1, allocated = allocated + $1 WHERE id = $2 AND reserved >= $1 RETURNING lifecycle".to_owned(),
        Shift::Return => format!("UPDATE clusters SET allocated = allocated - $1, {PARK} WHERE id = $2 AND allocated >= $1 RETURNING lifecycle"),
    };
    let lifecycle: Option<(String,)> = sqlx::query_as(&sql)
        .bind(units)
        .bind(cluster)
        .fetch_optional(ex)
        .await?;
    Ok(lifecycle.map(|(l,)| matches!(shift, Shift::Release | Shift::Return) && l != "in_service"))
}

/// How units move in a cluster's ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shift {
    Reserve,
    Release,
    Fulfill,
    Return,
}

/// Applies the same shift to the region × SKU rollup, in the same transaction.
pub async fn shift_rollup<'e>(
    ex: impl Executor<'e, Database = Any>,
    region: &str,
    sku: &str,
    units: i64,
    shift: Shift,
) -> Result<u64, sqlx::Error> {
    let sql = match shift {
        Shift::Reserve => "UPDATE region_sku_ledger SET reserved = reserved + $1 WHERE region = $2 AND sku = $3",
        Shift::Release => "UPDATE region_sku_ledger SET reserved = reserved - $1 WHERE region = $2 AND sku = $3",
        Shift::Fulfill => "UPDATE region_sku_ledger SET reserved = reserved - $1, allocated = allocated + $1 WHERE region = $2 AND sku = $3",
        Shift::Return => "UPDATE region_sku_ledger SET allocated = allocated - $1 WHERE region = $2 AND sku = $3",
    };
    Ok(sqlx::query(sql)
        .bind(units)
        .bind(region)
        .bind(sku)
        .execute(ex)
        .await?
        .rows_affected())
}

/// Records `day`'s sample of every region × SKU; a sample already taken is kept.
pub async fn record_daily_sample<'e>(
    ex: impl Executor<'e, Database = Any>,
    day: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO ledger_history (region, sku, day, total, allocated, reserved, out_of_service) \
         SELECT region, sku, $1, total, allocated, reserved, out_of_service FROM region_sku_ledger WHERE true \
         ON CONFLICT (region, sku, day) DO NOTHING",
    )
    .bind(day)
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}

/// Marks the fleet changed; call inside the transaction that changed it.
pub async fn bump_fleet_version<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE fleet_version SET version = version + 1 WHERE id = 1")
        .execute(ex)
        .await?;
    Ok(())
}

/// One cluster as stored, for a write that needs its ledger first.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClusterLedgerRow {
    pub region: String,
    pub sku: String,
    pub lifecycle: crate::fleet::codes::ClusterLifecycle,
    pub total: i64,
    pub allocated: i64,
    pub reserved: i64,
    pub out_of_service: i64,
}

/// A cluster's ledger, locked for the rest of the transaction when `lock` is set.
pub async fn find_cluster_ledger<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    lock: &str,
) -> Result<Option<ClusterLedgerRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT region, sku, lifecycle, total, allocated, reserved, out_of_service \
         FROM clusters WHERE id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(ex)
    .await
}

/// Inserts one cluster, under `id` when given (a cluster coming back); returns its id.
pub async fn insert_cluster<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: Option<i64>,
    c: &NewCluster,
) -> Result<i64, sqlx::Error> {
    let (column, value) = if id.is_some() {
        ("id, ", "$10, ")
    } else {
        ("", "")
    };
    let sql = format!(
        "INSERT INTO clusters ({column}name, region, zone, sku, lifecycle, total, allocated, reserved, out_of_service) \
         VALUES ({value}$1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
    );
    let mut q = sqlx::query_as(&sql)
        .bind(&c.name)
        .bind(&c.region)
        .bind(c.zone)
        .bind(&c.sku)
        .bind(c.lifecycle)
        .bind(c.total)
        .bind(c.allocated)
        .bind(c.reserved)
        .bind(c.out_of_service);
    if let Some(id) = id {
        q = q.bind(id);
    }
    let (id,): (i64,) = q.fetch_one(ex).await?;
    Ok(id)
}

/// Whether a cluster holds `id` or is named `name`: (id taken, name taken).
pub async fn cluster_taken<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    name: &str,
) -> Result<(bool, bool), sqlx::Error> {
    let (id_taken, name_taken): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(CASE WHEN id = $1 THEN 1 END), COUNT(CASE WHEN name = $2 THEN 1 END) \
         FROM clusters WHERE id = $1 OR name = $2",
    )
    .bind(id)
    .bind(name)
    .fetch_one(ex)
    .await?;
    Ok((id_taken > 0, name_taken > 0))
}

/// Deletes a cluster that holds no allocation or reservation; returns rows affected.
pub async fn delete_idle_cluster<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM clusters WHERE id = $1 AND allocated = 0 AND reserved = 0")
            .bind(id)
            .execute(ex)
            .await?
            .rows_affected(),
    )
}

/// Sets a cluster's lifecycle and out-of-service units, if its ledger is still
/// what the caller read (`expected_oos`); returns rows affected.
pub async fn set_cluster_lifecycle<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    lifecycle: crate::fleet::codes::ClusterLifecycle,
    out_of_service: i64,
    expected_oos: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE clusters SET lifecycle = $1, out_of_service = $2 WHERE id = $3 AND out_of_service = $4",
    )
    .bind(lifecycle)
    .bind(out_of_service)
    .bind(id)
    .bind(expected_oos)
    .execute(ex)
    .await?
    .rows_affected())
}

/// Change to a region × SKU rollup (negative to take away).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RollupDelta {
    pub clusters: i64,
    pub total: i64,
    pub allocated: i64,
    pub reserved: i64,
    pub out_of_service: i64,
}

/// Adds `d` to a region × SKU rollup, creating it for the pair's first cluster.
/// (An update first: an insert's row is checked before its conflict is, so a
/// negative change must never be offered as a new row.)
pub async fn add_to_rollup(
    tx: &mut sqlx::AnyConnection,
    region: &str,
    sku: &str,
    d: RollupDelta,
) -> Result<(), sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE region_sku_ledger SET clusters = clusters + $1, total = total + $2, \
         allocated = allocated + $3, reserved = reserved + $4, out_of_service = out_of_service + $5 \
         WHERE region = $6 AND sku = $7",
    )
    .bind(d.clusters)
    .bind(d.total)
    .bind(d.allocated)
    .bind(d.reserved)
    .bind(d.out_of_service)
    .bind(region)
    .bind(sku)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        sqlx::query(
            "INSERT INTO region_sku_ledger (region, sku, clusters, total, allocated, reserved, out_of_service) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(region)
        .bind(sku)
        .bind(d.clusters)
        .bind(d.total)
        .bind(d.allocated)
        .bind(d.reserved)
        .bind(d.out_of_service)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// (region, sku) pairs whose rollup differs from the sum of their clusters
/// (the invariant check; empty when the ledger is consistent).
pub async fn rollup_mismatches<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT COALESCE(r.region, c.region), COALESCE(r.sku, c.sku) FROM region_sku_ledger r \
         FULL OUTER JOIN (SELECT region, sku, COUNT(*) AS n, CAST(SUM(total) AS BIGINT) AS t, \
                CAST(SUM(allocated) AS BIGINT) AS a, CAST(SUM(reserved) AS BIGINT) AS r, \
                CAST(SUM(out_of_service) AS BIGINT) AS o FROM clusters GROUP BY region, sku) c \
           ON c.region = r.region AND c.sku = r.sku \
         WHERE r.region IS NULL \
            OR (c.region IS NULL AND (r.clusters <> 0 OR r.total <> 0 OR r.allocated <> 0 \
                OR r.reserved <> 0 OR r.out_of_service <> 0)) \
            OR r.clusters <> c.n OR r.total <> c.t OR r.allocated <> c.a OR r.reserved <> c.r \
            OR r.out_of_service <> c.o",
    )
    .fetch_all(ex)
    .await
}

/// Clusters whose ledger breaks its invariant — a field below zero, or
/// allocated + reserved + out of service above total (so free below zero) —
/// as (id, name). The schema's CHECKs refuse such rows; this is the check's
/// second opinion (a restored or hand-edited database).
pub async fn ledger_violations<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name FROM clusters \
         WHERE total < 0 OR allocated < 0 OR reserved < 0 OR out_of_service < 0 \
            OR allocated + reserved + out_of_service > total ORDER BY id",
    )
    .fetch_all(ex)
    .await
}
