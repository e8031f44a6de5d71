//! Path tricks: every protected page and API route, re-spelled behind every
//! public prefix with dot segments (plain, percent-encoded, mixed case),
//! encoded slashes and backslashes, empty segments and needless encodings,
//! sent byte for byte as written (HTTP client libraries normalise these away).
//! Each must be refused — 303, 400, 401, 403 or 404 — and, whatever the
//! status, carry no protected data in its body.

use crate::access::{fixture, page_path, page_patterns, Who, PAGES};
use crate::both_databases;
use crate::helpers::TestApp;
use app::auth::Role;

/// Prefixes an anonymous caller may fetch.
const PUBLIC_PREFIXES: &[&str] = &[
    "/pkg",
    "/status",
    "/status/badge",
    "/status.json",
    "/login",
    "/healthz",
    "/readyz",
    "/favicon.svg",
];

/// Ways to climb out of a prefix.
const DOTS: &[&str] = &[
    "..", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "..%2E", "%2E.", "%2e%2E",
];

/// Every re-spelling of `path` (`/clusters?x`) this test tries.
fn tricks(path: &str) -> Vec<String> {
    let rest = path.trim_start_matches('/');
    let mut out = Vec::new();
    for pre in PUBLIC_PREFIXES {
        for dots in DOTS {
            out.push(format!("{pre}/{dots}/{rest}"));
            out.push(format!("{pre}/x/{dots}/{dots}/{rest}"));
        }
        for sep in ["%2f", "%2F", "%5c", "%5C", "\\"] {
            out.push(format!("{pre}/..{sep}{rest}"));
            out.push(format!("{pre}{sep}..{sep}{rest}"));
        }
        out.push(format!("{pre}/./../{rest}"));
        out.push(format!("{pre}//../{rest}"));
        out.push(format!("{pre}/%2e%2e%2f{rest}"));
        out.push(format!("/{pre}/../{rest}"));
    }
    let first = rest.as_bytes().first().copied().unwrap_or(b'x');
    out.push(format!("//{rest}"));
    out.push(format!("/./{rest}"));
    out.push(format!("/%{first:02X}{}", &rest[1.min(rest.len())..]));
    out.push(format!("/%{first:02x}{}", &rest[1.min(rest.len())..]));
    if !rest.contains('?') {
        out.push(format!("/{rest}/"));
        out.push(format!("/{rest}/."));
        out.push(format!("/{rest}/%2e"));
    }
    out
}

/// Refused, and nothing protected in the body.
async fn assert_refused(
    app: &TestApp,
    method: &str,
    target: &str,
    token: Option<&str>,
    canaries: &[String],
) {
    let resp = app.raw_request(method, target, token, &[]).await;
    assert!(
        matches!(resp.status, 303 | 400 | 401 | 403 | 404),
        "{method} {target} answered {}: {}",
        resp.status,
        &resp.body[..resp.body.len().min(300)]
    );
    for canary in canaries {
        assert!(
            !resp.body.contains(canary.as_str()),
            "{method} {target} ({}) leaked {canary:?}",
            resp.status
        );
        for (name, value) in &resp.headers {
            assert!(
                !value.contains(canary.as_str()),
                "{method} {target} leaked {canary:?} in {name}"
            );
        }
    }
}

both_databases! {
    async fn path_tricks_behind_public_prefixes_reach_no_protected_data(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let f = fixture(&app).await;
        let cluster: serde_json::Value = app.get_json(&format!("/api/v1/clusters/{}", f.cluster)).await.1;
        // What only signed-in callers may see, and what only admins may see.
        let fleet_canaries = [
            cluster["name"].as_str().unwrap().to_owned(),
            "canary-justification-7f3a".to_owned(),
            "canary-deployment-title".to_owned(),
            "requester-user".to_owned(),
        ];
        let admin_canaries = ["throwaway-user".to_owned(), "canary-token-label".to_owned(), "admin-user".to_owned()];
        let everything: Vec<String> = fleet_canaries.iter().chain(&admin_canaries).cloned().collect();
        // The canaries are really there for a caller allowed to see them.
        let html = app.as_role(Role::Admin).get(app.url(&format!("/clusters/{}", f.cluster))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains(&fleet_canaries[0]), "the cluster page shows the cluster's name");
        let users = app.as_role(Role::Admin).get(app.url("/admin/users")).send().await.unwrap().text().await.unwrap();
        assert!(users.contains("throwaway-user"), "the users page lists users");

        let viewer = app.tokens[&Role::Viewer].clone();
        let mut tried = 0;
        for (pattern, who) in PAGES {
            if matches!(who, Who::Public) {
                continue;
            }
            let path = page_path(pattern, &f);
            for target in tricks(&path) {
                assert_refused(&app, "GET", &target, None, &everything).await;
                if !who.admits(Role::Viewer) {
                    assert_refused(&app, "GET", &target, Some(&viewer), &admin_canaries).await;
                }
                tried += 1;
            }
        }
        for (route, _) in server::api::api_routes() {
            let path = format!("/api/v1{}", route.path)
                .replace("{code}", "westus2")
                .replace("{id}", &f.cluster.to_string())
                .replace("{key}", if route.path.starts_with("/deployments") { &f.deployment } else { &f.draft })
                .replace("{action}", "cancel");
            for target in tricks(&path) {
                assert_refused(&app, route.method.as_str(), &target, None, &everything).await;
                // A viewer reaches no admin data through any route (the admin ones included).
                assert_refused(&app, route.method.as_str(), &target, Some(&viewer), &admin_canaries).await;
                tried += 1;
            }
        }
        // The CSV exports, and every server function as registered.
        for path in ["/clusters.csv?region=westus2", "/admin/audit.csv"] {
            for target in tricks(path) {
                assert_refused(&app, "GET", &target, None, &everything).await;
                assert_refused(&app, "GET", &target, Some(&viewer), &admin_canaries).await;
            }
        }
        for (path, _) in leptos::server_fn::axum::server_fn_paths() {
            for target in tricks(path) {
                assert_refused(&app, "POST", &target, None, &everything).await;
                assert_refused(&app, "POST", &target, Some(&viewer), &admin_canaries).await;
                tried += 1;
            }
        }
        assert!(tried > 6000, "{tried} variants");
        assert_eq!(page_patterns().len(), PAGES.len());
    }

    async fn odd_paths_are_refused_before_routing(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let viewer = app.tokens[&Role::Viewer].clone();
        // The normal spelling works; each odd one is a 400 naming the problem, even signed in.
        assert_eq!(app.raw_request("GET", "/clusters?region=westus2", Some(&viewer), &[]).await.status, 200);
        for target in ["/pkg/%2e%2e/clusters?region=westus2", "/status/..", "/pkg/..%2E/regions/westus2",
                       "//clusters", "/clusters/", "/%63lusters", "/pkg%2fheadroom.js", "/api/v1/regions/..%5cclusters"] {
            let resp = app.raw_request("GET", target, Some(&viewer), &[]).await;
            assert_eq!(resp.status, 400, "{target}");
            let body: serde_json::Value = serde_json::from_str(&resp.body).unwrap();
            assert_eq!(body["error"]["code"], "invalid", "{target}");
        }
    }
}

#[test]
fn every_trick_is_refused_by_the_pure_check() {
    for (pattern, _) in PAGES {
        for t in tricks(&pattern.replace(':', "x")) {
            let path = t.split('?').next().unwrap();
            assert!(
                app::auth::paths::path_problem(path).is_some(),
                "{t} passes the check"
            );
        }
    }
}
