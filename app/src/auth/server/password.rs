//! Password hashing with argon2id, off the async threads (it is deliberately
//! slow), and never more than a few at once: each hash holds ~19 MiB, so a
//! burst of sign-ins could otherwise allocate gigabytes. Past the cap a caller
//! waits briefly, then gets `rate_limited`.

use std::sync::LazyLock;
use std::time::Duration;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::{AppError, AppResult};

/// A cap on concurrent hashes, with how long a caller may wait for a turn.
#[derive(Debug)]
pub struct HashingLimit {
    permits: Semaphore,
    wait: Duration,
}

impl HashingLimit {
    pub const fn new(permits: usize, wait: Duration) -> Self {
        HashingLimit {
            permits: Semaphore::const_new(permits),
            wait,
        }
    }

    async fn turn(&self) -> AppResult<SemaphorePermit<'_>> {
        match tokio::time::timeout(self.wait, self.permits.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(AppError::RateLimited(
                "too many sign-ins at once; try again in a moment".into(),
            )),
        }
    }

    /// Hashes a password into a PHC string.
    pub async fn hash(&self, password: String) -> AppResult<String> {
        let _turn = self.turn().await?;
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
        })
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(AppError::Internal)
    }

    /// Whether `password` matches `hash` (or, with no hash, spends the same
    /// time and fails).
    pub async fn verify(&self, password: String, hash: Option<String>) -> AppResult<bool> {
        let _turn = self.turn().await?;
        Ok(tokio::task::spawn_blocking(move || {
            let known = hash.is_some();
            let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
            let Ok(parsed) = PasswordHash::new(&hash) else {
                return false;
            };
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
                && known
        })
        .await
        .unwrap_or(false))
    }
}

/// This process's limit: two hashes per core (at least 2, at most 8), and a
/// caller waits up to 2 s for a turn.
static LIMIT: LazyLock<HashingLimit> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    HashingLimit::new((cores * 2).clamp(2, 8), Duration::from_secs(2))
});

/// A hash to verify against when the user does not exist, so that a wrong name
/// costs as much time as a wrong password.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3lq3jXRSUgWcF+kqsMdWJ0MK0UGFIc3kfeezbs2rJVc";

/// Hashes a password into a PHC string (within this process's limit).
pub async fn hash(password: String) -> AppResult<String> {
    LIMIT.hash(password).await
}

/// Verifies a password (within this process's limit).
pub async fn verify(password: String, hash: Option<String>) -> AppResult<bool> {
    LIMIT.verify(password, hash).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify() {
        let h = hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), Some(h.clone()))
            .await
            .unwrap());
        assert!(!verify("wrong horse battery".into(), Some(h)).await.unwrap());
        assert!(!verify("anything at all".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn past_the_cap_a_caller_waits_then_is_rate_limited() {
        let limit = HashingLimit::new(2, Duration::from_millis(200));
        let a = limit.turn().await.unwrap();
        let _b = limit.turn().await.unwrap();
        let refused = limit.verify("pw".into(), None).await;
        assert!(
            matches!(refused, Err(AppError::RateLimited(_))),
            "{refused:?}"
        );
        // A turn freed within the wait is taken.
        let free_one = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            drop(a);
        };
        let (waited, ()) = tokio::join!(limit.verify("pw".into(), None), free_one);
        assert!(!waited.unwrap());
    }
}
