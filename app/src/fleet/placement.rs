//! Placement: where units of a region × SKU go. Pure, so the approval preview,
//! the reservation itself and the tests agree on one rule.

/// A cluster that could hold units (or give them back), with how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub cluster_id: i64,
    pub units: i64,
}

/// Not enough units: how many are missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shortfall {
    pub units: i64,
}

/// `units` units of one cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holding {
    pub cluster_id: i64,
    pub units: i64,
}

/// Where `quantity` units go: clusters with the most units first (ties by id),
/// each filled as far as it can. All or nothing.
pub fn place(candidates: &[Candidate], quantity: i64) -> Result<Vec<Holding>, Shortfall> {
    let mut sorted: Vec<Candidate> = candidates.iter().copied().filter(|c| c.units > 0).collect();
    sorted.sort_by(|a, b| b.units.cmp(&a.units).then(a.cluster_id.cmp(&b.cluster_id)));
    let mut left = quantity;
    let mut plan = Vec::new();
    for c in sorted {
        if left == 0 {
            break;
        }
        let take = c.units.min(left);
        plan.push(Holding {
            cluster_id: c.cluster_id,
            units: take,
        });
        left -= take;
    }
    if left > 0 {
        Err(Shortfall { units: left })
    } else {
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(cluster_id: i64, units: i64) -> Candidate {
        Candidate { cluster_id, units }
    }

    fn h(cluster_id: i64, units: i64) -> Holding {
        Holding { cluster_id, units }
    }

    #[test]
    fn placement_fills_the_freest_first() {
        assert_eq!(
            place(&[c(1, 10), c(2, 50), c(3, 30)], 70),
            Ok(vec![h(2, 50), h(3, 20)])
        );
        assert_eq!(place(&[c(1, 10), c(2, 5)], 20), Err(Shortfall { units: 5 }));
        assert_eq!(place(&[c(1, 0)], 1), Err(Shortfall { units: 1 }));
    }

    proptest! {
        #[test]
        fn placement_never_overfills(frees in proptest::collection::vec(0i64..1000, 0..30), q in 1i64..20_000) {
            let cands: Vec<Candidate> = frees.iter().enumerate().map(|(i, f)| c(i as i64, *f)).collect();
            let total: i64 = frees.iter().sum();
            match place(&cands, q) {
                Ok(plan) => {
                    prop_assert_eq!(plan.iter().map(|p| p.units).sum::<i64>(), q);
                    for p in plan {
                        prop_assert!(p.units > 0 && p.units <= frees[p.cluster_id as usize]);
                    }
                }
                Err(s) => prop_assert_eq!(s.units, q - total),
            }
        }
    }
}
