//! What one request reads once and every part of its answer shares.
//!
//! A `GET` reads the fleet and settings versions at the edge, in the same
//! statement as the caller's token or session (`auth::server::caller::resolve`),
//! so its page's fleet snapshot and settings need no read of their own; the
//! deployments' fingerprint is read by the first list or panel that needs it
//! and shared by the rest (the list page and its freeze banner's in-flight
//! panel render at once). Kept on the request's `Caller` and gone with it.
//!
//! Only reads share it: a write (never a `GET`) reads its own versions, so
//! the answer it builds after its change never comes from before it.

use tokio::sync::OnceCell;

/// The fleet and settings versions (see their migrations): what the fleet
/// snapshot and the settings are kept under on each replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versions {
    pub fleet: i64,
    pub settings: i64,
}

impl Versions {
    /// Whether data at these versions is at least as new as at `other`.
    pub fn covers(self, other: Versions) -> bool {
        self.fleet >= other.fleet && self.settings >= other.settings
    }
}

/// What a request has read once.
#[derive(Debug)]
pub struct Seen {
    pub versions: Versions,
    /// The deployments' fingerprint (`deployments::server::cache::Fingerprint`).
    deployments: OnceCell<(i64, i64, i64, String)>,
}

impl Seen {
    pub fn new(versions: Versions) -> Self {
        Seen {
            versions,
            deployments: OnceCell::new(),
        }
    }

    /// Takes the deployments' fingerprint read with something else (the page
    /// cache reads it with the navigation's counts): later asks get it unread.
    pub fn know_deployments(&self, fingerprint: (i64, i64, i64, String)) {
        let _ = self.deployments.set(fingerprint);
    }

    /// The deployments' fingerprint: read by `read` the first time this
    /// request asks, the same answer after that (also to a caller that asked
    /// while the first read was under way).
    pub async fn deployments<E, F, Fut>(&self, read: F) -> Result<(i64, i64, i64, String), E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<(i64, i64, i64, String), E>>,
    {
        self.deployments.get_or_try_init(read).await.cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_deployments_are_read_once_per_request() {
        let seen = Seen::new(Versions {
            fleet: 3,
            settings: 1,
        });
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let read = |n: i64| {
            let reads = &reads;
            move || async move {
                reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok::<_, ()>((n, 0, 0, String::new()))
            }
        };
        let (a, b) = tokio::join!(seen.deployments(read(1)), seen.deployments(read(2)));
        assert_eq!(a.unwrap().0, 1, "the first ask reads");
        assert_eq!(b.unwrap().0, 1, "an ask during the read gets its answer");
        assert_eq!(seen.deployments(read(3)).await.unwrap().0, 1);
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_read_is_tried_again() {
        let seen = Seen::new(Versions {
            fleet: 0,
            settings: 0,
        });
        let failed = seen
            .deployments(|| async { Err::<(i64, i64, i64, String), &str>("busy") })
            .await;
        assert_eq!(failed, Err("busy"));
        let read = seen
            .deployments(|| async { Ok::<_, &str>((7, 0, 0, String::new())) })
            .await;
        assert_eq!(read.unwrap().0, 7);
    }
}
