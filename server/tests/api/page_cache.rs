//! The page cache (`server::pages`): a page rendered once for every caller
//! with the same roles is, for each caller, byte for byte the page rendered
//! for them alone (`Cache-Control: no-store`), with their own name, counts and
//! a nonce of its own; nobody sees another's; a change shows on the next
//! request; a disabled user is refused on theirs.

use reqwest::Client;
use serde_json::json;

use crate::access::{file_request_as, planned_deployment};
use crate::both_databases;
use crate::helpers::{user_with_token, TestApp};
use app::auth::roles::Role;

/// A page as `client` gets it: status, the CSP nonce and the body with that
/// nonce blanked (each response has its own).
async fn page(app: &TestApp, client: &Client, path: &str, alone: bool) -> (u16, String, String) {
    let mut req = client.get(app.url(path));
    if alone {
        req = req.header("cache-control", "no-store");
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let csp = resp
        .headers()
        .get("content-security-policy")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .unwrap_or_default()
        .to_owned();
    let body = resp.text().await.unwrap();
    assert!(nonce.len() >= 16, "{path}: a nonce in the CSP: {csp}");
    assert!(
        body.contains(&format!("nonce=\"{nonce}\"")),
        "{path}: the scripts carry the header's nonce"
    );
    (status, nonce.clone(), body.replace(&nonce, "NONCE"))
}

/// How many pages the cache answered so far, by outcome, from `/metrics`.
async fn answered(app: &TestApp, outcome: &str) -> f64 {
    let text = app
        .as_role(Role::Admin)
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let prefix = format!("headroom_page_cache_total{{outcome=\"{outcome}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0.0, |v| v.parse().unwrap())
}

/// Files a submitted request as `client` (a requester).
async fn file(app: &TestApp, client: &Client) {
    file_request_as(app, client, 4, true).await;
}

/// Asserts two pages are the same, showing where they part if not.
fn same(a: &str, b: &str, what: &str) {
    if a == b {
        return;
    }
    let at = a
        .bytes()
        .zip(b.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let around = |s: &str| {
        s.get(at.saturating_sub(300)..(at + 300).min(s.len()))
            .unwrap_or_default()
            .to_owned()
    };
    panic!(
        "{what}: they part at byte {at}:\n{}\n----\n{}",
        around(a),
        around(b)
    );
}

/// The navigation's text for a user: their name, and their counts' pills.
fn signed_in_as(html: &str) -> &str {
    html.split("data-testid=\"signed-in-as\"")
        .nth(1)
        .and_then(|r| r.split("</span>").next())
        .unwrap_or_default()
}

both_databases! {
    async fn a_kept_page_is_the_page_rendered_for_its_caller_alone(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        // One "now" for every render: a page names times computed from it.
        app.db.clock().freeze(time::OffsetDateTime::now_utc());
        let ann = user_with_token(&app, "ann.ops@example.com", &[Role::Requester, Role::Approver]).await;
        let bob = user_with_token(&app, "bob", &[Role::Requester, Role::Approver]).await;
        let vic = user_with_token(&app, "vic", &[Role::Viewer]).await;
        file(&app, &ann).await;
        file(&app, &ann).await;
        let d = planned_deployment(&app, true).await;
        let key = d["key"].as_str().unwrap().to_owned();
        let (_, c) = app.get_json("/api/v1/clusters?limit=1").await;
        let cluster = c["items"][0]["id"].as_i64().unwrap();
        let pages = [
            "/".to_owned(),
            "/regions/westus2".to_owned(),
            "/clusters?region=eastus&sort=-free".to_owned(),
            format!("/clusters/{cluster}"),
            "/forecast?region=westus2".to_owned(),
            "/deployments".to_owned(),
            format!("/deployments/{key}"),
        ];
        let hits = answered(&app, "hit").await;
        for path in &pages {
            for (who, client) in [("ann", &ann), ("bob", &bob), ("vic", &vic)] {
                // The clock's second may turn between the three: each is then a render of its own,
                // and must still be the same page.
                let (status, n1, kept) = page(&app, client, path, false).await;
                let (_, n2, again) = page(&app, client, path, false).await;
                let (_, n3, alone) = page(&app, client, path, true).await;
                assert_eq!(status, 200, "{who} {path}");
                assert!(n1 != n2 && n2 != n3, "{who} {path}: a nonce per response");
                same(&kept, &alone, &format!("{who} {path}: the kept page is the page rendered for {who} alone"));
                same(&again, &alone, &format!("{who} {path}: and so is the next one"));
            }
        }
        assert!(answered(&app, "hit").await > hits, "pages were answered from the cache");
        // Each sees their own name and counts on the same page, asked for at once.
        let (a, b, v) = tokio::join!(page(&app, &ann, "/", false), page(&app, &bob, "/", false), page(&app, &vic, "/", false));
        assert!(a.2.contains("2 of mine in flight") && signed_in_as(&a.2).contains("ann.ops@example.com"), "{}", signed_in_as(&a.2));
        assert!(a.2.contains("/requests?requester=ann.ops%40example.com"), "ann's own requests");
        assert!(!b.2.contains("of mine in flight") && signed_in_as(&b.2).contains(">bob"), "bob has none in flight");
        assert!(!b.2.contains("ann.ops") && !v.2.contains("ann.ops") && !a.2.contains(">bob<"), "nobody sees another's name");
        assert!(a.2.contains(">Approvals<") && !v.2.contains(">Approvals<"), "a viewer's page has no approver's links");
    }

    async fn a_change_shows_on_the_next_request_and_a_disabled_user_is_refused(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        app.db.clock().freeze(time::OffsetDateTime::now_utc());
        let op = user_with_token(&app, "olga", &[Role::Operator]).await;
        let d = planned_deployment(&app, true).await;
        let path = format!("/deployments/{}", d["key"].as_str().unwrap());
        let (_, _, before) = page(&app, &op, &path, false).await;
        let (_, _, kept) = page(&app, &op, &path, false).await;
        assert_eq!(before, kept);
        assert!(before.contains("Pause"), "an operator may pause it");
        let resp = op
            .post(app.url(&format!("/api/v1/deployments/{}/pause", d["key"].as_str().unwrap())))
            .json(&json!({"version": d["version"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let (_, _, after) = page(&app, &op, &path, false).await;
        assert!(after.contains("Resume") && !after.contains(">Pause<"), "paused on the next request");
        assert_eq!(after, page(&app, &op, &path, true).await.2);
        // A new requester's first request shows on their next page.
        let rita = user_with_token(&app, "rita", &[Role::Requester]).await;
        assert!(!page(&app, &rita, "/", false).await.2.contains("of mine in flight"));
        file(&app, &rita).await;
        assert!(page(&app, &rita, "/", false).await.2.contains("1 of mine in flight"));
        // Disabled, the next request is refused though the page is kept.
        app::auth::server::users::disable(&app.db, &Default::default(), "t", "rita").await.unwrap();
        let resp = rita.get(app.url("/")).send().await.unwrap();
        assert_eq!(resp.status(), 401);
        assert!(!resp.text().await.unwrap().contains("rita"));
    }
}
