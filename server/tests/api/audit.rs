//! The audit page and its CSV export: filters, paging, bounded values.

use crate::both_databases;
use crate::helpers::TestApp;
use app::auth::Role;
use app::shared::audit::{self, Origin};

async fn record(app: &TestApp, actor: &str, action: &str, object: &str, after: &str) {
    audit::record(
        app.db.pool(),
        &Origin::default(),
        Some(actor),
        action,
        Some(object),
        None,
        Some(after),
    )
    .await
    .unwrap();
}

async fn csv(app: &TestApp, query: &str) -> (u16, String) {
    let resp = app
        .as_role(Role::Admin)
        .get(app.url(&format!("/admin/audit.csv{query}")))
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

both_databases! {
    async fn the_audit_trail_filters_pages_and_exports(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        record(&app, "alice", "request.approve", "CR-7001", "approved").await;
        record(&app, "alice", "request.reject", "CR-7002", "=HYPERLINK(\"http://evil.example\")").await;
        record(&app, "bob", "request.approve", "DEP-9", "ok, fine").await;
        // A value far past the bound is stored cut, with a marker.
        let huge = "x".repeat(200_000);
        record(&app, "bob", "user.add", &huge, "y").await;

        let (status, body) = csv(&app, "?actor=alice").await;
        assert_eq!(status, 200);
        let mut lines = body.lines();
        assert_eq!(lines.next(), Some("id,at,actor,action,object,before,after,source,request_id"));
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), 2, "{body}");
        assert!(rows[0].contains(",alice,request.reject,CR-7002,,\"'=HYPERLINK(\"\"http://evil.example\"\")\","), "newest first, never a formula: {}", rows[0]);
        assert!(rows[1].contains(",alice,request.approve,CR-7001,,approved,"));

        let (_, body) = csv(&app, "?object=CR-700*&action=request.approve").await;
        assert_eq!(body.lines().count(), 2, "a prefix and an action: {body}");
        let (_, body) = csv(&app, "?actor=bob").await;
        let long = body.lines().find(|l| l.contains("user.add")).unwrap();
        assert!(long.len() < 1000 && long.contains("more bytes cut"), "bounded: {} bytes", long.len());
        // The UTC days bob's rows were written on (the trail keeps real time,
        // so read them back rather than guess: midnight may fall in between).
        let (first, last): (String, String) = sqlx::query_as("SELECT MIN(at), MAX(at) FROM audit_log WHERE actor = 'bob'")
            .fetch_one(app.db.pool()).await.unwrap();
        let (from, to) = (&first[..10], &last[..10]);
        let (_, body) = csv(&app, &format!("?actor=bob&from={from}&to={to}")).await;
        assert_eq!(body.lines().count(), 3, "the days of bob's rows");
        let (_, body) = csv(&app, "?actor=bob&to=2000-01-01").await;
        assert_eq!(body.lines().count(), 1, "nothing that old");

        // Bad filters are a 400 naming the field; only admins export.
        let (status, body) = csv(&app, "?from=yesterday").await;
        assert_eq!(status, 400);
        assert!(body.contains("\"field\":\"from\""), "{body}");
        let resp = app.as_role(Role::Approver).get(app.url("/admin/audit.csv")).send().await.unwrap();
        assert_eq!(resp.status(), 403);
        let resp = app.anonymous.get(app.url("/admin/audit.csv")).send().await.unwrap();
        assert_eq!(resp.status(), 303);

        // The page: filtered rows, the long value wrapped in a fixed table, the export link.
        let html = app.as_role(Role::Admin).get(app.url("/admin/audit?actor=bob")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("DEP-9") && !html.contains("CR-7001"), "filtered by actor");
        assert!(html.contains("table-fixed") && html.contains("overflow-wrap:anywhere"));
        assert!(html.contains("href=\"/admin/audit.csv?actor=bob\""), "exports what is shown");
        // Paging: more rows than a page gives an "Older" link that keeps the filters.
        for i in 0..app::auth::api::AUDIT_PAGE {
            record(&app, "carol", "settings.set", &format!("k{i}"), "v").await;
        }
        let resp = app.as_role(Role::Admin).get(app.url("/admin/audit?actor=carol")).send().await.unwrap();
        let status = resp.status();
        let html = resp.text().await.unwrap();
        let main = html.split("<main").nth(1).unwrap_or(&html);
        assert!(html.contains("/admin/audit?actor=carol&amp;before="), "older page keeps the filter ({status}): {}", &main[..main.len().min(3000)]);
    }
}
