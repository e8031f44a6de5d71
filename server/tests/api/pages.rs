//! Server-rendered pages: status codes and content, without a browser.

use crate::both_databases;
use crate::helpers::TestApp;
use app::fleet::server::store;

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let resp = app.get(path).await;
    (resp.status().as_u16(), resp.text().await.unwrap())
}

both_databases! {
    async fn pages_render_with_data(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (status, html) = page(&app, "/").await;
        assert_eq!(status, 200);
        assert!(html.contains("Fleet overview") && html.contains("West US 2") && html.contains("Most constrained"));
        let today = app::shared::time::format_day(time::OffsetDateTime::now_utc().date());
        assert!(html.contains(&format!("as of {today} ")) && html.contains(" UTC"), "the data's time is shown");
        assert!(html.contains(r#"href="/clusters?region=westus2&amp;family=gpu""#), "a heat-map cell opens its clusters");
        let (status, html) = page(&app, "/regions/westus2").await;
        assert_eq!(status, 200);
        assert!(html.contains("<svg") && html.contains("<polyline") && html.contains("Ledger by zone and SKU"));
        assert!(html.contains(">Jan</text>") && html.contains(">Jul</text>"), "a year of history has month ticks");
        assert!(html.contains("Daily, ") && html.contains("(UTC)"), "the chart says what it spans");
        let (status, html) = page(&app, "/clusters?region=eastus&sort=-free").await;
        assert_eq!(status, 200);
        assert!(html.contains("eastus-az") && html.contains("Next page"));
        let id: i64 = app.get_json("/api/v1/clusters?limit=1").await.1["items"][0]["id"].as_i64().unwrap();
        let (status, html) = page(&app, &format!("/clusters/{id}")).await;
        assert_eq!(status, 200);
        assert!(html.contains("Ledger (") && html.contains("utilization trend"));
        // The plain filter form sends blank fields; the list answers with the clean URL.
        let resp = app.client.get(app.url("/clusters?region=&zone=&sku=Dv5&family=&sort=-free"))
            .header("accept", "text/html").send().await.unwrap();
        assert!(resp.status().is_redirection(), "{}", resp.status());
        assert_eq!(resp.headers()["location"], "/clusters?sku=Dv5&sort=-free");
        // Sortable headers say how they sort and link to the other way round.
        let (_, html) = page(&app, "/clusters?sort=-free").await;
        assert!(html.contains(r#"aria-sort="descending""#) && html.contains(r#"href="/clusters?sort=free""#), "free: most first, click for least");
        assert!(html.contains(r#"href="/clusters" class="lnk">Name"#) || html.contains(r#"class="lnk" href="/clusters">Name"#), "name is the default: no parameter");
    }

    async fn the_sign_in_page_offers_only_what_anonymous_visitors_can_open(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let html = app.anonymous.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
        for section in ["/clusters", "/requests", "/deployments", "/approvals", "/admin/users"] {
            assert!(!html.contains(&format!("href=\"{section}\"")), "{section} would only lead back here");
        }
        assert!(html.contains("href=\"/status\""), "the public status page is one click away");
        let (_, signed_in) = page(&app, "/").await;
        assert!(signed_in.contains("href=\"/clusters\"") && !signed_in.contains(">Public status<"), "signed in, the sections are there");
    }

    async fn the_navigation_counts_what_waits_for_the_caller(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let html = |role| { let app = &app; async move {
            app.as_role(role).get(app.url("/deployments")).send().await.unwrap().text().await.unwrap()
        }};
        assert!(!html(app::auth::Role::Approver).await.contains("waiting for you"), "nothing waits yet");
        crate::access::file_request(&app, 100, true).await;
        crate::access::file_request(&app, 120, true).await;
        let approver = html(app::auth::Role::Approver).await;
        assert!(approver.contains(">2 waiting for you<") && approver.contains("href=\"/approvals\""), "approvers see their queue");
        let requester = html(app::auth::Role::Requester).await;
        assert!(requester.contains(">2 of mine in flight<") && requester.contains("/requests?requester=requester-user"), "requesters see theirs");
        assert!(!requester.contains("waiting for you"), "a requester approves nothing");
        let viewer = html(app::auth::Role::Viewer).await;
        assert!(!viewer.contains("waiting for you") && !viewer.contains("of mine in flight"));
    }

    async fn tokens_are_made_for_a_user_picked_from_a_list(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let html = app.as_role(app::auth::Role::Admin).get(app.url("/admin/tokens")).send().await.unwrap().text().await.unwrap();
        let picker = html.split("name=\"user\"").nth(1).and_then(|rest| rest.split("</select>").next()).expect("a user picker");
        for name in ["viewer-user", "approver-user", "admin-user"] {
            assert!(picker.contains(&format!("value=\"{name}\"")), "{name} can be picked");
        }
    }

    async fn missing_things_get_real_404s(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (status, html) = page(&app, "/no/such/page").await;
        assert_eq!(status, 404);
        assert!(html.contains("There is no page here"));
        let (status, html) = page(&app, "/regions/atlantis").await;
        assert_eq!(status, 404);
        assert!(html.contains("no region"));
        let (status, _) = page(&app, "/clusters/987654321").await;
        assert_eq!(status, 404);
        let (status, html) = page(&app, "/clusters?zone=9").await;
        assert_eq!(status, 400);
        assert!(html.contains("zone"));
        // A filter naming nothing that exists says so instead of listing nothing.
        let (status, html) = page(&app, "/clusters?region=nowhere").await;
        assert_eq!(status, 400);
        assert!(html.contains("no region &#x27;nowhere&#x27;") || html.contains("no region 'nowhere'"), "{html}");
        assert!(html.contains(r#"href="/""#) && html.contains("Back to the fleet overview"), "a way back");
        let (status, html) = page(&app, "/regions/nowhere").await;
        assert_eq!(status, 404);
        assert!(html.contains("Back to the fleet overview"), "a way back");
        let (status, body) = app.get_json("/api/v1/clusters?sku=Zz9").await;
        crate::helpers::assert_error(status, &body, 400, "invalid", Some("sku"));
    }

    async fn csv_export_has_the_filtered_set(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let resp = app.get("/clusters.csv?region=westus2&family=general").await;
        assert_eq!(resp.status(), 200);
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let body = resp.text().await.unwrap();
        let mut lines = body.lines();
        assert!(lines.next().unwrap().starts_with("id,name,region,zone,sku"));
        let rows: Vec<&str> = lines.collect();
        let (_, api) = app.get_json("/api/v1/clusters?region=westus2&family=general&limit=500").await;
        assert!(api["next_cursor"].is_null(), "fits one page");
        assert_eq!(rows.len(), api["items"].as_array().unwrap().len());
        assert!(rows.iter().all(|r| r.contains(",westus2,")));

        let all = app.get("/clusters.csv").await.text().await.unwrap();
        assert_eq!(all.lines().count() as i64 - 1, store::count_clusters(app.db.pool()).await.unwrap(), "whole fleet, across pages");
        let resp = app.get("/clusters.csv?limit=0&zone=5").await;
        assert_eq!(resp.status(), 400);
    }
}
