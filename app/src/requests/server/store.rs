//! Request SQL, one named function per statement.

use sqlx::{Any, Executor, FromRow};

/// A request row with its requester's name.
#[derive(Debug, Clone, FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub kind: String,
    pub region: String,
    pub zone: Option<i64>,
    pub sku: String,
    pub quantity: i64,
    pub need_by: String,
    pub service: String,
    pub justification: String,
    pub priority: String,
    pub requester_id: i64,
    pub requester: String,
    pub state: String,
    pub version: i64,
    pub hold_until: Option<String>,
    pub policy_rule: Option<String>,
    pub approvals_needed: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

const REQUEST_SELECT: &str = "SELECT r.id, r.kind, r.region, r.zone, r.sku, r.quantity, r.need_by, r.service, \
     r.justification, r.priority, r.requester_id, u.name AS requester, r.state, r.version, r.hold_until, \
     r.policy_rule, r.approvals_needed, r.created_at, r.updated_at \
     FROM capacity_requests r JOIN users u ON u.id = r.requester_id";

/// The fields a new request is inserted with.
pub struct NewRequest<'a> {
    pub kind: &'a str,
    pub region: &'a str,
    pub zone: Option<i64>,
    pub sku: &'a str,
    pub quantity: i64,
    pub need_by: &'a str,
    pub service: &'a str,
    pub justification: &'a str,
    pub priority: &'a str,
    pub requester_id: i64,
    pub now: &'a str,
}

pub async fn insert_request<'e>(
    ex: impl Executor<'e, Database = Any>,
    r: &NewRequest<'_>,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO capacity_requests (kind, region, zone, sku, quantity, need_by, service, justification, \
         priority, requester_id, state, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', 1, $11, $11) RETURNING id",
    )
    .bind(r.kind)
    .bind(r.region)
    .bind(r.zone)
    .bind(r.sku)
    .bind(r.quantity)
    .bind(r.need_by)
    .bind(r.service)
    .bind(r.justification)
    .bind(r.priority)
    .bind(r.requester_id)
    .bind(r.now)
    .fetch_one(ex)
    .await?;
    Ok(id)
}

/// The request, locked for the rest of the transaction when `lock` is the
/// dialect's row-lock suffix.
pub async fn find_request<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    lock: &str,
) -> Result<Option<RequestRow>, sqlx::Error> {
    let lock = if lock.is_empty() {
        String::new()
    } else {
        format!("{lock} OF r")
    };
    sqlx::query_as(&format!("{REQUEST_SELECT} WHERE r.id = $1{lock}"))
        .bind(id)
        .fetch_optional(ex)
        .await
}

/// What the request list is filtered by; `None` means any.
pub struct ListWhere<'a> {
    pub state: Option<&'a str>,
    pub region: Option<&'a str>,
    pub sku: Option<&'a str>,
    /// The requester's user name.
    pub requester: Option<&'a str>,
    /// Filed at or before this RFC 3339 instant.
    pub filed_before: Option<&'a str>,
    /// The keyset cursor: ids below this.
    pub before_id: Option<i64>,
}

/// A page of requests, newest first, filtered.
pub async fn list_requests<'e>(
    ex: impl Executor<'e, Database = Any>,
    w: &ListWhere<'_>,
    limit: i64,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{REQUEST_SELECT} WHERE ($1 IS NULL OR r.state = $1) AND ($2 IS NULL OR r.region = $2) \
         AND ($3 IS NULL OR r.sku = $3) AND ($4 IS NULL OR u.name = $4) \
         AND ($5 IS NULL OR r.created_at <= $5) AND ($6 IS NULL OR r.id < $6) \
         ORDER BY r.id DESC LIMIT $7"
    ))
    .bind(w.state)
    .bind(w.region)
    .bind(w.sku)
    .bind(w.requester)
    .bind(w.filed_before)
    .bind(w.before_id)
    .bind(limit)
    .fetch_all(ex)
    .await
}

/// Edits a draft or submitted request's fields if it is still at `version`.
pub async fn update_fields<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    version: i64,
    r: &NewRequest<'_>,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE capacity_requests SET kind = $1, region = $2, zone = $3, sku = $4, quantity = $5, need_by = $6, \
         service = $7, justification = $8, priority = $9, updated_at = $10, version = version + 1 \
         WHERE id = $11 AND version = $12 AND state IN ('draft', 'submitted')",
    )
    .bind(r.kind)
    .bind(r.region)
    .bind(r.zone)
    .bind(r.sku)
    .bind(r.quantity)
    .bind(r.need_by)
    .bind(r.service)
    .bind(r.justification)
    .bind(r.priority)
    .bind(r.now)
    .bind(id)
    .bind(version)
    .execute(ex)
    .await?
    .rows_affected())
}

