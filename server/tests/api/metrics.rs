//! `/metrics` (PRODUCT.md "The contract"): Prometheus text, every name
//! `headroom_*`; admins and monitors on the main address (a monitor reads
//! nothing else), anyone on `HEADROOM_METRICS_ADDR`; the example alert rules
//! and dashboard in `deploy/` use only names it serves.

use std::collections::{BTreeMap, BTreeSet};

use crate::both_databases;
use crate::helpers::{client_with, user_with_token, TestApp};
use app::auth::Role;

/// The samples of a scrape: `name{labels}` → value (comments skipped).
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (series, value) = l
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("a sample: {l}"));
            (
                series.to_owned(),
                value.parse().unwrap_or_else(|_| panic!("a number: {l}")),
            )
        })
        .collect()
}

/// The metric names a scrape serves (a histogram's `_bucket`, `_sum` and
/// `_count` under its own name too).
fn names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for series in samples(text).keys() {
        let name = series.split('{').next().unwrap().to_owned();
        for suffix in ["_bucket", "_sum", "_count"] {
            if let Some(base) = name.strip_suffix(suffix) {
                names.insert(base.to_owned());
            }
        }
        names.insert(name);
    }
    names
}

/// The value of the one sample of `name` whose labels include every one of `labels`.
fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples(text).into_iter().find_map(|(series, v)| {
        let (n, rest) = series.split_once('{').unwrap_or((&series, ""));
        let all = labels
            .iter()
            .all(|(k, val)| rest.contains(&format!("{k}=\"{val}\"")));
        (n == name && all).then_some(v)
    })
}

async fn scrape(client: &reqwest::Client, url: String) -> (u16, String, String) {
    let resp = client.get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, resp.text().await.unwrap())
}

