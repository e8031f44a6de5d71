//! The fleet's SQL, one named function per statement. Columns are explicit and
//! sums are cast to BIGINT so both drivers decode them as `i64`.

use sqlx::{Any, Executor, FromRow};

use crate::fleet::ledger::{Health, Thresholds};
use crate::fleet::query::{ClusterQuery, ClusterSort, Cursor};

/// A cluster row as stored.
#[derive(Debug, Clone, FromRow)]
pub struct ClusterRow {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub zone: i64,
    pub sku: String,
    pub family: String,
    pub unit: String,
    pub lifecycle: String,
    pub total: i64,
    pub allocated: i64,
    pub reserved: i64,
    pub out_of_service: i64,
    pub free: i64,
    pub util_bp: i64,
}

/// A region row as stored.
#[derive(Debug, Clone, FromRow)]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub geography: String,
    pub lifecycle: String,
}

/// A SKU row as stored.
#[derive(Debug, Clone, FromRow)]
pub struct SkuRow {
    pub code: String,
    pub family: String,
    pub unit: String,
}

/// Summed units of a group of clusters, with the group's keys.
#[derive(Debug, Clone, FromRow)]
pub struct SumRow {
    pub region: String,
    pub zone: i64,
    pub sku: String,
    pub family: String,
    pub unit: String,
    pub clusters: i64,
    pub total: i64,
    pub allocated: i64,
    pub reserved: i64,
    pub out_of_service: i64,
}

/// One day of summed history: used and serviceable units.
#[derive(Debug, Clone, FromRow)]
pub struct HistoryPoint {
    pub day: String,
    pub label: String,
    pub used: i64,
    pub serviceable: i64,
}

const CLUSTER_COLUMNS: &str =
    "c.id, c.name, c.region, c.zone, c.sku, s.family, s.unit, c.lifecycle, \
     c.total, c.allocated, c.reserved, c.out_of_service, c.free, c.util_bp";

pub async fn list_regions<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<RegionRow>, sqlx::Error> {
    sqlx::query_as("SELECT code, name, geography, lifecycle FROM regions ORDER BY code")
        .fetch_all(ex)
        .await
}

pub async fn find_region<'e>(
    ex: impl Executor<'e, Database = Any>,
    code: &str,
) -> Result<Option<RegionRow>, sqlx::Error> {
    sqlx::query_as("SELECT code, name, geography, lifecycle FROM regions WHERE code = $1")
        .bind(code)
        .fetch_optional(ex)
        .await
}

pub async fn list_skus<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<SkuRow>, sqlx::Error> {
    sqlx::query_as("SELECT code, family, unit FROM skus ORDER BY family, code")
        .fetch_all(ex)
        .await
}

/// Every region × SKU rollup, from the maintained sums.
pub async fn region_sku_sums<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<SumRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.region, 0 AS zone, r.sku, s.family, s.unit, r.clusters, r.total, r.allocated, \
                r.reserved, r.out_of_service \
         FROM region_sku_ledger r JOIN skus s ON s.code = r.sku \
         ORDER BY r.region, r.sku",
    )
    .fetch_all(ex)
    .await
}

/// A region's ledger by zone × SKU, summed from its clusters.
pub async fn zone_sku_sums<'e>(
    ex: impl Executor<'e, Database = Any>,
    region: &str,
) -> Result<Vec<SumRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.region, c.zone, c.sku, s.family, s.unit, COUNT(*) AS clusters, \
                CAST(SUM(c.total) AS BIGINT) AS total, CAST(SUM(c.allocated) AS BIGINT) AS allocated, \
                CAST(SUM(c.reserved) AS BIGINT) AS reserved, CAST(SUM(c.out_of_service) AS BIGINT) AS out_of_service \
         FROM clusters c JOIN skus s ON s.code = c.sku \
         WHERE c.region = $1 \
         GROUP BY c.region, c.zone, c.sku, s.family, s.unit \
         ORDER BY c.zone, s.family, c.sku",
    )
    .bind(region)
    .fetch_all(ex)
    .await
}

/// A region's daily history, summed per SKU family.
pub async fn region_history_by_family<'e>(
    ex: impl Executor<'e, Database = Any>,
    region: &str,
    since: &str,
) -> Result<Vec<HistoryPoint>, sqlx::Error> {
    sqlx::query_as(
        "SELECT h.day, s.family AS label, CAST(SUM(h.allocated + h.reserved) AS BIGINT) AS used, \
                CAST(SUM(h.total - h.out_of_service) AS BIGINT) AS serviceable \
         FROM ledger_history h JOIN skus s ON s.code = h.sku \
         WHERE h.region = $1 AND h.day >= $2 \
         GROUP BY h.day, s.family \
         ORDER BY h.day",
    )
    .bind(region)
    .bind(since)
    .fetch_all(ex)
    .await
}

/// One region × SKU's daily history.
pub async fn region_sku_history<'e>(
    ex: impl Executor<'e, Database = Any>,
    region: &str,
    sku: &str,
    since: &str,
) -> Result<Vec<HistoryPoint>, sqlx::Error> {
    sqlx::query_as(
        "SELECT day, sku AS label, allocated + reserved AS used, total - out_of_service AS serviceable \
         FROM ledger_history WHERE region = $1 AND sku = $2 AND day >= $3 ORDER BY day",
    )
    .bind(region)
    .bind(sku)
    .bind(since)
    .fetch_all(ex)
    .await
}

