//! The forecast where people see it: `/forecast` (what-if), the overview's
//! "soonest to run out", a region's forecast, and the before → after of a
//! request. Each projects the inputs the server sent with the pure
//! `scenario`, so a toggle changes the picture at once when hydrated; without
//! scripts the server renders the same code for the URL's scenario.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{get_forecast_inputs, ForecastPageData, MAX_PAIRS};
use super::chart::{human_day, human_or_never, ChartData, ForecastChart};
use super::model::HORIZON_DAYS;
use super::panels::{ForecastTable, RollupTables};
use super::scenario::{self, Inputs, PairInputs};
use super::types::{ForecastItem, ForecastQuery, MAX_GROWTH};
use crate::components::format::units;
use crate::components::widgets::{ErrorPanel, PageHeader};
use crate::shared::fields::ServerError;
use crate::shared::time::{format_day, parse_day};

/// The chart of `pair` under `q`.
pub fn chart_data(inputs: &Inputs, pair: &PairInputs, q: &ForecastQuery) -> ChartData {
    let outlook = pair.outlook(inputs.today, q);
    let trend = pair.trend.as_ref();
    ChartData {
        today: inputs.today,
        unit: pair.unit.as_str(),
        history: pair.history.clone(),
        days: outlook.project(trend),
        crossings: outlook.crossings(trend, &inputs.thresholds),
        supply: outlook.supply,
        demand: outlook.demand,
        thresholds: inputs.thresholds,
    }
}

pub(super) fn day_of(d: &Option<String>) -> String {
    human_or_never(d.as_deref().and_then(parse_day))
}

/// "runs out 14 Mar 2027 (critical from 20 Jan 2027, constrained from …)".
pub fn dates_sentence(item: &ForecastItem) -> String {
    format!(
        "runs out {} (critical from {}, constrained from {})",
        day_of(&item.exhaustion_date),
        day_of(&item.critical_date),
        day_of(&item.constrained_date)
    )
}

/// The URL pairs of the current location, in order.
fn location_pairs() -> Memo<Vec<(String, String)>> {
    let search = leptos_router::hooks::use_location().search;
    Memo::new(move |_| crate::shared::url::parse_query(&search.get()))
}

fn parse_pairs(pairs: &[(String, String)]) -> Result<ForecastQuery, ServerError> {
    ForecastQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(|e| {
        ServerError {
            code: "invalid".into(),
            message: e.message,
            field: Some(e.field.to_owned()),
        }
    })
}

