//! `/admin/import` — import clusters from a CSV file with the export's columns.
//!
//! The form is a plain multipart post to `/admin/import/upload` (so it works
//! before the WASM loads, and a browser sends the file as it is); the server
//! imports or dry-runs it, keeps the report for this admin and redirects back
//! here with `?report=<token>`, which this page reads and shows.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::admin::{AdminNav, BUTTON, CARD, INPUT};
use crate::components::widgets::{ErrorPanel, PageHeader};
use crate::fleet::api::get_import_report;
use crate::fleet::import::{ImportReport, COLUMNS};

const SECONDARY: &str = "rounded border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800";

#[component]
pub fn ImportPage() -> impl IntoView {
    let query = use_query_map();
    let report = Resource::new(
        move || query.read().get("report").unwrap_or_default(),
        |token| async move {
            if token.is_empty() {
                Ok(None)
            } else {
                get_import_report(token).await
            }
        },
    );
    view! {
        <Title text="Import clusters · Headroom"/>
        <PageHeader title="Administration" subtitle="Bring a fleet in from a spreadsheet, or correct one in bulk."/>
        <AdminNav/>
        <section class=CARD aria-labelledby="import-form">
            <h2 id="import-form" class="mb-2 font-semibold">"Import clusters from CSV"</h2>
            <p class="mb-2 max-w-3xl text-sm text-slate-600 dark:text-slate-400">
                "The columns of the cluster export (Clusters → Export CSV): "
                <code class="text-xs">{COLUMNS.join(",")}</code>
                ". A line whose id names a cluster changes its lifecycle and ledger; any other line creates a cluster \
                 (with that id, when given). Clusters missing from the file are left alone. Reserved units that no \
                 request holds are held by the import until an operator releases them on the cluster's page. \
                 One refused line refuses the whole file: nothing changes until every line is right."
            </p>
            <form method="post" action="/admin/import/upload" enctype="multipart/form-data" class="flex flex-wrap items-end gap-3">
                <label class="flex flex-col gap-1 text-sm">"CSV file"
                    <input type="file" name="file" accept=".csv,text/csv" required class=INPUT data-testid="import-file"/>
                </label>
                <button type="submit" name="mode" value="dry_run" class=SECONDARY>"Dry run"</button>
                <button type="submit" name="mode" value="import" class=BUTTON>"Import"</button>
            </form>
        </section>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(Some(r)) => view! { <Report report=r/> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <ErrorPanel error=e title="Could not show the import's report"/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Report(report: ImportReport) -> impl IntoView {
    let (heading, tone) = if report.applied {
        (
            format!("Imported (import {})", report.import.unwrap_or_default()),
            "border-emerald-300 dark:border-emerald-800",
        )
    } else if report.error_count == 0 {
        (
            "Dry run: nothing changed".to_owned(),
            "border-sky-300 dark:border-sky-800",
        )
    } else {
        (
            format!(
                "Refused: {} line(s) need fixing; nothing changed",
                report.error_count
            ),
            "border-rose-300 dark:border-rose-800",
        )
    };
    let verb = if report.applied { "" } else { "would be " };
    let counts = format!(
        "{} {} read: {} {verb}created, {} {verb}changed, {} unchanged.",
        report.rows,
        if report.rows == 1 { "row" } else { "rows" },
        report.created,
        report.changed,
        report.unchanged
    );
    let extras: Vec<String> = [
        (!report.regions_created.is_empty())
            .then(|| format!("New regions: {}.", report.regions_created.join(", "))),
        (!report.skus_created.is_empty())
            .then(|| format!("New SKUs: {}.", report.skus_created.join(", "))),
        (report.held_units > 0).then(|| {
            format!(
                "{} reserved units held by the import (not by any request).",
                report.held_units
            )
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    let more_errors = report
        .error_count
        .saturating_sub(report.errors.len() as u64);
    view! {
        <section class=format!("mb-6 rounded-lg border-2 bg-white p-4 dark:bg-slate-900 {tone}") aria-labelledby="import-report" role="status" data-testid="import-report">
            <h2 id="import-report" class="mb-2 font-semibold">{heading}</h2>
            <p class="text-sm">{counts}</p>
            {extras.into_iter().map(|e| view! { <p class="text-sm">{e}</p> }).collect_view()}
            {(!report.errors.is_empty()).then(|| view! {
                <table class="mt-3 w-full text-sm" data-testid="import-errors">
                    <caption class="text-left font-medium">"Refused lines"</caption>
                    <thead class="text-left"><tr>
                        <th scope="col" class="px-2 py-1">"Line"</th><th scope="col" class="px-2 py-1">"Column"</th><th scope="col" class="px-2 py-1">"Why"</th>
                    </tr></thead>
                    <tbody>
                        {report.errors.iter().map(|e| view! {
                            <tr class="border-t border-slate-100 align-top dark:border-slate-800">
                                <td class="px-2 py-1 tabular-nums">{e.line}</td>
                                <td class="px-2 py-1 font-mono">{e.column.clone().unwrap_or_default()}</td>
                                <td class="px-2 py-1">{e.message.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {(more_errors > 0).then(|| view! { <p class="mt-1 text-sm">{format!("… and {more_errors} more refused lines.")}</p> })}
            {(!report.samples.is_empty()).then(|| view! {
                <table class="mt-3 w-full text-sm" data-testid="import-samples">
                    <caption class="text-left font-medium">{if report.applied { "Created and changed (the first)" } else { "Would be created and changed (the first)" }}</caption>
                    <thead class="text-left"><tr>
                        <th scope="col" class="px-2 py-1">"Line"</th><th scope="col" class="px-2 py-1">"Cluster"</th>
                        <th scope="col" class="px-2 py-1">"Action"</th><th scope="col" class="px-2 py-1">"What changes"</th>
                    </tr></thead>
                    <tbody>
                        {report.samples.iter().map(|s| view! {
                            <tr class="border-t border-slate-100 align-top dark:border-slate-800">
                                <td class="px-2 py-1 tabular-nums">{s.line}</td>
                                <td class="px-2 py-1">{if report.applied {
                                    view! { <a class="lnk" href=format!("/clusters/{}", s.id)>{s.name.clone()}</a> }.into_any()
                                } else {
                                    view! { <span>{format!("{} (id {})", s.name, s.id)}</span> }.into_any()
                                }}</td>
                                <td class="px-2 py-1">{s.action.clone()}</td>
                                <td class="px-2 py-1">{s.detail.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}
