//! The audit trail: append-only rows of who did what, when, to what, from where.
//! There is no update or delete function here, on purpose, and the database
//! refuses both (a trigger on each engine).
//!
//! Every stored value is bounded (`MAX_VALUE` bytes, cut with a marker), and
//! refusals of anonymous or hostile callers go through `record_refusal`, which
//! keeps at most `RefusalLimiter::PER_MINUTE` rows per action and address a
//! minute and counts the rest into the next row, so a flood cannot fill the disk.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sqlx::{Any, Executor, FromRow};

/// One audit row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, FromRow)]
pub struct AuditEntry {
    pub id: i64,
    /// UTC, RFC 3339.
    pub at: String,
    pub actor: Option<String>,
    pub action: String,
    pub object: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub source: Option<String>,
    pub request_id: Option<String>,
}

/// Where a change came from: the caller's address and the request id.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub source: Option<String>,
    pub request_id: Option<String>,
}

/// The most bytes of any one stored value; longer values are cut and marked.
pub const MAX_VALUE: usize = 512;

fn bound(v: Option<&str>) -> Option<String> {
    v.map(|v| crate::shared::text::bounded(v, MAX_VALUE).into_owned())
}

/// Appends one row, each value bounded to `MAX_VALUE` bytes.
pub async fn record<'e>(
    ex: impl Executor<'e, Database = Any>,
    origin: &Origin,
    actor: Option<&str>,
    action: &str,
    object: Option<&str>,
    before: Option<&str>,
    after: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, object, before, after, source, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    // The audit trail keeps real time, whatever a test does to the clock.
    .bind(crate::shared::time::rfc3339(time::OffsetDateTime::now_utc()))
    .bind(bound(actor))
    .bind(crate::shared::text::bounded(action, MAX_VALUE).into_owned())
    .bind(bound(object))
    .bind(bound(before))
    .bind(bound(after))
    .bind(bound(origin.source.as_deref()))
    .bind(bound(origin.request_id.as_deref()))
    .execute(ex)
    .await?;
    Ok(())
}

/// Records a refusal (`access.denied`, `csrf.refused`, `signin.throttled`, …)
/// unless this address has had `RefusalLimiter::PER_MINUTE` of this action
/// recorded in the last minute; the suppressed ones are counted into the next
/// row that is written. Never fails the request: a failed write is logged.
pub async fn record_refusal(
    db: &crate::db::Db,
    origin: &Origin,
    actor: Option<&str>,
    action: &str,
    object: Option<&str>,
    detail: Option<&str>,
) {
    let source = origin.source.as_deref().unwrap_or("-");
    let Some(suppressed) = db.refusals().admit(action, source, Instant::now()) else {
        return;
    };
    let detail = match (detail, suppressed) {
        (d, 0) => d.map(str::to_owned),
        (d, n) => Some(format!(
            "{}(+{n} like it from this address not recorded)",
            d.map(|d| format!("{} ", crate::shared::text::bounded(d, MAX_VALUE / 2)))
                .unwrap_or_default()
        )),
    };
    if let Err(e) = record(
        db.pool(),
        origin,
        actor,
        action,
        object,
        None,
        detail.as_deref(),
    )
    .await
    {
        tracing::error!(error = %e, action, "could not audit a refusal");
    }
}

/// Counts refusals per action and address over one-minute windows (per process).
#[derive(Debug, Default)]
pub struct RefusalLimiter {
    windows: Mutex<HashMap<(String, String), Window>>,
}

#[derive(Debug)]
struct Window {
    start: Instant,
    recorded: u32,
    suppressed: u32,
}

impl RefusalLimiter {
    /// Rows per action and address per minute.
    pub const PER_MINUTE: u32 = 10;
    /// Addresses tracked at once; past this the oldest windows are dropped.
    const MAX_KEYS: usize = 10_000;
    const WINDOW: Duration = Duration::from_secs(60);

    /// `Some(n)` when this refusal is to be recorded (n = refusals suppressed
    /// since the last recorded one), `None` when it is suppressed.
    pub fn admit(&self, action: &str, source: &str, now: Instant) -> Option<u32> {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= Self::MAX_KEYS {
            windows.retain(|_, w| now.duration_since(w.start) < Self::WINDOW);
            if windows.len() >= Self::MAX_KEYS {
                windows.clear();
            }
        }
        let w = windows
            .entry((action.to_owned(), source.to_owned()))
            .or_insert(Window {
                start: now,
                recorded: 0,
                suppressed: 0,
            });
        if now.duration_since(w.start) >= Self::WINDOW {
            w.start = now;
            w.recorded = 0;
        }
        if w.recorded < Self::PER_MINUTE {
            w.recorded += 1;
            Some(std::mem::take(&mut w.suppressed))
        } else {
            w.suppressed += 1;
            None
        }
    }
}

/// The newest rows matching `q` (actor, action, object, UTC days), below its
/// `before` id, at most `limit`.
pub async fn list<'e>(
    ex: impl Executor<'e, Database = Any>,
    q: &crate::shared::audit_query::AuditQuery,
    limit: i64,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let (object, object_prefix) = q.object_match();
    sqlx::query_as(
        "SELECT id, at, actor, action, object, before, after, source, request_id FROM audit_log \
         WHERE ($1 IS NULL OR action = $1) AND ($2 IS NULL OR actor = $2) AND ($3 IS NULL OR id < $3) \
           AND ($4 IS NULL OR object = $4) AND ($5 IS NULL OR object LIKE $5 ESCAPE '\\') \
           AND ($6 IS NULL OR at >= $6) AND ($7 IS NULL OR at < $7) \
         ORDER BY id DESC LIMIT $8",
    )
    .bind(q.action.as_deref())
    .bind(q.actor.as_deref())
    .bind(q.before)
    .bind(object)
    .bind(object_prefix)
    .bind(q.from.as_deref())
    .bind(q.until())
    .bind(limit)
    .fetch_all(ex)
    .await
}

/// Every row about one object (a request's or a deployment's timeline),
/// oldest first, read through the `audit_log_object` index.
pub const FOR_OBJECT: &str =
    "SELECT id, at, actor, action, object, before, after, source, request_id \
     FROM audit_log WHERE object = $1 ORDER BY id";

pub async fn list_for_object<'e>(
    ex: impl Executor<'e, Database = Any>,
    object: &str,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    sqlx::query_as(FOR_OBJECT).bind(object).fetch_all(ex).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_refusals_keeps_a_few_rows_a_minute_and_counts_the_rest() {
        let limiter = RefusalLimiter::default();
        let t0 = Instant::now();
        let admitted: Vec<Option<u32>> = (0..25)
            .map(|_| limiter.admit("csrf.refused", "10.0.0.1", t0))
            .collect();
        assert_eq!(admitted.iter().filter(|a| a.is_some()).count(), 10);
        assert!(admitted[10..].iter().all(Option::is_none));
        // Another address and another action have their own allowance.
        assert_eq!(limiter.admit("csrf.refused", "10.0.0.2", t0), Some(0));
        assert_eq!(limiter.admit("access.denied", "10.0.0.1", t0), Some(0));
        // A minute later the next row carries the 15 that were not written.
        let later = t0 + Duration::from_secs(61);
        assert_eq!(limiter.admit("csrf.refused", "10.0.0.1", later), Some(15));
        assert_eq!(limiter.admit("csrf.refused", "10.0.0.1", later), Some(0));
    }
}
