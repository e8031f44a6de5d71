//! The forecast's backtest on the demo seed's history: for every region × SKU
//! and for origins a week apart, fit each method on the 90 days before the
//! origin, predict used units 30, 60 and 90 days on, and compare with what
//! the history holds then. `cargo run --release -p server --example backtest`
//! prints the table the README reports (`bench/backtest.sh`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use app::forecast::model::{Trend, WINDOW_DAYS};

use super::generate::{generate, Scale};

/// The horizons scored, in days.
pub const HORIZONS: [usize; 3] = [30, 60, 90];

/// A forecasting method: from a window of daily used units, the prediction
/// `h` days after its last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    /// Headroom's: the Theil–Sen line (`forecast::model::Trend`).
    TheilSen,
    /// Ordinary least squares on the same window.
    LeastSquares,
    /// Damped Holt (α 0.3, β 0.05, φ 0.98): exponential smoothing of the
    /// level and the trend, the trend fading with distance.
    DampedHolt,
    /// The last day's value, flat.
    Naive,
}

impl Method {
    pub const ALL: [Method; 4] = [
        Method::TheilSen,
        Method::LeastSquares,
        Method::DampedHolt,
        Method::Naive,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Method::TheilSen => "Theil–Sen (Headroom's)",
            Method::LeastSquares => "least squares",
            Method::DampedHolt => "damped Holt",
            Method::Naive => "naive (flat)",
        }
    }

    /// The prediction `h` days after the window's last day.
    pub fn predict(self, window: &[f64], h: usize) -> f64 {
        self.path(window, h)[h - 1]
    }

    /// The predictions 1, 2, …, `days` days after the window's last day:
    /// each method fitted once.
    pub fn path(self, window: &[f64], days: usize) -> Vec<f64> {
        let n = window.len();
        let last = window[n - 1];
        match self {
            Method::TheilSen => {
                let used: Vec<i64> = window.iter().map(|v| v.round() as i64).collect();
                let trend = Trend::fit(&used);
                (1..=days)
                    .map(|h| trend.map_or(last, |t| t.level + t.slope * h as f64))
                    .collect()
            }
            Method::LeastSquares => {
                let mean_x = (n - 1) as f64 / 2.0;
                let mean_y = window.iter().sum::<f64>() / n as f64;
                let (mut sxy, mut sxx) = (0.0, 0.0);
                for (i, y) in window.iter().enumerate() {
                    let dx = i as f64 - mean_x;
                    sxy += dx * (y - mean_y);
                    sxx += dx * dx;
                }
                let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
                (1..=days)
                    .map(|h| mean_y + slope * ((n - 1) as f64 - mean_x + h as f64))
                    .collect()
            }
            Method::DampedHolt => {
                let (alpha, beta, phi) = (0.3, 0.05, 0.98);
                let (mut level, mut trend) = (window[0], 0.0);
                for y in &window[1..] {
                    let prev = level;
                    level = alpha * y + (1.0 - alpha) * (level + phi * trend);
                    trend = beta * (level - prev) + (1.0 - beta) * phi * trend;
                }
                let mut damped = 0.0;
                (1..=days)
                    .map(|k| {
                        damped += phi.powi(k as i32);
                        level + damped * trend
                    })
                    .collect()
            }
            Method::Naive => vec![last; days],
        }
    }
}

/// How far ahead a crossing is looked for: the forecast's horizon.
const CROSSING_DAYS: usize = app::forecast::model::HORIZON_DAYS as usize;

/// The day (1-based, after the window) a path first reaches `level`, if
/// within `CROSSING_DAYS`.
fn first_reaching(path: &[f64], level: f64) -> Option<usize> {
    path.iter().position(|v| *v >= level).map(|i| i + 1)
}

/// Mean absolute percentage errors by method and horizon, and how many
/// predictions each holds; and the same for crossing dates (see `score`).
#[derive(Debug, Default)]
pub struct Scores {
    sums: BTreeMap<(Method, usize), (f64, usize)>,
    crossings: BTreeMap<(Method, usize), Crossing>,
}

