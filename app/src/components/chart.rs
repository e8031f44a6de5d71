//! A server-rendered SVG line chart of daily utilization.

use leptos::prelude::*;

use crate::fleet::ledger::Thresholds;
use crate::fleet::views::TrendLine;

const W: f64 = 720.0;
const H: f64 = 220.0;
const PAD_L: f64 = 40.0;
const PAD_B: f64 = 22.0;
const PAD_T: f64 = 8.0;
const COLORS: [&str; 6] = [
    "#0284c7", "#7c3aed", "#059669", "#d97706", "#db2777", "#475569",
];

/// The utilization range the y axis shows: the data's, widened to whole
/// tenths with a tenth of margin (so a line at 82–88 % fills the chart instead
/// of hugging its top), never beyond 0–100 %.
pub fn y_range(series: &[TrendLine]) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for s in series {
        for i in 0..s.bp.len() {
            if let Some(u) = s.at(i) {
                lo = lo.min(u);
                hi = hi.max(u);
            }
        }
    }
    if lo > hi {
        return (0.0, 1.0);
    }
    let lo = ((lo * 10.0).floor() / 10.0 - 0.1).max(0.0);
    let hi = ((hi * 10.0).ceil() / 10.0 + 0.1).min(1.0);
    (lo, hi)
}

/// Where each month starts within `days` daily slots from `first`
/// (`YYYY-MM-DD`): (slot, "Jan"). The first slot is labelled only if it is a 1st.
pub fn month_ticks(first: &str, days: usize) -> Vec<(usize, &'static str)> {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let Some(start) = crate::shared::time::parse_day(first) else {
        return Vec::new();
    };
    (0..days)
        .filter_map(|i| {
            let d = start.checked_add(time::Duration::days(i as i64))?;
            (d.day() == 1).then(|| (i, NAMES[u8::from(d.month()) as usize - 1]))
        })
        .collect()
}

/// The y position of utilization `u` on an axis showing `range`.
fn y_of(u: f64, (lo, hi): (f64, f64)) -> f64 {
    let t = ((u - lo) / (hi - lo).max(0.01)).clamp(0.0, 1.0);
    PAD_T + (1.0 - t) * (H - PAD_T - PAD_B)
}

/// The x position of slot `i` of `days`.
fn x_of(i: usize, days: usize) -> f64 {
    PAD_L + i as f64 / (days.max(2) - 1) as f64 * (W - PAD_L - 4.0)
}

/// The `points` attribute of a polyline for one series over `days` slots.
fn polyline(series: &TrendLine, days: usize, range: (f64, f64)) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(series.bp.len() * 11);
    for i in 0..series.bp.len() {
        let u = series.at(i).unwrap_or_default();
        let sep = if i == 0 { "" } else { " " };
        let _ = write!(out, "{sep}{:.1},{:.1}", x_of(i, days), y_of(u, range));
    }
    out
}

