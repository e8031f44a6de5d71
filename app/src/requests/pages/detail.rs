//! `/requests/{key}` — a request: details, policy, approvals, reservations,
//! timeline, comments, the caller's actions (the workflow's own `allowed`), and
//! for approvers the headroom after approval. The decide and comment forms are
//! `ActionForm`s over server functions, so they work before the WASM loads.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{FlashFromQuery, StateBadge};
use crate::components::format::units;
use crate::components::widgets::{ErrorPanel, HealthBadge, PageHeader};
use crate::requests::api::{get_request_detail, ActOnRequest, CommentOnRequest};
use crate::requests::domain::Action;
use crate::requests::types::{HeadroomChange, RequestDetail};
use crate::shared::time::timestamp;

#[component]
pub fn RequestPage() -> impl IntoView {
    let params = use_params_map();
    let act = ServerAction::<ActOnRequest>::new();
    let comment = ServerAction::<CommentOnRequest>::new();
    let detail = Resource::new(
        move || {
            (
                params.read().get("key").unwrap_or_default(),
                act.version().get(),
                comment.version().get(),
            )
        },
        |(key, _, _)| get_request_detail(key),
    );
    view! {
        {move || act.value().get().and_then(Result::err).map(|e| view! { <div class="mb-4"><ErrorPanel error=e title="Not done"/></div> })}
        {move || comment.value().get().and_then(Result::err).map(|e| view! { <div class="mb-4"><ErrorPanel error=e title="Not added"/></div> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <Request detail=d act=act comment=comment/> }.into_any(),
                    Err(e) => view! { <Title text="Request not found · Headroom"/><ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn change_row(c: HeadroomChange) -> impl IntoView {
    view! {
        <tr class="tr">
            <td class="px-2 py-1">{c.name}</td>
            <td class="px-2 py-1 text-right tabular-nums">{units(c.free_before)}</td>
            <td class="px-2 py-1 text-right tabular-nums">{units(c.free_after)}</td>
            <td class="px-2 py-1"><HealthBadge health=c.health_before/>" → "<HealthBadge health=c.health_after/></td>
        </tr>
    }
}

#[component]
fn Request(
    detail: RequestDetail,
    act: ServerAction<ActOnRequest>,
    comment: ServerAction<CommentOnRequest>,
) -> impl IntoView {
    let r = detail.request;
    let key = r.key.clone();
    let act_key = key.clone();
    let buildout_key = key.clone();
    // The final approval would fail for want of capacity: offer approval with a buildout.
    let last_approval = r
        .approvals_needed
        .is_some_and(|n| r.approvals.len() as i64 + 1 >= n);
    let short = last_approval
        && detail.actions.contains(&Action::Approve)
        && detail
            .preview
            .as_ref()
            .is_some_and(|p| p.shortfall.is_some());
    let subtitle = format!(
        "{} {} {} of {} in {}{} · for {} · need by {} · {} · filed by {}",
        r.kind,
        units(r.quantity),
        detail.unit,
        r.sku,
        r.region,
        r.zone.map(|z| format!(" zone {z}")).unwrap_or_default(),
        r.service,
        r.need_by,
        r.priority,
        r.requester
    );
    // Fulfilling: the comment is where the change that delivered it is named.
    let fulfill_hint = detail
        .actions
        .contains(&Action::Fulfill)
        .then_some("the change that delivered it, e.g. CHG-1234");
    let action_label = |a: &Action| match a {
        Action::Submit => "Submit",
        Action::Approve => "Approve",
        Action::Reject => "Reject",
        Action::Cancel => "Cancel request",
        Action::Fulfill => "Mark fulfilled",
        Action::Expire => "Expire",
    };
    view! {
        <Title text=format!("{key} · Headroom")/>
        <nav aria-label="Breadcrumb" class="mb-2 text-sm text-slate-500"><a href="/requests" class="hover:underline">"Requests"</a>" / "{key.clone()}</nav>
        <PageHeader title=key.clone() subtitle=subtitle>
            <div class="flex items-center gap-2"><StateBadge state=r.state/><span class="text-xs text-slate-500">{format!("version {}", r.version)}</span></div>
        </PageHeader>
        <FlashFromQuery/>
        <div class="grid gap-6 lg:grid-cols-3">
            <div class="space-y-6 lg:col-span-2">
                <section class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900" aria-labelledby="why">
                    <h2 id="why" class="mb-2 font-semibold">"Justification"</h2>
                    <p class="whitespace-pre-wrap text-sm">{r.justification.clone()}</p>
                    {(detail.short_by > 0).then(|| view! {
                        <p role="note" data-testid="beyond-free" class="mt-3 rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100">
                            {format!("More than is free now: {} {} short in {} · {}. The last approval needs a buildout for the rest.", units(detail.short_by), detail.unit, r.region, r.sku)}
                        </p>
                    })}
                    <p class="mt-3 text-sm" data-testid="policy">{r.policy.clone().unwrap_or_else(|| "Not submitted yet: no policy decision.".into())}</p>
                    <p class="mt-1 text-sm" data-testid="approvals">
                        {format!("Approvals: {} of {}", r.approvals.len(), r.approvals_needed.map(|n| n.to_string()).unwrap_or("—".into()))}
                        {r.approvals.iter().map(|a| format!(" · {} ({})", a.approver, timestamp(&a.at))).collect::<String>()}
                    </p>
                    {r.hold_until.clone().map(|h| view! { <p class="mt-1 text-sm">{format!("Reservation held until {h}")}</p> })}
                    {r.deployment.clone().map(|k| view! {
                        <p class="mt-1 text-sm" data-testid="deployment">
                            {if r.state == crate::requests::domain::State::AwaitingCapacity { "Waiting for the capacity of " } else { "Linked to " }}
                            <a class="lnk" href=format!("/deployments/{k}")>{k.clone()}</a>
                        </p>
                    })}
                </section>
                {detail.preview.map(|p| view! {
                    <section class="rounded-lg border border-violet-300 bg-violet-50 p-4 dark:border-violet-800 dark:bg-violet-950" aria-labelledby="preview" data-testid="preview">
                        <h2 id="preview" class="mb-2 font-semibold">"Headroom after approval"</h2>
                        {p.shortfall.map(|s| view! { <p role="alert" class="mb-2 text-sm font-semibold text-red-800 dark:text-red-300">{format!("Not enough capacity: {s}")}</p> })}
                        <table class="w-full text-sm">
                            <thead class="text-left"><tr>
                                <th scope="col" class="px-2 py-1">"Where"</th><th scope="col" class="px-2 py-1 text-right">"Free now"</th>
                                <th scope="col" class="px-2 py-1 text-right">"Free after"</th><th scope="col" class="px-2 py-1">"Band"</th>
                            </tr></thead>
                            <tbody>
                                {change_row(p.region_sku)}
                                {p.clusters.into_iter().map(change_row).collect_view()}
                            </tbody>
                        </table>
                        {p.impact.map(|i| view! { <crate::forecast::impact::ImpactLine impact=i verb="Approving"/> })}
                    </section>
                })}
                {(!r.reservations.is_empty()).then(|| view! {
                    <section class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900" aria-labelledby="held">
                        <h2 id="held" class="mb-2 font-semibold">"Reserved in"</h2>
                        <ul class="text-sm" data-testid="reservations">
                            {r.reservations.iter().map(|x| view! { <li><a class="lnk" href=format!("/clusters/{}", x.cluster_id)>{x.cluster.clone()}</a>{format!(": {} {}", units(x.units), detail.unit)}</li> }).collect_view()}
                        </ul>
                    </section>
                })}
                <section class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900" aria-labelledby="comments">
                    <h2 id="comments" class="mb-2 font-semibold">"Comments"</h2>
                    <ul class="space-y-2 text-sm">
                        {detail.comments.into_iter().map(|c| view! { <li><span class="font-medium">{c.author}</span><time class="ml-2 text-xs text-slate-500" datetime=c.at.clone()>{timestamp(&c.at)}</time><p class="whitespace-pre-wrap">{c.body}</p></li> }).collect_view()}
                    </ul>
                    <ActionForm action=comment attr:class="mt-3 flex gap-2">
                        <input type="hidden" name="key" value=key.clone()/>
                        <label class="sr-only" for="comment-body">"Comment"</label>
                        <input id="comment-body" name="comment" required class="flex-1 rounded border border-slate-300 px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950"/>
                        <button type="submit" class="rounded border px-3 py-1.5 text-sm">"Comment"</button>
                    </ActionForm>
                </section>
            </div>
            <aside class="space-y-6">
                {(!detail.actions.is_empty()).then(|| view! {
                    <section class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900" aria-labelledby="act">
                        <h2 id="act" class="mb-2 font-semibold">"Decide"</h2>
                        <ActionForm action=act attr:class="space-y-2">
                            <input type="hidden" name="key" value=act_key/>
                            <input type="hidden" name="version" value=r.version.to_string()/>
                            <label class="flex flex-col gap-1 text-sm">"Comment (a reason is required to reject or cancel; the requester sees it)"
                                <textarea name="comment" rows="2" placeholder=fulfill_hint class="rounded border border-slate-300 px-2 py-1 dark:border-slate-700 dark:bg-slate-950"></textarea>
                            </label>
                            <div class="flex flex-wrap gap-2">
                                {detail.actions.iter().map(|a| view! {
                                    <button type="submit" name="action" value=a.as_str() class="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white dark:bg-slate-100 dark:text-slate-900">{action_label(a)}</button>
                                }).collect_view()}
                            </div>
                        </ActionForm>
                        {short.then(|| view! {
                            <ActionForm action=act attr:class="mt-3 border-t border-slate-100 pt-3 dark:border-slate-800">
                                <input type="hidden" name="key" value=buildout_key.clone()/>
                                <input type="hidden" name="version" value=r.version.to_string()/>
                                <input type="hidden" name="action" value="approve"/>
                                <input type="hidden" name="with_buildout" value="on"/>
                                <p class="mb-2 text-xs text-slate-600 dark:text-slate-400">"The units are not there: approve anyway, and a buildout for the shortfall is drafted; the request waits for it."</p>
                                <button type="submit" class="rounded border border-violet-400 px-3 py-1.5 text-sm font-medium">"Approve with buildout"</button>
                            </ActionForm>
                        })}
                    </section>
                })}
                <section class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900" aria-labelledby="timeline">
                    <h2 id="timeline" class="mb-2 font-semibold">"Timeline"</h2>
                    <ol class="space-y-2 text-sm" data-testid="timeline">
                        {detail.timeline.into_iter().map(|t| view! {
                            <li><span class="font-medium">{t.action}</span>" by "{t.actor}<time class="block text-xs text-slate-500" datetime=t.at.clone()>{timestamp(&t.at)}</time><span class="block text-xs">{t.detail}</span></li>
                        }).collect_view()}
                    </ol>
                </section>
            </aside>
        </div>
    }
}
