//! `/deployments/{key}` — a deployment: its rings as a pipeline (progress,
//! bake countdown, gate status in words), its targets, the capacity it adds or
//! removes, its ETA, linked requests, timeline and the operator's actions.
//! Hydrated, it refreshes itself every five seconds while in flight; without
//! JS, a reload shows the same.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{deployment_pill, ring_pill, target_pill, Progress};
use crate::components::format::units;
use crate::components::widgets::{ErrorPanel, PageHeader};
use crate::deployments::api::{get_deployment_detail, ActOnDeployment};
use crate::deployments::domain::{cluster_in_fleet, RingState, TargetState};
use crate::deployments::progress::span;
use crate::deployments::types::DeploymentDetail;
use crate::requests::pages::FlashFromQuery;
use crate::shared::time::timestamp;

const CARD: &str =
    "rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";

fn parse(t: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
}

#[component]
pub fn DeploymentPage() -> impl IntoView {
    let params = use_params_map();
    let act = ServerAction::<ActOnDeployment>::new();
    // Hydrated: a fresh look every five seconds while the deployment can
    // still change (the page is cheap to read); none once it is over.
    let tick = RwSignal::new(0u64);
    let over = RwSignal::new(false);
    Effect::new(move |_| {
        if let Ok(h) = set_interval_with_handle(
            move || {
                if !over.get_untracked() {
                    tick.update(|t| *t += 1)
                }
            },
            std::time::Duration::from_secs(5),
        ) {
            on_cleanup(move || h.clear());
        }
    });
    let detail = Resource::new(
        move || {
            (
                params.read().get("key").unwrap_or_default(),
                tick.get(),
                act.version().get(),
            )
        },
        |(key, _, _)| get_deployment_detail(key),
    );
    Effect::new(move |_| {
        if let Some(Ok(d)) = detail.get() {
            over.set(d.deployment.state.is_final());
        }
    });
    view! {
        {move || act.value().get().and_then(Result::err).map(|e| view! { <div class="mb-4"><ErrorPanel error=e title="Not done"/></div> })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <Deployment detail=d act=act/> }.into_any(),
                    Err(e) => view! { <Title text="Deployment not found · Headroom"/><ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Deployment(detail: DeploymentDetail, act: ServerAction<ActOnDeployment>) -> impl IntoView {
    let d = detail.deployment;
    let (kind, state) = (d.kind, d.state);
    let now = parse(&detail.now);
    let key = d.key.clone();
    let act_key = key.clone();
    let change = match detail.capacity_change {
        0 => "no change to capacity (a rollout)".to_owned(),
        n if n > 0 => format!("adds {} {}", units(n), detail.unit),
        n => format!("removes {} {}", units(-n), detail.unit),
    };
    let subtitle = format!(
        "{} of {} in {} · {} · owner {}",
        d.kind, d.sku, d.region, change, d.owner
    );
    let label = |a: &str| match a {
        "start" => "Start",
        "pause" => "Pause",
        "resume" => "Resume",
        "rollback" => "Roll back",
        "cancel" => "Cancel",
        _ => "Act",
    };
    let total: usize = d.rings.iter().map(|r| r.targets.len()).sum();
    let done = d
        .rings
        .iter()
        .flat_map(|r| &r.targets)
        .filter(|t| t.state == TargetState::Succeeded)
        .count();
    view! {
        <Title text=format!("{key} · Headroom")/>
        <nav aria-label="Breadcrumb" class="mb-2 text-sm text-slate-500"><a href="/deployments" class="hover:underline">"Deployments"</a>" / "{key.clone()}</nav>
        <PageHeader title=format!("{key}: {}", d.title) subtitle=subtitle>
            <div class="flex items-center gap-2">{deployment_pill(d.state)}<span class="text-xs text-slate-500">{format!("version {}", d.version)}</span></div>
        </PageHeader>
        <FlashFromQuery/>
        <section class=format!("{CARD} mb-6") aria-labelledby="now">
            <h2 id="now" class="sr-only">"Where it is"</h2>
            <p class="font-medium" data-testid="gate">{detail.status.clone()}</p>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                {format!("{done} of {total} targets done")}
                {detail.eta.as_deref().map(|e| format!(" · expected to finish {}", timestamp(e)))}
            </p>
            {(!detail.actions.is_empty()).then(|| view! {
                <ActionForm action=act attr:class="mt-3 flex flex-wrap gap-2">
                    <input type="hidden" name="key" value=act_key/>
                    <input type="hidden" name="version" value=d.version.to_string()/>
                    {detail.actions.iter().map(|a| view! {
                        <button type="submit" name="action" value=a.clone() class="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white dark:bg-slate-100 dark:text-slate-900">{label(a)}</button>
                    }).collect_view()}
                </ActionForm>
            })}
            <p class="mt-2 text-xs"><a class="lnk" href=format!("/deployments/{key}")>"Refresh"</a></p>
        </section>
        <section aria-labelledby="pipeline" class="mb-6">
            <h2 id="pipeline" class="mb-2 text-lg font-semibold">"Rings"</h2>
            <ol class="grid gap-3 sm:grid-cols-2 lg:grid-cols-4" data-testid="rings">
                {d.rings.iter().enumerate().map(|(i, r)| {
                    let n = r.targets.len();
                    let ok = r.targets.iter().filter(|t| t.state == TargetState::Succeeded).count();
                    let pct = (ok * 100).checked_div(n).unwrap_or(0) as i64;
                    let bake = match (r.state, r.bake_ends_at.as_deref().and_then(parse), now) {
                        (RingState::Baking, Some(end), Some(now)) => format!("bake ends in {}", span(end - now)),
                        _ => format!("bakes {} after its targets", span(time::Duration::minutes(r.bake_minutes))),
                    };
                    view! {
                        <li class=CARD data-ring=r.name.clone()>
                            <div class="flex items-center justify-between gap-2">
                                <span class="font-medium">{format!("{}. {}", i + 1, r.name)}</span>{ring_pill(r.state)}
                            </div>
                            <div class="mt-2"><Progress percent=pct label=format!("ring {}: {ok} of {n} targets done", r.name)/></div>
                            <p class="mt-1 text-xs text-slate-600 dark:text-slate-400">{format!("{ok} of {n} targets · {bake}")}</p>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
        <div class="grid gap-6 lg:grid-cols-3">
            <section class=format!("{CARD} relative min-w-0 overflow-x-auto lg:col-span-2") aria-labelledby="targets">
                <h2 id="targets" class="mb-2 font-semibold">"Targets"</h2>
                <table class="w-full text-sm" data-testid="targets">
                    <thead class="text-left"><tr>
                        <th scope="col" class="px-2 py-1">"Ring"</th><th scope="col" class="px-2 py-1">"Cluster"</th>
                        <th scope="col" class="px-2 py-1">"Zone"</th><th scope="col" class="px-2 py-1 text-right">"Units"</th>
                        <th scope="col" class="px-2 py-1">"State"</th><th scope="col" class="w-32 px-2 py-1">"Progress"</th>
                        <th scope="col" class="px-2 py-1">"Message"</th>
                    </tr></thead>
                    <tbody>
                        {d.rings.iter().flat_map(|r| r.targets.iter().map(move |t| (r.name.clone(), t.clone()))).map(|(ring, t)| {
                            let name = t.cluster.clone().unwrap_or_else(|| format!("target {}", t.id));
                            let in_fleet = cluster_in_fleet(kind, state, t.state);
                            view! {
                                <tr class="border-t border-slate-100 dark:border-slate-800" data-target=t.id.to_string()>
                                    <td class="px-2 py-1">{ring}</td>
                                    <td class="px-2 py-1">{match t.cluster_id {
                                        Some(id) if in_fleet => view! { <a class="lnk" href=format!("/clusters/{id}")>{name}</a> }.into_any(),
                                        _ => view! { <span>{name}</span> }.into_any(),
                                    }}</td>
                                    <td class="px-2 py-1">{t.zone}</td>
                                    <td class="px-2 py-1 text-right tabular-nums">{units(t.units)}</td>
                                    <td class="px-2 py-1">{target_pill(t.state)}</td>
                                    <td class="px-2 py-1"><Progress percent=t.progress label=format!("target {}: {}%", t.id, t.progress)/></td>
                                    <td class="px-2 py-1 text-xs">{t.message.clone()}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
            <aside class="space-y-6">
                {(!d.requests.is_empty()).then(|| view! {
                    <section class=CARD aria-labelledby="linked">
                        <h2 id="linked" class="mb-2 font-semibold">"Serves requests"</h2>
                        <ul class="text-sm" data-testid="linked-requests">
                            {d.requests.iter().map(|k| view! { <li><a class="lnk" href=format!("/requests/{k}")>{k.clone()}</a></li> }).collect_view()}
                        </ul>
                    </section>
                })}
                {d.public_summary.clone().map(|s| view! {
                    <section class=CARD aria-labelledby="public"><h2 id="public" class="mb-1 font-semibold">"On the status page"</h2><p class="text-sm">{s}</p></section>
                })}
                <section class=CARD aria-labelledby="timeline">
                    <h2 id="timeline" class="mb-2 font-semibold">"Timeline"</h2>
                    <ol class="space-y-2 text-sm" data-testid="timeline">
                        {detail.timeline.into_iter().rev().map(|e| view! {
                            <li><span class="font-medium">{e.action}</span>" by "{e.actor}<time class="block text-xs text-slate-500" datetime=e.at.clone()>{timestamp(&e.at)}</time><span class="block text-xs">{e.detail}</span></li>
                        }).collect_view()}
                    </ol>
                </section>
            </aside>
        </div>
    }
}
