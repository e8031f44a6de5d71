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
        ledger::set_lifecycle(&app.db, &mut tx, id, ClusterLifecycle::InService, 0).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(cluster(&app, id).await, (1000, 0, 0, 0, 1000));
        let slot = Slot { region: "westus2", sku: "Dv5", zone: Some(3) };
        let mut tx = app.db.begin_write().await.unwrap();
        let held = ledger::reserve(&app.db, &mut tx, slot, 1).await.unwrap().unwrap();
        tx.commit().await.unwrap();
        let holds_new = held.iter().any(|h| h.cluster_id == id);
        let mut tx = app.db.begin_write().await.unwrap();
        ledger::set_lifecycle(&app.db, &mut tx, id, ClusterLifecycle::Decommissioning, 0).await.unwrap();
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
        ledger::set_lifecycle(&app.db, &mut tx, id, ClusterLifecycle::Maintenance, 0).await.unwrap();
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
        ledger::set_lifecycle(&app.db, &mut tx, id, ClusterLifecycle::InService, 0).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(cluster(&app, id).await, (1000, 0, 0, 0, 1000));
        consistent(&app).await;
    }

    async fn a_return_to_service_keeps_the_units_out_that_were_out_before(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        // In service with 40 units broken, 100 allocated: 860 free.
        let mut c = new_cluster("westus2-az3-dv5-worn", ClusterLifecycle::InService);
        (c.allocated, c.out_of_service) = (100, 40);
        let mut tx = app.db.begin_write().await.unwrap();
        let id = ledger::add_cluster(&mut tx, c).await.unwrap();
        let own = ledger::set_lifecycle(&app.db, &mut tx, id, ClusterLifecycle::Maintenance, 0).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(own, Some(40), "leaving service answers the units out of service of its own");
        assert_eq!(cluster(&app, id).await, (1000, 100, 0, 900, 0));
        // A move between two lifecycles out of service answers nothing.
        let mut tx = app.db.begin_write().await.unwrap();
        let own = ledger::set_lifecycle(&app.db, &mut tx, id, ClusterLifecycle::Decommissioning, 0).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(own, None);
        // Back in service keeping those 40: the 860 parked units are free again, no more.
        let mut tx = app.db.begin_write().await.unwrap();
        ledger::set_lifecycle(&app.db, &mut tx, id, ClusterLifecycle::InService, 40).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(cluster(&app, id).await, (1000, 100, 0, 40, 860));
        consistent(&app).await;
        // Asked to keep more than is out of service, it keeps what there is.
        let mut tx = app.db.begin_write().await.unwrap();
        ledger::set_lifecycle(&app.db, &mut tx, id, ClusterLifecycle::Maintenance, 0).await.unwrap();
        ledger::set_lifecycle(&app.db, &mut tx, id, ClusterLifecycle::InService, 5000).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(cluster(&app, id).await, (1000, 100, 0, 900, 0));
        consistent(&app).await;
    }
}

/// One move of the ledger in the property test below, on westus2 × Dv5 zone 3.
#[derive(Debug, Clone)]
enum Move {
    /// A cluster: total, allocated %, reserved %, out of service % (broken), in service.
    Add(i64, i64, i64, i64, bool),
    Reserve(i64),
    Release(usize),
    Fulfill(usize),
    GiveBack(i64),
    /// One of the added clusters leaves service (to `maintenance`, `decommissioning` or `buildout`).
    Leave(usize, usize),
    /// One that left comes back, keeping what it had out of service of its own.
    Return(usize),
    Remove(usize),
}

fn a_move() -> impl proptest::strategy::Strategy<Value = Move> {
    use proptest::prelude::*;
    prop_oneof![
        (100i64..1000, 0i64..40, 0i64..40, 0i64..20, any::<bool>())
            .prop_map(|(t, a, r, b, s)| Move::Add(t, a, r, b, s)),
        (1i64..400).prop_map(Move::Reserve),
        any::<usize>().prop_map(Move::Release),
        any::<usize>().prop_map(Move::Fulfill),
        (1i64..400).prop_map(Move::GiveBack),
        (any::<usize>(), 0usize..3).prop_map(|(c, to)| Move::Leave(c, to)),
        any::<usize>().prop_map(Move::Return),
        any::<usize>().prop_map(Move::Remove),
    ]
}

/// (total, allocated, reserved) of westus2 × Dv5 zone 3.
async fn zone_sums(app: &TestApp) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(total), 0) AS BIGINT), CAST(COALESCE(SUM(allocated), 0) AS BIGINT), \
         CAST(COALESCE(SUM(reserved), 0) AS BIGINT) FROM clusters WHERE region = 'westus2' AND sku = 'Dv5' AND zone = 3",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap()
}

