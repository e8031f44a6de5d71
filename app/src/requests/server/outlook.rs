//! What approving a request would do to its region × SKU, before anyone
//! approves it: the band after its units are reserved, and how many units are
//! missing to place it now. Free units are placeable units (PRODUCT.md "The
//! fleet"), so the rollup answers for a request of any zone; a zone-pinned one
//! asks placement itself.

use super::act::unit_of;
use crate::db::Db;
use crate::error::AppResult;
use crate::fleet::ledger::Health;
use crate::fleet::server::ledger::{self, Slot};
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
    if r.kind != Kind::Provision || r.state != State::Submitted {
        return Ok((None, 0));
    }
    let Some(pair) = snap
        .region(&r.region)
        .and_then(|reg| reg.skus.iter().find(|s| s.sku == r.sku))
    else {
        return Ok((None, r.quantity));
    };
    let (free_after, band) = pair
        .rollup
        .ledger
        .after_reserving(r.quantity, &snap.thresholds);
    let short = match r.zone {
        None => (-free_after).max(0),
        Some(_) => {
            let slot = Slot {
                region: &r.region,
                sku: &r.sku,
                zone: r.zone,
            };
            match ledger::preview_reservation(db, slot, r.quantity).await? {
                Ok(_) => 0,
                Err(s) => s.units,
            }
        }
    };
    Ok((Some(band), short))
}

/// An inbox row: the request with its outlook.
pub async fn inbox_item(
    db: &Db,
    snap: &Snapshot,
    request: CapacityRequest,
) -> AppResult<InboxItem> {
    let (band_after, short_by) = outlook(db, snap, &request).await?;
    Ok(InboxItem {
        unit: unit_of(snap, &request.sku),
        band_after,
        short_by,
        request,
    })
}
