//! Region × family roll-ups: a family's SKUs in one region summed into one
//! `PairInputs`, projected by `scenario` like any pair.

use super::model::Trend;
use super::scenario::PairInputs;

/// The sum of two trends whose growth is clamped at zero (as a projection
/// clamps it), so the sum's line is the sum of the lines.
fn add_trends(sum: Option<Trend>, t: Option<Trend>) -> Option<Trend> {
    let clamp = |t: Trend| Trend {
        slope: t.slope.max(0.0),
        ..t
    };
    match (sum, t) {
        (None, t) | (t, None) => t.map(clamp),
        (Some(a), Some(b)) => Some(Trend {
            slope: a.slope.max(0.0) + b.slope.max(0.0),
            level: a.level + b.level,
            low: a.low + b.low,
            high: a.high + b.high,
            days: a.days.min(b.days),
        }),
    }
}

/// Adds `history` into `sum`, aligned on their last days.
fn add_history(sum: &mut Vec<i64>, history: &[i64]) {
    if history.len() > sum.len() {
        let pad = history.len() - sum.len();
        sum.splice(0..0, std::iter::repeat_n(0, pad));
    }
    let from = sum.len() - history.len();
    for (s, h) in sum[from..].iter_mut().zip(history) {
        *s += h;
    }
}

/// The region × family roll-ups of `pairs`, each the sum of its pairs (a sum
/// of ledgers, in the family's unit). Projected like a pair, a roll-up's used
/// line is exactly the sum of its pairs' lines — each pair's growth is
/// clamped at zero before the sum, as a pair's projection clamps it — and
/// its supply and demand are theirs, so its dates are those of the summed
/// projections. Its band is the sum of theirs: wider than a joint 80 % band,
/// as pairs' bad days do not all fall together.
pub fn family_rollups(pairs: &[PairInputs]) -> Vec<PairInputs> {
    let mut sums: std::collections::BTreeMap<(String, String), PairInputs> = Default::default();
    for p in pairs {
        let key = (p.region.clone(), p.family.as_str().to_owned());
        let sum = sums.entry(key).or_insert_with(|| PairInputs {
            region: p.region.clone(),
            sku: p.family.as_str().to_owned(),
            family: p.family,
            unit: p.unit,
            used: 0,
            serviceable: 0,
            trend: None,
            history: Vec::new(),
            supply: Vec::new(),
            waiting: Vec::new(),
            pending: Vec::new(),
            members: 0,
        });
        sum.used += p.used;
        sum.serviceable += p.serviceable;
        sum.trend = add_trends(sum.trend, p.trend);
        add_history(&mut sum.history, &p.history);
        sum.supply.extend(&p.supply);
        sum.waiting.extend(&p.waiting);
        sum.pending.extend(&p.pending);
        sum.members += p.members;
    }
    sums.into_values().collect()
}
