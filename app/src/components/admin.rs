//! The chrome of the admin pages: their sub-navigation, form styles, and how a
//! form's outcome is shown.

use leptos::prelude::*;

use crate::components::widgets::ErrorPanel;
use crate::shared::fields::ServerError;

pub const INPUT: &str =
    "rounded border border-slate-300 px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
pub const BUTTON: &str = "rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 dark:bg-slate-100 dark:text-slate-900";
pub const CARD: &str =
    "mb-6 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";

/// Admin sub-navigation.
#[component]
pub fn AdminNav() -> impl IntoView {
    let link = "rounded px-3 py-1.5 text-sm hover:bg-slate-100 dark:hover:bg-slate-800 aria-[current=page]:font-semibold aria-[current=page]:underline";
    view! {
        <nav aria-label="Administration" class="mb-4 flex flex-wrap gap-1">
            <leptos_router::components::A href="/admin/users" attr:class=link>"Users"</leptos_router::components::A>
            <leptos_router::components::A href="/admin/tokens" attr:class=link>"API tokens"</leptos_router::components::A>
            <leptos_router::components::A href="/admin/settings" attr:class=link>"Settings"</leptos_router::components::A>
            <leptos_router::components::A href="/admin/notices" attr:class=link>"Status notices"</leptos_router::components::A>
            <leptos_router::components::A href="/admin/audit" attr:class=link>"Audit trail"</leptos_router::components::A>
            <leptos_router::components::A href="/admin/import" attr:class=link>"Import clusters"</leptos_router::components::A>
            <leptos_router::components::A href="/admin/webhooks" attr:class=link>"Webhooks"</leptos_router::components::A>
        </nav>
    }
}

/// A server function's outcome under a form.
pub fn outcome<T: Clone + Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, ServerError>>> + Send + Sync + 'static,
    ok: &'static str,
) -> impl IntoView {
    move || {
        value.get().map(|r| match r {
            Ok(_) => view! { <p role="status" class="mt-2 text-sm text-emerald-700 dark:text-emerald-400">{ok}</p> }.into_any(),
            Err(e) => view! { <div class="mt-2"><ErrorPanel error=e title="Not saved"/></div> }.into_any(),
        })
    }
}