/// Applies `moves` through the ledger API, checking after each one that no
/// column went below zero or past the total, the rollups still equal their
/// clusters, total, allocated and reserved moved by exactly what the move
/// says, and a cluster back in service frees what it parked and no more.
async fn apply_moves(app: &TestApp, moves: Vec<Move>) {
    use app::fleet::placement::Holding;
    let slot = Slot {
        region: "westus2",
        sku: "Dv5",
        zone: Some(3),
    };
    let (mut ours, mut held, mut left) = (
        Vec::<i64>::new(),
        Vec::<Vec<Holding>>::new(),
        Vec::<(i64, i64)>::new(),
    );
    let lifecycle_of = |id: i64| async move {
        sqlx::query_as::<_, (String,)>("SELECT lifecycle FROM clusters WHERE id = $1")
            .bind(id)
            .fetch_optional(app.db.pool())
            .await
            .unwrap()
            .map(|(l,)| l)
    };
    for m in moves {
        let before = zone_sums(app).await;
        let mut tx = app.db.begin_write().await.unwrap();
        let expect = match &m {
            Move::Add(total, a, r, b, in_service) => {
                let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut c = new_cluster(
                    &format!("westus2-az3-dv5-p{n}"),
                    if *in_service {
                        ClusterLifecycle::InService
                    } else {
                        ClusterLifecycle::Maintenance
                    },
                );
                (c.total, c.allocated, c.reserved, c.out_of_service) =
                    (*total, total * a / 100, total * r / 100, total * b / 100);
                let delta = (c.total, c.allocated, c.reserved);
                ours.push(ledger::add_cluster(&mut tx, c).await.unwrap());
                delta
            }
            Move::Reserve(u) => match ledger::reserve(&app.db, &mut tx, slot, *u).await.unwrap() {
                Ok(h) => {
                    assert_eq!(h.iter().map(|h| h.units).sum::<i64>(), *u);
                    held.push(h);
                    (0, 0, *u)
                }
                Err(_) => (0, 0, 0),
            },
            Move::Release(i) | Move::Fulfill(i) if !held.is_empty() => {
                let h = held.remove(i % held.len());
                let units: i64 = h.iter().map(|h| h.units).sum();
                if matches!(m, Move::Release(_)) {
                    ledger::release(&mut tx, slot, &h).await.unwrap();
                    (0, 0, -units)
                } else {
                    ledger::fulfill(&mut tx, slot, &h).await.unwrap();
                    (0, units, -units)
                }
            }
            Move::GiveBack(u) => match ledger::give_back(&app.db, &mut tx, slot, *u).await.unwrap()
            {
                Ok(_) => (0, -u, 0),
                Err(_) => (0, 0, 0),
            },
            Move::Leave(i, to) if !ours.is_empty() => {
                let id = ours[i % ours.len()];
                let to = [
                    ClusterLifecycle::Maintenance,
                    ClusterLifecycle::Decommissioning,
                    ClusterLifecycle::Buildout,
                ][*to];
                let (was, in_service) = (
                    cluster(app, id).await,
                    lifecycle_of(id).await.as_deref() == Some("in_service"),
                );
                let own = ledger::set_lifecycle(&app.db, &mut tx, id, to, 0)
                    .await
                    .unwrap();
                if in_service {
                    assert_eq!(
                        own,
                        Some(was.3),
                        "leaving service answers what it had out of service"
                    );
                    left.push((id, was.3));
                } else {
                    assert_eq!(
                        own, None,
                        "a move between lifecycles out of service answers nothing"
                    );
                }
                (0, 0, 0)
            }
            Move::Return(i) if !left.is_empty() => {
                let (id, own) = left.remove(i % left.len());
                let was = cluster(app, id).await;
                ledger::set_lifecycle(&app.db, &mut tx, id, ClusterLifecycle::InService, own)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                let now = cluster(app, id).await;
                assert_eq!(
                    now.3,
                    own.min(was.3),
                    "back in service, only its own units stay out"
                );
                assert_eq!(now.4, now.0 - now.1 - now.2 - now.3, "the rest is free");
                tx = app.db.begin_write().await.unwrap();
                (0, 0, 0)
            }
            Move::Remove(i) if !ours.is_empty() => {
                let id = ours[i % ours.len()];
                let c = cluster(app, id).await;
                match ledger::remove_cluster(&app.db, &mut tx, id).await {
                    Ok(()) => {
                        ours.retain(|&o| o != id);
                        left.retain(|&(o, _)| o != id);
                        (-c.0, -c.1, -c.2)
                    }
                    Err(e) => {
                        assert!(c.1 + c.2 > 0, "only a cluster holding units is kept: {e:?}");
                        drop(tx);
                        tx = app.db.begin_write().await.unwrap();
                        (0, 0, 0)
                    }
                }
            }
            _ => (0, 0, 0),
        };
        tx.commit().await.unwrap();
        let after = zone_sums(app).await;
        assert_eq!(
            (after.0 - before.0, after.1 - before.1, after.2 - before.2),
            expect,
            "{m:?}"
        );
        let broken: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM clusters WHERE total < 0 OR allocated < 0 OR reserved < 0 OR out_of_service < 0 \
             OR allocated + reserved + out_of_service > total",
        )
        .fetch_all(app.db.pool())
        .await
        .unwrap();
        assert_eq!(
            broken,
            vec![],
            "{m:?}: no column below zero or past the total"
        );
        consistent(app).await;
    }
}

static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

both_databases! {
    async fn any_sequence_of_moves_keeps_the_ledger_whole(backend: Backend) {
        use proptest::test_runner::{Config, TestRunner};
        let app = TestApp::seeded(backend).await;
        let handle = tokio::runtime::Handle::current();
        // The cases share one database (a fresh one each would take most of
        // the time): each move is checked against the state it found.
        let mut runner = TestRunner::new(Config { cases: 16, failure_persistence: None, ..Config::default() });
        let moves = proptest::collection::vec(a_move(), 1..30);
        tokio::task::block_in_place(|| {
            runner.run(&moves, |moves| {
                handle.block_on(apply_moves(&app, moves));
                Ok(())
            })
        })
        .unwrap();
    }
}