/// `/forecast` — pick regions and a SKU, toggle what counts, and see when
/// each pair runs out.
#[component]
pub fn ForecastPage() -> impl IntoView {
    let pairs = location_pairs();
    let scenario = Memo::new(move |_| pairs.with(|p| parse_pairs(p)));
    // The inputs depend on the selection only: a toggle re-projects them in
    // the browser without asking the server again.
    let selection = Memo::new(move |_| match scenario.get() {
        Ok(q) => ForecastQuery {
            regions: q.regions,
            sku: q.sku,
            ..ForecastQuery::default()
        }
        .to_query_string(),
        Err(_) => String::new(),
    });
    let data = Resource::new(move || selection.get(), get_forecast_inputs);
    view! {
        <Title text="Forecast · Headroom"/>
        <PageHeader title="Forecast" subtitle="When each region × SKU runs out, and what changes it: the organic trend of used units against supply as it will be, with the demand already known."/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <Scenario data=d scenario=scenario/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/><p class="mt-4"><a class="lnk" href="/forecast">"Start over"</a></p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A hypothetical change's fields (`{field}_units`, `{field}_on`): its units,
/// added to each region × SKU shown, and the day it lands.
#[component]
fn ExtraFields(
    legend: &'static str,
    field: &'static str,
    extra: Option<super::types::Extra>,
    today: time::Date,
    apply: Callback<()>,
) -> impl IntoView {
    let (units_id, on_id) = (
        format!("forecast-{field}-units"),
        format!("forecast-{field}-on"),
    );
    view! {
        <fieldset class="flex flex-col gap-2">
            <legend class="text-sm font-semibold">{legend}</legend>
            <label for=units_id.clone() class="text-xs font-medium text-slate-600 dark:text-slate-400">"Units (added to each region × SKU shown)"</label>
            <input id=units_id name=format!("{field}_units") type="number" min="1" step="1"
                value=extra.map(|e| e.units.to_string()).unwrap_or_default()
                on:input=move |_| apply.run(())
                class="w-36 rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900"/>
            <label for=on_id.clone() class="text-xs font-medium text-slate-600 dark:text-slate-400">"On (empty: today)"</label>
            <input id=on_id name=format!("{field}_on") type="date" min=format_day(today)
                max=format_day(today + time::Duration::days(HORIZON_DAYS))
                value=extra.and_then(|e| e.on).map(format_day).unwrap_or_default()
                class="w-40 rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900"/>
        </fieldset>
    }
}

/// The href of `q`'s scenario.
pub(super) fn href(q: &ForecastQuery) -> String {
    match q.to_query_string() {
        qs if qs.is_empty() => "/forecast".to_owned(),
        qs => format!("/forecast?{qs}"),
    }
}

#[component]
fn Scenario(
    data: ForecastPageData,
    scenario: Memo<Result<ForecastQuery, ServerError>>,
) -> impl IntoView {
    let ForecastPageData {
        inputs,
        more,
        options,
    } = data;
    let inputs = StoredValue::new(inputs);
    // The form's starting values: the URL's scenario when it parses.
    let start = scenario.get_untracked().unwrap_or_default();
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let navigate = leptos_router::hooks::use_navigate();
    // Hydrated, every change applies at once: the form's fields become the
    // URL (without the defaults), and the page re-projects.
    let apply = move || {
        #[cfg(feature = "hydrate")]
        if let Some(form) = form_ref.get() {
            let query = web_sys::FormData::new_with_form(&form)
                .and_then(|fd| web_sys::UrlSearchParams::new_with_str_sequence_sequence(&fd))
                .map(|p| String::from(p.to_string()))
                .unwrap_or_default();
            let raw = crate::shared::url::parse_query(&query);
            let next = match parse_pairs(&raw) {
                Ok(q) => href(&q),
                Err(_) => format!("/forecast?{query}"),
            };
            navigate(
                &next,
                leptos_router::NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..Default::default()
                },
            );
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&navigate, form_ref);
    };
    let apply = StoredValue::new(apply);

    let region_options = options
        .regions
        .iter()
        .map(|(code, name)| {
            let selected = start.regions.iter().any(|r| r.as_str() == code);
            view! { <option value=code.clone() selected=selected>{format!("{name} ({code})")}</option> }
        })
        .collect_view();
    let sku_options = options
        .skus
        .iter()
        .map(|s| {
            let selected = start.sku.as_ref().is_some_and(|c| c.as_str() == s.code);
            view! { <option value=s.code.clone() selected=selected>{format!("{} · {}", s.code, s.family)}</option> }
        })
        .collect_view();
    let today = inputs.with_value(|i| i.today);

    let results = move || {
        match scenario.get() {
        Err(e) => view! { <ErrorPanel error=e title="Could not apply this scenario"/> }.into_any(),
        Ok(q) => inputs.with_value(|inputs| {
            let f = scenario::forecast(inputs, &q);
            let charts = f
                .items
                .iter()
                .take(3)
                .filter_map(|item| {
                    let pair = inputs.pairs.iter().find(|p| p.region == item.region && p.sku == item.sku)?;
                    let label = format!("{} · {}: {}", item.region, item.sku, dates_sentence(item));
                    let data = chart_data(inputs, pair, &q);
                    Some(view! {
                        <section class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900" data-testid="forecast-pair">
                            <h2 class="text-base font-semibold">{format!("{} · {}", item.region, item.sku)}</h2>
                            <p class="mb-2 text-sm text-slate-600 dark:text-slate-400" data-testid="forecast-sentence">{dates_sentence(item)}</p>
                            <ForecastChart data=data label=label/>
                        </section>
                    })
                })
                .collect_view();
            let count = f.items.len();
            view! {
                <div class="mb-6 grid gap-4">{charts}</div>
                <ForecastTable items=f.items q=q.clone()/>
                <RollupTables by_family=f.by_family by_region=f.by_region/>
                {(count == 0).then(|| view! { <p class="mt-4 text-sm text-slate-600 dark:text-slate-400">"No region × SKU matches this choice."</p> })}
            }
            .into_any()
        }),
    }
    };

    view! {
        <form node_ref=form_ref method="get" action="/forecast" aria-label="Scenario"
            on:submit=move |ev| { ev.prevent_default(); apply.with_value(|a| a()); }
            on:change=move |_| apply.with_value(|a| a())
            class="mb-6 grid gap-4 rounded-lg border border-slate-200 bg-white p-4 md:grid-cols-2 xl:grid-cols-4 dark:border-slate-800 dark:bg-slate-900">
            <fieldset class="flex flex-col gap-2">
                <legend class="text-sm font-semibold">"What"</legend>
                <label for="forecast-region" class="text-xs font-medium text-slate-600 dark:text-slate-400">"Regions (none: all)"</label>
                <select id="forecast-region" name="region" multiple size="4" class="rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900">{region_options}</select>
                <label for="forecast-sku" class="text-xs font-medium text-slate-600 dark:text-slate-400">"SKU"</label>
                <select id="forecast-sku" name="sku" class="rounded border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900">
                    <option value="">"All SKUs"</option>
                    {sku_options}
                </select>
            </fieldset>
            <fieldset class="flex flex-col gap-2">
                <legend class="text-sm font-semibold">"What counts"</legend>
                <label class="flex items-center gap-2 text-sm">
                    <input type="checkbox" name="include_pending" value="true" checked=start.include_pending/>
                    "Pending requests, at their need-by dates"
                </label>
                // Unchecked, a checkbox sends nothing: the hidden field says "off".
                <input type="hidden" name="buildouts" value="false"/>
                <label class="flex items-center gap-2 text-sm">
                    <input type="checkbox" name="buildouts" value="true" checked=start.buildouts/>
                    "Planned buildouts and decommissions"
                </label>
                <label for="forecast-growth" class="text-xs font-medium text-slate-600 dark:text-slate-400">{format!("Growth multiplier (0 to {MAX_GROWTH}; 1 as fitted)")}</label>
                <input id="forecast-growth" name="growth" type="number" min="0" max=MAX_GROWTH.to_string() step="0.1" value=start.growth.to_string()
                    on:input=move |_| apply.with_value(|a| a())
                    class="w-28 rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900"/>
            </fieldset>
            <ExtraFields legend="Hypothetical demand" field="demand" extra=start.extra_demand today=today apply=Callback::new(move |_| apply.with_value(|a| a()))/>
            <ExtraFields legend="Hypothetical buildout" field="buildout" extra=start.extra_buildout today=today apply=Callback::new(move |_| apply.with_value(|a| a()))/>
            <div class="flex items-center gap-3 md:col-span-2 xl:col-span-4">
                <button type="submit" class="rounded bg-slate-900 px-4 py-1.5 text-sm font-medium text-white hover:bg-slate-700 dark:bg-slate-100 dark:text-slate-900">"Apply"</button>
                <a href="/forecast" class="px-2 py-1.5 text-sm text-slate-600 hover:underline dark:text-slate-400">"Reset"</a>
                <span class="text-xs text-slate-500 dark:text-slate-400">{format!("Projected from {} for {HORIZON_DAYS} days; the trend is a Theil–Sen fit on the last 90 days of used units.", human_day(today))}</span>
            </div>
        </form>
        {(more > 0).then(|| view! {
            <p class="mb-4 rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100" data-testid="forecast-more">
                {format!("Showing the {MAX_PAIRS} region × SKU pairs soonest to run out as things stand ({} more not shown): pick regions or a SKU to see the others.", units(more as i64))}
            </p>
        })}
        <div data-testid="forecast-results">{results}</div>
    }
}
