//! Demo requests in every state, made through the request service as the demo
//! accounts, so the approved ones back real reservations and every timeline is
//! a true audit trail.

use app::db::Db;
use app::requests::domain::Action;
use app::requests::server::{act::act as decide, expiry, service};
use app::requests::types::{ActionInput, CapacityRequest, RequestInput};
use app::shared::time::format_day;

use super::accounts::caller;

fn day(db: &Db, offset: i64) -> String {
    format_day(db.clock().today() + time::Duration::days(offset))
}

/// Creates the demo requests; returns how many.
pub async fn seed_demo_requests(db: &Db) -> anyhow::Result<usize> {
    let requester = caller(db, "requester").await?;
    let approver1 = caller(db, "approver1").await?;
    let approver2 = caller(db, "approver2").await?;
    let operator = caller(db, "operator").await?;
    let snap = app::fleet::server::service::snapshot(db).await?;
    // The regions' non-GPU SKUs with room, and their GPU SKUs.
    let mut general = Vec::new();
    let mut gpu = Vec::new();
    for region in &snap.regions {
        for s in &region.skus {
            if s.rollup.ledger.free() > 5_000 && s.family != app::fleet::codes::Family::Gpu {
                general.push((s.region.clone(), s.sku.clone()));
            } else if s.family == app::fleet::codes::Family::Gpu && s.rollup.ledger.free() > 64 {
                gpu.push((s.region.clone(), s.sku.clone()));
            }
        }
    }
    anyhow::ensure!(
        general.len() >= 8 && !gpu.is_empty(),
        "the demo fleet has too little room for demo requests"
    );
    let file =
        |i: usize, (region, sku): (String, String), quantity: i64, need_by: String, draft: bool| {
            RequestInput {
                kind: Some("provision".into()),
                region: Some(region),
                zone: Some(None),
                sku: Some(sku),
                quantity: Some(quantity),
                need_by: Some(need_by),
                service: Some(
                    [
                        "search",
                        "ads-serving",
                        "telemetry",
                        "build-farm",
                        "ml-training",
                        "storage-gw",
                    ][i % 6]
                        .into(),
                ),
                justification: Some(format!(
                    "Demo request {i}: growth forecast for next quarter"
                )),
                priority: Some(["P0", "P1", "P2", "P3"][i % 4].into()),
                draft,
                version: None,
            }
        };
    let seen = |r: &CapacityRequest| ActionInput {
        version: Some(r.version),
        comment: None,

        with_buildout: false,
    };
    let mut made = 0;
    // Drafts.
    for (i, pair) in general.iter().enumerate().take(2) {
        service::create(
            db,
            &requester,
            &file(i, pair.clone(), 200, day(db, 45), true),
        )
        .await?;
        made += 1;
    }
    // Submitted: a GPU request with one of two approvals, and ones waiting for their first.
    let r = service::create(
        db,
        &requester,
        &file(2, gpu[0].clone(), 32, day(db, 30), false),
    )
    .await?;
    decide(db, &approver1, &r.key, Action::Approve, &seen(&r)).await?;
    for (i, pair) in general.iter().enumerate().skip(3).take(2) {
        service::create(
            db,
            &requester,
            &file(i, pair.clone(), 400, day(db, 20 + i as i64), false),
        )
        .await?;
    }
    made += 3;
    // Approved (backing reservations), fulfilled, rejected, cancelled, expired.
    let mut approved = Vec::new();
    for i in 5..9 {
        let r = service::create(
            db,
            &requester,
            &file(
                i,
                general[i % general.len()].clone(),
                300,
                day(db, 10 + i as i64),
                false,
            ),
        )
        .await?;
        let r = if r.state == app::requests::domain::State::Submitted {
            decide(db, &approver2, &r.key, Action::Approve, &seen(&r)).await?
        } else {
            r
        };
        approved.push(r);
        made += 1;
    }
    let fulfilled = approved.remove(0);
    decide(
        db,
        &operator,
        &fulfilled.key,
        Action::Fulfill,
        &seen(&fulfilled),
    )
    .await?;
    let r = service::create(
        db,
        &requester,
        &file(9, general[1].clone(), 450, day(db, 60), false),
    )
    .await?;
    decide(
        db,
        &approver1,
        &r.key,
        Action::Reject,
        &ActionInput {
            version: Some(r.version),
            comment: Some("Use the spare pool in the paired region first.".into()),

            with_buildout: false,
        },
    )
    .await?;
    let r = service::create(
        db,
        &requester,
        &file(10, general[2].clone(), 120, day(db, 40), true),
    )
    .await?;
    decide(
        db,
        &requester,
        &r.key,
        Action::Cancel,
        &ActionInput {
            comment: Some("The launch moved to next quarter.".into()),
            ..seen(&r)
        },
    )
    .await?;
    // Filed and approved 45 days ago, needed 30 days ago, never fulfilled:
    // the sweep expires it (a need-by in the past is refused today).
    let clock = (db.clock().stopped(), db.clock().now());
    db.clock().freeze(clock.1 - time::Duration::days(45));
    let filed = service::create(
        db,
        &requester,
        &file(11, general[3].clone(), 250, day(db, 15), false),
    )
    .await;
    let approved = match &filed {
        Ok(r) if r.state == app::requests::domain::State::Submitted => {
            decide(db, &approver2, &r.key, Action::Approve, &seen(r))
                .await
                .map(|_| ())
        }
        _ => Ok(()),
    };
    db.clock().restore(clock.0);
    filed?;
    approved?;
    expiry::sweep(db, &day(db, 0)).await?;
    made += 3;
    Ok(made)
}
