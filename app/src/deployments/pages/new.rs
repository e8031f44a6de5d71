//! `/deployments/new` — the plan editor: kind, region × SKU, rings (name, bake
//! time, targets) from a template or by hand, and the capacity each ring adds
//! or removes before saving. Works without JS (a GET "Apply template" and
//! "Preview" fill the form from the URL; blank rings are ignored); hydrated,
//! rings and their targets are added, removed and reordered in place (a
//! target also to the ring before or after) and the preview follows.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::ring_editor::RingRow;
use crate::components::format::units;
use crate::components::widgets::{ErrorPanel, PageHeader};
use crate::deployments::api::{
    plan_from_template, preview_deployment, CreateDeployment, DeploymentForm, RingForm,
};
use crate::deployments::domain::Kind;
use crate::deployments::templates::TEMPLATES;
use crate::deployments::types::TemplateRing;
use crate::fleet::api::get_filter_options;

pub(super) const INPUT: &str =
    "rounded border border-slate-300 px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900";

/// One ring as the editor holds it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Draft {
    pub(super) id: u64,
    pub(super) name: String,
    pub(super) bake: String,
    pub(super) targets: String,
}

/// The editor's rings from a template applied on the server (which knows
/// each cluster's zone), numbered from `base`.
fn drafts_of(rings: Vec<TemplateRing>, base: u64) -> Vec<Draft> {
    rings
        .into_iter()
        .enumerate()
        .map(|(i, r)| Draft {
            id: base + i as u64,
            name: r.name,
            bake: r.bake_minutes.to_string(),
            targets: r.targets,
        })
        .collect()
}

fn blank(n: usize) -> Vec<Draft> {
    ["canary", "pilot", "wave 1", "broad"]
        .iter()
        .take(n)
        .enumerate()
        .map(|(i, name)| Draft {
            id: i as u64,
            name: (*name).into(),
            bake: if i == 0 { "60".into() } else { "0".into() },
            targets: String::new(),
        })
        .collect()
}

