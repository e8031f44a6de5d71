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

/// The most deployment pages kept: past it, the less recently read half is dropped.
const MAX_DETAILS: usize = 512;

/// What a deployment's page reads from the database — the deployment with its
/// rings, targets and requests, and its timeline — kept per replica under the
/// deployment's own version. Every change to a deployment, its rings or its
/// targets bumps that version in the same transaction, and every timeline
/// entry is written in such a transaction (or the one that creates it), so a
/// page checks one version instead of reading five statements' rows; other
/// deployments' reports do not disturb it (ids are never reused: AUTOINCREMENT,
/// sequences). What depends on the clock (the
/// bake countdown, the ETA) and on the caller (the actions) is worked out on
/// each read.
pub struct DetailCache<T = Detail> {
    /// Deployment id → (its version, when last used, its page's rows).
    inner: Mutex<HashMap<i64, KeptDetail<T>>>,
    uses: std::sync::atomic::AtomicU64,
}

impl<T> Default for DetailCache<T> {
    fn default() -> Self {
        Self {
            inner: Mutex::default(),
            uses: Default::default(),
        }
    }
}

type KeptDetail<T> = (i64, u64, Arc<T>);

/// One kept deployment page's rows.
pub type Detail = (super::model::Loaded, Vec<crate::deployments::types::Event>);

impl<T> std::fmt::Debug for DetailCache<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = self.inner.lock().map_or(0, |i| i.len());
        f.debug_struct("DetailCache").field("kept", &kept).finish()
    }
}

impl<T> DetailCache<T> {
    fn tick(&self) -> u64 {
        self.uses.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// Deployment `id`'s page as kept at `version`, if it is.
    pub fn get(&self, id: i64, version: i64) -> Option<Arc<T>> {
        let now = self.tick();
        let mut inner = self.inner.lock().ok()?;
        let kept = inner.get_mut(&id).filter(|k| k.0 == version)?;
        kept.1 = now;
        Some(Arc::clone(&kept.2))
    }

    /// Keeps deployment `id`'s page read at `version` (read after the
    /// version, so at least as new; a later change moves the version on).
    pub fn put(&self, id: i64, version: i64, detail: Arc<T>) {
        let now = self.tick();
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.len() >= MAX_DETAILS && !inner.contains_key(&id) {
            // Drop the less recently used half.
            let mut uses: Vec<u64> = inner.values().map(|k| k.1).collect();
            uses.sort_unstable();
            let cut = uses[uses.len() / 2];
            inner.retain(|_, k| k.1 > cut);
        }
        inner.insert(id, (version, now, detail));
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

    fn detail(id: i64, version: i64) -> Arc<(i64, i64)> {
        Arc::new((id, version))
    }

    #[test]
    fn a_deployment_page_is_kept_only_at_its_version() {
        let cache = DetailCache::<(i64, i64)>::default();
        assert!(cache.get(7, 1).is_none());
        cache.put(7, 1, detail(7, 1));
        assert_eq!(cache.get(7, 1).map(|d| d.1), Some(1));
        assert!(cache.get(7, 2).is_none(), "a change hides the old page");
        assert!(
            cache.get(8, 1).is_none(),
            "another deployment is not served"
        );
        cache.put(7, 2, detail(7, 2));
        assert!(cache.get(7, 1).is_none(), "the older page is gone");
        assert_eq!(cache.get(7, 2).map(|d| d.1), Some(2));
    }

    #[test]
    fn the_detail_cache_stays_bounded_and_keeps_what_is_read() {
        let cache = DetailCache::<(i64, i64)>::default();
        cache.put(0, 1, detail(0, 1));
        for id in 1..(MAX_DETAILS as i64 * 3) {
            cache.put(id, 1, detail(id, 1));
            // The first page is read all along: it stays.
            assert!(cache.get(0, 1).is_some(), "after {id}");
        }
        let kept = cache.inner.lock().unwrap().len();
        assert!(kept <= MAX_DETAILS, "{kept} pages kept");
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
