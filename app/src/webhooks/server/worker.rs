//! The delivery worker, one on every replica: it claims due deliveries from
//! the outbox (`store::claim`: one replica per attempt), posts each, signed,
//! with a timeout, and records the attempt and what follows — delivered, a
//! later try (`domain::next_delay`, or the receiver's `Retry-After`), failed
//! for good, or the subscription disabled by a 410. A replica that dies
//! mid-attempt loses its claim when the lease runs out; another takes it, so a
//! delivery is made at least once and receivers dedupe on `webhook-id`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::RngCore;
use tokio::task::JoinSet;

use super::dest::{self, GuardedResolver, PRIVATE_REFUSED};
use super::outbox::unix_ms;
use super::sign;
use super::store::{self, AttemptRecord, Claimed, Finish};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::shared::audit::{self, Origin};
use crate::shared::time::rfc3339;
use crate::webhooks::domain::{is_public, next_delay, outcome_of, parse_retry_after, Outcome};

/// How long an attempt may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claim holds: past it, a replica that died mid-attempt has lost it.
pub const LEASE_MS: i64 = 15_000;
/// How many deliveries one pass claims (and attempts at once).
const BATCH: i64 = 16;
/// How often an idle worker asks whether anything is due.
const IDLE_POLL: Duration = Duration::from_millis(250);

/// A replica's worker.
#[derive(Clone)]
pub struct Worker {
    db: Db,
    client: reqwest::Client,
    replica: String,
    allow_private: Arc<AtomicBool>,
}

impl Worker {
    /// A worker named after this process (`<pid>-<random>`).
    pub fn new(db: Db) -> anyhow::Result<Worker> {
        let mut tag = [0u8; 4];
        rand::rngs::OsRng.fill_bytes(&mut tag);
        let name = format!("{}-{:08x}", std::process::id(), u32::from_be_bytes(tag));
        Worker::named(db, &name)
    }

