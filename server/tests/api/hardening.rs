//! The security review's findings (issue 10), each as a test that failed on the
//! code it reviewed: edits re-run the policy, bounded anonymous writes, the proxy
//! header only from trusted proxies, atomic sign-in throttling, bounded bulk
//! decisions, safe redirects, canonical keys, need-by and auto-approval limits,
//! request ids, database errors, `__Host-` cookies, an append-only audit trail.

use serde_json::{json, Value};

use crate::access::file_request;
use crate::both_databases;
use crate::helpers::{assert_error, need_by, TestApp, PASSWORD};
use app::auth::Role;
use app::shared::audit::Origin;

async fn set(app: &TestApp, key: &str, value: &str) {
    app::settings::server::set(&app.db, &Origin::default(), "t", key, value)
        .await
        .unwrap();
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(app.db.pool()).await.unwrap();
    n
}

async fn act(app: &TestApp, role: Role, key: &str, action: &str, version: &Value) -> (u16, Value) {
    let resp = app
        .as_role(role)
        .post(app.url(&format!("/api/v1/requests/{key}/{action}")))
        .json(&json!({"version": version}))
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn sign_in(
    app: &TestApp,
    name: &str,
    password: &str,
    next: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = app.anonymous.post(app.url("/login")).form(&[
        ("name", name),
        ("password", password),
        ("next", next),
    ]);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

both_databases! {
    async fn editing_a_submitted_request_clears_its_approvals_and_reruns_the_policy(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let second = crate::helpers::user_with_token(&app, "approver-two", &[Role::Approver]).await;
        // 600 Dv5 needs two approvals; one arrives.
        let r = file_request(&app, 600, true).await;
        let key = r["key"].as_str().unwrap().to_owned();
        assert_eq!(r["approvals_needed"], 2, "{r}");
        let (s, r) = act(&app, Role::Approver, &key, "approve", &r["version"]).await;
        assert_eq!((s, r["approvals"].as_array().unwrap().len()), (200, 1), "{r}");
        // The requester turns it into 100 Dv5 (one approval would do): the old approval does not count.
        let mut edit = r.clone();
        edit["quantity"] = json!(100);
        let resp = app.as_role(Role::Requester).patch(app.url(&format!("/api/v1/requests/{key}"))).json(&edit).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let edited: Value = resp.json().await.unwrap();
        assert_eq!(edited["state"], "submitted", "{edited}");
        assert_eq!(edited["approvals"], json!([]), "approvals cleared: {edited}");
        assert_eq!(edited["approvals_needed"], 1, "policy re-run: {edited}");
        // Then into 5,000 GPUs: two human approvals again, so one approval reserves nothing.
        let mut gpu = edited.clone();
        gpu["sku"] = json!("ND-H100-v5");
        gpu["quantity"] = json!(5000);
        let resp = app.as_role(Role::Requester).patch(app.url(&format!("/api/v1/requests/{key}"))).json(&gpu).send().await.unwrap();
        let gpu: Value = resp.json().await.unwrap();
        assert_eq!(gpu["approvals_needed"], 2, "{gpu}");
        let (s, after) = act(&app, Role::Approver, &key, "approve", &gpu["version"]).await;
        assert_eq!((s, after["state"].as_str()), (200, Some("submitted")), "one approval of two: {after}");
        let resp = second.post(app.url(&format!("/api/v1/requests/{key}/approve"))).json(&json!({"version": after["version"]})).send().await.unwrap();
        assert_eq!(resp.status(), 422, "the second approval meets the real shortfall");
        // The timeline says what happened.
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE object = $1 AND action = 'request.policy' AND after LIKE '%approval(s) cleared%'")
            .bind(&key).fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(n, 2);
    }

    async fn floods_of_hostile_input_leave_bounded_records(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let max = app::shared::audit::MAX_VALUE + 64;
        // Cross-site posts with a 60 KB path and a 60 KB Origin.
        let long_path = format!("/{}", "a".repeat(60_000));
        let long_origin = format!("https://{}.example", "b".repeat(60_000));
        for _ in 0..40 {
            let resp = app.anonymous.post(app.url(&long_path)).header("origin", &long_origin).send().await.unwrap();
            assert_eq!(resp.status(), 403);
        }
        let refused = count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'csrf.refused'").await;
        assert!((1..=app::shared::audit::RefusalLimiter::PER_MINUTE as i64).contains(&refused), "{refused} rows for 40 refusals");
        let longest = count(&app, "SELECT CAST(COALESCE(MAX(LENGTH(object) + LENGTH(COALESCE(after, ''))), 0) AS BIGINT) FROM audit_log").await;
        assert!(longest as usize <= 2 * max, "an audit value of {longest} bytes");
        // A sign-in with a 200 KB name: nothing unbounded is stored or echoed.
        let name = "n".repeat(200_000);
        let resp = sign_in(&app, &name, "wrong password", "/", &[]).await;
        assert_eq!(resp.status(), 303);
        assert!(location(&resp).len() < 1_000, "Location of {} bytes", location(&resp).len());
        let stored = count(&app, "SELECT CAST(COALESCE(MAX(LENGTH(key)), 0) AS BIGINT) FROM signin_counters").await;
        assert!(stored < 100, "a counter key of {stored} bytes");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'signin.failed' AND object = '(not a user name)'").await, 1);
        let longest = count(&app, "SELECT CAST(COALESCE(MAX(LENGTH(COALESCE(actor, '')) + LENGTH(COALESCE(object, ''))), 0) AS BIGINT) FROM audit_log").await;
        assert!(longest as usize <= 2 * max, "an audit value of {longest} bytes");
    }

    async fn expired_sessions_and_sign_in_counters_are_purged(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let fresh = sign_in(&app, "viewer-user", PASSWORD, "/", &[]).await;
        assert!(fresh.headers().get("set-cookie").is_some());
        sign_in(&app, "admin-user", PASSWORD, "/", &[]).await;
        sign_in(&app, "viewer-user", "wrong password", "/", &[]).await;
        let now = app::auth::server::sessions::now();
        // One session idle for two hours; the other fresh.
        sqlx::query("UPDATE sessions SET last_seen = $1 WHERE user_id = (SELECT id FROM users WHERE name = 'admin-user')")
            .bind(now - 7200).execute(app.db.pool()).await.unwrap();
        assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions").await, 2);
        assert!(count(&app, "SELECT COUNT(*) FROM signin_counters").await > 0);
        // Within the window, nothing but the idle session goes.
        let (sessions, counters) = app::auth::server::users::purge_expired(&app.db, now).await.unwrap();
        assert_eq!((sessions, counters), (1, 0));
        // Past the window (15 minutes), the counters go too.
        let (_, counters) = app::auth::server::users::purge_expired(&app.db, now + 16 * 60).await.unwrap();
        assert!(counters > 0);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM signin_counters").await, 0);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions").await, 1);
    }

    async fn the_proxy_header_is_believed_only_from_trusted_proxies(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let path = app.url("/clusters");
        let as_proxy = |name: &str| app.anonymous.get(&path).header("x-forwarded-email", name).send();
        assert_eq!(as_proxy("viewer-user").await.unwrap().status(), 303, "off by default: the header means nothing");
        set(&app, "auth.proxy_header", "X-Forwarded-Email").await;
        // This test client is no trusted proxy: refused and audited, even with a token.
        assert_eq!(as_proxy("viewer-user").await.unwrap().status(), 403);
        let with_token = app.as_role(Role::Viewer).get(&path).header("x-forwarded-email", "admin-user").send().await.unwrap();
        assert_eq!(with_token.status(), 403);
        assert!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.proxy_refused'").await >= 2);
        // Trusted: the header names the user.
        set(&app, "auth.trusted_proxies", "127.0.0.1/32").await;
        let html = as_proxy("viewer-user").await.unwrap();
        assert_eq!(html.status(), 200);
        assert!(html.text().await.unwrap().contains("viewer-user"));
        assert_eq!(as_proxy("nobody").await.unwrap().status(), 303, "unknown users are not let in");
        assert_eq!(as_proxy("bad name with spaces").await.unwrap().status(), 303);
    }

    async fn parallel_guesses_are_counted_before_any_password_is_checked(backend: Backend) {
        let app = std::sync::Arc::new(TestApp::seeded(backend).await);
        set(&app, "signin.max_failures_per_account", "3").await;
        let guesses = (0..20).map(|i| {
            let app = app.clone();
            tokio::spawn(async move { location(&sign_in(&app, "viewer-user", &format!("guess number {i}"), "/", &[]).await) })
        });
        let answers: Vec<String> = futures::future::join_all(guesses).await.into_iter().map(Result::unwrap).collect();
        let limited = answers.iter().filter(|l| l.contains("too%20many")).count();
        assert_eq!(limited, 17, "{answers:?}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'signin.failed'").await, 3, "only three passwords were checked");
    }

    async fn behind_a_trusted_proxy_each_forwarded_client_is_throttled_on_its_own(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        set(&app, "signin.max_failures_per_address", "3").await;
        let from = |ip: &'static str| [("x-forwarded-for", ip)];
        // Not trusted yet: the header is ignored and the socket address is recorded.
        sign_in(&app, "viewer-user", "wrong password", "/", &from("203.0.113.1")).await;
        let source: (Option<String>,) = sqlx::query_as("SELECT source FROM audit_log WHERE action = 'signin.failed' ORDER BY id DESC LIMIT 1").fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(source.0.as_deref(), Some("127.0.0.1"));
        sqlx::query("DELETE FROM signin_counters").execute(app.db.pool()).await.unwrap();
        set(&app, "auth.trusted_proxies", "127.0.0.1/32").await;
        for name in ["a-user", "b-user", "c-user"] {
            let resp = sign_in(&app, name, "wrong password", "/", &from("6.6.6.6, 203.0.113.1")).await;
            assert!(!location(&resp).contains("too%20many"));
        }
        let source: (Option<String>,) = sqlx::query_as("SELECT source FROM audit_log WHERE action = 'signin.failed' ORDER BY id DESC LIMIT 1").fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(source.0.as_deref(), Some("203.0.113.1"), "the rightmost untrusted hop, not what the client wrote");
        let fourth = sign_in(&app, "viewer-user", PASSWORD, "/", &from("203.0.113.1")).await;
        assert!(location(&fourth).contains("too%20many"), "{}", location(&fourth));
        let other = sign_in(&app, "viewer-user", PASSWORD, "/", &from("203.0.113.2")).await;
        assert_eq!(location(&other), "/", "another client behind the same proxy signs in");
    }

    async fn server_functions_answer_bad_arguments_with_400(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        for (name, body) in [("get_request_detail", ""), ("list_audit", "nothing=here"), ("get_region_detail", "")] {
            let path = crate::helpers::server_fn_path(name);
            let resp = app.as_role(Role::Admin).post(app.url(&path))
                .header("content-type", "application/x-www-form-urlencoded").body(body).send().await.unwrap();
            let status = resp.status().as_u16();
            let err: Value = resp.json().await.unwrap_or(Value::Null);
            assert!(status == 400 && err["code"] == "invalid", "{name}({body}): {status} {err}");
        }
    }

    async fn bulk_decisions_are_capped(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let path = crate::helpers::server_fn_path("decide_requests");
        let picks = |n: usize| (0..n).map(|i| format!("&pick[CR-{}]=2", 5000 + i)).collect::<String>();
        let post = |body: String| app.as_role(Role::Approver).post(app.url(&path))
            .header("content-type", "application/x-www-form-urlencoded").body(body).send();
        let resp = post(format!("action=approve{}", picks(201))).await.unwrap();
        assert_eq!(resp.status(), 400);
        let body: Value = resp.json().await.unwrap();
        assert_eq!((body["code"].as_str(), body["field"].as_str()), (Some("invalid"), Some("keys")), "{body}");
        // 200 is allowed (each unknown key fails on its own).
        let resp = post(format!("action=approve{}", picks(200))).await.unwrap();
        assert_eq!(resp.status(), 200);
        let summary: Value = resp.json().await.unwrap();
        assert_eq!(summary["failed"].as_array().unwrap().len(), 200);
    }

    async fn sign_in_sends_people_only_to_local_printable_paths(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        for (next, want) in [("/clusters?region=westus2", "/clusters?region=westus2"), ("/\t/evil.example", "/"),
                             ("/x\nSet-Cookie: a=b", "/"), ("//evil.example", "/"), ("/\\evil.example", "/"),
                             ("https://evil.example", "/")] {
            let resp = sign_in(&app, "viewer-user", PASSWORD, next, &[]).await;
            assert_eq!(resp.status(), 303, "{next:?}");
            assert_eq!(location(&resp), want, "{next:?}");
        }
        // A failed sign-in keeps only a safe `next` for the retry.
        let resp = sign_in(&app, "viewer-user", "wrong password", "/\t/evil.example", &[]).await;
        assert!(location(&resp).contains("&next=%2F&"), "{}", location(&resp));
    }

    async fn request_keys_are_canonical(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let r = file_request(&app, 10, false).await;
        let key = r["key"].as_str().unwrap();
        let n: i64 = key.trim_start_matches("CR-").parse().unwrap();
        assert_eq!(app.get(&format!("/api/v1/requests/{key}")).await.status(), 200);
        for odd in [format!("CR-0{n}"), format!("CR-00{n}"), format!("CR-%2B{n}"), format!("cr-{n}")] {
            let (status, body) = app.get_json(&format!("/api/v1/requests/{odd}")).await;
            assert_error(status, &body, 400, "invalid", Some("key"));
        }
        let resp = app.as_role(Role::Requester).post(app.url(&format!("/api/v1/requests/CR-0{n}/comments"))).json(&json!({"comment": "hi"})).send().await.unwrap();
        assert_eq!(resp.status(), 400);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE object LIKE 'CR-0%'").await, 0);
    }

    async fn need_by_is_at_most_the_configured_days_ahead(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let body = |days: i64| json!({"kind": "provision", "region": "westus2", "sku": "Dv5", "quantity": 10,
            "need_by": need_by(days), "service": "s", "justification": "j", "priority": "P2", "draft": true});
        let post = |b: Value| app.as_role(Role::Requester).post(app.url("/api/v1/requests")).json(&b).send();
        let resp = post(body(366)).await.unwrap();
        let status = resp.status().as_u16();
        assert_error(status, &resp.json().await.unwrap(), 400, "invalid", Some("need_by"));
        assert_eq!(post(body(365)).await.unwrap().status(), 201);
        set(&app, "requests.max_need_by_days", "500").await;
        assert_eq!(post(body(400)).await.unwrap().status(), 201);
    }

    async fn automatic_approvals_are_limited_per_requester_per_day(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        set(&app, "requests.auto_approvals_per_day", "2").await;
        // A healthy region × SKU outside the GPU family, where 8 units are approved by policy.
        let regions = app.get_json("/api/v1/regions").await.1;
        let pair = regions["items"].as_array().unwrap().iter()
            .flat_map(|r| r["skus"].as_array().unwrap().iter().map(move |s| (r["code"].clone(), s.clone())))
            .find(|(_, s)| s["health"] == "healthy" && s["family"] != "gpu" && s["ledger"]["free"].as_i64().unwrap() > 100)
            .expect("a healthy pair");
        let mut states = Vec::new();
        for _ in 0..3 {
            let resp = app.as_role(Role::Requester).post(app.url("/api/v1/requests")).json(&json!({"kind": "provision",
                "region": pair.0, "sku": pair.1["sku"], "quantity": 8, "need_by": need_by(30), "service": "s",
                "justification": "j", "priority": "P2"})).send().await.unwrap();
            assert_eq!(resp.status(), 201);
            states.push(resp.json::<Value>().await.unwrap());
        }
        assert_eq!(states[0]["state"], "approved");
        assert_eq!(states[1]["state"], "approved");
        assert_eq!(states[2]["state"], "submitted", "{}", states[2]);
        assert_eq!(states[2]["approvals_needed"], 1);
        assert!(states[2]["policy"].as_str().unwrap().contains("automatic approvals today"), "{}", states[2]);
        // Another requester still has theirs.
        let other = crate::helpers::user_with_token(&app, "requester-two", &[Role::Requester]).await;
        let r: Value = other.post(app.url("/api/v1/requests")).json(&json!({"kind": "provision", "region": pair.0,
            "sku": pair.1["sku"], "quantity": 8, "need_by": need_by(30), "service": "s", "justification": "j",
            "priority": "P2"})).send().await.unwrap().json().await.unwrap();
        assert_eq!(r["state"], "approved");
    }

    async fn request_ids_are_kept_only_when_short_and_printable(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let id_for = |sent: String| {
            let req = app.client.get(app.url("/healthz")).header("x-request-id", sent);
            async move { req.send().await.unwrap().headers()["x-request-id"].to_str().unwrap().to_owned() }
        };
        assert_eq!(id_for("trace-abc.123:4".into()).await, "trace-abc.123:4");
        for bad in ["x".repeat(65), "<script>alert(1)</script>".into(), "two words".into()] {
            let got = id_for(bad.clone()).await;
            assert_ne!(got, bad);
            assert_eq!(got.len(), 36, "a fresh uuid: {got}");
        }
    }

    async fn unique_races_are_conflicts_and_the_audit_trail_is_append_only(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let err = app::auth::server::store::insert_user(app.db.pool(), "viewer-user", None, "viewer", false, 0).await.unwrap_err();
        assert_eq!(app::error::DbFailure::of(&err), app::error::DbFailure::Race);
        let e = app::error::AppError::from(err);
        assert_eq!(e.status_code(), 409, "{e}");
        // Rewriting history fails with the trigger's own refusal, on both engines.
        sign_in(&app, "viewer-user", PASSWORD, "/", &[]).await;
        for sql in ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"] {
            let e = sqlx::query(sql).execute(app.db.pool()).await.unwrap_err();
            assert!(e.to_string().contains("audit_log is append-only"), "{sql}: {e}");
        }
        assert!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE actor = 'viewer-user'").await > 0);
    }

    async fn racing_adds_of_one_name_are_one_success_and_conflicts_over_http(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let path = crate::helpers::server_fn_path("add_user");
        let admin = app.as_role(app::auth::Role::Admin);
        let calls = (0..8).map(|_| {
            admin.post(app.url(&path)).header("content-type", "application/x-www-form-urlencoded")
                .body("name=racing-user&password=a+long+enough+password&viewer=on").send()
        });
        let mut statuses: Vec<u16> = Vec::new();
        for resp in futures::future::join_all(calls).await {
            let resp = resp.unwrap();
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            assert!(matches!(status, 200 | 409), "{status}: {text}");
            statuses.push(status);
        }
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE name = 'racing-user'").await, 1);
    }

    async fn fleet_reads_refuse_a_caller_who_is_not_signed_in(backend: Backend) {
        use app::fleet::server::service as fleet;
        let app = TestApp::seeded(backend).await;
        let nobody = app::auth::server::caller::Caller::anonymous(Origin::default());
        let q = app::fleet::query::ClusterQuery::parse(std::iter::empty()).unwrap();
        let unauthenticated = |e: app::error::AppError| matches!(e, app::error::AppError::Unauthenticated);
        assert!(unauthenticated(fleet::fleet_summary(&app.db, &nobody).await.unwrap_err()));
        assert!(unauthenticated(fleet::regions(&app.db, &nobody).await.unwrap_err()));
        assert!(unauthenticated(fleet::region_detail(&app.db, &nobody, "westus2").await.unwrap_err()));
        assert!(unauthenticated(fleet::clusters(&app.db, &nobody, &q).await.unwrap_err()));
        assert!(unauthenticated(fleet::cluster(&app.db, &nobody, 1).await.unwrap_err()));
        assert!(unauthenticated(fleet::cluster_detail(&app.db, &nobody, 1).await.unwrap_err()));
        assert!(unauthenticated(fleet::filter_options(&app.db, &nobody).await.unwrap_err()));
        assert!(unauthenticated(fleet::headroom_now(&app.db, &nobody, None, None).await.unwrap_err()));
        let filter = app::requests::types::RequestFilter::default();
        assert!(unauthenticated(app::requests::server::service::list(&app.db, &nobody, &filter, None, 10).await.unwrap_err()));
    }

    async fn secure_cookies_carry_the_host_prefix(backend: Backend) {
        let app = TestApp::empty_at(backend, Some("https://headroom.example.com")).await;
        let resp = app.anonymous.post(app.url("/login")).form(&[("name", "viewer-user"), ("password", PASSWORD), ("next", "/login")])
            .header("origin", "https://headroom.example.com").send().await.unwrap();
        assert_eq!(resp.status(), 303);
        let set = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(set.starts_with("__Host-headroom_session=") && set.contains("; Path=/;") && set.ends_with("; Secure"), "{set}");
        assert!(!set.contains("Domain"), "{set}");
        let id = set.trim_start_matches("__Host-headroom_session=").split(';').next().unwrap().to_owned();
        let with = |cookie: String| app.anonymous.get(app.url("/api/v1/regions")).header("cookie", cookie).send();
        assert_eq!(with(format!("__Host-headroom_session={id}")).await.unwrap().status(), 200);
        assert_eq!(with(format!("headroom_session={id}")).await.unwrap().status(), 401, "the unprefixed name is not a session here");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_sqlite_database_is_unavailable_not_an_internal_error() {
    use sqlx::{ConnectOptions, Connection};
    let app = TestApp::empty(crate::helpers::Backend::Sqlite).await;
    let options: sqlx::sqlite::SqliteConnectOptions = app.db_url().parse().unwrap();
    let mut holder = options.clone().connect().await.unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut holder)
        .await
        .unwrap();
    let mut other = options
        .busy_timeout(std::time::Duration::ZERO)
        .connect()
        .await
        .unwrap();
    let err = sqlx::query("INSERT INTO settings (key, value) VALUES ('x', 'y')")
        .execute(&mut other)
        .await
        .unwrap_err();
    assert_eq!(
        app::error::DbFailure::of(&err),
        app::error::DbFailure::Unavailable,
        "{err}"
    );
    assert_eq!(app::error::AppError::from(err).status_code(), 503);
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    holder.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_behind_a_locked_database_answers_503_over_http() {
    use sqlx::{ConnectOptions, Connection};
    let app = TestApp::seeded(crate::helpers::Backend::Sqlite).await;
    let before = count(&app, "SELECT COUNT(*) FROM capacity_requests").await;
    let options: sqlx::sqlite::SqliteConnectOptions = app.db_url().parse().unwrap();
    let mut holder = options.connect().await.unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut holder)
        .await
        .unwrap();
    let resp = app
        .as_role(app::auth::Role::Requester)
        .post(app.url("/api/v1/requests"))
        .json(&serde_json::json!({"kind": "provision", "region": "westus2", "sku": "Dv5", "quantity": 10,
            "need_by": crate::helpers::need_by(30), "service": "s", "justification": "j", "priority": "P2"}))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    holder.close().await.unwrap();
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM capacity_requests").await,
        before,
        "nothing half-written"
    );
}
