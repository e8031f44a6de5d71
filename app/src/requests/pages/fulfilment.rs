//! `/fulfilment` — the operators' queue: approved requests to fulfil, soonest
//! need-by first, the overdue marked, each with where its units are held.
//! Fulfilling happens on the request's page ("Mark fulfilled").

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::format::units;
use crate::components::widgets::{ErrorPanel, PageHeader};
use crate::requests::api::get_fulfilment_queue;

#[component]
pub fn FulfilmentPage() -> impl IntoView {
    let queue = Resource::new(|| (), |_| get_fulfilment_queue());
    view! {
        <Title text="Fulfilment · Headroom"/>
        <PageHeader title="Ready to fulfil" subtitle="Approved requests, soonest need-by first. Their units are reserved where shown; fulfilling makes them allocated."/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    Ok(q) if q.items.is_empty() => view! { <p class="text-sm text-slate-600 dark:text-slate-400">"Nothing is waiting to be fulfilled."</p> }.into_any(),
                    Ok(q) => {
                        let overdue = q.items.iter().filter(|r| r.need_by < q.today).count();
                        view! {
                            <p class="mb-2 text-sm text-slate-600 dark:text-slate-400" data-testid="fulfilment-summary">
                                {format!("{} approved · {overdue} past their need-by date", q.items.len())}
                            </p>
                            <div class="relative overflow-x-auto">
                            <table class="w-full text-sm" data-testid="fulfilment">
                                <thead class="text-left"><tr>
                                    <th scope="col" class="px-2 py-1">"Need by"</th><th scope="col" class="px-2 py-1">"Key"</th>
                                    <th scope="col" class="px-2 py-1">"Ask"</th><th scope="col" class="px-2 py-1">"Priority"</th>
                                    <th scope="col" class="px-2 py-1">"Held until"</th><th scope="col" class="px-2 py-1">"Reserved in"</th>
                                    <th scope="col" class="px-2 py-1">"Requester"</th>
                                </tr></thead>
                                <tbody>
                                    {q.items.into_iter().map(|r| {
                                        let late = r.need_by < q.today;
                                        let held = r.reservations.iter().map(|h| format!("{} ×{}", h.cluster, units(h.units))).collect::<Vec<_>>().join(", ");
                                        view! {
                                            <tr class=if late { "border-t border-slate-100 bg-amber-50 dark:border-slate-800 dark:bg-amber-950" } else { "border-t border-slate-100 dark:border-slate-800" }>
                                                <td class="px-2 py-1 whitespace-nowrap">{r.need_by.clone()}{late.then(|| view! { <span class="ml-1 font-medium text-amber-800 dark:text-amber-200" data-testid="overdue">"overdue"</span> })}</td>
                                                <td class="px-2 py-1"><a class="lnk" href=format!("/requests/{}", r.key)>{r.key.clone()}</a></td>
                                                <td class="px-2 py-1">{format!("{} {} of {} in {}{}", r.kind, units(r.quantity), r.sku, r.region, r.zone.map(|z| format!(" zone {z}")).unwrap_or_default())}</td>
                                                <td class="px-2 py-1">{r.priority.to_string()}</td>
                                                <td class="px-2 py-1 whitespace-nowrap">{r.hold_until.clone().unwrap_or_default()}</td>
                                                <td class="px-2 py-1 text-xs">{held}</td>
                                                <td class="px-2 py-1">{r.requester.clone()}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
