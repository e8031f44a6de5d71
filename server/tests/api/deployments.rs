//! Deployments over HTTP, on both databases: ring by ring with bakes and the
//! scheduler, capacity changes through the ledger (units conserved), halts and
//! rollbacks, idempotent and concurrent target reports, the capacity freeze,
//! and the whole chain from a short request to its reservation.

use std::time::Duration;

use serde_json::{json, Value};

use crate::both_databases;
use crate::helpers::{assert_error, eventually, need_by, TestApp};
use app::auth::Role;

async fn call(
    app: &TestApp,
    role: Role,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let resp = app
        .as_role(role)
        .request(method, app.url(&format!("/api/v1{path}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn post(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    call(app, Role::Operator, reqwest::Method::POST, path, body).await
}

async fn create(app: &TestApp, body: Value) -> Value {
    let (status, d) = post(app, "/deployments", body).await;
    assert_eq!(status, 201, "{d}");
    assert_eq!(d["state"], "planned");
    d
}

async fn act(app: &TestApp, d: &Value, action: &str) -> Value {
    let key = d["key"].as_str().unwrap();
    let (status, d) = post(
        app,
        &format!("/deployments/{key}/{action}"),
        json!({"version": d["version"]}),
    )
    .await;
    assert_eq!(status, 200, "{action}: {d}");
    d
}

/// Reports a target (ring r, target t) at the deployment's current version.
async fn report(app: &TestApp, d: &Value, r: usize, t: usize, state: &str) -> (u16, Value) {
    let key = d["key"].as_str().unwrap();
    let id = d["rings"][r]["targets"][t]["id"].as_i64().unwrap();
    post(app, &format!("/deployments/{key}/targets/{id}"), json!({"state": state, "progress": 100, "message": format!("{state}"), "version": d["version"]})).await
}

async fn ok_report(app: &TestApp, d: &Value, r: usize, t: usize, state: &str) -> Value {
    let (status, d) = report(app, d, r, t, state).await;
    assert_eq!(status, 200, "{d}");
    d
}

async fn get(app: &TestApp, key: &str) -> Value {
    app.get_json(&format!("/api/v1/deployments/{key}")).await.1
}

async fn tick(app: &TestApp) {
    app::deployments::server::run::tick(&app.db).await.unwrap();
}

/// (clusters, total, free) of a region × SKU, summed over its clusters.
async fn pair(app: &TestApp, region: &str, sku: &str) -> (i64, i64, i64) {
    sqlx::query_as("SELECT COUNT(*), CAST(COALESCE(SUM(total), 0) AS BIGINT), CAST(COALESCE(SUM(free), 0) AS BIGINT) FROM clusters WHERE region = $1 AND sku = $2")
        .bind(region).bind(sku).fetch_one(app.db.pool()).await.unwrap()
}

async fn consistent(app: &TestApp) {
    assert_eq!(
        app::fleet::server::ledger::rollup_mismatches(&app.db)
            .await
            .unwrap(),
        vec![]
    );
}

fn buildout(rings: Value) -> Value {
    json!({"kind": "buildout", "title": "More Dv5", "region": "westeurope", "sku": "Dv5", "rings": rings})
}

both_databases! {
    async fn a_buildout_adds_capacity_ring_by_ring(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (n0, total0, free0) = pair(&app, "westeurope", "Dv5").await;
        let d = create(&app, buildout(json!([
            {"name": "canary", "bake_minutes": 60, "targets": [{"zone": 1, "units": 500}]},
            {"name": "rest", "bake_minutes": 0, "targets": [{"zone": 2, "units": 700}, {"zone": 3, "units": 300}]}]))).await;
        // Planned capacity: the clusters exist, in buildout, none of it free.
        let (n1, total1, free1) = pair(&app, "westeurope", "Dv5").await;
        assert_eq!((n1, total1, free1), (n0 + 3, total0 + 1500, free0));
        consistent(&app).await;
        let d = act(&app, &d, "start").await;
        assert_eq!((d["state"].as_str(), d["rings"][0]["state"].as_str(), d["rings"][1]["state"].as_str()), (Some("in_progress"), Some("in_progress"), Some("pending")));
        let (status, err) = report(&app, &d, 1, 0, "in_progress").await;
        assert_error(status, &err, 409, "conflict", None);
        let d = ok_report(&app, &d, 0, 0, "succeeded").await;
        assert_eq!(d["rings"][0]["state"], "baking");
        assert!(d["rings"][0]["bake_ends_at"].is_string());
        assert_eq!(pair(&app, "westeurope", "Dv5").await.2, free0 + 500, "a succeeded target's units are free");
        // No promotion before the bake ends: an hour later (the clock moved) it is.
        tick(&app).await;
        assert_eq!(get(&app, d["key"].as_str().unwrap()).await["rings"][1]["state"], "pending");
        app.db.clock().freeze(time::OffsetDateTime::now_utc() + time::Duration::minutes(61));
        tick(&app).await;
        let d = get(&app, d["key"].as_str().unwrap()).await;
        assert_eq!((d["rings"][0]["state"].as_str(), d["rings"][1]["state"].as_str()), (Some("succeeded"), Some("in_progress")));
        let d = ok_report(&app, &d, 1, 0, "succeeded").await;
        let d = ok_report(&app, &d, 1, 1, "succeeded").await;
        tick(&app).await;
        let d = get(&app, d["key"].as_str().unwrap()).await;
        assert_eq!(d["state"], "completed");
        assert_eq!(pair(&app, "westeurope", "Dv5").await, (n0 + 3, total0 + 1500, free0 + 1500), "units conserved");
        consistent(&app).await;
        // Every change is on the timeline.
        let html = app.as_role(Role::Viewer).get(app.url(&format!("/deployments/{}", d["key"].as_str().unwrap()))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("ring &#x27;canary&#x27; succeeded") || html.contains("ring 'canary' succeeded"), "timeline");
    }

    async fn a_decommission_takes_only_idle_clusters_and_they_leave_the_ledger(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        // A busy cluster cannot leave service: 409 naming what it holds.
        let busy: (i64,) = sqlx::query_as("SELECT id FROM clusters WHERE region = 'westeurope' AND sku = 'Dv5' AND allocated > 0 ORDER BY id LIMIT 1").fetch_one(app.db.pool()).await.unwrap();
        let d = create(&app, json!({"kind": "decommission", "title": "Old racks", "region": "westeurope", "sku": "Dv5",
            "rings": [{"name": "all", "bake_minutes": 0, "targets": [{"cluster_id": busy.0}]}]})).await;
        let d = act(&app, &d, "start").await;
        assert_eq!(d["rings"][0]["state"], "in_progress", "{d}");
        let (status, err) = report(&app, &d, 0, 0, "in_progress").await;
        assert_error(status, &err, 409, "conflict", None);
        assert!(err["error"]["message"].as_str().unwrap().contains("allocated"), "{err}");
        let d = act(&app, &get(&app, d["key"].as_str().unwrap()).await, "cancel").await;
        assert_eq!(d["state"], "cancelled");
        // Build two idle clusters, then decommission them.
        let b = create(&app, buildout(json!([{"name": "all", "bake_minutes": 0, "targets": [{"zone": 1, "units": 400}, {"zone": 2, "units": 600}]}]))).await;
        let b = act(&app, &b, "start").await;
        let b = ok_report(&app, &b, 0, 0, "succeeded").await;
        ok_report(&app, &b, 0, 1, "succeeded").await;
        tick(&app).await;
        let before = pair(&app, "westeurope", "Dv5").await;
        let ids: Vec<i64> = get(&app, b["key"].as_str().unwrap()).await["rings"][0]["targets"].as_array().unwrap().iter().map(|t| t["cluster_id"].as_i64().unwrap()).collect();
        let d = create(&app, json!({"kind": "decommission", "title": "Trial over", "region": "westeurope", "sku": "Dv5",
            "rings": [{"name": "canary", "bake_minutes": 0, "targets": [{"cluster_id": ids[0]}]}, {"name": "rest", "bake_minutes": 0, "targets": [{"cluster_id": ids[1]}]}]})).await;
        let d = act(&app, &d, "start").await;
        let d = ok_report(&app, &d, 0, 0, "in_progress").await;
        assert_eq!(pair(&app, "westeurope", "Dv5").await.2, before.2 - 400, "a decommissioning cluster's units are out of service");
        let d = ok_report(&app, &d, 0, 0, "succeeded").await;
        assert_eq!(pair(&app, "westeurope", "Dv5").await, (before.0 - 1, before.1 - 400, before.2 - 400), "the canary's cluster left as its target succeeded");
        tick(&app).await;
        let d = ok_report(&app, &get(&app, d["key"].as_str().unwrap()).await, 1, 0, "succeeded").await;
        tick(&app).await;
        assert_eq!(get(&app, d["key"].as_str().unwrap()).await["state"], "completed");
        assert_eq!(pair(&app, "westeurope", "Dv5").await, (before.0 - 2, before.1 - 1000, before.2 - 1000), "the clusters left the ledger");
        consistent(&app).await;
    }

    async fn a_failure_halts_and_a_rollback_walks_back_in_reverse(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (n0, total0, free0) = pair(&app, "westeurope", "Dv5").await;
        let d = create(&app, buildout(json!([{"name": "all", "bake_minutes": 0, "targets": [{"zone": 1, "units": 100}, {"zone": 2, "units": 200}, {"zone": 3, "units": 300}]},
            {"name": "never started", "targets": [{"zone": 1, "units": 50}]}]))).await;
        let d = act(&app, &d, "start").await;
        let d = ok_report(&app, &d, 0, 0, "succeeded").await;
        let d = ok_report(&app, &d, 0, 1, "succeeded").await;
        let key = d["key"].as_str().unwrap().to_owned();
        // The page read before the failure (and kept per version) is not what is served after it.
        let html = app.get(&format!("/deployments/{key}")).await.text().await.unwrap();
        assert!(!html.contains("halted: target") && html.contains(&format!("version {}", d["version"])), "before");
        let d = {
            let id = d["rings"][0]["targets"][2]["id"].as_i64().unwrap();
            let (s, d) = post(&app, &format!("/deployments/{key}/targets/{id}"), json!({"state": "failed", "progress": 40, "message": "disk firmware", "version": d["version"]})).await;
            assert_eq!(s, 200);
            d
        };
        assert_eq!((d["state"].as_str(), d["rings"][0]["state"].as_str()), (Some("paused"), Some("failed")));
        assert!(d["note"].as_str().unwrap().contains("failed — disk firmware"), "{}", d["note"]);
        let html = app.get(&format!("/deployments/{key}")).await.text().await.unwrap();
        assert!(html.contains("halted: target"), "the page says why it stopped");
        assert!(html.contains(&format!("version {}", d["version"])) && html.contains("disk firmware"), "the new version, its target and timeline");
        let d = act(&app, &d, "rollback").await;
        assert_eq!(d["state"], "rolling_back");
        let mut order = Vec::new();
        let mut d = d;
        while d["state"] == "rolling_back" {
            let (r, t) = (0, d["rings"][0]["targets"].as_array().unwrap().iter().position(|t| t["state"] == "rolling_back").expect("one walking back"));
            order.push(t);
            d = ok_report(&app, &d, r, t, "rolled_back").await;
        }
        assert_eq!(order, vec![2, 1, 0], "latest first");
        assert_eq!(d["state"], "rolled_back");
        assert_eq!(pair(&app, "westeurope", "Dv5").await, (n0, total0, free0), "everything built is gone again");
        consistent(&app).await;
    }

    async fn reports_are_idempotent_and_conflict_only_on_their_own_target(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let d = create(&app, buildout(json!([{"name": "all", "bake_minutes": 0, "targets": [{"zone": 1, "units": 100}, {"zone": 2, "units": 100}]}]))).await;
        let d = act(&app, &d, "start").await;
        let key = d["key"].as_str().unwrap().to_owned();
        let v = d["version"].as_i64().unwrap();
        let (t1, t2) = (d["rings"][0]["targets"][0]["id"].as_i64().unwrap(), d["rings"][0]["targets"][1]["id"].as_i64().unwrap());
        let send = |target: i64, progress: i64, version: i64| {
            let app = &app;
            let key = key.clone();
            async move { post(app, &format!("/deployments/{key}/targets/{target}"), json!({"state": "in_progress", "progress": progress, "message": "imaging", "version": version})).await }
        };
        let (s, after) = send(t1, 30, v).await;
        assert_eq!(s, 200);
        // The same report again (a retry): 200, nothing changes.
        let (s, again) = send(t1, 30, v).await;
        assert_eq!((s, again["version"].clone()), (200, after["version"].clone()));
        // Another target with the old version does not collide.
        let (s, _) = send(t2, 10, v).await;
        assert_eq!(s, 200);
        // The first target moved after version v: a report carrying v is stale.
        let (s, err) = send(t1, 50, v).await;
        assert_error(s, &err, 409, "conflict", None);
        assert!(err["error"]["message"].as_str().unwrap().contains("in_progress"), "says the current state: {err}");
        // An Idempotency-Key answers a repeat without applying it again.
        let fresh = get(&app, &key).await;
        let with_key = |progress: i64| app.as_role(Role::Operator).post(app.url(&format!("/api/v1/deployments/{key}/targets/{t1}")))
            .header("idempotency-key", "pipeline-run-77").json(&json!({"state": "in_progress", "progress": progress, "message": "x", "version": fresh["version"]})).send();
        let first: Value = with_key(60).await.unwrap().json().await.unwrap();
        let second = with_key(70).await.unwrap();
        assert_eq!(second.status(), 200);
        let second: Value = second.json().await.unwrap();
        assert_eq!(second["version"], first["version"], "the repeat changed nothing");
        assert_eq!(second["rings"][0]["targets"][0]["progress"], 60);
        // Bad reports name their field.
        let (s, err) = post(&app, &format!("/deployments/{key}/targets/{t1}"), json!({"state": "done", "version": 1})).await;
        assert_error(s, &err, 400, "invalid", Some("state"));
        let (s, err) = post(&app, &format!("/deployments/{key}/targets/{t1}"), json!({"state": "in_progress", "progress": 101, "version": 1})).await;
        assert_error(s, &err, 400, "invalid", Some("progress"));
        let (s, _) = post(&app, &format!("/deployments/{key}/targets/999999"), json!({"state": "in_progress", "version": 1})).await;
        assert_eq!(s, 404);
    }

    async fn two_automations_reporting_one_target_at_once_are_told_apart(backend: Backend) {
        let app = std::sync::Arc::new(TestApp::seeded(backend).await);
        let d = create(&app, buildout(json!([{"name": "all", "bake_minutes": 0, "targets": [{"zone": 1, "units": 100}]}]))).await;
        let d = act(&app, &d, "start").await;
        let key = d["key"].as_str().unwrap().to_owned();
        let (t, v) = (d["rings"][0]["targets"][0]["id"].as_i64().unwrap(), d["version"].as_i64().unwrap());
        let racers = (0..8).map(|i| {
            let (app, key) = (app.clone(), key.clone());
            tokio::spawn(async move {
                post(&app, &format!("/deployments/{key}/targets/{t}"), json!({"state": "in_progress", "progress": 10 + i, "message": format!("run {i}"), "version": v})).await.0
            })
        });
        let statuses: Vec<u16> = futures::future::join_all(racers).await.into_iter().map(Result::unwrap).collect();
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == 200 || *s == 409), "{statuses:?}");
    }

    async fn plans_are_checked_and_replaced_only_while_planned(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        for (body, field) in [
            (buildout(json!([])), "rings"),
            (buildout(json!([{"targets": [{"zone": 4, "units": 10}]}])), "rings"),
            (buildout(json!([{"targets": [{"cluster_id": 1}]}])), "rings"),
            (json!({"kind": "rollout", "title": "x", "region": "westeurope", "sku": "Dv5", "rings": [{"targets": [{"zone": 1, "units": 5}]}]}), "rings"),
            (json!({"kind": "migrate", "title": "x", "region": "westeurope", "sku": "Dv5", "rings": []}), "kind"),
            (json!({"kind": "buildout", "title": "x", "region": "atlantis", "sku": "Dv5", "rings": []}), "region"),
            (json!({"kind": "buildout", "title": "x", "region": "westeurope", "sku": "Dv5", "public_summary": "for CR-1042",
                    "rings": [{"targets": [{"zone": 1, "units": 5}]}]}), "public_summary"),
        ] {
            let (s, err) = post(&app, "/deployments", body.clone()).await;
            assert_error(s, &err, 400, "invalid", Some(field));
        }
        let (n, _, _) = pair(&app, "westeurope", "Dv5").await;
        let d = create(&app, buildout(json!([{"targets": [{"zone": 1, "units": 100}, {"zone": 2, "units": 100}]}]))).await;
        let key = d["key"].as_str().unwrap().to_owned();
        let (s, d) = call(&app, Role::Operator, reqwest::Method::PATCH, &format!("/deployments/{key}"),
            json!({"version": d["version"], "rings": [{"name": "only", "targets": [{"zone": 3, "units": 50}]}]})).await;
        assert_eq!(s, 200, "{d}");
        assert_eq!(d["rings"][0]["name"], "only");
        assert_eq!(pair(&app, "westeurope", "Dv5").await.0, n + 1, "the old plan's clusters are gone");
        let d = act(&app, &d, "start").await;
        let (s, err) = call(&app, Role::Operator, reqwest::Method::PATCH, &format!("/deployments/{key}"), json!({"version": d["version"], "rings": []})).await;
        assert_error(s, &err, 409, "conflict", None);
        let (s, err) = post(&app, &format!("/deployments/{key}/start"), json!({"version": d["version"]})).await;
        assert_error(s, &err, 409, "conflict", None);
        let (s, _) = call(&app, Role::Approver, reqwest::Method::POST, "/deployments", buildout(json!([]))).await;
        assert_eq!(s, 403, "operators run deployments");
        // Lists: in flight first, filtered, with keyset pages.
        let (s, list) = app.get_json("/api/v1/deployments?state=in_progress").await;
        assert_eq!(s, 200);
        assert_eq!(list["items"][0]["key"], key);
        // A region filter is a region code or refused (the fuzzer found `region=X` matching
        // nothing quietly); blank means any, as a form's empty choice sends it.
        let (s, err) = app.get_json("/api/v1/deployments?region=West%20US").await;
        assert_error(s, &err, 400, "invalid", Some("region"));
        let (s, list) = app.get_json("/api/v1/deployments?state=in_progress&region=").await;
        assert_eq!(s, 200);
        assert_eq!(list["items"][0]["key"], key);
        let planned = create(&app, buildout(json!([{"targets": [{"zone": 1, "units": 10}]}]))).await;
        let cancelled = act(&app, &create(&app, buildout(json!([{"targets": [{"zone": 1, "units": 10}]}]))).await, "cancel").await;
        let (_, list) = app.get_json("/api/v1/deployments?limit=1").await;
        let mut keys = vec![list["items"][0]["key"].clone()];
        let mut cursor = list["next_cursor"].clone();
        while let Some(c) = cursor.as_str() {
            let (_, page) = app.get_json(&format!("/api/v1/deployments?limit=1&cursor={c}")).await;
            keys.push(page["items"][0]["key"].clone());
            cursor = page["next_cursor"].clone();
        }
        assert_eq!(keys, vec![json!(key), planned["key"].clone(), cancelled["key"].clone()], "in flight, then planned, then the rest, a page at a time");
        let (s, err) = app.get_json("/api/v1/deployments?limit=0").await;
        assert_error(s, &err, 400, "invalid", Some("limit"));
        // A decommission replanned keeps its own clusters; another plan may not name them.
        // (Whether a cluster is idle is checked when its target runs, not in the plan.)
        let idle: Vec<(i64,)> = sqlx::query_as("SELECT id FROM clusters WHERE region = 'westeurope' AND sku = 'Dv5' AND lifecycle = 'in_service' ORDER BY id LIMIT 2")
            .fetch_all(app.db.pool()).await.unwrap();
        assert_eq!(idle.len(), 2, "the seed has clusters to retire");
        let retire = |ids: &[i64]| json!({"kind": "decommission", "title": "Old racks", "region": "westeurope", "sku": "Dv5",
            "rings": [{"name": "all", "bake_minutes": 0, "targets": ids.iter().map(|id| json!({"cluster_id": id})).collect::<Vec<_>>()}]});
        let dec = create(&app, retire(&[idle[0].0])).await;
        let dec_key = dec["key"].as_str().unwrap().to_owned();
        let replan = json!({"version": dec["version"], "rings": retire(&[idle[0].0, idle[1].0])["rings"]});
        let (s, dec) = call(&app, Role::Operator, reqwest::Method::PATCH, &format!("/deployments/{dec_key}"), replan).await;
        assert_eq!(s, 200, "a replan keeps its own cluster: {dec}");
        assert_eq!(dec["rings"][0]["targets"].as_array().unwrap().len(), 2);
        let (s, err) = post(&app, "/deployments", retire(&[idle[1].0])).await;
        assert_error(s, &err, 409, "conflict", None);
        act(&app, &dec, "cancel").await;
    }

    async fn a_short_request_is_approved_with_buildout_and_reserved_when_it_completes(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let second = crate::helpers::user_with_token(&app, "approver-two", &[Role::Approver]).await;
        let (_, region) = app.get_json("/api/v1/regions/westus2").await;
        let free = region["region"]["skus"].as_array().unwrap().iter().find(|s| s["sku"] == "ND-H100-v5").unwrap()["ledger"]["free"].as_i64().unwrap();
        let (s, r) = call(&app, Role::Requester, reqwest::Method::POST, "/requests", json!({"kind": "provision", "region": "westus2",
            "sku": "ND-H100-v5", "quantity": free + 100, "need_by": need_by(60), "service": "training", "justification": "next model", "priority": "P1"})).await;
        assert_eq!(s, 201, "{r}");
        let key = r["key"].as_str().unwrap().to_owned();
        let (_, r) = call(&app, Role::Approver, reqwest::Method::POST, &format!("/requests/{key}/approve"), json!({"version": r["version"]})).await;
        let approve = |with_buildout: bool, v: Value| second.post(app.url(&format!("/api/v1/requests/{key}/approve"))).json(&json!({"version": v, "with_buildout": with_buildout})).send();
        let resp = approve(false, r["version"].clone()).await.unwrap();
        assert_eq!(resp.status(), 422, "short of capacity");
        let refused: Value = resp.json().await.unwrap();
        // At least the 100 asked beyond the free units (free units outside
        // in-service clusters cannot be placed, so it may be more).
        let short = refused["error"]["shortfall"]["units"].as_i64().unwrap();
        assert!(short >= 100, "{refused}");
        let resp = approve(true, r["version"].clone()).await.unwrap();
        assert_eq!(resp.status(), 200);
        let r: Value = resp.json().await.unwrap();
        assert_eq!(r["state"], "awaiting_capacity", "{r}");
        let dep = r["deployment"].as_str().expect("a linked deployment").to_owned();
        let d = get(&app, &dep).await;
        assert_eq!((d["kind"].as_str(), d["state"].as_str(), d["requests"].clone()), (Some("buildout"), Some("planned"), json!([key])));
        let planned: i64 = d["rings"].as_array().unwrap().iter().flat_map(|r| r["targets"].as_array().unwrap()).map(|t| t["units"].as_i64().unwrap()).sum();
        assert_eq!(planned, short, "a buildout for the shortfall");
        // The operator runs it ring by ring; time passes for the bakes.
        let mut d = act(&app, &d, "start").await;
        let mut later = time::OffsetDateTime::now_utc();
        while d["state"] == "in_progress" {
            let r = d["rings"].as_array().unwrap().iter().position(|r| r["state"] == "in_progress").expect("a ring at work");
            for t in 0..d["rings"][r]["targets"].as_array().unwrap().len() {
                d = ok_report(&app, &d, r, t, "succeeded").await;
            }
            later += time::Duration::hours(3);
            app.db.clock().freeze(later);
            tick(&app).await;
            d = get(&app, &dep).await;
        }
        assert_eq!(d["state"], "completed");
        let (_, r) = app.get_json(&format!("/api/v1/requests/{key}")).await;
        assert_eq!(r["state"], "approved", "{r}");
        let held: i64 = r["reservations"].as_array().unwrap().iter().map(|x| x["units"].as_i64().unwrap()).sum();
        assert_eq!(held, free + 100);
        let (s, r) = call(&app, Role::Operator, reqwest::Method::POST, &format!("/requests/{key}/fulfill"), json!({"version": r["version"]})).await;
        assert_eq!((s, r["state"].as_str()), (200, Some("fulfilled")), "{r}");
        let timeline = app.get(&format!("/requests/{key}")).await.text().await.unwrap();
        assert!(timeline.contains(&dep) && timeline.contains("short by"), "the chain is on the request's page");
        // Ring by ring: the buildout's own steps are on the request's timeline.
        let rings = d["rings"].as_array().unwrap().len();
        assert!(timeline.matches(&format!("{dep} ring")).count() >= rings, "each ring's steps");
        assert!(timeline.contains(&format!("{dep} state")) && timeline.contains("in_progress → completed"), "and its end");
        consistent(&app).await;
    }

    async fn a_cancelled_buildout_sends_its_request_back_to_the_approvers(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (_, region) = app.get_json("/api/v1/regions/westus2").await;
        let free = region["region"]["skus"].as_array().unwrap().iter().find(|s| s["sku"] == "Dv5").unwrap()["ledger"]["free"].as_i64().unwrap();
        let (_, r) = call(&app, Role::Requester, reqwest::Method::POST, "/requests", json!({"kind": "provision", "region": "westus2",
            "sku": "Dv5", "quantity": free + 10, "need_by": need_by(60), "service": "s", "justification": "j", "priority": "P2"})).await;
        let key = r["key"].as_str().unwrap().to_owned();
        let second = crate::helpers::user_with_token(&app, "approver-two", &[Role::Approver]).await;
        let mut r = r;
        for client in [app.as_role(Role::Approver), second] {
            if r["state"] != "submitted" { break; }
            r = client.post(app.url(&format!("/api/v1/requests/{key}/approve"))).json(&json!({"version": r["version"], "with_buildout": true})).send().await.unwrap().json().await.unwrap();
        }
        assert_eq!(r["state"], "awaiting_capacity", "{r}");
        let d = get(&app, r["deployment"].as_str().unwrap()).await;
        act(&app, &d, "cancel").await;
        let (_, r) = app.get_json(&format!("/api/v1/requests/{key}")).await;
        assert_eq!(r["state"], "submitted");
        assert_eq!(r["approvals"], json!([]), "approvals for a capacity that will not come are cleared");
        let page = app.get(&format!("/requests/{key}")).await.text().await.unwrap();
        assert!(page.contains("was cancelled"), "the timeline says why");
        consistent(&app).await;
    }

    async fn a_capacity_freeze_holds_decommissions_and_automatic_approvals(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let origin = app::shared::audit::Origin::default();
        app::settings::server::set(&app.db, &origin, "t", "freeze.percent.general", "100").await.unwrap();
        // A decommission's ring waits, saying why.
        let b = create(&app, buildout(json!([{"targets": [{"zone": 1, "units": 100}]}]))).await;
        let b = act(&app, &b, "start").await;
        ok_report(&app, &b, 0, 0, "succeeded").await;
        tick(&app).await;
        let id = get(&app, b["key"].as_str().unwrap()).await["rings"][0]["targets"][0]["cluster_id"].as_i64().unwrap();
        let d = create(&app, json!({"kind": "decommission", "title": "x", "region": "westeurope", "sku": "Dv5", "rings": [{"targets": [{"cluster_id": id}]}]})).await;
        let d = act(&app, &d, "start").await;
        assert_eq!(d["rings"][0]["state"], "pending");
        assert!(d["note"].as_str().unwrap().starts_with("held: capacity freeze"), "{}", d["note"]);
        // A buildout is never held; a small provision is not approved by the policy there.
        let b2 = act(&app, &create(&app, buildout(json!([{"targets": [{"zone": 2, "units": 10}]}]))).await, "start").await;
        assert_eq!(b2["rings"][0]["state"], "in_progress", "{b2}");
        let (_, r) = call(&app, Role::Requester, reqwest::Method::POST, "/requests", json!({"kind": "provision", "region": "westeurope",
            "sku": "Dv5", "quantity": 8, "need_by": need_by(30), "service": "s", "justification": "j", "priority": "P2"})).await;
        assert_eq!(r["state"], "submitted", "{r}");
        assert!(r["policy"].as_str().unwrap_or_default().contains("a capacity freeze holds"), "{r}");
        let html = app.get("/").await.text().await.unwrap();
        assert!(html.contains("Capacity freeze"), "the overview shows the freeze");
        for page in ["/deployments", "/deployments/new"] {
            let resp = app.as_role(Role::Operator).get(app.url(page)).send().await.unwrap();
            let status = resp.status();
            let html = resp.text().await.unwrap();
            // The page's text (tags and scripts aside) says what it showed instead.
            let shown = html.split('<').filter_map(|t| t.split_once('>')).map(|(_, text)| text.trim())
                .filter(|t| !t.is_empty() && !t.starts_with('{')).collect::<Vec<_>>().join(" | ");
            assert!(html.contains("data-testid=\"freeze\""), "{page} shows the freeze ({status}): {shown}");
        }
        // It lifts by itself when the setting is cleared (or capacity returns).
        app::settings::server::set(&app.db, &origin, "t", "freeze.percent.general", "").await.unwrap();
        tick(&app).await;
        let d = get(&app, d["key"].as_str().unwrap()).await;
        assert_eq!(d["rings"][0]["state"], "in_progress", "{d}");
    }

    async fn the_status_page_shows_public_summaries_of_work_in_flight(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        app::settings::server::set(&app.db, &app::shared::audit::Origin::default(), "t", "status.refresh_seconds", "1").await.unwrap();
        let d = create(&app, json!({"kind": "buildout", "title": "internal codename bluefin", "region": "westeurope", "sku": "Dv5",
            "public_summary": "Adding capacity in West Europe", "rings": [{"targets": [{"zone": 1, "units": 100}]}]})).await;
        act(&app, &d, "start").await;
        let json: Value = eventually(Duration::from_secs(10), "the summary on /status.json", || async {
            let v: Value = app.anonymous.get(app.url("/status.json")).send().await.unwrap().json().await.unwrap();
            let w = v["regions"].as_array().unwrap().iter().find(|r| r["code"] == "westeurope").unwrap().clone();
            w.get("work_in_progress").is_some().then_some(w)
        }).await;
        assert_eq!(json["work_in_progress"], json!(["Adding capacity in West Europe"]));
        let html = app.anonymous.get(app.url("/status")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("Adding capacity in West Europe") && !html.contains("bluefin"), "public summary only");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_promotes_a_ring_once_across_two_replicas() {
    let app = TestApp::seeded(crate::helpers::Backend::Postgres).await;
    app::settings::server::set(
        &app.db,
        &app::shared::audit::Origin::default(),
        "t",
        "deployments.tick_seconds",
        "1",
    )
    .await
    .unwrap();
    let (a, b) = (app.replica_process().await, app.replica_process().await);
    let d = create(
        &app,
        buildout(json!([
        {"name": "first", "bake_minutes": 0, "targets": [{"zone": 1, "units": 100}]},
        {"name": "second", "bake_minutes": 0, "targets": [{"zone": 2, "units": 100}]}])),
    )
    .await;
    let d = act(&app, &d, "start").await;
    let key = d["key"].as_str().unwrap().to_owned();
    ok_report(&app, &d, 0, 0, "succeeded").await;
    eventually(
        Duration::from_secs(20),
        "a replica promotes the ring",
        || async { (get(&app, &key).await["rings"][1]["state"] == "in_progress").then_some(()) },
    )
    .await;
    // Give both replicas a few more passes at it.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (promoted,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE object = $1 AND action = 'deployment.ring' AND after = $2")
        .bind(&key).bind("ring 'first' succeeded").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(promoted, 1, "promoted exactly once");
    drop((a, b));
}

/// Calls a server function as a viewer with a form body; its JSON answer.
async fn server_fn(app: &TestApp, name: &str, body: String) -> Value {
    let resp = app
        .as_role(Role::Viewer)
        .post(app.url(&crate::helpers::server_fn_path(name)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{name}");
    resp.json().await.unwrap()
}

both_databases! {
    async fn the_lists_add_up_what_each_deployment_holds(backend: Backend) {
        // The list page and the in-flight panel read per-deployment sums, not the
        // targets: they must say what the full shapes say.
        let app = TestApp::seeded(backend).await;
        server::seed::ensure_demo_accounts(&app.db).await.unwrap();
        server::seed::seed_demo_deployments(&app.db).await.unwrap();
        app.db.clock().freeze(time::OffsetDateTime::now_utc() + time::Duration::minutes(7));
        let mut seen = 0;
        for kind in ["buildout", "decommission", "rollout"] {
            let rows = server_fn(&app, "list_deployments_page", format!("filter[kind]={kind}")).await;
            let (_, full) = app.get_json(&format!("/api/v1/deployments?kind={kind}&limit=50")).await;
            let full = full["items"].as_array().unwrap();
            let rows = rows["items"].as_array().unwrap();
            assert_eq!(rows.len(), full.len(), "{kind}");
            for (row, d) in rows.iter().zip(full) {
                let targets: Vec<&Value> = d["rings"].as_array().unwrap().iter()
                    .flat_map(|r| r["targets"].as_array().unwrap()).collect();
                assert_eq!(row["key"], d["key"]);
                assert_eq!(row["targets"].as_u64().unwrap() as usize, targets.len(), "{}", d["key"]);
                assert_eq!(row["done"].as_u64().unwrap() as usize,
                           targets.iter().filter(|t| t["state"] == "succeeded").count(), "{}", d["key"]);
                assert_eq!(row["units"].as_i64().unwrap(),
                           targets.iter().map(|t| t["units"].as_i64().unwrap()).sum::<i64>(), "{}", d["key"]);
                seen += 1;
            }
        }
        assert!(seen >= 3, "the demo has deployments of every kind");
        let work = server_fn(&app, "get_in_flight", String::new()).await;
        let items = work["items"].as_array().unwrap();
        assert!(items.iter().any(|i| i["eta"].is_string()), "{work}");
        for item in items {
            let key = item["key"].as_str().unwrap();
            let detail = server_fn(&app, "get_deployment_detail", format!("key={key}")).await;
            assert_eq!(item["eta"], detail["eta"], "{key}: the panel's ETA is the page's");
            assert_eq!(item["units"], detail["capacity_change"], "{key}");
        }
    }
}

/// Runs `d` to its end: every target of each ring in turn reports `in_progress`
/// then `succeeded` (or, at `fail_at` = (ring, target), `failed`, after which
/// the deployment is rolled back and each target walked back is confirmed).
async fn run_to_end(app: &TestApp, d: Value, fail_at: Option<(usize, usize)>) -> Value {
    let key = d["key"].as_str().unwrap().to_owned();
    let mut d = act(app, &d, "start").await;
    for _ in 0..100 {
        match d["state"].as_str().unwrap() {
            "completed" | "rolled_back" => return d,
            "paused" => {
                act(app, &d, "rollback").await;
            }
            "rolling_back" => {
                let walking = (0..d["rings"].as_array().unwrap().len()).find_map(|r| {
                    let targets = d["rings"][r]["targets"].as_array().unwrap();
                    targets
                        .iter()
                        .position(|t| t["state"] == "rolling_back")
                        .map(|t| (r, t))
                });
                match walking {
                    Some((r, t)) => {
                        ok_report(app, &d, r, t, "rolled_back").await;
                    }
                    None => tick(app).await,
                }
            }
            _ => {
                let ring = d["rings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .position(|r| r["state"] == "in_progress");
                match ring {
                    Some(r) => {
                        for t in 0..d["rings"][r]["targets"].as_array().unwrap().len() {
                            if d["state"] != "in_progress" {
                                break;
                            }
                            if fail_at == Some((r, t)) {
                                d = ok_report(app, &d, r, t, "failed").await;
                                continue;
                            }
                            d = ok_report(app, &d, r, t, "in_progress").await;
                            d = ok_report(app, &d, r, t, "succeeded").await;
                        }
                    }
                    None => tick(app).await,
                }
            }
        }
        d = get(app, &key).await;
        consistent(app).await;
    }
    panic!("{key} did not end: {d}");
}

both_databases! {
    async fn random_plans_conserve_units_and_keep_the_ledger_whole(backend: Backend) {
        use rand::{Rng, SeedableRng};
        let app = TestApp::seeded(backend).await;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20261130);
        let negative = "SELECT COUNT(*) FROM clusters WHERE total < 0 OR allocated < 0 OR reserved < 0 OR out_of_service < 0 OR free < 0";
        for round in 0..8 {
            // A buildout of 1–3 rings of 1–3 targets; every other round fails a target and rolls back.
            let before = pair(&app, "westeurope", "Dv5").await;
            let rings: Vec<Value> = (0..rng.gen_range(1..=3)).map(|r| json!({
                "name": format!("ring {r}"), "bake_minutes": 0,
                "targets": (0..rng.gen_range(1..=3)).map(|_| json!({"zone": rng.gen_range(1..=3), "units": 50 * rng.gen_range(1..=16)})).collect::<Vec<_>>(),
            })).collect();
            let units: i64 = rings.iter().flat_map(|r| r["targets"].as_array().unwrap()).map(|t| t["units"].as_i64().unwrap()).sum();
            let targets = rings.iter().map(|r| r["targets"].as_array().unwrap().len()).sum::<usize>() as i64;
            let fail_at = (round % 2 == 1).then(|| {
                let r = rng.gen_range(0..rings.len());
                (r, rng.gen_range(0..rings[r]["targets"].as_array().unwrap().len()))
            });
            let d = create(&app, buildout(json!(rings))).await;
            let planned = pair(&app, "westeurope", "Dv5").await;
            assert_eq!((planned.0, planned.1, planned.2), (before.0 + targets, before.1 + units, before.2), "round {round}: planned clusters count in total, not free");
            let d = run_to_end(&app, d, fail_at).await;
            let after = pair(&app, "westeurope", "Dv5").await;
            if fail_at.is_some() {
                assert_eq!(d["state"], "rolled_back", "round {round}");
                assert_eq!(after, before, "round {round}: a rolled-back buildout leaves nothing behind: {d}");
            } else {
                assert_eq!(d["state"], "completed", "round {round}");
                assert_eq!(after, (before.0 + targets, before.1 + units, before.2 + units), "round {round}: its units are free");
                // Then a decommission of some of what it built, one cluster a ring.
                let built: Vec<(i64, i64)> = d["rings"].as_array().unwrap().iter().flat_map(|r| r["targets"].as_array().unwrap().clone())
                    .map(|t| (t["cluster_id"].as_i64().unwrap(), t["units"].as_i64().unwrap())).collect();
                let retire: Vec<(i64, i64)> = built.into_iter().filter(|_| rng.gen_bool(0.6)).collect();
                if retire.is_empty() {
                    continue;
                }
                let gone: i64 = retire.iter().map(|(_, u)| u).sum();
                let dec = create(&app, json!({"kind": "decommission", "title": "Retire", "region": "westeurope", "sku": "Dv5",
                    "rings": retire.iter().enumerate().map(|(i, (c, _))| json!({"name": format!("r{i}"), "bake_minutes": 0, "targets": [{"cluster_id": c}]})).collect::<Vec<_>>()})).await;
                let dec = run_to_end(&app, dec, None).await;
                assert_eq!(dec["state"], "completed", "round {round}");
                let end = pair(&app, "westeurope", "Dv5").await;
                assert_eq!(end, (after.0 - retire.len() as i64, after.1 - gone, after.2 - gone), "round {round}: the retired units leave");
            }
            let (n,): (i64,) = sqlx::query_as(negative).fetch_one(app.db.pool()).await.unwrap();
            assert_eq!(n, 0, "no ledger value is negative");
            consistent(&app).await;
        }
    }
}

both_databases! {
    async fn the_bench_seed_plans_deployments_even_where_gates_hold(backend: Backend) {
        // Every pair critical: each started rollout waits at its canary's gate,
        // which the bench seed must take as it is (it used to report on the
        // held ring and fail).
        let app = TestApp::seeded(backend).await;
        server::seed::ensure_demo_accounts(&app.db).await.unwrap();
        let origin = app::shared::audit::Origin::default();
        app::settings::server::set(&app.db, &origin, "t", "health.constrained", "0.05").await.unwrap();
        app::settings::server::set(&app.db, &origin, "t", "health.critical", "0.1").await.unwrap();
        let (made, targets) = server::seed::seed_bench_deployments(&app.db, 12, 4).await.unwrap();
        assert_eq!((made, targets), (12, 48));
        let (_, list) = app.get_json("/api/v1/deployments?limit=50").await;
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 12);
        let mut held = 0;
        for d in items.iter().filter(|d| d["kind"] == "rollout" && d["state"] == "in_progress") {
            let d = get(&app, d["key"].as_str().unwrap()).await;
            assert_eq!(d["rings"][0]["state"], "pending", "the gate holds it: {d}");
            held += 1;
        }
        assert!(held > 0, "a started rollout waits at its gate: {list}");
        consistent(&app).await;
    }
}

/// The deployment as the API's list shows it (the list is kept per replica
/// until a deployment changes).
async fn listed(app: &TestApp, key: &str) -> Value {
    let (status, page) = app.get_json("/api/v1/deployments?limit=500").await;
    assert_eq!(status, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == key)
        .cloned()
        .unwrap_or_else(|| panic!("{key} is not listed: {page}"))
}

/// The list page's row of the deployment (the server function the page calls).
async fn row(app: &TestApp, key: &str) -> Value {
    let rows = server_fn(
        app,
        "list_deployments_page",
        "filter[region]=westeurope".into(),
    )
    .await;
    rows["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == key)
        .cloned()
        .unwrap_or_else(|| panic!("{key} has no row: {rows}"))
}

both_databases! {
    async fn the_kept_lists_follow_every_change(backend: Backend) {
        // After each kind of change — create, start, a progress-only report, a
        // state report, the scheduler's promotion, a pause — both lists say what
        // the deployment itself says, read fresh.
        let app = TestApp::seeded(backend).await;
        let d = create(&app, buildout(json!([
            {"name": "canary", "bake_minutes": 30, "targets": [{"zone": 1, "units": 400}]},
            {"name": "rest", "bake_minutes": 0, "targets": [{"zone": 2, "units": 600}]}]))).await;
        let key = d["key"].as_str().unwrap().to_owned();
        let same = |step: &'static str| {
            let app = &app;
            let key = key.clone();
            async move {
                let fresh = get(app, &key).await;
                assert_eq!(listed(app, &key).await, fresh, "after {step}");
                let row = row(app, &key).await;
                assert_eq!(row["state"], fresh["state"], "after {step}");
                let done = fresh["rings"].as_array().unwrap().iter()
                    .flat_map(|r| r["targets"].as_array().unwrap())
                    .filter(|t| t["state"] == "succeeded").count();
                assert_eq!(row["done"].as_u64().unwrap() as usize, done, "after {step}");
                fresh
            }
        };
        same("create").await;
        let d = act(&app, &d, "start").await;
        assert_eq!(same("start").await["state"], "in_progress");
        let id = d["rings"][0]["targets"][0]["id"].as_i64().unwrap();
        let (status, d) = post(&app, &format!("/deployments/{key}/targets/{id}"),
            json!({"state": "in_progress", "progress": 40, "message": "racking", "version": d["version"]})).await;
        assert_eq!(status, 200, "{d}");
        assert_eq!(same("a progress report").await["rings"][0]["targets"][0]["progress"], 40);
        ok_report(&app, &d, 0, 0, "succeeded").await;
        assert_eq!(same("a succeeded target").await["rings"][0]["state"], "baking");
        app.db.clock().freeze(time::OffsetDateTime::now_utc() + time::Duration::minutes(31));
        tick(&app).await;
        assert_eq!(same("the scheduler's promotion").await["rings"][1]["state"], "in_progress");
        let d = get(&app, &key).await;
        act(&app, &d, "pause").await;
        assert_eq!(same("a pause").await["state"], "paused");
    }
}

both_databases! {
    async fn a_rollback_is_refused_while_a_built_cluster_holds_reservations(backend: Backend) {
        // A built cluster in service can be reserved on; walking it back would
        // strand those units, so the rollback is a 409 naming the request, and
        // the deployment is left as it was.
        let app = TestApp::seeded(backend).await;
        let second = crate::helpers::user_with_token(&app, "approver-two", &[Role::Approver]).await;
        let d = create(&app, buildout(json!([
            {"name": "big", "bake_minutes": 0, "targets": [{"zone": 1, "units": 900000}]},
            {"name": "next", "bake_minutes": 0, "targets": [{"zone": 2, "units": 100}]}]))).await;
        let key = d["key"].as_str().unwrap().to_owned();
        let d = act(&app, &d, "start").await;
        let built = d["rings"][0]["targets"][0]["cluster_id"].as_i64().unwrap();
        ok_report(&app, &d, 0, 0, "succeeded").await;
        tick(&app).await;
        let d = get(&app, &key).await;
        assert_eq!(d["rings"][1]["state"], "in_progress", "{d}");
        // A request placed on the new cluster: the most free of its pair.
        let (s, r) = call(&app, Role::Requester, reqwest::Method::POST, "/requests", json!({"kind": "provision", "region": "westeurope",
            "sku": "Dv5", "quantity": 10, "need_by": need_by(30), "service": "web", "justification": "launch", "priority": "P2"})).await;
        assert_eq!(s, 201, "{r}");
        let request = r["key"].as_str().unwrap().to_owned();
        let mut r = r;
        for approver in [app.as_role(Role::Approver), second.clone()] {
            if r["state"] != "submitted" {
                break;
            }
            r = approver.post(app.url(&format!("/api/v1/requests/{request}/approve")))
                .json(&json!({"version": r["version"]})).send().await.unwrap().json().await.unwrap();
        }
        assert_eq!(r["state"], "approved", "{r}");
        assert!(r["reservations"].as_array().unwrap().iter().any(|x| x["cluster_id"] == built), "{r}");
        let (s, d) = report(&app, &d, 1, 0, "failed").await;
        assert_eq!((s, d["state"].as_str()), (200, Some("paused")), "{d}");
        let (s, err) = post(&app, &format!("/deployments/{key}/rollback"), json!({"version": d["version"]})).await;
        assert_error(s, &err, 409, "conflict", None);
        assert!(err["error"]["message"].as_str().unwrap().contains(&request), "names what holds it: {err}");
        assert_eq!(get(&app, &key).await, d, "the deployment is unchanged");
        consistent(&app).await;
    }
}

both_databases! {
    async fn retries_racing_with_one_idempotency_key_change_the_target_once(backend: Backend) {
        // An automation that times out and retries sends the same report with
        // the same key, possibly while the first is still in flight: every copy
        // is answered 200 with the same deployment, and the target moves once.
        let app = std::sync::Arc::new(TestApp::seeded(backend).await);
        let d = create(&app, buildout(json!([{"name": "all", "bake_minutes": 0, "targets": [{"zone": 1, "units": 100}, {"zone": 2, "units": 100}]}]))).await;
        let d = act(&app, &d, "start").await;
        let key = d["key"].as_str().unwrap().to_owned();
        let (t, v) = (d["rings"][0]["targets"][0]["id"].as_i64().unwrap(), d["version"].as_i64().unwrap());
        let racers = (0..8).map(|_| {
            let (app, key) = (app.clone(), key.clone());
            tokio::spawn(async move {
                let resp = app.as_role(Role::Operator)
                    .post(app.url(&format!("/api/v1/deployments/{key}/targets/{t}")))
                    .header("idempotency-key", "rack-7-done")
                    .json(&json!({"state": "succeeded", "progress": 100, "message": "racked", "version": v}))
                    .send().await.unwrap();
                (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
            })
        });
        let answers: Vec<(u16, Value)> = futures::future::join_all(racers).await.into_iter().map(Result::unwrap).collect();
        assert!(answers.iter().all(|(s, _)| *s == 200), "{answers:?}");
        let target_state = |d: &Value| d["rings"][0]["targets"][0]["state"].clone();
        assert!(answers.iter().all(|(_, d)| target_state(d) == "succeeded"), "{answers:?}");
        let moves: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'deployment.target' AND object = $1 AND after LIKE '%succeeded%'")
            .bind(&key).fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(moves, 1, "the target moved once");
        assert_eq!(get(&app, &key).await["version"], v + 1, "one change, one version");
    }
}

both_databases! {
    async fn a_template_rings_existing_clusters_by_their_own_zones(backend: Backend) {
        // The plan editor's "canary → the rest of its zone → the rest" over
        // cluster ids: the page does not know zones, the server does.
        let app = TestApp::seeded(backend).await;
        let (_, page) = app.get_json("/api/v1/clusters?region=westeurope&sku=Dv5&limit=500").await;
        let clusters: Vec<(i64, i64)> = page["items"].as_array().unwrap().iter()
            .map(|c| (c["id"].as_i64().unwrap(), c["zone"].as_i64().unwrap())).collect();
        let canary = clusters[0];
        assert!(clusters.iter().any(|c| c.1 != canary.1) && clusters.iter().filter(|c| c.1 == canary.1).count() > 1,
            "the seed has zone-mates and other zones: {clusters:?}");
        let all: Vec<String> = clusters.iter().map(|c| c.0.to_string()).collect();
        let resp = app.as_role(Role::Operator)
            .post(app.url(&crate::helpers::server_fn_path("plan_from_template")))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("template=canary-zone-rest&kind=decommission&all={}", all.join("+")))
            .send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let rings: Value = resp.json().await.unwrap();
        let ids = |i: usize| -> Vec<i64> { rings[i]["targets"].as_str().unwrap().split(' ').map(|t| t.parse().unwrap()).collect() };
        assert_eq!(rings[0]["name"], "canary");
        assert_eq!(ids(0), vec![canary.0]);
        assert_eq!(rings[1]["name"], format!("zone {}", canary.1));
        let zone_of = |id: i64| clusters.iter().find(|c| c.0 == id).unwrap().1;
        assert!(ids(1).iter().all(|id| zone_of(*id) == canary.1), "{rings}");
        assert!(ids(2).iter().all(|id| zone_of(*id) != canary.1), "{rings}");
        assert_eq!(ids(0).len() + ids(1).len() + ids(2).len(), clusters.len(), "every cluster once");
        // Not a template: the field is named.
        let resp = app.as_role(Role::Operator)
            .post(app.url(&crate::helpers::server_fn_path("plan_from_template")))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("template=yolo&kind=decommission&all=1").send().await.unwrap();
        assert_eq!(resp.status(), 400);
    }
}
