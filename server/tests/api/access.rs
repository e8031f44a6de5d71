//! Access control: the route × role matrix over every page (Leptos' route list),
//! every server function (the registry) and every API route (the declarative
//! list), plus cross-site refusals, security headers, tokens and proxy sign-in.

use std::collections::HashSet;

use crate::both_databases;
use crate::helpers::{client_with, TestApp};
use app::auth::access::{page_access, server_fn_access, SERVER_FN_ACCESS};
use app::auth::{Access, Role};

/// A concrete path for a route pattern (`/regions/{code}` → `/regions/westus2`).
fn concrete(pattern: &str, cluster_id: i64) -> String {
    pattern
        .replace("{code}", "westus2")
        .replace(":code", "westus2")
        .replace("{id}", &cluster_id.to_string())
        .replace(":id", &cluster_id.to_string())
}

fn page_patterns() -> Vec<String> {
    let mut paths: Vec<String> = leptos_axum::generate_route_list(app::App)
        .iter()
        .map(|r| r.path().to_owned())
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// Files a draft request and returns its key.
async fn draft_request(app: &TestApp) -> String {
    let body = serde_json::json!({"kind": "provision", "region": "westus2", "sku": "Dv5", "quantity": 10, "need_by": "2027-01-01",
        "service": "s", "justification": "j", "priority": "P2", "draft": true});
    let created: serde_json::Value = app
        .as_role(Role::Requester)
        .post(app.url("/api/v1/requests"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["key"].as_str().unwrap().to_owned()
}

async fn first_cluster(app: &TestApp) -> i64 {
    app.get_json("/api/v1/clusters?limit=1").await.1["items"][0]["id"]
        .as_i64()
        .unwrap()
}

both_databases! {
    async fn every_page_obeys_its_rule_for_every_role(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let id = first_cluster(&app).await;
        let key = draft_request(&app).await;
        let pages = page_patterns();
        assert!(pages.len() >= 10, "{pages:?}");
        for pattern in &pages {
            let path = concrete(pattern, id).replace("{key}", &key).replace(":key", &key);
            let access = page_access(&path);
            let resp = app.anonymous.get(app.url(&path)).send().await.unwrap();
            if access == Access::Public {
                assert_eq!(resp.status(), 200, "anonymous {path}");
            } else {
                assert_eq!(resp.status(), 303, "anonymous {path}");
                let to = resp.headers()["location"].to_str().unwrap();
                assert!(to.starts_with("/login?next="), "{path} → {to}");
            }
            for role in Role::ALL {
                let status = app.as_role(role).get(app.url(&path)).send().await.unwrap().status();
                let caller = app::auth::CurrentUser { id: 0, name: String::new(), roles: app::auth::Roles::new([role]) };
                let want = if access.allows(Some(&caller)) { 200 } else { 403 };
                assert_eq!(status, want, "{role} {path}");
            }
        }
        // Refusals are in the audit trail.
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied'").fetch_one(app.db.pool()).await.unwrap();
        assert!(n > 0);
    }

    async fn every_server_function_obeys_its_rule(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let registered: Vec<String> = leptos::server_fn::axum::server_fn_paths().map(|(p, _)| p.to_owned()).collect();
        assert!(registered.len() >= SERVER_FN_ACCESS.len(), "{registered:?}");
        let mut named = HashSet::new();
        for path in &registered {
            let access = server_fn_access(path).unwrap_or_else(|| panic!("{path} has no entry in SERVER_FN_ACCESS"));
            named.insert(SERVER_FN_ACCESS.iter().find(|(n, _)| path[5..].starts_with(n)).unwrap().0);
            let resp = app.anonymous.post(app.url(path)).send().await.unwrap();
            assert_eq!(resp.status(), 401, "anonymous {path}");
            for role in Role::ALL {
                let status = app.as_role(role).post(app.url(path)).header("content-type", "application/x-www-form-urlencoded").body("").send().await.unwrap().status();
                let caller = app::auth::CurrentUser { id: 0, name: String::new(), roles: app::auth::Roles::new([role]) };
                if access.allows(Some(&caller)) {
                    assert!(status != 401 && status != 403 && status != 404, "{role} {path}: {status}");
                } else {
                    assert_eq!(status, 403, "{role} {path}");
                }
            }
            // A cross-site POST is refused before anything runs.
            let resp = app.as_role(Role::Admin).post(app.url(path))
                .header("origin", "https://evil.example").header("sec-fetch-site", "cross-site")
                .send().await.unwrap();
            assert_eq!(resp.status(), 403, "cross-site {path}");
        }
        let listed: HashSet<&str> = SERVER_FN_ACCESS.iter().map(|(n, _)| *n).collect();
        assert_eq!(named, listed, "SERVER_FN_ACCESS and the registry agree");
    }

    async fn every_api_route_obeys_its_rule(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let id = first_cluster(&app).await;
        let key = draft_request(&app).await;
        for (route, _) in server::api::api_routes() {
            let path = format!("/api/v1{}", concrete(route.path, id).replace("{key}", &key).replace("{action}", "cancel"));
            let read = route.method == reqwest::Method::GET;
            let req = |c: &reqwest::Client| c.request(route.method.clone(), app.url(&path)).json(&serde_json::json!({}));
            let resp = req(&app.anonymous).send().await.unwrap();
            assert_eq!(resp.status(), 401, "anonymous {path}");
            let body: serde_json::Value = resp.json().await.unwrap();
            assert_eq!(body["error"]["code"], "unauthenticated");
            for role in Role::ALL {
                let caller = app::auth::CurrentUser { id: 0, name: String::new(), roles: app::auth::Roles::new([role]) };
                let status = req(&app.as_role(role)).send().await.unwrap().status().as_u16();
                match (route.access.allows(Some(&caller)), read) {
                    (true, true) => assert_eq!(status, 200, "{role} {} {path}", route.method),
                    // Writes reach the handler; the service may still refuse (e.g. an empty body).
                    (true, false) => assert!(status != 401 && status != 404 && status != 405, "{role} {} {path}: {status}", route.method),
                    (false, _) => assert_eq!(status, 403, "{role} {} {path}", route.method),
                }
            }
            if !read {
                let resp = req(&app.as_role(Role::Admin)).header("origin", "https://evil.example").header("sec-fetch-site", "cross-site").send().await.unwrap();
                assert_eq!(resp.status(), 403, "cross-site {} {path}", route.method);
            }
        }
        // Routes outside the list: 401 anonymous, 404 signed in.
        assert_eq!(app.anonymous.get(app.url("/api/v1/nothing")).send().await.unwrap().status(), 401);
        assert_eq!(app.get("/api/v1/nothing").await.status(), 404);
        // A bad token is not anonymous: it is refused.
        let bad = client_with(Some("hr_not-a-real-token"));
        assert_eq!(bad.get(app.url("/api/v1/regions")).send().await.unwrap().status(), 401);
    }

    async fn public_routes_need_no_sign_in(backend: Backend) {
        let app = TestApp::empty(backend).await;
        for path in ["/login", "/healthz", "/readyz", "/favicon.svg"] {
            let status = app.anonymous.get(app.url(path)).send().await.unwrap().status();
            assert_ne!(status, 303, "{path}");
            assert_ne!(status, 401, "{path}");
        }
        let resp = app.anonymous.get(app.url("/clusters.csv")).send().await.unwrap();
        assert_eq!(resp.status(), 303);
    }

    async fn security_headers_and_a_nonce_csp(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let resp = app.get("/").await;
        let h = resp.headers().clone();
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert!(h.contains_key("referrer-policy"));
        let csp = h["content-security-policy"].to_str().unwrap().to_owned();
        for part in ["object-src 'none'", "base-uri 'none'", "'wasm-unsafe-eval'", "frame-ancestors 'none'"] {
            assert!(csp.contains(part), "{csp}");
        }
        let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned();
        let html = resp.text().await.unwrap();
        assert!(html.contains(&format!("nonce=\"{nonce}\"")), "scripts carry the response's nonce");
        let again = app.get("/").await.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert_ne!(again, csp, "a fresh nonce per response");
        let api = app.get("/api/v1/regions").await;
        assert!(api.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    }

    async fn tokens_narrow_and_revoke(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let o = app::auth::server::audit::Origin::default();
        let both = app::auth::Roles::new([Role::Admin, Role::Viewer]);
        app::auth::server::users::add(&app.db, &o, "t", "both", Some("long enough pass".into()), &both, false).await.unwrap();
        let narrow = app::auth::Roles::new([Role::Viewer]);
        let (id, token) = app::auth::server::tokens::create_token(&app.db, "both", "ro", Some(narrow), 0).await.unwrap();
        let c = client_with(Some(&token));
        assert_eq!(c.get(app.url("/admin/users")).send().await.unwrap().status(), 403, "narrowed token is not admin");
        assert_eq!(c.get(app.url("/clusters")).send().await.unwrap().status(), 200);
        let wider = app::auth::Roles::new([Role::Operator]);
        assert!(app::auth::server::tokens::create_token(&app.db, "both", "x", Some(wider), 0).await.is_err(), "never wider than the user");
        app::auth::server::store::revoke_token(app.db.pool(), id).await.unwrap();
        assert_eq!(c.get(app.url("/api/v1/regions")).send().await.unwrap().status(), 401);
        // Stored hashed: the token text is nowhere in the database.
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1").bind(&token).fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(n, 0);
    }

    async fn proxy_header_is_ignored_unless_configured(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let path = app.url("/clusters");
        let as_proxy = |c: &reqwest::Client| c.get(&path).header("x-forwarded-email", "viewer-user");
        assert_eq!(as_proxy(&app.anonymous).send().await.unwrap().status(), 303, "off by default");
        let o = app::auth::server::audit::Origin::default();
        app::settings::server::set(&app.db, &o, "t", "auth.proxy_header", "X-Forwarded-Email").await.unwrap();
        assert_eq!(as_proxy(&app.anonymous).send().await.unwrap().status(), 200);
        let unknown = app.anonymous.get(&path).header("x-forwarded-email", "nobody").send().await.unwrap();
        assert_eq!(unknown.status(), 303, "unknown users are not let in");
    }
}
