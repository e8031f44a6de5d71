//! Pages rendered once for every caller who would see the same page.
//!
//! What a fleet, forecast or deployments page shows depends on its path and
//! query, the fleet and settings versions, the deployments' fingerprint, the
//! caller's roles and chosen theme, and the clock — and on who the caller is
//! only in the navigation (their name, their counts) and the CSP nonce. So
//! such a page is rendered once as a template (`app::shared::template`: those
//! parts as marks) and each response fills in its own caller's: one statement
//! (the counts, with the deployments' fingerprint for the key) instead of a
//! render.
//!
//! - A kept page serves the second of the app's clock it was rendered in, and
//!   one second of real time at most: what no version covers (the time itself,
//!   a bake's countdown, a linked request's state) is never more than a second
//!   old, and a change that moves a version shows on the next request — the
//!   writer's own redirect included.
//! - Concurrent requests for one page wait for one render, made on its own
//!   task (a client that hangs up never drops a page mid-render, see `finish`).
//! - It sits behind the caller's resolution and the access rules: a revoked
//!   session or token, a disabled user, is refused on the next request as
//!   before. Only a caller whose name the page can carry verbatim is served
//!   (`parse_user_name`'s letters, digits and `. _ @ -`; no escaping anywhere).
//! - `Cache-Control: no-cache` or `no-store` from the client (a browser's hard
//!   reload) gets a page rendered for that caller alone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasick, MatchKind};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::OnceCell;

use app::auth::roles::CurrentUser;
use app::auth::server::caller::Caller;
use app::deployments::server::cache::Fingerprint;
use app::error::AppError;
use app::requests::types::NavCounts;
use app::shared::template::{Marks, Template};

use crate::state::AppState;

/// Pages kept at once, at most (a second's worth of distinct pages; a new
/// page's slot first drops those no longer fresh).
const MAX_KEPT: usize = 256;
/// The bytes of HTML kept at once, at most.
const MAX_KEPT_BYTES: usize = 32 << 20;
/// The longest path and query kept.
const MAX_PAGE_KEY: usize = 2_048;
/// The largest page kept (bytes of HTML).
const MAX_PAGE_BYTES: usize = 4 << 20;
/// How long, in real time, a kept page is served.
const FRESH_FOR: Duration = Duration::from_secs(1);

/// Whether `path` is a page the cache keeps: the overview, a region, the
/// cluster list and a cluster, the forecast, the deployments and a deployment.
pub fn is_kept_page(path: &str) -> bool {
    let one = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
    };
    matches!(path, "/" | "/clusters" | "/forecast" | "/deployments")
        || one("/regions/")
        || one("/clusters/")
        || (one("/deployments/") && path != "/deployments/new")
}

/// What a kept page is the same for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    page: String,
    theme: &'static str,
    roles: String,
    versions: (i64, i64),
    deployments: Fingerprint,
    second: i64,
}

