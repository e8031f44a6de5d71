//! Storage: migrations, constraints, the daily sampler, the seed, write locking.

use crate::both_databases;
use crate::helpers::TestApp;
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
    }
}
