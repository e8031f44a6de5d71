//! The frame of every page: skip link, navigation, theme toggle.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::components::A;

/// Navigation and main content area.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    // `style/main.css` spells it out: one short name on every page's links.
    let link = "nav-a";
    view! {
        <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded focus:bg-white focus:p-2">
            "Skip to content"
        </a>
        <header class="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
            <nav aria-label="Main" class="mx-auto flex max-w-7xl flex-wrap items-center gap-1 px-4 py-2">
                <a href="/" class="mr-4 flex items-center gap-2 text-lg font-bold tracking-tight">
                    <span aria-hidden="true" class="inline-block h-4 w-4 rounded-sm bg-gradient-to-br from-sky-500 to-emerald-500"></span>
                    "Headroom"
                </a>
                <UserMenu link=link/>
                <ThemeToggle/>
            </nav>
        </header>
        <main id="main" class="mx-auto max-w-7xl px-4 py-6">{children()}</main>
    }
}

/// The app's sections, the signed-in user, an Admin link for admins, and the
/// sign-out button (a POST form); signed out, a link to the public status page.
#[component]
fn UserMenu(link: &'static str) -> impl IntoView {
    let me = Resource::new(|| (), |_| crate::auth::api::get_me());
    // Created here with `me`, never inside the async branch below: resources
    // made while rendering resolved data get ids in a different order on the
    // server and in the browser, and hydration then reads the wrong one.
    let counts = Resource::new(|| (), |_| crate::requests::api::get_nav_counts());
    // Rendered as a template (the server's page cache), the counts are a mark
    // the server replaces with `nav_count_html` for each caller.
    let nav_mark = crate::shared::template::marks().map(|m| m.nav.clone());
    view! {
        <Suspense fallback=|| ()>
            {move || { let nav_mark = nav_mark.clone(); Suspend::new(async move {
                match me.await {
                    Ok(Some(user)) => {
                        let counts = counts.await.unwrap_or_default();
                        let admin = user.has(crate::auth::Role::Admin);
                        let approver = user.has(crate::auth::Role::Approver);
                        let operator = user.has(crate::auth::Role::Operator);
                        // A monitor-only account reads /metrics and no page.
                        let sections = user.reads().then(|| view! {
                            <A href="/" exact=true attr:class=link>"Overview"</A>
                            <A href="/clusters" attr:class=link>"Clusters"</A>
                            <A href="/forecast" attr:class=link>"Forecast"</A>
                            <A href="/requests" attr:class=link>"Requests"</A>
                            <A href="/deployments" attr:class=link>"Deployments"</A>
                        });
                        view! {
                            {sections}
                            <span class="flex-1"></span>
                            {match nav_mark {
                                Some(mark) => Either::Left(mark),
                                None => Either::Right(view! { <NavCount counts=counts me=user.name.clone()/> }),
                            }}
                            {approver.then(|| view! { <A href="/approvals" attr:class=link>"Approvals"</A> })}
                            {operator.then(|| view! { <A href="/fulfilment" attr:class=link>"Fulfilment"</A> })}
                            {admin.then(|| view! { <A href="/admin/users" attr:class=link>"Admin"</A> })}
                            <span class="px-2 text-sm text-slate-600 dark:text-slate-400" data-testid="signed-in-as" title=user.roles.to_string()>
                                {user.name.clone()}
                            </span>
                            <form method="post" action="/logout">
                                <button type="submit" class="rounded px-3 py-2 text-sm text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800">
                                    "Sign out"
                                </button>
                            </form>
                        }
                        .into_any()
                    }
                    // Signed out, every app page leads back to sign-in: offer
                    // only what an anonymous visitor can open.
                    _ => view! { <span class="flex-1"></span><a href="/status" class=link>"Public status"</a> }.into_any(),
                }
            })}}
        </Suspense>
    }
}

/// What waits for the caller, as links: "3 waiting for you" (approvers),
/// "2 of mine in flight" (requesters); nothing when both are zero.
#[component]
fn NavCount(counts: crate::requests::types::NavCounts, me: String) -> impl IntoView {
    let mine = format!(
        "/requests?requester={}",
        crate::shared::url::encode_component(&me)
    );
    let pill = "rounded-full bg-sky-100 px-2 py-0.5 text-xs font-medium text-sky-900 hover:bg-sky-200 dark:bg-sky-950 dark:text-sky-100";
    view! {
        {counts.waiting_for_me.filter(|n| *n > 0).map(|n| view! {
            <a href="/approvals" class=pill data-testid="waiting-for-me">{format!("{n} waiting for you")}</a>
        })}
        {counts.mine_in_flight.filter(|n| *n > 0).map(|n| view! {
            <a href=mine class=pill data-testid="mine-in-flight">{format!("{n} of mine in flight")}</a>
        })}
    }
}

/// The navigation's counts as HTML, the same as they render inside a page:
/// what the page cache writes in place of their mark for each caller.
#[cfg(feature = "ssr")]
pub fn nav_count_html(counts: crate::requests::types::NavCounts, me: &str) -> String {
    let me = me.to_owned();
    Owner::new().with(|| view! { <NavCount counts=counts me=me/> }.to_html())
}

/// Switches between light and dark, remembered in a cookie so the server renders
/// the chosen theme; without a choice the system preference applies (pure CSS).
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let toggle = move |_| {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            let doc = document();
            let Some(html) = doc.document_element() else {
                return;
            };
            let classes = html.class_list();
            let dark_now = classes.contains("dark")
                || (!classes.contains("light")
                    && window()
                        .match_media("(prefers-color-scheme: dark)")
                        .ok()
                        .flatten()
                        .is_some_and(|m| m.matches()));
            let next = if dark_now { "light" } else { "dark" };
            let _ = classes.remove_2("dark", "light");
            let _ = classes.add_1(next);
            if let Ok(doc) = doc.dyn_into::<leptos::web_sys::HtmlDocument>() {
                let _ = doc.set_cookie(&format!(
                    "theme={next}; Path=/; Max-Age=31536000; SameSite=Lax"
                ));
            }
        }
    };
    view! {
        <button
            type="button"
            on:click=toggle
            data-testid="theme-toggle"
            class="rounded p-2 text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800"
            title="Switch between light and dark"
        >
            <span class="sr-only">"Switch between light and dark"</span>
            <span aria-hidden="true" class="dark:hidden">"☾"</span>
            <span aria-hidden="true" class="hidden dark:inline">"☀"</span>
        </button>
    }
}
