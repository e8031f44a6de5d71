//! The OpenAPI document (`/api/v1/openapi.json`) and its page (`/api/docs`):
//! who may read them, that the document lists exactly the routes the router
//! serves, that it says what PRODUCT.md "The contract" says, and that the page
//! needs nothing from outside Headroom. (Every other API test's answers are
//! checked against the document too: `contract.rs`.)

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::both_databases;
use crate::contract;
use crate::helpers::{assert_error, TestApp};
use app::auth::Role;

async fn document(app: &TestApp) -> Value {
    let resp = app.get("/api/v1/openapi.json").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    resp.json().await.unwrap()
}

/// The names a schema (or the object it refers to) requires.
fn required(doc: &Value, name: &str) -> BTreeSet<String> {
    doc["components"]["schemas"][name]["required"]
        .as_array()
        .unwrap_or_else(|| {
            panic!(
                "{name} has required fields: {}",
                doc["components"]["schemas"][name]
            )
        })
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// Asserts that the schema `name` requires (at least) `names`.
fn assert_requires(doc: &Value, name: &str, names: &[&str]) {
    let missing: Vec<&&str> = names
        .iter()
        .filter(|n| !required(doc, name).contains(**n))
        .collect();
    assert!(
        missing.is_empty(),
        "{name} requires {missing:?}: {}",
        doc["components"]["schemas"][name]
    );
}

both_databases! {
    async fn only_signed_in_readers_get_the_document(backend: Backend) {
        let app = TestApp::empty(backend).await;
        let resp = app.anonymous.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
        let status = resp.status().as_u16();
        assert_error(status, &resp.json().await.unwrap(), 401, "unauthenticated", None);
        let resp = app.as_role(Role::Monitor).get(app.url("/api/v1/openapi.json")).send().await.unwrap();
        assert_eq!(resp.status(), 403, "a monitor reads /metrics only");
        for role in [Role::Viewer, Role::Requester, Role::Approver, Role::Operator, Role::Admin] {
            let resp = app.as_role(role).get(app.url("/api/v1/openapi.json")).send().await.unwrap();
            assert_eq!(resp.status(), 200, "{role}");
        }
    }

    async fn the_document_lists_exactly_the_routes_the_router_serves(backend: Backend) {
        let app = TestApp::empty(backend).await;
        let doc = document(&app).await;
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(doc["servers"], json!([{"url": "/api/v1"}]));
        let mut listed = BTreeSet::new();
        let mut operation_ids = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                listed.insert((method.to_uppercase(), path.clone()));
                let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has an operationId"));
                assert!(operation_ids.insert(id.to_owned()), "operationId {id} is used twice");
                let responses = op["responses"].as_object().unwrap();
                let success: Vec<&String> = responses.keys().filter(|s| s.starts_with('2')).collect();
                // An import answers 200 for a dry run and 201 when it imported; every other route one success.
                let successes = if path == "/imports/clusters" { 2 } else { 1 };
                assert_eq!(success.len(), successes, "{method} {path}: its success answers");
                if method == "delete" {
                    // A removal answers 204, with nothing to say.
                    assert_eq!(success[0], "204", "{method} {path}");
                    assert!(responses["204"]["content"].is_null(), "{method} {path}: no body");
                } else {
                    assert!(responses[success[0]]["content"]["application/json"]["schema"].is_object(), "{method} {path}: its body");
                }
                for error in ["400", "401", "403", "404", "409", "422", "429", "503"] {
                    assert_eq!(
                        responses[error]["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {path} answers {error} in the error shape"
                    );
                }
                // Every parameter in the path template is described.
                for name in path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')) {
                    let described = op["parameters"].as_array().into_iter().flatten()
                        .any(|p| p["name"] == name && p["in"] == "path" && p["required"] == true);
                    assert!(described, "{method} {path}: path parameter {name}");
                }
                match (method.as_str(), path.as_str()) {
                    ("get", _) => {}
                    // The import's body is the CSV file itself.
                    (_, "/imports/clusters") => assert!(op["requestBody"]["content"]["text/csv"]["schema"].is_object(), "{method} {path}: its CSV body"),
                    // Releasing an import's hold takes no body: the cluster is in the path.
                    // These take no body either: what they act on is in the path.
                    ("delete", _) | (_, "/clusters/{id}/import-hold/release" | "/webhooks/{id}/test" | "/webhooks/{id}/deliveries/{delivery}/replay") => {
                        assert!(op["requestBody"].is_null(), "{method} {path}: no body")
                    }
                    _ => assert!(op["requestBody"]["content"]["application/json"]["schema"].is_object(), "{method} {path}: its request body"),
                }
            }
        }
        let served: BTreeSet<(String, String)> = server::api::api_routes()
            .iter()
            .map(|(r, _)| (r.method.to_string(), r.path.to_owned()))
            .collect();
        assert_eq!(listed, served, "the document lists every route under /api/v1, and no other");
        assert!(served.contains(&("GET".to_owned(), "/openapi.json".to_owned())));
    }

    async fn the_document_says_what_the_contract_says(backend: Backend) {
        let app = TestApp::empty(backend).await;
        let doc = document(&app).await;
        // Signing in: a bearer token or the browser's session; every operation asks for one.
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes["bearer"]["type"], "http");
        assert_eq!(schemes["bearer"]["scheme"], "bearer");
        assert_eq!(schemes["session"]["type"], "apiKey");
        assert_eq!(schemes["session"]["in"], "cookie");
        assert_eq!(doc["security"], json!([{"bearer": []}, {"session": []}]));
        // A cluster and its ledger, as PRODUCT.md spells them.
        assert_eq!(
            required(&doc, "Cluster"),
            set(&["id", "name", "region", "zone", "sku", "family", "lifecycle", "ledger", "utilization", "health"])
        );
        assert_eq!(required(&doc, "Ledger"), set(&["total", "allocated", "reserved", "out_of_service", "free"]));
        assert_eq!(doc["components"]["schemas"]["Health"]["enum"], json!(["healthy", "constrained", "critical"]));
        // A request carries its key, state and version; a deployment its plan.
        assert_requires(&doc, "CapacityRequest", &["key", "state", "version"]);
        assert_requires(&doc, "Deployment", &[
            "key", "kind", "title", "state", "version", "region", "sku", "requests", "rings"
        ]);
        assert_requires(&doc, "Ring", &["name", "state", "bake_minutes", "bake_ends_at", "targets"]);
        assert_requires(&doc, "Target", &["id", "cluster_id", "zone", "units", "state", "progress", "message"]);
        assert_eq!(doc["components"]["schemas"]["DeploymentKind"]["enum"], json!(["buildout", "decommission", "rollout"]));
        assert_eq!(doc["components"]["schemas"]["RequestKind"]["enum"], json!(["provision", "deprovision"]));
        assert_requires(&doc, "ForecastItem", &[
            "region", "sku", "exhaustion_date", "constrained_date", "critical_date", "method"
        ]);
        // Lists are {"items", "next_cursor"}, and `limit` is 1–500.
        let clusters = &doc["paths"]["/clusters"]["get"];
        let ok = &clusters["responses"]["200"]["content"]["application/json"]["schema"]["$ref"];
        let page = ok.as_str().and_then(|r| r.strip_prefix("#/components/schemas/")).unwrap_or_else(|| panic!("{ok}"));
        assert_eq!(required(&doc, page), set(&["items", "next_cursor"]));
        // Its items are clusters (the generic's argument is written out in place).
        let items = &doc["components"]["schemas"][page]["properties"]["items"]["items"];
        assert_eq!(items["required"], doc["components"]["schemas"]["Cluster"]["required"], "{items}");
        // Errors: {"error": {"code", "message", "field"?}} with the contract's codes.
        assert_eq!(required(&doc, "ErrorBody"), set(&["error"]));
        assert_eq!(required(&doc, "ErrorDetail"), set(&["code", "message"]));
        let codes: BTreeSet<String> = doc["components"]["schemas"]["ErrorCode"]["enum"]
            .as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
        assert!(codes.is_superset(&set(&[
            "invalid", "unauthenticated", "forbidden", "not_found", "conflict",
            "insufficient_capacity", "rate_limited", "unavailable"
        ])));
        let shortfall = &doc["components"]["schemas"]["ErrorDetail"]["properties"]["shortfall"];
        assert!(shortfall.to_string().contains("CapacityShortfall"), "{shortfall}");
        assert_eq!(required(&doc, "CapacityShortfall"), set(&["units", "region", "zone"]));
    }

    async fn the_docs_page_is_for_signed_in_users_and_needs_nothing_from_outside(backend: Backend) {
        let app = TestApp::empty(backend).await;
        let resp = app.anonymous.get(app.url("/api/docs")).send().await.unwrap();
        assert_eq!(resp.status(), 303, "anonymous: sent to sign in");
        assert_eq!(resp.headers()["location"], "/login?next=%2Fapi%2Fdocs");
        let resp = app.anonymous.get(app.url("/api/docs/swagger-ui-bundle.js")).send().await.unwrap();
        assert_eq!(resp.status(), 303, "its files too");

        let resp = app.get("/api/docs").await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
        let csp = resp.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("script-src 'self';") && csp.contains("connect-src 'self'"), "{csp}");
        assert!(!csp.contains("http"), "the policy names no other origin: {csp}");
        let page = resp.text().await.unwrap();
        // Every file the page loads is Headroom's own, and is there.
        let mut files = Vec::new();
        for attr in ["src=\"", "href=\""] {
            for part in page.split(attr).skip(1) {
                let url = part.split('"').next().unwrap();
                assert!(url.starts_with('/') && !url.starts_with("//"), "{url} is this server's");
                files.push(url.to_owned());
            }
        }
        assert!(files.iter().filter(|f| f.starts_with("/api/docs/")).count() >= 5, "{files:?}");
        for file in files.iter().filter(|f| f.starts_with("/api/docs/")) {
            let resp = app.get(file).await;
            assert_eq!(resp.status(), 200, "{file}");
            let kind = resp.headers()["content-type"].to_str().unwrap().to_owned();
            let want = if file.ends_with(".js") { "javascript" } else { "text/css" };
            assert!(kind.contains(want), "{file}: {kind}");
            let body = resp.text().await.unwrap();
            if file.ends_with("swagger-initializer.js") {
                assert!(body.contains("\"/api/v1/openapi.json\""), "it loads this server's document: {body}");
            }
        }
        assert_eq!(app.get("/api/docs/nothing.js").await.status(), 404);
        // A monitor reads /metrics only.
        let resp = app.as_role(Role::Monitor).get(app.url("/api/docs")).send().await.unwrap();
        assert_eq!(resp.status(), 403);
    }
}

