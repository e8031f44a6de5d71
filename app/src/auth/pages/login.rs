//! `/login` — a plain POST form to `/login`, so it works with or without WASM.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || {
        query
            .read()
            .get("next")
            .map(|n| crate::auth::paths::safe_next(&n).to_owned())
            .unwrap_or_else(|| "/".into())
    };
    let error = move || query.read().get("error");
    let name = move || query.read().get("name").unwrap_or_default();
    view! {
        <Title text="Sign in · Headroom"/>
        <div class="mx-auto mt-12 max-w-sm rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <h1 class="text-xl font-semibold">"Sign in to Headroom"</h1>
            {move || error().map(|e| view! {
                <p role="alert" id="login-error" class="mt-3 rounded bg-red-50 p-2 text-sm text-red-900 dark:bg-red-950 dark:text-red-100">{e}</p>
            })}
            <form method="post" action="/login" class="mt-4 space-y-4">
                <input type="hidden" name="next" value=next/>
                <div class="flex flex-col gap-1">
                    <label for="name" class="text-sm font-medium">"User name"</label>
                    <input id="name" name="name" autocomplete="username" required value=name
                        class="rounded border border-slate-300 px-2 py-1.5 dark:border-slate-700 dark:bg-slate-950"/>
                </div>
                <div class="flex flex-col gap-1">
                    <label for="password" class="text-sm font-medium">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required
                        class="rounded border border-slate-300 px-2 py-1.5 dark:border-slate-700 dark:bg-slate-950"/>
                </div>
                <button type="submit" class="w-full rounded bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700 dark:bg-slate-100 dark:text-slate-900">
                    "Sign in"
                </button>
            </form>
            <p class="mt-4 text-sm text-slate-600 dark:text-slate-400">
                "Looking for service availability? See the "<a href="/status" class="underline">"public status page"</a>", no sign-in needed."
            </p>
        </div>
    }
}
