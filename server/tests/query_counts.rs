//! No N+1 queries: the number of SQL statements each page and API route runs,
//! counted where sqlx executes them (its `sqlx::query` tracing events), must
//! not grow with the fleet or with the rows shown. Compared on the small fleet
//! with a handful of requests and on the medium one (10× the clusters) with
//! 60 more, both warm (snapshot cached) and cold (the first request after a
//! change to the fleet).
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
use server::seed::{ensure_demo_accounts, seed_demo, seed_demo_deployments, Scale};
use server::{router, AppState};

/// Counts sqlx's per-statement events.
struct StatementCounter(Arc<AtomicUsize>);

impl<S: tracing::Subscriber> Layer<S> for StatementCounter {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            self.0.fetch_add(1, Ordering::SeqCst);
            if std::env::var("QC_DEBUG").is_ok() {
                struct V;
                impl tracing::field::Visit for V {
                    fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                        if f.name() == "summary" {
                            eprintln!("QC {v:?}");
                        }
                    }
                }
                event.record(&mut V);
            }
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

/// The routes measured, with ids, keys and cursors that exist in this fleet.
async fn routes(app: &axum::Router, auth: &str, key: &str) -> Vec<String> {
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
        "/api/v1/forecast",
        "/api/v1/forecast?region=westus2&include_pending=true",
    ]
    .map(String::from)
    .to_vec();
    routes.push(format!("/clusters?cursor={deep}"));
    routes.push(format!("/api/v1/clusters?limit=50&cursor={deep}"));
    routes.push(format!("/clusters/{id}"));
    routes.push(format!("/api/v1/clusters/{id}"));
    for r in [
        "/requests",
        "/approvals",
        "/api/v1/requests?limit=50",
        "/api/v1/requests?state=submitted",
    ] {
        routes.push(r.to_owned());
    }
    routes.push(format!("/requests/{key}"));
    routes.push(format!("/api/v1/requests/{key}"));
    let running = body_json(app, "/api/v1/deployments?state=in_progress", auth).await;
    let dep = running["items"][0]["key"]
        .as_str()
        .expect("a deployment in progress")
        .to_owned();
    // A filtered list that matches on both fleets: the running deployment's own kind and region.
    let (kind, region) = (
        running["items"][0]["kind"].as_str().expect("a kind"),
        running["items"][0]["region"].as_str().expect("a region"),
    );
    routes.push("/deployments".to_owned());
    routes.push(format!("/deployments?kind={kind}&region={region}"));
    routes.push("/api/v1/deployments?limit=50".to_owned());
    routes.push(format!("/deployments/{dep}"));
    routes.push(format!("/api/v1/deployments/{dep}"));
    routes
}

/// Files `n` requests that wait for an approver (100 units of a general SKU:
/// one approval, not the policy's own); returns the last one's key.
async fn file_requests(db: &Db, n: usize) -> String {
    let origin = app::shared::audit::Origin::default();
    let roles = app::auth::Roles::new([app::auth::Role::Requester]);
    app::auth::server::users::add(
        db,
        &origin,
        "(test)",
        "filer",
        Some("test-password-123".into()),
        &roles,
        false,
    )
    .await
    .unwrap();
    let user = app::auth::server::store::find_user_by_name(db.pool(), "filer")
        .await
        .unwrap()
        .unwrap();
    let caller = app::auth::server::caller::Caller {
        user: Some(app::auth::CurrentUser {
            id: user.id,
            name: user.name,
            roles,
        }),
        via: app::auth::server::caller::Via::Session,
        origin,
        seen: None,
    };
    let mut key = String::new();
    for i in 0..n.max(1) {
        let input = app::requests::types::RequestInput {
            kind: Some("provision".into()),
            region: Some("westus2".into()),
            // Pinned to a zone (the inbox asks for zone frees once per
            // region × SKU, not per row; region-wide ones ask nothing).
            zone: Some(Some(1 + i as i64 % 3)),
            sku: Some("Dv5".into()),
            quantity: Some(100),
            need_by: Some(app::shared::time::format_day(
                db.clock().today() + time::Duration::days(30),
            )),
            service: Some(format!("svc-{i}")),
            justification: Some("load".into()),
            priority: Some("P2".into()),
            ..Default::default()
        };
        key = app::requests::server::service::create(db, &caller, &input)
            .await
            .unwrap()
            .key;
    }
    key
}