/// The checker `TestApp` runs every API answer through: it finds the right
/// operation, and refuses what breaks the document (so a clean run means something).
#[test]
fn the_contract_check_refuses_what_breaks_the_document() {
    let (template, _) = contract::operation_for("POST", "/requests/CR-1/comments").unwrap();
    assert_eq!(template, "/requests/{key}/comments");
    let (template, _) = contract::operation_for("POST", "/requests/CR-1/approve").unwrap();
    assert_eq!(template, "/requests/{key}/{action}");
    assert!(contract::operation_for("DELETE", "/requests/CR-1").is_none());

    let ledger =
        json!({"total": 100, "allocated": 50, "reserved": 10, "out_of_service": 0, "free": 40});
    let cluster = json!({"id": 7, "name": "westus2-z1-dv5-01", "region": "westus2", "zone": 1, "sku": "Dv5",
        "family": "general", "lifecycle": "in_service", "ledger": ledger, "utilization": 0.6, "health": "healthy"});
    let body = |v: &Value| serde_json::to_vec(v).unwrap();
    assert_eq!(
        contract::check("GET", "/clusters/7", 200, &body(&cluster)),
        Ok(())
    );
    let mut wrong = cluster.clone();
    wrong["id"] = json!("7");
    assert!(
        contract::check("GET", "/clusters/7", 200, &body(&wrong)).is_err(),
        "an id as text"
    );
    let mut wrong = cluster.clone();
    wrong["health"] = json!("fine");
    assert!(
        contract::check("GET", "/clusters/7", 200, &body(&wrong)).is_err(),
        "a health outside the bands"
    );
    let mut wrong = cluster.clone();
    wrong["ledger"].as_object_mut().unwrap().remove("free");
    assert!(
        contract::check("GET", "/clusters/7", 200, &body(&wrong)).is_err(),
        "a ledger without free"
    );
    let page = json!({"items": [cluster], "next_cursor": null});
    assert_eq!(
        contract::check("GET", "/clusters", 200, &body(&page)),
        Ok(())
    );
    assert!(
        contract::check("GET", "/clusters", 200, &body(&json!({"items": []}))).is_err(),
        "next_cursor is always there"
    );
    let error = json!({"error": {"code": "invalid", "message": "limit: …", "field": "limit"}});
    assert_eq!(
        contract::check("GET", "/clusters", 400, &body(&error)),
        Ok(())
    );
    let unknown = json!({"error": {"code": "oops", "message": "m"}});
    assert!(
        contract::check("GET", "/clusters", 400, &body(&unknown)).is_err(),
        "a code outside the contract's"
    );
    assert!(
        contract::check("GET", "/clusters", 500, &body(&error)).is_err(),
        "a 500 is no documented answer"
    );
    assert!(contract::check("GET", "/clusters", 200, b"not json").is_err());
    // Outside the document: not its business.
    assert_eq!(contract::check("GET", "/nothing", 404, b""), Ok(()));
}

/// Every `$ref` in the document names a schema it carries: a reference to a
/// missing one leaves a fuzzer (or a client generator) unable to read the operation.
#[test]
fn every_reference_in_the_document_resolves() {
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let doc = serde_json::to_value(server::api::openapi::document()).unwrap();
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(
        found.len() > 20,
        "the document refers to its schemas: {}",
        found.len()
    );
    let missing: BTreeSet<&str> = found
        .into_iter()
        .filter(|r| {
            r.strip_prefix("#/")
                .is_none_or(|path| doc.pointer(&format!("/{path}")).is_none())
        })
        .collect();
    assert!(missing.is_empty(), "references to nothing: {missing:?}");
}
