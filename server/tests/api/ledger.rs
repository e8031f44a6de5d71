//! The fleet's ledger API, the only way capacity changes: every move keeps
//! each region × SKU rollup equal to the sum of its clusters, bumps the fleet
//! version, and never takes a column below zero.

use crate::both_databases;
use crate::helpers::TestApp;
use app::fleet::codes::ClusterLifecycle;
use app::fleet::server::ledger::{self, NewCluster, Slot};
use app::fleet::server::store;

async fn version(app: &TestApp) -> i64 {
    store::versions(app.db.pool()).await.unwrap().fleet
}

/// (total, allocated, reserved, out_of_service, free) of one cluster.
async fn cluster(app: &TestApp, id: i64) -> (i64, i64, i64, i64, i64) {
    sqlx::query_as(
        "SELECT total, allocated, reserved, out_of_service, free FROM clusters WHERE id = $1",
    )
    .bind(id)
    .fetch_one(app.db.pool())
    .await
    .unwrap()
}

async fn consistent(app: &TestApp) {
    assert_eq!(
        ledger::rollup_mismatches(&app.db).await.unwrap(),
        vec![],
        "rollups equal the sums of their clusters"
    );
}

fn new_cluster(name: &str, lifecycle: ClusterLifecycle) -> NewCluster {
    NewCluster {
        name: name.into(),
        region: "westus2".into(),
        zone: 3,
        sku: "Dv5".into(),
        lifecycle,
        total: 1000,
        allocated: 0,
        reserved: 0,
        out_of_service: 0,
    }
}

