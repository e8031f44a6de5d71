//! `/metrics`: Prometheus text, every name `headroom_*` (PRODUCT.md "The
//! contract"). `track`, a layer on every route, counts and times HTTP requests
//! by the route's template (never the raw path, so a crawler cannot mint
//! series); the pool, business and status-cache gauges are read when scraped.
//! On the main address a caller needs the admin or monitor role; with
//! `HEADROOM_METRICS_ADDR` set, `private_router` serves the same text without
//! sign-in on that address only (a scraper on a private network).

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use app::deployments::domain::DeploymentState;
use app::fleet::codes::{CapacityUnit, Family};
use app::requests::domain::State as RequestState;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::state::AppState;
use app::auth::access::METRICS;
use app::auth::server::caller::Caller;
use app::error::AppResult;

const REQUESTS: &str = "headroom_http_requests_total";
const REQUEST_SECONDS: &str = "headroom_http_request_duration_seconds";

/// Request latency buckets, in seconds: 1 ms to 10 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's recorder, installed on first use (tests build many routers
/// in one process; they share it). If another recorder was installed first,
/// the metrics go there and this handle renders an empty page.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(REQUEST_SECONDS.into()), LATENCY_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let handle = match builder.install_recorder() {
            Ok(handle) => handle,
            Err(e) => {
                tracing::warn!(error = %e, "another metrics recorder is installed; /metrics stays empty");
                PrometheusBuilder::new().build_recorder().handle()
            }
        };
        describe();
        // Counters appear at 0 before their first event, so an alert's
        // `increase()` sees the first one.
        for cause in ["pool_timed_out", "busy", "unreachable"] {
            counter!("headroom_db_unavailable_total", "cause" => cause).increment(0);
        }
        counter!("headroom_pages_finished_after_hangup_total").increment(0);
        for outcome in ["hit", "render", "full"] {
            counter!("headroom_page_cache_total", "outcome" => outcome).increment(0);
        }
        handle
    })
}

fn describe() {
    describe_counter!(
        REQUESTS,
        "HTTP requests answered, by route template, method and status."
    );
    describe_histogram!(
        REQUEST_SECONDS,
        metrics::Unit::Seconds,
        "Time to answer an HTTP request, by route template and method."
    );
    describe_counter!(
        "headroom_db_unavailable_total",
        "Database calls refused as unavailable: pool_timed_out (no connection free in time), busy, unreachable."
    );
    describe_counter!(
        "headroom_page_cache_total",
        "Pages the page cache answered (see server::pages): hit (kept), render (rendered for the cache), full (rendered alone: the cache was full)."
    );
    describe_counter!(
        "headroom_pages_finished_after_hangup_total",
        "Pages whose client left mid-stream, rendered to their end anyway (see server::finish)."
    );
}

/// Counts and times each request under its route's template.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    counter!(REQUESTS, "route" => route.clone(), "method" => method.clone(), "status" => status)
        .increment(1);
    histogram!(REQUEST_SECONDS, "route" => route, "method" => method)
        .record(started.elapsed().as_secs_f64());
    resp
}

/// `/metrics` on the main address: admins and monitors only, checked here
/// too, whatever the access rules checked before.
pub async fn serve(State(state): State<AppState>, caller: Option<Extension<Caller>>) -> Response {
    let caller = caller.map_or_else(|| Caller::anonymous(Default::default()), |c| c.0);
    match caller.check(METRICS) {
        Ok(_) => scrape(&state).await.into_response(),
        Err(e) => e.into_response(),
    }
}

/// `/metrics` on `HEADROOM_METRICS_ADDR`: no sign-in.
pub fn private_router(state: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(state): State<AppState>| async move { scrape(&state).await }),
        )
        .with_state(state)
}

