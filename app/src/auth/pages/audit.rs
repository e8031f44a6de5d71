//! `/admin/audit`: the audit trail, newest first, filtered by actor, action,
//! object and UTC days, a page at a time, exported as CSV with the same filters.
//! Long stored values (bounded to 512 bytes when written) wrap inside their
//! cells, so one odd value cannot widen the page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::auth::api::{list_audit, AUDIT_PAGE};
use crate::components::admin::{AdminNav, BUTTON, INPUT};
use crate::components::widgets::{ErrorPanel, PageHeader};
use crate::shared::url::query_string;

const FILTERS: [(&str, &str, &str); 5] = [
    ("actor", "Actor", "approver1"),
    ("action", "Action", "signin.failed"),
    ("object", "Object (CR-* for a prefix)", "CR-1001"),
    ("from", "From (UTC day)", "YYYY-MM-DD"),
    ("to", "To (UTC day)", "YYYY-MM-DD"),
];

/// A cell that wraps anywhere rather than widen the table.
const CELL: &str = "px-2 py-1 max-w-xs break-words [overflow-wrap:anywhere]";

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let raw = move |with_cursor: bool| {
        query.with(|q| {
            let keys = FILTERS
                .iter()
                .map(|(k, _, _)| *k)
                .chain(with_cursor.then_some("before"));
            let pairs: Vec<(&str, String)> =
                keys.filter_map(|k| q.get(k).map(|v| (k, v))).collect();
            query_string(pairs.iter().map(|(k, v)| (*k, v.as_str())))
        })
    };
    let rows = Resource::new(move || raw(true), list_audit);
    view! {
        <Title text="Audit trail · Headroom"/>
        <PageHeader title="Administration" subtitle="Every sign-in, refusal and change, newest first. Nothing here can be edited or deleted."/>
        <AdminNav/>
        <form method="get" action="/admin/audit" class="mb-4 flex flex-wrap items-end gap-3">
            {FILTERS.iter().map(|(name, label, hint)| view! {
                <label class="flex flex-col gap-1 text-sm">{*label}
                    <input name=*name placeholder=*hint maxlength="200" class=INPUT
                        type=if matches!(*name, "from" | "to") { "date" } else { "text" }
                        value=move || query.read().get(name).unwrap_or_default()/>
                </label>
            }).collect_view()}
            <button type="submit" class=BUTTON>"Filter"</button>
            <a href="/admin/audit" class="text-sm underline">"Clear"</a>
            <a href=move || { let f = raw(false); if f.is_empty() { "/admin/audit.csv".to_owned() } else { format!("/admin/audit.csv?{f}") } }
                class="text-sm underline" download="audit.csv">"Export CSV"</a>
        </form>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Err(e) => view! { <ErrorPanel error=e title="Could not show the audit trail"/> }.into_any(),
                    Ok(list) => {
                        let filters = raw(false);
                        let older = list.last().filter(|_| list.len() as i64 == AUDIT_PAGE).map(|r| {
                            let sep = if filters.is_empty() { "" } else { "&" };
                            format!("/admin/audit?{filters}{sep}before={}", r.id)
                        });
                        let newest = query.read().get("before").is_some().then(|| {
                            if filters.is_empty() { "/admin/audit".to_owned() } else { format!("/admin/audit?{filters}") }
                        });
                        let shown = list.len();
                        view! {
                            <p class="mb-2 text-sm text-slate-600 dark:text-slate-400" data-testid="audit-count">
                                {if shown == 0 { "No rows match these filters.".to_owned() } else { format!("{shown} rows, newest first.") }}
                            </p>
                            <div class="relative overflow-x-auto">
                            <table class="w-full table-fixed text-sm" data-testid="audit">
                                <thead class="text-left"><tr>
                                    <th scope="col" class="w-36 px-2 py-1">"When (UTC)"</th><th scope="col" class="px-2 py-1">"Actor"</th>
                                    <th scope="col" class="px-2 py-1">"Action"</th><th scope="col" class="px-2 py-1">"Object"</th>
                                    <th scope="col" class="w-1/4 px-2 py-1">"Before → after"</th><th scope="col" class="px-2 py-1">"Source"</th>
                                    <th scope="col" class="px-2 py-1">"Request"</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|r| view! {
                                        <tr class="border-t border-slate-100 align-top dark:border-slate-800">
                                            <td class="px-2 py-1">{crate::shared::time::timestamp(&r.at)}</td>
                                            <td class=CELL>{r.actor.unwrap_or_default()}</td>
                                            <td class=format!("{CELL} font-mono")>{r.action}</td>
                                            <td class=CELL>{r.object.unwrap_or_default()}</td>
                                            <td class=CELL>{format!("{} → {}", r.before.unwrap_or_default(), r.after.unwrap_or_default())}</td>
                                            <td class=CELL>{r.source.unwrap_or_default()}</td>
                                            <td class=format!("{CELL} font-mono text-xs")>{r.request_id.unwrap_or_default()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                            <p class="mt-3 flex gap-4">
                                {newest.map(|href| view! { <a class="text-sky-700 underline" href=href>"← Newest"</a> })}
                                {older.map(|href| view! { <a class="text-sky-700 underline" href=href>"Older →"</a> })}
                            </p>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
