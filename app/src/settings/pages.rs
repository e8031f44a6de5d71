//! `/admin/settings`: the settings grouped by area, each edited with a control
//! of its kind (numbers, on/off, text, the policy's text area) and saved per
//! area with one `ActionForm` (so it works before the WASM loads). The approval
//! policy comes with a tester: "a 100-unit GPU request in a healthy region ×
//! SKU needs 2 approvals".

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::{list_settings, SettingView, UpdateSettings};
use super::AREAS;
use crate::components::admin::{AdminNav, BUTTON, CARD, INPUT};
use crate::components::widgets::{ErrorPanel, PageHeader};
use crate::fleet::codes::Family;
use crate::fleet::ledger::Health;
use crate::requests::policy::{decide, parse_rules};

#[component]
pub fn SettingsPage() -> impl IntoView {
    // One action per area, so each area says what happened to it.
    let actions: Vec<ServerAction<UpdateSettings>> =
        AREAS.iter().map(|_| ServerAction::new()).collect();
    let versions = actions.clone();
    let settings = Resource::new(
        move || versions.iter().map(|a| a.version().get()).sum::<usize>(),
        |_| list_settings(),
    );
    let query = use_query_map();
    view! {
        <Title text="Settings · Headroom"/>
        <PageHeader title="Administration" subtitle="Health bands, the approval policy, requests, freezes, deployments, the public status page, sessions and sign-in. Each area is saved on its own, all of it or nothing."/>
        <AdminNav/>
        <nav aria-label="Settings areas" class="mb-4 flex flex-wrap gap-x-3 gap-y-1 text-sm">
            {AREAS.iter().map(|(id, title)| view! { <a class="lnk" href=format!("#area-{id}")>{*title}</a> }).collect_view()}
        </nav>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let actions = actions.clone();
                Suspend::new(async move {
                    match settings.await {
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                        Ok(list) => AREAS
                            .iter()
                            .zip(actions)
                            .map(|((id, title), action)| {
                                let items: Vec<SettingView> = list.iter().filter(|s| s.area == *id).cloned().collect();
                                view! { <Area id=id title=title items=items action=action query=query/> }
                            })
                            .collect_view()
                            .into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// One area's settings in one form with one Save.
#[component]
fn Area(
    id: &'static str,
    title: &'static str,
    items: Vec<SettingView>,
    action: ServerAction<UpdateSettings>,
    query: Memo<leptos_router::params::ParamsMap>,
) -> impl IntoView {
    let stored_policy = items
        .iter()
        .find(|s| s.kind == "policy")
        .map(|s| s.value.clone());
    let policy_text = RwSignal::new(stored_policy.clone().unwrap_or_default());
    let error_for = move |key: String| {
        move || {
            action.value().get().and_then(|r| r.err()).filter(|e| e.is_about(&key)).map(|e| {
                view! { <span class="text-xs text-red-700 dark:text-red-400" role="alert">{e.message}</span> }
            })
        }
    };
    // Without JS every area's action reads the one error in the URL; it
    // belongs to the area the URL names (or to this one, once it was used here).
    let ours =
        move || action.version().get() > 0 || query.with(|q| q.get("area").is_none_or(|a| a == id));
    let result = move || {
        action.value().get().filter(|r| r.is_ok() || ours()).map(|r| match r {
            Ok(0) => view! { <p role="status" class="text-sm text-slate-600 dark:text-slate-400">"Nothing changed."</p> }.into_any(),
            Ok(n) => view! { <p role="status" class="text-sm text-emerald-700 dark:text-emerald-400">{format!("Saved: {n} changed.")}</p> }.into_any(),
            Err(e) => view! { <ErrorPanel error=e title="Not saved (nothing in this area changed)"/> }.into_any(),
        })
    };
    let fields = items
        .into_iter()
        .map(|s| {
            let input_id = format!("setting-{}", s.key.replace('.', "-"));
            let name = format!("values[{}]", s.key);
            let control = match s.kind.as_str() {
                "policy" => view! {
                    <textarea id=input_id.clone() name=name rows="6" spellcheck="false" class=format!("{INPUT} w-full font-mono text-xs")
                        on:input=move |ev| policy_text.set(event_target_value(&ev))>{s.value.clone()}</textarea>
                }.into_any(),
                "flag" => {
                    let on = s.value == "on";
                    view! {
                        <select id=input_id.clone() name=name class=INPUT>
                            <option value="on" selected=on>"on"</option>
                            <option value="off" selected=!on>"off"</option>
                        </select>
                    }.into_any()
                }
                "fraction" => view! { <input id=input_id.clone() name=name type="number" min="0" max="1" step="any" inputmode="decimal" value=s.value.clone() class=format!("{INPUT} w-28")/> }.into_any(),
                "count" => view! { <input id=input_id.clone() name=name type="number" min="1" max="1000000" step="1" value=s.value.clone() class=format!("{INPUT} w-32")/> }.into_any(),
                "percent" => view! { <input id=input_id.clone() name=name type="number" min="1" max="100" step="1" placeholder="off" value=s.value.clone() class=format!("{INPUT} w-28")/> }.into_any(),
                _ => view! { <input id=input_id.clone() name=name value=s.value.clone() class=format!("{INPUT} w-full max-w-md")/> }.into_any(),
            };
            let wide = s.kind == "policy";
            view! {
                <div class=if wide { "flex flex-col gap-1 sm:col-span-2" } else { "flex flex-col gap-1" }>
                    <label for=input_id class="text-sm">
                        <span class="font-mono">{s.key.clone()}</span>
                        <span class="block text-xs text-slate-500 dark:text-slate-400">{s.help}</span>
                    </label>
                    {control}
                    {error_for(s.key)}
                </div>
            }
        })
        .collect_view();
    view! {
        <section id=format!("area-{id}") class=CARD aria-labelledby=format!("h-{id}")>
            <h2 id=format!("h-{id}") class="mb-3 font-semibold">{title}</h2>
            <ActionForm action=action attr:class="grid gap-4 sm:grid-cols-2" attr:data-area=id>
                {fields}
                <div class="flex items-center gap-3 sm:col-span-2">
                    <button type="submit" class=BUTTON>{format!("Save {}", title.to_lowercase())}</button>
                    {result}
                </div>
            </ActionForm>
            {stored_policy.is_some().then(|| view! { <PolicyTester policy=policy_text query=query/> })}
        </section>
    }
}

/// "This request would need …": the policy being edited (live once
/// hydrated; the stored one without scripts, through the URL) applied to a
/// request the admin describes.
#[component]
fn PolicyTester(
    policy: RwSignal<String>,
    query: Memo<leptos_router::params::ParamsMap>,
) -> impl IntoView {
    let from_url = |key: &str| query.with_untracked(|q| q.get(key));
    let family = RwSignal::new(
        from_url("test_family")
            .and_then(|f| Family::parse(&f).ok())
            .unwrap_or(Family::Gpu),
    );
    let quantity = RwSignal::new(
        from_url("test_quantity")
            .and_then(|q| q.trim().parse::<i64>().ok())
            .unwrap_or(100),
    );
    let health = RwSignal::new(
        from_url("test_health")
            .and_then(|h| Health::parse(&h))
            .unwrap_or(Health::Healthy),
    );
    let verdict = move || match parse_rules(&policy.get()) {
        Err(e) => format!("This policy does not parse: {e}"),
        Ok(rules) => {
            let (f, q, h) = (family.get(), quantity.get(), health.get());
            let decision = decide(&rules, f, q, h);
            let verb = if decision.approvals == 0 { "is " } else { "" };
            format!(
                "A {q}-unit {f} request in a {h} region × SKU {verb}{}.",
                decision.explain()
            )
        }
    };
    view! {
        <form method="get" action="/admin/settings#policy-tester" id="policy-tester" on:submit=|ev| ev.prevent_default()
            class="mt-4 flex flex-wrap items-end gap-3 rounded border border-dashed border-slate-300 p-3 text-sm dark:border-slate-700" aria-label="Policy tester">
            <span class="basis-full font-medium">"Try the policy"</span>
            <label class="flex flex-col gap-1">"Family"
                <select name="test_family" class=INPUT on:change=move |ev| { if let Ok(f) = Family::parse(&event_target_value(&ev)) { family.set(f) } }>
                    {Family::ALL.iter().map(|f| { let sel = *f == family.get_untracked(); view! { <option value=f.as_str() selected=sel>{f.as_str()}</option> } }).collect_view()}
                </select>
            </label>
            <label class="flex flex-col gap-1">"Quantity"
                <input name="test_quantity" type="number" min="1" value=quantity.get_untracked().to_string() class=format!("{INPUT} w-28")
                    on:input=move |ev| { if let Ok(q) = event_target_value(&ev).trim().parse::<i64>() { quantity.set(q) } }/>
            </label>
            <label class="flex flex-col gap-1">"Region × SKU health"
                <select name="test_health" class=INPUT on:change=move |ev| { if let Some(h) = Health::parse(&event_target_value(&ev)) { health.set(h) } }>
                    {Health::ALL.iter().map(|h| { let sel = *h == health.get_untracked(); view! { <option value=h.as_str() selected=sel>{h.as_str()}</option> } }).collect_view()}
                </select>
            </label>
            <noscript><button type="submit" class="rounded border px-3 py-1.5">"Test"</button></noscript>
            <p class="basis-full" aria-live="polite" data-testid="policy-verdict">{verdict}</p>
        </form>
    }
}
