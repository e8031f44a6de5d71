//! No N+1 queries: the number of SQL statements each page and API route runs,
//! counted where sqlx executes them (its `sqlx::query` tracing events), must
//! not grow with the fleet. Compared on the small fleet and on the medium one
//! (10× the clusters).
//!
//! One test function on purpose: the counter is process-wide.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

use app::db::Db;
use server::seed::{seed_demo, Scale};
use server::{router, AppState};

/// Counts sqlx's per-statement events.
struct StatementCounter(Arc<AtomicUsize>);

impl<S: tracing::Subscriber> Layer<S> for StatementCounter {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

async fn body_json(app: &axum::Router, uri: &str, auth: &str) -> serde_json::Value {
    let resp = app
        .clone()
        .oneshot(
            Request::get(uri)
                .header("authorization", auth)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The routes measured, with ids and cursors that exist in this fleet.
async fn routes(app: &axum::Router, auth: &str) -> Vec<String> {
    let first = body_json(app, "/api/v1/clusters?limit=500", auth).await;
    let id = first["items"][0]["id"].as_i64().unwrap();
    let deep = first["next_cursor"].as_str().unwrap().to_owned();
    let mut routes: Vec<String> = [
        "/",
        "/regions/westus2",
        "/clusters",
        "/clusters?region=eastus&sku=Dv5",
        "/clusters?family=gpu&sort=-utilization",
        "/api/v1/fleet/summary",
        "/api/v1/regions",
        "/api/v1/regions/westus2",
        "/api/v1/clusters?limit=50",
        "/api/v1/clusters?region=eastus&health=critical",
    ]
    .map(String::from)
    .to_vec();
    routes.push(format!("/clusters?cursor={deep}"));
    routes.push(format!("/api/v1/clusters?limit=50&cursor={deep}"));
    routes.push(format!("/clusters/{id}"));
    routes.push(format!("/api/v1/clusters/{id}"));
    routes
}

/// (route, statements) for each route, after one warm-up request each.
async fn count(scale: Scale, counter: &AtomicUsize) -> Vec<(String, usize)> {
    let dir = std::env::temp_dir().join(format!("headroom-qc-{}-{scale:?}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = Db::connect(&format!("sqlite://{}", dir.join("q.db").display()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    seed_demo(&db, scale).await.unwrap();
    let leptos = leptos::config::LeptosOptions::builder()
        .output_name("headroom")
        .build();
    let origin = app::auth::server::audit::Origin::default();
    let viewer = app::auth::Roles::new([app::auth::Role::Viewer]);
    app::auth::server::users::add(
        &db,
        &origin,
        "(test)",
        "counter",
        Some("test-password-123".into()),
        &viewer,
        false,
    )
    .await
    .unwrap();
    let (_, token) = app::auth::server::tokens::create_token(&db, "counter", "count", None, 0)
        .await
        .unwrap();
    let auth = format!("Bearer {token}");
    let app = router(AppState::new(db.clone(), leptos, None));
    let mut counts = Vec::new();
    for route in routes(&app, &auth).await {
        let get = || {
            app.clone().oneshot(
                Request::get(route.as_str())
                    .header("authorization", auth.as_str())
                    .body(Body::empty())
                    .unwrap(),
            )
        };
        let warm = get().await.unwrap();
        assert!(warm.status().is_success(), "{route}: {}", warm.status());
        let _ = axum::body::to_bytes(warm.into_body(), usize::MAX).await;
        // The fewest of three: opening a pool connection adds statements now and then.
        let mut fewest = usize::MAX;
        for _ in 0..3 {
            let before = counter.load(Ordering::SeqCst);
            let resp = get().await.unwrap();
            let _ = axum::body::to_bytes(resp.into_body(), usize::MAX).await;
            fewest = fewest.min(counter.load(Ordering::SeqCst) - before);
        }
        counts.push((route.clone(), fewest));
    }
    db.pool().close().await;
    let _ = std::fs::remove_dir_all(dir);
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_per_route_do_not_grow_with_the_fleet() {
    let counter = Arc::new(AtomicUsize::new(0));
    tracing_subscriber::registry()
        .with(
            StatementCounter(counter.clone())
                .with_filter(Targets::new().with_target("sqlx::query", tracing::Level::TRACE)),
        )
        .init();

    let small = count(Scale::Small, &counter).await;
    let medium = count(Scale::Medium, &counter).await;
    let mut report = String::new();
    for ((route, s), (_, m)) in small.iter().zip(&medium) {
        report.push_str(&format!("{s:>3} {m:>3}  {route}\n"));
        assert!(*s > 0, "{route} ran no statement: is the counter working?");
    }
    println!("statements per request (small, medium):\n{report}");
    for ((route, s), (_, m)) in small.iter().zip(&medium) {
        assert_eq!(
            s, m,
            "{route}: {s} statements on the small fleet, {m} on the 10× fleet\n{report}"
        );
        assert!(*s <= 12, "{route} runs {s} statements\n{report}");
    }
}
