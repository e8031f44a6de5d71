//! The `/status` page (plain HTML, no scripts) and `/status.json`.
//!
//! Only what `StatusView` holds reaches these: region codes and names, states,
//! notices' public text, and unit numbers only when an admin allowed them.

use std::fmt::Write;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use serde_json::json;

use app::components::format::units;
use app::shared::time::timestamp as when;
use app::status::domain::ComponentState;
use app::status::types::{DayState, Notice, RegionStatus, StatusView};

/// Classes of a state's pill and banner (Tailwind; this file is one of its sources).
fn pill(state: ComponentState) -> &'static str {
    match state {
        ComponentState::Available => {
            "bg-emerald-100 text-emerald-900 dark:bg-emerald-900/60 dark:text-emerald-100"
        }
        ComponentState::Maintenance => {
            "bg-sky-100 text-sky-900 dark:bg-sky-900/60 dark:text-sky-100"
        }
        ComponentState::Limited => {
            "bg-amber-100 text-amber-900 dark:bg-amber-900/60 dark:text-amber-100"
        }
        ComponentState::Incident => {
            "bg-orange-100 text-orange-900 dark:bg-orange-900/60 dark:text-orange-100"
        }
        ComponentState::Unavailable => {
            "bg-red-100 text-red-900 dark:bg-red-900/60 dark:text-red-100"
        }
    }
}

/// The short class of a history bar (`.hb-*` in style/main.css keeps 90 × regions bars small).
fn bar(state: Option<ComponentState>) -> &'static str {
    match state {
        None => "hb",
        Some(ComponentState::Available) => "hb o",
        Some(ComponentState::Maintenance) => "hb m",
        Some(ComponentState::Limited) => "hb c",
        Some(ComponentState::Incident) => "hb d",
        Some(ComponentState::Unavailable) => "hb x",
    }
}

/// "12 Nov" from "2026-11-12".
fn short_day(day: &str) -> String {
    app::shared::time::parse_day(day)
        .map(|d| format!("{} {}", d.day(), &format!("{:?}", d.month())[..3]))
        .unwrap_or_else(|| day.to_owned())
}

/// What was wrong on a day, in words: "GPU limited · compute unavailable · maintenance: title".
fn day_words(d: &DayState) -> String {
    let mut parts: Vec<String> = d
        .short
        .iter()
        .map(|c| format!("{} {}", c.family, c.state))
        .collect();
    parts.extend(d.notices.iter().map(|t| format!("notice: {t}")));
    parts.join(" · ")
}