pub async fn find_cluster<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
) -> Result<Option<ClusterRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {CLUSTER_COLUMNS} FROM clusters c JOIN skus s ON s.code = c.sku WHERE c.id = $1"
    ))
    .bind(id)
    .fetch_optional(ex)
    .await
}

/// A bind value for the dynamically built cluster list query.
enum Arg {
    Int(i64),
    Text(String),
}

/// One page of clusters matching `q` (fetching one extra row to know if more follow).
pub async fn list_clusters<'e>(
    ex: impl Executor<'e, Database = Any>,
    q: &ClusterQuery,
    thresholds: &Thresholds,
) -> Result<Vec<ClusterRow>, sqlx::Error> {
    let mut sql = format!(
        "SELECT {CLUSTER_COLUMNS} FROM clusters c JOIN skus s ON s.code = c.sku WHERE 1 = 1"
    );
    let mut args: Vec<Arg> = Vec::new();
    let mut bind = |sql: &mut String, clause: &str, arg: Arg| {
        args.push(arg);
        sql.push_str(&clause.replace("$?", &format!("${}", args.len())));
    };
    if let Some(r) = &q.region {
        bind(&mut sql, " AND c.region = $?", Arg::Text(r.to_string()));
    }
    if let Some(z) = q.zone {
        bind(&mut sql, " AND c.zone = $?", Arg::Int(z));
    }
    if let Some(s) = &q.sku {
        bind(&mut sql, " AND c.sku = $?", Arg::Text(s.to_string()));
    }
    if let Some(f) = q.family {
        bind(&mut sql, " AND s.family = $?", Arg::Text(f.to_string()));
    }
    if let Some(l) = q.lifecycle {
        bind(&mut sql, " AND c.lifecycle = $?", Arg::Text(l.to_string()));
    }
    // Health compares exact integers, as `Thresholds::band` does.
    const USED: &str = "(c.allocated + c.reserved) * 10000";
    const SERV: &str = "(c.total - c.out_of_service)";
    match q.health {
        Some(Health::Critical) => bind(
            &mut sql,
            &format!(" AND {SERV} > 0 AND {USED} >= $? * {SERV}"),
            Arg::Int(thresholds.critical_bp),
        ),
        Some(Health::Constrained) => {
            bind(
                &mut sql,
                &format!(" AND {SERV} > 0 AND {USED} >= $? * {SERV}"),
                Arg::Int(thresholds.constrained_bp),
            );
            bind(
                &mut sql,
                &format!(" AND {USED} < $? * {SERV}"),
                Arg::Int(thresholds.critical_bp),
            );
        }
        Some(Health::Healthy) => bind(
            &mut sql,
            &format!(" AND ({SERV} <= 0 OR {USED} < $? * {SERV})"),
            Arg::Int(thresholds.constrained_bp),
        ),
        None => {}
    }
    let (column, descending) = match q.sort {
        ClusterSort::Name => ("c.name", false),
        ClusterSort::FreeAsc => ("c.free", false),
        ClusterSort::FreeDesc => ("c.free", true),
        ClusterSort::UtilizationAsc => ("c.util_bp", false),
        ClusterSort::UtilizationDesc => ("c.util_bp", true),
    };
    let op = if descending { "<" } else { ">" };
    match &q.cursor {
        // Names are unique, so the name alone is a keyset.
        Some(Cursor::Text(name, _)) => bind(&mut sql, " AND c.name > $?", Arg::Text(name.clone())),
        Some(Cursor::Number(v, id)) => {
            bind(
                &mut sql,
                &format!(" AND ({column}, c.id) {op} ($?"),
                Arg::Int(*v),
            );
            bind(&mut sql, ", $?)", Arg::Int(*id));
        }
        None => {}
    }
    let dir = if descending { "DESC" } else { "ASC" };
    if q.sort == ClusterSort::Name {
        sql.push_str(" ORDER BY c.name ASC");
    } else {
        sql.push_str(&format!(" ORDER BY {column} {dir}, c.id {dir}"));
    }
    bind(&mut sql, " LIMIT $?", Arg::Int(q.limit + 1));

    let mut query = sqlx::query_as::<_, ClusterRow>(&sql);
    for arg in args {
        query = match arg {
            Arg::Int(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
        };
    }
    query.fetch_all(ex).await
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

pub async fn count_clusters<'e>(ex: impl Executor<'e, Database = Any>) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM clusters")
        .fetch_one(ex)
        .await?;
    Ok(n)
}

/// A cluster to insert.
#[derive(Debug, Clone)]
pub struct NewCluster {
    pub name: String,
    pub region: String,
    pub zone: i64,
    pub sku: String,
    pub lifecycle: &'static str,
    pub total: i64,
    pub allocated: i64,
    pub reserved: i64,
    pub out_of_service: i64,
}

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
fn values_placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows per multi-row INSERT: well under both engines' bind-parameter limits.
const INSERT_CHUNK: usize = 1000;

/// Removes the whole fleet (used by the demo seed, which replaces it).
pub async fn delete_fleet(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    for table in [
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

/// The current fleet version (see the `fleet_version` migration).
pub async fn fleet_version<'e>(ex: impl Executor<'e, Database = Any>) -> Result<i64, sqlx::Error> {
    let (v,): (i64,) = sqlx::query_as("SELECT version FROM fleet_version WHERE id = 1")
        .fetch_one(ex)
        .await?;
    Ok(v)
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