/// Every `headroom_…` name a text file mentions.
fn names_used(text: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("headroom_") {
        let name: String = rest[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        used.insert(name.clone());
        rest = &rest[at + name.len()..];
    }
    used
}

both_databases! {
    async fn only_admins_and_monitors_scrape_and_a_monitor_reads_nothing_else(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (status, _, _) = scrape(&app.anonymous, app.url("/metrics")).await;
        assert_eq!(status, 401, "anonymous: 401, not a sign-in redirect (a scraper follows no forms)");
        for role in Role::ALL {
            let (status, kind, text) = scrape(&app.as_role(role), app.url("/metrics")).await;
            if matches!(role, Role::Admin | Role::Monitor) {
                assert_eq!(status, 200, "{role}");
                assert!(kind.starts_with("text/plain; version=0.0.4"), "{role}: {kind}");
                assert!(names(&text).iter().all(|n| n.starts_with("headroom_")), "{role}: {text}");
            } else {
                assert_eq!(status, 403, "{role}");
            }
        }
        // A scraper's token: a user whose only role is monitor.
        let scraper = user_with_token(&app, "prometheus", &[Role::Monitor]).await;
        assert_eq!(scrape(&scraper, app.url("/metrics")).await.0, 200);
        for path in ["/api/v1/regions", "/api/v1/requests", "/api/v1/forecast"] {
            let resp = scraper.get(app.url(path)).send().await.unwrap();
            assert_eq!(resp.status(), 403, "a monitor reads /metrics only: {path}");
        }
        let resp = scraper.get(app.url("/clusters")).send().await.unwrap();
        assert_eq!(resp.status(), 403, "nor any page");
    }

    async fn requests_are_counted_by_route_template_and_gauges_match_the_fleet(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let admin = app.as_role(Role::Admin);
        // The status pages rendered once, so their cache has an age.
        assert_eq!(app.anonymous.get(app.url("/status")).send().await.unwrap().status(), 200);
        let before = scrape(&admin, app.url("/metrics")).await.2;
        let route = [("route", "/api/v1/regions/{code}"), ("method", "GET"), ("status", "200")];
        let counted = |text: &str| value(text, "headroom_http_requests_total", &route).unwrap_or(0.0);
        for _ in 0..3 {
            assert_eq!(app.get("/api/v1/regions/westus2").await.status(), 200);
        }
        let missing = [("route", "/api/v1/regions/{code}"), ("method", "GET"), ("status", "404")];
        assert_eq!(app.get("/api/v1/regions/nowhere9").await.status(), 404);
        let (_, _, text) = scrape(&admin, app.url("/metrics")).await;
        // Other tests in this process count too, so at least, not exactly.
        assert!(counted(&text) >= counted(&before) + 3.0, "three more GETs counted:\n{text}");
        assert!(value(&text, "headroom_http_requests_total", &missing).is_some(), "the 404 under its template");
        assert!(!text.contains("nowhere9"), "raw paths never become labels");
        assert!(
            value(&text, "headroom_http_request_duration_seconds_count", &route[..2]).is_some(),
            "latency histogram per route"
        );

        // Free units per region × family: westus2's SKUs summed by family, from the API.
        let (_, region) = app.get_json("/api/v1/regions/westus2").await;
        let mut free: BTreeMap<String, i64> = BTreeMap::new();
        for s in region["region"]["skus"].as_array().unwrap() {
            *free.entry(s["family"].as_str().unwrap().to_owned()).or_default() += s["ledger"]["free"].as_i64().unwrap();
        }
        assert!(!free.is_empty());
        for (family, units) in &free {
            let got = value(&text, "headroom_free_units", &[("region", "westus2"), ("family", family)]);
            assert_eq!(got, Some(*units as f64), "westus2 {family}");
            let util = value(&text, "headroom_utilization_ratio", &[("region", "westus2"), ("family", family)]).unwrap();
            assert!((0.0..=1.5).contains(&util), "{family}: {util}");
        }

        // Requests per state, as the table holds them.
        for state in ["draft", "submitted", "approved"] {
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM capacity_requests WHERE state = $1")
                .bind(state).fetch_one(app.db.pool()).await.unwrap();
            assert_eq!(value(&text, "headroom_requests", &[("state", state)]), Some(n as f64), "{state}");
        }
        let (submitted,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM capacity_requests WHERE state = 'submitted'")
            .fetch_one(app.db.pool()).await.unwrap();
        let oldest = value(&text, "headroom_oldest_waiting_approval_seconds", &[]).unwrap();
        assert_eq!(oldest > 0.0, submitted > 0, "an age exactly when a request waits: {oldest}");
        let (deployments,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM deployments")
            .fetch_one(app.db.pool()).await.unwrap();
        let counted: f64 = samples(&text).iter().filter(|(k, _)| k.starts_with("headroom_deployments{")).map(|(_, v)| v).sum();
        assert_eq!(counted, deployments as f64, "every deployment in one state");
        assert!(value(&text, "headroom_db_pool_max_connections", &[]).unwrap() >= 1.0);
        assert!(value(&text, "headroom_db_pool_connections", &[("state", "idle")]).is_some());

        // The example alert rules and dashboard use only names served here.
        let served = names(&text);
        for (file, content) in [
            ("deploy/prometheus/headroom-alerts.yml", include_str!("../../../deploy/prometheus/headroom-alerts.yml")),
            ("deploy/grafana/headroom-dashboard.json", include_str!("../../../deploy/grafana/headroom-dashboard.json")),
        ] {
            let used = names_used(content);
            assert!(!used.is_empty(), "{file} uses Headroom's metrics");
            let unknown: Vec<_> = used.difference(&served).collect();
            assert!(unknown.is_empty(), "{file} uses names /metrics does not serve: {unknown:?}");
        }
        serde_json::from_str::<serde_json::Value>(include_str!("../../../deploy/grafana/headroom-dashboard.json"))
            .expect("the dashboard is JSON");
    }

    async fn the_metrics_address_serves_without_sign_in(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let metrics_addr = format!("127.0.0.1:{port}");
        let replica = app.replica_process_with(&[("HEADROOM_METRICS_ADDR", &metrics_addr)]).await;
        let anonymous = client_with(None);
        let (status, _, text) = scrape(&anonymous, format!("http://{metrics_addr}/metrics")).await;
        assert_eq!(status, 200, "{text}");
        assert!(value(&text, "headroom_free_units", &[("region", "westus2")]).is_some(), "{text}");
        let (status, _, _) = scrape(&anonymous, format!("{}/metrics", replica.address)).await;
        assert_eq!(status, 401, "the main address still wants a caller");
        let resp = anonymous.get(format!("http://{metrics_addr}/api/v1/regions")).send().await.unwrap();
        assert_eq!(resp.status(), 404, "the metrics address serves /metrics and nothing else");
    }
}

both_databases! {
    async fn a_page_whose_client_hangs_up_is_rendered_to_its_end_and_counted(backend: Backend) {
        use futures::StreamExt;
        use tower::ServiceExt;
        let app = TestApp::seeded(backend).await;
        let admin = app.as_role(Role::Admin);
        let name = "headroom_pages_finished_after_hangup_total";
        let count = |text: &str| value(text, name, &[]).expect("the counter is served from the start");
        let before = count(&scrape(&admin, app.url("/metrics")).await.2);
        // The router itself, so the hang-up comes after the first chunk for sure.
        let leptos = leptos::config::LeptosOptions::builder().output_name("headroom").build();
        let router = server::routes::router(server::state::AppState::new(app.db.clone(), leptos, None));
        // Rendered for this caller alone: a kept page (`server::pages`) is whole before it is sent.
        let req = axum::http::Request::get("/regions/westus2")
            .header("authorization", format!("Bearer {}", app.tokens[&Role::Viewer]))
            .header("cache-control", "no-store")
            .body(axum::body::Body::empty())
            .unwrap();
        let resp = router.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), 200);
        let mut body = resp.into_body().into_data_stream();
        let first = body.next().await.expect("a first chunk").unwrap();
        assert!(String::from_utf8_lossy(&first).contains("<html"), "the page began");
        drop(body);
        let text = crate::helpers::eventually(std::time::Duration::from_secs(10), "the counter", || {
            let (admin, url) = (admin.clone(), app.url("/metrics"));
            async move {
                let text = scrape(&admin, url).await.2;
                (count(&text) > before).then_some(text)
            }
        })
        .await;
        assert!(count(&text) >= before + 1.0);
        // The same router still answers a whole page.
        let resp = router.oneshot(
            axum::http::Request::get("/regions/westus2")
                .header("authorization", format!("Bearer {}", app.tokens[&Role::Viewer]))
                .body(axum::body::Body::empty())
                .unwrap(),
        ).await.unwrap();
        let status = resp.status();
        let whole = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        let whole = String::from_utf8_lossy(&whole);
        let tail = &whole[whole.floor_char_boundary(whole.len().saturating_sub(400))..];
        assert!(status == 200 && whole.contains("</html>"), "{status}: …{tail}");
    }
}
