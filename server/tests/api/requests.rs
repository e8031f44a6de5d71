//! Capacity requests over HTTP: the workflow, separation of duties, stale
//! versions, bad input, capacity shortfalls, policy, expiry, and concurrency.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::both_databases;
use crate::helpers::{assert_error, need_by, TestApp};
use app::auth::Role;
use app::shared::audit::Origin;

async fn send(
    c: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Value,
) -> (u16, Value) {
    let resp = c.request(method, url).json(&body).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn post(app: &TestApp, role: Role, path: &str, body: Value) -> (u16, Value) {
    send(
        &app.as_role(role),
        reqwest::Method::POST,
        app.url(path),
        body,
    )
    .await
}

/// A user with a token, for roles the helper's one-role users lack.
async fn token_for(app: &TestApp, name: &str, roles: &[Role]) -> reqwest::Client {
    crate::helpers::user_with_token(app, name, roles).await
}

fn gpu_request(quantity: i64) -> Value {
    json!({"kind": "provision", "region": "westus2", "sku": "ND-H100-v5", "quantity": quantity, "need_by": need_by(90),
           "service": "inference", "justification": "launch", "priority": "P1"})
}

async fn ledger_sums(app: &TestApp) -> (i64, i64, i64) {
    let (cluster_reserved,): (i64,) =
        sqlx::query_as("SELECT CAST(COALESCE(SUM(reserved), 0) AS BIGINT) FROM clusters")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let (rollup_reserved,): (i64,) =
        sqlx::query_as("SELECT CAST(COALESCE(SUM(reserved), 0) AS BIGINT) FROM region_sku_ledger")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let (held,): (i64,) =
        sqlx::query_as("SELECT CAST(COALESCE(SUM(units), 0) AS BIGINT) FROM reservations")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    (cluster_reserved, rollup_reserved, held)
}

both_databases! {
    async fn a_gpu_request_from_draft_to_fulfilled(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let mut body = gpu_request(16);
        body["draft"] = json!(true);
        let (status, r) = post(&app, Role::Requester, "/api/v1/requests", body).await;
        assert_eq!(status, 201, "{r}");
        let key = r["key"].as_str().unwrap().to_owned();
        assert!(key.starts_with("CR-"));
        assert_eq!((r["state"].as_str(), r["version"].as_i64()), (Some("draft"), Some(1)));
        let (_, r) = post(&app, Role::Requester, &format!("/api/v1/requests/{key}/submit"), json!({"version": 1})).await;
        assert_eq!(r["state"], "submitted");
        assert_eq!(r["policy"], "needs 2 approvals: rule 'GPU always needs two'");
        let v = r["version"].as_i64().unwrap();
        // Nobody approves their own request.
        let both = token_for(&app, "self-approver", &[Role::Requester, Role::Approver]).await;
        let (_, own) = send(&both, reqwest::Method::POST, app.url("/api/v1/requests"), gpu_request(8)).await;
        let own_key = own["key"].as_str().unwrap();
        let (status, body) = send(&both, reqwest::Method::POST, app.url(&format!("/api/v1/requests/{own_key}/approve")), json!({"version": own["version"]})).await;
        assert_error(status, &body, 403, "forbidden", None);
        // Wrong role.
        let (status, _) = post(&app, Role::Viewer, &format!("/api/v1/requests/{key}/approve"), json!({"version": v})).await;
        assert_eq!(status, 403);
        let a1 = app.as_role(Role::Approver);
        let (status, r) = send(&a1, reqwest::Method::POST, app.url(&format!("/api/v1/requests/{key}/approve")), json!({"version": v, "comment": "ok by me"})).await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(r["state"], "submitted", "one of two");
        let v = r["version"].as_i64().unwrap();
        // The same approver twice: 409.
        let (status, body) = send(&a1, reqwest::Method::POST, app.url(&format!("/api/v1/requests/{key}/approve")), json!({"version": v})).await;
        assert_error(status, &body, 409, "conflict", None);
        // A stale version: 409.
        let a2 = token_for(&app, "approver-two", &[Role::Approver]).await;
        let (status, _) = send(&a2, reqwest::Method::POST, app.url(&format!("/api/v1/requests/{key}/approve")), json!({"version": v - 1})).await;
        assert_eq!(status, 409);
        let before = ledger_sums(&app).await;
        let (status, r) = send(&a2, reqwest::Method::POST, app.url(&format!("/api/v1/requests/{key}/approve")), json!({"version": v})).await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(r["state"], "approved");
        assert_eq!(r["hold_until"], need_by(104));
        let held: i64 = r["reservations"].as_array().unwrap().iter().map(|x| x["units"].as_i64().unwrap()).sum();
        assert_eq!(held, 16);
        let after = ledger_sums(&app).await;
        assert_eq!(after.0, before.0 + 16);
        assert_eq!(after.0, after.1, "rollup moves with the clusters");
        assert_eq!(after.0, after.2, "reservations sum to reserved");
        // The operator fulfils: reserved becomes allocated.
        let (status, r) = post(&app, Role::Operator, &format!("/api/v1/requests/{key}/fulfill"), json!({"version": r["version"]})).await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(r["state"], "fulfilled");
        assert_eq!(ledger_sums(&app).await.0, before.0);
        let trail = app::shared::audit::list(app.db.pool(), &Default::default(), 100).await.unwrap();
        let mine: Vec<&str> = trail.iter().filter(|e| e.object.as_deref() == Some(key.as_str())).map(|e| e.action.as_str()).collect();
        for a in ["request.create", "request.submit", "request.approve", "request.comment", "request.fulfill"] {
            assert!(mine.contains(&a), "{a} in {mine:?}");
        }
    }

    async fn bad_input_is_400_and_changes_nothing(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let count = |db: app::db::Db| async move {
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM capacity_requests").fetch_one(db.pool()).await.unwrap();
            n
        };
        let before = count(app.db.clone()).await;
        for (field, value) in [
            ("quantity", json!(0)), ("quantity", json!(-3)), ("need_by", json!("2027-02-30")), ("region", json!("atlantis")),
            ("sku", json!("Zv9")), ("priority", json!("P9")), ("kind", json!("borrow")), ("zone", json!(7)), ("service", json!("  ")),
            ("need_by", json!(need_by(-1))),
        ] {
            let mut body = gpu_request(8);
            body[field] = value;
            let (status, err) = post(&app, Role::Requester, "/api/v1/requests", body).await;
            assert_error(status, &err, 400, "invalid", Some(field));
        }
        let (status, err) = post(&app, Role::Requester, "/api/v1/requests", json!({"kind": "provision"})).await;
        assert_eq!((status, err["error"]["field"].as_str()), (400, Some("region")));
        // Several bad fields are named in one answer, the first as `field`.
        let mut body = gpu_request(0);
        body["need_by"] = json!(need_by(-3));
        body["service"] = json!(" ");
        let (status, err) = post(&app, Role::Requester, "/api/v1/requests", body).await;
        assert_error(status, &err, 400, "invalid", Some("quantity"));
        let message = err["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("quantity: ") && message.contains("; need_by ") && message.contains("; service "), "{message}");
        let resp = app.as_role(Role::Requester).post(app.url("/api/v1/requests")).header("content-type", "application/json").body("{not json").send().await.unwrap();
        assert_eq!(resp.status(), 400);
        let (status, _) = post(&app, Role::Viewer, "/api/v1/requests", gpu_request(8)).await;
        assert_eq!(status, 403, "viewers do not file");
        assert_eq!(count(app.db.clone()).await, before);
        let (status, err) = app.get_json("/api/v1/requests/CR-abc").await;
        assert_error(status, &err, 400, "invalid", Some("key"));
        let (status, _) = app.get_json("/api/v1/requests/CR-999999").await;
        assert_eq!(status, 404);
    }

    async fn requesters_edit_their_own_requests_at_the_version_they_saw(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let mut body = gpu_request(8);
        body["draft"] = json!(true);
        let (_, r) = post(&app, Role::Requester, "/api/v1/requests", body.clone()).await;
        let key = r["key"].as_str().unwrap().to_owned();
        let url = app.url(&format!("/api/v1/requests/{key}"));
        body["quantity"] = json!(12);
        body["version"] = json!(1);
        let (status, r) = send(&app.as_role(Role::Requester), reqwest::Method::PATCH, url.clone(), body.clone()).await;
        assert_eq!((status, r["quantity"].as_i64(), r["version"].as_i64()), (200, Some(12), Some(2)), "{r}");
        // The same edit again carries a stale version.
        let (status, err) = send(&app.as_role(Role::Requester), reqwest::Method::PATCH, url.clone(), body.clone()).await;
        assert_error(status, &err, 409, "conflict", None);
        // Someone else's request is not theirs to edit.
        let other = token_for(&app, "other-requester", &[Role::Requester]).await;
        body["version"] = json!(2);
        let (status, _) = send(&other, reqwest::Method::PATCH, url.clone(), body.clone()).await;
        assert_eq!(status, 403);
        body["quantity"] = json!(0);
        let (status, err) = send(&app.as_role(Role::Requester), reqwest::Method::PATCH, url.clone(), body).await;
        assert_error(status, &err, 400, "invalid", Some("quantity"));
        let (_, now) = app.get_json(&format!("/api/v1/requests/{key}")).await;
        assert_eq!((now["quantity"].as_i64(), now["version"].as_i64()), (Some(12), Some(2)), "refused edits changed nothing");
        // Comments land on the timeline.
        let (status, r) = post(&app, Role::Viewer, &format!("/api/v1/requests/{key}/comments"), json!({"comment": "why GPUs?"})).await;
        assert_eq!(status, 200, "{r}");
        let (status, err) = post(&app, Role::Viewer, &format!("/api/v1/requests/{key}/comments"), json!({"comment": "  "})).await;
        assert_error(status, &err, 400, "invalid", Some("comment"));
    }

    async fn a_shortfall_is_422_and_changes_nothing(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (_, r) = post(&app, Role::Requester, "/api/v1/requests", gpu_request(9_000_000)).await;
        let key = r["key"].as_str().unwrap().to_owned();
        let a2 = token_for(&app, "approver-two", &[Role::Approver]).await;
        let (_, r) = post(&app, Role::Approver, &format!("/api/v1/requests/{key}/approve"), json!({"version": r["version"]})).await;
        let before = ledger_sums(&app).await;
        let (status, err) = send(&a2, reqwest::Method::POST, app.url(&format!("/api/v1/requests/{key}/approve")), json!({"version": r["version"]})).await;
        assert_error(status, &err, 422, "insufficient_capacity", None);
        assert_eq!(err["error"]["shortfall"]["region"], "westus2");
        assert!(err["error"]["shortfall"]["units"].as_i64().unwrap() > 0);
        assert!(err["error"]["message"].as_str().unwrap().starts_with("short by "), "{err}");
        assert_eq!(ledger_sums(&app).await, before);
        let (_, now) = app.get_json(&format!("/api/v1/requests/{key}")).await;
        assert_eq!((now["state"].as_str(), now["version"].clone()), (Some("submitted"), r["version"].clone()));
        assert_eq!(now["approvals"].as_array().unwrap().len(), 1, "the refused approval left no trace");
    }

    async fn requests_beyond_the_free_units_are_marked_and_never_approved_in_bulk(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (_, huge) = post(&app, Role::Requester, "/api/v1/requests", gpu_request(5_000)).await;
        let (_, small) = post(&app, Role::Requester, "/api/v1/requests", gpu_request(8)).await;
        let (huge_key, small_key) = (huge["key"].as_str().unwrap(), small["key"].as_str().unwrap());
        // The inbox says which cannot be placed, by how much, and the band after approval.
        let html = app.as_role(Role::Approver).get(app.url("/approvals")).send().await.unwrap().text().await.unwrap();
        let row = |key: &str| html.split("<tr").map(|r| r.split("</tr>").next().unwrap_or_default()).find(|r| r.contains(&format!(">{key}<"))).unwrap_or_default().to_owned();
        assert!(row(huge_key).contains("cannot be placed · short by"), "{}", row(huge_key));
        assert!(row(huge_key).contains("0 of 2"), "approvals so far");
        assert!(!row(small_key).contains("cannot be placed"), "{}", row(small_key));
        // Its own page warns anyone who opens it, the requester included.
        let page = app.as_role(Role::Requester).get(app.url(&format!("/requests/{huge_key}"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("data-testid=\"beyond-free\"") && page.contains("More than is free now"), "the requester is told");
        let page = app.as_role(Role::Requester).get(app.url(&format!("/requests/{small_key}"))).send().await.unwrap().text().await.unwrap();
        assert!(!page.contains("beyond-free"));
        // Bulk approval passes over it with a word; the other is approved once.
        let path = crate::helpers::server_fn_path("decide_requests");
        let body = format!("action=approve&pick[{huge_key}]={}&pick[{small_key}]={}", huge["version"], small["version"]);
        let resp = app.as_role(Role::Approver).post(app.url(&path)).header("content-type", "application/x-www-form-urlencoded").body(body).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let summary: Value = resp.json().await.unwrap();
        assert_eq!(summary["done"].as_array().unwrap().len(), 1, "{summary}");
        assert!(summary["failed"][0].as_str().unwrap().contains("cannot be placed"), "{summary}");
        let (_, after) = app.get_json(&format!("/api/v1/requests/{huge_key}")).await;
        assert_eq!(after["approvals"].as_array().unwrap().len(), 0, "no approval added without a word");
        let (_, after) = app.get_json(&format!("/api/v1/requests/{small_key}")).await;
        assert_eq!(after["approvals"].as_array().unwrap().len(), 1);
        // Rejecting in bulk needs a reason, said once for all.
        let body = format!("action=reject&pick[{huge_key}]={}", huge["version"]);
        let resp = app.as_role(Role::Approver).post(app.url(&path)).header("content-type", "application/x-www-form-urlencoded").body(body.clone()).send().await.unwrap();
        assert_eq!(resp.status(), 400);
        let err: Value = resp.json().await.unwrap();
        assert_eq!(err["field"], "comment", "{err}");
        let resp = app.as_role(Role::Approver).post(app.url(&path)).header("content-type", "application/x-www-form-urlencoded")
            .body(format!("{body}&comment=far+beyond+the+region")).send().await.unwrap();
        let summary: Value = resp.json().await.unwrap();
        assert_eq!(summary["done"].as_array().unwrap().len(), 1, "{summary}");
        let (_, after) = app.get_json(&format!("/api/v1/requests/{huge_key}")).await;
        assert_eq!(after["state"], "rejected");
    }

    async fn small_healthy_requests_are_approved_by_policy(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        // Find a healthy region × SKU of a non-GPU family.
        let (_, regions) = app.get_json("/api/v1/regions").await;
        let pair = regions["items"].as_array().unwrap().iter()
            .flat_map(|r| r["skus"].as_array().unwrap().iter())
            .find(|s| s["health"] == "healthy" && s["family"] != "gpu" && s["ledger"]["free"].as_i64().unwrap() > 1000)
            .expect("a healthy pair").clone();
        let body = json!({"kind": "provision", "region": pair["region"], "sku": pair["sku"], "quantity": 64, "need_by": need_by(45),
                          "service": "web", "justification": "growth", "priority": "P3"});
        let (status, r) = post(&app, Role::Requester, "/api/v1/requests", body).await;
        assert_eq!(status, 201, "{r}");
        assert_eq!(r["state"], "approved");
        assert!(r["policy"].as_str().unwrap().starts_with("approved by policy"));
        let trail = app::shared::audit::list(app.db.pool(), &app::shared::audit_query::AuditQuery { action: Some("request.approve".into()), actor: Some("(policy)".into()), ..Default::default() }, 10).await.unwrap();
        assert_eq!(trail.len(), 1, "recorded as approved by policy");
        // Cancelling needs a reason, and gives the units back.
        let before = ledger_sums(&app).await;
        let cancel = format!("/api/v1/requests/{}/cancel", r["key"].as_str().unwrap());
        for comment in [json!(null), json!(""), json!("   ")] {
            let (status, err) = post(&app, Role::Requester, &cancel, json!({"version": r["version"], "comment": comment})).await;
            assert_error(status, &err, 400, "invalid", Some("comment"));
        }
        assert_eq!(ledger_sums(&app).await, before, "a refused cancel changes nothing");
        let (status, r) = post(&app, Role::Requester, &cancel, json!({"version": r["version"], "comment": "launch moved"})).await;
        assert_eq!((status, r["state"].as_str()), (200, Some("cancelled")));
        assert_eq!(ledger_sums(&app).await.0, before.0 - 64);
    }

    async fn policy_grace_and_sla_are_admin_settings(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let o = Origin::default();
        let set = |key: &'static str, value: &'static str| {
            let db = app.db.clone();
            let o = o.clone();
            async move { app::settings::server::set(&db, &o, "admin-user", key, value).await }
        };
        // A bad policy is refused, naming the line, and the policy stays as it was.
        let err = set("requests.policy", "GPU by one | family=gpu | 1\nbig | quantity<=lots | 2").await.unwrap_err();
        assert_eq!(err.field(), Some("value"));
        assert!(err.to_string().contains("line 2") && err.to_string().contains("'lots'"), "{err}");
        assert_eq!(app::settings::server::get(&app.db, "requests.policy").await.unwrap(), app::requests::policy::DEFAULT_POLICY);
        // The admin's policy decides, and says so in words.
        set("requests.policy", "GPU by one | family=gpu | 1\nthe rest | any | 2").await.unwrap();
        set("requests.hold_grace_days", "3").await.unwrap();
        let (status, r) = post(&app, Role::Requester, "/api/v1/requests", gpu_request(4)).await;
        assert_eq!(status, 201, "{r}");
        assert_eq!((r["approvals_needed"].as_i64(), r["policy"].as_str()), (Some(1), Some("needs 1 approval: rule 'GPU by one'")));
        let key = r["key"].as_str().unwrap().to_owned();
        // The SLA the inbox measures against.
        set("requests.sla_business_days", "5").await.unwrap();
        let html = app.as_role(Role::Approver).get(app.url("/approvals")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("Overdue after 5 business days.") && html.contains(&key), "inbox shows the SLA and the request");
        // One approval is now final, and the hold is need-by plus the grace setting.
        let (status, r) = post(&app, Role::Approver, &format!("/api/v1/requests/{key}/approve"), json!({"version": r["version"]})).await;
        assert_eq!((status, r["state"].as_str()), (200, Some("approved")), "{r}");
        assert_eq!(r["hold_until"], need_by(93));
        // Admins edit the policy in a text area on the settings page.
        let html = app.as_role(Role::Admin).get(app.url("/admin/settings")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("<textarea") && html.contains("GPU by one | family=gpu | 1"), "the policy on the settings page");
    }

    async fn the_list_filters_by_sku_requester_and_age(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let dv5 = |service: &str| json!({"kind": "provision", "region": "eastus", "sku": "Dv5", "quantity": 900, "need_by": need_by(90),
                                          "service": service, "justification": "growth", "priority": "P2"});
        let (_, gpu) = post(&app, Role::Requester, "/api/v1/requests", gpu_request(4)).await;
        let (_, mine) = post(&app, Role::Requester, "/api/v1/requests", dv5("web")).await;
        let other = token_for(&app, "req-two", &[Role::Requester]).await;
        let (_, theirs) = send(&other, reqwest::Method::POST, app.url("/api/v1/requests"), dv5("batch")).await;
        let keys = |v: &Value| -> Vec<String> { v["items"].as_array().unwrap().iter().map(|r| r["key"].as_str().unwrap().to_owned()).collect() };
        let key = |r: &Value| r["key"].as_str().unwrap().to_owned();
        let (_, r) = app.get_json("/api/v1/requests?sku=ND-H100-v5").await;
        assert_eq!(keys(&r), vec![key(&gpu)]);
        let (_, r) = app.get_json("/api/v1/requests?requester=req-two").await;
        assert_eq!(keys(&r), vec![key(&theirs)]);
        let (_, r) = app.get_json("/api/v1/requests?requester=requester-user&sku=Dv5").await;
        assert_eq!(keys(&r), vec![key(&mine)]);
        let (_, r) = app.get_json("/api/v1/requests?older_than_days=0").await;
        assert_eq!(keys(&r).len(), 3);
        let (_, r) = app.get_json("/api/v1/requests?older_than_days=7").await;
        assert!(keys(&r).is_empty(), "all filed just now");
        // Age one request by ten days.
        let id = app::requests::domain::parse_key(&key(&mine)).unwrap();
        sqlx::query("UPDATE capacity_requests SET created_at = $1 WHERE id = $2")
            .bind("2020-01-01T00:00:00Z").bind(id).execute(app.db.pool()).await.unwrap();
        let (_, r) = app.get_json("/api/v1/requests?older_than_days=7").await;
        assert_eq!(keys(&r), vec![key(&mine)]);
        let (status, r) = app.get_json("/api/v1/requests?older_than_days=soon").await;
        assert_error(status, &r, 400, "invalid", Some("older_than_days"));
        // The page has the same filters, kept in the URL.
        let html = app.get("/requests?sku=ND-H100-v5&older_than_days=0").await.text().await.unwrap();
        assert!(html.contains(&key(&gpu)) && !html.contains(&key(&mine)), "the page filters by SKU");
        assert!(html.contains(r#"name="requester""#) && html.contains(r#"name="older_than_days""#));
    }

    async fn the_form_shows_the_chosen_headroom(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (_, region) = app.get_json("/api/v1/regions/westus2").await;
        let gpu = region["region"]["skus"].as_array().unwrap().iter().find(|s| s["sku"] == "ND-H100-v5").unwrap().clone();
        let free = gpu["ledger"]["free"].as_i64().unwrap();
        let requester = app.as_role(Role::Requester);
        let html = requester.get(app.url("/requests/new?region=westus2&sku=ND-H100-v5")).send().await.unwrap().text().await.unwrap();
        let shown = format!("{} GPU free", app::components::format::units(free));
        assert!(html.contains(&shown), "the form shows {shown}");
        let html = requester.get(app.url("/requests/new?region=westus2&sku=Nope-v1")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("westus2 does not offer Nope-v1"));
        // With a quantity: the headroom after it, and where else there is enough.
        let html = requester.get(app.url("/requests/new?region=westus2&sku=ND-H100-v5&quantity=8")).send().await.unwrap().text().await.unwrap();
        let after = format!("After your request: {} GPU free", app::components::format::units(free - 8));
        assert!(html.contains(&after), "{after}");
        assert!(!html.contains("data-testid=\"suggestions\""), "nothing to suggest when it fits");
        let (_, regions) = app.get_json("/api/v1/regions").await;
        let best_elsewhere = regions["items"].as_array().unwrap().iter()
            .filter(|r| r["code"] != "westus2")
            .flat_map(|r| r["skus"].as_array().unwrap().iter())
            .filter(|s| s["sku"] == "ND-H100-v5")
            .max_by_key(|s| s["ledger"]["free"].as_i64().unwrap())
            .unwrap().clone();
        let ask = free + 1;
        let html = requester.get(app.url(&format!("/requests/new?region=westus2&sku=ND-H100-v5&quantity={ask}"))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("After your request: short by 1 GPU"), "short by one");
        let best_free = best_elsewhere["ledger"]["free"].as_i64().unwrap();
        if best_free >= ask {
            let named = format!("{} ({} free)", best_elsewhere["region"].as_str().unwrap(), app::components::format::units(best_free));
            assert!(html.contains("Enough free elsewhere: ") && html.contains(&named), "suggests {named}");
        } else {
            assert!(html.contains("No other region has that much free either"));
        }

        // Zones: each zone's free units, from the clusters themselves.
        let (_, clusters) = app.get_json("/api/v1/clusters?region=westus2&sku=ND-H100-v5&limit=500").await;
        let mut zones: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
        for c in clusters["items"].as_array().unwrap() {
            *zones.entry(c["zone"].as_i64().unwrap()).or_default() += c["ledger"]["free"].as_i64().unwrap();
        }
        let by_zone = zones.iter().map(|(z, f)| format!("zone {z}: {}", app::components::format::units(*f))).collect::<Vec<_>>().join(" · ");
        let html = requester.get(app.url("/requests/new?region=westus2&sku=ND-H100-v5&quantity=8")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains(&format!("Free by zone (GPU): {by_zone}")), "{by_zone}");
        // Ask for the most any one zone has: only the zones with that much are suggested.
        let most = *zones.values().max().unwrap();
        let enough: Vec<String> = zones.iter().filter(|(_, f)| **f >= most).map(|(z, _)| z.to_string()).collect();
        let html = requester.get(app.url(&format!("/requests/new?region=westus2&sku=ND-H100-v5&quantity={most}"))).send().await.unwrap().text().await.unwrap();
        if enough.len() == zones.len() {
            assert!(html.contains("Any zone has enough free."));
        } else {
            assert!(html.contains(&format!("Zones with enough free for it alone: {}.", enough.join(", "))), "{enough:?}");
        }
        // More than any zone has, but it fits the region: spread it.
        if most < free {
            let html = requester.get(app.url(&format!("/requests/new?region=westus2&sku=ND-H100-v5&quantity={}", most + 1))).send().await.unwrap().text().await.unwrap();
            assert!(html.contains("No single zone has that much free"));
        }
    }

    async fn an_edit_changes_only_the_fields_it_sends(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (status, draft) = post(&app, Role::Requester, "/api/v1/requests", json!({"kind": "provision", "region": "westus2",
            "zone": 2, "sku": "Dv5", "quantity": 10, "need_by": need_by(30), "service": "web", "justification": "launch",
            "priority": "P2", "draft": true})).await;
        assert_eq!(status, 201, "{draft}");
        let key = draft["key"].as_str().unwrap().to_owned();
        let requester = app.as_role(Role::Requester);
        let patch = |body: Value| send(&requester, reqwest::Method::PATCH, app.url(&format!("/api/v1/requests/{key}")), body);
        let (status, r) = patch(json!({"quantity": 20, "version": 1})).await;
        assert_eq!(status, 200, "{r}");
        assert_eq!((r["quantity"].as_i64(), r["version"].as_i64()), (Some(20), Some(2)));
        for field in ["kind", "region", "zone", "sku", "need_by", "service", "justification", "priority"] {
            assert_eq!(r[field], draft[field], "{field} kept");
        }
        // `null` clears the zone; leaving it out keeps it.
        let (_, r) = patch(json!({"zone": null, "version": 2})).await;
        assert_eq!((r["zone"].clone(), r["quantity"].as_i64()), (Value::Null, Some(20)));
        // Still checked as a whole, naming the field; the version is required.
        let (status, body) = patch(json!({"quantity": 0, "version": 3})).await;
        assert_error(status, &body, 400, "invalid", Some("quantity"));
        let (status, body) = patch(json!({"quantity": 5})).await;
        assert_error(status, &body, 400, "invalid", Some("version"));
    }

    async fn the_request_forms_work_without_javascript(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let requester = app.as_role(Role::Requester);
        let path = crate::helpers::server_fn_path("file_request");
        let form = |justification: &str| format!(
            "kind=provision&region=westus2&sku=Dv5&quantity=12&need_by={}&service=web&justification={justification}&priority=P2",
            crate::helpers::need_by(30));
        let plain = |body: String| requester.post(app.url(&path))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html").header("referer", app.url("/requests/new")).body(body).send();
        // Filed: the browser goes on to the new request, with a notice.
        let resp = plain(form("launch")).await.unwrap();
        assert_eq!(resp.status(), 302);
        let to = resp.headers()["location"].to_str().unwrap().to_owned();
        assert!(to.starts_with("/requests/CR-") && to.contains("notice="), "{to}");
        // Refused: back to the form with the error naming its field and the short
        // fields that were typed, but never the justification.
        let resp = plain(form("%20")).await.unwrap();
        assert_eq!(resp.status(), 302);
        let back = resp.headers()["location"].to_str().unwrap().to_owned();
        assert!(back.contains("/requests/new?") && back.contains("service=web") && back.contains("__err="), "{back}");
        assert!(!back.contains("justification="), "the justification stays out of the URL: {back}");
        let html = requester.get(&back).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("justification is required"), "the error is shown on the form");
        assert!(html.contains(r#"value="web""#), "what was typed is kept");
        // Refused for another field: the justification waits server-side and
        // comes back into the form, for its author only, until the form is filed.
        let typed = "canary-reason-4e1b";
        let bad = form(typed).replace("quantity=12", "quantity=0");
        let back = plain(bad).await.unwrap().headers()["location"].to_str().unwrap().to_owned();
        assert!(back.contains("kept=") && !back.contains(typed), "{back}");
        let html = requester.get(&back).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("quantity"), "the error names quantity");
        assert!(html.contains(&format!(">{typed}</textarea>")), "the justification is back in its field");
        let other = crate::helpers::user_with_token(&app, "requester-two", &[Role::Requester]).await;
        let theirs = other.get(&back).send().await.unwrap().text().await.unwrap();
        assert!(!theirs.contains(typed), "another requester does not see it");
        // The no-JS "Show headroom" button keeps it the same way.
        let show = crate::helpers::server_fn_path("show_request_headroom");
        let resp = requester.post(app.url(&show)).header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html").body(form(typed)).send().await.unwrap();
        assert_eq!(resp.status(), 302);
        let shown = resp.headers()["location"].to_str().unwrap().to_owned();
        assert!(shown.starts_with("/requests/new?") && shown.contains("region=westus2") && shown.contains("quantity=12") && shown.contains("kept="), "{shown}");
        assert!(!shown.contains(typed), "{shown}");
        let html = requester.get(app.url(&shown)).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("After your request") && html.contains(&format!(">{typed}</textarea>")), "headroom and the justification");
        // Filed: the draft is gone.
        assert_eq!(plain(form(typed)).await.unwrap().status(), 302);
        let html = requester.get(app.url(&shown)).send().await.unwrap().text().await.unwrap();
        assert!(!html.contains(typed), "a filed form's draft is dropped");
    }

    async fn operators_fulfill_from_a_queue_and_the_timeline_says_what_was_delivered(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let first = crate::access::approved_request(&app).await;
        let second = crate::access::approved_request(&app).await;
        let (k1, k2) = (first["key"].as_str().unwrap(), second["key"].as_str().unwrap());
        let page = |role| { let app = &app; async move {
            let resp = app.as_role(role).get(app.url("/fulfilment")).send().await.unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        }};
        let (status, html) = page(Role::Operator).await;
        assert_eq!(status, 200);
        assert!(html.contains("2 approved · 0 past their need-by date"), "{html}");
        assert!(html.contains(&format!(">{k1}<")) && html.contains(&format!(">{k2}<")));
        assert!(html.contains("westus2-az"), "where the units are held");
        assert_eq!(page(Role::Approver).await.0, 403, "operators fulfil");
        // A month on, both are past their need-by (held for the grace period).
        app.db.clock().freeze(time::OffsetDateTime::now_utc() + time::Duration::days(31));
        let (_, html) = page(Role::Operator).await;
        assert!(html.contains("2 approved · 2 past their need-by date") && html.contains("data-testid=\"overdue\""), "overdue marked");
        // Fulfilling records what was delivered, and the change reference as a comment.
        let (status, r) = post(&app, Role::Operator, &format!("/api/v1/requests/{k1}/fulfill"), json!({"version": first["version"], "comment": "CHG-4242"})).await;
        assert_eq!((status, r["state"].as_str()), (200, Some("fulfilled")), "{r}");
        let detail = app.as_role(Role::Operator).get(app.url(&format!("/requests/{k1}"))).send().await.unwrap().text().await.unwrap();
        assert!(detail.contains("delivered") && detail.contains("100 units allocated: westus2-az"), "the timeline names clusters and units");
        assert!(detail.contains("CHG-4242"));
        let (_, html) = page(Role::Operator).await;
        let main: String = html.split("<main").nth(1).unwrap_or(&html).chars().take(1500).collect();
        assert!(!html.contains(&format!(">{k1}<")) && html.contains("1 approved"), "fulfilled leaves the queue: {main}");
    }

    async fn approved_requests_expire_after_their_hold(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (_, r) = post(&app, Role::Requester, "/api/v1/requests", gpu_request(4)).await;
        let key = r["key"].as_str().unwrap().to_owned();
        let a2 = token_for(&app, "approver-two", &[Role::Approver]).await;
        let (_, r) = post(&app, Role::Approver, &format!("/api/v1/requests/{key}/approve"), json!({"version": r["version"]})).await;
        let (_, r) = send(&a2, reqwest::Method::POST, app.url(&format!("/api/v1/requests/{key}/approve")), json!({"version": r["version"]})).await;
        assert_eq!(r["state"], "approved");
        assert_eq!(app::requests::server::expiry::sweep(&app.db, &need_by(104)).await.unwrap(), 0, "hold lasts through its last day");
        assert_eq!(app::requests::server::expiry::sweep(&app.db, &need_by(105)).await.unwrap(), 1);
        let (_, r) = app.get_json(&format!("/api/v1/requests/{key}")).await;
        assert_eq!(r["state"], "expired");
        assert_eq!(ledger_sums(&app).await, (0, 0, 0));
    }

    async fn concurrent_approvers_never_overcommit(backend: Backend) {
        let app = Arc::new(TestApp::seeded(backend).await);
        // Two more Headroom servers over the same database, each its own OS
        // process (the binary itself) with its own pool and cache, as replicas.
        let replicas = [app.replica_process().await, app.replica_process().await];
        // 200 requests for one region × SKU, together ~1.7× what it has free.
        let (_, region) = app.get_json("/api/v1/regions/eastus").await;
        let dv5 = region["region"]["skus"].as_array().unwrap().iter().find(|s| s["sku"] == "Dv5").unwrap().clone();
        let free = dv5["ledger"]["free"].as_i64().unwrap();
        let mut keys = Vec::new();
        let requester = app.as_role(Role::Requester);
        for i in 0..200 {
            let body = json!({"kind": "provision", "region": "eastus", "sku": "Dv5", "quantity": free / 120 + (i % 5),
                              "need_by": need_by(180), "service": format!("svc-{i}"), "justification": "load", "priority": "P2"});
            let (status, r) = send(&requester, reqwest::Method::POST, app.url("/api/v1/requests"), body).await;
            assert_eq!(status, 201, "{r}");
            keys.push((r["key"].as_str().unwrap().to_owned(), r["version"].as_i64().unwrap(), r["approvals_needed"].as_i64().unwrap()));
        }
        let mut approvers = Vec::new();
        for i in 0..20 {
            approvers.push(token_for(&app, &format!("racer{i}"), &[Role::Approver]).await);
        }
        let keys = Arc::new(keys);
        let mut tasks = Vec::new();
        for (i, client) in approvers.into_iter().enumerate() {
            let keys = keys.clone();
            let base = replicas[i % 2].address.clone();
            tasks.push(tokio::spawn(async move {
                let mut outcomes = HashMap::new();
                // Every approver tries every request, in its own order.
                for j in 0..keys.len() {
                    let (key, _, _) = &keys[(j * 7 + i * 13) % keys.len()];
                    let current: Value = client.get(format!("{base}/api/v1/requests/{key}")).send().await.unwrap().json().await.unwrap();
                    if current["state"] != "submitted" {
                        continue;
                    }
                    let resp = client.post(format!("{base}/api/v1/requests/{key}/approve")).json(&json!({"version": current["version"]})).send().await.unwrap();
                    *outcomes.entry(resp.status().as_u16()).or_insert(0) += 1;
                }
                outcomes
            }));
        }
        let mut totals: HashMap<u16, i32> = HashMap::new();
        for t in tasks {
            for (k, v) in t.await.unwrap() {
                *totals.entry(k).or_default() += v;
            }
        }
        assert!(!totals.contains_key(&500), "no server errors: {totals:?}");
        assert!(totals.get(&200).copied().unwrap_or(0) > 0 && totals.contains_key(&422), "some fit, some do not: {totals:?}");
        // Invariants.
        let (clusters, rollup, held) = ledger_sums(&app).await;
        assert_eq!(clusters, held, "reservations sum to the clusters' reserved units");
        assert_eq!(rollup, clusters, "the rollup agrees");
        let (negative,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM clusters WHERE free < 0").fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(negative, 0);
        let (approved_units,): (i64,) = sqlx::query_as("SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM capacity_requests WHERE state = 'approved'")
            .fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(approved_units, held);
        assert!(held <= free, "never more than was free");
        let finals: Vec<(String, i64)> = sqlx::query_as("SELECT object, COUNT(*) FROM audit_log WHERE action = 'request.approve' AND after = 'approved' GROUP BY object")
            .fetch_all(app.db.pool()).await.unwrap();
        assert!(finals.iter().all(|(_, n)| *n == 1), "at most one final decision per request");
        let (approved,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM capacity_requests WHERE state = 'approved'").fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(finals.len() as i64, approved);
    }
}

both_databases! {
    async fn many_approvers_open_the_inbox_at_once(backend: Backend) {
        // More concurrent inboxes than the pool has connections: none may hold a
        // connection while waiting for another (that deadlocked until the pool's
        // acquire timeout).
        let app = TestApp::seeded(backend).await;
        let client = app.as_role(Role::Approver);
        let url = app.url("/approvals");
        let all = futures::future::join_all((0..96).map(|_| {
            let (client, url) = (client.clone(), url.clone());
            async move { client.get(url).send().await.map(|r| r.status().as_u16()) }
        }));
        let statuses = tokio::time::timeout(std::time::Duration::from_secs(20), all)
            .await
            .expect("96 inboxes within 20 s");
        assert!(statuses.iter().all(|s| matches!(s, Ok(200))), "{statuses:?}");
    }
}

/// The service's caller for `{role}-user`, as a session would make it.
async fn caller_of(app: &TestApp, role: Role) -> app::auth::server::caller::Caller {
    let user = app::auth::server::store::find_user_by_name(app.db.pool(), &format!("{role}-user"))
        .await
        .unwrap()
        .unwrap();
    app::auth::server::caller::Caller {
        user: Some(app::auth::CurrentUser {
            id: user.id,
            name: user.name,
            roles: app::auth::Roles::parse(&role.to_string()).unwrap(),
        }),
        via: app::auth::server::caller::Via::Session,
        origin: Origin::default(),
        seen: None,
    }
}

both_databases! {
    async fn a_filing_whose_submission_fails_leaves_nothing_behind(backend: Backend) {
        // Filing with `"draft": false` files and submits in one transaction: when
        // the submission fails, nothing is left behind. (The fault suite's database
        // outage found a draft left by a database that went away between the two,
        // whose requester had been told 503.)
        let app = TestApp::seeded(backend).await;
        let count = || async {
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM capacity_requests").fetch_one(app.db.pool()).await.unwrap();
            n
        };
        let before = count().await;
        let trap: &[&str] = match backend {
            crate::helpers::Backend::Sqlite => &["CREATE TRIGGER refuse_submission BEFORE UPDATE OF state ON capacity_requests \
                WHEN NEW.state = 'submitted' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"],
            crate::helpers::Backend::Postgres => &[
                "CREATE FUNCTION refuse_submission() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$",
                "CREATE TRIGGER refuse_submission BEFORE UPDATE OF state ON capacity_requests FOR EACH ROW \
                 WHEN (NEW.state = 'submitted') EXECUTE FUNCTION refuse_submission()",
            ],
        };
        for sql in trap {
            sqlx::query(sql).execute(app.db.pool()).await.unwrap();
        }
        let requester = caller_of(&app, Role::Requester).await;
        let mut input: app::requests::types::RequestInput = serde_json::from_value(json!({
            "kind": "provision", "region": "westus2", "sku": "Dv5", "quantity": 4, "need_by": need_by(30),
            "service": "atomic-filing", "justification": "one transaction", "priority": "P3", "draft": false})).unwrap();
        let filed = app::requests::server::service::create(&app.db, &requester, &input).await;
        assert!(filed.is_err(), "the trap refused the submission: {filed:?}");
        assert_eq!(count().await, before, "no draft left behind");
        // Only the submission is trapped: a draft still files.
        input.draft = true;
        let draft = app::requests::server::service::create(&app.db, &requester, &input).await.unwrap();
        assert_eq!(draft.state.as_str(), "draft");
        assert_eq!(count().await, before + 1);
    }
}