/// Utilization over time, one line per series, with the threshold lines dashed.
#[component]
pub fn TrendChart(
    series: Vec<TrendLine>,
    thresholds: Thresholds,
    #[prop(into)] label: String,
) -> impl IntoView {
    let days = series.iter().map(|s| s.bp.len()).max().unwrap_or(0);
    let first = series
        .iter()
        .find(|s| !s.bp.is_empty())
        .map(|s| s.first.clone())
        .unwrap_or_default();
    let last = series
        .iter()
        .find(|s| !s.bp.is_empty())
        .map(|s| s.last.clone())
        .unwrap_or_default();
    if days == 0 {
        return view! { <p class="text-sm text-slate-500">"No history recorded yet."</p> }
            .into_any();
    }
    let range = y_range(&series);
    let (lo, hi) = range;
    // Gridlines every tenth within the range, labelled.
    let grid = (0..=10)
        .map(|k| k as f64 / 10.0)
        .filter(|u| *u >= lo - 1e-9 && *u <= hi + 1e-9)
        .map(|u| {
            let y = y_of(u, range);
            view! {
                <line x1=PAD_L x2=W y1=y y2=y stroke="currentColor" stroke-width="0.3"></line>
                <text x=PAD_L - 4.0 y=y + 4.0 text-anchor="end">{format!("{:.0}%", u * 100.0)}</text>
            }
        })
        .collect_view();
    let months = month_ticks(&first, days)
        .into_iter()
        .map(|(i, name)| {
            let x = x_of(i, days);
            view! {
                <line x1=x x2=x y1=PAD_T y2=H - PAD_B stroke="currentColor" stroke-width="0.3" stroke-dasharray="2 3"></line>
                <text x=x + 2.0 y=H - 6.0>{name}</text>
            }
        })
        .collect_view();
    // A threshold line is drawn, with its name, when it falls within the range.
    let threshold = |bp: i64, name: &'static str, color: &'static str| {
        let u = bp as f64 / 10_000.0;
        (u >= lo && u <= hi).then(|| {
            let y = y_of(u, range);
            view! {
                <line x1=PAD_L x2=W y1=y y2=y stroke=color stroke-dasharray="4 3" stroke-width="1"></line>
                <text x=PAD_L + 4.0 y=y - 3.0 fill=color>{format!("{name} {:.0}%", u * 100.0)}</text>
            }
        })
    };
    let constrained = threshold(thresholds.constrained_bp, "constrained", "#d97706");
    let critical = threshold(thresholds.critical_bp, "critical", "#dc2626");
    let legend = series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let latest = s.at(s.bp.len().wrapping_sub(1)).map(crate::components::format::percent).unwrap_or_default();
            view! {
                <li class="flex items-center gap-1">
                    <span class="inline-block h-0.5 w-4" style=format!("background:{}", COLORS[i % COLORS.len()])></span>
                    {s.label.clone()}
                    " "
                    <span class="tabular-nums text-slate-500 dark:text-slate-400">{latest}</span>
                </li>
            }
        })
        .collect_view();
    let lines = series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            view! {
                <polyline fill="none" stroke=COLORS[i % COLORS.len()] stroke-width="1.5" points=polyline(s, days, range)></polyline>
            }
        })
        .collect_view();
    view! {
        <figure>
            <svg viewBox=format!("0 0 {W} {H}") class="h-auto w-full text-slate-400" role="img" aria-label=label.clone()>
                <title>{label.clone()}</title>
                <g font-size="13" fill="currentColor">
                    {grid}
                    {months}
                </g>
                <g font-size="13">
                    {constrained}
                    {critical}
                </g>
                {lines}
            </svg>
            <figcaption>
                <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">{format!("Daily, {first} to {last} (UTC)")}</p>
                <ul class="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs">{legend}</ul>
            </figcaption>
        </figure>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(bp: &[u16]) -> TrendLine {
        TrendLine {
            label: "x".into(),
            first: "2026-01-30".into(),
            last: "2026-03-02".into(),
            bp: bp.to_vec(),
        }
    }

    #[test]
    fn the_axis_follows_the_data() {
        let near = |(lo, hi): (f64, f64), want: (f64, f64)| {
            assert!(
                (lo - want.0).abs() < 1e-9 && (hi - want.1).abs() < 1e-9,
                "{lo} {hi}, want {want:?}"
            );
        };
        near(y_range(&[line(&[8200, 8800])]), (0.7, 1.0));
        near(y_range(&[line(&[3100]), line(&[4500])]), (0.2, 0.6));
        near(y_range(&[line(&[0, 10_000])]), (0.0, 1.0));
        near(y_range(&[]), (0.0, 1.0));
    }

    #[test]
    fn months_are_marked_where_they_start() {
        assert_eq!(month_ticks("2026-01-30", 30), vec![(2, "Feb")]);
        assert_eq!(month_ticks("2026-01-30", 31), vec![(2, "Feb"), (30, "Mar")]);
        assert_eq!(month_ticks("2026-03-01", 31), vec![(0, "Mar")]);
        assert!(month_ticks("not a day", 10).is_empty());
    }
}