/// A change to the fleet (a no-op lifecycle move, which still bumps the
/// version), so the next request finds no cached snapshot.
async fn touch_fleet(db: &Db, cluster: i64) {
    let mut tx = db.begin_write().await.unwrap();
    let lifecycle = app::fleet::codes::ClusterLifecycle::InService;
    app::fleet::server::ledger::set_lifecycle(db, &mut tx, cluster, lifecycle, 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Runs `sql` on the PostgreSQL server tests may use (`HEADROOM_TEST_PG_URL`).
async fn pg_admin(sql: &str) {
    use sqlx::Connection;
    let url = std::env::var("HEADROOM_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let mut conn = sqlx::PgConnection::connect(&url)
        .await
        .expect("PostgreSQL for tests");
    sqlx::query(sql).execute(&mut conn).await.expect(sql);
}

fn pg_url(db: &str) -> String {
    let admin = std::env::var("HEADROOM_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    format!("{base}/{db}")
}

/// (route, statements warm, statements cold) for each route.
async fn count(
    postgres: bool,
    scale: Scale,
    requests: usize,
    counter: &AtomicUsize,
) -> Vec<(String, usize, usize)> {
    let name = format!("headroom_qc_{}_{scale:?}", std::process::id()).to_lowercase();
    let dir = std::env::temp_dir().join(&name);
    let url = if postgres {
        pg_admin(&format!("DROP DATABASE IF EXISTS {name}")).await;
        pg_admin(&format!("CREATE DATABASE {name}")).await;
        pg_url(&name)
    } else {
        std::fs::create_dir_all(&dir).unwrap();
        format!("sqlite://{}", dir.join("q.db").display())
    };
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    seed_demo(&db, scale).await.unwrap();
    ensure_demo_accounts(&db).await.unwrap();
    seed_demo_deployments(&db).await.unwrap();
    let leptos = leptos::config::LeptosOptions::builder()
        .output_name("headroom")
        .build();
    let origin = app::shared::audit::Origin::default();
    let viewer = app::auth::Roles::new([app::auth::Role::Viewer, app::auth::Role::Approver]);
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
    let (_, token) =
        app::auth::server::tokens::create_token(&db, "counter", "count", None, None, 0)
            .await
            .unwrap();
    let auth = format!("Bearer {token}");
    let key = file_requests(&db, requests).await;
    let app = router(AppState::new(db.clone(), leptos, None));
    let in_service: (i64,) = sqlx::query_as(
        "SELECT id FROM clusters WHERE lifecycle = 'in_service' ORDER BY id LIMIT 1",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    let mut counts = Vec::new();
    for route in routes(&app, &auth, &key).await {
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
        let mut warm = usize::MAX;
        let mut cold = usize::MAX;
        for _ in 0..3 {
            if std::env::var("QC_DEBUG").is_ok() {
                eprintln!("QC ---- {route}");
            }
            let before = counter.load(Ordering::SeqCst);
            let resp = get().await.unwrap();
            let _ = axum::body::to_bytes(resp.into_body(), usize::MAX).await;
            warm = warm.min(counter.load(Ordering::SeqCst) - before);
            touch_fleet(&db, in_service.0).await;
            let before = counter.load(Ordering::SeqCst);
            let resp = get().await.unwrap();
            assert!(
                resp.status().is_success(),
                "{route} after a change: {}",
                resp.status()
            );
            let _ = axum::body::to_bytes(resp.into_body(), usize::MAX).await;
            cold = cold.min(counter.load(Ordering::SeqCst) - before);
        }
        counts.push((route.clone(), warm, cold));
    }
    db.pool().close().await;
    if postgres {
        pg_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
    } else {
        let _ = std::fs::remove_dir_all(dir);
    }
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

    for postgres in [false, true] {
        compare(postgres, &counter).await;
    }
}

/// The counts on the small and the medium fleet, which must be equal.
async fn compare(postgres: bool, counter: &AtomicUsize) {
    let engine = if postgres { "PostgreSQL" } else { "SQLite" };
    let small = count(postgres, Scale::Small, 1, counter).await;
    let medium = count(postgres, Scale::Medium, 60, counter).await;
    let mut report = format!("{engine}\n");
    for ((route, sw, sc), (_, mw, mc)) in small.iter().zip(&medium) {
        report.push_str(&format!("{sw:>3} {mw:>3} | {sc:>3} {mc:>3}  {route}\n"));
        assert!(*sw > 0, "{route} ran no statement: is the counter working?");
    }
    println!("statements per request (warm small, medium | cold small, medium):\n{report}");
    for ((route, sw, sc), (_, mw, mc)) in small.iter().zip(&medium) {
        assert_eq!(sw, mw, "{route} warm: {sw} statements on the small fleet, {mw} on the 10× fleet with more requests\n{report}");
        assert_eq!(sc, mc, "{route} cold: {sc} statements on the small fleet, {mc} on the 10× fleet with more requests\n{report}");
        assert!(*sw <= 12, "{route} runs {sw} statements warm\n{report}");
        if route == "/api/v1/fleet/summary" || route == "/api/v1/regions" {
            // The caller and both versions in one statement; the snapshot is kept.
            assert_eq!(*sw, 1, "{route} runs {sw} statements warm\n{report}");
        }
        assert!(*sc <= 24, "{route} runs {sc} statements cold\n{report}");
    }
}
