//! A ring's gate: whether taking its clusters out of service leaves the
//! region × SKU out of the critical band, and whether a capacity freeze holds
//! decommissions back. A buildout is never held (more capacity is what a
//! critical band needs). Pure.

use super::domain::Kind;
use crate::fleet::ledger::{Health, Ledger, Thresholds};

/// What a ring would take out of service: the ledgers of its clusters.
pub fn check(
    kind: Kind,
    pair: &str,
    rollup: Ledger,
    ring: &[Ledger],
    thresholds: &Thresholds,
    freeze: Option<&str>,
) -> Result<(), String> {
    if kind == Kind::Buildout {
        return Ok(());
    }
    if let (Kind::Decommission, Some(why)) = (kind, freeze) {
        return Err(format!("capacity freeze: {why}"));
    }
    let (mut used, mut serviceable) = (rollup.used(), rollup.serviceable());
    for l in ring {
        match kind {
            // The cluster leaves: its serviceable units go (it holds no allocation).
            Kind::Decommission => {
                serviceable -= l.serviceable();
                used -= l.used();
            }
            // The cluster goes into maintenance: its free units go out of service.
            Kind::Rollout => serviceable -= l.free(),
            Kind::Buildout => {}
        }
    }
    let after = thresholds.band(used, serviceable);
    if after == Health::Critical {
        let pct = if serviceable > 0 {
            used * 100 / serviceable
        } else {
            100
        };
        return Err(format!(
            "taking this ring out of service would leave {pair} critical ({pct}% used)"
        ));
    }
    Ok(())
}

/// Whether a region × family is frozen: its free units below `percent` of its total.
pub fn frozen(free: i64, total: i64, percent: i64) -> bool {
    total > 0 && free * 100 < total * percent
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(total: i64, allocated: i64, oos: i64) -> Ledger {
        Ledger::parse(total, allocated, 0, oos).unwrap()
    }

    #[test]
    fn a_buildout_is_never_held() {
        let hot = l(100, 99, 0);
        assert_eq!(
            check(
                Kind::Buildout,
                "w Dv5",
                hot,
                &[l(10, 0, 0)],
                &Thresholds::default(),
                Some("frozen")
            ),
            Ok(())
        );
    }

    #[test]
    fn a_decommission_that_would_leave_the_pair_critical_waits() {
        // 700 used of 1,000: removing 100 idle units leaves 700/900 (constrained), 250 leaves 700/750 (critical).
        let pair = l(1000, 700, 0);
        let t = Thresholds::default();
        assert_eq!(
            check(Kind::Decommission, "w Dv5", pair, &[l(100, 0, 0)], &t, None),
            Ok(())
        );
        let err = check(
            Kind::Decommission,
            "westus2 Dv5",
            pair,
            &[l(100, 0, 0), l(150, 0, 0)],
            &t,
            None,
        )
        .unwrap_err();
        assert_eq!(
            err,
            "taking this ring out of service would leave westus2 Dv5 critical (93% used)"
        );
        assert!(check(
            Kind::Decommission,
            "w",
            pair,
            &[l(10, 0, 0)],
            &t,
            Some("gpu in w: 3% free, below 5%")
        )
        .unwrap_err()
        .starts_with("capacity freeze"));
    }

    #[test]
    fn a_rollout_counts_only_free_units_out() {
        let pair = l(1000, 850, 0);
        // A cluster of 200 with 150 used: 50 free go out → 850/950 = 89% (constrained).
        assert_eq!(
            check(
                Kind::Rollout,
                "w",
                pair,
                &[l(200, 150, 0)],
                &Thresholds::default(),
                None
            ),
            Ok(())
        );
        assert!(check(
            Kind::Rollout,
            "w",
            pair,
            &[l(200, 100, 0)],
            &Thresholds::default(),
            None
        )
        .is_err());
    }

    #[test]
    fn freezes() {
        assert!(frozen(4, 100, 5));
        assert!(!frozen(5, 100, 5));
        assert!(!frozen(0, 0, 5));
    }
}
