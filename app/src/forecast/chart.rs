//! A region × SKU's forecast as an SVG: the history of used units sent (a
//! year on a region's page, else the fitted 90 days), the
//! projection from today with its 80 % band, the units in service (with the
//! constrained and critical lines under it) as buildouts and decommissions
//! land, marks where known demand lands, and the crossings. Server-rendered;
//! hydrated, it redraws as the scenario changes.

use leptos::prelude::*;
use time::Date;

use super::history::history_days;
use super::model::{Crossings, Day, Step};
use crate::components::chart_axis::{line_path, month_ticks, px, rules};
use crate::components::format::units;
use crate::fleet::ledger::Thresholds;
use crate::shared::time::format_day;

const W: f64 = 720.0;
const H: f64 = 240.0;
const PAD_L: f64 = 56.0;
const PAD_R: f64 = 8.0;
const PAD_T: f64 = 10.0;
const PAD_B: f64 = 22.0;

/// `2027-03-14` → `14 Mar 2027`.
pub fn human_day(d: Date) -> String {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {}",
        d.day(),
        NAMES[u8::from(d.month()) as usize - 1],
        d.year()
    )
}

/// A date as people read it, or "not within a year".
pub fn human_or_never(d: Option<Date>) -> String {
    d.map_or_else(|| "not within a year".to_owned(), human_day)
}

/// What one chart draws.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    pub today: Date,
    pub unit: &'static str,
    /// Used units, as `history::thin_history` lays them out.
    pub history: Vec<i64>,
    pub days: Vec<Day>,
    pub supply: Vec<Step>,
    pub demand: Vec<Step>,
    pub crossings: Crossings,
    pub thresholds: Thresholds,
}

/// Positions on the chart: slot `i` of the history and projection together,
/// and units `v`.
struct Axes {
    slots: usize,
    bottom: f64,
    top: f64,
}

impl Axes {
    fn x(&self, i: usize) -> f64 {
        px(PAD_L + i as f64 / (self.slots.max(2) - 1) as f64 * (W - PAD_L - PAD_R))
    }
    fn y(&self, v: f64) -> f64 {
        let t = (v - self.bottom) / (self.top - self.bottom).max(1.0);
        px(PAD_T + (1.0 - t.clamp(0.0, 1.0)) * (H - PAD_T - PAD_B))
    }
}

/// The `d` of a path through `pts`, the points on its straight runs left out.
fn points(pts: impl Iterator<Item = (f64, f64)>) -> String {
    line_path(simplify(pts), false)
}

/// Drops each point that lies on the straight line from the point kept
/// before it to the next (within a twentieth of a pixel, and between them):
/// a step or a straight projection keeps its corners, a noisy history every
/// point. The in-service and threshold steps were two points a day.
fn simplify(pts: impl Iterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for p in pts {
        while let [.., a, b] = out[..] {
            let (dx, dy) = (p.0 - a.0, p.1 - a.1);
            let len = dx.hypot(dy);
            let off = match len > 0.0 {
                true => ((b.0 - a.0) * dy - (b.1 - a.1) * dx).abs() / len,
                false => (b.0 - a.0).hypot(b.1 - a.1),
            };
            let between = (b.0 - a.0) * (p.0 - b.0) + (b.1 - a.1) * (p.1 - b.1) >= 0.0;
            if off < 0.05 && between {
                out.pop();
            } else {
                break;
            }
        }
        out.push(p);
    }
    out
}

/// The history's legend: "used, last 90 days", or over a year (whose
/// thinned history spans 363 days) "used, past year".
fn used_caption(days: usize) -> String {
    match days {
        360.. => "used, past year".to_owned(),
        n => format!("used, last {n} days"),
    }
}

/// A "nice" step for about four gridlines up to `top`.
fn grid_step(top: f64) -> f64 {
    let raw = (top / 4.0).max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(raw)
}

