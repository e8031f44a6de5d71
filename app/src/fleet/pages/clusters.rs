//! `/clusters` — filter, sort and page through clusters; export the filtered set.
//!
//! The filter form is a plain GET form: every filter lives in the URL, so a link
//! reproduces the view, and it works before (or without) the WASM.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::ledger_table::{ledger_cells, LedgerHeads};
use crate::components::widgets::{ErrorPanel, PageHeader};
use crate::fleet::api::{get_cluster_page, ClusterPageData};
use crate::fleet::codes::{ClusterLifecycle, Family};
use crate::fleet::ledger::Health;
use crate::fleet::query::{ClusterQuery, ClusterSort};
use crate::shared::url::encode_component;

#[component]
pub fn ClustersPage() -> impl IntoView {
    let query = use_query_map();
    let pairs = move || {
        query.with(|q| {
            [
                "region",
                "zone",
                "sku",
                "family",
                "lifecycle",
                "health",
                "sort",
                "limit",
                "cursor",
            ]
            .iter()
            .filter_map(|k| q.get(k).map(|v| (k.to_string(), v)))
            .collect::<Vec<_>>()
        })
    };
    let data = Resource::new(
        move || {
            pairs()
                .iter()
                .map(|(k, v)| format!("{k}={}", encode_component(v)))
                .collect::<Vec<_>>()
                .join("&")
        },
        get_cluster_page,
    );
    view! {
        <Title text="Clusters · Headroom"/>
        <PageHeader title="Clusters" subtitle="Every cluster of the fleet; filter, sort, and export what you see."/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let raw = pairs();
                match data.await {
                    Ok(d) => view! { <Clusters data=d raw=raw/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/><p class="mt-4"><a class="text-sky-700 underline" href="/clusters">"Show all clusters"</a></p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A `<select>` of a filter, with "any" first and the current value selected.
#[component]
fn Filter(
    name: &'static str,
    label: &'static str,
    options: Vec<(String, String)>,
    current: Option<String>,
) -> impl IntoView {
    let id = format!("filter-{name}");
    view! {
        <div class="flex flex-col gap-1">
            <label for=id.clone() class="text-xs font-medium text-slate-600 dark:text-slate-400">{label}</label>
            <select id=id name=name class="rounded border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900">
                <option value="" selected=current.is_none()>"any"</option>
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let selected = current.as_deref() == Some(value.as_str());
                        view! { <option value=value selected=selected>{text}</option> }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

#[component]
fn Clusters(data: ClusterPageData, raw: Vec<(String, String)>) -> impl IntoView {
    let q =
        ClusterQuery::parse(raw.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap_or_default();
    let to_opts = |v: Vec<&str>| {
        v.into_iter()
            .map(|s| (s.to_owned(), s.to_owned()))
            .collect::<Vec<_>>()
    };
    let regions = data
        .options
        .regions
        .iter()
        .map(|(c, n)| (c.clone(), format!("{n} ({c})")))
        .collect();
    let skus = data
        .options
        .skus
        .iter()
        .map(|s| (s.code.clone(), format!("{} · {}", s.code, s.family)))
        .collect();
    let zones = to_opts(vec!["1", "2", "3"]);
    let families = to_opts(Family::ALL.iter().map(|f| f.as_str()).collect());
    let lifecycles = to_opts(ClusterLifecycle::ALL.iter().map(|f| f.as_str()).collect());
    let healths = to_opts(Health::ALL.iter().map(|f| f.as_str()).collect());
    let sorts: Vec<(String, String)> = ClusterSort::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), s.label().to_owned()))
        .collect();
    let export = format!("/clusters.csv?{}", q.to_query_string(None));
    let next = data
        .page
        .next_cursor
        .as_deref()
        .map(|c| format!("/clusters?{}", q.to_query_string(Some(c))));
    let first = q
        .cursor
        .is_some()
        .then(|| format!("/clusters?{}", q.to_query_string(None)));
    let items = data.page.items;
    let count = items.len();
    view! {
        <form method="get" action="/clusters" class="mb-4 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900" aria-label="Filter clusters">
            <Filter name="region" label="Region" options=regions current=q.region.as_ref().map(|r| r.to_string())/>
            <Filter name="zone" label="Zone" options=zones current=q.zone.map(|z| z.to_string())/>
            <Filter name="sku" label="SKU" options=skus current=q.sku.as_ref().map(|s| s.to_string())/>
            <Filter name="family" label="Family" options=families current=q.family.map(|f| f.to_string())/>
            <Filter name="lifecycle" label="Lifecycle" options=lifecycles current=q.lifecycle.map(|f| f.to_string())/>
            <Filter name="health" label="Health" options=healths current=q.health.map(|f| f.to_string())/>
            <div class="flex flex-col gap-1">
                <label for="filter-sort" class="text-xs font-medium text-slate-600 dark:text-slate-400">"Sort"</label>
                <select id="filter-sort" name="sort" class="rounded border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900">
                    {sorts.into_iter().map(|(v, t)| { let sel = v == q.sort.as_str(); view! { <option value=v selected=sel>{t}</option> } }).collect_view()}
                </select>
            </div>
            <button type="submit" class="rounded bg-slate-900 px-4 py-1.5 text-sm font-medium text-white hover:bg-slate-700 dark:bg-slate-100 dark:text-slate-900">"Apply"</button>
            <a href="/clusters" class="px-2 py-1.5 text-sm text-slate-600 hover:underline dark:text-slate-400">"Reset"</a>
            <span class="flex-1"></span>
            <a href=export class="rounded border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800" download="clusters.csv">"Export CSV"</a>
        </form>

        <div class="relative overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
            <table class="w-full text-sm" data-testid="clusters">
                <caption class="sr-only">{format!("{count} clusters on this page")}</caption>
                <thead class="bg-slate-50 text-left dark:bg-slate-900">
                    <tr>
                        <th scope="col" class="th">"Name"</th>
                        <th scope="col" class="th">"Region"</th>
                        <th scope="col" class="th">"Zone"</th>
                        <th scope="col" class="th">"SKU"</th>
                        <th scope="col" class="th">"Lifecycle"</th>
                        <LedgerHeads/>
                    </tr>
                </thead>
                <tbody>
                    {items
                        .into_iter()
                        .map(|c| {
                            let l = c.ledger;
                            view! {
                                <tr class="tr-h">
                                    <td class="td"><a class="lnk" href=format!("/clusters/{}", c.id)>{c.name}</a></td>
                                    <td class="td">{c.region}</td>
                                    <td class="td">{c.zone}</td>
                                    <td class="td">{c.sku}</td>
                                    <td class="td">{c.lifecycle.as_str()}</td>
                                    {ledger_cells(l, None, c.utilization, c.health)}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        {(count == 0).then(|| view! { <p class="mt-4 text-sm text-slate-600 dark:text-slate-400">"No cluster matches these filters."</p> })}
        <nav aria-label="Pages" class="mt-4 flex gap-4 text-sm">
            {first.map(|href| view! { <a class="lnk" href=href>"← First page"</a> })}
            {next.map(|href| view! { <a class="lnk" href=href rel="next" data-testid="next-page">"Next page →"</a> })}
        </nav>
    }
}
