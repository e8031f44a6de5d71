//! A server-rendered SVG line chart of daily utilization.

use leptos::prelude::*;

use super::chart_axis::{
    month_ticks, rules, series_path, slot_after_key, x_of, y_of, y_range, TrendRange, COLORS, H,
    PAD_B, PAD_L, PAD_T, W,
};
use crate::fleet::ledger::Thresholds;
use crate::fleet::views::TrendLine;

/// Utilization over time, one line per series, with the threshold lines
/// dashed: the span chosen in the URL (30 days, 90 days, a year), a legend
/// whose entries show or hide their line, and a crosshair that reads out each
/// line's value on a day (pointer, or arrow keys once the chart has focus).
/// Without scripts it is the same SVG with the latest values read out.
#[component]
pub fn TrendChart(
    series: Vec<TrendLine>,
    thresholds: Thresholds,
    #[prop(into)] label: String,
) -> impl IntoView {
    if series.iter().all(|s| s.bp.is_empty()) {
        return view! { <p class="text-sm text-slate-500">"No history recorded yet."</p> }
            .into_any();
    }
    let query = leptos_router::hooks::use_query_map();
    let path = leptos_router::hooks::use_location().pathname;
    let range = Memo::new(move |_| TrendRange::parse(query.read().get("range").as_deref()));
    let all = StoredValue::new(series);
    let cut = Memo::new(move |_| {
        let days = range.get().days();
        all.with_value(|s| s.iter().map(|l| l.last_days(days)).collect::<Vec<_>>())
    });
    let hidden = RwSignal::new(Vec::<usize>::new());
    let hover = RwSignal::new(None::<usize>);
    let days = move || cut.with(|s| s.iter().map(|l| l.bp.len()).max().unwrap_or(0));
    let svg_ref = NodeRef::<leptos::svg::Svg>::new();

    let on_move = move |ev: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        if let Some(svg) = svg_ref.get() {
            let rect = svg.get_bounding_client_rect();
            if rect.width() > 0.0 {
                let fraction = (f64::from(ev.client_x()) - rect.left()) / rect.width();
                hover.set(Some(super::chart_axis::slot_at(fraction, days())));
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, svg_ref);
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if let Some(next) = slot_after_key(&ev.key(), hover.get_untracked(), days()) {
            ev.prevent_default();
            hover.set(Some(next));
        }
    };

    let chart = move || {
        let series = cut.get();
        let hidden_now = hidden.get();
        let days = series.iter().map(|s| s.bp.len()).max().unwrap_or(0);
        let visible: Vec<TrendLine> = series
            .iter()
            .enumerate()
            .filter(|(i, _)| !hidden_now.contains(i))
            .map(|(_, s)| s.clone())
            .collect();
        let range = y_range(&visible);
        let (lo, hi) = range;
        let first = series
            .iter()
            .find(|s| !s.bp.is_empty())
            .map(|s| s.first.clone())
            .unwrap_or_default();
        // Gridlines every tenth within the range, labelled.
        let tenths: Vec<f64> = (0..=10)
            .map(|k| k as f64 / 10.0)
            .filter(|u| *u >= lo - 1e-9 && *u <= hi + 1e-9)
            .collect();
        let grid_rules = rules(tenths.iter().map(|u| y_of(*u, range)), true, (PAD_L, W));
        let grid = tenths
            .iter()
            .map(|u| view! { <text x=2.0 y=y_of(*u, range) + 4.0>{format!("{:.0}%", u * 100.0)}</text> })
            .collect_view();
        let ticks = month_ticks(&first, days);
        let month_rules = rules(
            ticks.iter().map(|(i, _)| x_of(*i, days)),
            false,
            (PAD_T, H - PAD_B),
        );
        let months = ticks
            .into_iter()
            .map(|(i, name)| view! { <text x=x_of(i, days) + 2.0 y=H - 6.0>{name}</text> })
            .collect_view();
        // A threshold line is drawn, with its name, when it falls within the range.
        let threshold = |bp: i64, name: &'static str, color: &'static str| {
            let u = bp as f64 / 10_000.0;
            (u >= lo && u <= hi).then(|| {
                let y = y_of(u, range);
                view! {
                    <line x1=PAD_L x2=W y1=y y2=y stroke=color stroke-dasharray="4 3" stroke-width="1"></line>
                    <text x=PAD_L + 4.0 y=y - 3.0 fill=color class="halo">{format!("{name} {:.0}%", u * 100.0)}</text>
                }
            })
        };
        let lines = series
            .iter()
            .enumerate()
            .filter(|(i, _)| !hidden_now.contains(i))
            .map(|(i, s)| view! {
                <path fill="none" stroke=COLORS[i % COLORS.len()] stroke-width="1.5" d=series_path(s, days, range)></path>
            })
            .collect_view();
        let crosshair = hover.get().filter(|i| *i < days).map(|i| {
            let x = x_of(i, days);
            let dots = series
                .iter()
                .enumerate()
                .filter(|(k, _)| !hidden_now.contains(k))
                .filter_map(|(k, s)| s.at(i).map(|u| view! {
                    <circle cx=x cy=y_of(u, range) r="3" fill=COLORS[k % COLORS.len()]></circle>
                }))
                .collect_view();
            view! {
                <line x1=x x2=x y1=PAD_T y2=H - PAD_B stroke="currentColor" stroke-width="1" data-testid="crosshair"></line>
                {dots}
            }
        });
        view! {
            <path d=grid_rules stroke="currentColor" stroke-width="0.3"></path>
            <path d=month_rules stroke="currentColor" stroke-width="0.3" stroke-dasharray="2 3"></path>
            <g font-size="13" fill="currentColor">{grid}{months}</g>
            {lines}
            // Over the lines, so the labels stay readable.
            <g font-size="13">
                {threshold(thresholds.constrained_bp, "constrained", "#d97706")}
                {threshold(thresholds.critical_bp, "critical", "#dc2626")}
            </g>
            {crosshair}
        }
    };

    // What the crosshair reads: each shown line's value on the day under it
    // (the latest day until one is picked).
    let readout = move || {
        let series = cut.get();
        let hidden_now = hidden.get();
        let days = series.iter().map(|s| s.bp.len()).max().unwrap_or(0);
        let i = hover
            .get()
            .filter(|i| *i < days)
            .unwrap_or(days.saturating_sub(1));
        let day = series
            .iter()
            .find(|s| !s.bp.is_empty())
            .map(|s| s.day(i))
            .unwrap_or_default();
        let values = series
            .iter()
            .enumerate()
            .filter(|(k, _)| !hidden_now.contains(k))
            .filter_map(|(_, s)| {
                s.at(i)
                    .map(|u| format!("{} {}", s.label, crate::components::format::percent(u)))
            })
            .collect::<Vec<_>>()
            .join(" · ");
        format!("{day}: {values}")
    };

    let legend = move || {
        let hidden_now = hidden.get();
        cut.get()
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let shown = !hidden_now.contains(&i);
                let latest = s.at(s.bp.len().wrapping_sub(1)).map(crate::components::format::percent).unwrap_or_default();
                view! {
                    <li>
                        <button type="button" class="flex items-center gap-1 rounded px-1 aria-[pressed=false]:opacity-50 hover:bg-slate-100 dark:hover:bg-slate-800"
                            aria-pressed=shown.to_string()
                            title="Show or hide this line"
                            on:click=move |_| hidden.update(|h| if let Some(p) = h.iter().position(|x| *x == i) { h.remove(p); } else { h.push(i); })>
                            <span class="inline-block h-0.5 w-4" style=format!("background:{}", COLORS[i % COLORS.len()])></span>
                            {s.label.clone()}
                            " "
                            <span class="tabular-nums text-slate-500 dark:text-slate-400">{latest}</span>
                        </button>
                    </li>
                }
            })
            .collect_view()
    };

    let ranges = move || {
        let now = range.get();
        let base = path.get();
        TrendRange::ALL
            .into_iter()
            .map(|r| {
                let href = match r {
                    TrendRange::Year => base.clone(),
                    _ => format!("{base}?range={}", r.param()),
                };
                let current = (r == now).then_some("page");
                view! {
                    <a href=href aria-current=current class="rounded px-2 py-0.5 aria-[current=page]:bg-slate-900 aria-[current=page]:text-white dark:aria-[current=page]:bg-slate-100 dark:aria-[current=page]:text-slate-900 hover:underline">{r.label()}</a>
                }
            })
            .collect_view()
    };
    let span = move || {
        cut.with(|s| {
            s.iter()
                .find(|l| !l.bp.is_empty())
                .map(|l| format!("Daily, {} to {} (UTC)", l.first, l.last))
                .unwrap_or_default()
        })
    };

    view! {
        <figure class="chart">
            <nav aria-label="Chart range" class="mb-2 flex gap-1 text-xs" data-testid="chart-ranges">{ranges}</nav>
            <svg node_ref=svg_ref viewBox=format!("0 0 {W} {H}") class="h-auto w-full text-slate-400 focus:outline focus:outline-2 focus:outline-sky-500" role="img" aria-label=label.clone()
                tabindex="0" aria-describedby="chart-readout"
                on:mousemove=on_move on:mouseleave=move |_| hover.set(None) on:keydown=on_key>
                <title>{label.clone()}" (arrow keys move along the days)"</title>
                {chart}
            </svg>
            <figcaption>
                <p id="chart-readout" class="mt-1 text-sm tabular-nums" aria-live="polite" data-testid="chart-readout">{readout}</p>
                <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">{span}</p>
                <ul class="mt-2 flex flex-wrap gap-x-3 gap-y-1 text-xs" aria-label="Lines (press to show or hide)">{legend}</ul>
            </figcaption>
        </figure>
    }
    .into_any()
}
