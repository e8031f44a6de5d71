//! Admin pages: users, API tokens, settings, the audit trail (status notices
//! live in `crate::status::pages`). Forms are
//! `ActionForm`s over server functions, so they work before the WASM loads.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::auth::api::*;
use crate::auth::roles::Role;
use crate::components::widgets::{ErrorPanel, PageHeader};

pub(crate) const INPUT: &str =
    "rounded border border-slate-300 px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
pub(crate) const BUTTON: &str = "rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 dark:bg-slate-100 dark:text-slate-900";
pub(crate) const CARD: &str =
    "mb-6 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";

/// Admin sub-navigation.
#[component]
pub(crate) fn AdminNav() -> impl IntoView {
    let link = "rounded px-3 py-1.5 text-sm hover:bg-slate-100 dark:hover:bg-slate-800 aria-[current=page]:font-semibold aria-[current=page]:underline";
    view! {
        <nav aria-label="Administration" class="mb-4 flex flex-wrap gap-1">
            <leptos_router::components::A href="/admin/users" attr:class=link>"Users"</leptos_router::components::A>
            <leptos_router::components::A href="/admin/tokens" attr:class=link>"API tokens"</leptos_router::components::A>
            <leptos_router::components::A href="/admin/settings" attr:class=link>"Settings"</leptos_router::components::A>
            <leptos_router::components::A href="/admin/notices" attr:class=link>"Status notices"</leptos_router::components::A>
            <leptos_router::components::A href="/admin/audit" attr:class=link>"Audit trail"</leptos_router::components::A>
        </nav>
    }
}

/// Checkboxes for the five roles, named as the server functions expect.
#[component]
fn RoleBoxes(
    #[prop(optional)] checked: Option<crate::auth::roles::Roles>,
    prefix: &'static str,
) -> impl IntoView {
    Role::ALL
        .into_iter()
        .map(|r| {
            let name = if r == Role::Admin {
                "admin_role"
            } else {
                r.as_str()
            };
            let id = format!("{prefix}-{}", r.as_str());
            let on = checked.as_ref().is_some_and(|c| c.contains(r));
            view! {
                <label for=id.clone() class="inline-flex items-center gap-1 text-sm">
                    <input id=id.clone() type="checkbox" name=name value="on" checked=on/>
                    {r.as_str()}
                </label>
            }
        })
        .collect_view()
}

