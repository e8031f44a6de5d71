//! `/admin/webhooks` — admins subscribe URLs to events, see each
//! subscription's signing secret and latest deliveries, send a test, replay a
//! delivery, rotate the secret, disable or remove it. `ActionForm`s, so every
//! form works before the WASM loads.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{
    list_webhooks, ChangeWebhook, CreateWebhook, DeleteWebhook, ReplayWebhookDelivery,
    RotateWebhookSecret, SendTestWebhook, WebhookView,
};
use super::domain::{DeliveryState, EventType};
use super::types::Delivery;
use crate::components::admin::{outcome, AdminNav, BUTTON, CARD, INPUT};
use crate::components::widgets::{ErrorPanel, PageHeader};
use crate::shared::time::timestamp;

const SMALL_BUTTON: &str = "rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";

/// The page's actions, shared by its cards.
#[derive(Clone, Copy)]
struct Actions {
    change: ServerAction<ChangeWebhook>,
    rotate: ServerAction<RotateWebhookSecret>,
    delete: ServerAction<DeleteWebhook>,
    test: ServerAction<SendTestWebhook>,
    replay: ServerAction<ReplayWebhookDelivery>,
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let create = ServerAction::<CreateWebhook>::new();
    let a = Actions {
        change: ServerAction::new(),
        rotate: ServerAction::new(),
        delete: ServerAction::new(),
        test: ServerAction::new(),
        replay: ServerAction::new(),
    };
    let hooks = Resource::new(
        move || {
            (
                create.version().get(),
                a.change.version().get(),
                a.rotate.version().get(),
                a.delete.version().get(),
                a.test.version().get(),
                a.replay.version().get(),
            )
        },
        |_| list_webhooks(),
    );
    let names = EventType::subscribable()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <Title text="Webhooks · Headroom"/>
        <PageHeader title="Administration" subtitle="Webhooks: events delivered to your URLs, signed per the Standard Webhooks spec."/>
        <AdminNav/>
        <section class=CARD aria-labelledby="new-webhook">
            <h2 id="new-webhook" class="mb-2 font-semibold">"Subscribe a URL"</h2>
            <ActionForm action=create attr:class="grid max-w-3xl gap-3">
                <label class="flex flex-col gap-1 text-sm">"URL"
                    <input name="url" required type="url" maxlength="2000" placeholder="https://hooks.example.com/headroom" class=INPUT/>
                </label>
                <label class="flex flex-col gap-1 text-sm">"Events"
                    <input name="events" required placeholder="request.* notice.published" class=INPUT aria-describedby="event-names"/>
                </label>
                <p id="event-names" class="text-xs text-slate-500 dark:text-slate-400">
                    {format!("Separate names with spaces; a prefix with .* names all under it. Events: {names}.")}
                </p>
                <label class="flex flex-col gap-1 text-sm">"Description (optional)"
                    <input name="description" maxlength="200" class=INPUT/>
                </label>
                <div><button type="submit" class=BUTTON>"Subscribe"</button></div>
            </ActionForm>
            {move || create.value().get().map(|r| match r {
                Ok(made) => view! {
                    <p role="status" class="mt-2 text-sm text-emerald-700 dark:text-emerald-400">
                        {format!("Subscribed {}. Its signing secret: ", made.subscription.url)}
                        <code class="break-all">{made.secret}</code>
                    </p>
                }.into_any(),
                Err(e) => view! { <div class="mt-2"><ErrorPanel error=e title="Not subscribed"/></div> }.into_any(),
            })}
        </section>
        {outcome(a.change.value(), "Saved.")}
        {outcome(a.rotate.value(), "A new secret is in force; the previous one also signs for a day.")}
        {outcome(a.delete.value(), "Removed.")}
        {outcome(a.test.value(), "A test event is on its way.")}
        {outcome(a.replay.value(), "Sent again.")}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match hooks.await {
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <p class="text-sm text-slate-600 dark:text-slate-400">"No subscriptions yet."</p>
                    }.into_any(),
                    Ok(list) => list.into_iter().map(|w| view! { <HookCard view=w actions=a/> }).collect_view().into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn HookCard(view: WebhookView, actions: Actions) -> impl IntoView {
    let s = view.hook.subscription;
    let (id, version) = (s.id, s.version);
    let events = s
        .events
        .iter()
        .map(EventType::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    let state = if s.enabled {
        "enabled".to_owned()
    } else {
        format!(
            "disabled: {}",
            s.disabled_reason.as_deref().unwrap_or("by an admin")
        )
    };
    // Each form's hidden fields (closures over copies: each form gets its own).
    let hidden = move || view! { <input type="hidden" name="id" value=id.to_string()/> };
    let versioned =
        move || view! { <input type="hidden" name="version" value=version.to_string()/> };
    view! {
        <article class=CARD data-testid="webhook">
            <h3 class="break-all font-medium">{s.url.clone()}</h3>
            <p class="text-xs text-slate-500 dark:text-slate-400">
                {format!("{} · {} · {} waiting · by {} on {}", events, state, s.backlog, s.created_by, timestamp(&s.created_at))}
                {s.previous_secret_until.as_deref().map(|u| format!(" · previous secret signs until {}", timestamp(u)))}
            </p>
            {(!s.description.is_empty()).then(|| view! { <p class="text-sm">{s.description.clone()}</p> })}
            <details class="mt-2 text-sm">
                <summary class="cursor-pointer">"Signing secret"</summary>
                <code class="break-all">{view.hook.secret}</code>
            </details>
            <div class="mt-3 flex flex-wrap gap-2">
                <ActionForm action=actions.test>{hidden()}<button type="submit" class=SMALL_BUTTON>"Send a test event"</button></ActionForm>
                <ActionForm action=actions.change>
                    {hidden()}{versioned()}
                    <input type="hidden" name="enabled" value=if s.enabled { "off" } else { "on" }/>
                    <button type="submit" class=SMALL_BUTTON>{if s.enabled { "Disable" } else { "Enable" }}</button>
                </ActionForm>
                <ActionForm action=actions.rotate>{hidden()}{versioned()}<button type="submit" class=SMALL_BUTTON>"Rotate the secret"</button></ActionForm>
                <ActionForm action=actions.delete>{hidden()}<button type="submit" class=SMALL_BUTTON>"Remove"</button></ActionForm>
            </div>
            <DeliveryLog id=s.id recent=view.recent replay=actions.replay/>
        </article>
    }
}

#[component]
fn DeliveryLog(
    id: i64,
    recent: Vec<Delivery>,
    replay: ServerAction<ReplayWebhookDelivery>,
) -> impl IntoView {
    if recent.is_empty() {
        return view! { <p class="mt-3 text-sm text-slate-600 dark:text-slate-400">"No deliveries yet."</p> }.into_any();
    }
    view! {
        <table class="mt-3 w-full text-left text-sm">
            <caption class="mb-1 text-left text-xs text-slate-500 dark:text-slate-400">"Latest deliveries"</caption>
            <thead><tr class="text-xs text-slate-500 dark:text-slate-400">
                <th scope="col">"Created"</th><th scope="col">"Event"</th><th scope="col">"State"</th>
                <th scope="col">"Attempts"</th><th scope="col">"Last answer"</th><th scope="col">"Latency"</th><th scope="col"></th>
            </tr></thead>
            <tbody>
                {recent.into_iter().map(|d| {
                    let answer = match (d.last_status, d.last_error.as_deref()) {
                        (Some(s), _) => format!("HTTP {s}"),
                        (None, Some(e)) => e.to_owned(),
                        (None, None) => "—".to_owned(),
                    };
                    let state = match (d.state, d.next_attempt_at.as_deref()) {
                        (DeliveryState::Pending, Some(at)) if d.attempts > 0 => format!("retry at {}", timestamp(at)),
                        (s, _) => s.as_str().to_owned(),
                    };
                    view! {
                        <tr class="border-t border-slate-100 dark:border-slate-800" data-testid="delivery">
                            <td>{timestamp(&d.created_at)}</td>
                            <td>{d.event.as_str()}{d.replay_of.map(|o| format!(" (replay of {o})"))}</td>
                            <td>{state}</td>
                            <td>{d.attempts}</td>
                            <td class="break-all">{answer}</td>
                            <td>{d.last_latency_ms.map(|ms| format!("{ms} ms"))}</td>
                            <td>
                                <ActionForm action=replay>
                                    <input type="hidden" name="id" value=id.to_string()/>
                                    <input type="hidden" name="delivery" value=d.id.to_string()/>
                                    <button type="submit" class=SMALL_BUTTON aria-label=format!("replay delivery {}", d.id)>"Replay"</button>
                                </ActionForm>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }.into_any()
}
