//! Admin pages of identity: users and API tokens. Forms are `ActionForm`s over
//! server functions, so they work before the WASM loads.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::auth::api::*;
use crate::auth::roles::Role;
use crate::components::admin::{outcome, AdminNav, BUTTON, CARD, INPUT};
use crate::components::widgets::{ErrorPanel, PageHeader};
use crate::shared::time::timestamp;

/// Checkboxes for the six roles, named as the server functions expect.
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
                                        <tr class="tr">
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
    // Tokens act for a user: picked from the users who can sign in.
    let users = Resource::new(|| (), |_| list_users());
    view! {
        <Title text="API tokens · Headroom"/>
        <PageHeader title="Administration" subtitle="API tokens act for a user, with that user's roles or fewer. The token is shown once."/>
        <AdminNav/>
        <section class=CARD aria-labelledby="new-token">
            <h2 id="new-token" class="mb-2 font-semibold">"Create a token"</h2>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let names: Vec<(String, String)> = users.await.unwrap_or_default().into_iter()
                        .filter(|u| !u.disabled)
                        .map(|u| { let label = format!("{} ({})", u.name, u.roles); (u.name, label) })
                        .collect();
                    view! {
                        <ActionForm action=create attr:class="flex flex-wrap items-end gap-3">
                            <label class="flex flex-col gap-1 text-sm">"For user"
                                <select name="user" required class=INPUT>
                                    {names.into_iter().map(|(name, label)| view! { <option value=name>{label}</option> }).collect_view()}
                                </select>
                            </label>
                            <label class="flex flex-col gap-1 text-sm">"Label"<input name="name" required class=INPUT/></label>
                            <label class="flex flex-col gap-1 text-sm">"Expires in (days; empty = never)"<input name="expires_in_days" type="number" min="1" max="3650" value="90" class=INPUT/></label>
                            <fieldset class="flex gap-3"><legend class="text-xs text-slate-500">"Narrow to (none ticked: all the user's roles)"</legend><RoleBoxes prefix="tok"/></fieldset>
                            <button type="submit" class=BUTTON>"Create token"</button>
                        </ActionForm>
                    }
                })}
            </Suspense>
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
                        <div class="relative overflow-x-auto"><table class="w-full text-sm" data-testid="tokens">
                            <thead class="text-left"><tr>
                                <th scope="col" class="px-2 py-1">"Label"</th><th scope="col" class="px-2 py-1">"User"</th>
                                <th scope="col" class="px-2 py-1">"Roles"</th><th scope="col" class="px-2 py-1">"State"</th>
                                <th scope="col" class="px-2 py-1">"Created"</th><th scope="col" class="px-2 py-1">"Expires"</th>
                                <th scope="col" class="px-2 py-1">"Last used"</th>
                                <th scope="col" class="px-2 py-1"><span class="sr-only">"Actions"</span></th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|t| view! {
                                    <tr class="tr">
                                        <td class="px-2 py-1">{t.name}</td><td class="px-2 py-1">{t.user}</td>
                                        <td class="px-2 py-1">{t.roles.unwrap_or_else(|| "all of the user's".into())}</td>
                                        <td class="px-2 py-1">{if t.revoked { "revoked" } else if t.expired { "expired" } else { "live" }}</td>
                                        <td class="px-2 py-1 whitespace-nowrap">{timestamp(&t.created_at)}</td>
                                        <td class="px-2 py-1 whitespace-nowrap">{t.expires_at.as_deref().map(timestamp).unwrap_or_else(|| "never".into())}</td>
                                        <td class="px-2 py-1 whitespace-nowrap">{t.last_used_at.as_deref().map(timestamp).unwrap_or_else(|| "never".into())}</td>
                                        <td class="px-2 py-1">{(!t.revoked && !t.expired).then(|| view! {
                                            <ActionForm action=revoke>
                                                <input type="hidden" name="id" value=t.id.to_string()/>
                                                <button type="submit" class="rounded border border-red-300 px-2 py-0.5 text-xs">"Revoke"</button>
                                            </ActionForm>
                                        })}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table></div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
