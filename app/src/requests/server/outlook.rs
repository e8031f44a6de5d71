//! What approving a request would do to its region × SKU, before anyone
//! approves it: the band after its units are reserved, and how many units are
//! missing to place it now. Free units are placeable units (PRODUCT.md "The
//! fleet"), so the rollup answers for a region-wide request;
//! a zone-pinned one is short by what its zone lacks (the zone's free units
//! kept in the snapshot: one query per region × SKU and fleet version,
//! however many rows or pages ask).

use super::act::unit_of;
use crate::db::Db;
use crate::error::AppResult;
use crate::fleet::ledger::Health;
use crate::fleet::server::snapshot::Snapshot;
use crate::requests::domain::{Kind, State};
use crate::requests::types::{CapacityRequest, InboxItem};

/// The band after approval and the units short, for a provision that is
/// still waiting for approvals; `(None, 0)` for anything else.
pub async fn outlook(
    db: &Db,
    snap: &Snapshot,
    r: &CapacityRequest,
) -> AppResult<(Option<Health>, i64)> {
    let zone_free = match r.zone {
        Some(z) if waits(r) => Some(zone_free_of(
            &snap.zone_frees(db, &r.region, &r.sku).await?,
            z,
        )),
        _ => None,
    };
    Ok(outlook_given(snap, r, zone_free))
}

/// Whether a request is a provision still waiting for approvals.
fn waits(r: &CapacityRequest) -> bool {
    r.kind == Kind::Provision && r.state == State::Submitted
}

fn zone_free_of(frees: &[(i64, i64)], zone: i64) -> i64 {
    frees
        .iter()
        .find(|(z, _)| *z == zone)
        .map_or(0, |(_, free)| *free)
}

/// `outlook`, given the free units of the request's zone (a zone-pinned
/// request is placed in that zone only; free units are placeable units).
fn outlook_given(
    snap: &Snapshot,
    r: &CapacityRequest,
    zone_free: Option<i64>,
) -> (Option<Health>, i64) {
    if !waits(r) {
        return (None, 0);
    }
    let Some(pair) = snap
        .region(&r.region)
        .and_then(|reg| reg.skus.iter().find(|s| s.sku == r.sku))
    else {
        return (None, r.quantity);
    };
    let (free_after, band) = pair
        .rollup
        .ledger
        .after_reserving(r.quantity, &snap.thresholds);
    let short = match zone_free {
        None => (-free_after).max(0),
        Some(free) => (r.quantity - free).max(0),
    };
    (Some(band), short)
}

/// Inbox rows: each request with its outlook, asking for the zone frees of
/// each region × SKU once however many of its requests are zone-pinned.
pub async fn inbox_items(
    db: &Db,
    snap: &Snapshot,
    requests: Vec<CapacityRequest>,
) -> AppResult<Vec<InboxItem>> {
    // Each pair's zone frees are read once per fleet version (the snapshot
    // keeps them), however many rows ask.
    let mut items = Vec::with_capacity(requests.len());
    for request in requests {
        let (band_after, short_by) = outlook(db, snap, &request).await?;
        items.push(InboxItem {
            unit: unit_of(snap, &request.sku),
            band_after,
            short_by,
            request,
        });
    }
    Ok(items)
}