/// A method's crossing-date errors at one horizon: summed absolute errors in
/// days and as a share of the actual days, how many, and how many it did not
/// see coming within the horizon at all.
#[derive(Debug, Default, Clone, Copy)]
pub struct Crossing {
    days: f64,
    share: f64,
    n: usize,
    missed: usize,
}

impl Crossing {
    /// Mean absolute error in days.
    pub fn mean_days(&self) -> f64 {
        self.days / self.n as f64
    }

    /// Mean absolute percentage error of the date (of the days until it).
    pub fn mape(&self) -> f64 {
        self.share / self.n as f64 * 100.0
    }
}

impl Scores {
    pub fn mape(&self, method: Method, horizon: usize) -> f64 {
        self.sums
            .get(&(method, horizon))
            .map_or(f64::NAN, |(sum, n)| sum / *n as f64 * 100.0)
    }

    pub fn count(&self, horizon: usize) -> usize {
        self.sums
            .get(&(Method::Naive, horizon))
            .map_or(0, |(_, n)| *n)
    }

    /// The crossing-date errors of `method` at `horizon`.
    pub fn crossing(&self, method: Method, horizon: usize) -> Crossing {
        self.crossings
            .get(&(method, horizon))
            .copied()
            .unwrap_or_default()
    }
}

/// A level counts as a crossing to predict only when used units (their
/// week's mean) grew at least this much (5 %) by the horizon: below it the
/// date is the noise's.
const GREW: f64 = 1.05;

/// Each day's mean over the week ending on it (the first days over what
/// there is): the level a crossing is judged on, without the weekend dip and
/// the day-to-day noise.
fn weekly_mean(used: &[f64]) -> Vec<f64> {
    (0..used.len())
        .map(|i| {
            let week = &used[i.saturating_sub(6)..=i];
            week.iter().sum::<f64>() / week.len() as f64
        })
        .collect()
}

/// Scores every method on `scale`'s history as of `today`, two ways:
/// - used units 30, 60 and 90 days after the origin against what the
///   history holds then (MAPE);
/// - the exhaustion date: taking the units actually used `h` days on (their
///   week's mean) as if they were all the capacity there is, the day each
///   method says that level is reached against the day the week's mean
///   first reached it (where it grew ≥ 5 %). A method that does not see it
///   within a year scores the year as its error (and counts as missed).
pub fn score(scale: Scale, today: time::Date) -> Scores {
    let mut scores = Scores::default();
    let longest = HORIZONS[HORIZONS.len() - 1];
    for region in generate(&scale.spec(), today) {
        let mut series: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        for h in &region.history {
            series
                .entry(h.sku.as_str())
                .or_default()
                .push((h.allocated + h.reserved) as f64);
        }
        for used in series.values() {
            let smooth = weekly_mean(used);
            // Origins a week apart, each with a full window before it and
            // the longest horizon after it.
            let mut origin = WINDOW_DAYS;
            while origin + longest <= used.len() {
                let window = &used[origin - WINDOW_DAYS..origin];
                let now = smooth[origin - 1];
                for m in Method::ALL {
                    let path = m.path(window, CROSSING_DAYS);
                    for h in HORIZONS {
                        let actual = used[origin - 1 + h];
                        if actual <= 0.0 {
                            continue;
                        }
                        let e = scores.sums.entry((m, h)).or_default();
                        e.0 += (path[h - 1] - actual).abs() / actual;
                        e.1 += 1;
                        let level = smooth[origin - 1 + h];
                        if level < now * GREW {
                            continue;
                        }
                        let Some(reached) = first_reaching(&smooth[origin..origin + h], level)
                        else {
                            continue;
                        };
                        let c = scores.crossings.entry((m, h)).or_default();
                        let said = first_reaching(&path, level);
                        let error = said.unwrap_or(CROSSING_DAYS).abs_diff(reached) as f64;
                        c.days += error;
                        c.share += error / reached as f64;
                        c.n += 1;
                        c.missed += usize::from(said.is_none());
                    }
                }
                origin += 7;
            }
        }
    }
    scores
}

