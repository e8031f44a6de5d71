//! When a region × SKU runs out: the organic trend of demand fitted on the
//! daily history of used units, projected against supply as it will be and
//! the demand already known, to the dates it crosses the constrained and
//! critical thresholds and runs out. Pure: the server reads the inputs, the
//! browser can re-run a what-if on them.
//!
//! **The trend** is fitted on used units (`allocated + reserved`), not on the
//! utilization ratio, so capacity added or removed does not bend it. The
//! method is the Theil–Sen estimator: the slope is the median of the slopes
//! between every pair of days, the level the median of what is left. It is
//! robust to what capacity histories hold: a one-off step (a large allocation
//! lands in a day) moves few pairwise slopes, so it is not read as growth;
//! noise and a weekly rhythm average out; up to ~29 % of wild days change
//! nothing. **The band** (80 %) comes from the fit's residuals: their 10th and
//! 90th percentiles, widened with the distance from the fitted window.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::fleet::ledger::Thresholds;

/// The default window of history the trend is fitted on, in days.
pub const WINDOW_DAYS: usize = 90;
/// How far ahead a forecast looks, in days; a crossing later than this is
/// "not within the horizon".
pub const HORIZON_DAYS: i64 = 365;

/// The organic trend of used units, fitted on a window of daily history.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// Growth of used units per day (negative when demand shrinks).
    pub slope: f64,
    /// The fitted used units on the window's last day.
    pub level: f64,
    /// The residuals' 10th and 90th percentiles (an 80 % band around the line).
    pub low: f64,
    pub high: f64,
    /// Days the fit saw.
    pub days: usize,
}

/// The median of `values` (which it sorts); `None` when empty.
fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(match values.len() % 2 {
        1 => values[mid],
        _ => (values[mid - 1] + values[mid]) / 2.0,
    })
}

/// The `p`-quantile (0–1) of sorted `values`, interpolated between neighbours.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        1 => sorted[0],
        n => {
            let at = p.clamp(0.0, 1.0) * (n - 1) as f64;
            let (lo, frac) = (at.floor() as usize, at.fract());
            sorted[lo] + (sorted[(lo + 1).min(n - 1)] - sorted[lo]) * frac
        }
    }
}

impl Trend {
    /// Fits the trend on daily used units, oldest first, one value per day
    /// (the last `WINDOW_DAYS` of them). `None` with fewer than 7 days: too
    /// short to tell growth from a week's rhythm.
    pub fn fit(used: &[i64]) -> Option<Trend> {
        let window = &used[used.len().saturating_sub(WINDOW_DAYS)..];
        let n = window.len();
        if n < 7 {
            return None;
        }
        let y: Vec<f64> = window.iter().map(|&u| u as f64).collect();
        let mut slopes = Vec::with_capacity(n * (n - 1) / 2);
        for i in 0..n {
            for j in i + 1..n {
                slopes.push((y[j] - y[i]) / (j - i) as f64);
            }
        }
        let slope = median(&mut slopes)?;
        let mut intercepts: Vec<f64> = (0..n).map(|i| y[i] - slope * i as f64).collect();
        let intercept = median(&mut intercepts)?;
        let mut residuals: Vec<f64> = (0..n)
            .map(|i| y[i] - (intercept + slope * i as f64))
            .collect();
        residuals.sort_by(f64::total_cmp);
        Some(Trend {
            slope,
            level: intercept + slope * (n - 1) as f64,
            low: quantile(&residuals, 0.1),
            high: quantile(&residuals, 0.9),
            days: n,
        })
    }

    /// The band's half-widths `h` days after the window: the residual
    /// percentiles, widened as the line's own uncertainty grows with distance.
    pub fn band_at(&self, h: i64) -> (f64, f64) {
        let widen = (1.0 + h.max(0) as f64 / self.days.max(1) as f64).sqrt();
        (self.low * widen, self.high * widen)
    }
}

/// A change on a date: units of supply (a buildout's `+`, a decommission's
/// `−`) or of demand (a request waiting for capacity, a pending request, a
/// hypothetical one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub on: Date,
    pub units: i64,
}

/// What a projection starts from and folds in.
#[derive(Debug, Clone, PartialEq)]
pub struct Outlook {
    /// Today (UTC), the projection's first day.
    pub today: Date,
    /// Units in use or promised today (`allocated + reserved`).
    pub used: i64,
    /// Units in service today (`total − out_of_service`).
    pub serviceable: i64,
    /// Supply to come: buildouts at their ETA, decommissions.
    pub supply: Vec<Step>,
    /// Demand known but not yet in the history.
    pub demand: Vec<Step>,
    /// What-if: the organic trend's growth multiplied (1.0 as fitted).
    pub growth: f64,
}

