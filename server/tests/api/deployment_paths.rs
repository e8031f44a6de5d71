//! Deployment paths beside the main ones in `deployments.rs`, on both
//! databases: a rollout's clusters in maintenance while it runs, a rolled-back
//! buildout sending its request back, a freeze never holding a deprovision,
//! the pages' panels of work in flight, the demo seed's states and the demo
//! pipeline that keeps it moving.

use serde_json::{json, Value};

use crate::both_databases;
use crate::helpers::{need_by, TestApp};
use app::auth::Role;

async fn post(app: &TestApp, role: Role, path: &str, body: Value) -> (u16, Value) {
    let resp = app
        .as_role(role)
        .post(app.url(&format!("/api/v1{path}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn create(app: &TestApp, body: Value) -> Value {
    let (status, d) = post(app, Role::Operator, "/deployments", body).await;
    assert_eq!(status, 201, "{d}");
    d
}

async fn act(app: &TestApp, d: &Value, action: &str) -> Value {
    let key = d["key"].as_str().unwrap();
    let (status, d) = post(
        app,
        Role::Operator,
        &format!("/deployments/{key}/{action}"),
        json!({"version": d["version"]}),
    )
    .await;
    assert_eq!(status, 200, "{action}: {d}");
    d
}

/// Reports target `t` of ring `r` at the deployment's current version.
async fn report(app: &TestApp, d: &Value, r: usize, t: usize, state: &str) -> Value {
    let key = d["key"].as_str().unwrap();
    let id = d["rings"][r]["targets"][t]["id"].as_i64().unwrap();
    let (status, d) = post(
        app,
        Role::Operator,
        &format!("/deployments/{key}/targets/{id}"),
        json!({"state": state, "progress": 50, "message": state, "version": d["version"]}),
    )
    .await;
    assert_eq!(status, 200, "{state}: {d}");
    d
}

async fn get(app: &TestApp, key: &str) -> Value {
    app.get_json(&format!("/api/v1/deployments/{key}")).await.1
}

/// (lifecycle, free) of a cluster.
async fn cluster(app: &TestApp, id: i64) -> (String, i64) {
    sqlx::query_as("SELECT lifecycle, CAST(free AS BIGINT) FROM clusters WHERE id = $1")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

/// Free units of a region × SKU, summed over its clusters.
async fn free(app: &TestApp, region: &str, sku: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT CAST(COALESCE(SUM(free), 0) AS BIGINT) FROM clusters WHERE region = $1 AND sku = $2")
        .bind(region).bind(sku).fetch_one(app.db.pool()).await.unwrap();
    n
}

async fn consistent(app: &TestApp) {
    assert_eq!(
        app::fleet::server::ledger::rollup_mismatches(&app.db)
            .await
            .unwrap(),
        vec![]
    );
}

/// A provision request for more than the pair holds, needed in `days`,
/// approved with buildout by two approvers: its key and the linked buildout's key.
async fn awaiting(app: &TestApp, sku: &str, days: i64) -> (String, String) {
    let (_, region) = app.get_json("/api/v1/regions/westus2").await;
    let free = region["region"]["skus"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["sku"] == sku)
        .unwrap()["ledger"]["free"]
        .as_i64()
        .unwrap();
    let (s, mut r) = post(app, Role::Requester, "/requests", json!({"kind": "provision", "region": "westus2", "sku": sku,
        "quantity": free + 10, "need_by": need_by(days), "service": "s", "justification": "j", "priority": "P2"})).await;
    assert_eq!(s, 201, "{r}");
    let key = r["key"].as_str().unwrap().to_owned();
    let second = crate::helpers::user_with_token(app, "approver-two", &[Role::Approver]).await;
    for client in [app.as_role(Role::Approver), second] {
        if r["state"] != "submitted" {
            break;
        }
        r = client
            .post(app.url(&format!("/api/v1/requests/{key}/approve")))
            .json(&json!({"version": r["version"], "with_buildout": true}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    }
    assert_eq!(r["state"], "awaiting_capacity", "{r}");
    (key, r["deployment"].as_str().unwrap().to_owned())
}

both_databases! {
    async fn a_rollout_holds_its_clusters_in_maintenance_while_it_runs(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        // Two clusters built for it (clusters with units out of service of their
        // own: `units_out_of_service_before_a_deployment_stay_out_after_it`).
        let built = act(&app, &create(&app, json!({"kind": "buildout", "title": "New racks", "region": "westeurope", "sku": "Dv5",
            "rings": [{"name": "all", "bake_minutes": 0, "targets": [{"zone": 1, "units": 300}, {"zone": 2, "units": 500}]}]})).await, "start").await;
        let built = report(&app, &built, 0, 0, "succeeded").await;
        let built = report(&app, &built, 0, 1, "succeeded").await;
        app::deployments::server::run::tick(&app.db).await.unwrap();
        assert_eq!(get(&app, built["key"].as_str().unwrap()).await["state"], "completed");
        let ids: Vec<(i64,)> = built["rings"][0]["targets"].as_array().unwrap().iter().map(|t| (t["cluster_id"].as_i64().unwrap(),)).collect();
        let (a, b) = (ids[0].0, ids[1].0);
        let (free0, a_free, b_free) = (free(&app, "westeurope", "Dv5").await, cluster(&app, a).await.1, cluster(&app, b).await.1);
        let d = create(&app, json!({"kind": "rollout", "title": "Host OS", "region": "westeurope", "sku": "Dv5", "rings": [
            {"name": "canary", "bake_minutes": 0, "targets": [{"cluster_id": a}]},
            {"name": "rest", "bake_minutes": 0, "targets": [{"cluster_id": b}]}]})).await;
        assert_eq!(free(&app, "westeurope", "Dv5").await, free0, "planning a rollout takes nothing out of service");
        let d = act(&app, &d, "start").await;
        let d = report(&app, &d, 0, 0, "in_progress").await;
        assert_eq!(cluster(&app, a).await, ("maintenance".to_owned(), 0), "its free units are out of service while it runs");
        assert_eq!(free(&app, "westeurope", "Dv5").await, free0 - a_free);
        let d = report(&app, &d, 0, 0, "succeeded").await;
        assert_eq!(cluster(&app, a).await, ("in_service".to_owned(), a_free), "back in service when it succeeds");
        app::deployments::server::run::tick(&app.db).await.unwrap();
        let d = get(&app, d["key"].as_str().unwrap()).await;
        assert_eq!(d["rings"][1]["state"], "in_progress", "{d}");
        // The second fails: halted, its cluster still in maintenance; cancelled, back in service.
        let d = report(&app, &d, 1, 0, "failed").await;
        assert_eq!(d["state"], "paused");
        assert_eq!(cluster(&app, b).await.0, "maintenance");
        let d = act(&app, &d, "cancel").await;
        assert_eq!(d["state"], "cancelled");
        assert_eq!(cluster(&app, b).await, ("in_service".to_owned(), b_free));
        assert_eq!(free(&app, "westeurope", "Dv5").await, free0, "units conserved");
        consistent(&app).await;
    }

    async fn a_retired_cluster_leaves_when_its_target_succeeds_and_a_rollback_brings_it_back(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let add = |name: &'static str, zone: i64, total: i64, broken: i64| {
            let db = app.db.clone();
            async move {
                let c = app::fleet::server::ledger::NewCluster { name: name.into(), region: "westeurope".into(), zone, sku: "Dv5".into(),
                    lifecycle: app::fleet::codes::ClusterLifecycle::InService, total, allocated: 0, reserved: 0, out_of_service: broken };
                let mut tx = db.begin_write().await.unwrap();
                let id = app::fleet::server::ledger::add_cluster(&mut tx, c).await.unwrap();
                tx.commit().await.unwrap();
                id
            }
        };
        let drop = |id: i64| {
            let db = app.db.clone();
            async move {
                let mut tx = db.begin_write().await.unwrap();
                app::fleet::server::ledger::remove_cluster(&db, &mut tx, id).await.unwrap();
                tx.commit().await.unwrap();
            }
        };
        let fleet = || {
            let pool = app.db.pool().clone();
            async move {
                let row: (i64, i64, i64) = sqlx::query_as("SELECT COUNT(*), CAST(COALESCE(SUM(total), 0) AS BIGINT), CAST(COALESCE(SUM(free), 0) AS BIGINT) \
                    FROM clusters WHERE region = 'westeurope' AND sku = 'Dv5'").fetch_one(&pool).await.unwrap();
                row
            }
        };
        let named = |id: i64| {
            let pool = app.db.pool().clone();
            async move {
                let row: Option<(String, String, i64)> = sqlx::query_as("SELECT name, lifecycle, CAST(free AS BIGINT) FROM clusters WHERE id = $1")
                    .bind(id).fetch_optional(&pool).await.unwrap();
                row
            }
        };
        // `a` has 20 units broken of its own; `b` is the newest cluster (SQLite hands its id out again once it is gone).
        let a = add("we-az1-dv5-retire-a", 1, 300, 20).await;
        let b = add("we-az2-dv5-retire-b", 2, 200, 0).await;
        let (n0, total0, free0) = fleet().await;

        let d = create(&app, json!({"kind": "decommission", "title": "Old racks", "region": "westeurope", "sku": "Dv5",
            "rings": [{"name": "canary", "bake_minutes": 0, "targets": [{"cluster_id": a}]}, {"name": "rest", "bake_minutes": 0, "targets": [{"cluster_id": b}]}]})).await;
        let d = report(&app, &act(&app, &d, "start").await, 0, 0, "succeeded").await;
        assert_eq!(named(a).await, None, "the canary's cluster left the fleet as its target succeeded");
        assert_eq!(fleet().await, (n0 - 1, total0 - 300, free0 - 280));
        assert_eq!(d["state"], "in_progress", "the deployment itself goes on: {d}");
        let page = |key: String| {
            let app = &app;
            async move { app.get(&format!("/deployments/{key}")).await.text().await.unwrap() }
        };
        let html = page(d["key"].as_str().unwrap().to_owned()).await;
        assert!(html.contains("we-az1-dv5-retire-a") && !html.contains(&format!("href=\"/clusters/{a}\"")), "no link to a cluster that is gone");
        assert!(html.contains(&format!("href=\"/clusters/{b}\"")), "b is still there");
        app::deployments::server::run::tick(&app.db).await.unwrap();
        let d = report(&app, &get(&app, d["key"].as_str().unwrap()).await, 1, 0, "succeeded").await;
        assert_eq!(named(b).await, None);
        assert_eq!(fleet().await, (n0 - 2, total0 - 500, free0 - 480));

        // While another cluster carries b's name, b cannot come back: the rollback is refused whole.
        let impostor = add("we-az2-dv5-retire-b", 2, 50, 0).await;
        let key = d["key"].as_str().unwrap();
        let (status, err) = post(&app, Role::Operator, &format!("/deployments/{key}/rollback"), json!({"version": d["version"]})).await;
        assert_eq!(status, 409, "{err}");
        assert_eq!(err["error"]["code"], "conflict", "{err}");
        assert!(err["error"]["message"].as_str().unwrap().contains("we-az2-dv5-retire-b"), "{err}");
        let same = get(&app, key).await;
        assert_eq!((same["state"].clone(), same["version"].clone()), (d["state"].clone(), d["version"].clone()), "nothing moved");
        drop(impostor).await;

        // A new cluster meanwhile: on SQLite it takes the highest free id (a's or b's), so one of them
        // comes back under another id; each keeps its own where it is free.
        let fresh = add("we-az3-dv5-fresh", 3, 100, 0).await;
        let mut d = act(&app, &d, "rollback").await;
        let back = d["rings"][1]["targets"][0]["cluster_id"].as_i64().unwrap();
        assert_eq!(back == b, fresh != b, "b's old id when it is free, another when it is not ({b} {fresh} {back})");
        assert_eq!(named(back).await, Some(("we-az2-dv5-retire-b".to_owned(), "decommissioning".to_owned(), 0)), "back, still out of service while it walks back");
        assert_eq!(named(fresh).await.map(|c| c.0), Some("we-az3-dv5-fresh".to_owned()), "the new cluster is untouched");
        d = report(&app, &d, 1, 0, "rolled_back").await;
        assert_eq!(named(back).await, Some(("we-az2-dv5-retire-b".to_owned(), "in_service".to_owned(), 200)));
        let back_a = d["rings"][0]["targets"][0]["cluster_id"].as_i64().unwrap();
        assert_eq!(back_a == a, fresh != a, "a's old id when it is free ({a} {fresh} {back_a})");
        assert_eq!(named(back_a).await, Some(("we-az1-dv5-retire-a".to_owned(), "decommissioning".to_owned(), 0)));
        d = report(&app, &d, 0, 0, "rolled_back").await;
        assert_eq!(d["state"], "rolled_back", "{d}");
        assert_eq!(named(back_a).await, Some(("we-az1-dv5-retire-a".to_owned(), "in_service".to_owned(), 280)), "its broken units stay out of service");
        assert_eq!(fleet().await, (n0 + 1, total0 + 100, free0 + 100), "all back, with the new cluster beside them");
        let html = page(d["key"].as_str().unwrap().to_owned()).await;
        assert!(html.contains(&format!("href=\"/clusters/{back_a}\"")) && html.contains(&format!("href=\"/clusters/{back}\"")), "both linked again");
        consistent(&app).await;
    }

    async fn units_out_of_service_before_a_deployment_stay_out_after_it(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        // Three clusters with units out of service of their own (broken hardware):
        // `a` in use, for a rollout; `b` and `c` idle, for a decommission walked back.
        let mut ids = Vec::new();
        for (name, zone, allocated, broken) in [("we-az1-dv5-worn-a", 1, 100, 40), ("we-az2-dv5-worn-b", 2, 0, 25), ("we-az3-dv5-worn-c", 3, 0, 10)] {
            let c = app::fleet::server::ledger::NewCluster { name: name.into(), region: "westeurope".into(), zone, sku: "Dv5".into(),
                lifecycle: app::fleet::codes::ClusterLifecycle::InService, total: 500, allocated, reserved: 0, out_of_service: broken };
            let mut tx = app.db.begin_write().await.unwrap();
            ids.push(app::fleet::server::ledger::add_cluster(&mut tx, c).await.unwrap());
            tx.commit().await.unwrap();
        }
        let (a, b, c) = (ids[0], ids[1], ids[2]);
        let free0 = free(&app, "westeurope", "Dv5").await;
        let oos = |id: i64| {
            let pool = app.db.pool().clone();
            async move {
                let (n,): (i64,) = sqlx::query_as("SELECT out_of_service FROM clusters WHERE id = $1").bind(id).fetch_one(&pool).await.unwrap();
                n
            }
        };

        let d = create(&app, json!({"kind": "rollout", "title": "Host OS", "region": "westeurope", "sku": "Dv5",
            "rings": [{"name": "one", "bake_minutes": 0, "targets": [{"cluster_id": a}]}]})).await;
        let d = report(&app, &act(&app, &d, "start").await, 0, 0, "in_progress").await;
        assert_eq!((cluster(&app, a).await, oos(a).await), (("maintenance".to_owned(), 0), 400), "free units parked with the broken ones");
        report(&app, &d, 0, 0, "succeeded").await;
        assert_eq!((cluster(&app, a).await, oos(a).await), (("in_service".to_owned(), 360), 40), "the broken units stay out of service");

        let d = create(&app, json!({"kind": "decommission", "title": "Old racks", "region": "westeurope", "sku": "Dv5",
            "rings": [{"name": "one", "bake_minutes": 0, "targets": [{"cluster_id": b}, {"cluster_id": c}]}]})).await;
        let d = report(&app, &act(&app, &d, "start").await, 0, 0, "succeeded").await;
        let d = report(&app, &d, 0, 1, "failed").await;
        assert_eq!(d["state"], "paused");
        let (gone,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM clusters WHERE id = $1").bind(b).fetch_one(app.db.pool()).await.unwrap();
        assert_eq!((gone, oos(c).await), (0, 500), "b retired, c decommissioning");
        let mut d = act(&app, &d, "rollback").await;
        while d["state"] == "rolling_back" {
            let t = d["rings"][0]["targets"].as_array().unwrap().iter().position(|t| t["state"] == "rolling_back").expect("one walking back");
            d = report(&app, &d, 0, t, "rolled_back").await;
        }
        assert_eq!(d["state"], "rolled_back", "{d}");
        assert_eq!((cluster(&app, b).await, oos(b).await), (("in_service".to_owned(), 475), 25));
        assert_eq!((cluster(&app, c).await, oos(c).await), (("in_service".to_owned(), 490), 10));
        assert_eq!(free(&app, "westeurope", "Dv5").await, free0, "no capacity from nothing, none lost");
        consistent(&app).await;
    }

    async fn a_rolled_back_buildout_sends_its_request_back_to_the_approvers(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (n0,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM clusters WHERE region = 'westus2' AND sku = 'Dv5'").fetch_one(app.db.pool()).await.unwrap();
        let free0 = free(&app, "westus2", "Dv5").await;
        let (key, dep) = awaiting(&app, "Dv5", 60).await;
        let d = act(&app, &get(&app, &dep).await, "start").await;
        let d = report(&app, &d, 0, 0, "succeeded").await;
        let mut d = act(&app, &d, "rollback").await;
        while d["state"] == "rolling_back" {
            let (r, t) = d["rings"].as_array().unwrap().iter().enumerate()
                .find_map(|(r, ring)| ring["targets"].as_array().unwrap().iter().position(|t| t["state"] == "rolling_back").map(|t| (r, t)))
                .expect("a target walking back");
            d = report(&app, &d, r, t, "rolled_back").await;
        }
        assert_eq!(d["state"], "rolled_back", "{d}");
        let (_, r) = app.get_json(&format!("/api/v1/requests/{key}")).await;
        assert_eq!(r["state"], "submitted", "{r}");
        assert_eq!(r["approvals"], json!([]));
        let page = app.get(&format!("/requests/{key}")).await.text().await.unwrap();
        assert!(page.contains(&format!("{dep} was rolled back")), "the timeline says why");
        let (n1,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM clusters WHERE region = 'westus2' AND sku = 'Dv5'").fetch_one(app.db.pool()).await.unwrap();
        assert_eq!((n1, free(&app, "westus2", "Dv5").await), (n0, free0), "nothing of the buildout is left");
        consistent(&app).await;
    }

    async fn a_capacity_freeze_never_holds_a_deprovision(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let origin = app::shared::audit::Origin::default();
        app::settings::server::set(&app.db, &origin, "t", "freeze.percent.general", "100").await.unwrap();
        let ask = |kind: &str| json!({"kind": kind, "region": "westeurope", "sku": "Dv5", "quantity": 8, "need_by": need_by(30),
            "service": "s", "justification": "j", "priority": "P2"});
        let (s, held) = post(&app, Role::Requester, "/requests", ask("provision")).await;
        assert_eq!((s, held["state"].as_str()), (201, Some("submitted")), "{held}");
        // Giving capacity back is never held: the policy approves it as it would without the freeze.
        let (s, given) = post(&app, Role::Requester, "/requests", ask("deprovision")).await;
        assert_eq!((s, given["state"].as_str()), (201, Some("approved")), "{given}");
        assert!(!given["policy"].as_str().unwrap_or_default().contains("freeze"), "{given}");
    }

    async fn the_overview_and_region_pages_show_deployments_in_flight_and_planned(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let d = create(&app, json!({"kind": "buildout", "title": "More Dv5 for the winter", "region": "westeurope", "sku": "Dv5",
            "rings": [{"name": "all", "bake_minutes": 60, "targets": [{"zone": 1, "units": 1200}, {"zone": 2, "units": 300}]}]})).await;
        let planned = d["key"].as_str().unwrap().to_owned();
        let running = act(&app, &create(&app, json!({"kind": "buildout", "title": "Canary racks", "region": "westeurope", "sku": "Dv5",
            "rings": [{"name": "all", "bake_minutes": 0, "targets": [{"zone": 3, "units": 250}]}]})).await, "start").await;
        let running = running["key"].as_str().unwrap().to_owned();
        for page in ["/", "/regions/westeurope"] {
            let html = app.as_role(Role::Viewer).get(app.url(page)).send().await.unwrap().text().await.unwrap();
            let at = html.find("data-testid=\"in-flight\"").unwrap_or_else(|| panic!("{page}: no panel of work in flight"));
            let panel = &html[at..at + html[at..].find("</table>").unwrap()];
            for (key, units) in [(&planned, "+1,500"), (&running, "+250")] {
                let row = &panel[panel.find(&format!(">{key}<")).unwrap_or_else(|| panic!("{page}: {key} not listed"))..];
                let row = &row[..row.find("</tr>").unwrap()];
                assert!(row.contains(units), "{page}: {key} adds {units}: {row}");
                assert!(row.contains("westeurope · Dv5"), "{page}: {row}");
            }
            // The expected date: the planned one's if started now.
            assert!(panel.contains("if started now"), "{page}: {panel}");
        }
    }

    async fn the_demo_seed_has_deployments_in_every_state(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        server::seed::ensure_demo_accounts(&app.db).await.unwrap();
        server::seed::seed_demo_requests(&app.db).await.unwrap();
        server::seed::seed_demo_deployments(&app.db).await.unwrap();
        let states: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT state FROM deployments ORDER BY state").fetch_all(app.db.pool()).await.unwrap();
        let mut states: Vec<String> = states.into_iter().map(|(s,)| s).collect();
        let mut every = vec!["cancelled", "completed", "failed", "in_progress", "paused", "planned", "rolled_back", "rolling_back"];
        states.sort();
        every.sort();
        assert_eq!(states, every);
        // A planned buildout that a request awaiting capacity waits on.
        let (linked,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM deployment_requests l JOIN deployments d ON d.id = l.deployment_id \
             JOIN capacity_requests r ON r.id = l.request_id \
             WHERE d.kind = 'buildout' AND d.state = 'planned' AND r.state = 'awaiting_capacity'",
        ).fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(linked, 1);
        consistent(&app).await;
    }

    async fn the_demo_pipeline_advances_work_retries_its_own_failures_and_starts_more(backend: Backend) {
        use rand::SeedableRng;
        use app::deployments::server::demo::step;
        let app = TestApp::seeded(backend).await;
        server::seed::ensure_demo_accounts(&app.db).await.unwrap();
        server::seed::seed_demo_requests(&app.db).await.unwrap();
        server::seed::seed_demo_deployments(&app.db).await.unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let in_state = |state: &'static str| {
            let pool = app.db.pool().clone();
            async move {
                let rows: Vec<(i64,)> = sqlx::query_as("SELECT id FROM deployments WHERE state = $1 ORDER BY id").bind(state).fetch_all(&pool).await.unwrap();
                rows.into_iter().map(|(id,)| app::deployments::domain::key_of(id)).collect::<Vec<_>>()
            }
        };
        // It moves the work in flight: the in-progress buildout's targets report.
        let before = in_state("in_progress").await;
        assert!(!before.is_empty());
        let progress = || async {
            let (n,): (i64,) = sqlx::query_as("SELECT CAST(COALESCE(SUM(progress), 0) AS BIGINT) FROM deployment_targets").fetch_one(app.db.pool()).await.unwrap();
            n
        };
        let progress_before = progress().await;
        assert!(step(&app.db, &mut rng).await.unwrap() > 0, "reports made");
        assert!(progress().await > progress_before, "targets moved on");

        // Its own failure is retried once RETRY_AFTER has passed; a person's pause is left alone.
        // The clock held still from here, so "not yet" does not depend on how fast the machine is.
        let t0 = time::OffsetDateTime::now_utc();
        app.db.clock().freeze(t0);
        let dep = get(&app, &before[0]).await;
        let (r, t) = dep["rings"].as_array().unwrap().iter().enumerate()
            .find_map(|(r, ring)| (ring["state"] == "in_progress").then(|| (r, ring["targets"].as_array().unwrap().iter().position(|t| t["state"] != "succeeded").unwrap())))
            .expect("a ring at work");
        let id = dep["rings"][r]["targets"][t]["id"].as_i64().unwrap();
        let (s, failed) = post(&app, Role::Operator, &format!("/deployments/{}/targets/{id}", before[0]),
            json!({"state": "failed", "progress": 60, "message": "disk firmware check failed on 2 nodes", "version": dep["version"]})).await;
        assert_eq!((s, failed["state"].as_str()), (200, Some("paused")), "{failed}");
        let paused_by_people = in_state("paused").await.into_iter().filter(|k| *k != before[0]).collect::<Vec<_>>();
        assert!(!paused_by_people.is_empty(), "the seed's own paused deployment");
        step(&app.db, &mut rng).await.unwrap();
        assert_eq!(get(&app, &before[0]).await["state"], "paused", "not before RETRY_AFTER");
        app.db.clock().freeze(t0 + time::Duration::seconds(50));
        step(&app.db, &mut rng).await.unwrap();
        assert_eq!(get(&app, &before[0]).await["state"], "in_progress", "retried");
        for k in &paused_by_people {
            assert_eq!(get(&app, k).await["state"], "paused", "{k} was halted by something else: left to people");
        }

        // With nothing in flight, it plans and starts a small rollout.
        for key in in_state("in_progress").await {
            act(&app, &get(&app, &key).await, "cancel").await;
        }
        // (The pipeline first walks back what is rolling back, then starts one.)
        for _ in 0..20 {
            if !in_state("in_progress").await.is_empty() {
                break;
            }
            step(&app.db, &mut rng).await.unwrap();
        }
        assert!(in_state("rolling_back").await.is_empty());
        let started = in_state("in_progress").await;
        assert_eq!(started.len(), 1, "one new rollout");
        let d = get(&app, &started[0]).await;
        assert_eq!((d["kind"].as_str(), d["rings"].as_array().unwrap().len()), (Some("rollout"), 2), "{d}");
        assert_eq!(d["rings"][0]["state"], "in_progress");
        // …and then reports on it like any other.
        step(&app.db, &mut rng).await.unwrap();
        assert_ne!(get(&app, &started[0]).await["rings"][0]["targets"][0]["state"], "pending");
        consistent(&app).await;
    }

    async fn a_progress_report_is_on_the_audit_trail_and_the_timeline_once(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let d = act(&app, &create(&app, json!({"kind": "buildout", "title": "Progress", "region": "westeurope", "sku": "Dv5",
            "rings": [{"name": "all", "bake_minutes": 0, "targets": [{"zone": 1, "units": 100}]}]})).await, "start").await;
        let key = d["key"].as_str().unwrap().to_owned();
        let id = d["rings"][0]["targets"][0]["id"].as_i64().unwrap();
        let progress = |p: i64, message: &'static str| {
            let (app, key) = (&app, &key);
            async move {
                let d = get(app, key).await;
                let (s, d) = post(app, Role::Operator, &format!("/deployments/{key}/targets/{id}"),
                    json!({"state": "in_progress", "progress": p, "message": message, "version": d["version"]})).await;
                assert_eq!(s, 200, "{d}");
            }
        };
        progress(20, "imaging").await;
        progress(70, "burn-in running").await;
        progress(70, "burn-in running").await;
        let audited = || async {
            let rows: Vec<(String, Option<String>)> = sqlx::query_as("SELECT action, after FROM audit_log WHERE object = $1 AND action = 'deployment.progress' ORDER BY id")
                .bind(&key).fetch_all(app.db.pool()).await.unwrap();
            rows
        };
        let rows = audited().await;
        assert_eq!(rows.len(), 1, "the move to 70 %, once: the first report moved the target's state, the repeat changed nothing: {rows:?}");
        assert!(rows[0].1.as_deref().unwrap().ends_with("70% burn-in running"), "{rows:?}");
        // Within the same tenth the target moves on but the trail does not; the next tenth is recorded.
        progress(75, "burn-in running").await;
        assert_eq!(audited().await.len(), 1);
        assert_eq!(get(&app, &key).await["rings"][0]["targets"][0]["progress"], 75);
        progress(81, "burn-in nearly done").await;
        let rows = audited().await;
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert!(rows[1].1.as_deref().unwrap().ends_with("81% burn-in nearly done"), "{rows:?}");
        let html = app.get(&format!("/deployments/{key}")).await.text().await.unwrap();
        let at = html.find("data-testid=\"timeline\"").expect("a timeline");
        assert!(html[at..].contains("20% → ") && html[at..].contains("70% burn-in running"), "on the timeline");
    }

    async fn a_buildout_finishing_after_need_by_holds_its_units_from_its_completion(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (key, dep) = awaiting(&app, "Dv5", 5).await;
        let mut d = act(&app, &get(&app, &dep).await, "start").await;
        // It finishes 30 days on, well after the request's need-by (5 days).
        let mut later = time::OffsetDateTime::now_utc() + time::Duration::days(30);
        while d["state"] == "in_progress" {
            let r = d["rings"].as_array().unwrap().iter().position(|r| r["state"] == "in_progress").expect("a ring at work");
            for t in 0..d["rings"][r]["targets"].as_array().unwrap().len() {
                d = report(&app, &d, r, t, "succeeded").await;
            }
            later += time::Duration::hours(3);
            app.db.clock().freeze(later);
            app::deployments::server::run::tick(&app.db).await.unwrap();
            d = get(&app, &dep).await;
        }
        assert_eq!(d["state"], "completed");
        let (_, r) = app.get_json(&format!("/api/v1/requests/{key}")).await;
        assert_eq!(r["state"], "approved", "{r}");
        // Held until max(need-by, completion) + the 14 days' grace: the completion's day.
        let day = later.date() + time::Duration::days(14);
        let expected = format!("{:04}-{:02}-{:02}", day.year(), u8::from(day.month()), day.day());
        assert_eq!(r["hold_until"], expected, "{r}");
    }

    async fn a_freeze_lifts_by_itself_when_capacity_returns(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        // An idle cluster to retire, built first (so its units count before the freeze is set).
        let built = act(&app, &create(&app, json!({"kind": "buildout", "title": "Spare", "region": "westeurope", "sku": "Dv5",
            "rings": [{"name": "all", "bake_minutes": 0, "targets": [{"zone": 1, "units": 100}]}]})).await, "start").await;
        let built = report(&app, &built, 0, 0, "succeeded").await;
        app::deployments::server::run::tick(&app.db).await.unwrap();
        let spare = built["rings"][0]["targets"][0]["cluster_id"].as_i64().unwrap();
        // The freeze just above westeurope's general family's free share.
        let (_, region) = app.get_json("/api/v1/regions/westeurope").await;
        let (free, total) = region["region"]["skus"].as_array().unwrap().iter().filter(|s| s["family"] == "general")
            .fold((0, 0), |(f, t), s| (f + s["ledger"]["free"].as_i64().unwrap(), t + s["ledger"]["total"].as_i64().unwrap()));
        let percent = free * 100 / total + 1;
        assert!(percent < 90, "room above the freeze: {free} of {total}");
        let origin = app::shared::audit::Origin::default();
        app::settings::server::set(&app.db, &origin, "t", "freeze.percent.general", &percent.to_string()).await.unwrap();
        let d = act(&app, &create(&app, json!({"kind": "decommission", "title": "Retire the spare", "region": "westeurope", "sku": "Dv5",
            "rings": [{"targets": [{"cluster_id": spare}]}]})).await, "start").await;
        assert_eq!(d["rings"][0]["state"], "pending");
        assert!(d["note"].as_str().unwrap().starts_with("held: capacity freeze"), "{}", d["note"]);
        // Capacity returns — a buildout as large as the family (never held by a freeze) — and
        // the next pass starts the ring; the setting is untouched.
        let n = total / 1_000_000 + 1;
        let targets: Vec<Value> = (0..n).map(|i| json!({"zone": 1 + i % 3, "units": total / n + 1})).collect();
        let mut more = act(&app, &create(&app, json!({"kind": "buildout", "title": "Relief", "region": "westeurope", "sku": "Dv5",
            "rings": [{"name": "all", "bake_minutes": 0, "targets": targets}]})).await, "start").await;
        for t in 0..n as usize {
            more = report(&app, &more, 0, t, "succeeded").await;
        }
        app::deployments::server::run::tick(&app.db).await.unwrap();
        let d = get(&app, d["key"].as_str().unwrap()).await;
        assert_eq!(d["rings"][0]["state"], "in_progress", "{d}");
        assert_eq!(app::settings::server::current(&app.db).await.unwrap().freeze_percent(app::fleet::codes::Family::General), Some(percent));
        consistent(&app).await;
    }
}
