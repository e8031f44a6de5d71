//! `/requests` — every request, newest first, filtered by state, region, SKU,
//! requester and age; the filters live in the URL.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{FlashFromQuery, StateBadge};
use crate::components::format::units;
use crate::components::widgets::{ErrorPanel, PageHeader};
use crate::fleet::api::get_filter_options;
use crate::requests::api::list_requests_page;
use crate::requests::domain::State;
use crate::requests::types::RequestFilter;

const FIELD: &str =
    "rounded border border-slate-300 px-2 py-1.5 dark:border-slate-700 dark:bg-slate-900";

/// The age filter's choices: (days, label).
const AGES: [(&str, &str); 4] = [
    ("1", "over a day"),
    ("3", "over 3 days"),
    ("7", "over a week"),
    ("30", "over 30 days"),
];

#[component]
pub fn RequestsPage() -> impl IntoView {
    let q = use_query_map();
    let data = Resource::new(
        move || {
            q.with(|q| {
                let filter = RequestFilter::from_pairs(|k| q.get_str(k));
                (filter, q.get("cursor"))
            })
        },
        |(filter, cursor)| list_requests_page(filter, cursor),
    );
    let options = Resource::new(|| (), |_| get_filter_options());
    let current = move |k: &str| q.read().get(k).unwrap_or_default();
    view! {
        <Title text="Requests · Headroom"/>
        <PageHeader title="Capacity requests" subtitle="Every request, newest first.">
            <a href="/requests/new" class="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white dark:bg-slate-100 dark:text-slate-900">"New request"</a>
        </PageHeader>
        <FlashFromQuery/>
        <form method="get" action="/requests" class="mb-4 flex flex-wrap items-end gap-3" aria-label="Filter requests">
            <label class="flex flex-col gap-1 text-sm">"State"
                <select name="state" class=FIELD>
                    <option value="">"any"</option>
                    {State::ALL.iter().map(|s| {
                        let selected = move || q.read().get("state").as_deref() == Some(s.as_str());
                        view! { <option value=s.as_str() selected=selected>{s.as_str()}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label class="flex flex-col gap-1 text-sm">"Region"
                <input name="region" placeholder="westus2" value=move || current("region") class=FIELD/>
            </label>
            <Suspense>
                {move || Suspend::new(async move {
                    let skus = options.await.map(|o| o.skus).unwrap_or_default();
                    view! {
                        <label class="flex flex-col gap-1 text-sm">"SKU"
                            <select name="sku" class=FIELD>
                                <option value="">"any"</option>
                                {skus.into_iter().map(|s| {
                                    let selected = current("sku") == s.code;
                                    view! { <option value=s.code.clone() selected=selected>{s.code.clone()}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                    }
                })}
            </Suspense>
            <label class="flex flex-col gap-1 text-sm">"Requester"
                <input name="requester" placeholder="user name" value=move || current("requester") class=FIELD/>
            </label>
            <label class="flex flex-col gap-1 text-sm">"Age"
                <select name="older_than_days" class=FIELD>
                    <option value="">"any"</option>
                    {AGES.map(|(days, label)| {
                        let selected = move || current("older_than_days") == days;
                        view! { <option value=days selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
            </label>
            <button type="submit" class="rounded border px-3 py-1.5 text-sm">"Filter"</button>
        </form>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    Ok(page) => {
                        let next = page.next_cursor.clone().map(|c| {
                            let mut href = format!("/requests?cursor={c}");
                            q.with_untracked(|q| {
                                for k in RequestFilter::KEYS {
                                    if let Some(v) = q.get(k) { href.push_str(&format!("&{k}={}", crate::shared::url::encode_component(&v))); }
                                }
                            });
                            href
                        });
                        view! {
                            <div class="relative overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
                                <table class="w-full text-sm" data-testid="requests">
                                    <thead class="bg-slate-50 text-left dark:bg-slate-900"><tr>
                                        <th scope="col" class="th">"Key"</th><th scope="col" class="th">"State"</th>
                                        <th scope="col" class="th">"Kind"</th><th scope="col" class="th">"Region · SKU"</th>
                                        <th scope="col" class="th text-right">"Quantity"</th><th scope="col" class="th">"Service"</th>
                                        <th scope="col" class="th">"Requester"</th><th scope="col" class="th">"Need by"</th>
                                    </tr></thead>
                                    <tbody>
                                        {page.items.into_iter().map(|r| view! {
                                            <tr class="tr">
                                                <td class="td"><a class="lnk" href=format!("/requests/{}", r.key)>{r.key.clone()}</a></td>
                                                <td class="td"><StateBadge state=r.state/></td>
                                                <td class="td">{r.kind.as_str()}</td>
                                                <td class="td">{format!("{} · {}{}", r.region, r.sku, r.zone.map(|z| format!(" · zone {z}")).unwrap_or_default())}</td>
                                                <td class="tn">{units(r.quantity)}</td>
                                                <td class="td">{r.service}</td>
                                                <td class="td">{r.requester}</td>
                                                <td class="td">{r.need_by}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            {next.map(|href| view! { <p class="mt-4"><a class="lnk" href=href>"Older →"</a></p> })}
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
