//! `/admin/notices` — admins publish, update and resolve the incident and
//! maintenance notices shown on the public status page. `ActionForm`s, so the
//! forms work before the WASM loads.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{list_notices, PublishNotice, UpdateNotice};
use super::domain::NoticeKind;
use super::types::Notice;
use crate::components::admin::{outcome, AdminNav, BUTTON, CARD, INPUT};
use crate::components::widgets::{ErrorPanel, PageHeader};
use crate::shared::time::timestamp;

#[component]
pub fn NoticesPage() -> impl IntoView {
    let publish = ServerAction::<PublishNotice>::new();
    let update = ServerAction::<UpdateNotice>::new();
    let notices = Resource::new(
        move || (publish.version().get(), update.version().get()),
        |_| list_notices(),
    );
    view! {
        <Title text="Status notices · Headroom"/>
        <PageHeader title="Administration" subtitle="Notices appear on the public status page within its refresh interval."/>
        <AdminNav/>
        <section class=CARD aria-labelledby="publish-notice">
            <h2 id="publish-notice" class="mb-2 font-semibold">"Publish a notice"</h2>
            <p class="mb-3 text-xs text-slate-500 dark:text-slate-400">"Public text: no names, no request keys, no internal numbers. "
                <a class="lnk" href="/status">"See the status page"</a></p>
            <ActionForm action=publish attr:class="grid max-w-3xl gap-3">
                <div class="flex flex-wrap gap-3">
                    <label class="flex flex-col gap-1 text-sm">"Kind"
                        <select name="kind" class=INPUT>
                            {NoticeKind::ALL.map(|k| view! { <option value=k.as_str()>{k.as_str()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="flex grow flex-col gap-1 text-sm">"Title"
                        <input name="title" required maxlength="120" class=INPUT/>
                    </label>
                    <label class="flex flex-col gap-1 text-sm">"Affected regions"
                        <input name="regions" required placeholder="westus2 eastus" class=INPUT/>
                    </label>
                </div>
                <label class="flex flex-col gap-1 text-sm">"First update"
                    <textarea name="message" required rows="2" maxlength="2000" class=INPUT></textarea>
                </label>
                <div><button type="submit" class=BUTTON>"Publish"</button></div>
            </ActionForm>
            {outcome(publish.value(), "Notice published.")}
        </section>
        {outcome(update.value(), "Update posted.")}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match notices.await {
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    Ok(list) => {
                        let (active, resolved): (Vec<Notice>, Vec<Notice>) = list.into_iter().partition(Notice::is_active);
                        view! {
                            <section aria-labelledby="active-notices" class="mb-6">
                                <h2 id="active-notices" class="mb-2 font-semibold">"Active"</h2>
                                {if active.is_empty() {
                                    view! { <p class="text-sm text-slate-600 dark:text-slate-400">"No active notices."</p> }.into_any()
                                } else {
                                    active.into_iter().map(|n| view! { <NoticeCard notice=n update=update/> }).collect_view().into_any()
                                }}
                            </section>
                            <section aria-labelledby="resolved-notices">
                                <h2 id="resolved-notices" class="mb-2 font-semibold">"Resolved in the last two weeks"</h2>
                                {if resolved.is_empty() {
                                    view! { <p class="text-sm text-slate-600 dark:text-slate-400">"None."</p> }.into_any()
                                } else {
                                    resolved.into_iter().map(|n| view! { <NoticeCard notice=n update=update/> }).collect_view().into_any()
                                }}
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// A notice with its timeline and, while active, the form for the next update.
#[component]
fn NoticeCard(notice: Notice, update: ServerAction<UpdateNotice>) -> impl IntoView {
    let active = notice.is_active();
    let id = notice.id;
    view! {
        <article class=CARD data-testid="notice">
            <h3 class="font-medium">
                <span class="mr-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs uppercase dark:bg-slate-800">{notice.kind.as_str()}</span>
                {notice.title.clone()}
            </h3>
            <p class="text-xs text-slate-500 dark:text-slate-400">
                {format!("{} · since {}", notice.regions.join(", "), timestamp(&notice.started_at))}
                {notice.resolved_at.as_deref().map(|r| format!(" · resolved {}", timestamp(r)))}
            </p>
            <ol class="mt-2 space-y-1 text-sm">
                {notice.updates.iter().rev().map(|u| view! {
                    <li><time class="mr-2 text-xs text-slate-500 dark:text-slate-400" datetime=u.at.clone()>{timestamp(&u.at)}</time>{u.body.clone()}</li>
                }).collect_view()}
            </ol>
            {active.then(|| view! {
                <ActionForm action=update attr:class="mt-3 flex flex-wrap items-end gap-3">
                    <input type="hidden" name="id" value=id.to_string()/>
                    <input type="hidden" name="version" value=notice.version.to_string()/>
                    <label class="flex grow flex-col gap-1 text-sm">"Update"
                        <textarea name="message" required rows="1" maxlength="2000" class=INPUT aria-label=format!("update for notice {id}")></textarea>
                    </label>
                    <label class="flex items-center gap-1 text-sm"><input type="checkbox" name="resolve" value="on"/>"Resolve with this update"</label>
                    <button type="submit" class=BUTTON>"Post update"</button>
                </ActionForm>
            })}
        </article>
    }
}