/// A template render: the page's status, headers and HTML with the marks.
#[derive(Debug)]
struct Kept {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

/// A page being rendered or rendered, and when it was asked for first.
#[derive(Debug, Clone)]
struct Slot {
    made: Instant,
    /// `None` once rendered: a page not for sharing (not a 200, or it sets a
    /// cookie); every asker then renders their own.
    page: Arc<OnceCell<Option<Arc<Kept>>>>,
}

/// This process's kept pages and the marks its templates carry.
#[derive(Debug)]
pub struct PageCache {
    marks: Arc<Marks>,
    /// Finds the marks in a template, in `Marks`' order (see `fill`).
    finder: AhoCorasick,
    slots: Mutex<HashMap<Key, Slot>>,
}

impl Default for PageCache {
    fn default() -> Self {
        Self::new()
    }
}

impl PageCache {
    /// An empty cache with marks of its own (random: no page can hold one).
    pub fn new() -> Self {
        let letters = |prefix: &str| {
            let tail: String = (0..24)
                .map(|_| char::from(b'a' + (rand::random::<u8>() % 26)))
                .collect();
            format!("{prefix}{tail}")
        };
        // Seventeen digits, none a prefix of another (they differ in length from nothing
        // else the marks hold, and collide with page content only by a 1-in-10^16 chance).
        let number =
            || 10_000_000_000_000_000 + (rand::random::<u64>() % 80_000_000_000_000_000) as i64;
        let marks = Marks {
            name: letters("hdrmname"),
            id: number(),
            waiting: number(),
            mine: number(),
            nav: letters("hdrmnav"),
            nonce: letters("hdrmnonce"),
        };
        let finder = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build([
                marks.name.clone(),
                marks.id.to_string(),
                marks.waiting.to_string(),
                marks.mine.to_string(),
                marks.nav.clone(),
                marks.nonce.clone(),
            ])
            .expect("six literal marks build a searcher");
        PageCache {
            marks: Arc::new(marks),
            finder,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The slot for `key`: kept, being rendered, or new; `None` when the
    /// cache is full of fresh pages (the caller then renders their own).
    fn slot(&self, key: &Key) -> Option<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = slots.get(key).filter(|s| s.made.elapsed() < FRESH_FOR) {
            return Some(slot.clone());
        }
        slots.retain(|_, s| s.made.elapsed() < FRESH_FOR);
        let bytes: usize = slots
            .values()
            .filter_map(|s| s.page.get().cloned().flatten())
            .map(|p| p.body.len())
            .sum();
        if slots.len() >= MAX_KEPT || bytes >= MAX_KEPT_BYTES {
            return None;
        }
        let slot = Slot {
            made: Instant::now(),
            page: Arc::new(OnceCell::new()),
        };
        slots.insert(key.clone(), slot.clone());
        Some(slot)
    }

    /// `page` as `user` sees it, with `counts` and a fresh nonce.
    fn fill(&self, page: &Kept, user: &CurrentUser, counts: NavCounts) -> Response {
        let nonce = leptos::nonce::Nonce::new().to_string();
        let nav = app::components::layout::nav_count_html(counts, &user.name);
        let id = user.id.to_string();
        let waiting = counts.waiting_for_me.unwrap_or_default().to_string();
        let mine = counts.mine_in_flight.unwrap_or_default().to_string();
        let values: [&str; 6] = [&user.name, &id, &waiting, &mine, &nav, &nonce];
        let body = self.finder.replace_all(&page.body, &values);
        let mut resp = Response::new(Body::from(body));
        *resp.status_mut() = page.status;
        *resp.headers_mut() = page.headers.clone();
        resp.headers_mut().remove(CONTENT_LENGTH);
        if let Ok(csp) = HeaderValue::from_str(&app::page_csp(&nonce)) {
            resp.headers_mut().insert(CONTENT_SECURITY_POLICY, csp);
        }
        resp
    }
}

/// The middleware: a kept page's request is answered from its template (or
/// waits for the render of it); every other request passes through.
pub async fn serve(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // What the request says is taken before any await: a request is not `Sync`.
    let Some(asked) = asked(&state, &req) else {
        return next.run(req).await;
    };
    let Some((key, user, counts)) = key_of(&state, asked).await else {
        return next.run(req).await;
    };
    let Some(slot) = state.pages.slot(&key) else {
        metrics::counter!("headroom_page_cache_total", "outcome" => "full").increment(1);
        return next.run(req).await;
    };
    let mut req = Some(req);
    let mut rendered = None;
    let shared = slot
        .page
        .get_or_init(|| async {
            let req = req.take()?;
            let page = render(Arc::clone(&state.pages.marks), next.clone(), req).await;
            rendered = page.clone();
            page.filter(|p| p.status == StatusCode::OK && !p.headers.contains_key(SET_COOKIE))
        })
        .await
        .clone();
    let page = match (rendered, shared, req) {
        (Some(mine), _, _) => {
            metrics::counter!("headroom_page_cache_total", "outcome" => "render").increment(1);
            mine
        }
        (None, Some(kept), _) => {
            metrics::counter!("headroom_page_cache_total", "outcome" => "hit").increment(1);
            kept
        }
        (None, None, Some(req)) => return next.run(req).await,
        (None, None, None) => {
            return AppError::Internal(anyhow::anyhow!("the page's render failed")).into_response()
        }
    };
    state.pages.fill(&page, &user, counts)
}

/// The whole key of a request `asked` admitted, with its caller's
/// navigation counts: one statement reads them with the deployments'
/// fingerprint (kept on the request for its page's own reads).
async fn key_of(
    state: &AppState,
    (key, caller): (Key, Caller),
) -> Option<(Key, CurrentUser, NavCounts)> {
    let (counts, deployments) =
        app::requests::server::views::nav_counts_and_deployments(&state.db, &caller)
            .await
            .ok()?;
    let user = caller.user.clone()?;
    Some((Key { deployments, ..key }, user, counts))
}

/// The key of a request the cache may answer but for the deployments'
/// fingerprint, with its caller.
fn asked(state: &AppState, req: &Request) -> Option<(Key, Caller)> {
    let page = req.uri().path_and_query()?.as_str();
    if req.method() != Method::GET || !is_kept_page(req.uri().path()) || page.len() > MAX_PAGE_KEY {
        return None;
    }
    let fresh = req
        .headers()
        .get_all(CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("no-cache") || v.contains("no-store"));
    let caller = req.extensions().get::<Caller>()?;
    let user = caller.user.as_ref().filter(|u| u.reads())?;
    let plain_name = app::auth::roles::parse_user_name(&user.name).is_ok_and(|n| n == user.name);
    let seen = caller.seen.as_ref()?;
    if fresh || !plain_name {
        return None;
    }
    let key = Key {
        page: page.to_owned(),
        theme: app::theme_of(req.headers()),
        roles: user.roles.to_string(),
        versions: (seen.versions.fleet, seen.versions.settings),
        deployments: Default::default(),
        second: state.db.clock().now().unix_timestamp(),
    };
    Some((key, caller.clone()))
}

/// Renders `req`'s page as a template, on its own task, to its end.
async fn render(marks: Arc<Marks>, next: Next, mut req: Request) -> Option<Arc<Kept>> {
    req.extensions_mut().insert(Template(marks));
    let task = tokio::spawn(async move {
        let (parts, body) = next.run(req).await.into_parts();
        let body = Body::from_stream(crate::finish::Finishing::new(body));
        let bytes = axum::body::to_bytes(body, MAX_PAGE_BYTES).await.ok()?;
        Some(Kept {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8(bytes.to_vec()).ok()?,
        })
    });
    task.await.ok().flatten().map(Arc::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kept_pages_are_the_read_only_fleet_and_deployments_pages() {
        for kept in [
            "/",
            "/clusters",
            "/forecast",
            "/deployments",
            "/regions/westus2",
            "/clusters/88",
            "/deployments/DEP-17",
        ] {
            assert!(is_kept_page(kept), "{kept}");
        }
        for not in [
            "/deployments/new",
            "/requests",
            "/requests/CR-1",
            "/approvals",
            "/admin/users",
            "/regions/westus2/x",
            "/regions/",
            "/api/v1/regions",
            "/clusters.csv",
            "/login",
        ] {
            assert!(!is_kept_page(not), "{not}");
        }
    }

    #[test]
    fn marks_are_distinct_and_found_in_order() {
        let cache = PageCache::new();
        let m = &cache.marks;
        let page = format!(
            "<p>{}</p>{{\"id\":{},\"w\":{},\"m\":{}}}{}<script nonce=\"{}\">",
            m.name, m.id, m.waiting, m.mine, m.nav, m.nonce
        );
        let filled = cache
            .finder
            .replace_all(&page, &["ann", "7", "3", "0", "<a>3</a>", "N0NCE"]);
        assert_eq!(
            filled,
            "<p>ann</p>{\"id\":7,\"w\":3,\"m\":0}<a>3</a><script nonce=\"N0NCE\">"
        );
        assert_ne!(m.name, PageCache::new().marks.name, "random per cache");
    }
}