/// The text a scrape answers: the process's request metrics, then this
/// replica's gauges read now.
async fn scrape(state: &AppState) -> Response {
    let handle = handle();
    handle.run_upkeep();
    let mut text = handle.render();
    match Gauges::read(state).await {
        Ok(g) => text.push_str(&g.render()),
        // The request metrics still answer; the scrape shows the gauges missing.
        Err(e) => tracing::warn!(error = %e, "reading the metrics' gauges failed"),
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// One region × family's figures.
struct Cell {
    region: String,
    family: Family,
    unit: Option<CapacityUnit>,
    free: i64,
    utilization: f64,
}

/// The gauges of one scrape, read from this replica's database and caches.
struct Gauges {
    pool_idle: u32,
    pool_size: u32,
    pool_max: u32,
    status_age: Option<f64>,
    fleet_version: i64,
    cells: Vec<Cell>,
    requests: HashMap<RequestState, i64>,
    oldest_waiting: f64,
    deployments: HashMap<DeploymentState, i64>,
    webhook_backlog: i64,
}

impl Gauges {
    async fn read(state: &AppState) -> AppResult<Gauges> {
        let db = &state.db;
        let pool = db.pool();
        let snap = app::fleet::server::service::snapshot(db).await?;
        let units: HashMap<_, _> = snap
            .regions
            .iter()
            .flat_map(|r| r.skus.iter())
            .map(|s| (s.family, s.unit))
            .collect();
        let cells = snap
            .summary
            .grid
            .iter()
            .flat_map(|row| {
                row.cells.iter().flatten().map(|c| Cell {
                    region: row.region.clone(),
                    family: c.family,
                    unit: units.get(&c.family).copied(),
                    free: c.rollup.ledger.free(),
                    utilization: c.rollup.utilization,
                })
            })
            .collect();
        let oldest = app::requests::server::store::oldest_submitted(pool).await?;
        let oldest_waiting = oldest
            .and_then(|at| OffsetDateTime::parse(&at, &Rfc3339).ok())
            .map_or(0.0, |at| (db.clock().now() - at).as_seconds_f64().max(0.0));
        Ok(Gauges {
            pool_idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            pool_size: pool.size(),
            pool_max: pool.options().get_max_connections(),
            status_age: state
                .status
                .latest()
                .map(|r| r.built.elapsed().as_secs_f64()),
            fleet_version: snap.version.fleet,
            cells,
            requests: app::requests::server::store::count_by_state(pool)
                .await?
                .into_iter()
                .collect(),
            oldest_waiting,
            deployments: app::deployments::server::store::count_by_state(pool)
                .await?
                .into_iter()
                .collect(),
            webhook_backlog: app::webhooks::server::store::backlog(pool).await?,
        })
    }

    /// Rendered by a recorder of their own: each scrape shows exactly what
    /// it read (no series left over from a region since removed).
    fn render(&self) -> String {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || self.record());
        handle.render()
    }

    fn record(&self) {
        describe_gauge!(
            "headroom_build_info",
            "Always 1; the version label is the binary's."
        );
        gauge!("headroom_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
        describe_gauge!(
            "headroom_db_pool_connections",
            "Database pool connections, by state (idle, in_use)."
        );
        gauge!("headroom_db_pool_connections", "state" => "idle").set(f64::from(self.pool_idle));
        gauge!("headroom_db_pool_connections", "state" => "in_use")
            .set(f64::from(self.pool_size.saturating_sub(self.pool_idle)));
        describe_gauge!(
            "headroom_db_pool_max_connections",
            "The most connections the database pool opens."
        );
        gauge!("headroom_db_pool_max_connections").set(f64::from(self.pool_max));
        if let Some(age) = self.status_age {
            describe_gauge!(
                "headroom_status_cache_age_seconds",
                "Age of this replica's rendering of the public status pages (absent before the first)."
            );
            gauge!("headroom_status_cache_age_seconds").set(age);
        }
        describe_gauge!(
            "headroom_fleet_version",
            "The fleet version this replica's snapshot was built at."
        );
        gauge!("headroom_fleet_version").set(self.fleet_version as f64);
        describe_gauge!(
            "headroom_free_units",
            "Free units per region × SKU family (its unit in the unit label)."
        );
        describe_gauge!(
            "headroom_utilization_ratio",
            "Used ÷ in-service units per region × SKU family."
        );
        for c in &self.cells {
            let (region, family) = (c.region.clone(), c.family.as_str());
            let unit = c.unit.map_or("", |u| u.as_str());
            gauge!("headroom_free_units", "region" => region.clone(), "family" => family, "unit" => unit)
                .set(c.free as f64);
            gauge!("headroom_utilization_ratio", "region" => region, "family" => family)
                .set(c.utilization);
        }
        describe_gauge!("headroom_requests", "Capacity requests, by state.");
        for s in RequestState::ALL {
            let n = self.requests.get(s).copied().unwrap_or(0);
            gauge!("headroom_requests", "state" => s.as_str()).set(n as f64);
        }
        describe_gauge!(
            "headroom_oldest_waiting_approval_seconds",
            "Age of the longest-waiting submitted request since it last changed (0 when none waits)."
        );
        gauge!("headroom_oldest_waiting_approval_seconds").set(self.oldest_waiting);
        describe_gauge!("headroom_deployments", "Deployments, by state.");
        for s in DeploymentState::ALL {
            let n = self.deployments.get(s).copied().unwrap_or(0);
            gauge!("headroom_deployments", "state" => s.as_str()).set(n as f64);
        }
        describe_gauge!(
            "headroom_webhook_backlog",
            "Webhook deliveries waiting to go (pending or being attempted), across subscriptions."
        );
        gauge!("headroom_webhook_backlog").set(self.webhook_backlog as f64);
    }
}
