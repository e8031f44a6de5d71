//! The pure part of the demo seed: from a scale and a date to rows.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::catalogue::{SkuSpec, REGIONS, SKUS};
use app::fleet::codes::ClusterLifecycle;
use app::fleet::codes::Family;
use app::fleet::server::ledger::{NewCluster, NewHistory};
use app::shared::time::format_day;

/// The demo fleet's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    Small,
    Medium,
    Large,
}

/// What a scale means in regions, clusters and days of history.
#[derive(Debug, Clone, Copy)]
pub struct ScaleSpec {
    pub regions: usize,
    pub clusters: usize,
    pub history_days: i64,
    pub seed: u64,
}

impl Scale {
    pub fn spec(self) -> ScaleSpec {
        match self {
            Scale::Small => ScaleSpec {
                regions: 6,
                clusters: 1_500,
                history_days: 365,
                seed: 1,
            },
            Scale::Medium => ScaleSpec {
                regions: 24,
                clusters: 15_000,
                history_days: 365,
                seed: 2,
            },
            Scale::Large => ScaleSpec {
                regions: REGIONS.len(),
                clusters: 100_000,
                history_days: 365,
                seed: 3,
            },
        }
    }
}

/// One region's rows.
pub struct RegionRows {
    pub code: &'static str,
    pub name: &'static str,
    pub geography: &'static str,
    pub lifecycle: &'static str,
    pub clusters: Vec<NewCluster>,
    pub history: Vec<NewHistory>,
}

/// Which SKUs a region offers: general, compute and memory everywhere; storage
/// in most; GPUs in a few (always in the two biggest regions).
fn offers(rng: &mut ChaCha8Rng, index: usize, sku: &SkuSpec) -> bool {
    match sku.family {
        Family::Gpu => index < 2 || rng.gen_bool(0.3),
        Family::Storage => rng.gen_bool(0.85),
        _ => index < 6 || rng.gen_bool(0.9),
    }
}

fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    x.max(lo).min(hi)
}

