//! The plan editor's rows: one ring (name, bake, targets) with its buttons,
//! and (hydrated) its targets as items. `new.rs` holds the form around them.

use leptos::prelude::*;

use super::new::{Draft, INPUT};
use crate::deployments::plan_edit::{add_targets, edit_target, tokens, TargetEdit};

/// One ring of the plan: its fields, and (hydrated) buttons to move or remove
/// it and its targets as items.
#[component]
pub(super) fn RingRow(
    i: usize,
    draft: Draft,
    drafts: RwSignal<Vec<Draft>>,
    kind: RwSignal<String>,
    hydrated: RwSignal<bool>,
) -> impl IntoView {
    let id = draft.id;
    let set = move |f: fn(&mut Draft, String)| {
        move |ev| {
            let v = event_target_value(&ev);
            drafts.update(|ds| {
                if let Some(d) = ds.iter_mut().find(|d| d.id == id) {
                    f(d, v)
                }
            });
        }
    };
    let swap = move |delta: isize| {
        drafts.update(|ds| {
            if let Some(p) = ds.iter().position(|d| d.id == id) {
                let q = p as isize + delta;
                if q >= 0 && (q as usize) < ds.len() {
                    ds.swap(p, q as usize);
                }
            }
        })
    };
    let targets = draft.targets;
    view! {
        <li class="grid gap-2 rounded border border-slate-200 p-3 sm:grid-cols-6 dark:border-slate-800" data-ring-editor=i.to_string()>
            <label class="flex flex-col gap-1 text-sm sm:col-span-2">{format!("Ring {} name", i + 1)}
                <input name=format!("rings[{i}][name]") value=draft.name class=INPUT on:input=set(|d, v| d.name = v)/>
            </label>
            <label class="flex flex-col gap-1 text-sm">"Bake (minutes)"
                <input name=format!("rings[{i}][bake_minutes]") type="number" min="0" value=draft.bake class=INPUT on:input=set(|d, v| d.bake = v)/>
            </label>
            {move || if hydrated.get() {
                view! { <TargetItems i=i id=id drafts=drafts kind=kind/> }.into_any()
            } else {
                view! {
                    <label class="flex flex-col gap-1 text-sm sm:col-span-3">"Targets"
                        <input name=format!("rings[{i}][targets]") value=targets.clone() class=INPUT on:input=set(|d, v| d.targets = v)/>
                    </label>
                }.into_any()
            }}
            {move || hydrated.get().then(|| view! {
                <div class="flex gap-2 text-xs sm:col-span-6">
                    <button type="button" class="rounded border px-2 py-0.5" on:click=move |_| swap(-1) aria-label=format!("move ring {} up", i + 1)>"Up"</button>
                    <button type="button" class="rounded border px-2 py-0.5" on:click=move |_| swap(1) aria-label=format!("move ring {} down", i + 1)>"Down"</button>
                    <button type="button" class="rounded border border-red-300 px-2 py-0.5 text-red-800 dark:text-red-300" on:click=move |_| drafts.update(|ds| ds.retain(|d| d.id != id)) aria-label=format!("remove ring {}", i + 1)>"Remove"</button>
                </div>
            })}
        </li>
    }
}

/// A ring's targets as items (hydrated only): each moves earlier or later, to
/// the ring before or after, or goes; new ones are added at the end. The form
/// still sends the ring's targets as one text field, kept in step.
#[component]
fn TargetItems(
    i: usize,
    id: u64,
    drafts: RwSignal<Vec<Draft>>,
    kind: RwSignal<String>,
) -> impl IntoView {
    let text = move || {
        drafts.with(|ds| {
            ds.iter()
                .find(|d| d.id == id)
                .map(|d| d.targets.clone())
                .unwrap_or_default()
        })
    };
    let edit = move |j: usize, e: TargetEdit| {
        drafts.update(|ds| {
            let Some(r) = ds.iter().position(|d| d.id == id) else {
                return;
            };
            let mut texts: Vec<String> = ds.iter().map(|d| d.targets.clone()).collect();
            edit_target(&mut texts, r, j, e);
            for (d, t) in ds.iter_mut().zip(texts) {
                d.targets = t;
            }
        })
    };
    let adding = RwSignal::new(String::new());
    let add = move || {
        let added = adding.get_untracked();
        drafts.update(|ds| {
            if let Some(d) = ds.iter_mut().find(|d| d.id == id) {
                d.targets = add_targets(&d.targets, &added);
            }
        });
        adding.set(String::new());
    };
    let (n, ring) = (i + 1, format!("ring {}", i + 1));
    view! {
        <div class="flex flex-col gap-1 text-sm sm:col-span-6">
            <input type="hidden" name=format!("rings[{i}][targets]") prop:value=text/>
            <span>"Targets"</span>
            <ol class="flex flex-col gap-1" data-targets=i.to_string()>
                {move || {
                    let all = text();
                    let last = tokens(&all).len().saturating_sub(1);
                    let buildout = kind.get() == "buildout";
                    tokens(&all).into_iter().enumerate().map(|(j, t)| {
                        let what = match t.split_once(':') {
                            Some((z, u)) if buildout => format!("zone {z}, {u} units"),
                            _ if buildout => t.to_owned(),
                            _ => format!("cluster {t}"),
                        };
                        let at = format!("target {t} of ring {n}");
                        let button = "rounded border px-1.5 py-0.5 text-xs disabled:opacity-40";
                        view! {
                            <li class="flex flex-wrap items-center gap-2 rounded bg-slate-50 px-2 py-1 dark:bg-slate-800" data-target=t.to_owned()>
                                <span class="flex-1">{what}</span>
                                <button type="button" class=button disabled=j == 0 on:click=move |_| edit(j, TargetEdit::Earlier) aria-label=format!("move {at} earlier")>"Earlier"</button>
                                <button type="button" class=button disabled=j == last on:click=move |_| edit(j, TargetEdit::Later) aria-label=format!("move {at} later")>"Later"</button>
                                <button type="button" class=button disabled=n == 1 on:click=move |_| edit(j, TargetEdit::PreviousRing) aria-label=format!("move {at} to ring {}", n - 1)>"To ring before"</button>
                                <button type="button" class=button disabled={move || n >= drafts.with(Vec::len)} on:click=move |_| edit(j, TargetEdit::NextRing) aria-label=format!("move {at} to ring {}", n + 1)>"To ring after"</button>
                                <button type="button" class="rounded border border-red-300 px-1.5 py-0.5 text-xs text-red-800 dark:text-red-300" on:click=move |_| edit(j, TargetEdit::Remove) aria-label=format!("remove {at}")>"Remove"</button>
                            </li>
                        }
                    }).collect_view()
                }}
            </ol>
            <div class="flex gap-2">
                <input class=INPUT aria-label=format!("new targets for {ring}")
                    placeholder=move || if kind.get() == "buildout" { "zone:units, such as 1:500" } else { "cluster id" }
                    prop:value=adding on:input=move |ev| adding.set(event_target_value(&ev))
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" { ev.prevent_default(); add(); }/>
                <button type="button" class="rounded border px-2 py-0.5 text-xs" on:click=move |_| add() aria-label=format!("add targets to {ring}")>"Add target"</button>
            </div>
        </div>
    }
}
