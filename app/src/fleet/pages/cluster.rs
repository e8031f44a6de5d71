//! `/clusters/{id}` — one cluster.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::chart::TrendChart;
use crate::components::format::percent;
use crate::components::widgets::{ErrorPanel, HealthBadge, LedgerBar, PageHeader};
use crate::fleet::api::get_cluster_detail;
use crate::fleet::views::ClusterView;

#[component]
pub fn ClusterPage() -> impl IntoView {
    let params = use_params_map();
    let detail = Resource::new(
        move || {
            params
                .read()
                .get("id")
                .and_then(|id| id.parse::<i64>().ok())
                .unwrap_or(-1)
        },
        get_cluster_detail,
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <Cluster detail=d/> }.into_any(),
                    Err(e) => view! { <Title text="Cluster not found · Headroom"/><ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Cluster(detail: ClusterView) -> impl IntoView {
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
        <section aria-labelledby="trend" class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <h2 id="trend" class="mb-2 text-lg font-semibold">{format!("{} in {}: utilization trend", c.sku, c.region)}</h2>
            <TrendChart series=vec![detail.trend] thresholds=detail.thresholds label=trend_label/>
        </section>
    }
}
