//! The fleet API: shapes, filters, keyset pagination, and errors for bad input.

use std::collections::HashSet;

use crate::both_databases;
use crate::helpers::{assert_error, TestApp};
use app::fleet::codes::ClusterLifecycle;
use app::fleet::server::ledger::{self, NewCluster};
use app::fleet::server::store;
use serde_json::Value;

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(|s| s.as_str()).collect();
    k.sort();
    k
}

/// Walks every page of `path` (which must carry `limit`) and returns all items.
async fn walk(app: &TestApp, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}&cursor={c}"),
            None => path.to_owned(),
        };
        let (status, body) = app.get_json(&url).await;
        assert_eq!(status, 200, "{url}: {body}");
        items.extend(body["items"].as_array().unwrap().iter().cloned());
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    items
}

both_databases! {
    async fn cluster_has_the_contract_shape(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (status, body) = app.get_json("/api/v1/clusters").await;
        assert_eq!(status, 200);
        assert_eq!(keys(&body), ["items", "next_cursor"]);
        let items = body["items"].as_array().unwrap();
        assert_eq!(items.len(), 50, "default page size");
        let c = &items[0];
        assert_eq!(keys(c), ["family", "health", "id", "ledger", "lifecycle", "name", "region", "sku", "utilization", "zone"]);
        assert_eq!(keys(&c["ledger"]), ["allocated", "free", "out_of_service", "reserved", "total"]);
        assert!(c["id"].is_i64() && c["zone"].is_i64() && c["ledger"]["total"].is_i64());
        let l = &c["ledger"];
        let free = l["total"].as_i64().unwrap() - l["allocated"].as_i64().unwrap() - l["reserved"].as_i64().unwrap() - l["out_of_service"].as_i64().unwrap();
        assert_eq!(l["free"].as_i64().unwrap(), free);
        let u = c["utilization"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&u));
        assert!(["healthy", "constrained", "critical"].contains(&c["health"].as_str().unwrap()));

        let id = c["id"].as_i64().unwrap();
        let (status, one) = app.get_json(&format!("/api/v1/clusters/{id}")).await;
        assert_eq!(status, 200);
        assert_eq!(&one, c);
    }

    async fn pages_cover_every_cluster_once(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let total = store::count_clusters(app.db.pool()).await.unwrap();
        for sort in ["name", "-free", "utilization"] {
            let items = walk(&app, &format!("/api/v1/clusters?limit=500&sort={sort}")).await;
            assert_eq!(items.len() as i64, total, "sort {sort}");
            let ids: HashSet<i64> = items.iter().map(|c| c["id"].as_i64().unwrap()).collect();
            assert_eq!(ids.len() as i64, total, "no duplicates with sort {sort}");
        }
        let desc = walk(&app, "/api/v1/clusters?limit=500&sort=-utilization").await;
        let u: Vec<f64> = desc.iter().map(|c| c["utilization"].as_f64().unwrap()).collect();
        assert!(u.windows(2).all(|w| w[0] >= w[1] - 1e-4), "sorted by utilization, highest first");
    }

    async fn keyset_pages_are_stable_under_inserts(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (_, first) = app.get_json("/api/v1/clusters?region=westus2&limit=20").await;
        let seen: Vec<String> = first["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect();
        let cursor = first["next_cursor"].as_str().unwrap().to_owned();
        // A cluster that sorts before the cursor arrives between two page loads.
        let mut tx = app.db.begin_write().await.unwrap();
        ledger::add_cluster(&mut tx, NewCluster {
            name: "westus2-az1-aaa-000".into(), region: "westus2".into(), zone: 1, sku: "Dv5".into(),
            lifecycle: ClusterLifecycle::InService, total: 10, allocated: 1, reserved: 0, out_of_service: 0,
        }).await.unwrap();
        tx.commit().await.unwrap();
        let (_, second) = app.get_json(&format!("/api/v1/clusters?region=westus2&limit=20&cursor={cursor}")).await;
        let next: Vec<&str> = second["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(next.len(), 20);
        assert!(next.iter().all(|n| !seen.iter().any(|s| s == n)), "no row repeats");
        assert!(next.iter().all(|n| *n > seen.last().unwrap().as_str()), "continues after the cursor");
    }

    async fn filters_narrow_the_list(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let items = walk(&app, "/api/v1/clusters?region=eastus&sku=Dv5&limit=500").await;
        assert!(!items.is_empty());
        assert!(items.iter().all(|c| c["region"] == "eastus" && c["sku"] == "Dv5"));

        let gpu = walk(&app, "/api/v1/clusters?family=gpu&zone=2&lifecycle=in_service&limit=500").await;
        assert!(!gpu.is_empty());
        assert!(gpu.iter().all(|c| c["family"] == "gpu" && c["zone"] == 2 && c["lifecycle"] == "in_service"));

        let mut by_health = 0;
        for band in ["healthy", "constrained", "critical"] {
            let items = walk(&app, &format!("/api/v1/clusters?health={band}&limit=500")).await;
            assert!(items.iter().all(|c| c["health"] == band), "health={band}");
            by_health += items.len() as i64;
        }
        assert_eq!(by_health, store::count_clusters(app.db.pool()).await.unwrap(), "the bands partition the fleet");
    }

    async fn bad_parameters_are_400_naming_the_field(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        for (query, field) in [
            ("limit=0", "limit"), ("limit=501", "limit"), ("limit=ten", "limit"), ("zone=4", "zone"),
            ("region=West%20US", "region"), ("sku=D%3Bv5", "sku"), ("family=quantum", "family"),
            ("lifecycle=broken", "lifecycle"), ("health=sick", "health"), ("sort=price", "sort"),
            ("cursor=nonsense", "cursor"),
        ] {
            let (status, body) = app.get_json(&format!("/api/v1/clusters?{query}")).await;
            assert_error(status, &body, 400, "invalid", Some(field));
        }
        let (status, body) = app.get_json("/api/v1/clusters/abc").await;
        assert_error(status, &body, 400, "invalid", Some("id"));
        let (status, body) = app.get_json("/api/v1/regions/West%20US").await;
        assert_error(status, &body, 400, "invalid", Some("code"));
    }

    async fn unknown_things_are_404(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (status, body) = app.get_json("/api/v1/clusters/99999999").await;
        assert_error(status, &body, 404, "not_found", None);
        let (status, body) = app.get_json("/api/v1/regions/atlantis").await;
        assert_error(status, &body, 404, "not_found", None);
        let (status, body) = app.get_json("/api/v1/no/such/route").await;
        assert_error(status, &body, 404, "not_found", None);
    }

    async fn summary_and_regions_add_up(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (status, summary) = app.get_json("/api/v1/fleet/summary").await;
        assert_eq!(status, 200);
        let clusters = store::count_clusters(app.db.pool()).await.unwrap();
        assert_eq!(summary["clusters"].as_i64().unwrap(), clusters);
        assert_eq!(summary["regions"], 6);
        let units: Vec<&str> = summary["totals"].as_array().unwrap().iter().map(|t| t["unit"].as_str().unwrap()).collect();
        assert_eq!(units, ["vCPU", "GPU", "TiB"]);
        assert!(summary["health_counts"]["critical"].as_i64().unwrap() > 0, "the demo fleet has critical spots");
        assert_eq!(summary["most_constrained"][0]["health"], "critical");

        let (status, regions) = app.get_json("/api/v1/regions").await;
        assert_eq!(status, 200);
        assert!(regions["next_cursor"].is_null());
        let items = regions["items"].as_array().unwrap();
        assert_eq!(items.len(), 6);
        let sum: i64 = items.iter().map(|r| r["clusters"].as_i64().unwrap()).sum();
        assert_eq!(sum, clusters);

        let (status, region) = app.get_json("/api/v1/regions/westus2").await;
        assert_eq!(status, 200);
        assert_eq!(region["region"]["name"], "West US 2");
        let zone_sum: i64 = region["zones"].as_array().unwrap().iter().map(|z| z["ledger"]["total"].as_i64().unwrap()).sum();
        let sku_sum: i64 = region["region"]["skus"].as_array().unwrap().iter().map(|s| s["ledger"]["total"].as_i64().unwrap()).sum();
        assert_eq!(zone_sum, sku_sum, "zone × SKU sums agree with the rollup");
        assert_eq!(region["trend"][0]["points"].as_array().unwrap().len(), 365);
    }

    async fn thresholds_from_settings_move_the_bands(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let o = app::shared::audit::Origin::default();
        app::settings::server::set(&app.db, &o, "t", "health.constrained", "0.01").await.unwrap();
        app::settings::server::set(&app.db, &o, "t", "health.critical", "0.02").await.unwrap();
        let (_, summary) = app.get_json("/api/v1/fleet/summary").await;
        assert_eq!(summary["health_counts"]["healthy"], 0);
        let err = app::settings::server::set(&app.db, &o, "t", "health.constrained", "0.5").await.unwrap_err();
        assert_eq!(err.field(), Some("value"), "constrained above critical is refused");
        let err = app::settings::server::set(&app.db, &o, "t", "health.critical", "2").await.unwrap_err();
        assert_eq!(err.field(), Some("value"));
        assert_eq!(app::settings::server::get(&app.db, "health.critical").await.unwrap(), "0.02", "unchanged after refusals");
    }
}
