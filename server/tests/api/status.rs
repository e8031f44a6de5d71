//! The public status routes and the notices behind them: public without sign-in,
//! static (no scripts, no nonce), parseable, cached with ETags, rendered once per
//! refresh interval, and leaking nothing internal.

use std::collections::HashMap;
use std::time::Duration;

use app::auth::Role;
use serde_json::{json, Value};

use crate::both_databases;
use crate::helpers::{assert_error, eventually, TestApp};

const PUBLIC: [&str; 4] = [
    "/status",
    "/status.json",
    "/status/feed.atom",
    "/status/badge/westus2.svg",
];

/// A seeded app whose status routes are rebuilt after `refresh` seconds.
async fn app_with_refresh(backend: crate::helpers::Backend, refresh: &str) -> TestApp {
    let app = TestApp::seeded(backend).await;
    let origin = app::shared::audit::Origin::default();
    app::settings::server::set(
        &app.db,
        &origin,
        "(test)",
        "status.refresh_seconds",
        refresh,
    )
    .await
    .unwrap();
    app
}

/// Anonymous GET: (status, headers, body).
async fn fetch(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let resp = app.anonymous.get(app.url(path)).send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.text().await.unwrap())
}

async fn status_json(app: &TestApp) -> Value {
    let (status, _, body) = fetch(app, "/status.json").await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("/status.json is JSON")
}

