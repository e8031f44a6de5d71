//! `/clusters` — filter, sort and page through clusters; export the filtered set.
//!
//! The filter form is a plain GET form: every filter lives in the URL, so a link
//! reproduces the view, and it works before (or without) the WASM.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::ledger_table::ledger_cells;
use crate::components::widgets::{ErrorPanel, PageHeader};
use crate::fleet::api::{get_cluster_page, ClusterPageData};
use crate::fleet::codes::{ClusterLifecycle, Family};
use crate::fleet::ledger::Health;
use crate::fleet::query::{ClusterQuery, ClusterSort, SortColumn};
use crate::shared::url::encode_component;

#[component]
pub fn ClustersPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    redirect_if_blank();
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

/// The list with `q`'s filters and sort, without blank or default parameters.
fn list_href(q: &ClusterQuery) -> String {
    match q.to_query_string(None) {
        qs if qs.is_empty() => "/clusters".to_owned(),
        qs => format!("/clusters?{qs}"),
    }
}

/// Without JavaScript the filter form sends every field, set or not: the
/// server answers such a URL with a redirect to the same list without the
/// blank ones, so the address bar only ever names the filters that are set.
#[cfg(feature = "ssr")]
fn redirect_if_blank() {
    let Some(parts) = use_context::<http::request::Parts>() else {
        return;
    };
    let Some(query) = parts.uri.query() else {
        return;
    };
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    if !pairs.iter().any(|(_, v)| v.trim().is_empty()) {
        return;
    }
    if let Ok(q) = ClusterQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        let cursor = pairs
            .iter()
            .find(|(k, v)| k == "cursor" && !v.trim().is_empty())
            .map(|(_, v)| v.clone());
        let clean = match cursor {
            Some(c) => format!("/clusters?{}", q.to_query_string(Some(&c))),
            None => list_href(&q),
        };
        leptos_axum::redirect(&clean);
    }
}

