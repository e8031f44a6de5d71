//! `/admin/audit`: the audit trail, newest first, filtered by action and actor.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::auth::api::list_audit;
use crate::components::admin::{AdminNav, BUTTON, INPUT};
use crate::components::widgets::{ErrorPanel, PageHeader};

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let rows = Resource::new(
        move || {
            query.with(|q| {
                (
                    q.get("action"),
                    q.get("actor"),
                    q.get("before").and_then(|b| b.parse::<i64>().ok()),
                )
            })
        },
        |(action, actor, before)| list_audit(action, actor, before),
    );
    view! {
        <Title text="Audit trail · Headroom"/>
        <PageHeader title="Administration" subtitle="Every sign-in, refusal and change, newest first. Nothing here can be edited or deleted."/>
        <AdminNav/>
        <form method="get" action="/admin/audit" class="mb-4 flex flex-wrap items-end gap-3">
            <label class="flex flex-col gap-1 text-sm">"Action"<input name="action" placeholder="signin.failed" class=INPUT value=move || query.read().get("action").unwrap_or_default()/></label>
            <label class="flex flex-col gap-1 text-sm">"Actor"<input name="actor" class=INPUT value=move || query.read().get("actor").unwrap_or_default()/></label>
            <button type="submit" class=BUTTON>"Filter"</button>
        </form>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    Ok(list) => {
                        let older = list.last().filter(|_| list.len() == 100).map(|r| format!("/admin/audit?before={}", r.id));
                        view! {
                            <div class="overflow-x-auto">
                            <table class="w-full text-sm" data-testid="audit">
                                <thead class="text-left"><tr>
                                    <th scope="col" class="px-2 py-1">"When (UTC)"</th><th scope="col" class="px-2 py-1">"Actor"</th>
                                    <th scope="col" class="px-2 py-1">"Action"</th><th scope="col" class="px-2 py-1">"Object"</th>
                                    <th scope="col" class="px-2 py-1">"Before → after"</th><th scope="col" class="px-2 py-1">"Source"</th>
                                    <th scope="col" class="px-2 py-1">"Request"</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|r| view! {
                                        <tr class="border-t border-slate-100 align-top dark:border-slate-800">
                                            <td class="px-2 py-1 whitespace-nowrap">{r.at}</td>
                                            <td class="px-2 py-1">{r.actor.unwrap_or_default()}</td>
                                            <td class="px-2 py-1 font-mono">{r.action}</td>
                                            <td class="px-2 py-1">{r.object.unwrap_or_default()}</td>
                                            <td class="px-2 py-1">{format!("{} → {}", r.before.unwrap_or_default(), r.after.unwrap_or_default())}</td>
                                            <td class="px-2 py-1">{r.source.unwrap_or_default()}</td>
                                            <td class="px-2 py-1 font-mono text-xs">{r.request_id.unwrap_or_default()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                            {older.map(|href| view! { <p class="mt-3"><a class="text-sky-700 underline" href=href>"Older →"</a></p> })}
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
