//! Storage: migrations, constraints, the daily sampler, the seed, write locking.

use crate::both_databases;
use crate::helpers::{Backend, TestApp};
use app::fleet::server::history;

both_databases! {
    async fn schema_refuses_impossible_ledgers(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        for (set, why) in [
            ("allocated = -1", "negative"),
            ("allocated = total + 1", "over total"),
            ("out_of_service = total, allocated = 1", "over total with out of service"),
        ] {
            let sql = format!("UPDATE clusters SET {set} WHERE id = (SELECT MIN(id) FROM clusters)");
            let err = sqlx::query(&sql).execute(app.db.pool()).await;
            assert!(err.is_err(), "{why} must be refused by a CHECK constraint");
        }
        // Free units are placeable units: a cluster out of service has none.
        let sql = "UPDATE clusters SET lifecycle = 'maintenance', out_of_service = 0 \
                   WHERE id = (SELECT MIN(id) FROM clusters WHERE lifecycle = 'in_service' AND allocated < total)";
        assert!(sqlx::query(sql).execute(app.db.pool()).await.is_err(), "free units out of service must be refused");
    }

    async fn old_ledgers_are_migrated_to_placeable_free(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        // Data as an earlier version stored it: free units in clusters out of service.
        let (dir, undo) = match backend {
            Backend::Sqlite => ("sqlite", "DROP TRIGGER clusters_free_is_placeable_insert; DROP TRIGGER clusters_free_is_placeable_update;"),
            Backend::Postgres => ("postgres", "ALTER TABLE clusters DROP CONSTRAINT clusters_free_is_placeable"),
        };
        sqlx::raw_sql(undo).execute(app.db.pool()).await.unwrap();
        sqlx::query("UPDATE clusters SET out_of_service = 0, allocated = total / 2 WHERE lifecycle <> 'in_service'")
            .execute(app.db.pool()).await.unwrap();
        let (before,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM clusters WHERE lifecycle <> 'in_service' AND free > 0")
            .fetch_one(app.db.pool()).await.unwrap();
        assert!(before > 0);
        let path = format!("{}/../app/migrations/{dir}/20261130000010_placeable_free.sql", env!("CARGO_MANIFEST_DIR"));
        let migration = std::fs::read_to_string(path).unwrap();
        sqlx::raw_sql(&migration).execute(app.db.pool()).await.unwrap();
        let (after,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM clusters WHERE lifecycle <> 'in_service' AND free <> 0")
            .fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(after, 0, "no cluster out of service keeps free units");
        let (kept,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM clusters WHERE lifecycle <> 'in_service' AND allocated <> total / 2")
            .fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(kept, 0, "allocations are kept");
        assert_eq!(app::fleet::server::ledger::rollup_mismatches(&app.db).await.unwrap(), vec![]);
    }

    async fn daily_sample_is_taken_once(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        // The seed already wrote today's sample; it is not duplicated.
        assert_eq!(history::sample_today(&app.db).await.unwrap(), 0);
        sqlx::query("DELETE FROM ledger_history WHERE day = $1").bind(history::today(&app.db)).execute(app.db.pool()).await.unwrap();
        let pairs: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM region_sku_ledger").fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(history::sample_today(&app.db).await.unwrap() as i64, pairs.0);
        assert_eq!(history::sample_today(&app.db).await.unwrap(), 0);
    }

    async fn seed_is_deterministic_and_replaces(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let names = |db: app::db::Db| async move {
            let rows: Vec<(String, i64, i64)> = sqlx::query_as("SELECT name, total, allocated FROM clusters ORDER BY name").fetch_all(db.pool()).await.unwrap();
            rows
        };
        let first = names(app.db.clone()).await;
        server::seed::seed_demo(&app.db, server::seed::Scale::Small).await.unwrap();
        assert_eq!(names(app.db.clone()).await, first);
        let (reserved,): (i64,) = sqlx::query_as("SELECT CAST(SUM(reserved) AS BIGINT) FROM clusters").fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(reserved, 0);
        let (rollup_total,): (i64,) = sqlx::query_as("SELECT CAST(SUM(total) AS BIGINT) FROM region_sku_ledger").fetch_one(app.db.pool()).await.unwrap();
        let (cluster_total,): (i64,) = sqlx::query_as("SELECT CAST(SUM(total) AS BIGINT) FROM clusters").fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(rollup_total, cluster_total);
    }

    async fn concurrent_writers_wait_instead_of_failing(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        // Twenty read-then-write transactions at once on the same row: with
        // BEGIN IMMEDIATE on SQLite none fails with "database is locked".
        let row = "SELECT allocated FROM clusters WHERE id = (SELECT MIN(id) FROM clusters)";
        let (before,): (i64,) = sqlx::query_as(row).fetch_one(app.db.pool()).await.unwrap();
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let db = app.db.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = db.begin_write().await?;
                let sql = format!("{row}{}", db.lock_rows());
                let (n,): (i64,) = sqlx::query_as(&sql).fetch_one(&mut *tx).await?;
                sqlx::query("UPDATE clusters SET allocated = $1 WHERE id = (SELECT MIN(id) FROM clusters)")
                    .bind(n - 1).execute(&mut *tx).await?;
                tx.commit().await
            }));
        }
        for t in tasks {
            t.await.unwrap().expect("no write transaction fails");
        }
        let (after,): (i64,) = sqlx::query_as(row).fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(after, before - 20, "no update lost");
    }
}

