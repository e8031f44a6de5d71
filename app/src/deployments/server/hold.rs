//! What may hold a deployment back: the health gate of its next ring (the
//! ring's clusters against the region × SKU's band) and a capacity freeze of
//! the region × family (`freeze.percent.<family>`), which also holds automatic
//! approvals of provisions.

use sqlx::AnyConnection;

use super::model::Loaded;
use crate::deployments::domain::RingState;
use crate::deployments::gate;
use crate::error::AppResult;
use crate::fleet::ledger::Ledger;
use crate::fleet::server::snapshot::Snapshot;

/// Whether the first pending ring may start now (`Err` says why not), reading
/// the ring's clusters on `conn` (the caller's transaction, when it holds one:
/// asking the pool for a second connection while holding one deadlocks once
/// every connection is held that way).
pub(super) async fn gate_of(
    snap: &Snapshot,
    conn: &mut AnyConnection,
    d: &Loaded,
) -> AppResult<Option<(usize, Result<(), String>)>> {
    let Some(r) = d.rings.iter().position(|r| r.state == RingState::Pending) else {
        return Ok(None);
    };
    let region = d.row.region.as_str();
    let pair = snap
        .region(region)
        .and_then(|reg| reg.skus.iter().find(|s| s.sku == d.row.sku.as_str()));
    let Some(pair) = pair else {
        return Ok(Some((r, Ok(()))));
    };
    let mut ring = Vec::new();
    for t in &d.targets[r] {
        if let Some(c) = t.cluster_id {
            if let Some(row) = crate::fleet::server::store::find_cluster(&mut *conn, c).await? {
                ring.push(
                    Ledger::parse(row.total, row.allocated, row.reserved, row.out_of_service)
                        .unwrap_or_default(),
                );
            }
        }
    }
    let freeze = frozen(snap, region, pair.family);
    let name = format!("{region} {}", d.row.sku);
    let verdict = gate::check(
        d.row.kind,
        &name,
        pair.rollup.ledger,
        &ring,
        &snap.thresholds,
        freeze.as_deref(),
    );
    Ok(Some((r, verdict)))
}

/// Why a region × family is frozen (`freeze.percent.<family>`), if it is.
pub fn frozen(
    snap: &Snapshot,
    region: &str,
    family: crate::fleet::codes::Family,
) -> Option<String> {
    let percent = snap.settings.freeze_percent(family)?;
    let reg = snap.region(region)?;
    let (free, total) = reg
        .skus
        .iter()
        .filter(|s| s.family == family)
        .fold((0, 0), |(f, t), s| {
            (f + s.rollup.ledger.free(), t + s.rollup.ledger.total())
        });
    gate::frozen(free, total, percent).then(|| {
        let pct = if total > 0 { free * 100 / total } else { 0 };
        format!("{family} in {region} has {pct}% free, below the {percent}% freeze")
    })
}
