//! The fleet's read SQL, one named function per statement. Columns are
//! explicit and sums are cast to BIGINT so both drivers decode them as `i64`.
//! Writes to the ledger are in `ledger_sql.rs`, called only by `ledger.rs`.

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

/// Free (placeable) units of a region × SKU per zone: (zone, free), by zone.
pub async fn zone_frees<'e>(
    ex: impl Executor<'e, Database = Any>,
    region: &str,
    sku: &str,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT zone, CAST(SUM(free) AS BIGINT) FROM clusters \
         WHERE region = $1 AND sku = $2 GROUP BY zone ORDER BY zone",
    )
    .bind(region)
    .bind(sku)
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

/// The clusters with these ids (those that exist), in one statement.
pub async fn find_clusters<'e>(
    ex: impl Executor<'e, Database = Any>,
    ids: &[i64],
) -> Result<Vec<ClusterRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Integers only, so the list is spelled into the statement.
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    sqlx::query_as(&format!(
        "SELECT {CLUSTER_COLUMNS} FROM clusters c JOIN skus s ON s.code = c.sku WHERE c.id IN ({})",
        list.join(", ")
    ))
    .fetch_all(ex)
    .await
}

/// A bind value for the dynamically built cluster list query.
enum Arg {
    Int(i64),
    Text(String),
}

/// The `FROM … WHERE …` of the clusters matching `q`'s filters (and, when
/// `after_cursor`, following its cursor), with its bind values; `$N`
/// placeholders count from 1.
fn cluster_filter(
    q: &ClusterQuery,
    thresholds: &Thresholds,
    after_cursor: bool,
) -> (String, Vec<Arg>) {
    let mut sql = " FROM clusters c JOIN skus s ON s.code = c.sku WHERE 1 = 1".to_owned();
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
    if after_cursor {
        let (column, descending) = sort_column(q.sort);
        let op = if descending { "<" } else { ">" };
        match &q.cursor {
            // Names are unique, so the name alone is a keyset.
            Some(Cursor::Text(name, _)) => {
                bind(&mut sql, " AND c.name > $?", Arg::Text(name.clone()))
            }
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
    }
    (sql, args)
}

/// The column a sort orders by, and whether it descends.
fn sort_column(sort: ClusterSort) -> (&'static str, bool) {
    match sort {
        ClusterSort::Name => ("c.name", false),
        ClusterSort::FreeAsc => ("c.free", false),
        ClusterSort::FreeDesc => ("c.free", true),
        ClusterSort::UtilizationAsc => ("c.util_bp", false),
        ClusterSort::UtilizationDesc => ("c.util_bp", true),
    }
}

/// One page of clusters matching `q` (fetching one extra row to know if more follow).
pub async fn list_clusters<'e>(
    ex: impl Executor<'e, Database = Any>,
    q: &ClusterQuery,
    thresholds: &Thresholds,
) -> Result<Vec<ClusterRow>, sqlx::Error> {
    let (filter, mut args) = cluster_filter(q, thresholds, true);
    let mut sql = format!("SELECT {CLUSTER_COLUMNS}{filter}");
    let (column, descending) = sort_column(q.sort);
    let dir = if descending { "DESC" } else { "ASC" };
    if q.sort == ClusterSort::Name {
        sql.push_str(" ORDER BY c.name ASC");
    } else {
        sql.push_str(&format!(" ORDER BY {column} {dir}, c.id {dir}"));
    }
    args.push(Arg::Int(q.limit + 1));
    sql.push_str(&format!(" LIMIT ${}", args.len()));

    let mut query = sqlx::query_as::<_, ClusterRow>(&sql);
    for arg in args {
        query = match arg {
            Arg::Int(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
        };
    }
    query.fetch_all(ex).await
}

/// How many clusters match `q`'s filters (from its cursor on, when `after_cursor`).
pub async fn count_matching<'e>(
    ex: impl Executor<'e, Database = Any>,
    q: &ClusterQuery,
    thresholds: &Thresholds,
    after_cursor: bool,
) -> Result<i64, sqlx::Error> {
    let (filter, args) = cluster_filter(q, thresholds, after_cursor);
    let sql = format!("SELECT COUNT(*){filter}");
    let mut query = sqlx::query_scalar::<_, i64>(&sql);
    for arg in args {
        query = match arg {
            Arg::Int(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
        };
    }
    query.fetch_one(ex).await
}

/// The current fleet and settings versions, in one read (see their migrations).
pub async fn versions<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<crate::fleet::server::snapshot::Versions, sqlx::Error> {
    let (fleet, settings): (i64, i64) = sqlx::query_as(
        "SELECT f.version, s.version FROM fleet_version f CROSS JOIN settings_version s \
         WHERE f.id = 1 AND s.id = 1",
    )
    .fetch_one(ex)
    .await?;
    Ok(crate::fleet::server::snapshot::Versions { fleet, settings })
}

pub async fn count_clusters<'e>(ex: impl Executor<'e, Database = Any>) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM clusters")
        .fetch_one(ex)
        .await?;
    Ok(n)
}

/// (id, name, free, used, serviceable) of some clusters, freest first (the approval preview).
pub async fn cluster_frees<'e>(
    ex: impl Executor<'e, Database = Any>,
    ids: &[i64],
) -> Result<Vec<(i64, String, i64, i64, i64)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    // Integers formatted by us, not user text: safe to inline.
    sqlx::query_as(&format!(
        "SELECT id, name, free, allocated + reserved, total - out_of_service FROM clusters WHERE id IN ({}) ORDER BY free DESC",
        list.join(", ")
    ))
    .fetch_all(ex)
    .await
}