/// The backtest as a Markdown table per scale.
pub fn report(scales: &[Scale], today: time::Date) -> String {
    let mut out = String::new();
    for &scale in scales {
        let s = score(scale, today);
        let _ = writeln!(
            out,
            "\n{scale:?} fleet ({} predictions per horizon): MAPE of used units\n",
            s.count(HORIZONS[0])
        );
        let _ = writeln!(out, "| method | +30 days | +60 days | +90 days |");
        let _ = writeln!(out, "| --- | ---: | ---: | ---: |");
        for m in Method::ALL {
            let cells: Vec<String> = HORIZONS
                .iter()
                .map(|h| format!("{:.1} %", s.mape(m, *h)))
                .collect();
            let _ = writeln!(out, "| {} | {} |", m.name(), cells.join(" | "));
        }
        let _ = writeln!(
            out,
            "\n{scale:?} fleet ({} crossings at +30 days): error of the exhaustion date — the day used \
             units reach what they actually were 30, 60 and 90 days on (a week's mean), as if that were \
             all the capacity (where they grew ≥ 5 %); mean absolute error in days, MAPE of the days, and \
             how many the method did not see within a year\n",
            s.crossing(Method::Naive, HORIZONS[0]).n
        );
        let _ = writeln!(out, "| method | +30 days | +60 days | +90 days |");
        let _ = writeln!(out, "| --- | ---: | ---: | ---: |");
        for m in Method::ALL {
            let cells: Vec<String> = HORIZONS
                .iter()
                .map(|h| {
                    let c = s.crossing(m, *h);
                    format!(
                        "{:.1} d ({:.0} %, {} missed)",
                        c.mean_days(),
                        c.mape(),
                        c.missed
                    )
                })
                .collect();
            let _ = writeln!(out, "| {} | {} |", m.name(), cells.join(" | "));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_method_follows_a_straight_line() {
        let line: Vec<f64> = (0..90).map(|d| 100.0 + 3.0 * d as f64).collect();
        let at_30 = 100.0 + 3.0 * (89.0 + 30.0);
        for m in [Method::TheilSen, Method::LeastSquares] {
            assert!((m.predict(&line, 30) - at_30).abs() < 1e-6, "{m:?}");
        }
        // Holt's damped trend falls a little short; the naive method stays put.
        let holt = Method::DampedHolt.predict(&line, 30);
        assert!(holt > line[89] && holt < at_30, "{holt}");
        assert_eq!(Method::Naive.predict(&line, 30), line[89]);
    }

    #[test]
    fn headroom_s_method_beats_the_flat_line_on_the_seeded_history() {
        let s = score(Scale::Small, time::macros::date!(2026 - 12 - 01));
        for h in HORIZONS {
            let (ts, naive) = (s.mape(Method::TheilSen, h), s.mape(Method::Naive, h));
            assert!(
                ts < naive,
                "+{h} days: Theil–Sen {ts:.1} % vs naive {naive:.1} %"
            );
            assert!(ts < 10.0, "+{h} days: Theil–Sen {ts:.1} %");
            // The flat line never sees a level above today's: every date missed.
            let (ts, naive) = (
                s.crossing(Method::TheilSen, h),
                s.crossing(Method::Naive, h),
            );
            assert!(
                naive.n > 0 && naive.missed == naive.n,
                "+{h} days: {naive:?}"
            );
            assert!(
                ts.mean_days() < naive.mean_days(),
                "+{h} days: {ts:?} vs {naive:?}"
            );
            assert!(ts.missed * 4 < ts.n, "+{h} days: Theil–Sen {ts:?}");
        }
    }

    #[test]
    fn a_crossing_is_the_first_day_a_path_reaches_its_level() {
        let line: Vec<f64> = (0..90).map(|d| 100.0 + 2.0 * d as f64).collect();
        let path = Method::TheilSen.path(&line, CROSSING_DAYS);
        // 278 today; 300 is 11 days on at 2 a day.
        assert_eq!(first_reaching(&path, 300.0), Some(11));
        assert_eq!(first_reaching(&Method::Naive.path(&line, 30), 300.0), None);
        assert_eq!(Method::DampedHolt.path(&line, 30).len(), 30);
        assert_eq!(Method::TheilSen.predict(&line, 11), path[10]);
    }
}