/// One region: its state, its components, 90 days of bars on a date axis, the
/// days that were not available (a `<details>` list: reachable by keyboard and
/// touch, no script), and work in progress.
fn region_html(out: &mut String, r: &RegionStatus) {
    let free = r
        .free
        .as_ref()
        .map(|f| {
            let parts: Vec<String> = f
                .iter()
                .map(|u| format!("{} {} free", units(u.free), u.unit))
                .collect();
            format!(
                r#"<span class="text-xs text-slate-500 dark:text-slate-400">{}</span>"#,
                text(&parts.join(" · "))
            )
        })
        .unwrap_or_default();
    let _ = write!(
        out,
        r#"<li class="p-3" id="region-{code}" data-state="{state}"><div class="mb-1 flex flex-wrap items-center gap-2"><span class="font-medium">{name}</span><span class="text-xs text-slate-500 dark:text-slate-400">{code} · {geo}</span>{free}<span class="ml-auto rounded-full px-2 py-0.5 text-xs font-medium {pill}">{state}</span></div><ul class="mb-2 flex flex-wrap gap-1 text-xs" aria-label="{code} by SKU family">"#,
        code = attr(&r.code),
        name = text(&r.name),
        geo = text(&r.geography),
        pill = pill(r.state),
        state = r.state.as_str(),
    );
    for c in &r.components {
        let _ = write!(
            out,
            r#"<li class="rounded px-1.5 py-0.5 {pill}" data-family="{family}" data-state="{state}">{family} · {state}</li>"#,
            pill = pill(c.state),
            family = c.family,
            state = c.state.as_str(),
        );
    }
    let _ = write!(
        out,
        r#"</ul><div class="flex gap-px" role="img" aria-label="{code}: the last {n} days, {limited} limited">"#,
        code = attr(&r.code),
        n = r.history.len(),
        limited = r.days_limited,
    );
    for d in &r.history {
        let _ = write!(
            out,
            r#"<i class="{}" title="{} {}"></i>"#,
            bar(d.state),
            d.day,
            d.state.map(ComponentState::as_str).unwrap_or("no data"),
        );
    }
    let _ = write!(
        out,
        r#"</div><div class="mt-1 flex justify-between text-xs text-slate-500 dark:text-slate-400"><span>{first}</span><span data-days-limited="{limited}">{limited} {days} limited in the last {n}</span><span>Today</span></div>"#,
        first = r
            .history
            .first()
            .map(|d| short_day(&d.day))
            .unwrap_or_default(),
        limited = r.days_limited,
        days = if r.days_limited == 1 { "day" } else { "days" },
        n = r.history.len(),
    );
    let marked: Vec<&DayState> = r
        .history
        .iter()
        .rev()
        .filter(|d| !d.short.is_empty() || !d.notices.is_empty())
        .collect();
    if !marked.is_empty() {
        let _ = write!(
            out,
            r#"<details class="mt-1 text-xs"><summary class="cursor-pointer text-slate-600 underline dark:text-slate-300">Day by day: {n} {days} not fully available</summary><ol class="mt-1 space-y-0.5">"#,
            n = marked.len(),
            days = if marked.len() == 1 { "day" } else { "days" },
        );
        for d in marked {
            let _ = write!(
                out,
                r#"<li><time class="mr-2 tabular-nums" datetime="{day}">{shown}</time><span class="mr-1 rounded px-1 {pill}">{state}</span>{words}</li>"#,
                day = d.day,
                shown = short_day(&d.day),
                pill = d.state.map(pill).unwrap_or_default(),
                state = d.state.map(ComponentState::as_str).unwrap_or("no data"),
                words = text(&day_words(d)),
            );
        }
        out.push_str("</ol></details>");
    }
    for w in &r.work {
        let _ = write!(
            out,
            r#"<p class="mt-1 text-xs text-sky-800 dark:text-sky-300">Work in progress: {}</p>"#,
            text(w)
        );
    }
    out.push_str("</li>");
}

fn notice_html(out: &mut String, n: &Notice) {
    let state = n.kind.state();
    let _ = write!(
        out,
        r#"<article class="mb-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900" id="notice-{id}"><h3 class="font-medium"><span class="mr-2 rounded px-1.5 py-0.5 text-xs uppercase {pill}">{kind}</span>{title}</h3><p class="text-xs text-slate-500 dark:text-slate-400">{regions} · since {since}{resolved}</p><ol class="mt-2 space-y-1 text-sm">"#,
        id = n.id,
        pill = pill(state),
        kind = n.kind.as_str(),
        title = text(&n.title),
        regions = text(&n.regions.join(", ")),
        since = when(&n.started_at),
        resolved = n
            .resolved_at
            .as_deref()
            .map(|r| format!(" · resolved {}", when(r)))
            .unwrap_or_default(),
    );
    for u in n.updates.iter().rev() {
        let _ = write!(
            out,
            r#"<li><time class="mr-2 text-xs text-slate-500 dark:text-slate-400" datetime="{at}">{shown}</time>{body}</li>"#,
            at = attr(&u.at),
            shown = when(&u.at),
            body = text(&u.body),
        );
    }
    out.push_str("</ol></article>");
}

/// An open page reloads itself (no script) this often at the least, however
/// short the refresh interval is set.
pub const MIN_RELOAD_SECONDS: u64 = 30;