/// A server function's outcome under a form.
pub(crate) fn outcome<T: Clone + Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, ServerFnError>>> + Send + Sync + 'static,
    ok: &'static str,
) -> impl IntoView {
    move || {
        value.get().map(|r| match r {
            Ok(_) => view! { <p role="status" class="mt-2 text-sm text-emerald-700 dark:text-emerald-400">{ok}</p> }.into_any(),
            Err(e) => view! { <div class="mt-2"><ErrorPanel error=e title="Not saved"/></div> }.into_any(),
        })
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let add = ServerAction::<AddUser>::new();
    let roles = ServerAction::<SetUserRoles>::new();
    let disable = ServerAction::<DisableUser>::new();
    let users = Resource::new(
        move || {
            (
                add.version().get(),
                roles.version().get(),
                disable.version().get(),
            )
        },
        |_| list_users(),
    );
    view! {
        <Title text="Users · Headroom"/>
        <PageHeader title="Administration" subtitle="Users and their roles. Disabling a user ends their sessions and tokens at once."/>
        <AdminNav/>
        <section class=CARD aria-labelledby="add-user">
            <h2 id="add-user" class="mb-2 font-semibold">"Add a user"</h2>
            <ActionForm action=add attr:class="flex flex-wrap items-end gap-3">
                <label class="flex flex-col gap-1 text-sm">"Name"<input name="name" required class=INPUT/></label>
                <label class="flex flex-col gap-1 text-sm">"Password (12+ characters)"<input name="password" type="password" required minlength="12" class=INPUT/></label>
                <fieldset class="flex gap-3"><legend class="sr-only">"Roles"</legend><RoleBoxes prefix="new"/></fieldset>
                <button type="submit" class=BUTTON>"Add user"</button>
            </ActionForm>
            {outcome(add.value(), "User added.")}
        </section>
        {outcome(roles.value(), "Roles saved.")}
        {outcome(disable.value(), "User disabled.")}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    Ok(list) => view! {
                        <table class="w-full text-sm" data-testid="users">
                            <thead class="text-left"><tr>
                                <th scope="col" class="px-2 py-1">"Name"</th>
                                <th scope="col" class="px-2 py-1">"Roles"</th>
                                <th scope="col" class="px-2 py-1">"State"</th>
                                <th scope="col" class="px-2 py-1"><span class="sr-only">"Actions"</span></th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|u| {
                                    let name = u.name.clone();
                                    let name_for_disable = u.name.clone();
                                    view! {
                                        <tr class="border-t border-slate-100 dark:border-slate-800">
                                            <td class="px-2 py-1">{u.name.clone()}{u.demo.then_some(" (demo)")}</td>
                                            <td class="px-2 py-1">
                                                <ActionForm action=roles attr:class="flex flex-wrap items-center gap-2">
                                                    <input type="hidden" name="name" value=name.clone()/>
                                                    <RoleBoxes checked=u.roles.clone() prefix="edit"/>
                                                    <button type="submit" class="rounded border px-2 py-0.5 text-xs">"Save"</button>
                                                </ActionForm>
                                            </td>
                                            <td class="px-2 py-1">{if u.disabled { "disabled" } else { "enabled" }}</td>
                                            <td class="px-2 py-1">
                                                {(!u.disabled).then(move || view! {
                                                    <ActionForm action=disable>
                                                        <input type="hidden" name="name" value=name_for_disable.clone()/>
                                                        <button type="submit" class="rounded border border-red-300 px-2 py-0.5 text-xs text-red-800 dark:text-red-300">"Disable"</button>
                                                    </ActionForm>
                                                })}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn TokensPage() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_tokens(),
    );
    view! {
        <Title text="API tokens · Headroom"/>
        <PageHeader title="Administration" subtitle="API tokens act for a user, with that user's roles or fewer. The token is shown once."/>
        <AdminNav/>
        <section class=CARD aria-labelledby="new-token">
            <h2 id="new-token" class="mb-2 font-semibold">"Create a token"</h2>
            <ActionForm action=create attr:class="flex flex-wrap items-end gap-3">
                <label class="flex flex-col gap-1 text-sm">"For user"<input name="user" required class=INPUT/></label>
                <label class="flex flex-col gap-1 text-sm">"Label"<input name="name" required class=INPUT/></label>
                <fieldset class="flex gap-3"><legend class="text-xs text-slate-500">"Narrow to (none ticked: all the user's roles)"</legend><RoleBoxes prefix="tok"/></fieldset>
                <button type="submit" class=BUTTON>"Create token"</button>
            </ActionForm>
            {move || create.value().get().map(|r| match r {
                Ok(token) => view! { <p role="status" class="mt-2 text-sm">"Copy it now; it will not be shown again: "<code data-testid="new-token" class="select-all rounded bg-slate-100 px-1 dark:bg-slate-800">{token}</code></p> }.into_any(),
                Err(e) => view! { <div class="mt-2"><ErrorPanel error=e title="Not saved"/></div> }.into_any(),
            })}
        </section>
        {outcome(revoke.value(), "Token revoked.")}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tokens.await {
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    Ok(list) => view! {
                        <table class="w-full text-sm" data-testid="tokens">
                            <thead class="text-left"><tr>
                                <th scope="col" class="px-2 py-1">"Label"</th><th scope="col" class="px-2 py-1">"User"</th>
                                <th scope="col" class="px-2 py-1">"Roles"</th><th scope="col" class="px-2 py-1">"State"</th>
                                <th scope="col" class="px-2 py-1"><span class="sr-only">"Actions"</span></th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|t| view! {
                                    <tr class="border-t border-slate-100 dark:border-slate-800">
                                        <td class="px-2 py-1">{t.name}</td><td class="px-2 py-1">{t.user}</td>
                                        <td class="px-2 py-1">{t.roles.unwrap_or_else(|| "all of the user's".into())}</td>
                                        <td class="px-2 py-1">{if t.revoked { "revoked" } else { "live" }}</td>
                                        <td class="px-2 py-1">{(!t.revoked).then(|| view! {
                                            <ActionForm action=revoke>
                                                <input type="hidden" name="id" value=t.id.to_string()/>
                                                <button type="submit" class="rounded border border-red-300 px-2 py-0.5 text-xs">"Revoke"</button>
                                            </ActionForm>
                                        })}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

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

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let rows = Resource::new(
        move || {
            query.with(|q| {
                (
                    q.get("action"),
                    q.get("actor"),
                    q.get("before").and_then(|b| b.parse::<i64>().ok()),
                )
            })
        },
        |(action, actor, before)| list_audit(action, actor, before),
    );
    view! {
        <Title text="Audit trail · Headroom"/>
        <PageHeader title="Administration" subtitle="Every sign-in, refusal and change, newest first. Nothing here can be edited or deleted."/>
        <AdminNav/>
        <form method="get" action="/admin/audit" class="mb-4 flex flex-wrap items-end gap-3">
            <label class="flex flex-col gap-1 text-sm">"Action"<input name="action" placeholder="signin.failed" class=INPUT value=move || query.read().get("action").unwrap_or_default()/></label>
            <label class="flex flex-col gap-1 text-sm">"Actor"<input name="actor" class=INPUT value=move || query.read().get("actor").unwrap_or_default()/></label>
            <button type="submit" class=BUTTON>"Filter"</button>
        </form>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    Ok(list) => {
                        let older = list.last().filter(|_| list.len() == 100).map(|r| format!("/admin/audit?before={}", r.id));
                        view! {
                            <div class="overflow-x-auto">
                            <table class="w-full text-sm" data-testid="audit">
                                <thead class="text-left"><tr>
                                    <th scope="col" class="px-2 py-1">"When (UTC)"</th><th scope="col" class="px-2 py-1">"Actor"</th>
                                    <th scope="col" class="px-2 py-1">"Action"</th><th scope="col" class="px-2 py-1">"Object"</th>
                                    <th scope="col" class="px-2 py-1">"Before → after"</th><th scope="col" class="px-2 py-1">"Source"</th>
                                    <th scope="col" class="px-2 py-1">"Request"</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|r| view! {
                                        <tr class="border-t border-slate-100 align-top dark:border-slate-800">
                                            <td class="px-2 py-1 whitespace-nowrap">{r.at}</td>
                                            <td class="px-2 py-1">{r.actor.unwrap_or_default()}</td>
                                            <td class="px-2 py-1 font-mono">{r.action}</td>
                                            <td class="px-2 py-1">{r.object.unwrap_or_default()}</td>
                                            <td class="px-2 py-1">{format!("{} → {}", r.before.unwrap_or_default(), r.after.unwrap_or_default())}</td>
                                            <td class="px-2 py-1">{r.source.unwrap_or_default()}</td>
                                            <td class="px-2 py-1 font-mono text-xs">{r.request_id.unwrap_or_default()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                            {older.map(|href| view! { <p class="mt-3"><a class="text-sky-700 underline" href=href>"Older →"</a></p> })}
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
