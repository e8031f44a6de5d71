//! What hangs off a request, one named function per statement: approvals,
//! reservations (which clusters hold its units — the units themselves move
//! only through the fleet's ledger API) and comments. Lists of several
//! requests are read in one query each, never one per request.

use sqlx::{Any, Executor, FromRow};

use crate::fleet::placement::Holding;
use crate::requests::domain::{Kind, State};

/// `(1, 2, 3)` for an `IN` list of ids (integers formatted here, never user text).
fn id_list(ids: &[i64]) -> String {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("({})", ids.join(", "))
}

pub async fn insert_approval<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    approver: i64,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO request_approvals (request_id, approver_id, at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(approver)
        .bind(now)
        .execute(ex)
        .await?;
    Ok(())
}

/// An approval of a request.
#[derive(Debug, Clone, FromRow)]
pub struct ApprovalRow {
    pub request_id: i64,
    pub approver_id: i64,
    pub approver: String,
    pub at: String,
}

/// The approvals of several requests at once (one query for a whole page).
pub async fn approvals_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    ids: &[i64],
) -> Result<Vec<ApprovalRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(&format!(
        "SELECT a.request_id, a.approver_id, u.name AS approver, a.at FROM request_approvals a \
         JOIN users u ON u.id = a.approver_id WHERE a.request_id IN {} ORDER BY a.at",
        id_list(ids)
    ))
    .fetch_all(ex)
    .await
}

/// Forgets a request's approvals (its fields changed under them); returns how many.
pub async fn delete_approvals<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM request_approvals WHERE request_id = $1")
            .bind(id)
            .execute(ex)
            .await?
            .rows_affected(),
    )
}

/// Records which clusters hold a request's units.
pub async fn insert_reservations(
    tx: &mut sqlx::AnyConnection,
    id: i64,
    holdings: &[Holding],
) -> Result<(), sqlx::Error> {
    for h in holdings {
        sqlx::query("INSERT INTO reservations (request_id, cluster_id, units) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(h.cluster_id)
            .bind(h.units)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Units a request holds in a cluster, with the cluster's name.
#[derive(Debug, Clone, FromRow)]
pub struct ReservationRow {
    pub request_id: i64,
    pub cluster_id: i64,
    pub cluster: String,
    pub units: i64,
}

impl ReservationRow {
    pub fn holding(&self) -> Holding {
        Holding {
            cluster_id: self.cluster_id,
            units: self.units,
        }
    }
}

/// The reservations of several requests at once (one query for a whole page).
pub async fn reservations_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    ids: &[i64],
) -> Result<Vec<ReservationRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(&format!(
        "SELECT r.request_id, r.cluster_id, c.name AS cluster, r.units FROM reservations r \
         JOIN clusters c ON c.id = r.cluster_id WHERE r.request_id IN {} ORDER BY r.cluster_id",
        id_list(ids)
    ))
    .fetch_all(ex)
    .await
}

pub async fn delete_reservations<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM reservations WHERE request_id = $1")
            .bind(id)
            .execute(ex)
            .await?
            .rows_affected(),
    )
}

pub async fn insert_comment<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    author: i64,
    body: &str,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO request_comments (request_id, author_id, at, body) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(author)
    .bind(now)
    .bind(body)
    .execute(ex)
    .await?;
    Ok(())
}

/// (author, at, body) of a request's comments, oldest first.
pub async fn comments<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.name, c.at, c.body FROM request_comments c JOIN users u ON u.id = c.author_id \
         WHERE c.request_id = $1 ORDER BY c.id",
    )
    .bind(id)
    .fetch_all(ex)
    .await
}

/// Keys of the requests holding a reservation in a cluster.
pub async fn holders_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    cluster: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let ids: Vec<(i64,)> = sqlx::query_as(
        "SELECT request_id FROM reservations WHERE cluster_id = $1 ORDER BY request_id",
    )
    .bind(cluster)
    .fetch_all(ex)
    .await?;
    Ok(ids
        .into_iter()
        .map(|(id,)| crate::requests::domain::key_of(id))
        .collect())
}

/// Units the reservations of requests hold, per cluster `(cluster, units)`.
pub async fn reserved_by_cluster<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT cluster_id, CAST(SUM(units) AS BIGINT) FROM reservations GROUP BY cluster_id",
    )
    .fetch_all(ex)
    .await
}

/// Clusters (id, name, reserved, held) whose reserved units are not the units
/// held on them: by the reservations of requests, and by the fleet's import
/// records (`import_holds`, units an imported file reserved without a request)
/// — the invariant check.
pub async fn reserved_mismatches<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<(i64, String, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.name, c.reserved, COALESCE(h.units, 0) FROM clusters c \
         LEFT JOIN (SELECT cluster_id, CAST(SUM(units) AS BIGINT) AS units FROM \
                      (SELECT cluster_id, units FROM reservations \
                       UNION ALL SELECT cluster_id, units FROM import_holds) held \
                    GROUP BY cluster_id) h ON h.cluster_id = c.id \
         WHERE c.reserved <> COALESCE(h.units, 0) ORDER BY c.id",
    )
    .fetch_all(ex)
    .await
}

/// Requests (id, kind, state, quantity, held) whose reservations are not what
/// their state holds: an approved provision holds its whole quantity (placement
/// is all or nothing), every other request nothing (the invariant check).
pub async fn holding_mismatches<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<Vec<(i64, Kind, State, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id, r.kind, r.state, r.quantity, COALESCE(h.units, 0) FROM capacity_requests r \
         LEFT JOIN (SELECT request_id, CAST(SUM(units) AS BIGINT) AS units \
                    FROM reservations GROUP BY request_id) h ON h.request_id = r.id \
         WHERE COALESCE(h.units, 0) <> CASE WHEN r.state = $1 AND r.kind = $2 THEN r.quantity ELSE 0 END \
         ORDER BY r.id",
    )
    .bind(State::Approved)
    .bind(Kind::Provision)
    .fetch_all(ex)
    .await
}
