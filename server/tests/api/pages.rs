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
        // One "now" for the server and this test, whenever midnight falls.
        let now = time::OffsetDateTime::now_utc();
        app.db.clock().freeze(now);
        let (status, html) = page(&app, "/").await;
        assert_eq!(status, 200);
        assert!(html.contains("Fleet overview") && html.contains("West US 2") && html.contains("Most constrained"));
        let today = app::shared::time::format_day(now.date());
        assert!(html.contains(&format!("as of {today} ")) && html.contains(" UTC"), "the data's time is shown");
        assert!(html.contains(r#"href="/clusters?region=westus2&amp;family=gpu""#), "a heat-map cell opens its clusters");
        let (status, html) = page(&app, "/regions/westus2").await;
        assert_eq!(status, 200);
        assert!(html.contains("<svg") && html.contains(r#"<path fill="none""#) && html.contains("Ledger by zone and SKU"));
        assert!(html.contains(">Jan</text>") && html.contains(">Jul</text>"), "a year of history has month ticks");
        assert!(html.contains("Daily, ") && html.contains("(UTC)"), "the chart says what it spans");
        // Its forecast charts carry the year of used units on into the projection and its band.
        let forecast = html.split("id=\"forecast\"").nth(1).expect("the forecast section");
        assert!(forecast.contains("used, past year") && forecast.contains("data-testid=\"forecast-band\""), "a year, then the forecast");
        // Its hydration data carries the history of what it charts only: each family's
        // and the soonest pair's, not every pair's.
        let families = html.matches("data-testid=\"forecast-family\"").count();
        let histories = html.matches(r#"\"history\":["#).count();
        let empty = html.matches(r#"\"history\":[]"#).count();
        assert!(families > 0 && empty > 0, "{families} families, {empty} pairs without history");
        assert_eq!(histories - empty, families + 1, "a history per family chart and one pair's");
        // Ranges live in the URL; the readout gives the latest day's values without a script.
        let today = now.date();
        let day = |d: time::Date| app::shared::time::format_day(d);
        let year_ago = day(today - time::Duration::days(364));
        assert!(html.contains(&format!("Daily, {year_ago} to {} (UTC)", day(today))), "a year by default");
        let readout = html.split("data-testid=\"chart-readout\"").nth(1).and_then(|r| r.split("</p>").next()).expect("a readout");
        let readout: String = readout.split('<').map(|part| part.split_once('>').map_or(part, |(_, text)| text)).collect();
        assert!(readout.starts_with(&format!("{}: ", day(today))) && readout.contains('%'), "the latest values read out: {readout}");
        let (_, html) = page(&app, "/regions/westus2?range=30d").await;
        let from = day(today - time::Duration::days(29));
        assert!(html.contains(&format!("Daily, {from} to {} (UTC)", day(today))), "30 days");
        let current = html.split("aria-current=\"page\"").nth(1).unwrap();
        assert!(current[..current.find("</a>").unwrap()].ends_with("30 days"), "30 days is the current range");
        assert!(html.contains(r#"href="/regions/westus2?range=90d""#) && html.contains(r#"href="/regions/westus2""#), "links to the others");
        let (status, html) = page(&app, "/regions/westus2?range=7y").await;
        assert_eq!(status, 200);
        assert!(html.contains(&format!("Daily, {year_ago} to")), "an unknown range shows the year");
        let (status, html) = page(&app, "/clusters?region=eastus&sort=-free").await;
        assert_eq!(status, 200);
        // (Once seen failing under the full suite's load: say what the page held instead.)
        let main = html.split("<main").nth(1).unwrap_or(&html);
        assert!(html.contains("eastus-az") && html.contains("Next page"), "{}", app::shared::text::bounded(main, 1500));
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

    async fn the_cluster_list_says_how_many_match_and_which_page_this_is(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        // The count, independently: every eastus cluster through the API, page by page.
        let mut total = 0;
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/clusters?region=eastus&limit=500&cursor={c}"),
                None => "/api/v1/clusters?region=eastus&limit=500".to_owned(),
            };
            let (_, body) = app.get_json(&path).await;
            total += body["items"].as_array().unwrap().len();
            match body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert!(total > 20, "{total}");
        let limit = 10;
        let pages = total.div_ceil(limit);
        let shown = app::components::format::units(total as i64);
        let (_, html) = page(&app, &format!("/clusters?region=eastus&sort=-free&limit={limit}")).await;
        assert!(html.contains(&format!("{shown} clusters · page 1 of {pages}")), "{shown} · 1 of {pages}");
        // Follow "Next page" twice: the third page.
        let mut html = html;
        for n in 2..=3 {
            let href = html.split("rel=\"next\"").next().unwrap().rsplit("href=\"").next().unwrap().split('"').next().unwrap()
                .replace("&amp;", "&");
            let (_, next) = page(&app, &href).await;
            assert!(next.contains(&format!("{shown} clusters · page {n} of {pages}")), "page {n} via {href}");
            html = next;
        }
        let (_, html) = page(&app, "/clusters?region=eastus&family=gpu&lifecycle=buildout&health=critical").await;
        assert!(html.contains("0 clusters · page 1 of 1") && html.contains("No cluster matches"));
    }

    async fn settings_are_typed_grouped_and_saved_per_area_all_or_nothing(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let admin = app.as_role(app::auth::Role::Admin);
        let html = admin.get(app.url("/admin/settings")).send().await.unwrap().text().await.unwrap();
        // Typed controls, grouped: a number for a fraction, on/off for a flag.
        let control = |key: &str| {
            let id = format!("id=\"setting-{}\"", key.replace('.', "-"));
            let at = html.find(&id).unwrap_or_else(|| panic!("{key} on the page"));
            let start = html[..at].rfind('<').unwrap();
            html[start..start + html[start..].find('>').unwrap()].to_owned()
        };
        assert!(control("health.critical").contains("type=\"number\"") && control("health.critical").contains("max=\"1\""));
        assert!(control("status.refresh_seconds").contains("type=\"number\""));
        assert!(control("status.show_units").starts_with("<select"));
        assert!(control("requests.policy").starts_with("<textarea"));
        for (area, key) in [("health", "health.critical"), ("status", "status.limited_at"), ("policy", "requests.policy")] {
            let section = &html[html.find(&format!("id=\"area-{area}\"")).unwrap()..];
            let section = &section[..section.find("</section>").unwrap()];
            assert!(section.contains(&format!("name=\"values[{key}]\"")), "{key} in {area}");
        }
        assert_eq!(html.matches("data-area=\"").count(), app::settings::AREAS.len(), "one form per area");
        assert_eq!(html.matches(">Save ").count(), app::settings::AREAS.len(), "one Save per area");
        // The policy tester answers without a script, through the URL.
        let tester = admin.get(app.url("/admin/settings?test_family=general&test_quantity=64&test_health=healthy")).send().await.unwrap().text().await.unwrap();
        assert!(tester.contains("A 64-unit general request in a healthy region × SKU is approved by policy"), "the default policy approves it");
        let tester = admin.get(app.url("/admin/settings?test_family=gpu&test_quantity=8&test_health=healthy")).send().await.unwrap().text().await.unwrap();
        assert!(tester.contains("A 8-unit gpu request in a healthy region × SKU needs 2 approvals"));

        let post = |body: &'static str| { let admin = admin.clone(); let app = &app; async move {
            let resp = admin.post(app.url(&crate::helpers::server_fn_path("update_settings")))
                .header("content-type", "application/x-www-form-urlencoded").body(body).send().await.unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        }};
        let stored = |key: &'static str| { let app = &app; async move { app::settings::server::get(&app.db, key).await.unwrap() } };
        // Both public thresholds at once, even where one alone would cross the other.
        let (status, body) = post("values%5Bstatus.limited_at%5D=0.995&values%5Bstatus.unavailable_at%5D=0.999").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!((stored("status.limited_at").await, stored("status.unavailable_at").await), ("0.995".to_owned(), "0.999".to_owned()));
        // All or nothing: one bad value refuses the group, naming its key.
        let (status, body) = post("values%5Bhealth.constrained%5D=0.5&values%5Bhealth.critical%5D=1.5").await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("\"field\":\"health.critical\""), "{body}");
        assert_eq!(stored("health.constrained").await, "0.75", "nothing written");
        let (status, body) = post("values%5Bstatus.limited_at%5D=0.9999").await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("status.limited_at must be below status.unavailable_at"), "{body}");
        assert_eq!(stored("status.limited_at").await, "0.995");
        // Unchanged values are not written again.
        let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'settings.set'").fetch_one(app.db.pool()).await.unwrap();
        let (status, body) = post("values%5Bstatus.limited_at%5D=0.995&values%5Bstatus.show_units%5D=on").await;
        assert_eq!((status, body.as_str()), (200, "1"), "one changed");
        let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'settings.set'").fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(after, before + 1);
        // Only admins.
        let resp = app.as_role(app::auth::Role::Operator).post(app.url(&crate::helpers::server_fn_path("update_settings")))
            .header("content-type", "application/x-www-form-urlencoded").body("values%5Bstatus.show_units%5D=off").send().await.unwrap();
        assert_eq!(resp.status(), 403);
        assert_eq!(stored("status.show_units").await, "on");
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