/// The dates a region × SKU crosses its thresholds and runs out (free ≤ 0):
/// today when it already has, `None` when not within the horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Crossings {
    pub constrained: Option<Date>,
    pub critical: Option<Date>,
    pub exhaustion: Option<Date>,
}

/// One day of a projection: used units on the line and its 80 % band, and
/// the serviceable units then.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Day {
    pub on: Date,
    pub used: f64,
    pub low: f64,
    pub high: f64,
    pub serviceable: i64,
}

/// Units of `steps` that have landed by `on` (inclusive).
fn landed(steps: &[Step], on: Date) -> i64 {
    steps.iter().filter(|s| s.on <= on).map(|s| s.units).sum()
}

impl Outlook {
    /// The projection, day by day from today to the horizon: today's used
    /// units plus the trend's growth (never below today's: a shrinking trend
    /// does not free capacity before it happens) plus known demand as it
    /// lands, against today's serviceable units plus supply as it lands.
    pub fn project(&self, trend: Option<&Trend>) -> Vec<Day> {
        (0..=HORIZON_DAYS)
            .map(|h| {
                let on = self.today + time::Duration::days(h);
                let growth = trend.map_or(0.0, |t| (t.slope * self.growth).max(0.0) * h as f64);
                let used = self.used as f64 + growth + landed(&self.demand, on) as f64;
                let (low, high) = trend.map_or((0.0, 0.0), |t| t.band_at(h));
                Day {
                    on,
                    used,
                    low: (used + low).max(0.0),
                    high: used + high,
                    serviceable: self.serviceable + landed(&self.supply, on),
                }
            })
            .collect()
    }

