//! Status SQL, one named function per statement.

use sqlx::{Any, Executor, FromRow};

/// A notice row (its regions and updates are read separately).
#[derive(Debug, Clone, FromRow)]
pub struct NoticeRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub started_at: String,
    pub updated_at: String,
    pub resolved_at: Option<String>,
    pub version: i64,
}

const NOTICE_SELECT: &str =
    "SELECT id, kind, title, started_at, updated_at, resolved_at, version FROM status_notices";

pub async fn insert_notice<'e>(
    ex: impl Executor<'e, Database = Any>,
    kind: &str,
    title: &str,
    now: &str,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO status_notices (kind, title, started_at, updated_at, version) \
         VALUES ($1, $2, $3, $3, 1) RETURNING id",
    )
    .bind(kind)
    .bind(title)
    .bind(now)
    .fetch_one(ex)
    .await?;
    Ok(id)
}

pub async fn insert_notice_region<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    region: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO status_notice_regions (notice_id, region) VALUES ($1, $2)")
        .bind(id)
        .bind(region)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn insert_update<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    at: &str,
    body: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO status_notice_updates (notice_id, at, body) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(at)
        .bind(body)
        .execute(ex)
        .await?;
    Ok(())
}

/// Bumps an unresolved notice from `version` (resolving it when `resolve`);
/// false if it changed meanwhile or is already resolved.
pub async fn touch_notice<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    version: i64,
    now: &str,
    resolve: bool,
) -> Result<bool, sqlx::Error> {
    let resolved_at = resolve.then_some(now);
    let done = sqlx::query(
        "UPDATE status_notices SET updated_at = $1, resolved_at = $2, version = version + 1 \
         WHERE id = $3 AND version = $4 AND resolved_at IS NULL",
    )
    .bind(now)
    .bind(resolved_at)
    .bind(id)
    .bind(version)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn find_notice<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
) -> Result<Option<NoticeRow>, sqlx::Error> {
    sqlx::query_as(&format!("{NOTICE_SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await
}

/// Active notices (all of them, first) and those resolved at or after
/// `resolved_since`, each group newest first; `limit` cuts only resolved ones
/// unless more than `limit` are active.
pub async fn list_notices<'e>(
    ex: impl Executor<'e, Database = Any>,
    resolved_since: &str,
    limit: i64,
) -> Result<Vec<NoticeRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{NOTICE_SELECT} WHERE resolved_at IS NULL OR resolved_at >= $1 \
         ORDER BY CASE WHEN resolved_at IS NULL THEN 0 ELSE 1 END, id DESC LIMIT $2"
    ))
    .bind(resolved_since)
    .bind(limit)
    .fetch_all(ex)
    .await
}

/// A comma-separated list of ids we formatted ourselves: safe to inline.
fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// (notice id, region) of these notices.
pub async fn regions_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    ids: &[i64],
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(&format!(
        "SELECT notice_id, region FROM status_notice_regions WHERE notice_id IN ({}) ORDER BY notice_id, region",
        id_list(ids)
    ))
    .fetch_all(ex)
    .await
}

/// (notice id, at, body) of these notices' updates, oldest first.
pub async fn updates_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    ids: &[i64],
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(&format!(
        "SELECT notice_id, at, body FROM status_notice_updates WHERE notice_id IN ({}) ORDER BY id",
        id_list(ids)
    ))
    .fetch_all(ex)
    .await
}

/// Every region × SKU sample since `since`, labelled with its region: the
/// service puts each in its band with `Thresholds::band`.
/// A day's summed ledger of one region × SKU family.
#[derive(Debug, Clone, FromRow)]
pub struct FamilyDay {
    pub day: String,
    pub region: String,
    pub family: String,
    pub used: i64,
    pub serviceable: i64,
}

/// The daily samples since `since` (YYYY-MM-DD), summed per region × family.
pub async fn family_history<'e>(
    ex: impl Executor<'e, Database = Any>,
    since: &str,
) -> Result<Vec<FamilyDay>, sqlx::Error> {
    sqlx::query_as(
        "SELECT h.day, h.region, s.family, \
                CAST(SUM(h.allocated + h.reserved) AS BIGINT) AS used, \
                CAST(SUM(h.total - h.out_of_service) AS BIGINT) AS serviceable \
         FROM ledger_history h JOIN skus s ON s.code = h.sku \
         WHERE h.day >= $1 GROUP BY h.day, h.region, s.family",
    )
    .bind(since)
    .fetch_all(ex)
    .await
}

/// Removes every notice (the demo seed replaces the regions they name).
pub async fn delete_all_notices(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    for table in [
        "status_notice_updates",
        "status_notice_regions",
        "status_notices",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