both_databases! {
    async fn units_move_through_the_ledger_and_rollups_follow(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        consistent(&app).await;
        let slot = Slot { region: "westus2", sku: "Dv5", zone: Some(3) };
        let v0 = version(&app).await;
        let mut tx = app.db.begin_write().await.unwrap();
        let held = ledger::reserve(&app.db, &mut tx, slot, 50).await.unwrap().expect("room for 50");
        assert_eq!(held.iter().map(|h| h.units).sum::<i64>(), 50);
        ledger::fulfill(&mut tx, slot, &held).await.unwrap();
        let back = ledger::give_back(&app.db, &mut tx, slot, 50).await.unwrap().expect("50 allocated to give back");
        assert_eq!(back.iter().map(|h| h.units).sum::<i64>(), 50);
        tx.commit().await.unwrap();
        consistent(&app).await;
        assert!(version(&app).await > v0, "every move bumps the fleet version");
        // A shortfall changes nothing.
        let before = version(&app).await;
        let mut tx = app.db.begin_write().await.unwrap();
        let short = ledger::reserve(&app.db, &mut tx, slot, 100_000_000).await.unwrap().unwrap_err();
        assert!(short.units > 0);
        tx.commit().await.unwrap();
        assert_eq!(version(&app).await, before);
        consistent(&app).await;
    }

    async fn clusters_come_and_go_through_the_ledger(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let mut tx = app.db.begin_write().await.unwrap();
        // A cluster being built counts as capacity, never as free.
        let id = ledger::add_cluster(&mut tx, new_cluster("westus2-az3-dv5-new", ClusterLifecycle::Buildout)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(cluster(&app, id).await, (1000, 0, 0, 1000, 0));
        consistent(&app).await;
        // In service: its units become free; leaving service puts the free ones out again.
        let mut tx = app.db.begin_write().await.unwrap();
        ledger::set_lifecycle(&app.db, &mut tx, id, ClusterLifecycle::InService).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(cluster(&app, id).await, (1000, 0, 0, 0, 1000));
        let slot = Slot { region: "westus2", sku: "Dv5", zone: Some(3) };
        let mut tx = app.db.begin_write().await.unwrap();
        let held = ledger::reserve(&app.db, &mut tx, slot, 1).await.unwrap().unwrap();
        tx.commit().await.unwrap();
        let holds_new = held.iter().any(|h| h.cluster_id == id);
        let mut tx = app.db.begin_write().await.unwrap();
        ledger::set_lifecycle(&app.db, &mut tx, id, ClusterLifecycle::Decommissioning).await.unwrap();
        tx.commit().await.unwrap();
        let (total, allocated, reserved, oos, free) = cluster(&app, id).await;
        assert_eq!((total, allocated, free), (1000, 0, 0), "nothing free outside service");
        assert_eq!(reserved + oos, 1000);
        consistent(&app).await;
        // Removal is refused while it holds a reservation, allowed once idle.
        let mut tx = app.db.begin_write().await.unwrap();
        let removed = ledger::remove_cluster(&app.db, &mut tx, id).await;
        if holds_new {
            assert!(matches!(removed, Err(app::error::AppError::Conflict(_))), "{removed:?}");
            drop(tx);
            let mut tx = app.db.begin_write().await.unwrap();
            ledger::release(&mut tx, slot, &held).await.unwrap();
            ledger::remove_cluster(&app.db, &mut tx, id).await.unwrap();
            tx.commit().await.unwrap();
        } else {
            removed.unwrap();
            tx.commit().await.unwrap();
        }
        assert_eq!(sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM clusters WHERE id = $1").bind(id).fetch_one(app.db.pool()).await.unwrap().0, 0);
        consistent(&app).await;
    }

    async fn free_is_always_placeable(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        // Everywhere in the seeded fleet, a rollup's free units are exactly the
        // free units of its in-service clusters: what placement can use.
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT r.region, r.sku, r.total - r.allocated - r.reserved - r.out_of_service, \
                    CAST(COALESCE((SELECT SUM(c.free) FROM clusters c WHERE c.region = r.region AND c.sku = r.sku \
                                   AND c.lifecycle = 'in_service'), 0) AS BIGINT) \
             FROM region_sku_ledger r",
        )
        .fetch_all(app.db.pool())
        .await
        .unwrap();
        assert!(!rows.is_empty());
        for (region, sku, free, placeable) in &rows {
            assert_eq!(free, placeable, "{region} {sku}: free is what can be placed");
        }
        let out: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM clusters WHERE lifecycle <> 'in_service'").fetch_one(app.db.pool()).await.unwrap();
        assert!(out.0 > 0, "the demo fleet has clusters out of service");

        // Units a request lets go of in a cluster that left service stay out of service.
        let mut c = new_cluster("westus2-az3-dv5-busy", ClusterLifecycle::InService);
        (c.allocated, c.reserved) = (200, 100);
        let mut tx = app.db.begin_write().await.unwrap();
        let id = ledger::add_cluster(&mut tx, c).await.unwrap();
        ledger::set_lifecycle(&app.db, &mut tx, id, ClusterLifecycle::Maintenance).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(cluster(&app, id).await, (1000, 200, 100, 700, 0));
        let slot = Slot { region: "westus2", sku: "Dv5", zone: Some(3) };
        let mut tx = app.db.begin_write().await.unwrap();
        ledger::release(&mut tx, slot, &[app::fleet::placement::Holding { cluster_id: id, units: 100 }]).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(cluster(&app, id).await, (1000, 200, 0, 800, 0), "released units go out of service");
        consistent(&app).await;
        // A deprovision that gives back every allocated unit of the zone.
        let (allocated,): (i64,) = sqlx::query_as("SELECT CAST(SUM(allocated) AS BIGINT) FROM clusters WHERE region = 'westus2' AND sku = 'Dv5' AND zone = 3")
            .fetch_one(app.db.pool()).await.unwrap();
        let mut tx = app.db.begin_write().await.unwrap();
        ledger::give_back(&app.db, &mut tx, slot, allocated).await.unwrap().expect("all of it is allocated");
        tx.commit().await.unwrap();
        assert_eq!(cluster(&app, id).await, (1000, 0, 0, 1000, 0), "returned units go out of service");
        consistent(&app).await;
        // Back in service, all of it is free again.
        let mut tx = app.db.begin_write().await.unwrap();
        ledger::set_lifecycle(&app.db, &mut tx, id, ClusterLifecycle::InService).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(cluster(&app, id).await, (1000, 0, 0, 0, 1000));
        consistent(&app).await;
    }
}