both_databases! {
    async fn demo_requests_cover_every_state_and_back_reservations(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        server::seed::ensure_demo_accounts(&app.db).await.unwrap();
        let made = server::seed::seed_demo_requests(&app.db).await.unwrap();
        assert!(made >= 12);
        let states: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT state FROM capacity_requests ORDER BY state").fetch_all(app.db.pool()).await.unwrap();
        let states: Vec<&str> = states.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(states, ["approved", "cancelled", "draft", "expired", "fulfilled", "rejected", "submitted"]);
        let sum = |sql: &'static str| {
            let db = app.db.clone();
            async move {
                let (n,): (i64,) = sqlx::query_as(sql).fetch_one(db.pool()).await.unwrap();
                n
            }
        };
        let held = sum("SELECT CAST(COALESCE(SUM(units), 0) AS BIGINT) FROM reservations").await;
        assert!(held > 0);
        assert_eq!(held, sum("SELECT CAST(SUM(reserved) AS BIGINT) FROM clusters").await);
        assert_eq!(held, sum("SELECT CAST(SUM(reserved) AS BIGINT) FROM region_sku_ledger").await);
        assert_eq!(held, sum("SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM capacity_requests WHERE state = 'approved'").await);
        // The expired demo request was filed with a need-by that was then ahead.
        let (filed, need_by): (String, String) = sqlx::query_as("SELECT created_at, need_by FROM capacity_requests WHERE state = 'expired'").fetch_one(app.db.pool()).await.unwrap();
        assert!(filed[..10] <= *need_by, "filed {filed}, needed by {need_by}");
        // approver2 also files requests, so separation of duties can be seen.
        let users = app::auth::server::users::list(&app.db).await.unwrap();
        let a2 = users.iter().find(|u| u.name == "approver2").expect("approver2");
        assert!(a2.roles.contains(app::auth::Role::Approver) && a2.roles.contains(app::auth::Role::Requester), "{a2:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeline_reads_its_own_audit_rows_through_an_index() {
    // The request and deployment pages read one object's trail on every view;
    // a scan of the whole audit log made them the slowest pages of the benchmark.
    let app = TestApp::seeded(Backend::Sqlite).await;
    let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!(
        "EXPLAIN QUERY PLAN {}",
        app::shared::audit::FOR_OBJECT
    ))
    .bind("CR-1")
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let plan: Vec<&str> = plan.iter().map(|r| r.3.as_str()).collect();
    assert!(
        plan.iter().any(|d| d.contains("INDEX audit_log_object"))
            && !plan.iter().any(|d| d.starts_with("SCAN")),
        "{plan:?}"
    );
}