/// A `<select>` of a filter, with "any" first and the current value selected.
#[component]
fn Filter(
    name: &'static str,
    label: &'static str,
    options: Vec<(String, String)>,
    current: Option<String>,
    on_pick: Callback<(&'static str, String)>,
) -> impl IntoView {
    let id = format!("filter-{name}");
    view! {
        <div class="flex flex-col gap-1">
            <label for=id.clone() class="text-xs font-medium text-slate-600 dark:text-slate-400">{label}</label>
            <select id=id name=name on:change=move |ev| on_pick.run((name, event_target_value(&ev))) class="rounded border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900">
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
    // Hydrated, a filter applies as soon as it changes (the Apply button is
    // for the plain form), to a URL with only the filters that are set.
    let navigate = leptos_router::hooks::use_navigate();
    let pick = {
        let raw = raw.clone();
        Callback::new(move |(name, value): (&'static str, String)| {
            let mut pairs: Vec<(String, String)> = raw
                .iter()
                .filter(|(k, _)| k != name && k != "cursor")
                .cloned()
                .collect();
            pairs.push((name.to_owned(), value));
            if let Ok(next) =
                ClusterQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            {
                navigate(&list_href(&next), Default::default());
            }
        })
    };
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
    // Each row names its unit (vCPU, GPU, TiB): a list may mix SKUs.
    let units_by_sku: std::collections::HashMap<String, &'static str> = data
        .options
        .skus
        .iter()
        .map(|s| (s.code.clone(), s.unit.as_str()))
        .collect();
    let unit_of = move |sku: &str| units_by_sku.get(sku).copied();
    let items = data.page.items;
    let count = items.len();
    let position = data.position;
    let summary = format!(
        "{} {} · page {} of {}",
        crate::components::format::units(position.total),
        if position.total == 1 {
            "cluster"
        } else {
            "clusters"
        },
        position.number,
        position.pages,
    );
    // A sortable header links to the same filters sorted by its column (the
    // first page); a second click turns the order around.
    let sortable = |label: &'static str, column: SortColumn, class: &'static str| {
        let mut by = q.clone();
        by.sort = q.sort.toggled(column);
        let href = list_href(&by);
        let aria = q.sort.aria(column);
        let arrow = match aria {
            "ascending" => " ▲",
            "descending" => " ▼",
            _ => "",
        };
        view! { <th scope="col" class=class aria-sort=aria><a class="lnk" href=href>{label}{arrow}</a></th> }
    };
    view! {
        // Hydrated, every change has already applied itself.
        <form method="get" action="/clusters" on:submit=|ev| ev.prevent_default() class="mb-4 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900" aria-label="Filter clusters">
            <Filter on_pick=pick name="region" label="Region" options=regions current=q.region.as_ref().map(|r| r.to_string())/>
            <Filter on_pick=pick name="zone" label="Zone" options=zones current=q.zone.map(|z| z.to_string())/>
            <Filter on_pick=pick name="sku" label="SKU" options=skus current=q.sku.as_ref().map(|s| s.to_string())/>
            <Filter on_pick=pick name="family" label="Family" options=families current=q.family.map(|f| f.to_string())/>
            <Filter on_pick=pick name="lifecycle" label="Lifecycle" options=lifecycles current=q.lifecycle.map(|f| f.to_string())/>
            <Filter on_pick=pick name="health" label="Health" options=healths current=q.health.map(|f| f.to_string())/>
            <div class="flex flex-col gap-1">
                <label for="filter-sort" class="text-xs font-medium text-slate-600 dark:text-slate-400">"Sort"</label>
                <select id="filter-sort" name="sort" on:change=move |ev| pick.run(("sort", event_target_value(&ev))) class="rounded border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900">
                    {sorts.into_iter().map(|(v, t)| { let sel = v == q.sort.as_str(); view! { <option value=v selected=sel>{t}</option> } }).collect_view()}
                </select>
            </div>
            <button type="submit" class="rounded bg-slate-900 px-4 py-1.5 text-sm font-medium text-white hover:bg-slate-700 dark:bg-slate-100 dark:text-slate-900">"Apply"</button>
            <a href="/clusters" class="px-2 py-1.5 text-sm text-slate-600 hover:underline dark:text-slate-400">"Reset"</a>
            <span class="flex-1"></span>
            <a href=export class="rounded border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800" download="clusters.csv">"Export CSV"</a>
        </form>

        <p class="mb-2 text-sm text-slate-600 dark:text-slate-400" data-testid="position">{summary.clone()}</p>
        <div class="relative overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
            <table class="w-full text-sm" data-testid="clusters">
                <caption class="sr-only">{format!("{count} clusters on this page")}</caption>
                <thead class="bg-slate-50 text-left dark:bg-slate-900">
                    <tr>
                        {sortable("Name", SortColumn::Name, "th")}
                        <th scope="col" class="th">"Region"</th>
                        <th scope="col" class="th">"Zone"</th>
                        <th scope="col" class="th">"SKU"</th>
                        <th scope="col" class="th">"Lifecycle"</th>
                        {["Total", "Allocated", "Reserved", "Out of service"].map(|h| view! { <th scope="col" class="th text-right">{h}</th> })}
                        {sortable("Free", SortColumn::Free, "th text-right")}
                        {sortable("Utilization", SortColumn::Utilization, "th text-right")}
                    </tr>
                </thead>
                <tbody>
                    {items
                        .into_iter()
                        .map(|c| {
                            let l = c.ledger;
                            let unit = unit_of(&c.sku);
                            view! {
                                <tr class="tr-h">
                                    <td class="td whitespace-nowrap"><a class="lnk" href=format!("/clusters/{}", c.id)>{c.name}</a></td>
                                    <td class="td">{c.region}</td>
                                    <td class="td">{c.zone}</td>
                                    <td class="td">{c.sku}</td>
                                    <td class="td">{c.lifecycle.as_str()}</td>
                                    {ledger_cells(l, unit, c.tenths, c.health)}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        {(count == 0).then(|| view! { <p class="mt-4 text-sm text-slate-600 dark:text-slate-400">"No cluster matches these filters."</p> })}
        <nav aria-label="Pages" class="mt-4 flex flex-wrap items-center gap-4 text-sm">
            {first.map(|href| view! { <a class="lnk" href=href>"← First page"</a> })}
            <span class="text-slate-600 dark:text-slate-400">{summary}</span>
            {next.map(|href| view! { <a class="lnk" href=href rel="next" data-testid="next-page">"Next page →"</a> })}
        </nav>
    }
}
