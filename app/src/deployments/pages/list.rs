//! `/deployments` — every deployment, in flight first, filtered by state, kind
//! and region (the filters live in the URL), keyset pages.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{deployment_pill, FreezeBanner, Progress};
use crate::components::format::units;
use crate::components::widgets::{ErrorPanel, PageHeader};
use crate::deployments::api::list_deployments_page;
use crate::deployments::domain::{DeploymentState, Kind};
use crate::deployments::types::DeploymentFilter;
use crate::requests::pages::FlashFromQuery;

const FIELD: &str =
    "rounded border border-slate-300 px-2 py-1.5 dark:border-slate-700 dark:bg-slate-900";

#[component]
pub fn DeploymentsPage() -> impl IntoView {
    let q = use_query_map();
    let data = Resource::new(
        move || {
            q.with(|q| {
                (
                    DeploymentFilter::from_pairs(|k| q.get_str(k)),
                    q.get("cursor"),
                )
            })
        },
        |(filter, cursor)| list_deployments_page(filter, cursor),
    );
    let current = move |k: &str| q.read().get(k).unwrap_or_default();
    // The freezes in force anywhere (they hold decommissions back).
    let work = super::work(|| None);
    view! {
        <Title text="Deployments · Headroom"/>
        <PageHeader title="Deployments" subtitle="Buildouts, decommissions and rollouts, ring by ring; in flight first.">
            <a href="/deployments/new" class="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white dark:bg-slate-100 dark:text-slate-900">"New deployment"</a>
        </PageHeader>
        <FreezeBanner work=work/>
        <FlashFromQuery/>
        <form method="get" action="/deployments" class="mb-4 flex flex-wrap items-end gap-3" aria-label="Filter deployments">
            <label class="flex flex-col gap-1 text-sm">"State"
                <select name="state" class=FIELD>
                    <option value="">"any"</option>
                    {DeploymentState::ALL.iter().map(|s| {
                        let selected = move || current("state") == s.as_str();
                        view! { <option value=s.as_str() selected=selected>{s.as_str().replace('_', " ")}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label class="flex flex-col gap-1 text-sm">"Kind"
                <select name="kind" class=FIELD>
                    <option value="">"any"</option>
                    {Kind::ALL.iter().map(|k| {
                        let selected = move || current("kind") == k.as_str();
                        view! { <option value=k.as_str() selected=selected>{k.as_str()}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label class="flex flex-col gap-1 text-sm">"Region"
                <input name="region" placeholder="westus2" value=move || current("region") class=FIELD/>
            </label>
            <button type="submit" class="rounded border px-3 py-1.5 text-sm">"Filter"</button>
        </form>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    Ok(page) => {
                        let next = page.next_cursor.clone().map(|c| {
                            let mut href = format!("/deployments?cursor={c}");
                            q.with_untracked(|q| for k in DeploymentFilter::KEYS {
                                if let Some(v) = q.get(k) { href.push_str(&format!("&{k}={}", crate::shared::url::encode_component(&v))); }
                            });
                            href
                        });
                        let empty = page.items.is_empty();
                        view! {
                            <div class="relative overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
                                <table class="w-full text-sm" data-testid="deployments">
                                    <thead class="bg-slate-50 text-left dark:bg-slate-900"><tr>
                                        <th scope="col" class="th">"Key"</th><th scope="col" class="th">"Title"</th>
                                        <th scope="col" class="th">"Kind"</th><th scope="col" class="th">"Region · SKU"</th>
                                        <th scope="col" class="th">"State"</th><th scope="col" class="th">"Progress"</th>
                                        <th scope="col" class="th text-right">"Units"</th>
                                    </tr></thead>
                                    <tbody>
                                        {page.items.into_iter().map(|d| {
                                            let (done, n) = (d.done, d.targets);
                                            let pct = (done * 100).checked_div(n).unwrap_or(0) as i64;
                                            view! {
                                                <tr class="tr">
                                                    <td class="td"><a class="lnk" href=format!("/deployments/{}", d.key)>{d.key.clone()}</a></td>
                                                    <td class="td">{d.title.clone()}</td>
                                                    <td class="td">{d.kind.as_str()}</td>
                                                    <td class="td">{format!("{} · {}", d.region, d.sku)}</td>
                                                    <td class="td">{deployment_pill(d.state)}</td>
                                                    <td class="w-40 px-3 py-1.5">
                                                        <Progress percent=pct label=format!("{done} of {n} targets done")/>
                                                        <span class="text-xs text-slate-500">{format!("{done} of {n} targets")}</span>
                                                    </td>
                                                    <td class="tn">{units(d.units)}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            {empty.then(|| view! { <p class="mt-4 text-sm text-slate-600 dark:text-slate-400">"No deployment matches these filters."</p> })}
                            {next.map(|href| view! { <p class="mt-4"><a class="lnk" href=href>"More →"</a></p> })}
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
