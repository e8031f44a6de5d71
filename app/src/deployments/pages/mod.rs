//! Deployment pages: the list, the plan editor, a deployment with its rings
//! as a pipeline. Forms are `ActionForm`s over the feature's server functions.

mod detail;
mod list;
mod new;
mod ring_editor;

pub use detail::DeploymentPage;
pub use list::DeploymentsPage;
pub use new::NewDeploymentPage;

use leptos::prelude::*;

use super::domain::{DeploymentState, RingState, TargetState};
use super::types::InFlight;
use crate::shared::fields::ServerError;

/// Classes for a state pill (deployment, ring or target).
pub fn state_classes(s: &str) -> &'static str {
    // `.pill` and `.tone-*` in style/main.css.
    match s {
        "in_progress" | "baking" | "rolling_back" => "tone-sky",
        "paused" | "pending" | "planned" => "tone-slate",
        "completed" | "succeeded" => "tone-emerald",
        "failed" => "tone-red",
        _ => "tone-amber",
    }
}

/// A pill naming a state.
#[component]
pub fn Pill(#[prop(into)] state: String) -> impl IntoView {
    let class = format!("pill {}", state_classes(&state));
    view! { <span class=class>{state.replace('_', " ")}</span> }
}

/// A deployment's state.
pub fn deployment_pill(s: DeploymentState) -> impl IntoView {
    view! { <Pill state=s.as_str()/> }
}

/// A ring's state.
pub fn ring_pill(s: RingState) -> impl IntoView {
    view! { <Pill state=s.as_str()/> }
}

/// A target's state.
pub fn target_pill(s: TargetState) -> impl IntoView {
    view! { <Pill state=s.as_str()/> }
}

/// A progress bar with its percentage in words.
#[component]
pub fn Progress(percent: i64, #[prop(into)] label: String) -> impl IntoView {
    let p = percent.clamp(0, 100);
    view! {
        <div class="h-2 w-full overflow-hidden rounded bg-slate-200 dark:bg-slate-700" role="progressbar"
            aria-valuemin="0" aria-valuemax="100" aria-valuenow=p.to_string() aria-label=label>
            <div class="h-2 bg-sky-600" style=format!("width: {p}%")></div>
        </div>
    }
}

/// What the overview and a region's page show of deployments: one fetch for
/// the banner and the panel. Create it where the page's own resources are.
pub type Work = Resource<Result<InFlight, ServerError>>;

/// The work in flight and the freezes of every region, or of one.
pub fn work(region: impl Fn() -> Option<String> + Send + Sync + 'static) -> Work {
    Resource::new(region, super::api::get_in_flight)
}

/// Deployments in flight and planned, with the capacity each adds or removes
/// and when: on the overview (every region) and a region's page.
#[component]
pub fn InFlightPanel(work: Work) -> impl IntoView {
    let items = work;
    view! {
        <section aria-labelledby="in-flight" class="mt-8">
            <h2 id="in-flight" class="mb-2 text-lg font-semibold">"Deployments in flight and planned"</h2>
            <Suspense fallback=|| view! { <p class="text-sm">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match items.await {
                        Err(e) => view! { <crate::components::widgets::ErrorPanel error=e/> }.into_any(),
                        Ok(f) if f.items.is_empty() => view! { <p class="text-sm text-slate-600 dark:text-slate-400">"None."</p> }.into_any(),
                        Ok(f) => {
                            let more = f.more;
                            let all = match &f.region {
                                Some(r) => format!("/deployments?region={}", crate::shared::url::encode_component(r)),
                                None => "/deployments".to_owned(),
                            };
                            view! {
                            <div class="relative overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
                                <table class="w-full text-sm" data-testid="in-flight">
                                    <thead class="bg-slate-50 text-left dark:bg-slate-900"><tr>
                                        <th scope="col" class="th">"Deployment"</th><th scope="col" class="th">"Region · SKU"</th>
                                        <th scope="col" class="th">"State"</th><th scope="col" class="th text-right">"Capacity"</th>
                                        <th scope="col" class="th">"Expected"</th>
                                    </tr></thead>
                                    <tbody>
                                        {f.items.into_iter().map(|d| view! {
                                            <tr class="tr">
                                                <td class="td"><a class="lnk" href=format!("/deployments/{}", d.key)>{d.key.clone()}</a>{format!(" {} · {}", d.kind, d.title)}</td>
                                                <td class="td">{format!("{} · {}", d.region, d.sku)}</td>
                                                <td class="td">{deployment_pill(d.state)}</td>
                                                <td class="tn">{match d.units {
                                                    0 => "—".to_owned(),
                                                    n if n > 0 => format!("+{} {}", crate::components::format::units(n), d.unit),
                                                    n => format!("−{} {}", crate::components::format::units(-n), d.unit),
                                                }}</td>
                                                <td class="td">{match (d.eta.as_deref().map(crate::shared::time::timestamp), d.state) {
                                                    (Some(at), DeploymentState::Planned) => format!("{at} if started now"),
                                                    (Some(at), _) => at,
                                                    (None, _) => "—".into(),
                                                }}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            {more.then(|| view! {
                                <p class="mt-2 text-sm"><a class="lnk" href=all>"Every deployment in flight and planned →"</a></p>
                            })}
                        }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

/// A banner naming the capacity freezes in force (decommissions and automatic
/// approvals stop there until capacity returns).
#[component]
pub fn FreezeBanner(work: Work) -> impl IntoView {
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let list = work.await.map(|w| w.freezes).unwrap_or_default();
                (!list.is_empty()).then(|| view! {
                    <div role="status" class="mb-4 rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100" data-testid="freeze">
                        <p class="font-semibold">"Capacity freeze"</p>
                        <p>"Decommissions do not start and the policy approves no provision by itself where capacity is frozen:"</p>
                        <ul class="list-disc pl-5">{list.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul>
                    </div>
                })
            })}
        </Suspense>
    }
}
