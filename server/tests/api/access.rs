//! Access control: every page, server function, API route and form post,
//! for anonymous callers and every role, against expectations written here
//! from PRODUCT.md "Access" — never read from the rules the server enforces,
//! so a wrong rule fails a test. Each allowed caller gets the exact status the
//! route defines (a 500 fails), each refused one exactly 401, 403 or 303.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::both_databases;
use crate::helpers::{client_with, need_by, TestApp, PASSWORD};
use app::auth::Role::{self, Admin, Approver, Operator, Requester, Viewer};

/// Who may use a route, as PRODUCT.md "Access" says.
#[derive(Debug, Clone, Copy)]
pub enum Who {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user ("any signed-in user may read the fleet, requests and
    /// deployments") but a monitor, which "reads /metrics only".
    SignedIn,
    /// Anyone signed in, a monitor too: signing out.
    AnyUser,
    /// Only holders of this role.
    Only(Role),
}

impl Who {
    pub fn admits(self, role: Role) -> bool {
        match self {
            Who::Public => true,
            Who::SignedIn => role != Role::Monitor,
            Who::AnyUser => true,
            Who::Only(r) => r == role,
        }
    }
}

/// Every page of the app and who may open it.
pub const PAGES: &[(&str, Who)] = &[
    ("/", Who::SignedIn),
    ("/regions/:code", Who::SignedIn),
    ("/clusters", Who::SignedIn),
    ("/clusters/:id", Who::SignedIn),
    // Everyone signed in reads the forecast and tries what-ifs (nothing is stored).
    ("/forecast", Who::SignedIn),
    ("/requests", Who::SignedIn),
    ("/requests/:key", Who::SignedIn),
    // Requesters file.
    ("/requests/new", Who::Only(Requester)),
    // Approvers approve and reject.
    ("/approvals", Who::Only(Approver)),
    // Operators fulfil approved requests.
    ("/fulfilment", Who::Only(Operator)),
    ("/deployments", Who::SignedIn),
    ("/deployments/:key", Who::SignedIn),
    // Operators plan deployments.
    ("/deployments/new", Who::Only(Operator)),
    ("/login", Who::Public),
    // Admins manage users, tokens, settings, policies and notices.
    ("/admin", Who::Only(Admin)),
    ("/admin/users", Who::Only(Admin)),
    ("/admin/tokens", Who::Only(Admin)),
    ("/admin/settings", Who::Only(Admin)),
    ("/admin/notices", Who::Only(Admin)),
    ("/admin/audit", Who::Only(Admin)),
    // Admins import clusters from CSV.
    ("/admin/import", Who::Only(Admin)),
    // Admins manage webhooks.
    ("/admin/webhooks", Who::Only(Admin)),
];

/// Objects the routes under test act on.
pub struct Fixture {
    pub cluster: i64,
    pub draft: String,
    pub token_id: i64,
    pub notice_id: i64,
    pub notice_version: i64,
    /// A planned buildout.
    pub deployment: String,
}

/// Files a request as `requester-user` (a draft unless `submit`).
pub async fn file_request(app: &TestApp, quantity: i64, submit: bool) -> Value {
    file_request_as(app, &app.as_role(Requester), quantity, submit).await
}

/// A westus2 Dv5 request filed by `client` (a requester's), submitted when asked.
pub async fn file_request_as(
    app: &TestApp,
    client: &reqwest::Client,
    quantity: i64,
    submit: bool,
) -> Value {
    let body = json!({"kind": "provision", "region": "westus2", "sku": "Dv5", "quantity": quantity,
        "need_by": need_by(30), "service": "canary-service", "justification": "canary-justification-7f3a",
        "priority": "P2", "draft": !submit});
    let resp = client
        .post(app.url("/api/v1/requests"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

/// A planned buildout of `operator-user`; `start`ed when asked.
pub async fn planned_deployment(app: &TestApp, start: bool) -> Value {
    let body = json!({"kind": "buildout", "title": "canary-deployment-title", "region": "westeurope", "sku": "Dv5",
        "rings": [{"name": "canary", "targets": [{"zone": 1, "units": 100}]}]});
    let resp = app
        .as_role(Operator)
        .post(app.url("/api/v1/deployments"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let d: Value = resp.json().await.unwrap();
    if !start {
        return d;
    }
    let key = d["key"].as_str().unwrap();
    let resp = app
        .as_role(Operator)
        .post(app.url(&format!("/api/v1/deployments/{key}/start")))
        .json(&json!({"version": d["version"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// A request approved by `approver-user`, ready to fulfil.
pub async fn approved_request(app: &TestApp) -> Value {
    let r = file_request(app, 100, true).await;
    let key = r["key"].as_str().unwrap();
    let resp = app
        .as_role(Approver)
        .post(app.url(&format!("/api/v1/requests/{key}/approve")))
        .json(&json!({"version": r["version"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let approved: Value = resp.json().await.unwrap();
    assert_eq!(approved["state"], "approved");
    approved
}

pub async fn fixture(app: &TestApp) -> Fixture {
    let cluster = app.get_json("/api/v1/clusters?limit=1").await.1["items"][0]["id"]
        .as_i64()
        .unwrap();
    let draft = file_request(app, 10, false).await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let o = app::shared::audit::Origin::default();
    let roles = app::auth::Roles::new([Viewer]);
    app::auth::server::users::add(
        &app.db,
        &o,
        "t",
        "throwaway-user",
        Some(PASSWORD.into()),
        &roles,
        false,
    )
    .await
    .unwrap();
    let (token_id, _) = app::auth::server::tokens::create_token(
        &app.db,
        "viewer-user",
        "canary-token-label",
        None,
        None,
        0,
    )
    .await
    .unwrap();
    let notice = app.as_role(Admin).post(app.url("/api/v1/notices"))
        .json(&json!({"kind": "maintenance", "title": "Planned work", "regions": ["westus2"], "message": "soon"}))
        .send().await.unwrap();
    assert_eq!(notice.status(), 201);
    let notice: Value = notice.json().await.unwrap();
    let deployment = planned_deployment(app, false).await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    Fixture {
        deployment,
        cluster,
        draft,
        token_id,
        notice_id: notice["id"].as_i64().unwrap(),
        notice_version: notice["version"].as_i64().unwrap(),
    }
}

/// Leptos' route patterns, with `{x}` spelled `:x`.
pub fn page_patterns() -> BTreeSet<String> {
    leptos_axum::generate_route_list(app::App)
        .iter()
        .map(|r| {
            r.path()
                .split('/')
                .map(
                    |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) => format!(":{name}"),
                        None => s.to_owned(),
                    },
                )
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect()
}

/// A concrete path for a page pattern.
pub fn page_path(pattern: &str, f: &Fixture) -> String {
    let key = if pattern.starts_with("/deployments") {
        &f.deployment
    } else {
        &f.draft
    };
    pattern
        .replace(":code", "westus2")
        .replace(":id", &f.cluster.to_string())
        .replace(":key", key)
}

/// The server functions and who may call them, with arguments that make the
/// call succeed for an allowed caller (`{…}` filled from fresh objects).
const SERVER_FNS: &[(&str, Who, &str)] = &[
    // Used by the layout on every page; over HTTP, like any other API, it needs a signed-in caller.
    ("get_me", Who::SignedIn, ""),
    ("get_fleet_summary", Who::SignedIn, ""),
    ("get_region_detail", Who::SignedIn, "code=westus2"),
    ("get_cluster_detail", Who::SignedIn, "id={cluster}"),
    ("get_cluster_page", Who::SignedIn, "query="),
    ("get_filter_options", Who::SignedIn, ""),
    ("get_region_sku", Who::SignedIn, "region=westus2&sku=Dv5"),
    ("get_import_report", Who::Only(Admin), "token=nothing-kept"),
    // Operators release what an import holds (a fresh hold per call).
    ("release_import_hold", Who::Only(Operator), "id={held_cluster}"),
    ("get_forecast_inputs", Who::SignedIn, "query=region%3Dwestus2"),
    ("get_region_forecast", Who::SignedIn, "code=westus2"),
    ("get_soonest", Who::SignedIn, ""),
    ("get_pair_inputs", Who::SignedIn, "region=westus2&sku=Dv5"),
    ("list_requests_page", Who::SignedIn, "filter[state]=submitted"),
    ("get_request_detail", Who::SignedIn, "key={draft}"),
    ("get_approval_inbox", Who::Only(Approver), ""),
    // The navigation's counts, for the caller's own roles.
    ("get_nav_counts", Who::SignedIn, ""),
    ("get_fulfilment_queue", Who::Only(Operator), ""),
    // The request forms: requesters file and withdraw their own; approvers decide.
    ("file_request", Who::Only(Requester), "kind=provision&region=westus2&sku=Dv5&quantity=10&need_by={need_by}&service=s&justification=j&priority=P2&draft=on"),
    // Without JS: the form reloaded with its headroom; a refused form's justification read back.
    ("show_request_headroom", Who::Only(Requester), "region=westus2&sku=Dv5&quantity=10&justification=j"),
    ("get_request_draft", Who::Only(Requester), "kept=nothing-kept"),
    ("act_on_request", Who::Only(Requester), "key={fresh_draft}&action=cancel&version=1&comment=no+longer+needed"),
    ("comment_on_request", Who::SignedIn, "key={draft}&comment=looks+good"),
    ("decide_requests", Who::Only(Approver), "action=approve&pick[{submitted}]={submitted_version}"),
    ("list_deployments_page", Who::SignedIn, "filter[state]=planned"),
    ("get_deployment_detail", Who::SignedIn, "key={deployment}"),
    ("get_in_flight", Who::SignedIn, "region=westus2"),
    // Operators plan and run deployments.
    ("preview_deployment", Who::Only(Operator), "kind=buildout&region=westeurope&sku=Dv5&rings[0][targets]=1:100"),
    ("plan_from_template", Who::Only(Operator), "template=canary-zone-rest&kind=decommission&all={cluster}"),
    ("create_deployment", Who::Only(Operator), "kind=buildout&title=New+racks&region=westeurope&sku=Dv5&rings[0][name]=canary&rings[0][targets]=1:100"),
    ("act_on_deployment", Who::Only(Operator), "key={fresh_deployment}&action=start&version=1"),
    ("list_users", Who::Only(Admin), ""),
    ("add_user", Who::Only(Admin), "name=new-user&password=a+long+enough+password&viewer=on"),
    ("set_user_roles", Who::Only(Admin), "name=throwaway-user&viewer=on&requester=on"),
    ("disable_user", Who::Only(Admin), "name=throwaway-user"),
    ("list_api_tokens", Who::Only(Admin), ""),
    ("create_api_token", Who::Only(Admin), "user=viewer-user&name=scripted&viewer=on"),
    ("revoke_api_token", Who::Only(Admin), "id={token_id}"),
    ("list_settings", Who::Only(Admin), ""),
    ("update_setting", Who::Only(Admin), "key=status.show_units&value=off"),
    ("update_settings", Who::Only(Admin), "values%5Bstatus.show_units%5D=off"),
    ("list_audit", Who::Only(Admin), "query=actor%3Dadmin-user"),
    // Admins manage webhooks (each call on a fresh subscription to a loopback address).
    ("list_webhooks", Who::Only(Admin), ""),
    ("create_webhook", Who::Only(Admin), "{allow_private}url=http%3A%2F%2F127.0.0.1%3A9%2Fh&events=notice.*&description=d"),
    ("change_webhook", Who::Only(Admin), "id={hook}&version=1&enabled=off"),
    ("rotate_webhook_secret", Who::Only(Admin), "id={hook}&version=1"),
    ("delete_webhook", Who::Only(Admin), "id={hook}"),
    ("send_test_webhook", Who::Only(Admin), "id={hook}"),
    ("replay_webhook_delivery", Who::Only(Admin), "id={hook}&delivery={hook_delivery}"),
    ("list_notices", Who::Only(Admin), ""),
    ("publish_notice", Who::Only(Admin), "kind=maintenance&title=Work&regions=westus2&message=soon"),
    ("update_notice", Who::Only(Admin), "id={notice_id}&version={notice_version}&message=later"),
];

/// The arguments of one call, on fresh objects where the call changes them.
async fn fill(app: &TestApp, template: &str, f: &Fixture) -> String {
    let mut args = template.replace("{need_by}", &need_by(30));
    if args.contains("{fresh_draft}") {
        let r = file_request(app, 10, false).await;
        args = args.replace("{fresh_draft}", r["key"].as_str().unwrap());
    }
    if args.contains("{held_cluster}") {
        // The admin imports the cluster with one more reserved unit: the import holds it.
        let (id,): (i64,) = sqlx::query_as("SELECT id FROM clusters WHERE lifecycle = 'in_service' AND free >= 10 ORDER BY id LIMIT 1")
            .fetch_one(app.db.pool()).await.unwrap();
        let (_, c) = app.get_json(&format!("/api/v1/clusters/{id}")).await;
        let l = &c["ledger"];
        let csv = format!(
            "id,name,region,zone,sku,lifecycle,total,allocated,reserved,out_of_service\n{},{},{},{},{},{},{},{},{},{}\n",
            id, c["name"].as_str().unwrap(), c["region"].as_str().unwrap(), c["zone"], c["sku"].as_str().unwrap(),
            c["lifecycle"].as_str().unwrap(), l["total"], l["allocated"], l["reserved"].as_i64().unwrap() + 1, l["out_of_service"]
        );
        let resp = app
            .as_role(Admin)
            .post(app.url("/api/v1/imports/clusters"))
            .body(csv)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        args = args.replace("{held_cluster}", &id.to_string());
    }
    if args.contains("{allow_private}") || args.contains("{hook}") {
        let (path, _) = webhook_call(app, "POST", "/webhooks/{id}/test").await;
        let id = path.split('/').nth(2).unwrap().to_owned();
        args = args.replace("{allow_private}", "").replace("{hook}", &id);
        if args.contains("{hook_delivery}") {
            let d: Value = app
                .as_role(Admin)
                .post(app.url(&format!("/api/v1/webhooks/{id}/test")))
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            args = args.replace("{hook_delivery}", &d["id"].to_string());
        }
    }
    if args.contains("{fresh_deployment}") {
        let d = planned_deployment(app, false).await;
        args = args.replace("{fresh_deployment}", d["key"].as_str().unwrap());
    }
    if args.contains("{submitted}") {
        let r = file_request(app, 100, true).await;
        args = args
            .replace("{submitted}", r["key"].as_str().unwrap())
            .replace("{submitted_version}", &r["version"].to_string());
    }
    args.replace("{cluster}", &f.cluster.to_string())
        .replace("{draft}", &f.draft)
        .replace("{deployment}", &f.deployment)
        .replace("{token_id}", &f.token_id.to_string())
        .replace("{notice_id}", &f.notice_id.to_string())
        .replace("{notice_version}", &f.notice_version.to_string())
}

/// The name a registered server function path carries (`/api/get_me12345` → `get_me`).
fn server_fn_name(path: &str) -> &str {
    path.trim_start_matches("/api/")
        .trim_end_matches(|c: char| c.is_ascii_digit())
}

/// A cross-site refusal says so, and carries nothing else.
async fn assert_cross_site_refusal(resp: reqwest::Response) {
    let body: Value = resp.json().await.expect("a JSON error body");
    assert_eq!(body["error"]["code"], "forbidden", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cross-site"),
        "{body}"
    );
}

/// Cross-site markers: `Origin` alone, `Sec-Fetch-Site` alone, and both.
const CROSS_SITE: &[&[(&str, &str)]] = &[
    &[("origin", "https://evil.example")],
    &[("sec-fetch-site", "cross-site")],
    &[
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ],
    &[("origin", "null")],
    &[("sec-fetch-site", "same-site")],
];

fn with_headers(
    mut req: reqwest::RequestBuilder,
    headers: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req
}

both_databases! {
    async fn every_page_answers_as_the_product_says(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let f = fixture(&app).await;
        let listed: BTreeSet<String> = PAGES.iter().map(|(p, _)| (*p).to_owned()).collect();
        assert_eq!(page_patterns(), listed, "every page has an expectation here, and no more");
        for (pattern, who) in PAGES {
            let path = page_path(pattern, &f);
            let resp = app.anonymous.get(app.url(&path)).send().await.unwrap();
            if matches!(who, Who::Public) {
                assert_eq!(resp.status(), 200, "anonymous {path}");
            } else {
                assert_eq!(resp.status(), 303, "anonymous {path}");
                let to = resp.headers()["location"].to_str().unwrap();
                assert!(to.starts_with("/login?next="), "{path} → {to}");
            }
            for role in Role::ALL {
                let status = app.as_role(role).get(app.url(&path)).send().await.unwrap().status();
                let want = if who.admits(role) { 200 } else { 403 };
                assert_eq!(status, want, "{role} {path}");
            }
        }
        // The CSV exports and the API docs page are routes beside the pages, with rules of their own.
        for (path, who) in [("/clusters.csv?region=westus2", Who::SignedIn), ("/admin/audit.csv", Who::Only(Admin)), ("/api/docs", Who::SignedIn)] {
            let resp = app.anonymous.get(app.url(path)).send().await.unwrap();
            assert_eq!(resp.status(), 303, "anonymous {path}");
            for role in Role::ALL {
                let resp = app.as_role(role).get(app.url(path)).send().await.unwrap();
                let want = if who.admits(role) { 200 } else { 403 };
                assert_eq!(resp.status(), want, "{role} {path}");
            }
        }
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied'").fetch_one(app.db.pool()).await.unwrap();
        assert!(n > 0, "refusals are audited");
    }

    async fn every_server_function_answers_as_the_product_says(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let f = fixture(&app).await;
        let registered: Vec<String> = leptos::server_fn::axum::server_fn_paths().map(|(p, _)| p.to_owned()).collect();
        let names: BTreeSet<&str> = registered.iter().map(|p| server_fn_name(p)).collect();
        let listed: BTreeSet<&str> = SERVER_FNS.iter().map(|(n, _, _)| *n).collect();
        assert_eq!(names, listed, "every server function has an expectation here, and no more");
        for path in &registered {
            let (_, who, args) = SERVER_FNS.iter().find(|(n, _, _)| *n == server_fn_name(path)).unwrap();
            let call = |c: &reqwest::Client, body: String| c.post(app.url(path)).header("content-type", "application/x-www-form-urlencoded").body(body);
            let resp = call(&app.anonymous, fill(&app, args, &f).await).send().await.unwrap();
            assert_eq!(resp.status(), 401, "anonymous {path}");
            for role in Role::ALL {
                let resp = call(&app.as_role(role), fill(&app, args, &f).await).send().await.unwrap();
                let status = resp.status().as_u16();
                let text = resp.text().await.unwrap();
                let want = if who.admits(role) { 200 } else { 403 };
                assert_eq!(status, want, "{role} {path}: {text}");
            }
            // Cross-site, by a caller the function admits (so only the
            // cross-site check can refuse it).
            let admitted = Role::ALL.into_iter().find(|r| who.admits(*r)).unwrap();
            for headers in CROSS_SITE {
                let req = call(&app.as_role(admitted), fill(&app, args, &f).await);
                let resp = with_headers(req, headers).send().await.unwrap();
                assert_eq!(resp.status(), 403, "cross-site {headers:?} {path}");
                assert_cross_site_refusal(resp).await;
            }
        }
        // The role boxes the admin's calls ticked are the roles stored.
        for (user, want) in [("new-user", "viewer"), ("throwaway-user", "viewer,requester")] {
            let (roles,): (String,) = sqlx::query_as("SELECT roles FROM users WHERE name = $1").bind(user).fetch_one(app.db.pool()).await.unwrap();
            assert_eq!(roles, want, "{user}");
        }
        let (roles,): (Option<String>,) = sqlx::query_as("SELECT roles FROM api_tokens WHERE name = 'scripted'").fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(roles.as_deref(), Some("viewer"), "the token narrowed to the boxes ticked");
    }

    async fn every_api_route_answers_as_the_product_says(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let f = fixture(&app).await;
        // (method, route, who, status for an allowed caller)
        let table: &[(&str, &str, Who, u16)] = &[
            ("GET", "/fleet/summary", Who::SignedIn, 200),
            ("GET", "/regions", Who::SignedIn, 200),
            ("GET", "/regions/{code}", Who::SignedIn, 200),
            ("GET", "/clusters", Who::SignedIn, 200),
            ("GET", "/clusters/{id}", Who::SignedIn, 200),
            // Operators release what an import holds: the fixture's cluster holds nothing (409).
            ("POST", "/clusters/{id}/import-hold/release", Who::Only(Operator), 409),
            // Admins import clusters from CSV.
            ("POST", "/imports/clusters", Who::Only(Admin), 200),
            ("GET", "/forecast", Who::SignedIn, 200),
            ("POST", "/requests", Who::Only(Requester), 201),
            ("GET", "/requests", Who::SignedIn, 200),
            ("GET", "/requests/{key}", Who::SignedIn, 200),
            ("PATCH", "/requests/{key}", Who::Only(Requester), 200),
            ("POST", "/requests/{key}/comments", Who::SignedIn, 200),
            ("POST", "/requests/{key}/submit", Who::Only(Requester), 200),
            ("POST", "/requests/{key}/cancel", Who::Only(Requester), 200),
            ("POST", "/requests/{key}/approve", Who::Only(Approver), 200),
            ("POST", "/requests/{key}/reject", Who::Only(Approver), 200),
            ("POST", "/requests/{key}/fulfill", Who::Only(Operator), 200),
            ("GET", "/notices", Who::SignedIn, 200),
            ("POST", "/notices", Who::Only(Admin), 201),
            ("POST", "/notices/{id}/updates", Who::Only(Admin), 200),
            ("GET", "/deployments", Who::SignedIn, 200),
            ("POST", "/deployments", Who::Only(Operator), 201),
            ("GET", "/deployments/{key}", Who::SignedIn, 200),
            ("PATCH", "/deployments/{key}", Who::Only(Operator), 200),
            ("POST", "/deployments/{key}/start", Who::Only(Operator), 200),
            ("POST", "/deployments/{key}/targets/{id}", Who::Only(Operator), 200),
            // Admins manage webhooks (each call on a fresh subscription).
            ("GET", "/webhooks", Who::Only(Admin), 200),
            ("POST", "/webhooks", Who::Only(Admin), 201),
            ("GET", "/webhooks/{id}", Who::Only(Admin), 200),
            ("PATCH", "/webhooks/{id}", Who::Only(Admin), 200),
            ("DELETE", "/webhooks/{id}", Who::Only(Admin), 204),
            ("POST", "/webhooks/{id}/rotate", Who::Only(Admin), 200),
            ("POST", "/webhooks/{id}/test", Who::Only(Admin), 201),
            ("GET", "/webhooks/{id}/deliveries", Who::Only(Admin), 200),
            ("POST", "/webhooks/{id}/deliveries/{delivery}/replay", Who::Only(Admin), 201),
            // The OpenAPI document: any signed-in reader.
            ("GET", "/openapi.json", Who::SignedIn, 200),
        ];
        let served: BTreeSet<(String, String)> = server::api::api_routes().iter()
            .map(|(r, _)| (r.method.to_string(), r.path.replace("{action}", "*"))).collect();
        let expected: BTreeSet<(String, String)> = table.iter()
            .map(|(m, p, _, _)| {
                let p = ["submit", "cancel", "approve", "reject", "fulfill", "start"].iter().fold(p.to_string(), |p, a| p.replace(&format!("/{a}"), "/*"));
                (m.to_string(), p)
            }).collect();
        assert_eq!(served, expected, "every API route has an expectation here, and no more");
        for (method, route, who, ok) in table {
            for caller in std::iter::once(None).chain(Role::ALL.map(Some)) {
                // A fresh object per call: a success changes it.
                let (path, body) = api_call(&app, &f, method, route).await;
                let client = caller.map_or(app.anonymous.clone(), |r| app.as_role(r));
                let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
                let resp = client.request(method.clone(), app.url(&format!("/api/v1{path}"))).json(&body).send().await.unwrap();
                let status = resp.status().as_u16();
                let text = resp.text().await.unwrap();
                let want = match caller {
                    None => 401,
                    Some(role) if who.admits(role) => *ok,
                    Some(_) => 403,
                };
                assert_eq!(status, want, "{caller:?} {method} {path}: {text}");
                // Cross-site writes by an admitted caller: refused by the cross-site check alone.
                if method != reqwest::Method::GET && caller.is_some_and(|r| who.admits(r)) && caller == Role::ALL.into_iter().find(|r| who.admits(*r)) {
                    for headers in CROSS_SITE {
                        let (path, body) = api_call(&app, &f, method.as_str(), route).await;
                        let req = client.request(method.clone(), app.url(&format!("/api/v1{path}"))).json(&body);
                        let resp = with_headers(req, headers).send().await.unwrap();
                        assert_eq!(resp.status(), 403, "cross-site {headers:?} {method} {path}");
                        assert_cross_site_refusal(resp).await;
                    }
                }
            }
        }
        // Routes outside the list: 401 anonymous, 404 signed in; a bad token is refused.
        assert_eq!(app.anonymous.get(app.url("/api/v1/nothing")).send().await.unwrap().status(), 401);
        assert_eq!(app.get("/api/v1/nothing").await.status(), 404);
        let bad = client_with(Some("hr_not-a-real-token"));
        assert_eq!(bad.get(app.url("/api/v1/regions")).send().await.unwrap().status(), 401);
    }

    async fn objects_outside_the_callers_scope_are_refused(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let other = crate::helpers::user_with_token(&app, "requester-two", &[Requester]).await;
        let both = crate::helpers::user_with_token(&app, "files-and-approves", &[Requester, Approver]).await;
        let draft = file_request(&app, 10, false).await;
        let key = draft["key"].as_str().unwrap();
        for action in ["submit", "cancel"] {
            let resp = other.post(app.url(&format!("/api/v1/requests/{key}/{action}"))).json(&json!({"version": 1})).send().await.unwrap();
            assert_eq!(resp.status(), 403, "another requester may not {action} {key}");
        }
        let mut edit = draft.clone();
        edit["quantity"] = json!(20);
        let resp = other.patch(app.url(&format!("/api/v1/requests/{key}"))).json(&edit).send().await.unwrap();
        assert_eq!(resp.status(), 403, "another requester may not edit {key}");
        // Nobody approves their own request, even holding both roles; the refusal is audited.
        let own: Value = both.post(app.url("/api/v1/requests")).json(&json!({"kind": "provision", "region": "westus2", "sku": "Dv5",
            "quantity": 100, "need_by": need_by(30), "service": "s", "justification": "j", "priority": "P2"})).send().await.unwrap().json().await.unwrap();
        let own_key = own["key"].as_str().unwrap();
        let resp = both.post(app.url(&format!("/api/v1/requests/{own_key}/approve"))).json(&json!({"version": own["version"]})).send().await.unwrap();
        assert_eq!(resp.status(), 403);
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied' AND actor = 'files-and-approves' AND object LIKE $1")
            .bind(format!("%/requests/{own_key}/approve")).fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(n, 1, "a self-approval is recorded like any 403");
        // A decision the caller's roles do not allow (a requester approving, an
        // approver fulfilling) is refused inside the workflow and recorded too.
        let submitted = file_request(&app, 100, true).await;
        let key = submitted["key"].as_str().unwrap();
        for (caller, name, action) in [(&other, "requester-two", "approve"), (&app.as_role(Approver), "approver-user", "fulfill")] {
            let resp = caller.post(app.url(&format!("/api/v1/requests/{key}/{action}"))).json(&json!({"version": submitted["version"]})).send().await.unwrap();
            assert_eq!(resp.status(), 403, "{name} may not {action}");
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied' AND actor = $1 AND object LIKE $2")
                .bind(name).bind(format!("%/requests/{key}/{action}")).fetch_one(app.db.pool()).await.unwrap();
            assert_eq!(n, 1, "{name}'s {action} is recorded like any 403");
        }
        let after: Value = app.get_json(&format!("/api/v1/requests/{key}")).await.1;
        assert_eq!(after["state"], "submitted", "nothing changed");
        assert_eq!(after["version"], submitted["version"]);
    }

    async fn every_form_post_answers_as_the_product_says(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        // (route, who, anonymous status, allowed status)
        // The request forms are server functions (above); these two are plain form posts.
        let forms: &[(&str, Who, u16, u16)] = &[
            ("/login", Who::Public, 303, 303),
            ("/logout", Who::AnyUser, 401, 303),
        ];
        for (route, who, anonymous, ok) in forms {
            for caller in std::iter::once(None).chain(Role::ALL.map(Some)) {
                let (path, body) = form_call(route, caller);
                let client = caller.map_or(app.anonymous.clone(), |r| app.as_role(r));
                let resp = client.post(app.url(&path)).form(&body).send().await.unwrap();
                let status = resp.status().as_u16();
                let location = resp.headers().get("location").map(|l| l.to_str().unwrap().to_owned()).unwrap_or_default();
                let want = match caller {
                    None => *anonymous,
                    Some(role) if who.admits(role) => *ok,
                    Some(_) => 403,
                };
                assert_eq!(status, want, "{caller:?} POST {path} → {location}");
                if status == 303 && *route != "/logout" {
                    assert!(!location.contains("error="), "{caller:?} POST {path} succeeds: {location}");
                }
            }
            for headers in CROSS_SITE {
                let role = match who { Who::Only(r) => *r, _ => Viewer };
                let (path, body) = form_call(route, Some(role));
                let req = with_headers(app.as_role(role).post(app.url(&path)).form(&body), headers);
                assert_eq!(req.send().await.unwrap().status(), 403, "cross-site {headers:?} POST {path}");
            }
            // The same post from this site's own page passes.
            let role = match who { Who::Only(r) => *r, _ => Viewer };
            let (path, body) = form_call(route, Some(role));
            let host = app.address.trim_start_matches("http://").to_owned();
            let same = app.as_role(role).post(app.url(&path)).form(&body)
                .header("origin", format!("http://{host}")).header("sec-fetch-site", "same-origin");
            assert_eq!(same.send().await.unwrap().status().as_u16(), *ok, "same-origin POST {path}");
        }
    }

    async fn public_routes_need_no_sign_in(backend: Backend) {
        let app = TestApp::empty(backend).await;
        for path in ["/login", "/healthz", "/readyz", "/status", "/status.json", "/status/feed.atom"] {
            let status = app.anonymous.get(app.url(path)).send().await.unwrap().status();
            assert_eq!(status, 200, "{path}");
        }
        let resp = app.anonymous.get(app.url("/clusters.csv")).send().await.unwrap();
        assert_eq!(resp.status(), 303);
        // Unknown files under a public prefix are a plain 404, never a rendered page.
        for path in ["/pkg/nothing.js", "/status/nothing"] {
            let resp = app.anonymous.get(app.url(path)).send().await.unwrap();
            assert_eq!(resp.status(), 404, "{path}");
            assert!(!resp.text().await.unwrap().contains("<html"), "{path} is not rendered by the app");
        }
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
        let o = app::shared::audit::Origin::default();
        let both = app::auth::Roles::new([Admin, Viewer]);
        app::auth::server::users::add(&app.db, &o, "t", "both", Some("long enough pass".into()), &both, false).await.unwrap();
        let narrow = app::auth::Roles::new([Viewer]);
        let (id, token) = app::auth::server::tokens::create_token(&app.db, "both", "ro", Some(narrow), None, 0).await.unwrap();
        let c = client_with(Some(&token));
        assert_eq!(c.get(app.url("/admin/users")).send().await.unwrap().status(), 403, "narrowed token is not admin");
        assert_eq!(c.get(app.url("/clusters")).send().await.unwrap().status(), 200);
        let wider = app::auth::Roles::new([Operator]);
        assert!(app::auth::server::tokens::create_token(&app.db, "both", "x", Some(wider), None, 0).await.is_err(), "never wider than the user");
        app::auth::server::store::revoke_token(app.db.pool(), id).await.unwrap();
        assert_eq!(c.get(app.url("/api/v1/regions")).send().await.unwrap().status(), 401);
        // Stored hashed: the token text is nowhere in the database.
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1").bind(&token).fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(n, 0);
    }

    async fn tokens_expire_and_record_their_use(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let start = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        app.db.clock().freeze(start);
        let now = start.unix_timestamp();
        let count = || async {
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM api_tokens").fetch_one(app.db.pool()).await.unwrap();
            n
        };
        let before = count().await;
        for days in [0, -1, 3_651] {
            let err = app::auth::server::tokens::create_token(&app.db, "viewer-user", "bad", None, Some(days), now).await.unwrap_err();
            assert_eq!(err.field(), Some("expires_in_days"), "{days}: {err}");
        }
        assert_eq!(count().await, before, "nothing written");

        let (id, token) = app::auth::server::tokens::create_token(&app.db, "viewer-user", "two-day", None, Some(2), now).await.unwrap();
        let last_used = || async {
            let (at,): (Option<i64>,) = sqlx::query_as("SELECT last_used_at FROM api_tokens WHERE id = $1").bind(id).fetch_one(app.db.pool()).await.unwrap();
            at
        };
        assert_eq!(last_used().await, None, "never used yet");
        let c = client_with(Some(&token));
        assert_eq!(c.get(app.url("/api/v1/regions")).send().await.unwrap().status(), 200);
        assert_eq!(last_used().await, Some(now), "its use is recorded");
        // Within the minute, another use is not another write.
        app.db.clock().freeze(start + time::Duration::seconds(30));
        assert_eq!(c.get(app.url("/api/v1/regions")).send().await.unwrap().status(), 200);
        assert_eq!(last_used().await, Some(now));
        app.db.clock().freeze(start + time::Duration::seconds(90));
        assert_eq!(c.get(app.url("/api/v1/regions")).send().await.unwrap().status(), 200);
        assert_eq!(last_used().await, Some(now + 90));

        // Requests arriving together record the use once, not once each: on
        // SQLite each record takes the one write lock (96 inbox requests on a
        // new token once queued behind 96 writes for over 20 s). A trigger
        // counts the writes.
        let counter: &[&str] = match backend {
            crate::helpers::Backend::Sqlite => &[
                "CREATE TABLE token_touches (at BIGINT)",
                "CREATE TRIGGER count_touches AFTER UPDATE OF last_used_at ON api_tokens \
                 BEGIN INSERT INTO token_touches VALUES (NEW.last_used_at); END",
            ],
            crate::helpers::Backend::Postgres => &[
                "CREATE TABLE token_touches (at BIGINT)",
                "CREATE FUNCTION count_touches() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN INSERT INTO token_touches VALUES (NEW.last_used_at); RETURN NEW; END $$",
                "CREATE TRIGGER count_touches AFTER UPDATE OF last_used_at ON api_tokens FOR EACH ROW \
                 EXECUTE FUNCTION count_touches()",
            ],
        };
        for sql in counter {
            sqlx::query(sql).execute(app.db.pool()).await.unwrap();
        }
        app.db.clock().freeze(start + time::Duration::seconds(180));
        let together = futures::future::join_all((0..24).map(|_| c.get(app.url("/api/v1/regions")).send())).await;
        assert!(together.iter().all(|r| r.as_ref().is_ok_and(|r| r.status() == 200)));
        let (touches,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM token_touches").fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(touches, 1, "24 requests at once, one record of the use");
        assert_eq!(last_used().await, Some(now + 180));

        // The admin page lists when it expires and when it was last used.
        let page = app.as_role(Admin).get(app.url("/admin/tokens")).send().await.unwrap().text().await.unwrap();
        let expires = app::shared::time::timestamp(&app::shared::time::rfc3339(start + time::Duration::days(2)));
        let used = app::shared::time::timestamp(&app::shared::time::rfc3339(start + time::Duration::seconds(180)));
        let row = &page[page.find("two-day").expect("the token is listed")..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains(&expires) && row.contains(&used), "{row}");

        // Two days on, it acts for nobody.
        app.db.clock().freeze(start + time::Duration::days(2));
        let resp = c.get(app.url("/api/v1/regions")).send().await.unwrap();
        assert_eq!(resp.status(), 401, "expired");
        let page = app.as_role(Admin).get(app.url("/admin/tokens")).send().await.unwrap().text().await.unwrap();
        let row = &page[page.find("two-day").unwrap()..];
        assert!(row[..row.find("</tr>").unwrap()].contains("expired"));
    }
}

/// The path and JSON body of one call to a webhook route, on a fresh
/// subscription (to a loopback address: private ones are allowed here).
async fn webhook_call(app: &TestApp, method: &str, route: &str) -> (String, Value) {
    if !app::settings::server::current(&app.db)
        .await
        .unwrap()
        .webhooks_allow_private
    {
        app::settings::server::set(
            &app.db,
            &app::shared::audit::Origin::default(),
            "t",
            "webhooks.allow_private",
            "on",
        )
        .await
        .unwrap();
    }
    let hook = json!({"url": "http://127.0.0.1:9/hook", "events": ["notice.*"]});
    if route == "/webhooks" {
        return (
            route.into(),
            if method == "POST" { hook } else { json!({}) },
        );
    }
    let admin = app.as_role(Admin);
    let made: Value = admin
        .post(app.url("/api/v1/webhooks"))
        .json(&hook)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = made["subscription"]["id"].as_i64().unwrap();
    let mut path = route.replace("{id}", &id.to_string());
    if route.contains("{delivery}") {
        let d: Value = admin
            .post(app.url(&format!("/api/v1/webhooks/{id}/test")))
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        path = path.replace("{delivery}", &d["id"].as_i64().unwrap().to_string());
    }
    let body = match (method, route) {
        ("PATCH", _) => json!({"version": 1, "description": "changed"}),
        (_, "/webhooks/{id}/rotate") => json!({"version": 1}),
        _ => json!({}),
    };
    (path, body)
}

/// The path and JSON body of one call to an API route, on fresh objects.
async fn api_call(app: &TestApp, f: &Fixture, method: &str, route: &str) -> (String, Value) {
    if route.starts_with("/webhooks") {
        return webhook_call(app, method, route).await;
    }
    let request_body = json!({"kind": "provision", "region": "westus2", "sku": "Dv5", "quantity": 10,
        "need_by": need_by(30), "service": "s", "justification": "j", "priority": "P2"});
    let mut target = 0;
    let (key, version) = match route {
        "/requests/{key}/approve" | "/requests/{key}/reject" => {
            let r = file_request(app, 100, true).await;
            (
                r["key"].as_str().unwrap().to_owned(),
                r["version"].as_i64().unwrap(),
            )
        }
        "/requests/{key}/fulfill" => {
            let r = approved_request(app).await;
            (
                r["key"].as_str().unwrap().to_owned(),
                r["version"].as_i64().unwrap(),
            )
        }
        r if r.starts_with("/requests/{key}") && method != "GET" => {
            let r = file_request(app, 10, false).await;
            (r["key"].as_str().unwrap().to_owned(), 1)
        }
        r if r.starts_with("/deployments/{key}") && method != "GET" => {
            let d = planned_deployment(app, r.ends_with("/targets/{id}")).await;
            target = d["rings"][0]["targets"][0]["id"].as_i64().unwrap();
            (
                d["key"].as_str().unwrap().to_owned(),
                d["version"].as_i64().unwrap(),
            )
        }
        r if r.starts_with("/deployments/{key}") => (f.deployment.clone(), 1),
        _ => (f.draft.clone(), 1),
    };
    let (notice, notice_version) = if route == "/notices/{id}/updates" {
        let n: Value = app
            .as_role(Admin)
            .post(app.url("/api/v1/notices"))
            .json(
                &json!({"kind": "incident", "title": "T", "regions": ["westus2"], "message": "m"}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (n["id"].as_i64().unwrap(), n["version"].as_i64().unwrap())
    } else {
        (f.notice_id, f.notice_version)
    };
    let path = route
        .replace("{code}", "westus2")
        .replace("{key}", &key)
        .replace(
            "{id}",
            &if route.starts_with("/notices") {
                notice.to_string()
            } else if route.starts_with("/deployments") {
                target.to_string()
            } else {
                f.cluster.to_string()
            },
        );
    // An admin's import of this body (not CSV) as a dry run: 200 with the refusal listed.
    let path = if route == "/imports/clusters" {
        format!("{path}?dry_run=true")
    } else {
        path
    };
    let body = match (method, route) {
        ("POST", "/requests") => request_body,
        ("POST", "/deployments") => {
            json!({"kind": "buildout", "title": "T", "region": "westeurope", "sku": "Dv5",
            "rings": [{"targets": [{"zone": 2, "units": 50}]}]})
        }
        ("PATCH", "/deployments/{key}") => {
            json!({"version": version, "rings": [{"targets": [{"zone": 3, "units": 60}]}]})
        }
        (_, "/deployments/{key}/targets/{id}") => {
            json!({"state": "in_progress", "progress": 10, "message": "m", "version": version})
        }
        ("PATCH", _) => {
            let mut b = request_body;
            b["quantity"] = json!(12);
            b["version"] = json!(version);
            b
        }
        (_, "/requests/{key}/comments") => json!({"comment": "a comment"}),
        ("POST", "/notices") => {
            json!({"kind": "maintenance", "title": "T", "regions": ["westus2"], "message": "m"})
        }
        (_, "/notices/{id}/updates") => json!({"version": notice_version, "message": "update"}),
        ("POST", _) => json!({"version": version, "comment": "because"}),
        _ => json!({}),
    };
    (path, body)
}

/// The path and form fields of one form post.
fn form_call(route: &str, caller: Option<Role>) -> (String, Vec<(String, String)>) {
    let fields = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    match route {
        "/login" => {
            let name = caller.map_or("viewer-user".to_owned(), |r| format!("{r}-user"));
            (
                "/login".into(),
                fields(&[("name", &name), ("password", PASSWORD), ("next", "/")]),
            )
        }
        "/logout" => ("/logout".into(), vec![]),
        other => panic!("no form {other}"),
    }
}
