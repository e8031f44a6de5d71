//! `/clusters/{id}` — one cluster.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::chart::TrendChart;
use crate::components::format::percent;
use crate::components::widgets::{ErrorPanel, HealthBadge, LedgerBar, PageHeader};
use crate::fleet::api::{get_cluster_detail, ReleaseImportHold};
use crate::fleet::import::ImportHold;
use crate::fleet::views::ClusterView;

#[component]
pub fn ClusterPage() -> impl IntoView {
    let params = use_params_map();
    // Releasing what imports hold reads the cluster again.
    let release = ServerAction::<ReleaseImportHold>::new();
    let detail = Resource::new(
        move || {
            let id = params
                .read()
                .get("id")
                .and_then(|id| id.parse::<i64>().ok())
                .unwrap_or(-1);
            (id, release.version().get())
        },
        |(id, _)| get_cluster_detail(id),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <Cluster detail=d release/> }.into_any(),
                    Err(e) => view! { <Title text="Cluster not found · Headroom"/><ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Cluster(detail: ClusterView, release: ServerAction<ReleaseImportHold>) -> impl IntoView {
    let c = detail.cluster;
    let subtitle = format!(
        "{} ({}) · zone {} · {} · {} · {} utilized",
        detail.region_name,
        c.region,
        c.zone,
        c.sku,
        c.family,
        percent(c.utilization)
    );
    let trend_label = format!("Daily utilization of {} in {}", c.sku, c.region);
    view! {
        <Title text=format!("{} · Headroom", c.name)/>
        <nav aria-label="Breadcrumb" class="mb-2 text-sm text-slate-500">
            <a href="/" class="hover:underline">"Overview"</a>" / "
            <a href=format!("/regions/{}", c.region) class="hover:underline">{c.region.clone()}</a>" / "
            <a href="/clusters" class="hover:underline">"Clusters"</a>
        </nav>
        <PageHeader title=c.name.clone() subtitle=subtitle>
            <div class="flex items-center gap-2 text-sm">
                <span class="rounded bg-slate-100 px-2 py-0.5 dark:bg-slate-800" data-testid="lifecycle">{c.lifecycle.as_str()}</span>
                <HealthBadge health=c.health/>
            </div>
        </PageHeader>
        <section aria-labelledby="ledger" class="mb-8 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <h2 id="ledger" class="mb-3 text-lg font-semibold">{format!("Ledger ({})", detail.unit)}</h2>
            <LedgerBar ledger=c.ledger unit=detail.unit.as_str()/>
        </section>
        <ImportHolds cluster=c.id holds=detail.import_holds release/>
        <section aria-labelledby="trend" class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <h2 id="trend" class="mb-2 text-lg font-semibold">{format!("{} in {}: utilization trend", c.sku, c.region)}</h2>
            <TrendChart series=vec![detail.trend] thresholds=detail.thresholds label=trend_label/>
        </section>
    }
}

/// Reserved units that imports hold on the cluster (no request holds them),
/// and the operators' button that releases them. Nothing when there are none
/// and nothing was just released.
#[component]
fn ImportHolds(
    cluster: i64,
    holds: Vec<ImportHold>,
    release: ServerAction<ReleaseImportHold>,
) -> impl IntoView {
    let units: i64 = holds.iter().map(|h| h.units).sum();
    let outcome = move || {
        release.value().get().map(|r| match r {
            Ok(n) => view! { <p role="status" class="text-sm text-emerald-700 dark:text-emerald-400">{format!("Released {n} units.")}</p> }.into_any(),
            Err(e) => view! { <ErrorPanel error=e title="Not released"/> }.into_any(),
        })
    };
    let shown = !holds.is_empty() || release.value().get_untracked().is_some();
    shown.then(|| view! {
        <section aria-labelledby="import-holds" data-testid="import-holds"
            class="mb-8 rounded-lg border border-amber-300 bg-white p-4 dark:border-amber-800 dark:bg-slate-900">
            <h2 id="import-holds" class="mb-2 text-lg font-semibold">"Held by imports"</h2>
            {(!holds.is_empty()).then(|| view! {
                <p class="text-sm">{format!("{units} of the reserved units came from imported files, not from a request:")}</p>
                <ul class="my-2 list-disc pl-6 text-sm">
                    {holds.iter().map(|h| view! {
                        <li>{format!("{} units by import {} ({}, {})", h.units, h.import, h.actor, crate::shared::time::timestamp(&h.at))}</li>
                    }).collect_view()}
                </ul>
                <ActionForm action=release>
                    <input type="hidden" name="id" value=cluster.to_string()/>
                    <button type="submit" class="rounded border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800">
                        "Release them (operators)"
                    </button>
                </ActionForm>
            })}
            {outcome}
        </section>
    })
}
