//! `/` — the fleet overview.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::format::{percent, percent_tenths, units};
use crate::components::widgets::{health_classes, ErrorPanel, HealthBadge, PageHeader};
use crate::fleet::api::get_fleet_summary;
use crate::fleet::codes::Family;
use crate::fleet::views::OverviewView;

#[component]
pub fn OverviewPage() -> impl IntoView {
    let summary = Resource::new(|| (), |_| get_fleet_summary());
    let work = crate::deployments::pages::work(|| None);
    // Made here, not in the panel: the panel is made again each time this
    // Suspense re-renders, and each made resource is fetched again.
    let soonest = crate::forecast::panels::soonest();
    view! {
        <Title text="Fleet overview · Headroom"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match summary.await {
                    Ok(s) => view! { <Overview summary=s work=work soonest=soonest/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Overview(
    summary: OverviewView,
    work: crate::deployments::pages::Work,
    soonest: crate::forecast::panels::Soonest,
) -> impl IntoView {
    let t = summary.thresholds;
    let subtitle = format!(
        "{} regions · {} clusters · constrained from {}, critical from {} · as of {}",
        units(summary.regions),
        units(summary.clusters),
        percent(t.constrained_bp as f64 / 10_000.0),
        percent(t.critical_bp as f64 / 10_000.0),
        crate::shared::time::timestamp(&summary.as_of),
    );
    let c = summary.health_counts;
    view! {
        <PageHeader title="Fleet overview" subtitle=subtitle/>
        <crate::deployments::pages::FreezeBanner work=work/>
        <section aria-labelledby="totals" class="mb-8">
            <h2 id="totals" class="sr-only">"Totals"</h2>
            <div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
                {summary
                    .totals
                    .iter()
                    .map(|u| {
                        let l = u.rollup.ledger;
                        view! {
                            <div class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                                <div class="flex items-center justify-between">
                                    <h3 class="text-sm font-medium text-slate-600 dark:text-slate-400">{u.unit.as_str()}</h3>
                                    <HealthBadge health=u.rollup.health/>
                                </div>
                                <p class="mt-1 text-2xl font-semibold tabular-nums">{units(l.free())}<span class="text-sm font-normal text-slate-500">" free"</span></p>
                                <p class="text-xs text-slate-500 tabular-nums dark:text-slate-400">
                                    {format!("{} total · {} allocated · {} reserved · {} utilized", units(l.total()), units(l.allocated()), units(l.reserved()), percent(u.rollup.utilization))}
                                </p>
                            </div>
                        }
                    })
                    .collect_view()}
                <div class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                    <h3 class="text-sm font-medium text-slate-600 dark:text-slate-400">"Region × SKU health"</h3>
                    <ul class="mt-2 space-y-1 text-sm">
                        <li class="flex justify-between"><span>"healthy"</span><span class="tabular-nums font-semibold">{c.healthy}</span></li>
                        <li class="flex justify-between"><span>"constrained"</span><span class="tabular-nums font-semibold">{c.constrained}</span></li>
                        <li class="flex justify-between"><span>"critical"</span><span class="tabular-nums font-semibold">{c.critical}</span></li>
                    </ul>
                </div>
            </div>
        </section>

        <div class="grid gap-8 xl:grid-cols-3">
            <section aria-labelledby="grid-title" class="min-w-0 xl:col-span-2">
                <h2 id="grid-title" class="mb-2 text-lg font-semibold">"Utilization by region and SKU family"</h2>
                <div class="relative overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
                    <table class="w-full text-sm" data-testid="health-grid">
                        <caption class="sr-only">"Utilization and health band of each region by SKU family"</caption>
                        <thead class="bg-slate-50 text-left dark:bg-slate-900">
                            <tr>
                                <th scope="col" class="th">"Region"</th>
                                {Family::ALL.iter().map(|f| view! { <th scope="col" class="th text-center">{f.as_str()}</th> }).collect_view()}
                            </tr>
                        </thead>
                        <tbody>
                            {summary
                                .grid
                                .iter()
                                .map(|row| {
                                    view! {
                                        <tr class="tr">
                                            <th scope="row" class="td text-left font-normal">
                                                <a class="lnk font-medium" href=format!("/regions/{}", row.region)>{row.name.clone()}</a>
                                                <span class="sub">{row.region.clone()}</span>
                                            </th>
                                            {row
                                                .cells
                                                .iter()
                                                .zip(Family::ALL)
                                                .map(|(cell, family)| match cell {
                                                    // Each cell opens the clusters behind it.
                                                    Some(c) => view! {
                                                        <td class=format!("gc {}", health_classes(c.health))>
                                                            // The band in words comes from the stylesheet (`.gc.h-*`).
                                                            <a href=format!("/clusters?region={}&family={family}", row.region)>{percent_tenths(c.tenths)}</a>
                                                        </td>
                                                    }.into_any(),
                                                    None => view! { <td class="gc text-slate-400">"—"</td> }.into_any(),
                                                })
                                                .collect_view()}
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>

            <section aria-labelledby="hot-title" class="min-w-0">
                <h2 id="hot-title" class="mb-2 text-lg font-semibold">"Most constrained"</h2>
                <div class="relative overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
                    <table class="w-full text-sm" data-testid="most-constrained">
                        <thead class="bg-slate-50 text-left dark:bg-slate-900">
                            <tr>
                                <th scope="col" class="th">"Region × SKU"</th>
                                <th scope="col" class="th text-right">"Free"</th>
                                <th scope="col" class="th text-right">"Used"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {summary
                                .most_constrained
                                .iter()
                                .map(|p| {
                                    view! {
                                        <tr class="tr">
                                            <td class="td">
                                                <a class="lnk" href=format!("/clusters?region={}&sku={}&sort=-utilization", p.region, p.sku)>
                                                    {format!("{} · {}", p.region, p.sku)}
                                                </a>
                                            </td>
                                            <td class="tn">{format!("{} {}", units(p.rollup.ledger.free()), p.unit)}</td>
                                            <td class="tn">
                                                <span class=format!("pct {}", health_classes(p.rollup.health))>{percent(p.rollup.utilization)}</span>
                                            </td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>
        </div>
        <crate::forecast::panels::SoonestPanel data=soonest/>
        <crate::deployments::pages::InFlightPanel work=work/>
    }
}