#[component]
pub fn NewDeploymentPage() -> impl IntoView {
    let q = use_query_map();
    let prior = move |k: &str| q.with_untracked(|q| q.get(k).unwrap_or_default());
    let create = ServerAction::<CreateDeployment>::new();
    let options = Resource::new(|| (), |_| get_filter_options());
    // The freezes in force anywhere (a decommission planned there will wait).
    let work = super::work(|| None);
    let kind = RwSignal::new(
        Some(prior("kind"))
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| "buildout".into()),
    );
    let region = RwSignal::new(prior("region"));
    let sku = RwSignal::new(prior("sku"));
    // The rings: the URL's own rings (a preview), or four blank ones; a
    // template applied through the URL (without JS) replaces them once its
    // rings arrive from the server.
    let initial = q.with_untracked(|q| {
        let from_url: Vec<Draft> = (0..crate::deployments::domain::MAX_RINGS)
            .map_while(|i| {
                let get = |f: &str| q.get(&format!("rings[{i}][{f}]"));
                get("name").map(|name| Draft {
                    id: i as u64,
                    name,
                    bake: get("bake_minutes").unwrap_or_default(),
                    targets: get("targets").unwrap_or_default(),
                })
            })
            .collect();
        if from_url.is_empty() {
            blank(4)
        } else {
            from_url
        }
    });
    let applied = Resource::new(
        || (),
        move |_| {
            let (t, k, all) = (prior("template"), kind.get_untracked(), prior("all"));
            async move {
                match all.trim().is_empty() || t.is_empty() {
                    true => Ok(None),
                    false => plan_from_template(t, k, all).await.map(Some),
                }
            }
        },
    );
    let template_error = RwSignal::new(None::<String>);
    let drafts = RwSignal::new(initial);
    let template_used = RwSignal::new(false);
    let template = RwSignal::new(
        Some(prior("template"))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| TEMPLATES[0].0.into()),
    );
    let all = RwSignal::new(prior("all"));
    let next_id = RwSignal::new(100u64);
    let hydrated = RwSignal::new(false);
    Effect::new(move || hydrated.set(true));
    let form = move || DeploymentForm {
        kind: Some(kind.get()),
        region: Some(region.get()),
        sku: Some(sku.get()),
        rings: drafts
            .get()
            .into_iter()
            .map(|d| RingForm {
                name: Some(d.name),
                bake_minutes: Some(d.bake),
                targets: Some(d.targets),
            })
            .collect(),
        ..Default::default()
    };
    // Nothing to work out until some ring has targets.
    let preview = Resource::new(form, |f| async move {
        match f
            .rings
            .iter()
            .any(|r| r.targets.as_deref().is_some_and(|t| !t.trim().is_empty()))
        {
            true => preview_deployment(f).await.map(Some),
            false => Ok(None),
        }
    });
    let refusal = move || create.value().get().and_then(Result::err);
    view! {
        <Title text="New deployment · Headroom"/>
        <PageHeader title="New deployment" subtitle="A plan of rings: each starts when the one before has succeeded and baked."/>
        <super::FreezeBanner work=work/>
        {move || refusal().map(|e| view! { <div class="mb-4 max-w-3xl"><ErrorPanel error=e title="Not saved"/></div> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let opts = match options.await {
                    Ok(o) => o,
                    Err(e) => return view! { <ErrorPanel error=e/> }.into_any(),
                };
                match applied.await {
                    Ok(Some(rings)) if !template_used.get_untracked() => {
                        template_used.set(true);
                        drafts.set(drafts_of(rings, 0));
                    }
                    Err(e) => template_error.set(Some(e.to_string())),
                    _ => {}
                }
                if region.get_untracked().is_empty() { region.set(opts.regions.first().map(|r| r.0.clone()).unwrap_or_default()); }
                if sku.get_untracked().is_empty() { sku.set(opts.skus.first().map(|s| s.code.clone()).unwrap_or_default()); }
                view! {
                    <ActionForm action=create attr:class="grid max-w-3xl gap-4 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
                        <button type="submit" class="sr-only" tabindex="-1" aria-hidden="true">"Save plan"</button>
                        <fieldset class="flex gap-4"><legend class="mb-1 text-sm font-medium">"Kind"</legend>
                            {Kind::ALL.iter().map(|k| view! {
                                <label class="flex items-center gap-1 text-sm">
                                    <input type="radio" name="kind" value=k.as_str() checked=move || kind.get() == k.as_str() on:change=move |_| kind.set(k.as_str().into())/>{k.as_str()}
                                </label>
                            }).collect_view()}
                        </fieldset>
                        <div class="grid gap-4 sm:grid-cols-2">
                            <label class="flex flex-col gap-1 text-sm">"Title"<input name="title" required maxlength="120" value=prior("title") class=INPUT/></label>
                            <label class="flex flex-col gap-1 text-sm">"Public summary (optional; shown on /status while in flight)"<input name="public_summary" maxlength="200" value=prior("public_summary") class=INPUT/></label>
                            <label class="flex flex-col gap-1 text-sm">"Region"
                                <select name="region" class=INPUT on:change=move |ev| region.set(event_target_value(&ev))>
                                    {opts.regions.iter().map(|(c, n)| { let c2 = c.clone(); view! { <option value=c.clone() selected=move || region.get() == c2>{format!("{n} ({c})")}</option> } }).collect_view()}
                                </select>
                            </label>
                            <label class="flex flex-col gap-1 text-sm">"SKU"
                                <select name="sku" class=INPUT on:change=move |ev| sku.set(event_target_value(&ev))>
                                    {opts.skus.iter().map(|s| { let c = s.code.clone(); view! { <option value=s.code.clone() selected=move || sku.get() == c>{format!("{} · {}", s.code, s.family)}</option> } }).collect_view()}
                                </select>
                            </label>
                            <label class="flex flex-col gap-1 text-sm sm:col-span-2">"Serves requests (keys, optional)"<input name="requests" placeholder="CR-1042" value=prior("requests") class=INPUT/></label>
                        </div>
                        <fieldset class="rounded border border-dashed border-slate-300 p-3 dark:border-slate-700">
                            <legend class="px-1 text-sm font-medium">"Start from a template"</legend>
                            <div class="flex flex-wrap items-end gap-3">
                                <label class="flex flex-col gap-1 text-sm">"Template"
                                    <select name="template" class=INPUT on:change=move |ev| template.set(event_target_value(&ev))>
                                        {TEMPLATES.iter().map(|(t, what)| view! { <option value=*t selected=prior("template") == *t>{*what}</option> }).collect_view()}
                                    </select>
                                </label>
                                <label class="flex flex-1 flex-col gap-1 text-sm">"All targets (buildout: zone:units, such as 1:500 2:500; otherwise cluster ids)"
                                    <input name="all" value=prior("all") class=INPUT on:input=move |ev| all.set(event_target_value(&ev))/>
                                </label>
                                {move || if hydrated.get() {
                                    view! { <button type="button" class="rounded border px-3 py-1.5 text-sm" on:click=move |_| {
                                        let (t, k, a) = (template.get_untracked(), kind.get_untracked(), all.get_untracked());
                                        leptos::task::spawn_local(async move {
                                            match plan_from_template(t, k, a).await {
                                                Ok(rings) => {
                                                    // Fresh ids, past any ring added so far.
                                                    let base = next_id.get_untracked();
                                                    next_id.set(base + rings.len() as u64);
                                                    template_error.set(None);
                                                    drafts.set(drafts_of(rings, base));
                                                }
                                                Err(e) => template_error.set(Some(e.to_string())),
                                            }
                                        });
                                    }>"Apply template"</button> }.into_any()
                                } else {
                                    view! { <button type="submit" formmethod="get" formaction="/deployments/new" formnovalidate class="rounded border px-3 py-1.5 text-sm">"Apply template"</button> }.into_any()
                                }}
                            </div>
                            {move || template_error.get().map(|e| view! { <p role="alert" class="mt-2 text-sm text-red-800 dark:text-red-300">{e}</p> })}
                        </fieldset>
                        <ol class="space-y-3" data-testid="plan">
                            <For each=move || drafts.get().into_iter().enumerate() key=|(i, d)| (*i, d.id) let((i, d))>
                                <RingRow i=i draft=d drafts=drafts kind=kind hydrated=hydrated/>
                            </For>
                        </ol>
                        {move || hydrated.get().then(|| view! {
                            <button type="button" class="justify-self-start rounded border px-3 py-1.5 text-sm" on:click=move |_| {
                                let id = next_id.get_untracked();
                                next_id.set(id + 1);
                                drafts.update(|d| d.push(Draft { id, name: format!("wave {}", d.len()), bake: "0".into(), targets: String::new() }));
                            }>"Add ring"</button>
                        })}
                        <section aria-labelledby="preview-title" class="rounded border border-violet-300 bg-violet-50 p-3 dark:border-violet-800 dark:bg-violet-950" data-testid="plan-preview">
                            <h2 id="preview-title" class="mb-1 text-sm font-semibold">"What each ring does to capacity"</h2>
                            <Transition fallback=|| view! { <p class="text-sm">"Working it out…"</p> }>
                                {move || Suspend::new(async move {
                                    match preview.await {
                                        Err(e) => view! { <p class="text-sm text-red-800 dark:text-red-300">{e.to_string()}</p> }.into_any(),
                                        Ok(None) => view! { <p class="text-sm text-slate-600 dark:text-slate-400">"Give a ring its targets to see what it adds or takes out."</p> }.into_any(),
                                        Ok(Some(rows)) => view! {
                                            <ul class="text-sm">{rows.into_iter().map(|r| view! {
                                                <li>{format!("{}: {} target(s), {}{} {} → {} free after", r.name, r.targets, if r.units >= 0 { "+" } else { "−" }, units(r.units.abs()), r.unit, units(r.free_after))}</li>
                                            }).collect_view()}</ul>
                                        }.into_any(),
                                    }
                                })}
                            </Transition>
                            {move || (!hydrated.get()).then(|| view! {
                                <button type="submit" formmethod="get" formaction="/deployments/new" formnovalidate class="mt-2 rounded border px-2 py-1 text-xs">"Preview"</button>
                            })}
                        </section>
                        <div><button type="submit" class="rounded bg-slate-900 px-4 py-2 text-sm font-medium text-white dark:bg-slate-100 dark:text-slate-900">"Save plan"</button></div>
                    </ActionForm>
                }.into_any()
            })}
        </Suspense>
    }
}
