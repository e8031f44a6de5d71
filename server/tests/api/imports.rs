//! CSV import of clusters (issue 16): the export imported into an empty
//! database exports identically and passes `headroom check`; a file with one
//! bad line changes nothing and names the line and column; a dry run changes
//! nothing; reserved units no request holds are held by the import until an
//! operator releases them; the admin page's upload works without JavaScript.
//! Expected values are written from the file each test sends.

use app::auth::Role;
use serde_json::Value;

use crate::both_databases;
use crate::check::{demo, headroom};
use crate::helpers::{assert_error, TestApp};

const HEADER: &str = "id,name,region,zone,sku,family,lifecycle,total,allocated,reserved,out_of_service,free,utilization,health";

async fn export(app: &TestApp) -> String {
    let resp = app.get("/clusters.csv").await;
    assert_eq!(resp.status(), 200);
    resp.text().await.unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .fetch_one(app.db.pool())
        .await
        .expect(sql);
    n
}

async fn fleet_version(app: &TestApp) -> i64 {
    count(app, "SELECT version FROM fleet_version WHERE id = 1").await
}

/// POSTs `csv` to the import route as `role`: (status, body).
async fn post_import(app: &TestApp, role: Role, csv: &str, dry_run: bool) -> (u16, Value) {
    let resp = app
        .as_role(role)
        .post(app.url(&format!("/api/v1/imports/clusters?dry_run={dry_run}")))
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A cluster of the seeded fleet: (id, name, region, zone, sku, total, allocated, reserved, out_of_service).
async fn some_cluster(app: &TestApp) -> (i64, String, String, i64, String, i64, i64, i64, i64) {
    sqlx::query_as(
        "SELECT id, name, region, zone, sku, total, allocated, reserved, out_of_service FROM clusters \
         WHERE lifecycle = 'in_service' AND total - allocated - reserved >= 20 ORDER BY id LIMIT 1",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap()
}

both_databases! {
    async fn an_export_imported_into_an_empty_database_exports_identically(backend: Backend) {
        // The demo fleet with requests and deployments in every state: some
        // reserved units are held by requests, which the empty database lacks.
        let source = demo(backend).await;
        let csv = export(&source).await;
        let rows = csv.lines().count() as i64 - 1;
        assert_eq!(rows, count(&source, "SELECT COUNT(*) FROM clusters").await);
        let dir = tempfile_dir();
        let file = dir.join("fleet.csv");
        std::fs::write(&file, &csv).unwrap();

        let target = TestApp::empty(backend).await;
        let path = file.to_str().unwrap();
        // A dry run first: what it would do, and nothing done.
        let (code, out, err) = headroom(&["import", "clusters", path, "--dry-run"], &target.db_url()).await;
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains(&format!("would import {rows} rows: {rows} created, 0 changed")), "{out}");
        assert_eq!(count(&target, "SELECT COUNT(*) FROM clusters").await, 0);

        let (code, out, err) = headroom(&["import", "clusters", path], &target.db_url()).await;
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.starts_with(&format!("imported {rows} rows: {rows} created")), "{out}");
        assert_eq!(export(&target).await, csv, "the round trip is identical");

        // Every reserved unit is held: here by the import, as no request came along.
        let reserved = count(&target, "SELECT CAST(COALESCE(SUM(reserved), 0) AS BIGINT) FROM clusters").await;
        assert!(reserved > 0, "the demo fleet has reserved units");
        assert_eq!(count(&target, "SELECT CAST(COALESCE(SUM(units), 0) AS BIGINT) FROM import_holds").await, reserved);
        let (code, out, err) = headroom(&["check"], &target.db_url()).await;
        assert_eq!(code, 0, "check accepts the import's holds: {out}{err}");
        // Today's sample is taken: every region × SKU of the file has a first point of its trend.
        assert_eq!(
            count(&target, "SELECT COUNT(*) FROM ledger_history").await,
            count(&target, "SELECT COUNT(*) FROM region_sku_ledger").await
        );

        // Importing the same file again changes nothing.
        let (code, out, _) = headroom(&["import", "clusters", path], &target.db_url()).await;
        assert_eq!(code, 0);
        assert!(out.contains(&format!("0 created, 0 changed, {rows} unchanged")), "{out}");
        // Clusters the app adds later get ids after the imported ones (on
        // PostgreSQL the id sequence moved past them): a planned buildout adds one.
        let max = count(&target, "SELECT MAX(id) FROM clusters").await;
        let resp = target.as_role(Role::Operator).post(target.url("/api/v1/deployments"))
            .json(&serde_json::json!({"kind": "buildout", "title": "After the import", "region": "westus2", "sku": "Dv5",
                "rings": [{"name": "canary", "bake_minutes": 0, "targets": [{"zone": 1, "units": 96}]}]}))
            .send().await.unwrap();
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        assert_eq!(count(&target, "SELECT MAX(id) FROM clusters").await, max + 1);
        std::fs::remove_dir_all(dir).ok();
    }

    async fn a_file_with_a_bad_line_changes_nothing_and_names_it(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (id, name, region, zone, sku, total, allocated, _, _) = some_cluster(&app).await;
        let clusters = count(&app, "SELECT COUNT(*) FROM clusters").await;
        let version = fleet_version(&app).await;
        let csv = format!(
            "{HEADER}\n\
             ,brand-new-1,{region},1,{sku},,in_service,100,0,0,0,,,\n\
             {id},{name},{region},{zone},{sku},,in_service,{total},{allocated},0,{},,,\n\
             ,brand-new-2,{region},2,{sku},,in_service,10,20,0,0,,,\n\
             ,brand-new-3,Nowhere,2,{sku},,in_service,10,0,0,0,,,\n",
            total - allocated
        );
        let (status, body) = post_import(&app, Role::Admin, &csv, false).await;
        assert_error(status, &body, 400, "invalid", Some("file"));
        let lines: Vec<(i64, Option<&str>)> = body["error"]["lines"].as_array().unwrap().iter()
            .map(|l| (l["line"].as_i64().unwrap(), l["column"].as_str())).collect();
        assert_eq!(lines, [(4, Some("total")), (5, Some("region"))]);
        assert_eq!(body["error"]["line_count"], 2);
        assert!(body["error"]["message"].as_str().unwrap().contains("line 4, column total"), "{body}");
        // Nothing of it happened: the good lines neither.
        assert_eq!(count(&app, "SELECT COUNT(*) FROM clusters").await, clusters);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM clusters WHERE name LIKE 'brand-new-%'").await, 0);
        assert_eq!(fleet_version(&app).await, version);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM fleet_imports").await, 0);

        // Not CSV of the export at all.
        let (status, body) = post_import(&app, Role::Admin, "{\"kind\": \"provision\"}", false).await;
        assert_error(status, &body, 400, "invalid", Some("file"));
        let (status, body) = post_import(&app, Role::Admin, "", false).await;
        assert_error(status, &body, 400, "invalid", Some("file"));
        // Only admins import.
        let (status, body) = post_import(&app, Role::Operator, &csv, false).await;
        assert_error(status, &body, 403, "forbidden", None);
        // The CLI says the same and exits non-zero.
        let dir = tempfile_dir();
        let file = dir.join("bad.csv");
        std::fs::write(&file, &csv).unwrap();
        let (code, _, err) = headroom(&["import", "clusters", file.to_str().unwrap()], &app.db_url()).await;
        assert_ne!(code, 0);
        assert!(err.contains("line 4, column total: allocated + reserved + out_of_service (20) exceeds total (10)"), "{err}");
        assert!(err.contains("line 5, column region"), "{err}");
        std::fs::remove_dir_all(dir).ok();
    }

    async fn a_dry_run_reports_and_an_import_does_it_all_at_once(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (id, name, region, zone, sku, total, allocated, reserved, oos) = some_cluster(&app).await;
        let clusters = count(&app, "SELECT COUNT(*) FROM clusters").await;
        let version = fleet_version(&app).await;
        // One new cluster (with 5 reserved), one changed (20 more units, 3 more reserved).
        let csv = format!(
            "{HEADER}\n\
             ,imported-1,{region},3,{sku},,in_service,50,10,5,0,35,,\n\
             {id},{name},{region},{zone},{sku},,in_service,{},{allocated},{},{oos},,,\n",
            total + 20,
            reserved + 3
        );
        let (status, body) = post_import(&app, Role::Admin, &csv, true).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!((body["created"].as_i64(), body["changed"].as_i64(), body["applied"].as_bool()), (Some(1), Some(1), Some(false)));
        assert_eq!(body["held_units"], 8);
        assert_eq!(body["samples"][1]["detail"], format!("total {total} → {}; reserved {reserved} → {}", total + 20, reserved + 3));
        assert_eq!(count(&app, "SELECT COUNT(*) FROM clusters").await, clusters);
        assert_eq!(fleet_version(&app).await, version);

        let (status, body) = post_import(&app, Role::Admin, &csv, false).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["applied"], true);
        let import = body["import"].as_i64().unwrap();
        assert_eq!(count(&app, "SELECT COUNT(*) FROM clusters").await, clusters + 1);
        let (status, c) = app.get_json(&format!("/api/v1/clusters/{id}")).await;
        assert_eq!(status, 200);
        assert_eq!((c["ledger"]["total"].as_i64(), c["ledger"]["reserved"].as_i64()), (Some(total + 20), Some(reserved + 3)));
        let (status, page) = app.get_json(&format!("/api/v1/clusters?region={region}&sku={sku}&zone=3&sort=name&limit=500")).await;
        assert_eq!(status, 200);
        let new = page["items"].as_array().unwrap().iter().find(|c| c["name"] == "imported-1").expect("the new cluster is listed");
        assert_eq!(new["ledger"]["free"], 35);
        // The region × SKU rollup moved with it (the overview reads it).
        let (status, r) = app.get_json(&format!("/api/v1/regions/{region}")).await;
        assert_eq!(status, 200, "{r}");
        assert!(fleet_version(&app).await > version);
        assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM import_holds WHERE import_id = {import}")).await, 2);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'fleet.import'").await, 1);
        let (code, out, err) = headroom(&["check"], &app.db_url()).await;
        assert_eq!(code, 0, "{out}{err}");
    }

    async fn an_operator_releases_what_an_import_holds(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let (id, name, region, zone, sku, total, allocated, reserved, oos) = some_cluster(&app).await;
        let csv = format!("{HEADER}\n{id},{name},{region},{zone},{sku},,in_service,{total},{allocated},{},{oos},,,\n", reserved + 7);
        let (status, body) = post_import(&app, Role::Admin, &csv, false).await;
        assert_eq!(status, 201, "{body}");
        let release = format!("/api/v1/clusters/{id}/import-hold/release");
        let resp = app.as_role(Role::Approver).post(app.url(&release)).send().await.unwrap();
        assert_eq!(resp.status(), 403);
        let resp = app.as_role(Role::Operator).post(app.url(&release)).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        assert_eq!((body["cluster"].as_i64(), body["released"].as_i64()), (Some(id), Some(7)));
        let (_, c) = app.get_json(&format!("/api/v1/clusters/{id}")).await;
        assert_eq!(c["ledger"]["reserved"].as_i64(), Some(reserved));
        assert_eq!(count(&app, "SELECT COUNT(*) FROM import_holds").await, 0);
        let resp = app.as_role(Role::Operator).post(app.url(&release)).send().await.unwrap();
        let status = resp.status().as_u16();
        assert_error(status, &resp.json().await.unwrap(), 409, "conflict", None);
        let (code, out, err) = headroom(&["check"], &app.db_url()).await;
        assert_eq!(code, 0, "{out}{err}");
    }

    async fn the_admin_page_uploads_a_file_without_javascript(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let clusters = count(&app, "SELECT COUNT(*) FROM clusters").await;
        let (_, _, region, _, sku, _, _, _, _) = some_cluster(&app).await;
        let csv = format!("{HEADER}\n,from-the-page,{region},2,{sku},,in_service,64,0,0,0,,,\n");
        let post = |mode: &'static str, role: Role| {
            let boundary = "headroom-test-boundary";
            let body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fleet.csv\"\r\n\
                 Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}\r\n\
                 Content-Disposition: form-data; name=\"mode\"\r\n\r\n{mode}\r\n--{boundary}--\r\n"
            );
            app.as_role(role)
                .post(app.url("/admin/import/upload"))
                .header("content-type", format!("multipart/form-data; boundary={boundary}"))
                .body(body)
                .send()
        };
        // The post is answered 303 to the page, which shows the report.
        let app = &app;
        let shown = |resp: reqwest::Response| async move {
            assert_eq!(resp.status(), 303);
            let to = resp.headers()["location"].to_str().unwrap().to_owned();
            assert!(to.starts_with("/admin/import?report="), "{to}");
            let page = app.as_role(Role::Admin).get(app.url(&to)).send().await.unwrap();
            assert_eq!(page.status(), 200);
            page.text().await.unwrap()
        };
        let html = shown(post("dry_run", Role::Admin).await.unwrap()).await;
        assert!(html.contains("Dry run: nothing changed"), "{html}");
        assert!(html.contains("1 row read: 1 would be created"), "{html}");
        assert_eq!(count(app, "SELECT COUNT(*) FROM clusters").await, clusters);
        let html = shown(post("import", Role::Admin).await.unwrap()).await;
        assert!(html.contains("Imported (import 1)"), "{html}");
        assert_eq!(count(app, "SELECT COUNT(*) FROM clusters WHERE name = 'from-the-page'").await, 1);
        // Only admins.
        let resp = post("import", Role::Operator).await.unwrap();
        assert_eq!(resp.status(), 403);
    }
}

/// A fresh directory for a test's files.
fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("headroom-import-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
