//! `/approvals` — the approver's inbox: everything waiting for them, oldest
//! first, with its age against the SLA (setting `requests.sla_business_days`).

use leptos::prelude::*;
use leptos_meta::Title;

use super::FlashFromQuery;
use crate::components::format::units;
use crate::components::widgets::{ErrorPanel, HealthBadge, PageHeader};
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
                            <div class="relative overflow-x-auto">
                            <table class="w-full text-sm" data-testid="inbox">
                                <thead class="text-left"><tr>
                                    <th scope="col" class="px-2 py-1"><span class="sr-only">"Select"</span></th>
                                    <th scope="col" class="px-2 py-1">"Key"</th><th scope="col" class="px-2 py-1">"Ask"</th>
                                    <th scope="col" class="px-2 py-1">"Need by"</th><th scope="col" class="px-2 py-1">"Priority"</th>
                                    <th scope="col" class="px-2 py-1">"Approvals"</th><th scope="col" class="px-2 py-1">"After approval"</th>
                                    <th scope="col" class="px-2 py-1">"Requester"</th><th scope="col" class="px-2 py-1">"Waiting"</th>
                                </tr></thead>
                                <tbody>
                                    {inbox.items.into_iter().map(|item| {
                                        let r = item.request;
                                        let age = business_days_between(&r.created_at, &now);
                                        let overdue = age > sla;
                                        let approvals = match r.approvals_needed {
                                            Some(m) => format!("{} of {m}", r.approvals.len()),
                                            None => "—".into(),
                                        };
                                        let after = if item.short_by > 0 {
                                            view! { <span class="rounded bg-red-100 px-1.5 py-0.5 text-xs font-medium text-red-900 dark:bg-red-950 dark:text-red-100" data-testid="cannot-place">{format!("cannot be placed · short by {} {}", units(item.short_by), item.unit)}</span> }.into_any()
                                        } else {
                                            match item.band_after {
                                                Some(h) => view! { <HealthBadge health=h/> }.into_any(),
                                                None => view! { <span class="text-slate-500">"—"</span> }.into_any(),
                                            }
                                        };
                                        view! {
                                            <tr class=if overdue { "border-t border-slate-100 bg-amber-50 dark:border-slate-800 dark:bg-amber-950" } else { "border-t border-slate-100 dark:border-slate-800" }>
                                                <td class="px-2 py-1">
                                                    // Ticked, it carries the version this inbox showed.
                                                    <input type="checkbox" name=format!("pick[{}]", r.key) value=r.version.to_string() aria-label=format!("select {}", r.key)/>
                                                </td>
                                                <td class="whitespace-nowrap px-2 py-1"><a class="lnk" href=format!("/requests/{}", r.key)>{r.key.clone()}</a></td>
                                                <td class="px-2 py-1" title=r.policy.unwrap_or_default()>{format!("{} {} {} of {} in {}{}", r.kind, units(r.quantity), item.unit, r.sku, r.region, r.zone.map(|z| format!(" zone {z}")).unwrap_or_default())}</td>
                                                <td class="px-2 py-1 whitespace-nowrap">{r.need_by}</td>
                                                <td class="px-2 py-1">{r.priority.to_string()}</td>
                                                <td class="px-2 py-1 whitespace-nowrap">{approvals}</td>
                                                <td class="px-2 py-1">{after}</td>
                                                <td class="px-2 py-1">{r.requester}</td>
                                                <td class="px-2 py-1 whitespace-nowrap">{format!("{age} business days")}{overdue.then_some(" · overdue")}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                            <p class="mt-2 text-xs text-slate-600 dark:text-slate-400">"Requests that cannot be placed now are not approved in bulk: open one to approve it with a buildout."</p>
                            <div class="mt-3 flex flex-wrap items-end gap-2">
                                <label class="text-sm">"Reason (required to reject; the requesters see it)"
                                    <input type="text" name="comment" maxlength="4000" class="mt-1 block w-72 max-w-full rounded border px-2 py-1 dark:bg-slate-900"/>
                                </label>
                                <button type="submit" name="action" value="approve" on:click=confirm_bulk("Approve") class="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white dark:bg-slate-100 dark:text-slate-900">"Approve selected"</button>
                                <button type="submit" name="action" value="reject" on:click=confirm_bulk("Reject") class="rounded border px-3 py-1.5 text-sm">"Reject selected"</button>
                            </div>
                            </ActionForm>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// Once hydrated, a bulk decision asks first ("Approve the selected
/// requests?"); without JavaScript the form posts as it is.
fn confirm_bulk(verb: &'static str) -> impl Fn(leptos::ev::MouseEvent) + 'static {
    move |ev| {
        let ask = format!("{verb} the selected requests?");
        if !window().confirm_with_message(&ask).unwrap_or(false) {
            ev.prevent_default();
        }
    }
}