#[component]
pub fn ForecastChart(data: ChartData, #[prop(into)] label: String) -> impl IntoView {
    // The days the history spans, and each value's day.
    let (n, history_day) = history_days(data.history.len());
    let slot_of = |on: Date| n + (on - data.today).whole_days().max(0) as usize;
    let top = data
        .days
        .iter()
        .map(|d| d.high.max(d.serviceable as f64))
        .chain(data.history.iter().map(|h| *h as f64))
        .fold(1.0, f64::max)
        * 1.08;
    // The axis starts near the lowest line drawn (the constrained line, the
    // band's low, the history), not at zero, so the lines use the height.
    let constrained = data.thresholds.constrained_bp as f64 / 10_000.0;
    let low = data
        .days
        .iter()
        .map(|d| d.low.min(d.serviceable as f64 * constrained))
        .chain(data.history.iter().map(|h| *h as f64))
        .fold(top, f64::min);
    let step = grid_step(top - low * 0.9);
    let bottom = ((low * 0.9 / step).floor() * step).max(0.0);
    let ax = Axes {
        slots: n + data.days.len(),
        bottom,
        top,
    };
    let steps: Vec<f64> = (0..)
        .map(|k| bottom + k as f64 * step)
        .take_while(|v| *v <= top)
        .collect();
    let grid_rules = rules(steps.iter().map(|v| ax.y(*v)), true, (PAD_L, W - PAD_R));
    let grid = steps
        .iter()
        .map(|v| view! { <text x=PAD_L - 4.0 y=ax.y(*v) + 4.0 text-anchor="end">{units(*v as i64)}</text> })
        .collect_view();
    let first = format_day(data.today - time::Duration::days(n as i64));
    let ticks: Vec<(usize, &str)> = month_ticks(&first, ax.slots)
        .into_iter()
        // A label too near the right edge would be cut.
        .filter(|(i, _)| ax.x(*i) < W - PAD_R - 24.0)
        .collect();
    let month_rules = rules(
        ticks.iter().map(|(i, _)| ax.x(*i)),
        false,
        (PAD_T, H - PAD_B),
    );
    let months = ticks
        .into_iter()
        .map(|(i, name)| view! { <text x=ax.x(i) + 2.0 y=H - 6.0>{name}</text> })
        .collect_view();
    let history = points(
        history_day
            .zip(&data.history)
            .map(|(i, v)| (ax.x(i), ax.y(*v as f64))),
    );
    let line = points(
        data.days
            .iter()
            .enumerate()
            .map(|(h, d)| (ax.x(n + h), ax.y(d.used))),
    );
    let band = line_path(
        simplify(
            data.days
                .iter()
                .enumerate()
                .map(|(h, d)| (ax.x(n + h), ax.y(d.high)))
                .chain(
                    data.days
                        .iter()
                        .enumerate()
                        .rev()
                        .map(|(h, d)| (ax.x(n + h), ax.y(d.low))),
                ),
        ),
        true,
    );
    let level = |share: f64| {
        points(data.days.iter().enumerate().flat_map(|(h, d)| {
            let y = ax.y(d.serviceable as f64 * share);
            // A step: flat to the day's end.
            [(ax.x(n + h), y), (ax.x((n + h + 1).min(ax.slots - 1)), y)]
        }))
    };
    let t = data.thresholds;
    let serviceable = level(1.0);
    let critical = level(t.critical_bp as f64 / 10_000.0);
    let constrained = level(t.constrained_bp as f64 / 10_000.0);
    let today_x = ax.x(n);
    let used_on = |on: Date| {
        data.days
            .iter()
            .find(|d| d.on == on)
            .map_or(0.0, |d| d.used)
    };
    let unit = data.unit;
    let marks = data
        .supply
        .iter()
        .map(|s| (s, "buildout", "#059669"))
        .chain(data.demand.iter().map(|s| (s, "demand", "#7c3aed")))
        .filter(|(s, _, _)| (s.on - data.today).whole_days() <= super::model::HORIZON_DAYS)
        .map(|(s, what, color)| {
            let x = ax.x(slot_of(s.on));
            let title = format!(
                "{}{} {unit} {what} on {}",
                if s.units >= 0 { "+" } else { "" },
                units(s.units),
                human_day(s.on)
            );
            view! {
                <path d=format!("M{x:.1},{:.1} l-5,9 h10 z", H - PAD_B - 9.0) fill=color data-mark=what><title>{title}</title></path>
            }
        })
        .collect_view();
    let c = data.crossings;
    let crossings = [
        (c.constrained, "constrained", "#d97706"),
        (c.critical, "critical", "#dc2626"),
        (c.exhaustion, "runs out", "#0f172a"),
    ]
    .into_iter()
    .filter_map(|(d, what, color)| d.map(|d| (d, what, color)))
    .map(|(d, what, color)| {
        let (x, y) = (ax.x(slot_of(d)), ax.y(used_on(d)));
        view! {
            <circle cx=x cy=y r="4" fill=color stroke="white" stroke-width="1" data-crossing=what>
                <title>{format!("{what} on {}", human_day(d))}</title>
            </circle>
        }
    })
    .collect_view();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {W} {H}") class="h-auto w-full text-slate-400" role="img" aria-label=label.clone() data-testid="forecast-chart">
                <title>{label.clone()}</title>
                <path d=grid_rules stroke="currentColor" stroke-width="0.3"></path>
                <path d=month_rules stroke="currentColor" stroke-width="0.3" stroke-dasharray="2 3"></path>
                <g font-size="12" fill="currentColor">{grid}{months}</g>
                <path d=band fill="#0284c7" fill-opacity="0.15" data-testid="forecast-band"></path>
                <path d=constrained fill="none" stroke="#d97706" stroke-width="1" stroke-dasharray="4 3"></path>
                <path d=critical fill="none" stroke="#dc2626" stroke-width="1" stroke-dasharray="4 3"></path>
                <path d=serviceable fill="none" stroke="#059669" stroke-width="1.5"></path>
                <path d=history fill="none" stroke="#475569" stroke-width="1.5"></path>
                <path d=line fill="none" stroke="#0284c7" stroke-width="1.5" stroke-dasharray="5 2" data-testid="forecast-line"></path>
                <line x1=today_x x2=today_x y1=PAD_T y2=H - PAD_B stroke="currentColor" stroke-width="1"></line>
                <text x=today_x + 3.0 y=PAD_T + 10.0 font-size="12" fill="currentColor">"today"</text>
                {marks}
                {crossings}
            </svg>
            <figcaption class="mt-1 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600 dark:text-slate-400">
                <span><span class="mr-1 inline-block h-0.5 w-4 bg-slate-600 align-middle"></span>{used_caption(n)}</span>
                <span><span class="mr-1 inline-block h-0.5 w-4 bg-sky-600 align-middle"></span>"projected used, with its 80% band"</span>
                <span><span class="mr-1 inline-block h-0.5 w-4 bg-emerald-600 align-middle"></span>"in service"</span>
                <span><span class="mr-1 inline-block h-0.5 w-4 bg-red-600 align-middle"></span>"critical"</span>
                <span><span class="mr-1 inline-block h-0.5 w-4 bg-amber-600 align-middle"></span>"constrained"</span>
                <span>"▲ green: a buildout or decommission lands · ▲ violet: known demand lands"</span>
            </figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn straight_runs_keep_their_corners_only() {
        // A step: flat, up, flat; then a straight slope.
        let step = [
            (0.0, 5.0),
            (1.0, 5.0),
            (2.0, 5.0),
            (2.0, 3.0),
            (3.0, 3.0),
            (4.0, 3.0),
        ];
        assert_eq!(
            simplify(step.into_iter()),
            vec![(0.0, 5.0), (2.0, 5.0), (2.0, 3.0), (4.0, 3.0)]
        );
        let slope = (0..100).map(|i| (i as f64, 2.0 * i as f64));
        assert_eq!(simplify(slope), vec![(0.0, 0.0), (99.0, 198.0)]);
        // A band's outline turns back on itself: the turn stays.
        let band = [(0.0, 1.0), (1.0, 1.0), (2.0, 1.0), (1.0, 1.0), (0.0, 1.0)];
        assert_eq!(
            simplify(band.into_iter()),
            vec![(0.0, 1.0), (2.0, 1.0), (0.0, 1.0)]
        );
        // Noise keeps every point.
        let noisy = [(0.0, 0.0), (1.0, 1.0), (2.0, 0.0), (3.0, 1.0)];
        assert_eq!(simplify(noisy.into_iter()).len(), 4);
    }

    #[test]
    fn days_and_gridlines_read_well() {
        assert_eq!(human_day(date!(2027 - 03 - 14)), "14 Mar 2027");
        assert_eq!(human_or_never(None), "not within a year");
        assert_eq!(grid_step(1_080.0), 500.0);
        assert_eq!(grid_step(10.0), 2.5);
        assert_eq!(grid_step(0.5), 1.0);
        assert_eq!(used_caption(90), "used, last 90 days");
        assert_eq!(used_caption(363), "used, past year");
    }
}
