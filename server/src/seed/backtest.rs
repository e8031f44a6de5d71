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
        let n = window.len();
        let last = window[n - 1];
        match self {
            Method::TheilSen => {
                let used: Vec<i64> = window.iter().map(|v| v.round() as i64).collect();
                Trend::fit(&used).map_or(last, |t| t.level + t.slope * h as f64)
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
                mean_y + slope * ((n - 1) as f64 - mean_x + h as f64)
            }
            Method::DampedHolt => {
                let (alpha, beta, phi) = (0.3, 0.05, 0.98);
                let (mut level, mut trend) = (window[0], 0.0);
                for y in &window[1..] {
                    let prev = level;
                    level = alpha * y + (1.0 - alpha) * (level + phi * trend);
                    trend = beta * (level - prev) + (1.0 - beta) * phi * trend;
                }
                let damped: f64 = (1..=h).map(|k| phi.powi(k as i32)).sum();
                level + damped * trend
            }
            Method::Naive => last,
        }
    }
}

/// Mean absolute percentage errors by method and horizon, and how many
/// predictions each holds.
#[derive(Debug, Default)]
pub struct Scores {
    sums: BTreeMap<(Method, usize), (f64, usize)>,
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
}

/// Scores every method on `scale`'s history as of `today`.
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
            // Origins a week apart, each with a full window before it and
            // the longest horizon after it.
            let mut origin = WINDOW_DAYS;
            while origin + longest <= used.len() {
                let window = &used[origin - WINDOW_DAYS..origin];
                for h in HORIZONS {
                    let actual = used[origin - 1 + h];
                    if actual <= 0.0 {
                        continue;
                    }
                    for m in Method::ALL {
                        let error = (m.predict(window, h) - actual).abs() / actual;
                        let e = scores.sums.entry((m, h)).or_default();
                        e.0 += error;
                        e.1 += 1;
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
        }
    }
}