    /// A worker with a given replica name (tests run several in one process).
    pub fn named(db: Db, replica: &str) -> anyhow::Result<Worker> {
        let allow_private = Arc::new(AtomicBool::new(false));
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(GuardedResolver {
                allow_private: allow_private.clone(),
            }))
            .user_agent(concat!("Headroom-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Worker {
            db,
            client,
            replica: replica.to_owned(),
            allow_private,
        })
    }

    /// One pass: claims what is due and attempts it, all at once; returns how
    /// many attempts were made.
    pub async fn run_once(&self) -> AppResult<usize> {
        let now_ms = unix_ms(self.db.clock().now());
        if !store::any_due(self.db.pool(), now_ms).await? {
            return Ok(0);
        }
        let settings = crate::settings::server::current(&self.db).await?;
        self.allow_private
            .store(settings.webhooks_allow_private, Ordering::Relaxed);
        let claimed = store::claim(
            self.db.pool(),
            self.db.backend(),
            &self.replica,
            now_ms,
            now_ms + LEASE_MS,
            BATCH,
        )
        .await?;
        let n = claimed.len();
        let mut running = JoinSet::new();
        for c in claimed {
            let me = self.clone();
            running.spawn(async move { me.attempt(c).await });
        }
        while let Some(done) = running.join_next().await {
            match done {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "recording a webhook attempt failed"),
                Err(e) => tracing::warn!(error = %e, "a webhook attempt panicked"),
            }
        }
        Ok(n)
    }

    /// Runs forever: a pass whenever something may be due — at once after an
    /// event on this replica, else every quarter second.
    pub async fn run(self) {
        let db = self.db.clone();
        loop {
            let made = match self.run_once().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook delivery pass failed");
                    0
                }
            };
            if made > 0 {
                continue;
            }
            tokio::select! {
                // The event's transaction commits just after it wakes us.
                () = db.webhook_wake().notified() => tokio::time::sleep(Duration::from_millis(5)).await,
                () = tokio::time::sleep(IDLE_POLL) => {}
            }
        }
    }

    /// Posts one claimed delivery and records how it went.
    async fn attempt(&self, c: Claimed) -> AppResult<()> {
        let Some(target) = store::target(self.db.pool(), c.subscription_id).await? else {
            return Ok(()); // deleted meanwhile, with its deliveries
        };
        let started = self.db.clock().now();
        let clock = Instant::now();
        let sent = self.post(&c, &target, started).await;
        let latency_ms = i64::try_from(clock.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (status, error, outcome, retry_after) = match sent {
            Ok((status, retry_after)) => (
                Some(i64::from(status)),
                None,
                outcome_of(status),
                retry_after,
            ),
            Err(e) => (None, Some(e), Outcome::Retry, None),
        };
        let now = self.db.clock().now();
        let at = rfc3339(now);
        let (state, next_ms) = match outcome {
            Outcome::Delivered => ("succeeded", unix_ms(now)),
            Outcome::Gone => ("failed", unix_ms(now)),
            Outcome::Retry => match next_delay(c.attempts, retry_after) {
                Some(s) => ("pending", unix_ms(now) + s * 1000),
                None => ("failed", unix_ms(now)),
            },
        };
        let record = AttemptRecord {
            delivery_id: c.id,
            attempt: c.attempts,
            started_at: &rfc3339(started),
            status,
            error: error.as_deref(),
            latency_ms,
            replica: &self.replica,
        };
        let finish = Finish {
            state,
            next_attempt_ms: next_ms,
            finished_at: (state != "pending").then_some(at.as_str()),
        };
        let mut tx = self.db.begin_write().await?;
        if store::finish(&mut *tx, &record, &finish).await? != 1 {
            tracing::warn!(
                delivery = c.id,
                "a webhook claim ran out before its attempt ended"
            );
            return Ok(());
        }
        store::insert_attempt(&mut *tx, &record).await?;
        if outcome == Outcome::Gone {
            let reason = "the receiver answered 410 Gone";
            if store::disable(&mut *tx, c.subscription_id, reason, &at).await? == 1 {
                audit::record(
                    &mut *tx,
                    &Origin::default(),
                    Some("(webhooks)"),
                    "webhook.disable",
                    Some(&super::service::object(c.subscription_id)),
                    None,
                    Some(reason),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The HTTP exchange: the status and `Retry-After` (seconds), or why none came.
    async fn post(
        &self,
        c: &Claimed,
        target: &store::Target,
        now: time::OffsetDateTime,
    ) -> Result<(u16, Option<i64>), String> {
        let url = dest::parse_url(&target.url)?;
        let allow = self.allow_private.load(Ordering::Relaxed);
        if let Some(ip) = url.host_str().and_then(|h| {
            h.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .ok()
        }) {
            if !allow && !is_public(ip) {
                return Err(format!("{ip} {PRIVATE_REFUSED}"));
            }
        }
        let ts = now.unix_timestamp();
        let mut secrets = vec![target.secret.as_str()];
        if let (Some(p), Some(until)) = (&target.previous_secret, target.previous_until_ms) {
            if until > unix_ms(now) {
                secrets.push(p);
            }
        }
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &c.message_id)
            .header("webhook-timestamp", ts.to_string())
            .header(
                "webhook-signature",
                sign::header(&secrets, &c.message_id, ts, &c.payload),
            )
            .body(c.payload.clone())
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, ts));
        Ok((response.status().as_u16(), retry_after))
    }
}

/// An error with its causes, bounded for the log.
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else {
        e.to_string()
    };
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    crate::shared::text::bounded(&text, 300).into_owned()
}

/// Starts this replica's worker.
pub fn spawn(db: Db) -> AppResult<tokio::task::JoinHandle<()>> {
    let worker = Worker::new(db).map_err(AppError::Internal)?;
    Ok(tokio::spawn(worker.run()))
}
