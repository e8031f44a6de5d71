//! Which credentials this replica recorded a use of lately, so that requests
//! arriving together on one token or session record it once, not once each.
//! On SQLite every such write takes the database's one write lock: 96 inbox
//! requests on a token never used before queued behind 96 writes, each waiting
//! in SQLite's busy handler, and took over 20 s on a loaded CI machine.

use std::collections::HashMap;
use std::sync::Mutex;

/// Uses this replica remembers at most; past it, those older than the period
/// are forgotten (and all of them if that is not enough).
const MAX_REMEMBERED: usize = 10_000;

/// This replica's last recorded use of each credential, by key.
#[derive(Debug, Default)]
pub struct Touches {
    recent: Mutex<HashMap<String, i64>>,
}

impl Touches {
    /// Whether the caller should record the use of `key` at `now` (seconds):
    /// true for the first claim in any `every` seconds on this replica.
    fn claim(&self, key: &str, now: i64, every: i64) -> bool {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if recent.get(key).is_some_and(|&at| now - at < every) {
            return false;
        }
        if recent.len() >= MAX_REMEMBERED {
            recent.retain(|_, at| now - *at < every);
            if recent.len() >= MAX_REMEMBERED {
                recent.clear();
            }
        }
        recent.insert(key.to_owned(), now);
        true
    }

    /// Runs `write`, the record of `key`'s use at `now`, unless this replica
    /// recorded it in the last `every` seconds; a failed write gives the claim
    /// back, so the next request tries again.
    pub async fn record<E>(
        &self,
        key: &str,
        now: i64,
        every: i64,
        write: impl std::future::Future<Output = Result<(), E>>,
    ) -> Result<(), E> {
        if !self.claim(key, now, every) {
            return Ok(());
        }
        let written = write.await;
        if written.is_err() {
            self.forget(key);
        }
        written
    }

    fn forget(&self, key: &str) {
        self.recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_claim_per_key_per_period() {
        let touches = Touches::default();
        assert!(touches.claim("t1", 100, 60));
        assert!(!touches.claim("t1", 100, 60), "a second request at once");
        assert!(!touches.claim("t1", 159, 60), "still within the minute");
        assert!(touches.claim("t2", 100, 60), "another credential");
        assert!(touches.claim("t1", 160, 60), "a minute later");
        touches.forget("t1");
        assert!(touches.claim("t1", 161, 60), "a failed write is retried");
    }

    #[test]
    fn remembers_a_bounded_number() {
        let touches = Touches::default();
        for i in 0..MAX_REMEMBERED + 5 {
            assert!(touches.claim(&format!("k{i}"), 0, 60));
        }
        assert!(touches.recent.lock().unwrap().len() <= MAX_REMEMBERED);
    }
}