fn region_state(status: &Value, code: &str) -> String {
    status["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("{code} in {status}"))["state"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn publish(app: &TestApp, body: Value) -> (u16, Value) {
    let resp = app
        .as_role(Role::Admin)
        .post(app.url("/api/v1/notices"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn post_update(app: &TestApp, id: i64, body: Value) -> (u16, Value) {
    let resp = app
        .as_role(Role::Admin)
        .post(app.url(&format!("/api/v1/notices/{id}/updates")))
        .json(&body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

/// Every integer under a `ledger` object of the regions API, and each region ×
/// unit's free units: the numbers the public routes must not show.
async fn fleet_numbers(app: &TestApp) -> (Vec<i64>, HashMap<(String, String), i64>) {
    let (_, regions) = app.get_json("/api/v1/regions").await;
    let mut numbers = Vec::new();
    let mut free: HashMap<(String, String), i64> = HashMap::new();
    for region in regions["items"].as_array().unwrap() {
        for sku in region["skus"].as_array().unwrap() {
            let ledger = sku["ledger"].as_object().unwrap();
            numbers.extend(ledger.values().filter_map(Value::as_i64));
            let key = (
                region["code"].as_str().unwrap().to_owned(),
                sku["unit"].as_str().unwrap().to_owned(),
            );
            *free.entry(key).or_default() += ledger["free"].as_i64().unwrap();
        }
    }
    numbers.extend(free.values().copied());
    (numbers, free)
}

/// A region the status page shows as available (so a notice decides its state).
async fn healthy_region(app: &TestApp) -> String {
    let status = status_json(app).await;
    status["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["state"] == "available")
        .unwrap_or_else(|| panic!("an available seeded region in {status}"))["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A region's row of the page: from its `<li>` to the next region's (or the list's end).
fn region_row(html: &str, code: &str) -> String {
    let start = html
        .find(&format!("id=\"region-{code}\""))
        .unwrap_or_else(|| panic!("{code} on the page"));
    let rest = &html[start + 1..];
    let end = rest
        .find("id=\"region-")
        .or_else(|| rest.find("</ul></section>"))
        .unwrap();
    html[start..start + 1 + end].to_owned()
}

/// Public states in rising severity, as PRODUCT.md and the issue name them.
const SEVERITY: [&str; 5] = [
    "available",
    "maintenance",
    "limited",
    "incident",
    "unavailable",
];

fn severity(state: &str) -> usize {
    SEVERITY
        .iter()
        .position(|s| *s == state)
        .unwrap_or_else(|| panic!("'{state}' is not a public state"))
}

/// Each shown region's expected components from the regions API: per family,
/// used ÷ serviceable summed over its SKUs, against limited/unavailable at
/// `limited`/`unavailable` (fractions).
async fn expected_components(
    app: &TestApp,
    limited: f64,
    unavailable: f64,
) -> HashMap<String, Vec<(String, &'static str)>> {
    let (_, regions) = app.get_json("/api/v1/regions").await;
    let mut out = HashMap::new();
    for region in regions["items"].as_array().unwrap() {
        let mut sums: Vec<(String, i64, i64)> = Vec::new();
        for sku in region["skus"].as_array().unwrap() {
            let l = &sku["ledger"];
            let used = l["allocated"].as_i64().unwrap() + l["reserved"].as_i64().unwrap();
            let serviceable = l["total"].as_i64().unwrap() - l["out_of_service"].as_i64().unwrap();
            let family = sku["family"].as_str().unwrap().to_owned();
            match sums.iter_mut().find(|(f, _, _)| *f == family) {
                Some((_, u, s)) => {
                    *u += used;
                    *s += serviceable;
                }
                None => sums.push((family, used, serviceable)),
            }
        }
        let order = ["general", "compute", "memory", "storage", "gpu"];
        sums.sort_by_key(|(f, _, _)| order.iter().position(|o| o == f));
        let states = sums
            .into_iter()
            .map(|(f, used, serviceable)| {
                let u = if serviceable > 0 {
                    used as f64 / serviceable as f64
                } else if used > 0 {
                    1.0
                } else {
                    0.0
                };
                let state = if u >= unavailable - 1e-9 {
                    "unavailable"
                } else if u >= limited - 1e-9 {
                    "limited"
                } else {
                    "available"
                };
                (f, state)
            })
            .collect();
        out.insert(region["code"].as_str().unwrap().to_owned(), states);
    }
    out
}

fn components_of(status: &Value) -> HashMap<String, Vec<(String, String)>> {
    status["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let comps = r["components"]
                .as_array()
                .unwrap_or_else(|| panic!("components in {r}"))
                .iter()
                .map(|c| {
                    (
                        c["family"].as_str().unwrap().to_owned(),
                        c["state"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            (r["code"].as_str().unwrap().to_owned(), comps)
        })
        .collect()
}

fn thousands(n: i64) -> String {
    app::components::format::units(n)
}

/// The text of an HTML or XML body, without its tags (whose attributes hold
/// layout numbers such as an SVG's width).
fn text_of(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Whether `body` shows `number` as a number of its own: not a piece of a
/// longer one, a date (2026-11-29) or a time's fraction.
fn shows_number(body: &str, number: &str) -> bool {
    let joins =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '-'));
    body.match_indices(number).any(|(i, m)| {
        !joins(body[..i].chars().next_back()) && !joins(body[i + m.len()..].chars().next())
    })
}

both_databases! {
    async fn status_routes_are_public_static_and_scriptless(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let mut policies = Vec::new();
        for path in PUBLIC {
            let (status, headers, body) = fetch(&app, path).await;
            assert_eq!(status, 200, "{path}: {body}");
            assert!(headers.contains_key("etag"), "{path}");
            assert!(headers["cache-control"].to_str().unwrap().starts_with("public, max-age="), "{path}");
            let csp = headers["content-security-policy"].to_str().unwrap().to_owned();
            assert!(!csp.contains("nonce"), "{path}: a static policy, {csp}");
            assert!(csp.contains("default-src 'none'") && !csp.contains("script-src"), "{path}: {csp}");
            policies.push(csp);
        }
        assert!(policies.windows(2).all(|w| w[0] == w[1]), "one policy for every status route");
        let (_, again, _) = fetch(&app, "/status").await;
        assert_eq!(again["content-security-policy"].to_str().unwrap(), policies[0], "the same policy every time");

        let (_, headers, html) = fetch(&app, "/status").await;
        assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
        let lower = html.to_ascii_lowercase();
        assert!(!lower.contains("<script") && !lower.contains(".wasm") && !lower.contains("nonce="), "no scripts, no WASM");
        assert!(html.contains("data-overall=\""), "an overall state");
        assert!(html.contains("Refreshed <time datetime=\""), "when it was refreshed");
        // An open page reloads itself without a script, at the refresh interval (≥ 30 s).
        let settings = app::settings::server::current(&app.db).await.unwrap();
        let reload = (settings.status_refresh_seconds as u64).max(server::status::page::MIN_RELOAD_SECONDS);
        assert!(html.contains(&format!(r#"<meta http-equiv="refresh" content="{reload}">"#)), "reloads every {reload} s");
        // Every region is a component with 90 days of bars, each with a title.
        let status = status_json(&app).await;
        let regions = status["regions"].as_array().unwrap();
        assert!(regions.len() >= 3, "{status}");
        for r in regions {
            let code = r["code"].as_str().unwrap();
            let row = region_row(&html, code);
            assert_eq!(row.matches("<i class=\"hb").count(), 90, "{code}: 90 days of bars");
            assert_eq!(row.matches("title=\"20").count(), 90, "{code}: a title per day");
            assert!(row.contains(&format!("data-state=\"{}\"", r["state"].as_str().unwrap())), "{code}: state as in the JSON");
        }
        // Seeded history gives most days a state.
        assert!(html.matches("<i class=\"hb o\"").count() + html.matches("<i class=\"hb c\"").count() > 90);

        // Badges: an SVG per region, a 404 for anything else.
        let (_, headers, svg) = fetch(&app, "/status/badge/westus2.svg").await;
        assert_eq!(headers["content-type"], "image/svg+xml");
        assert!(svg.starts_with("<svg") && svg.contains("westus2") && svg.contains(&region_state(&status, "westus2")), "{svg}");
        for path in ["/status/badge/nowhere.svg", "/status/badge/westus2", "/status/badge/westus2.png"] {
            assert_eq!(fetch(&app, path).await.0, 404, "{path}");
        }
    }

    async fn json_and_feed_parse_and_carry_the_notices(backend: Backend) {
        let app = app_with_refresh(backend, "1").await;
        let region = healthy_region(&app).await;
        let (status, notice) = publish(&app, json!({
            "kind": "maintenance", "title": "Network maintenance in West US 2",
            "regions": [region], "message": "New capacity may be slow to place for two hours.",
        })).await;
        assert_eq!(status, 201, "{notice}");
        let id = notice["id"].as_i64().unwrap();

        let status = eventually(Duration::from_secs(10), "the notice on the rebuilt page", || async {
            let status = status_json(&app).await;
            (!status["notices"].as_array().unwrap().is_empty()).then_some(status)
        }).await;
        assert!(SEVERITY.contains(&status["overall"].as_str().unwrap()), "{status}");
        time::OffsetDateTime::parse(status["generated_at"].as_str().unwrap(), &time::format_description::well_known::Rfc3339).expect("generated_at is RFC 3339");
        assert_eq!(region_state(&status, &region), "maintenance", "an active maintenance notice sets a healthy region's state");
        let notices = status["notices"].as_array().unwrap();
        assert_eq!(notices.len(), 1);
        assert_eq!((notices[0]["id"].as_i64(), notices[0]["kind"].as_str()), (Some(id), Some("maintenance")));
        assert_eq!(notices[0]["regions"], json!([region]));
        assert_eq!(notices[0]["updates"][0]["body"], "New capacity may be slow to place for two hours.");

        let (_, headers, xml) = fetch(&app, "/status/feed.atom").await;
        assert!(headers["content-type"].to_str().unwrap().starts_with("application/atom+xml"));
        let feed = atom_syndication::Feed::read_from(xml.as_bytes()).expect("a valid Atom feed");
        assert_eq!(feed.entries().len(), 1);
        let entry = &feed.entries()[0];
        assert_eq!(entry.id(), format!("urn:headroom:status:notice:{id}"));
        assert!(entry.title().as_str().contains("Network maintenance in West US 2"), "{}", entry.title().as_str());
        assert_eq!(entry.updated().to_rfc3339(), chrono::DateTime::parse_from_rfc3339(notice["updated_at"].as_str().unwrap()).unwrap().to_rfc3339());
        assert!(entry.categories().iter().any(|c| c.term() == region));
        assert!(feed.links().iter().any(|l| l.rel() == "self"));

        // The page shows it too, with its timeline.
        let (_, _, html) = fetch(&app, "/status").await;
        assert!(html.contains(&format!("id=\"notice-{id}\"")) && html.contains("New capacity may be slow to place"));
    }

    async fn notices_publish_update_and_resolve_with_checks(backend: Backend) {
        let app = app_with_refresh(backend, "1").await;
        // One "today" for the server and this test, whenever midnight falls.
        let now = time::OffsetDateTime::now_utc();
        app.db.clock().freeze(now);
        let healthy = healthy_region(&app).await;
        assert_eq!(region_state(&status_json(&app).await, &healthy), "available");

        // Bad input: 400 naming the field, nothing written.
        let good = json!({"kind": "incident", "title": "Allocation failures", "regions": [healthy], "message": "We are investigating."});
        for (field, patch) in [
            ("kind", json!({"kind": "outage"})),
            ("title", json!({"title": "   "})),
            ("title", json!({"title": "x".repeat(121)})),
            ("title", json!({"title": "Slow approvals for CR-1042"})),
            ("message", json!({"message": ""})),
            ("regions", json!({"regions": []})),
            ("regions", json!({"regions": ["atlantis"]})),
        ] {
            let mut body = good.clone();
            for (k, v) in patch.as_object().unwrap() { body[k] = v.clone(); }
            let (status, err) = publish(&app, body).await;
            assert_error(status, &err, 400, "invalid", Some(field));
        }
        // A region still being built is not on the public page, so a notice cannot name it.
        let mut tx = app.db.begin_write().await.unwrap();
        app::fleet::server::ledger::load_region(&mut tx, ("brazilsouth9", "Brazil South 9", "Brazil", "building"), &[], &[]).await.unwrap();
        app::fleet::server::ledger::finish_load(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        let mut body = good.clone();
        body["regions"] = json!(["brazilsouth9"]);
        let (status, err) = publish(&app, body).await;
        assert_error(status, &err, 400, "invalid", Some("regions"));
        assert!(status_json(&app).await["regions"].as_array().unwrap().iter().all(|r| r["code"] != "brazilsouth9"));
        let (_, list) = app.get_json("/api/v1/notices").await;
        assert_eq!(list["items"], json!([]), "nothing written");
        // Only admins publish.
        let resp = app.as_role(Role::Operator).post(app.url("/api/v1/notices")).json(&good).send().await.unwrap();
        assert_eq!(resp.status(), 403);

        let (status, notice) = publish(&app, good.clone()).await;
        assert_eq!(status, 201, "{notice}");
        let id = notice["id"].as_i64().unwrap();
        let v1 = notice["version"].as_i64().unwrap();
        eventually(Duration::from_secs(10), "an incident marks its region", || async {
            (region_state(&status_json(&app).await, &healthy) == "incident").then_some(())
        }).await;
        let today = now.date().to_string();
        let today_bar = format!("title=\"{today} incident\"");
        let row = |html: &str| region_row(html, &healthy);
        assert!(row(&fetch(&app, "/status").await.2).contains(&today_bar), "today's bar shows the incident");

        // Updates need the version the admin saw; a stale one is a 409.
        let (status, err) = post_update(&app, id, json!({"message": "Mitigation in progress."})).await;
        assert_error(status, &err, 400, "invalid", Some("version"));
        let (status, updated) = post_update(&app, id, json!({"version": v1, "message": "Mitigation in progress."})).await;
        assert_eq!(status, 200, "{updated}");
        assert_eq!(updated["updates"].as_array().unwrap().len(), 2);
        let (status, err) = post_update(&app, id, json!({"version": v1, "message": "Again."})).await;
        assert_error(status, &err, 409, "conflict", None);
        let (status, err) = post_update(&app, id, json!({"version": updated["version"], "message": "see CR-7"})).await;
        assert_error(status, &err, 400, "invalid", Some("message"));
        let (status, resolved) = post_update(&app, id, json!({"version": updated["version"], "message": "Resolved.", "resolve": true})).await;
        assert_eq!(status, 200, "{resolved}");
        assert!(resolved["resolved_at"].is_string());
        let (status, err) = post_update(&app, id, json!({"version": resolved["version"], "message": "After the fact."})).await;
        assert_error(status, &err, 409, "conflict", None);
        let (status, _) = post_update(&app, 999_999, json!({"version": 1, "message": "Nobody."})).await;
        assert_eq!(status, 404);

        // Resolved: the region is back, the notice stays in the feed and the page's recent list.
        let after = eventually(Duration::from_secs(10), "the region is back once resolved", || async {
            let json = status_json(&app).await;
            (region_state(&json, &healthy) == "available").then_some(json)
        }).await;
        assert_eq!(after["notices"], json!([]), "only active notices in the JSON");
        let (_, _, html) = fetch(&app, "/status").await;
        assert!(html.contains("Resolved recently") && html.contains(&format!("id=\"notice-{id}\"")));
        assert!(row(&html).contains(&today_bar), "the history keeps the day of the incident");
        let feed = atom_syndication::Feed::read_from(fetch(&app, "/status/feed.atom").await.2.as_bytes()).unwrap();
        assert!(feed.entries()[0].title().as_str().contains("(resolved)"));

        // Each change is in the audit trail.
        let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE object = $1 ORDER BY id")
            .bind(format!("notice-{id}")).fetch_all(app.db.pool()).await.unwrap();
        assert_eq!(actions, ["notice.publish", "notice.update", "notice.resolve"]);
    }

    async fn regions_are_made_of_family_components_under_public_thresholds(backend: Backend) {
        let app = app_with_refresh(backend, "1").await;
        // Defaults: limited at 95 %, unavailable at 99 % of a region × family.
        let status = status_json(&app).await;
        let shown = components_of(&status);
        let expected = expected_components(&app, 0.95, 0.99).await;
        assert!(!shown.is_empty());
        for (code, comps) in &shown {
            let want = &expected[code];
            let got: Vec<(String, &str)> = comps.iter().map(|(f, s)| (f.clone(), s.as_str())).collect();
            assert_eq!(&got, want, "{code}: one component per family offered, by the public thresholds");
            // No notices: the region is its worst component.
            let worst = comps.iter().map(|(_, s)| severity(s)).max().unwrap_or(0);
            assert_eq!(region_state(&status, code), SEVERITY[worst], "{code}");
        }
        // The internal bands are not the public states: a region whose health
        // is critical (90 %) is not for that alone unavailable to customers.
        let (_, regions) = app.get_json("/api/v1/regions").await;
        let critical: Vec<&str> = regions["items"].as_array().unwrap().iter()
            .filter(|r| r["health"] == "critical" && shown.contains_key(r["code"].as_str().unwrap()))
            .map(|r| r["code"].as_str().unwrap()).collect();
        assert!(!critical.is_empty(), "the demo has critical regions");
        assert!(critical.iter().any(|c| region_state(&status, c) != "unavailable"), "{critical:?} in {status}");
        // A demo history with variety: some days limited, not every day.
        let limited: Vec<i64> = status["regions"].as_array().unwrap().iter().map(|r| r["days_limited"].as_i64().unwrap()).collect();
        assert!(limited.iter().any(|d| (1..90).contains(d)), "{limited:?}");
        assert!(limited.iter().all(|d| (0..=90).contains(d)), "{limited:?}");

        // The page: a chip per component, a date axis, the figure, the day list.
        let (_, _, html) = fetch(&app, "/status").await;
        for r in status["regions"].as_array().unwrap() {
            let code = r["code"].as_str().unwrap();
            let row = region_row(&html, code);
            for (family, state) in &shown[code] {
                assert!(row.contains(&format!("data-family=\"{family}\" data-state=\"{state}\"")), "{code} {family}");
            }
            let days = r["days_limited"].as_i64().unwrap();
            assert!(row.contains(&format!("data-days-limited=\"{days}\">{days} day")), "{code}: {days} days limited");
            assert!(row.contains(">Today</span>"), "{code}: a date axis");
            if days > 0 {
                assert!(row.contains("<details"), "{code}: day-by-day details");
                assert!(row.matches("<time ").count() >= days as usize, "{code}: each limited day listed");
            }
        }

        // Tighter public thresholds: every family at or above 50 % is limited, 60 % unavailable.
        let origin = app::shared::audit::Origin::default();
        app::settings::server::set(&app.db, &origin, "(test)", "status.limited_at", "0.5").await.unwrap();
        app::settings::server::set(&app.db, &origin, "(test)", "status.unavailable_at", "0.6").await.unwrap();
        let tight = expected_components(&app, 0.5, 0.6).await;
        eventually(Duration::from_secs(10), "the page follows the public thresholds", || async {
            let shown = components_of(&status_json(&app).await);
            shown.iter().all(|(code, comps)| {
                comps.iter().map(|(f, s)| (f.clone(), s.as_str())).collect::<Vec<_>>() == tight[code]
            }).then_some(())
        }).await;
        // The pair stays in order; a refused value changes nothing.
        let err = app::settings::server::set(&app.db, &origin, "(test)", "status.limited_at", "0.7").await.unwrap_err();
        assert!(err.to_string().contains("status.limited_at must be below status.unavailable_at"), "{err}");
        let stored = app::settings::server::get(&app.db, "status.limited_at").await.unwrap();
        assert_eq!(stored, "0.5");
    }

    async fn conditional_requests_get_304(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        for path in PUBLIC {
            let (status, headers, _) = fetch(&app, path).await;
            assert_eq!(status, 200);
            let etag = headers["etag"].to_str().unwrap().to_owned();
            assert!(etag.starts_with('"') && etag.ends_with('"'), "a strong ETag: {etag}");
            let resp = app.anonymous.get(app.url(path)).header("if-none-match", &etag).send().await.unwrap();
            assert_eq!(resp.status(), 304, "{path}");
            assert_eq!(resp.headers()["etag"].to_str().unwrap(), etag);
            assert!(resp.headers().contains_key("cache-control"));
            assert!(resp.bytes().await.unwrap().is_empty(), "no body with a 304");
            let resp = app.anonymous.get(app.url(path)).header("if-none-match", "\"something-else\"").send().await.unwrap();
            assert_eq!(resp.status(), 200, "{path}");
        }
        // Compressed for those who accept it, each encoding with its own ETag.
        let plain = fetch(&app, "/status").await.1["etag"].to_str().unwrap().to_owned();
        let gz = |etag: Option<&str>| {
            let mut req = app.anonymous.get(app.url("/status")).header("accept-encoding", "gzip");
            if let Some(e) = etag { req = req.header("if-none-match", e); }
            req.send()
        };
        let resp = gz(None).await.unwrap();
        assert_eq!(resp.headers()["content-encoding"], "gzip");
        assert_eq!(resp.headers()["vary"], "accept-encoding");
        let gz_etag = resp.headers()["etag"].to_str().unwrap().to_owned();
        assert_ne!(gz_etag, plain, "different bytes, different strong ETags");
        assert_eq!(gz(Some(&gz_etag)).await.unwrap().status(), 304);
        assert_eq!(gz(Some(&plain)).await.unwrap().status(), 200, "the plain body's ETag does not stand for the gzip one");
        let resp = app.anonymous.get(app.url("/status")).header("accept-encoding", "br, gzip").send().await.unwrap();
        assert_eq!(resp.headers()["content-encoding"], "br");
        assert!(![plain, gz_etag].contains(&resp.headers()["etag"].to_str().unwrap().to_owned()));

        // The same for everyone: a bad or stale token does not turn the public routes away.
        for path in PUBLIC {
            let resp = crate::helpers::client_with(Some("hr_not-a-real-token")).get(app.url(path)).send().await.unwrap();
            assert_eq!(resp.status(), 200, "{path} with a bad token");
        }
    }

    async fn rendered_once_per_refresh_interval(backend: Backend) {
        // Long enough that a loaded machine serves the crowd within one interval.
        let app = app_with_refresh(backend, "5").await;
        let (_, first, _) = fetch(&app, "/status").await;
        let built = app.status.builds();
        assert_eq!(built, 1);
        let crowd: Vec<_> = (0..50).map(|i| {
            let client = app.anonymous.clone();
            let url = app.url(PUBLIC[i % PUBLIC.len()]);
            tokio::spawn(async move { client.get(url).send().await.unwrap().status().as_u16() })
        }).collect();
        for c in crowd { assert_eq!(c.await.unwrap(), 200); }
        assert_eq!(app.status.builds(), 1, "fifty requests, one rendering");
        assert_eq!(first["cache-control"], "public, max-age=5");
        // Callers may keep a rendering only for what is left of its interval.
        let aged = eventually(Duration::from_secs(10), "max-age counts down", || async {
            let (_, h, _) = fetch(&app, "/status").await;
            let left: u64 = h["cache-control"].to_str().unwrap().trim_start_matches("public, max-age=").parse().unwrap();
            (left <= 3 && app.status.builds() == 1).then_some(h)
        }).await;
        assert_eq!(aged["etag"], first["etag"], "the same rendering while it counts down");
        let later = eventually(Duration::from_secs(15), "a rebuild once the interval passed", || async {
            let (_, h, _) = fetch(&app, "/status").await;
            (app.status.builds() == 2).then_some(h)
        }).await;
        assert_ne!(later["etag"], first["etag"], "a new rendering, a new ETag (it says when it was refreshed)");
    }

    async fn nothing_internal_leaks(backend: Backend) {
        let app = app_with_refresh(backend, "1").await;
        // A request (a key, a requester) and a notice exist.
        let (_, sku) = app.get_json("/api/v1/regions/westus2").await;
        let sku = sku["region"]["skus"][0]["sku"].as_str().unwrap().to_owned();
        let resp = app.as_role(Role::Requester).post(app.url("/api/v1/requests")).json(&json!({
            "kind": "provision", "region": "westus2", "sku": sku, "quantity": 8, "need_by": crate::helpers::need_by(90),
            "service": "payments", "justification": "launch", "priority": "P2",
        })).send().await.unwrap();
        assert_eq!(resp.status(), 201);
        let (status, _) = publish(&app, json!({"kind": "incident", "title": "Slow placement", "regions": ["westus2"], "message": "Investigating."})).await;
        assert_eq!(status, 201);

        let users: Vec<String> = sqlx::query_scalar("SELECT name FROM users").fetch_all(app.db.pool()).await.unwrap();
        assert!(!users.is_empty());
        let (numbers, free) = fleet_numbers(&app).await;
        let numbers: Vec<i64> = numbers.into_iter().filter(|n| *n >= 100).collect();
        assert!(!numbers.is_empty(), "the seeded fleet has numbers to hide");
        let bodies = |app: &TestApp| {
            let app_urls: Vec<String> = PUBLIC.iter().map(|p| app.url(p)).collect();
            let client = app.anonymous.clone();
            async move {
                let mut out = Vec::new();
                for url in app_urls { out.push((url.clone(), client.get(&url).send().await.unwrap().text().await.unwrap())); }
                out
            }
        };
        for (url, body) in bodies(&app).await {
            assert!(!body.contains("CR-"), "{url}: no request keys");
            for u in &users { assert!(!body.contains(u.as_str()), "{url}: no people ({u})"); }
            let shown = if url.ends_with(".json") { body.clone() } else { text_of(&body) };
            for n in &numbers {
                assert!(!shows_number(&shown, &thousands(*n)), "{url}: no unit numbers ({n})");
                assert!(!shows_number(&shown, &n.to_string()), "{url}: no unit numbers ({n})");
            }
            assert!(!body.contains(" free"), "{url}: no free units");
        }
        // The check sees numbers where they would leak.
        assert!(shows_number("12,345 vCPU free", "12,345") && shows_number(r#"{"free":12345}"#, "12345"));
        assert!(!shows_number("2026-11-29T08:16:45.123456Z", "2026") && !shows_number("1234567", "345"));

        // An admin may allow numbers: then the free units appear, as the fleet has them.
        let origin = app::shared::audit::Origin::default();
        app::settings::server::set(&app.db, &origin, "(test)", "status.show_units", "on").await.unwrap();
        let status = eventually(Duration::from_secs(10), "free units once allowed", || async {
            let json = status_json(&app).await;
            json["regions"].as_array().unwrap().iter().any(|r| r.get("free").is_some()).then_some(json)
        }).await;
        let westus2 = status["regions"].as_array().unwrap().iter().find(|r| r["code"] == "westus2").unwrap();
        for entry in westus2["free"].as_array().expect("free units when allowed") {
            let unit = entry["unit"].as_str().unwrap().to_owned();
            assert_eq!(entry["free"].as_i64(), free.get(&("westus2".to_owned(), unit)).copied());
        }
        let (_, _, html) = fetch(&app, "/status").await;
        let shown = free.iter().find(|((r, _), _)| r == "westus2").map(|((_, unit), n)| format!("{} {unit} free", thousands(*n))).unwrap();
        assert!(html.contains(&shown), "{shown} on the page");
    }
}
