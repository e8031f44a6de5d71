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

fn y_of(u: f64) -> f64 {
    PAD_T + (1.0 - u.clamp(0.0, 1.0)) * (H - PAD_T - PAD_B)
}

/// The `points` attribute of a polyline for one series over `days` slots.
fn polyline(series: &TrendLine, days: usize) -> String {
    use std::fmt::Write;
    let span = (days.max(2) - 1) as f64;
    let mut out = String::with_capacity(series.bp.len() * 11);
    for i in 0..series.bp.len() {
        let u = series.at(i).unwrap_or_default();
        let sep = if i == 0 { "" } else { " " };
        let _ = write!(
            out,
            "{sep}{:.1},{:.1}",
            PAD_L + i as f64 / span * (W - PAD_L - 4.0),
            y_of(u)
        );
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
    let constrained = y_of(thresholds.constrained_bp as f64 / 10_000.0);
    let critical = y_of(thresholds.critical_bp as f64 / 10_000.0);
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
                <polyline fill="none" stroke=COLORS[i % COLORS.len()] stroke-width="1.5" points=polyline(s, days)></polyline>
            }
        })
        .collect_view();
    view! {
        <figure>
            <svg viewBox=format!("0 0 {W} {H}") class="h-auto w-full text-slate-400" role="img" aria-label=label.clone()>
                <title>{label.clone()}</title>
                <g font-size="10" fill="currentColor">
                    <text x="2" y=y_of(1.0) + 4.0>"100%"</text>
                    <text x="8" y=y_of(0.5) + 4.0>"50%"</text>
                    <text x="14" y=y_of(0.0) + 4.0>"0%"</text>
                    <text x=PAD_L y=H - 4.0>{first}</text>
                    <text x=W - 4.0 y=H - 4.0 text-anchor="end">{last}</text>
                </g>
                <line x1=PAD_L x2=W y1=y_of(0.0) y2=y_of(0.0) stroke="currentColor" stroke-width="0.5"></line>
                <line x1=PAD_L x2=W y1=constrained y2=constrained stroke="#d97706" stroke-dasharray="4 3" stroke-width="0.8"></line>
                <line x1=PAD_L x2=W y1=critical y2=critical stroke="#dc2626" stroke-dasharray="4 3" stroke-width="0.8"></line>
                {lines}
            </svg>
            <figcaption>
                <ul class="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs">{legend}</ul>
            </figcaption>
        </figure>
    }
    .into_any()
}
