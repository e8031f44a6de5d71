//! The forecast inside other pages: the table of pairs' dates, the
//! overview's "soonest to run out", a region's forecast, and a request's
//! before → after. `pages` holds `/forecast` itself.

use leptos::prelude::*;

use super::chart::ForecastChart;
use super::impact::{Impact, ImpactLine};
use super::pages::{chart_data, dates_sentence, day_of, href};
use super::scenario;
use super::types::{FamilyRollup, ForecastItem, ForecastQuery, RegionRollup};
use crate::components::format::units;
use crate::components::widgets::ErrorPanel;
use crate::shared::fields::ServerError;

/// The forecast's rows: each pair's dates, soonest to run out first.
#[component]
pub fn ForecastTable(items: Vec<ForecastItem>, q: ForecastQuery) -> impl IntoView {
    let rows = items
        .into_iter()
        .map(|i| {
            let mut one = q.clone();
            one.regions = crate::fleet::codes::RegionCode::parse(&i.region).into_iter().collect();
            one.sku = crate::fleet::codes::SkuCode::parse(&i.sku).ok();
            let growth = i
                .growth_per_day
                .map(|g| format!("{g:+.1}/day"))
                .unwrap_or_else(|| "—".to_owned());
            view! {
                <tr class="tr">
                    <td class="td whitespace-nowrap"><a class="lnk" href=href(&one)>{format!("{} · {}", i.region, i.sku)}</a></td>
                    <td class="tn">{format!("{} of {} {}", units(i.used), units(i.serviceable), i.unit)}</td>
                    <td class="tn">{growth}</td>
                    <td class="tn">{day_of(&i.constrained_date)}</td>
                    <td class="tn">{day_of(&i.critical_date)}</td>
                    <td class="tn font-semibold" data-testid="exhaustion">{day_of(&i.exhaustion_date)}</td>
                    <td class="tn">{units(i.supply_to_come)}</td>
                    <td class="tn">{units(i.demand_to_come)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Table
            testid="forecast-table"
            caption="When each region × SKU crosses its thresholds and runs out, soonest first"
            headers=&["Region × SKU", "Used today", "Trend", "Constrained", "Critical", "Runs out", "Supply to come", "Demand to come"]
        >
            {rows}
        </Table>
    }
}

/// One of the forecast's tables: a caption for screen readers, column
/// headers (the first `left` of them text, the rest numbers, right-aligned)
/// and its rows.
#[component]
fn Table(
    testid: &'static str,
    caption: &'static str,
    headers: &'static [&'static str],
    #[prop(default = 1)] left: usize,
    children: Children,
) -> impl IntoView {
    let heads = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let class = if i < left { "th" } else { "th text-right" };
            view! { <th scope="col" class=class>{*h}</th> }
        })
        .collect_view();
    view! {
        <div class="relative overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
            <table class="w-full text-sm" data-testid=testid>
                <caption class="sr-only">{caption}</caption>
                <thead class="bg-slate-50 text-left dark:bg-slate-900">
                    <tr>{heads}</tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

/// Roll-ups longer than this start folded.
const OPEN_ROLLUP_ROWS: usize = 12;

/// The forecast rolled up: per region (its family soonest to run out) and per
/// region × family (its SKUs summed), soonest first.
#[component]
pub fn RollupTables(by_family: Vec<FamilyRollup>, by_region: Vec<RegionRollup>) -> impl IntoView {
    let region_link = |region: &str| {
        format!(
            "/forecast?region={}",
            crate::shared::url::encode_component(region)
        )
    };
    let regions = (by_region.len() > 1).then(|| {
        let open = by_region.len() <= OPEN_ROLLUP_ROWS;
        let count = by_region.len();
        let rows = by_region
            .into_iter()
            .map(|r| view! {
                <tr class="tr">
                    <td class="td"><a class="lnk" href=region_link(&r.region)>{r.region.clone()}</a></td>
                    <td class="td">{r.family.to_string()}</td>
                    <td class="tn">{day_of(&r.constrained_date)}</td>
                    <td class="tn">{day_of(&r.critical_date)}</td>
                    <td class="tn font-semibold">{day_of(&r.exhaustion_date)}</td>
                </tr>
            })
            .collect_view();
        view! {
            <details class="mt-6" open=open>
                <summary class="mb-2 cursor-pointer text-base font-semibold">{format!("By region ({count}): each region's family soonest to run out")}</summary>
                <Table
                    testid="forecast-by-region"
                    caption="Each region's family soonest to run out, soonest first"
                    headers=&["Region", "Soonest family", "Constrained", "Critical", "Runs out"]
                    left=2
                >
                    {rows}
                </Table>
            </details>
        }
    });
    let open = by_family.len() <= OPEN_ROLLUP_ROWS;
    let count = by_family.len();
    let rows = by_family
        .into_iter()
        .map(|f| {
            let growth = f
                .growth_per_day
                .map(|g| format!("{g:+.1}/day"))
                .unwrap_or_else(|| "—".to_owned());
            view! {
                <tr class="tr">
                    <td class="td whitespace-nowrap"><a class="lnk" href=region_link(&f.region)>{format!("{} · {}", f.region, f.family)}</a></td>
                    <td class="tn">{f.skus}</td>
                    <td class="tn">{format!("{} of {} {}", units(f.used), units(f.serviceable), f.unit)}</td>
                    <td class="tn">{growth}</td>
                    <td class="tn">{day_of(&f.constrained_date)}</td>
                    <td class="tn">{day_of(&f.critical_date)}</td>
                    <td class="tn font-semibold">{day_of(&f.exhaustion_date)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {regions}
        <details class="mt-6" open=open>
            <summary class="mb-2 cursor-pointer text-base font-semibold">{format!("By region × family ({count}): its SKUs summed")}</summary>
            <Table
                testid="forecast-by-family"
                caption="When each region × family, its SKUs summed, crosses its thresholds and runs out, soonest first"
                headers=&["Region × family", "SKUs", "Used today", "Trend", "Constrained", "Critical", "Runs out"]
            >
                {rows}
            </Table>
        </details>
    }
}

/// A region's forecast inputs, as its page loads them.
pub type RegionForecastData = Resource<Result<super::scenario::Inputs, ServerError>>;

/// The resource of the forecast inputs of the region `code` names.
pub fn region_forecast(code: impl Fn() -> String + Send + Sync + 'static) -> RegionForecastData {
    Resource::new(code, super::api::get_region_forecast)
}

/// A region's forecast (its page): each SKU's dates, and the chart of the
/// one soonest to run out.
#[component]
pub fn RegionForecast(data: RegionForecastData) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="text-sm">"Loading the forecast…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorPanel error=e title="Could not show the forecast"/> }.into_any(),
                    Ok(d) => {
                        let q = ForecastQuery::default();
                        let f = scenario::forecast(&d, &q);
                        let chart = f.items.first().and_then(|item| {
                            let pair = d.pairs.iter().find(|p| p.sku == item.sku)?;
                            let label = format!("{} · {}: {}", item.region, item.sku, dates_sentence(item));
                            Some(view! {
                                <p class="mb-2 text-sm" data-testid="forecast-sentence">{format!("Soonest: {} {}", item.sku, dates_sentence(item))}</p>
                                <ForecastChart data=chart_data(&d, pair, &q) label=label/>
                            })
                        });
                        // Each family's SKUs summed: the region's used units
                        // carried on into the forecast, family by family.
                        let families = f
                            .by_family
                            .iter()
                            .filter_map(|row| {
                                let sum = d.families.iter().find(|s| s.family == row.family)?;
                                let sentence = format!(
                                    "{} SKU{} summed: runs out {} (critical from {})",
                                    row.skus,
                                    if row.skus == 1 { "" } else { "s" },
                                    day_of(&row.exhaustion_date),
                                    day_of(&row.critical_date)
                                );
                                let label = format!("{} · {} family: {sentence}", row.region, row.family);
                                Some(view! {
                                    <figure class="rounded border border-slate-200 p-3 dark:border-slate-800" data-testid="forecast-family">
                                        <figcaption class="mb-1 text-sm"><span class="font-semibold">{format!("{} family", row.family)}</span>" · "{sentence}</figcaption>
                                        <ForecastChart data=chart_data(&d, sum, &q) label=label/>
                                    </figure>
                                })
                            })
                            .collect_view();
                        let region = f.items.first().map(|i| i.region.clone()).unwrap_or_default();
                        view! {
                            <div class="mb-6 grid gap-4 lg:grid-cols-2">{families}</div>
                            {chart}
                            <div class="mt-4"><ForecastTable items=f.items q=q/></div>
                            <RollupTables by_family=f.by_family by_region=f.by_region/>
                            <p class="mt-2 text-sm"><a class="lnk" href=format!("/forecast?region={region}")>"What if… (open this region in the forecast) →"</a></p>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// The overview's soonest to run out, as it loads them.
pub type Soonest = Resource<Result<Vec<ForecastItem>, ServerError>>;

/// The resource of the overview's soonest to run out.
pub fn soonest() -> Soonest {
    Resource::new(|| (), |_| super::api::get_soonest())
}

/// The overview's "soonest to run out": the pairs ordered by date, with their
/// threshold dates.
#[component]
pub fn SoonestPanel(data: Soonest) -> impl IntoView {
    view! {
        <section aria-labelledby="soonest-title" class="mt-8">
            <h2 id="soonest-title" class="mb-2 text-lg font-semibold">"Soonest to run out"</h2>
            <Suspense fallback=|| view! { <p class="text-sm">"Loading the forecast…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <ErrorPanel error=e title="Could not show the forecast"/> }.into_any(),
                        Ok(items) if items.is_empty() => view! { <p class="text-sm text-slate-600 dark:text-slate-400">"Nothing runs out or turns critical within a year."</p> }.into_any(),
                        Ok(items) => view! {
                            <ForecastTable items=items q=ForecastQuery::default()/>
                            <p class="mt-2 text-sm"><a class="lnk" href="/forecast">"Every region × SKU, and what-if →"</a></p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// For requesters filing one: what approving `quantity` units of `region` ×
/// `sku` would do to its dates, as the quantity is typed. (The request page
/// has it worked out on the server: `requests::types::Preview::impact`.)
#[component]
pub fn RequestImpact(
    #[prop(into)] region: Signal<String>,
    #[prop(into)] sku: Signal<String>,
    #[prop(into)] quantity: Signal<i64>,
) -> impl IntoView {
    // Loaded in the browser: the line follows the quantity as it is typed.
    let data = LocalResource::new(move || super::api::get_pair_inputs(region.get(), sku.get()));
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let inputs = data.await.ok()?;
                let pair = inputs.pairs.first()?;
                let impact = Impact::of(pair, inputs.today, &inputs.thresholds, quantity.get());
                Some(view! { <ImpactLine impact=impact verb="Approving"/> })
            })}
        </Suspense>
    }
}
