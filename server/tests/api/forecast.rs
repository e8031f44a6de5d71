//! The forecast API: a region × SKU whose history grows a steady `k` units a
//! day runs out on the day the line meets its supply — and known demand, a
//! buildout to come and a growth what-if move that day by as much as they
//! should. The expected dates are worked out here from the history the test
//! writes, not read back from the code's own tables.

use leptos::server_fn::ServerFn;
use serde_json::{json, Value};
use time::{Date, Duration};

use crate::both_databases;
use crate::helpers::{assert_error, TestApp};
use app::auth::Role;
use app::fleet::codes::ClusterLifecycle;
use app::fleet::server::ledger;
use app::shared::time::format_day;

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not an integer: {v}"))
}

/// `a / b` rounded up, for `a ≥ 0`, `b > 0`.
fn ceil_div(a: i64, b: i64) -> i64 {
    (a + b - 1) / b
}

/// Days until `used + rate·h` reaches `serviceable`, rounded up.
fn days_to(used: i64, serviceable: i64, rate: i64) -> i64 {
    ceil_div(serviceable - used, rate)
}

/// Rewrites the pair's history: `used − k·d` units in use `d` days before
/// today, for the last 120 days, against today's serviceable units.
async fn steady_history(
    app: &TestApp,
    sku: &str,
    today: Date,
    used: i64,
    serviceable: i64,
    k: i64,
) {
    for back in 0..120 {
        sqlx::query(
            "UPDATE ledger_history SET total = $1, allocated = $2, reserved = 0, out_of_service = 0 \
             WHERE region = 'westus2' AND sku = $3 AND day = $4",
        )
        .bind(serviceable)
        .bind(used - k * back)
        .bind(sku)
        .bind(format_day(today - Duration::days(back)))
        .execute(app.db.pool())
        .await
        .unwrap();
    }
    // A new fleet version: the trends kept for the old one are refitted.
    let (id,): (i64,) = sqlx::query_as(
        "SELECT id FROM clusters WHERE lifecycle = 'in_service' ORDER BY id LIMIT 1",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let mut tx = app.db.begin_write().await.unwrap();
    ledger::set_lifecycle(&app.db, &mut tx, id, ClusterLifecycle::InService, 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn item(app: &TestApp, query: &str) -> Value {
    let (status, body) = app.get_json(&format!("/api/v1/forecast?{query}")).await;
    assert_eq!(status, 200, "{query}: {body}");
    assert_eq!(
        body["items"].as_array().unwrap().len(),
        1,
        "{query}: {body}"
    );
    body["items"][0].clone()
}

both_databases! {
    async fn a_steady_trend_runs_out_where_its_line_meets_supply(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let today = app.db.clock().today();
        app.db.clock().freeze(today.with_hms(12, 0, 0).unwrap().assume_utc());

        // Every pair of the region, soonest to run out first, in the contract's shape.
        let (status, all) = app.get_json("/api/v1/forecast?region=westus2").await;
        assert_eq!(status, 200, "{all}");
        let items = all["items"].as_array().unwrap();
        assert!(items.len() > 1);
        for i in items {
            assert_eq!(i["region"], "westus2");
            assert_eq!(i["method"], "theil-sen");
            for key in ["exhaustion_date", "constrained_date", "critical_date"] {
                assert!(i[key].is_null() || i[key].as_str().is_some_and(|d| d.len() == 10), "{key}: {i}");
            }
        }
        let soonest: Vec<&str> = items.iter().map_while(|i| i["exhaustion_date"].as_str()).collect();
        assert!(soonest.windows(2).all(|w| w[0] <= w[1]), "soonest first: {soonest:?}");

        // Roll-ups: a region × family sums its SKUs' ledgers, so it crosses
        // each line no sooner than its first SKU and no later than its last
        // (a date, or never); the region's roll-up is its soonest family.
        let families = all["by_family"].as_array().unwrap();
        assert!(!families.is_empty(), "{all}");
        let never = "9999-12-31";
        for f in families {
            let of: Vec<&Value> = items.iter().filter(|i| i["family"] == f["family"]).collect();
            assert_eq!(f["region"], "westus2");
            assert_eq!(int(&f["skus"]), of.len() as i64, "{f}");
            assert_eq!(int(&f["used"]), of.iter().map(|i| int(&i["used"])).sum::<i64>(), "{f}");
            assert_eq!(int(&f["serviceable"]), of.iter().map(|i| int(&i["serviceable"])).sum::<i64>(), "{f}");
            for key in ["exhaustion_date", "constrained_date", "critical_date"] {
                let day = |v: &Value| v[key].as_str().unwrap_or(never).to_owned();
                let first = of.iter().map(|i| day(i)).min().unwrap();
                let last = of.iter().map(|i| day(i)).max().unwrap();
                assert!(first <= day(f) && day(f) <= last, "{key}: {f} against {of:?}");
            }
        }
        let regions = all["by_region"].as_array().unwrap();
        assert_eq!(regions.len(), 1, "{all}");
        assert_eq!(regions[0]["region"], "westus2");
        let soonest_family = families.iter().map(|f| f["exhaustion_date"].as_str().unwrap_or(never)).min();
        assert_eq!(regions[0]["exhaustion_date"].as_str().unwrap_or(never), soonest_family.unwrap());

        // A pair with room for ~60 days at a rate its history can hold, and
        // nothing else to come.
        let pick = items.iter().find(|i| {
            let (u, s) = (int(&i["used"]), int(&i["serviceable"]));
            int(&i["supply_to_come"]) == 0 && int(&i["demand_to_come"]) == 0
                && s - u >= 600 && ceil_div(s - u, 60) * 125 <= u
        }).unwrap_or_else(|| panic!("no pair to try in {all}"));
        let sku = pick["sku"].as_str().unwrap().to_owned();
        let (used, serviceable) = (int(&pick["used"]), int(&pick["serviceable"]));
        let k = ceil_div(serviceable - used, 60);
        steady_history(&app, &sku, today, used, serviceable, k).await;

        let base = item(&app, &format!("region=westus2&sku={sku}")).await;
        assert_eq!(base["growth_per_day"].as_f64(), Some(k as f64), "{base}");
        let out = days_to(used, serviceable, k);
        assert_eq!(base["exhaustion_date"], format_day(today + Duration::days(out)), "{base}");
        // Thresholds at the defaults: critical from 90 %, constrained from 75 %.
        let at = |bp: i64| {
            let need = ceil_div(bp * serviceable, 10_000);
            format_day(today + Duration::days(ceil_div((need - used).max(0), k)))
        };
        assert_eq!(base["critical_date"], at(9_000), "{base}");
        assert_eq!(base["constrained_date"], at(7_500), "{base}");

        // Twice the growth: half the days (rounded up).
        let faster = item(&app, &format!("region=westus2&sku={sku}&growth=2")).await;
        assert_eq!(faster["exhaustion_date"], format_day(today + Duration::days(days_to(used, serviceable, 2 * k))));

        // A submitted request of 20 days' growth, needed in 10 days: counted
        // only when pending requests are asked for.
        let quantity = 20 * k;
        let filed: Value = app.as_role(Role::Requester).post(app.url("/api/v1/requests"))
            .json(&json!({"kind": "provision", "region": "westus2", "sku": sku, "quantity": quantity,
                "need_by": format_day(today + Duration::days(10)), "service": "forecast-test",
                "justification": "growth", "priority": "P2"}))
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(filed["state"], "submitted", "{filed}");
        let without = item(&app, &format!("region=westus2&sku={sku}")).await;
        assert_eq!(without["exhaustion_date"], base["exhaustion_date"], "pending requests are off by default");
        let with = item(&app, &format!("region=westus2&sku={sku}&include_pending=true")).await;
        assert_eq!(int(&with["demand_to_come"]), quantity);
        assert_eq!(with["exhaustion_date"], format_day(today + Duration::days(out - 20)), "{with}");
        // An approver's request page says what approving it does — its 20
        // days of growth reserved today — worked out on the server, so the
        // page says it without a script.
        let key = filed["key"].as_str().unwrap();
        let page = app.as_role(Role::Approver).get(app.url(&format!("/requests/{key}")))
            .send().await.unwrap().text().await.unwrap();
        let human = |days: i64| app::forecast::chart::human_day(today + Duration::days(days));
        let critical = ceil_div((ceil_div(9_000 * serviceable, 10_000) - used).max(0), k);
        let expected = format!(
            "Approving this moves westus2 · {sku} exhaustion from {} to {} (critical from {} to {}).",
            human(out), human(out - 20), human(critical), human((critical - 20).max(0))
        );
        assert!(page.contains(&expected), "{expected}");

        // A planned buildout of 30 days' growth lands at its ETA (today: one
        // target, no bake): the pair runs out 30 days later.
        let units = 30 * k;
        let resp = app.as_role(Role::Operator).post(app.url("/api/v1/deployments"))
            .json(&json!({"kind": "buildout", "title": "forecast test", "region": "westus2", "sku": sku,
                "rings": [{"name": "all", "bake_minutes": 0, "targets": [{"zone": 1, "units": units}]}]}))
            .send().await.unwrap();
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        let built = item(&app, &format!("region=westus2&sku={sku}")).await;
        assert_eq!(int(&built["supply_to_come"]), units, "{built}");
        assert_eq!(int(&built["serviceable"]), serviceable, "planned capacity is not in service yet");
        assert_eq!(built["exhaustion_date"], format_day(today + Duration::days(days_to(used, serviceable + units, k))), "{built}");

        // What-ifs: the buildout left out brings the base date back; a
        // hypothetical 10 days' demand in 5 days brings it 10 days forward; a
        // hypothetical buildout of 30 days' growth today, 30 days back.
        let unbuilt = item(&app, &format!("region=westus2&sku={sku}&buildouts=false")).await;
        assert_eq!(unbuilt["exhaustion_date"], base["exhaustion_date"], "{unbuilt}");
        assert_eq!(int(&unbuilt["supply_to_come"]), 0);
        let on = format_day(today + Duration::days(5));
        let demand = item(&app, &format!("region=westus2&sku={sku}&buildouts=false&demand_units={}&demand_on={on}", 10 * k)).await;
        assert_eq!(demand["exhaustion_date"], format_day(today + Duration::days(out - 10)), "{demand}");
        let extra = item(&app, &format!("region=westus2&sku={sku}&buildouts=false&buildout_units={units}")).await;
        assert_eq!(extra["exhaustion_date"], built["exhaustion_date"], "{extra}");

        // The page's server function sends the same inputs, and the browser's
        // projection of them (the same code) gives the API's dates.
        let resp = app.as_role(Role::Viewer)
            .post(app.url(<app::forecast::api::GetForecastInputs as ServerFn>::PATH))
            .form(&[("query", format!("region=westus2&sku={sku}"))])
            .send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let data: app::forecast::api::ForecastPageData = resp.json().await.unwrap();
        assert_eq!(data.inputs.pairs.len(), 1);
        // One region: its families carry the year of history (the region page charts them), its
        // pairs the fitted window; more than one region, the fitted window throughout.
        // A year is 365 daily samples, today's last: the page gets the 90 of the window and every
        // third day of the 275 before it (91 of them; the oldest two days dropped).
        assert_eq!(data.inputs.families[0].history.len(), 90 + 91, "a year, thinned before the window");
        assert_eq!(data.inputs.pairs[0].history.len(), 90, "the 90-day window");
        let resp = app.as_role(Role::Viewer)
            .post(app.url(<app::forecast::api::GetForecastInputs as ServerFn>::PATH))
            .form(&[("query", format!("sku={sku}"))])
            .send().await.unwrap();
        let every: app::forecast::api::ForecastPageData = resp.json().await.unwrap();
        assert!(!every.inputs.pairs.is_empty());
        assert!(every.inputs.pairs.iter().all(|p| p.history.len() == 90), "the 90-day window");
        for query in ["", "include_pending=true", "buildouts=false&growth=2"] {
            let q = app::forecast::types::ForecastQuery::parse(
                query.split('&').filter_map(|p| p.split_once('=')),
            ).unwrap();
            let local = app::forecast::scenario::forecast(&data.inputs, &q);
            let api = item(&app, &format!("region=westus2&sku={sku}&{query}")).await;
            assert_eq!(local.items[0].exhaustion_date.as_deref(), api["exhaustion_date"].as_str(), "{query}");
            assert_eq!(local.items[0].critical_date.as_deref(), api["critical_date"].as_str(), "{query}");
        }
    }

    async fn the_soonest_to_run_out_are_listed_by_date(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let resp = app.as_role(Role::Viewer).post(app.url(<app::forecast::api::GetSoonest as ServerFn>::PATH)).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let items: Vec<app::forecast::types::ForecastItem> = resp.json().await.unwrap();
        assert!(!items.is_empty() && items.len() <= 8, "{items:?}");
        assert!(items.iter().all(|i| i.exhaustion_date.is_some() || i.critical_date.is_some()));
        // The same order as the API's full list.
        let (_, all) = app.get_json("/api/v1/forecast").await;
        let first: Vec<(String, String)> = all["items"].as_array().unwrap().iter()
            .filter(|i| !i["exhaustion_date"].is_null() || !i["critical_date"].is_null())
            .take(items.len())
            .map(|i| (i["region"].as_str().unwrap().to_owned(), i["sku"].as_str().unwrap().to_owned()))
            .collect();
        let got: Vec<(String, String)> = items.iter().map(|i| (i.region.clone(), i.sku.clone())).collect();
        assert_eq!(got, first);
        // The overview page shows them, signed in.
        let page = app.as_role(Role::Viewer).get(app.url("/")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Soonest to run out"), "the overview lists the soonest");
        let row = format!("{} · {}", items[0].region, items[0].sku);
        assert!(page.contains(&row), "{row} on the overview");
    }

    async fn bad_forecast_queries_name_the_field(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        for (query, field) in [
            ("growth=fast", "growth"),
            ("growth=-1", "growth"),
            ("growth=1e9", "growth"),
            ("include_pending=maybe", "include_pending"),
            ("region=West%20US", "region"),
            ("sku=%3Cscript%3E", "sku"),
            ("buildouts=perhaps", "buildouts"),
            ("demand_units=0", "demand_units"),
            ("demand_units=ten", "demand_units"),
            ("buildout_units=5&buildout_on=tomorrow", "buildout_on"),
        ] {
            let (status, body) = app.get_json(&format!("/api/v1/forecast?{query}")).await;
            assert_error(status, &body, 400, "invalid", Some(field));
        }
        // A region with nothing in it is an empty list, not an error.
        let (status, body) = app.get_json("/api/v1/forecast?region=nowhere1").await;
        assert_eq!(status, 200);
        assert_eq!(body["items"], json!([]));
    }
}
