//! `/approvals` — the approver's inbox: everything waiting for them, oldest
//! first, with its age against the SLA (setting `requests.sla_business_days`).

use leptos::prelude::*;
use leptos_meta::Title;

use super::FlashFromQuery;
use crate::components::format::units;
use crate::components::widgets::{ErrorPanel, PageHeader};
use crate::requests::api::{get_approval_inbox, DecideRequests};
use crate::shared::time::business_days_between;

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let decide = ServerAction::<DecideRequests>::new();
    let inbox = Resource::new(move || decide.version().get(), |_| get_approval_inbox());
    view! {
        <Title text="Approvals · Headroom"/>
        <PageHeader title="Waiting for your decision" subtitle="Oldest first, with each request's wait against the approval SLA."/>
        <FlashFromQuery/>
        {move || decide.value().get().and_then(Result::err).map(|e| view! { <div class="mb-4"><ErrorPanel error=e title="Nothing decided"/></div> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match inbox.await {
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    Ok(inbox) if inbox.items.is_empty() => view! { <p class="text-sm text-slate-600 dark:text-slate-400">"Nothing is waiting for you."</p> }.into_any(),
                    Ok(inbox) => {
                        let (now, sla) = (inbox.now, inbox.sla_business_days);
                        view! {
                            <p class="mb-2 text-sm text-slate-600 dark:text-slate-400" data-testid="sla">{format!("Overdue after {sla} business day{}.", if sla == 1 { "" } else { "s" })}</p>
                            <ActionForm action=decide>
                            <table class="w-full text-sm" data-testid="inbox">
                                <thead class="text-left"><tr>
                                    <th scope="col" class="px-2 py-1"><span class="sr-only">"Select"</span></th>
                                    <th scope="col" class="px-2 py-1">"Key"</th><th scope="col" class="px-2 py-1">"Ask"</th>
                                    <th scope="col" class="px-2 py-1">"Requester"</th><th scope="col" class="px-2 py-1">"Waiting"</th>
                                    <th scope="col" class="px-2 py-1">"Policy"</th>
                                </tr></thead>
                                <tbody>
                                    {inbox.items.into_iter().map(|r| {
                                        let age = business_days_between(&r.created_at, &now);
                                        let overdue = age > sla;
                                        view! {
                                            <tr class=if overdue { "border-t border-slate-100 bg-amber-50 dark:border-slate-800 dark:bg-amber-950" } else { "border-t border-slate-100 dark:border-slate-800" }>
                                                <td class="px-2 py-1">
                                                    // Ticked, it carries the version this inbox showed.
                                                    <input type="checkbox" name=format!("pick[{}]", r.key) value=r.version.to_string() aria-label=format!("select {}", r.key)/>
                                                </td>
                                                <td class="px-2 py-1"><a class="lnk" href=format!("/requests/{}", r.key)>{r.key.clone()}</a></td>
                                                <td class="px-2 py-1">{format!("{} {} {} in {}", r.kind, units(r.quantity), r.sku, r.region)}</td>
                                                <td class="px-2 py-1">{r.requester}</td>
                                                <td class="px-2 py-1">{format!("{age} business days")}{overdue.then_some(" · overdue")}</td>
                                                <td class="px-2 py-1 text-xs">{r.policy.unwrap_or_default()}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <div class="mt-3 flex gap-2">
                                <button type="submit" name="action" value="approve" class="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white dark:bg-slate-100 dark:text-slate-900">"Approve selected"</button>
                                <button type="submit" name="action" value="reject" class="rounded border px-3 py-1.5 text-sm">"Reject selected"</button>
                            </div>
                            </ActionForm>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