    /// The first days the projection crosses each threshold and runs out.
    pub fn crossings(&self, trend: Option<&Trend>, thresholds: &Thresholds) -> Crossings {
        let days = self.project(trend);
        let first = |crossed: &dyn Fn(&Day) -> bool| days.iter().find(|d| crossed(d)).map(|d| d.on);
        let at_least = |d: &Day, bp: i64| d.used * 10_000.0 >= (bp * d.serviceable.max(0)) as f64;
        Crossings {
            constrained: first(&|d| at_least(d, thresholds.constrained_bp)),
            critical: first(&|d| at_least(d, thresholds.critical_bp)),
            exhaustion: first(&|d| d.used >= d.serviceable as f64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 01);

    fn thresholds() -> Thresholds {
        Thresholds {
            constrained_bp: 7_500,
            critical_bp: 9_000,
        }
    }

    fn outlook(used: i64, serviceable: i64) -> Outlook {
        Outlook {
            today: TODAY,
            used,
            serviceable,
            supply: vec![],
            demand: vec![],
            growth: 1.0,
        }
    }

    fn days_until(d: Option<Date>) -> Option<i64> {
        d.map(|d| (d - TODAY).whole_days())
    }

    /// A deterministic noise of about ±`amp` (a small linear congruential sequence).
    fn noise(i: usize, amp: f64) -> f64 {
        let x = (i as u64)
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((x >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 2.0 * amp
    }

    #[test]
    fn a_flat_history_never_runs_out() {
        let t = Trend::fit(&[500; 90]).unwrap();
        assert_eq!(t.slope, 0.0);
        assert_eq!(
            outlook(500, 1_000).crossings(Some(&t), &thresholds()),
            Crossings::default()
        );
    }

    #[test]
    fn a_linear_history_runs_out_when_the_line_meets_supply() {
        // 100 + 5/day for 90 days: 545 used today of 1,000 in service.
        let used: Vec<i64> = (0..90).map(|d| 100 + 5 * d).collect();
        let t = Trend::fit(&used).unwrap();
        assert!((t.slope - 5.0).abs() < 1e-9, "{t:?}");
        let c = outlook(545, 1_000).crossings(Some(&t), &thresholds());
        // 750 at +41 days, 900 at +71, 1,000 at +91.
        assert_eq!(days_until(c.constrained), Some(41));
        assert_eq!(days_until(c.critical), Some(71));
        assert_eq!(days_until(c.exhaustion), Some(91));
    }

    #[test]
    fn a_one_off_step_is_not_read_as_growth() {
        // A large allocation landed 30 days ago; flat before and after.
        let used: Vec<i64> = (0..90).map(|d| if d < 60 { 300 } else { 500 }).collect();
        let t = Trend::fit(&used).unwrap();
        assert_eq!(t.slope, 0.0, "{t:?}");
        assert_eq!(
            outlook(500, 1_000)
                .crossings(Some(&t), &thresholds())
                .exhaustion,
            None
        );
    }

    #[test]
    fn a_noisy_line_with_a_weekly_rhythm_lands_within_a_few_days() {
        // 5/day, ±40 units of noise, weekends 60 lower.
        let used: Vec<i64> = (0..90)
            .map(|d| {
                let weekend = if d % 7 >= 5 { -60.0 } else { 0.0 };
                (100.0 + 5.0 * d as f64 + noise(d, 40.0) + weekend) as i64
            })
            .collect();
        let t = Trend::fit(&used).unwrap();
        assert!((t.slope - 5.0).abs() < 0.5, "{t:?}");
        let c = outlook(545, 1_000).crossings(Some(&t), &thresholds());
        let days = days_until(c.exhaustion).unwrap();
        assert!(
            (82..=101).contains(&days),
            "exhaustion in {days} days, exactly 91 without noise"
        );
        // The band holds the noise: about 80 % of the history within it.
        assert!(t.low < -20.0 && t.high > 20.0, "{t:?}");
    }

    #[test]
    fn outliers_do_not_move_the_slope() {
        let mut used: Vec<i64> = (0..90).map(|d| 100 + 5 * d).collect();
        for d in [10, 30, 50, 70] {
            used[d] += 2_000;
        }
        let t = Trend::fit(&used).unwrap();
        assert!((t.slope - 5.0).abs() < 0.2, "{t:?}");
    }

    #[test]
    fn supply_and_known_demand_move_the_dates() {
        let used: Vec<i64> = (0..90).map(|d| 100 + 5 * d).collect();
        let t = Trend::fit(&used).unwrap();
        let base = outlook(545, 1_000);
        // A buildout of 500 units at +50 days: out at +191 instead of +91.
        let built = Outlook {
            supply: vec![Step {
                on: TODAY + time::Duration::days(50),
                units: 500,
            }],
            ..base.clone()
        };
        assert_eq!(
            days_until(built.crossings(Some(&t), &thresholds()).exhaustion),
            Some(191)
        );
        // 200 units waiting for capacity from +10 days: out at +51.
        let waiting = Outlook {
            demand: vec![Step {
                on: TODAY + time::Duration::days(10),
                units: 200,
            }],
            ..base.clone()
        };
        assert_eq!(
            days_until(waiting.crossings(Some(&t), &thresholds()).exhaustion),
            Some(51)
        );
        // Growth ×2: out at +46 (455 units at 10/day).
        let faster = Outlook {
            growth: 2.0,
            ..base
        };
        assert_eq!(
            days_until(faster.crossings(Some(&t), &thresholds()).exhaustion),
            Some(46)
        );
    }

    #[test]
    fn a_region_sku_already_past_a_threshold_crossed_it_today() {
        let c = outlook(950, 1_000).crossings(None, &thresholds());
        assert_eq!(c.constrained, Some(TODAY));
        assert_eq!(c.critical, Some(TODAY));
        assert_eq!(c.exhaustion, None);
        let gone = outlook(10, 0).crossings(None, &thresholds());
        assert_eq!(gone.exhaustion, Some(TODAY));
    }

    #[test]
    fn a_shrinking_trend_frees_nothing_before_it_happens() {
        let used: Vec<i64> = (0..90).map(|d| 900 - 3 * d).collect();
        let t = Trend::fit(&used).unwrap();
        assert!(t.slope < 0.0);
        let days = outlook(633, 1_000).project(Some(&t));
        assert!(days.iter().all(|d| d.used == 633.0));
    }

    #[test]
    fn too_short_a_history_has_no_trend_and_the_band_widens_ahead() {
        assert_eq!(Trend::fit(&[1, 2, 3, 4, 5, 6]), None);
        let used: Vec<i64> = (0..90)
            .map(|d| (100.0 + 5.0 * d as f64 + noise(d, 40.0)) as i64)
            .collect();
        let t = Trend::fit(&used).unwrap();
        let (near_low, near_high) = t.band_at(0);
        let (far_low, far_high) = t.band_at(180);
        assert!(far_low < near_low && far_high > near_high);
        // Only the window's last 90 days count.
        let mut long = vec![0; 200];
        long.extend(used.iter());
        assert_eq!(Trend::fit(&long), Some(t));
    }
}
