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

/// The spans a trend chart offers, kept in the URL as `range` (a year when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrendRange {
    Days30,
    Days90,
    Year,
}

impl TrendRange {
    pub const ALL: [TrendRange; 3] = [TrendRange::Days30, TrendRange::Days90, TrendRange::Year];

    /// The `range` parameter's value.
    pub fn param(self) -> &'static str {
        match self {
            TrendRange::Days30 => "30d",
            TrendRange::Days90 => "90d",
            TrendRange::Year => "1y",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TrendRange::Days30 => "30 days",
            TrendRange::Days90 => "90 days",
            TrendRange::Year => "1 year",
        }
    }

    pub fn days(self) -> usize {
        match self {
            TrendRange::Days30 => 30,
            TrendRange::Days90 => 90,
            TrendRange::Year => 365,
        }
    }

    /// The range a parameter names; anything else shows the default year.
    pub fn parse(param: Option<&str>) -> TrendRange {
        Self::ALL
            .into_iter()
            .find(|r| Some(r.param()) == param)
            .unwrap_or(TrendRange::Year)
    }
}

/// The slot under a pointer at `fraction` (0–1) of the chart's width.
pub fn slot_at(fraction: f64, days: usize) -> usize {
    let x = fraction * W;
    let t = ((x - PAD_L) / (W - PAD_L - 4.0)).clamp(0.0, 1.0);
    (t * (days.max(1) - 1) as f64).round() as usize
}

/// The slot a key moves the crosshair to from `at` (`None`: not a chart key).
pub fn slot_after_key(key: &str, at: Option<usize>, days: usize) -> Option<usize> {
    let last = days.checked_sub(1)?;
    let at = at.unwrap_or(last);
    match key {
        "ArrowLeft" => Some(at.saturating_sub(1)),
        "ArrowRight" => Some((at + 1).min(last)),
        "PageUp" => Some(at.saturating_sub(7)),
        "PageDown" => Some((at + 7).min(last)),
        "Home" => Some(0),
        "End" => Some(last),
        _ => None,
    }
}

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
                hover.set(Some(slot_at(fraction, days())));
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
        let lines = series
            .iter()
            .enumerate()
            .filter(|(i, _)| !hidden_now.contains(i))
            .map(|(i, s)| view! {
                <polyline fill="none" stroke=COLORS[i % COLORS.len()] stroke-width="1.5" points=polyline(s, days, range)></polyline>
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
            <g font-size="13" fill="currentColor">{grid}{months}</g>
            <g font-size="13">
                {threshold(thresholds.constrained_bp, "constrained", "#d97706")}
                {threshold(thresholds.critical_bp, "critical", "#dc2626")}
            </g>
            {lines}
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
    fn ranges_round_trip_and_default_to_a_year() {
        for r in TrendRange::ALL {
            assert_eq!(TrendRange::parse(Some(r.param())), r);
        }
        assert_eq!(TrendRange::parse(None), TrendRange::Year);
        assert_eq!(TrendRange::parse(Some("7y")), TrendRange::Year);
        assert_eq!(TrendRange::Days90.days(), 90);
    }

    #[test]
    fn the_crosshair_follows_pointer_and_keys() {
        // The plot spans x = PAD_L .. W - 4 of the chart's width.
        assert_eq!(slot_at(0.0, 365), 0, "left of the plot: the first day");
        assert_eq!(slot_at(1.0, 365), 364, "the right edge: the last day");
        assert_eq!(
            slot_at((PAD_L + (W - PAD_L - 4.0) / 2.0) / W, 91),
            45,
            "the middle"
        );
        assert_eq!(
            slot_after_key("ArrowLeft", None, 30),
            Some(28),
            "from the latest day"
        );
        assert_eq!(
            slot_after_key("ArrowRight", Some(29), 30),
            Some(29),
            "stops at the end"
        );
        assert_eq!(slot_after_key("ArrowLeft", Some(0), 30), Some(0));
        assert_eq!(slot_after_key("Home", Some(12), 30), Some(0));
        assert_eq!(slot_after_key("PageDown", Some(25), 30), Some(29));
        assert_eq!(slot_after_key("a", Some(3), 30), None);
        assert_eq!(
            slot_after_key("End", None, 0),
            None,
            "no days, no crosshair"
        );
    }

    #[test]
    fn months_are_marked_where_they_start() {
        assert_eq!(month_ticks("2026-01-30", 30), vec![(2, "Feb")]);
        assert_eq!(month_ticks("2026-01-30", 31), vec![(2, "Feb"), (30, "Mar")]);
        assert_eq!(month_ticks("2026-03-01", 31), vec![(0, "Mar")]);
        assert!(month_ticks("not a day", 10).is_empty());
    }
}