/// Generates the regions lazily, one at a time, so memory stays flat.
pub fn generate(spec: &ScaleSpec, today: time::Date) -> impl Iterator<Item = RegionRows> + '_ {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    // Decide every region's shape first so cluster counts add up to the target.
    let plans: Vec<(usize, f64, f64, Vec<&'static SkuSpec>)> = (0..spec.regions)
        .map(|i| {
            let size = if i < 4 {
                rng.gen_range(1.6..2.4)
            } else {
                rng.gen_range(0.4..1.4)
            };
            // A few hot regions give the dashboard its story; the second region is always hot.
            let heat = if i == 1 || rng.gen_bool(0.12) {
                rng.gen_range(0.86..0.95)
            } else {
                rng.gen_range(0.45..0.74)
            };
            let skus = SKUS.iter().filter(|s| offers(&mut rng, i, s)).collect();
            (i, size, heat, skus)
        })
        .collect();
    let weight: f64 = plans
        .iter()
        .map(|(_, size, _, skus)| size * skus.len() as f64)
        .sum();
    let per_weight = spec.clusters as f64 / weight / 3.0;
    let days = spec.history_days;
    plans.into_iter().map(move |(i, size, heat, skus)| {
        let (code, name, geography) = REGIONS[i % REGIONS.len()];
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed * 1_000 + i as u64);
        let lifecycle = if i > 0 && i % 23 == 0 {
            "building"
        } else if i > 0 && i % 31 == 0 {
            "retiring"
        } else {
            "active"
        };
        let mut clusters = Vec::new();
        let mut history = Vec::new();
        // Demand spikes in the history (a launch, a migration), drawn apart so
        // they leave today's fleet as it is: a few days each, some weeks apart.
        let mut spikes = ChaCha8Rng::seed_from_u64(spec.seed * 7_919 + i as u64);
        for sku in skus {
            let bias = match sku.family {
                Family::Gpu => rng.gen_range(0.08..0.16),
                Family::Storage => rng.gen_range(-0.15..0.0),
                _ => rng.gen_range(-0.08..0.05),
            };
            let target = clamp(heat + bias, 0.2, 0.985);
            let (mut total, mut allocated, mut oos) = (0i64, 0i64, 0i64);
            for zone in 1..=3i64 {
                let n = ((size * per_weight * rng.gen_range(0.8..1.2)).round() as usize).max(1);
                for k in 0..n {
                    let nodes = match sku.family {
                        Family::Gpu => rng.gen_range(16..64),
                        _ => rng.gen_range(40..400),
                    };
                    let cap = nodes * sku.per_node;
                    let roll: f64 = rng.gen();
                    let (lifecycle, oos_frac, util) = if roll < 0.03 {
                        (ClusterLifecycle::Buildout, 0.0, 0.0)
                    } else if roll < 0.07 {
                        (
                            ClusterLifecycle::Maintenance,
                            rng.gen_range(0.2..0.5),
                            clamp(target + rng.gen_range(-0.1..0.05), 0.0, 0.97),
                        )
                    } else if roll < 0.09 {
                        (
                            ClusterLifecycle::Decommissioning,
                            rng.gen_range(0.0..0.1),
                            clamp(target * 0.5, 0.0, 1.0),
                        )
                    } else {
                        (
                            ClusterLifecycle::InService,
                            rng.gen_range(0.0..0.03),
                            clamp(
                                target + rng.gen_range(-0.12..0.08),
                                0.0,
                                rng.gen_range(0.95..0.998),
                            ),
                        )
                    };
                    let out_of_service = (cap as f64 * oos_frac) as i64;
                    let alloc = ((cap - out_of_service) as f64 * util) as i64;
                    // Out of service, a cluster's unused units cannot be placed.
                    let out_of_service = if lifecycle == ClusterLifecycle::InService {
                        out_of_service
                    } else {
                        cap - alloc
                    };
                    total += cap;
                    allocated += alloc;
                    oos += out_of_service;
                    clusters.push(NewCluster {
                        name: format!("{code}-az{zone}-{}-{:03}", sku.code.to_lowercase(), k + 1),
                        region: code.to_owned(),
                        zone,
                        sku: sku.code.to_owned(),
                        lifecycle,
                        total: cap,
                        allocated: alloc,
                        reserved: 0,
                        out_of_service,
                    });
                }
            }
            // A year that trends into today's ledger. Demand (used units) grew
            // at its own rate per region and SKU (from shrinking a little to
            // about doubling), lower at weekends, with noise and a few spikes
            // (a launch, a migration). Capacity grew in quarterly buildouts
            // that kept ahead of it, so utilization drops where capacity
            // landed while used units carry on: the forecast's fit reads used
            // units for that reason. (`growth`, `drift` and the daily noise
            // are drawn from `rng` as the fleet's own draws interleave with
            // them: the same seed keeps today's fleet.)
            let growth = rng.gen_range(0.55..0.85);
            let drift = rng.gen_range(0.05..0.25);
            let annual = match sku.family {
                Family::Gpu => 0.35 + drift * 3.0,
                Family::Storage => drift * 2.0 - 0.1,
                _ => drift * 4.0 - 0.2,
            } + spikes.gen_range(-0.05..0.05);
            let cap_then = (growth + 0.4) / (1.0 + annual);
            let oos_frac = if total > 0 {
                oos as f64 / total as f64
            } else {
                0.0
            };
            let episodes: Vec<(i64, i64, f64)> = (0..spikes.gen_range(1..4))
                .map(|_| {
                    (
                        spikes.gen_range(1..days.max(2)),
                        spikes.gen_range(2..7),
                        spikes.gen_range(0.02..0.06),
                    )
                })
                .collect();
            for d in 0..days {
                let age = days - 1 - d;
                let spike: f64 = episodes
                    .iter()
                    .filter(|(ago, len, _)| age <= *ago && age > ago - len)
                    .map(|(_, _, lift)| lift)
                    .sum();
                let date = today - time::Duration::days(age);
                let day = format_day(date);
                let (t, a, o) = if age == 0 {
                    (total, allocated, oos)
                } else {
                    let progress = d as f64 / (days - 1).max(1) as f64;
                    let quarter = (progress * 4.0).floor() / 4.0;
                    let share = clamp(cap_then + (1.0 - cap_then) * quarter, 0.3, 1.0);
                    let t = (total as f64 * share).round() as i64;
                    let weekly = match date.weekday() {
                        time::Weekday::Saturday | time::Weekday::Sunday => -0.03,
                        time::Weekday::Friday => -0.01,
                        _ => 0.005,
                    };
                    let noise = rng.gen_range(-0.01..0.01) * 2.0;
                    let used = allocated as f64 / (1.0 + annual).powf(age as f64 / 365.0)
                        * (1.0 + weekly + spike + noise);
                    let o = (t as f64 * oos_frac) as i64;
                    (t, clamp(used, 0.0, (t - o) as f64 * 0.995) as i64, o)
                };
                history.push(NewHistory {
                    region: code.to_owned(),
                    sku: sku.code.to_owned(),
                    day,
                    total: t,
                    allocated: a,
                    reserved: 0,
                    out_of_service: o,
                });
            }
        }
        RegionRows {
            code,
            name,
            geography,
            lifecycle,
            clusters,
            history,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::fleet::ledger::Ledger;

    fn day() -> time::Date {
        time::macros::date!(2026 - 11 - 28)
    }

    #[test]
    fn same_scale_same_fleet() {
        let a: Vec<_> = generate(&Scale::Small.spec(), day())
            .flat_map(|r| r.clusters)
            .map(|c| (c.name, c.total, c.allocated))
            .collect();
        let b: Vec<_> = generate(&Scale::Small.spec(), day())
            .flat_map(|r| r.clusters)
            .map(|c| (c.name, c.total, c.allocated))
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn rows_are_valid_ledgers_with_unique_names() {
        let mut names = std::collections::HashSet::new();
        for region in generate(&Scale::Small.spec(), day()) {
            for c in &region.clusters {
                assert!(
                    Ledger::parse(c.total, c.allocated, c.reserved, c.out_of_service).is_ok(),
                    "{c:?}"
                );
                assert_eq!(c.reserved, 0);
                let free = c.total - c.allocated - c.reserved - c.out_of_service;
                if c.lifecycle != ClusterLifecycle::InService {
                    assert_eq!(free, 0, "units out of service cannot be free: {c:?}");
                }
                assert!(names.insert(c.name.clone()), "duplicate {}", c.name);
            }
            for h in &region.history {
                assert!(
                    Ledger::parse(h.total, h.allocated, h.reserved, h.out_of_service).is_ok(),
                    "{h:?}"
                );
            }
        }
    }

    #[test]
    fn large_is_large() {
        let spec = Scale::Large.spec();
        assert!(spec.regions >= 60);
        assert!(SKUS.len() >= 12);
        let clusters: usize = generate(&spec, day()).map(|r| r.clusters.len()).sum();
        assert!((90_000..=110_000).contains(&clusters), "{clusters}");
    }
}
