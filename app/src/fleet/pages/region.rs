//! `/regions/{code}` — a region's ledger by zone × SKU and its trend.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::chart::TrendChart;
use crate::components::format::{tenths_of_percent, units};
use crate::components::ledger_table::{ledger_cells, LedgerHeads};
use crate::components::widgets::{ErrorPanel, HealthBadge, PageHeader};
use crate::fleet::api::get_region_detail;
use crate::fleet::views::RegionView;

#[component]
pub fn RegionPage() -> impl IntoView {
    let params = use_params_map();
    let detail = Resource::new(
        move || params.read().get("code").unwrap_or_default(),
        get_region_detail,
    );
    let work = crate::deployments::pages::work(move || params.read().get("code"));
    // Made here, not in the panel: the panel is made again each time this
    // Suspense re-renders, and each made resource is fetched again.
    let forecast = crate::forecast::panels::region_forecast(move || {
        params.read().get("code").unwrap_or_default()
    });
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <Region detail=d work=work forecast=forecast/> }.into_any(),
                    Err(e) => view! { <Title text="Region not found · Headroom"/><ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Region(
    detail: RegionView,
    work: crate::deployments::pages::Work,
    forecast: crate::forecast::panels::RegionForecastData,
) -> impl IntoView {
    let r = detail.region;
    let subtitle = format!(
        "{} · {} · {} · {} clusters",
        r.code,
        r.geography,
        r.lifecycle,
        units(r.clusters)
    );
    let trend_label = format!("Daily utilization of {} by SKU family", r.name);
    let code = r.code.clone();
    view! {
        <Title text=format!("{} · Headroom", r.name)/>
        <nav aria-label="Breadcrumb" class="mb-2 text-sm text-slate-500"><a href="/" class="hover:underline">"Overview"</a>" / "{r.code.clone()}</nav>
        <PageHeader title=r.name.clone() subtitle=subtitle>
            <div class="flex items-center gap-3">
                <HealthBadge health=r.health/>
                <a class="text-sm text-sky-700 hover:underline dark:text-sky-400" href=format!("/clusters?region={}", code)>"Clusters in this region →"</a>
            </div>
        </PageHeader>
        <crate::deployments::pages::FreezeBanner work=work/>

        <section aria-labelledby="trend" class="mb-8 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <h2 id="trend" class="mb-2 text-lg font-semibold">"Utilization trend"</h2>
            <TrendChart series=detail.trend thresholds=detail.thresholds label=trend_label/>
        </section>

        <section aria-labelledby="forecast" class="mb-8 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <h2 id="forecast" class="mb-2 text-lg font-semibold">"Forecast"</h2>
            <crate::forecast::panels::RegionForecast data=forecast/>
        </section>

        <section aria-labelledby="zones">
            <h2 id="zones" class="mb-2 text-lg font-semibold">"Ledger by zone and SKU"</h2>
            <div class="relative overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
                <table class="w-full text-sm" data-testid="zone-sku">
                    <thead class="bg-slate-50 text-left dark:bg-slate-900">
                        <tr>
                            <th scope="col" class="th">"Zone"</th>
                            <th scope="col" class="th">"SKU"</th>
                            <th scope="col" class="th">"Family"</th>
                            <th scope="col" class="th text-right">"Clusters"</th>
                            <LedgerHeads/>
                        </tr>
                    </thead>
                    <tbody>
                        {detail
                            .zones
                            .iter()
                            .map(|z| {
                                let l = z.ledger;
                                view! {
                                    <tr class="tr">
                                        <td class="td">{z.zone}</td>
                                        <td class="td">
                                            <a class="lnk" href=format!("/clusters?region={}&zone={}&sku={}", r.code, z.zone, z.sku)>{z.sku.clone()}</a>
                                        </td>
                                        <td class="td">{z.family.as_str()}</td>
                                        <td class="tn">{z.clusters}</td>
                                        {ledger_cells(l, Some(z.unit.as_str()), tenths_of_percent(l.utilization()), l.health(&detail.thresholds))}
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <crate::deployments::pages::InFlightPanel work=work/>
    }
}