/// Moves a request from `from` at `version` to `to`: the database never takes a
/// transition the caller did not see. Returns rows affected (0 = stale).
#[allow(clippy::too_many_arguments)]
pub async fn transition<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    from: &str,
    version: i64,
    to: &str,
    hold_until: Option<&str>,
    policy: Option<(&str, i64)>,
    now: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE capacity_requests SET state = $1, version = version + 1, updated_at = $2, \
         hold_until = COALESCE($3, hold_until), policy_rule = COALESCE($4, policy_rule), \
         approvals_needed = COALESCE($5, approvals_needed) \
         WHERE id = $6 AND state = $7 AND version = $8",
    )
    .bind(to)
    .bind(now)
    .bind(hold_until)
    .bind(policy.map(|p| p.0))
    .bind(policy.map(|p| p.1))
    .bind(id)
    .bind(from)
    .bind(version)
    .execute(ex)
    .await?
    .rows_affected())
}

/// Records a changed policy decision (no state or version change: it is the
/// policy's own amendment inside the submitting transaction).
pub async fn set_policy<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    rule: &str,
    approvals: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE capacity_requests SET policy_rule = $1, approvals_needed = $2 WHERE id = $3",
    )
    .bind(rule)
    .bind(approvals)
    .bind(id)
    .execute(ex)
    .await?;
    Ok(())
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

/// (approver name, at) of a request's approvals.
pub async fn approvals<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.approver_id, u.name, a.at FROM request_approvals a JOIN users u ON u.id = a.approver_id \
         WHERE a.request_id = $1 ORDER BY a.at",
    )
    .bind(id)
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

/// Records that the policy approved a request by itself, at `now`.
pub async fn mark_auto_approved<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE capacity_requests SET auto_approved_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

/// How many of a requester's requests the policy approved by itself since `since` (RFC 3339).
pub async fn count_auto_approved_since<'e>(
    ex: impl Executor<'e, Database = Any>,
    requester_id: i64,
    since: &str,
) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM capacity_requests WHERE requester_id = $1 AND auto_approved_at >= $2",
    )
    .bind(requester_id)
    .bind(since)
    .fetch_one(ex)
    .await?;
    Ok(n)
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
/// `allocated` (fulfil), `allocated` → free (deprovision). Returns rows affected.
pub async fn shift_units<'e>(
    ex: impl Executor<'e, Database = Any>,
    cluster: i64,
    units: i64,
    shift: Shift,
) -> Result<u64, sqlx::Error> {
    let sql = match shift {
        Shift::Reserve => "UPDATE clusters SET reserved = reserved + $1 WHERE id = $2 AND free >= $1",
        Shift::Release => "UPDATE clusters SET reserved = reserved - $1 WHERE id = $2 AND reserved >= $1",
        Shift::Fulfil => "UPDATE clusters SET reserved = reserved - $1, allocated = allocated + $1 WHERE id = $2 AND reserved >= $1",
        Shift::Return => "UPDATE clusters SET allocated = allocated - $1 WHERE id = $2 AND allocated >= $1",
    };
    Ok(sqlx::query(sql)
        .bind(units)
        .bind(cluster)
        .execute(ex)
        .await?
        .rows_affected())
}

/// How units move in a cluster's ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shift {
    Reserve,
    Release,
    Fulfil,
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
        Shift::Fulfil => "UPDATE region_sku_ledger SET reserved = reserved - $1, allocated = allocated + $1 WHERE region = $2 AND sku = $3",
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

pub async fn insert_reservation<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    cluster: i64,
    units: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO reservations (request_id, cluster_id, units) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(cluster)
        .bind(units)
        .execute(ex)
        .await?;
    Ok(())
}

/// (cluster id, cluster name, units) held for a request.
pub async fn reservations<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
) -> Result<Vec<(i64, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.cluster_id, c.name, r.units FROM reservations r JOIN clusters c ON c.id = r.cluster_id \
         WHERE r.request_id = $1 ORDER BY r.cluster_id",
    )
    .bind(id)
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

/// Approved requests whose hold has passed (`hold_until < today`).
pub async fn expired_holds<'e>(
    ex: impl Executor<'e, Database = Any>,
    today: &str,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT id, version FROM capacity_requests WHERE state = 'approved' AND hold_until < $1 ORDER BY id")
        .bind(today)
        .fetch_all(ex)
        .await
}

/// Removes every request (the demo seed replaces the fleet they point at).
pub async fn delete_all_requests(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    for table in [
        "reservations",
        "request_approvals",
        "request_comments",
        "capacity_requests",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *conn)
            .await?;
    }
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

/// Submitted requests `user` may still decide: not their own, not approved by them; oldest first.
pub async fn inbox<'e>(
    ex: impl Executor<'e, Database = Any>,
    user: i64,
    limit: i64,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{REQUEST_SELECT} WHERE r.state = 'submitted' AND r.requester_id <> $1 \
         AND NOT EXISTS (SELECT 1 FROM request_approvals a WHERE a.request_id = r.id AND a.approver_id = $1) \
         ORDER BY r.id LIMIT $2"
    ))
    .bind(user)
    .bind(limit)
    .fetch_all(ex)
    .await
}

/// (cluster name, free) of a region × SKU's in-service clusters, for the approval preview.
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
