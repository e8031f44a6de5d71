//! `/admin/settings`: every setting with its help and value in force, one
//! `ActionForm` each (so it works before the WASM loads).

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{list_settings, UpdateSetting};
use crate::components::admin::{outcome, AdminNav, BUTTON, INPUT};
use crate::components::widgets::{ErrorPanel, PageHeader};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let update = ServerAction::<UpdateSetting>::new();
    let settings = Resource::new(move || update.version().get(), |_| list_settings());
    view! {
        <Title text="Settings · Headroom"/>
        <PageHeader title="Administration" subtitle="Health thresholds, sign-in limits, sessions, proxy sign-in, and the approval policy."/>
        <AdminNav/>
        {outcome(update.value(), "Setting saved.")}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    Ok(list) => list.into_iter().map(|s| {
                        let id = format!("setting-{}", s.key.replace('.', "-"));
                        view! {
                            <ActionForm action=update attr:class="mb-3 flex flex-wrap items-end gap-3">
                                <input type="hidden" name="key" value=s.key.clone()/>
                                <label for=id.clone() class="flex w-96 flex-col gap-1 text-sm">
                                    <span class="font-mono">{s.key.clone()}</span>
                                    <span class="text-xs text-slate-500 dark:text-slate-400">{s.help}</span>
                                </label>
                                {if s.multiline {
                                    view! { <textarea id=id name="value" rows="6" spellcheck="false" class=format!("{INPUT} w-full max-w-3xl font-mono text-xs")>{s.value}</textarea> }.into_any()
                                } else {
                                    view! { <input id=id name="value" value=s.value class=INPUT/> }.into_any()
                                }}
                                <button type="submit" class=BUTTON>"Save"</button>
                            </ActionForm>
                        }
                    }).collect_view().into_any(),
                }
            })}
        </Suspense>
    }
}
