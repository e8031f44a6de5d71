//! `headroom check` (PRODUCT.md "The contract"): on a database the app wrote
//! (the demo fleet, requests and deployments in every state) every invariant
//! holds and it exits 0; damage done behind the app's back is named, line by
//! line, and it exits non-zero. The expected lines are written here from the
//! rules, not read from the check's queries.

use crate::both_databases;
use crate::helpers::TestApp;

/// Runs the `headroom` binary with `args` on the database at `url`: (exit code, stdout, stderr).
pub async fn headroom(args: &[&str], url: &str) -> (i32, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_headroom"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "error")
        .output()
        .await
        .expect("run headroom check");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn run_check(app: &TestApp) -> (i32, String, String) {
    headroom(&["check"], &app.db_url()).await
}

/// The small demo fleet with the demo requests and deployments, every state of each.
pub async fn demo(backend: crate::helpers::Backend) -> TestApp {
    let app = TestApp::seeded(backend).await;
    server::seed::ensure_demo_accounts(&app.db).await.unwrap();
    server::seed::seed_demo_requests(&app.db).await.unwrap();
    server::seed::seed_demo_deployments(&app.db).await.unwrap();
    app
}

async fn one<T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin>(
    app: &TestApp,
    sql: &str,
) -> T {
    sqlx::query_as(sql)
        .fetch_one(app.db.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn execute(app: &TestApp, sql: &str) {
    sqlx::query(sql)
        .execute(app.db.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

both_databases! {
    async fn a_database_the_app_wrote_passes(backend: Backend) {
        let app = demo(backend).await;
        assert_eq!(server::check::problems(&app.db).await.unwrap(), Vec::<String>::new());
        let (clusters,): (i64,) = one(&app, "SELECT COUNT(*) FROM clusters").await;
        let (requests,): (i64,) = one(&app, "SELECT COUNT(*) FROM capacity_requests").await;
        let (deployments,): (i64,) = one(&app, "SELECT COUNT(*) FROM deployments").await;
        assert!(requests >= 12 && deployments >= 6, "{requests} requests, {deployments} deployments");
        let (code, out, err) = run_check(&app).await;
        assert_eq!(code, 0, "{out}{err}");
        assert_eq!(
            out.trim(),
            format!("ok: every invariant holds ({clusters} clusters, {requests} requests, {deployments} deployments)")
        );
    }

    async fn damage_behind_the_apps_back_is_named(backend: Backend) {
        let app = demo(backend).await;
        // 1. Units reserved on a cluster with no reservation behind them: the
        //    cluster and its region × SKU rollup are both wrong.
        let (cluster, name, region, sku, reserved): (i64, String, String, String, i64) = one(&app,
            "SELECT id, name, region, sku, reserved FROM clusters \
             WHERE lifecycle = 'in_service' AND free >= 5 AND reserved = 0 ORDER BY id LIMIT 1").await;
        execute(&app, &format!("UPDATE clusters SET reserved = reserved + 5 WHERE id = {cluster}")).await;
        // 2. Another pair's rollup edited alone.
        let (other_region, other_sku): (String, String) = one(&app, &format!(
            "SELECT region, sku FROM region_sku_ledger WHERE NOT (region = '{region}' AND sku = '{sku}') \
             AND clusters > 0 ORDER BY region, sku LIMIT 1")).await;
        execute(&app, &format!(
            "UPDATE region_sku_ledger SET total = total + 1 WHERE region = '{other_region}' AND sku = '{other_sku}'")).await;
        // 3. An approved request whose reservations vanished (and the clusters that held them).
        let (approved, quantity): (i64, i64) = one(&app,
            "SELECT id, quantity FROM capacity_requests WHERE state = 'approved' AND kind = 'provision' ORDER BY id LIMIT 1").await;
        let held_on: Vec<(i64,)> = sqlx::query_as(&format!("SELECT cluster_id FROM reservations WHERE request_id = {approved}"))
            .fetch_all(app.db.pool()).await.unwrap();
        assert!(!held_on.is_empty());
        execute(&app, &format!("DELETE FROM reservations WHERE request_id = {approved}")).await;
        // 4. A request and a deployment written without the audit trail.
        let (requester,): (i64,) = one(&app, "SELECT id FROM users WHERE name = 'requester'").await;
        let (ghost,): (i64,) = one(&app, &format!(
            "INSERT INTO capacity_requests (kind, region, sku, quantity, need_by, service, justification, priority, \
               requester_id, state, version, created_at, updated_at) \
             VALUES ('provision', '{region}', '{sku}', 3, '2027-01-01', 's', 'j', 'P2', {requester}, 'rejected', 2, \
               '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z') RETURNING id")).await;
        let (phantom,): (i64,) = one(&app, &format!(
            "INSERT INTO deployments (kind, title, region, sku, owner_id, state, version, state_version, created_at, updated_at) \
             VALUES ('rollout', 't', '{region}', '{sku}', {requester}, 'paused', 2, 2, \
               '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z') RETURNING id")).await;

        let found = server::check::problems(&app.db).await.unwrap();
        let mut want = vec![
            format!("cluster {cluster} ({name}): {} units reserved, but reservations and import holds on it hold {reserved}", reserved + 5),
            format!("{region} × {sku}: the rollup is not the sum of its clusters"),
            format!("{other_region} × {other_sku}: the rollup is not the sum of its clusters"),
            format!("CR-{approved}: approved for {quantity} units, but its reservations hold 0"),
            format!("CR-{ghost}: rejected, but the audit trail has no transition into it"),
            format!("DEP-{phantom}: paused, but the audit trail has no transition into it"),
        ];
        for (c,) in &held_on {
            let line = found.iter().find(|l| l.starts_with(&format!("cluster {c} (")))
                .unwrap_or_else(|| panic!("cluster {c}, which held CR-{approved}, is named: {found:#?}"));
            want.push(line.clone());
        }
        let mut got = found.clone();
        got.sort();
        want.sort();
        want.dedup();
        assert_eq!(got, want);

        let (code, out, err) = run_check(&app).await;
        assert_eq!(code, 1, "{out}{err}");
        assert!(err.starts_with(&format!("headroom: {} broken invariant(s):", found.len())), "{err}");
        for line in &found {
            assert!(err.contains(line.as_str()), "{line} in {err}");
        }
    }
}