/// The whole page; an open page reloads itself every `refresh_seconds`
/// (at least `MIN_RELOAD_SECONDS`) with a meta refresh, no script.
pub fn render(view: &StatusView, stylesheet: &str, refresh_seconds: u64) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="{reload}"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Capacity status · Headroom</title><link rel="stylesheet" href="{stylesheet}"><link rel="icon" href="/favicon.svg" type="image/svg+xml"><link rel="alternate" type="application/atom+xml" title="Status notices" href="/status/feed.atom"></head><body class="bg-slate-50 text-slate-900 dark:bg-slate-950 dark:text-slate-100"><main class="mx-auto max-w-5xl p-4 sm:p-6"><header class="mb-4 flex flex-wrap items-baseline justify-between gap-2"><h1 class="text-2xl font-semibold">Capacity status</h1><p class="text-sm text-slate-600 dark:text-slate-400">Refreshed <time datetime="{at}">{shown}</time> · <a class="underline" href="/status.json">JSON</a> · <a class="underline" href="/status/feed.atom">Atom feed</a></p></header><p class="mb-6 rounded-lg p-4 text-lg font-medium {pill}" data-overall="{overall}">{headline}</p>"#,
        reload = refresh_seconds.max(MIN_RELOAD_SECONDS),
        at = attr(&view.generated_at),
        shown = when(&view.generated_at),
        pill = pill(view.overall),
        overall = view.overall.as_str(),
        headline = view.overall.headline(),
    );
    if !view.active.is_empty() {
        out.push_str(r#"<section aria-labelledby="active" class="mb-6"><h2 id="active" class="mb-2 text-lg font-semibold">Notices</h2>"#);
        for n in &view.active {
            notice_html(&mut out, n);
        }
        out.push_str("</section>");
    }
    let first = view.regions.first().and_then(|r| r.history.first());
    let _ = write!(
        out,
        r#"<section aria-labelledby="regions" class="mb-6"><h2 id="regions" class="mb-2 text-lg font-semibold">Regions</h2><p class="mb-2 text-xs text-slate-500 dark:text-slate-400">Each region's state is the worst of its SKU families and its notices. Each bar is a day, from {from} to today; hover for its state, or open a region's day-by-day list.</p><ul class="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">"#,
        from = first.map(|d| d.day.as_str()).unwrap_or("90 days ago"),
    );
    for r in &view.regions {
        region_html(&mut out, r);
    }
    out.push_str("</ul></section>");
    if !view.recent.is_empty() {
        out.push_str(r#"<section aria-labelledby="recent" class="mb-6"><h2 id="recent" class="mb-2 text-lg font-semibold">Resolved recently</h2>"#);
        for n in &view.recent {
            notice_html(&mut out, n);
        }
        out.push_str("</section>");
    }
    out.push_str(r#"<footer class="text-xs text-slate-500 dark:text-slate-400"><p>States: available · maintenance (planned work) · limited (new capacity of a family may be slow to get) · incident (something is wrong, see the notice) · unavailable (no new capacity of a family for now).</p></footer></main></body></html>"#);
    out
}

/// `/status.json`: overall, each region's code and state, the active notices.
pub fn json(view: &StatusView) -> String {
    let regions: Vec<serde_json::Value> = view
        .regions
        .iter()
        .map(|r| {
            let mut v = json!({"code": r.code, "name": r.name, "state": r.state,
                               "components": r.components, "days_limited": r.days_limited});
            if let Some(free) = &r.free {
                v["free"] = json!(free);
            }
            if !r.work.is_empty() {
                v["work_in_progress"] = json!(r.work);
            }
            v
        })
        .collect();
    let notices: Vec<serde_json::Value> = view
        .active
        .iter()
        .map(|n| {
            json!({"id": n.id, "kind": n.kind, "title": n.title, "regions": n.regions,
                   "started_at": n.started_at, "updated_at": n.updated_at, "updates": n.updates})
        })
        .collect();
    json!({
        "overall": view.overall,
        "headline": view.overall.headline(),
        "regions": regions,
        "notices": notices,
        "generated_at": view.generated_at,
    })
    .to_string()
}
