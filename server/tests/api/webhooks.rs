//! Webhooks (issue 16): events reach a subscribed receiver signed per the
//! Standard Webhooks spec (checked by the `standardwebhooks` crate, not by
//! Headroom's own code), through a rotation too; a receiver that fails twice
//! gets exactly one successful delivery; a delivery survives the process being
//! killed mid-attempt; a rolled-back transaction delivers nothing; several
//! workers make each attempt once; a 410 disables the subscription; bad
//! subscriptions are refused naming the field, with nothing stored.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::{json, Value};

use crate::both_databases;
use crate::helpers::{assert_error, eventually, need_by, TestApp};
use app::auth::Role;
use app::shared::audit::Origin;
use app::webhooks::domain::EventType;
use app::webhooks::server::{outbox, worker::Worker};

/// How the test receiver answers its nth request.
#[derive(Clone, Copy)]
enum Answer {
    Status(u16),
    /// 503 asking to come back in a second.
    RetryIn1s,
    /// Never answers (the sender times out or dies first).
    Hang,
}

#[derive(Clone)]
struct Got {
    headers: HeaderMap,
    body: String,
}

/// A webhook receiver on a loopback port: it records every request and answers
/// from its script (then 200).
#[derive(Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Got>>>,
}

impl Receiver {
    async fn start(script: Vec<Answer>) -> Receiver {
        let got: Arc<Mutex<Vec<Got>>> = Arc::default();
        let seen = got.clone();
        let script = Arc::new(script);
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: String| {
            let (seen, script) = (seen.clone(), script.clone());
            async move {
                let n = {
                    let mut g = seen.lock().unwrap();
                    g.push(Got { headers, body });
                    g.len() - 1
                };
                match script.get(n).copied().unwrap_or(Answer::Status(200)) {
                    Answer::Status(s) => StatusCode::from_u16(s).unwrap().into_response(),
                    Answer::RetryIn1s => {
                        (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "1")]).into_response()
                    }
                    Answer::Hang => {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                        StatusCode::OK.into_response()
                    }
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/headroom", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, got }
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }
}

/// The independent check: the `standardwebhooks` crate verifies the request.
fn verify(secret: &str, got: &Got) -> Result<(), String> {
    standardwebhooks::Webhook::new(secret)
        .map_err(|e| format!("{e:?}"))?
        .verify(got.body.as_bytes(), &got.headers)
        .map_err(|e| format!("{e:?}"))
}

async fn allow_private(app: &TestApp) {
    app::settings::server::set(
        &app.db,
        &Origin::default(),
        "t",
        "webhooks.allow_private",
        "on",
    )
    .await
    .unwrap();
}

async fn send(
    app: &TestApp,
    role: Role,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let resp = app
        .as_role(role)
        .request(method, app.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn subscribe(app: &TestApp, url: &str, events: &[&str]) -> (i64, String) {
    let (status, body) = send(
        app,
        Role::Admin,
        reqwest::Method::POST,
        "/api/v1/webhooks",
        json!({"url": url, "events": events, "description": "test receiver"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert!(
        body["secret"].as_str().unwrap().starts_with("whsec_"),
        "{body}"
    );
    (
        body["subscription"]["id"].as_i64().unwrap(),
        body["secret"].as_str().unwrap().to_owned(),
    )
}

async fn deliveries(app: &TestApp, id: i64) -> Vec<Value> {
    let (status, body) = app
        .get_json_as(Role::Admin, &format!("/api/v1/webhooks/{id}/deliveries"))
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .fetch_one(app.db.pool())
        .await
        .expect(sql);
    n
}

/// Runs a worker of this process until `stop` is dropped.
fn run_worker(app: &TestApp, name: &str) -> tokio::task::JoinHandle<()> {
    tokio::spawn(Worker::named(app.db.clone(), name).unwrap().run())
}

const WITHIN: Duration = Duration::from_secs(20);

both_databases! {
    async fn events_arrive_signed_and_verify_through_a_rotation(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        allow_private(&app).await;
        let receiver = Receiver::start(Vec::new()).await;
        let (id, secret) = subscribe(&app, &receiver.url, &["request.*", "notice.published"]).await;
        let worker = run_worker(&app, "r1");

        // A request filed and submitted at once: request.submitted (and, if
        // the policy approves it, request.approved) with the request's key.
        let (status, filed) = send(&app, Role::Requester, reqwest::Method::POST, "/api/v1/requests",
            json!({"kind": "provision", "region": "westus2", "sku": "ND-H100-v5", "quantity": 8,
                   "need_by": need_by(90), "service": "inference", "justification": "launch",
                   "priority": "P1", "draft": false})).await;
        assert_eq!(status, 201, "{filed}");
        let key = filed["key"].as_str().unwrap().to_owned();
        let first = eventually(WITHIN, "request.submitted delivered", || {
            let got = receiver.got();
            async move { got.into_iter().find(|g| g.body.contains("\"request.submitted\"")) }
        }).await;
        let first = &first;
        verify(&secret, first).expect("the standardwebhooks crate accepts the signature");
        assert!(verify(&app::webhooks::server::sign::new_secret(), first).is_err(), "another secret does not");
        let payload: Value = serde_json::from_str(&first.body).unwrap();
        assert_eq!(payload["type"], "request.submitted");
        assert_eq!(payload["data"]["key"], key.as_str());
        assert_eq!(payload["data"]["state"], "submitted");
        assert!(first.headers["webhook-id"].to_str().unwrap().starts_with("msg_"));

        // A rotation: the next delivery carries two signatures, each of which
        // verifies on its own, so a receiver on either secret accepts it.
        let (status, rotated) = send(&app, Role::Admin, reqwest::Method::POST,
            &format!("/api/v1/webhooks/{id}/rotate"), json!({"version": 1})).await;
        assert_eq!(status, 200, "{rotated}");
        let new_secret = rotated["secret"].as_str().unwrap().to_owned();
        assert_ne!(new_secret, secret);
        assert!(rotated["subscription"]["previous_secret_until"].is_string());
        let before = receiver.got().len();
        let (status, notice) = send(&app, Role::Admin, reqwest::Method::POST, "/api/v1/notices",
            json!({"kind": "incident", "title": "Slow provisioning", "regions": ["westus2"], "message": "Looking into it."})).await;
        assert_eq!(status, 201, "{notice}");
        let got = eventually(WITHIN, "notice.published delivered", || {
            let got = receiver.got();
            async move { got.iter().skip(before).find(|g| g.body.contains("notice.published")).cloned() }
        }).await;
        let signatures = got.headers["webhook-signature"].to_str().unwrap().to_owned();
        assert_eq!(signatures.split(' ').count(), 2, "{signatures}");
        verify(&new_secret, &got).expect("the new secret verifies");
        verify(&secret, &got).expect("the previous secret still verifies during the overlap");
        let payload: Value = serde_json::from_str(&got.body).unwrap();
        assert_eq!(payload["data"]["title"], "Slow provisioning");

        // The delivery log: each delivered once, its attempt recorded.
        let log = deliveries(&app, id).await;
        assert!(log.len() >= 2, "{log:?}");
        for d in &log {
            assert_eq!(d["state"], "succeeded", "{d}");
            assert_eq!(d["attempts"], 1, "{d}");
            assert_eq!(d["log"][0]["status"], 200, "{d}");
            assert!(d["log"][0]["latency_ms"].as_i64().unwrap() >= 0);
        }
        // Nothing was sent that the log does not show, and nothing twice.
        let ids: std::collections::HashSet<String> = receiver.got().iter()
            .map(|g| g.headers["webhook-id"].to_str().unwrap().to_owned()).collect();
        assert_eq!(ids.len(), receiver.got().len());
        assert_eq!(ids.len(), log.len());
        worker.abort();
    }

    async fn deployments_notices_and_rejections_write_their_events(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        allow_private(&app).await;
        let (id, _) = subscribe(&app, "http://127.0.0.1:9/nobody", &["deployment.*", "notice.*", "request.rejected"]).await;
        let post = reqwest::Method::POST;
        let (status, d) = send(&app, Role::Operator, post.clone(), "/api/v1/deployments",
            json!({"kind": "buildout", "title": "More Dv5", "region": "westeurope", "sku": "Dv5",
                   "rings": [{"name": "canary", "bake_minutes": 0, "targets": [{"zone": 2, "units": 50}]}]})).await;
        assert_eq!(status, 201, "{d}");
        let key = d["key"].as_str().unwrap().to_owned();
        let (status, started) = send(&app, Role::Operator, post.clone(), &format!("/api/v1/deployments/{key}/start"),
            json!({"version": d["version"]})).await;
        assert_eq!(status, 200, "{started}");
        let (status, n) = send(&app, Role::Admin, post.clone(), "/api/v1/notices",
            json!({"kind": "incident", "title": "Slow", "regions": ["westus2"], "message": "Looking."})).await;
        assert_eq!(status, 201, "{n}");
        let (status, n) = send(&app, Role::Admin, post.clone(), &format!("/api/v1/notices/{}/updates", n["id"]),
            json!({"version": n["version"], "message": "Fixed.", "resolve": true})).await;
        assert_eq!(status, 200, "{n}");
        let (status, r) = send(&app, Role::Requester, post.clone(), "/api/v1/requests",
            json!({"kind": "provision", "region": "westus2", "sku": "Dv5", "quantity": 100, "need_by": need_by(30),
                   "service": "s", "justification": "j", "priority": "P2", "draft": false})).await;
        assert_eq!((status, r["state"].as_str()), (201, Some("submitted")), "{r}: 100 units need an approver");
        let (status, rejected) = send(&app, Role::Approver, post.clone(), &format!("/api/v1/requests/{}/reject", r["key"].as_str().unwrap()),
            json!({"version": r["version"], "comment": "not this quarter"})).await;
        assert_eq!(status, 200, "{rejected}");
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT event, payload FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY id")
            .bind(id).fetch_all(app.db.pool()).await.unwrap();
        let events: Vec<&str> = rows.iter().map(|(e, _)| e.as_str()).collect();
        assert_eq!(events, ["deployment.started", "notice.published", "notice.resolved", "request.rejected"]);
        let started: Value = serde_json::from_str(&rows[0].1).unwrap();
        assert_eq!(started["type"], "deployment.started");
        assert_eq!(started["data"]["key"], key.as_str());
        assert_eq!(started["data"]["state"], "in_progress");
        let resolved: Value = serde_json::from_str(&rows[2].1).unwrap();
        assert!(resolved["data"]["resolved_at"].is_string(), "{resolved}");
    }

    async fn a_receiver_failing_twice_gets_exactly_one_success(backend: Backend) {
        let app = TestApp::empty(backend).await;
        allow_private(&app).await;
        let receiver = Receiver::start(vec![Answer::RetryIn1s, Answer::Status(500), Answer::Status(204)]).await;
        let (id, secret) = subscribe(&app, &receiver.url, &["notice.*"]).await;
        let worker = run_worker(&app, "r1");
        // The 500 carries no Retry-After: the schedule's second step (five
        // minutes) applies. Rather than wait, the five minutes pass for this
        // delivery (its due time moved back; the clock stays real, so the
        // verifier's timestamp check holds).
        let (status, queued) = send(&app, Role::Admin, reqwest::Method::POST,
            &format!("/api/v1/webhooks/{id}/test"), json!({})).await;
        assert_eq!(status, 201, "{queued}");
        assert_eq!(queued["state"], "pending");
        assert_eq!(queued["event"], "webhook.test");
        eventually(WITHIN, "two failed attempts", || {
            let n = receiver.got().len();
            async move { (n >= 2).then_some(()) }
        }).await;
        let pending = eventually(WITHIN, "the second failure recorded", || {
            let app = &app;
            async move {
                let d = deliveries(app, id).await.remove(0);
                (d["attempts"] == 2 && d["state"] == "pending").then_some(d)
            }
        }).await;
        assert_eq!(pending["last_status"], 500);
        let due = time::OffsetDateTime::parse(pending["next_attempt_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339).unwrap();
        let wait = due - time::OffsetDateTime::now_utc();
        assert!(wait > time::Duration::seconds(290) && wait <= time::Duration::seconds(300),
            "five minutes after the second failure: {wait}");
        sqlx::query("UPDATE webhook_deliveries SET next_attempt_ms = next_attempt_ms - 300000")
            .execute(app.db.pool()).await.unwrap();
        app.db.webhook_wake().notify_one();
        let done = eventually(WITHIN, "the third attempt delivered", || {
            let app = &app;
            async move {
                let d = deliveries(app, id).await.remove(0);
                (d["state"] == "succeeded").then_some(d)
            }
        }).await;
        worker.abort();
        let got = receiver.got();
        assert_eq!(got.len(), 3, "three attempts reached the receiver");
        let ids: Vec<&str> = got.iter().map(|g| g.headers["webhook-id"].to_str().unwrap()).collect();
        assert!(ids.iter().all(|i| *i == ids[0]), "one message id across attempts: {ids:?}");
        for g in &got {
            verify(&secret, g).expect("every attempt is signed");
        }
        assert_eq!(done["attempts"], 3);
        let statuses: Vec<i64> = done["log"].as_array().unwrap().iter().map(|a| a["status"].as_i64().unwrap()).collect();
        assert_eq!(statuses, vec![503, 500, 204]);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'succeeded'").await, 1);

        // A replay sends the same message again, as a delivery of its own.
        let original = done["id"].as_i64().unwrap();
        let (status, replay) = send(&app, Role::Admin, reqwest::Method::POST,
            &format!("/api/v1/webhooks/{id}/deliveries/{original}/replay"), json!({})).await;
        assert_eq!(status, 201, "{replay}");
        assert_eq!(replay["replay_of"], original);
        assert_eq!(replay["message_id"], done["message_id"]);
        let worker = run_worker(&app, "r1");
        eventually(WITHIN, "the replay delivered", || {
            let n = receiver.got().len();
            async move { (n == 4).then_some(()) }
        }).await;
        worker.abort();
        assert_eq!(receiver.got()[3].body, receiver.got()[0].body);
    }

    async fn a_rolled_back_transaction_delivers_nothing(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        allow_private(&app).await;
        let receiver = Receiver::start(Vec::new()).await;
        let (id, _) = subscribe(&app, &receiver.url, &["request.*", "notice.*"]).await;
        // The outbox write inside a transaction that then rolls back.
        {
            let mut tx = app.db.begin_write().await.unwrap();
            let to = outbox::subscribers(&mut tx, EventType::NoticePublished).await.unwrap();
            assert_eq!(to, vec![id]);
            let written = outbox::enqueue(&app.db, &mut tx, &to, EventType::NoticePublished, &json!({"id": 1})).await.unwrap();
            assert_eq!(written.len(), 1);
            tx.rollback().await.unwrap();
        }
        // A refused approval (more than the region has) changes nothing either.
        let (status, filed) = send(&app, Role::Requester, reqwest::Method::POST, "/api/v1/requests",
            json!({"kind": "provision", "region": "westus2", "sku": "ND-H100-v5", "quantity": 100000,
                   "need_by": need_by(90), "service": "inference", "justification": "too much",
                   "priority": "P1", "draft": false})).await;
        assert_eq!(status, 201, "{filed}");
        let key = filed["key"].as_str().unwrap();
        let submitted = count(&app, "SELECT COUNT(*) FROM webhook_deliveries").await;
        assert_eq!(submitted, 1, "only request.submitted");
        // GPUs need two approvals: the first changes no state (no event), the
        // second would reserve what is not there and is refused.
        let (status, first) = send(&app, Role::Approver, reqwest::Method::POST,
            &format!("/api/v1/requests/{key}/approve"), json!({"version": filed["version"]})).await;
        assert_eq!((status, first["state"].as_str()), (200, Some("submitted")), "{first}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM webhook_deliveries").await, submitted);
        let second = crate::helpers::user_with_token(&app, "approver-two", &[Role::Approver]).await;
        let resp = second.post(app.url(&format!("/api/v1/requests/{key}/approve")))
            .json(&json!({"version": first["version"]})).send().await.unwrap();
        assert_eq!(resp.status(), 422, "{}", resp.text().await.unwrap());
        assert_eq!(count(&app, "SELECT COUNT(*) FROM webhook_deliveries").await, submitted);
        let worker = Worker::named(app.db.clone(), "r1").unwrap();
        assert_eq!(worker.run_once().await.unwrap(), 1);
        assert_eq!(worker.run_once().await.unwrap(), 0);
        let got = receiver.got();
        assert_eq!(got.len(), 1);
        assert!(got[0].body.contains("request.submitted"), "{}", got[0].body);
    }

    async fn several_workers_make_each_attempt_once(backend: Backend) {
        let app = TestApp::empty(backend).await;
        allow_private(&app).await;
        let receiver = Receiver::start(Vec::new()).await;
        let (id, _) = subscribe(&app, &receiver.url, &["notice.*"]).await;
        for _ in 0..40 {
            let (status, _) = send(&app, Role::Admin, reqwest::Method::POST,
                &format!("/api/v1/webhooks/{id}/test"), json!({})).await;
            assert_eq!(status, 201);
        }
        let workers: Vec<Worker> = (0..3).map(|n| Worker::named(app.db.clone(), &format!("r{n}")).unwrap()).collect();
        let mut passes = tokio::task::JoinSet::new();
        for w in workers {
            passes.spawn(async move {
                let mut made = 0;
                for _ in 0..20 {
                    made += w.run_once().await.unwrap();
                }
                made
            });
        }
        let mut made = 0;
        while let Some(n) = passes.join_next().await {
            made += n.unwrap();
        }
        assert_eq!(made, 40, "40 attempts in all");
        let got = receiver.got();
        let ids: std::collections::HashSet<String> =
            got.iter().map(|g| g.headers["webhook-id"].to_str().unwrap().to_owned()).collect();
        assert_eq!((got.len(), ids.len()), (40, 40), "each message once");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM webhook_attempts").await, 40);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'succeeded' AND attempts = 1").await, 40);
    }

    async fn a_410_disables_the_subscription(backend: Backend) {
        let app = TestApp::empty(backend).await;
        allow_private(&app).await;
        let receiver = Receiver::start(vec![Answer::Status(410)]).await;
        let (id, _) = subscribe(&app, &receiver.url, &["notice.*"]).await;
        for _ in 0..2 {
            send(&app, Role::Admin, reqwest::Method::POST, &format!("/api/v1/webhooks/{id}/test"), json!({})).await;
        }
        let worker = Worker::named(app.db.clone(), "r1").unwrap();
        // Both are claimed in one pass; the 410 disables the subscription.
        worker.run_once().await.unwrap();
        let (_, sub) = app.get_json_as(Role::Admin, &format!("/api/v1/webhooks/{id}")).await;
        assert_eq!(sub["enabled"], false, "{sub}");
        assert_eq!(sub["disabled_reason"], "the receiver answered 410 Gone");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'webhook.disable'").await, 1);
        // Disabled: nothing is attempted (a test queued meanwhile waits).
        let before = receiver.got().len();
        let (status, _) = send(&app, Role::Admin, reqwest::Method::POST, &format!("/api/v1/webhooks/{id}/test"), json!({})).await;
        assert_eq!(status, 201);
        assert_eq!(worker.run_once().await.unwrap(), 0);
        assert_eq!(receiver.got().len(), before);
        // Enabled again by an admin (at the version seen).
        let (status, sub) = send(&app, Role::Admin, reqwest::Method::PATCH, &format!("/api/v1/webhooks/{id}"),
            json!({"version": sub["version"], "enabled": true})).await;
        assert_eq!(status, 200, "{sub}");
        assert_eq!(sub["disabled_reason"], Value::Null);
        assert_eq!(worker.run_once().await.unwrap(), 1, "the waiting test goes out");
        assert_eq!(receiver.got().len(), before + 1);
        let (status, stale) = send(&app, Role::Admin, reqwest::Method::PATCH, &format!("/api/v1/webhooks/{id}"),
            json!({"version": 1, "enabled": false})).await;
        assert_error(status, &stale, 409, "conflict", None);
    }

    async fn bad_subscriptions_are_refused_by_field(backend: Backend) {
        let app = TestApp::empty(backend).await;
        let cases = [
            (json!({"url": "ftp://example.com/in", "events": ["notice.*"]}), "url"),
            (json!({"url": "", "events": ["notice.*"]}), "url"),
            (json!({"url": "http://127.0.0.1:9/in", "events": ["notice.*"]}), "url"),
            (json!({"url": "http://169.254.169.254/latest", "events": ["notice.*"]}), "url"),
            (json!({"url": "http://localhost:9/in", "events": ["notice.*"]}), "url"),
            (json!({"url": "https://user:pw@example.com/", "events": ["notice.*"]}), "url"),
            (json!({"url": "http://127.0.0.1:9/in", "events": []}), "events"),
            (json!({"url": "http://127.0.0.1:9/in", "events": ["request.approve"]}), "events"),
            (json!({"url": "http://127.0.0.1:9/in", "events": ["notice.*"], "description": "x".repeat(201)}), "description"),
        ];
        // The URL cases are refused while private addresses are (loopback,
        // metadata, localhost among them); the others fail on their own field
        // with private addresses allowed.
        for (body, field) in &cases[..6] {
            let (status, err) = send(&app, Role::Admin, reqwest::Method::POST, "/api/v1/webhooks", body.clone()).await;
            assert_error(status, &err, 400, "invalid", Some(field));
        }
        let (_, err) = send(&app, Role::Admin, reqwest::Method::POST, "/api/v1/webhooks", cases[2].0.clone()).await;
        assert!(err["error"]["message"].as_str().unwrap().contains("webhooks.allow_private"), "{err}");
        allow_private(&app).await;
        for (body, field) in &cases[6..] {
            let (status, err) = send(&app, Role::Admin, reqwest::Method::POST, "/api/v1/webhooks", body.clone()).await;
            assert_error(status, &err, 400, "invalid", Some(field));
        }
        assert_eq!(count(&app, "SELECT COUNT(*) FROM webhook_subscriptions").await, 0);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'webhook.%'").await, 0);
        // Not an admin: 403, nothing stored.
        let (status, err) = send(&app, Role::Operator, reqwest::Method::POST, "/api/v1/webhooks",
            json!({"url": "http://127.0.0.1:9/in", "events": ["notice.*"]})).await;
        assert_error(status, &err, 403, "forbidden", None);
        let (status, err) = app.get_json_as(Role::Admin, "/api/v1/webhooks/77").await;
        assert_error(status, &err, 404, "not_found", None);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM webhook_subscriptions").await, 0);
    }

    async fn a_crash_between_commit_and_delivery_still_delivers(backend: Backend) {
        let app = TestApp::empty(backend).await;
        allow_private(&app).await;
        // The first attempt never gets an answer: the replica making it is
        // killed mid-attempt. The next replica's attempt is answered.
        let receiver = Receiver::start(vec![Answer::Hang]).await;
        let (id, secret) = subscribe(&app, &receiver.url, &["notice.*"]).await;
        let replica = app.replica_process().await;
        let (status, _) = send(&app, Role::Admin, reqwest::Method::POST,
            &format!("/api/v1/webhooks/{id}/test"), json!({})).await;
        assert_eq!(status, 201);
        eventually(WITHIN, "the first replica's attempt reaches the receiver", || {
            let n = receiver.got().len();
            async move { (n == 1).then_some(()) }
        }).await;
        drop(replica); // SIGKILL, mid-attempt: the attempt is never recorded
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(count(&app, "SELECT COUNT(*) FROM webhook_attempts").await, 0);
        let _second = app.replica_process().await;
        let done = eventually(Duration::from_secs(40), "delivered by the next replica once the claim ran out", || {
            let app = &app;
            async move {
                let d = deliveries(app, id).await.remove(0);
                (d["state"] == "succeeded").then_some(d)
            }
        }).await;
        let got = receiver.got();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].headers["webhook-id"], got[1].headers["webhook-id"]);
        verify(&secret, &got[1]).unwrap();
        assert_eq!(done["attempts"], 2);
        assert_eq!(done["log"].as_array().unwrap().len(), 1, "the killed attempt left no record");
    }
}
