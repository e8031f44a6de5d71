//! The deployment lists (and the in-flight panels' deployments), kept per
//! replica under the deployments' fingerprint.
//!
//! Every change to a deployment — its plan, a ring, a target, its state —
//! bumps that deployment's version in the same transaction (`run::apply`,
//! `store::bump`), and new ones add a row, so (how many, the sum of their
//! versions, the newest id, the latest change) moves on every change. Each
//! list read takes the fingerprint first (one aggregate over `deployments`),
//! then reuses a page built at that fingerprint or builds and keeps it: the
//! 50 deployments of an API page are thousands of target rows, read once per
//! change instead of once per request. Data read after the fingerprint is at
//! least as new as it; a later change moves the fingerprint again, so nothing
//! stale outlives the next read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::deployments::types::{Deployment, DeploymentRow};
use crate::shared::page::Page;

/// What identifies the deployments' state: count, sum of versions, newest id,
/// latest change.
pub type Fingerprint = (i64, i64, i64, String);

/// The most pages kept (of each kind): a filter, cursor and limit each.
const MAX_PAGES: usize = 256;

/// A kept page of the list: full (the API) or as rows (the list page); or
/// the deployments in flight and planned that the pages' panels and freeze
/// banner read (whether there are more than shown, and those shown, summed:
/// their ETAs are worked out from them on each read, against the clock).
#[derive(Clone)]
pub enum Kept {
    Full(Arc<Page<Deployment>>),
    Rows(Arc<Page<DeploymentRow>>),
    InFlight(Arc<(bool, Vec<super::model::Summary>)>),
}

#[derive(Default)]
pub struct ListCache {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for ListCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = self.inner.lock().map_or(0, |i| i.pages.len());
        f.debug_struct("ListCache").field("pages", &kept).finish()
    }
}

#[derive(Default)]
struct Inner {
    at: Option<Fingerprint>,
    pages: HashMap<String, Kept>,
}

impl ListCache {
    /// The page kept under `key` at fingerprint `at`, if any.
    pub fn get(&self, at: &Fingerprint, key: &str) -> Option<Kept> {
        let inner = self.inner.lock().ok()?;
        match inner.at.as_ref() == Some(at) {
            true => inner.pages.get(key).cloned(),
            false => None,
        }
    }

    /// Keeps `page` under `key` at fingerprint `at` (pages of another
    /// fingerprint are dropped).
    pub fn put(&self, at: &Fingerprint, key: String, page: Kept) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.at.as_ref() != Some(at) || inner.pages.len() >= MAX_PAGES {
            inner.pages.clear();
            inner.at = Some(at.clone());
        }
        inner.pages.insert(key, page);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: usize) -> Kept {
        Kept::Rows(Arc::new(Page {
            items: Vec::with_capacity(n),
            next_cursor: Some(n.to_string()),
        }))
    }

    fn cursor(k: Option<Kept>) -> Option<String> {
        match k? {
            Kept::Rows(p) => p.next_cursor.clone(),
            Kept::Full(p) => p.next_cursor.clone(),
            Kept::InFlight(_) => None,
        }
    }

    #[test]
    fn a_page_is_kept_only_at_its_fingerprint() {
        let cache = ListCache::default();
        let v1: Fingerprint = (3, 7, 3, "2026-12-01T00:00:00Z".into());
        let v2: Fingerprint = (3, 8, 3, "2026-12-01T00:00:01Z".into());
        assert!(cache.get(&v1, "a").is_none());
        cache.put(&v1, "a".into(), page(1));
        assert_eq!(cursor(cache.get(&v1, "a")), Some("1".into()));
        assert!(cache.get(&v1, "b").is_none(), "another query is not served");
        assert!(cache.get(&v2, "a").is_none(), "a change hides the old page");
        cache.put(&v2, "b".into(), page(2));
        assert!(cache.get(&v1, "a").is_none(), "older pages are dropped");
        assert_eq!(cursor(cache.get(&v2, "b")), Some("2".into()));
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = ListCache::default();
        let v: Fingerprint = (1, 1, 1, String::new());
        for i in 0..(MAX_PAGES * 3) {
            cache.put(&v, i.to_string(), page(i));
        }
        let kept = cache.inner.lock().unwrap().pages.len();
        assert!(kept <= MAX_PAGES, "{kept} pages kept");
    }
}
