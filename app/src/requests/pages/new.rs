//! `/requests/new` — file a request: an `ActionForm` over `file_request`, so it
//! works before the WASM loads. Once hydrated, quantity and need-by are checked
//! as you type with the same domain code the server uses; the server's refusal
//! names its field and is shown next to it. Without JS a refusal or "Show
//! headroom" reloads the form with its short fields in the URL and the
//! justification kept server-side (`kept=<token>`), never in the URL.

use leptos::prelude::*;

use crate::shared::fields::ServerError;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::format::{percent, units};
use crate::components::widgets::HealthBadge;
use crate::components::widgets::{ErrorPanel, PageHeader};
use crate::fleet::api::{get_filter_options, get_region_sku};
use crate::requests::api::{get_request_draft, FileRequest, ShowRequestHeadroom};
use crate::requests::domain::{parse_date, parse_quantity, Kind, Priority};

/// Where the no-JS "Show headroom" button posts the form.
const SHOW_HEADROOM: &str = <ShowRequestHeadroom as leptos::server_fn::ServerFn>::PATH;

const INPUT: &str = "rounded border border-slate-300 px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900 aria-[invalid=true]:border-red-500";

#[component]
pub fn NewRequestPage() -> impl IntoView {
    let q = use_query_map();
    let prior = move |k: &str| q.read().get(k).unwrap_or_default();
    let file = ServerAction::<FileRequest>::new();
    // The server's refusal: its field is marked and its message shown beside it.
    let refusal = move || file.value().get().and_then(Result::err);
    let bad_field = move || refusal().and_then(|e| e.field);
    let field_error = move |f: &'static str| {
        move || {
            refusal()
                .filter(|e| e.is_about(f))
                .map(|e| view! { <span role="alert" class="text-xs text-red-700 dark:text-red-400">{e.message}</span> })
        }
    };
    let options = Resource::new(|| (), |_| get_filter_options());
    // A justification typed before a no-JS round trip waits server-side (`kept`).
    let kept_justification = Resource::new(
        move || q.with_untracked(|q| q.get("kept")),
        |kept| async move {
            match kept {
                Some(k) => get_request_draft(k).await.unwrap_or_default(),
                None => String::new(),
            }
        },
    );
    let quantity_msg = RwSignal::new(None::<String>);
    let need_by_msg = RwSignal::new(None::<String>);
    // The quantity asked for, for "after your request" (from the URL without JS).
    let asked = RwSignal::new(
        q.with_untracked(|q| q.get("quantity"))
            .and_then(|v| v.trim().parse::<i64>().ok()),
    );
    let check_quantity = move |ev| {
        let v = event_target_value(&ev);
        asked.set(v.trim().parse::<i64>().ok());
        quantity_msg.set(
            v.trim()
                .parse::<i64>()
                .map_err(|_| "must be a whole number".to_owned())
                .and_then(parse_quantity)
                .err(),
        );
    };
    let check_need_by = move |ev| need_by_msg.set(parse_date(&event_target_value(&ev)).err());
    // The chosen region × SKU: from the URL at first (the no-JS "Show headroom"
    // button reloads the form with it), then from the pickers as they change.
    let region = RwSignal::new(q.with_untracked(|q| q.get("region")));
    let sku = RwSignal::new(q.with_untracked(|q| q.get("sku")));
    let headroom = Resource::new(
        move || (region.get(), sku.get()),
        |(r, s)| get_region_sku(r, s),
    );
    // Once hydrated the headroom follows the pickers, so the no-JS button goes.
    let hydrated = RwSignal::new(false);
    Effect::new(move || hydrated.set(true));
    view! {
        <Title text="New request · Headroom"/>
        <PageHeader title="New capacity request" subtitle="Ask for units of a SKU in a region. Approvers see the headroom your request would leave."/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let opts = match options.await {
                    Ok(o) => o,
                    Err(e) => return view! { <ErrorPanel error=e/> }.into_any(),
                };
                let justification = kept_justification.await;
                let region_now = prior("region");
                let sku_now = prior("sku");
                view! {
                    {move || refusal().filter(|e| e.field.is_none()).map(|e| view! { <div class="mb-4 max-w-2xl"><ErrorPanel error=e title="Not filed"/></div> })}
                    <ActionForm action=file attr:class="grid max-w-2xl gap-4 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
                        // Enter in a field submits the request, not "Show headroom" (the first submit button wins).
                        <button type="submit" class="sr-only" tabindex="-1" aria-hidden="true">"Submit request"</button>
                        <fieldset class="flex gap-4"><legend class="mb-1 text-sm font-medium">"Kind"</legend>
                            {Kind::ALL.iter().map(|k| {
                                let checked = prior("kind").is_empty() && *k == Kind::Provision || prior("kind") == k.as_str();
                                view! { <label class="flex items-center gap-1 text-sm"><input type="radio" name="kind" value=k.as_str() checked=checked/>{k.as_str()}</label> }
                            }).collect_view()}
                        </fieldset>
                        <div class="grid gap-4 sm:grid-cols-3">
                            <label class="flex flex-col gap-1 text-sm">"Region"
                                <select name="region" required class=INPUT on:change=move |ev| region.set(Some(event_target_value(&ev))) aria-invalid=move || (bad_field().as_deref() == Some("region")).to_string()>
                                    {opts.regions.iter().map(|(c, n)| { let sel = *c == region_now; view! { <option value=c.clone() selected=sel>{format!("{n} ({c})")}</option> } }).collect_view()}
                                </select>
                                {field_error("region")}
                            </label>
                            <label class="flex flex-col gap-1 text-sm">"Zone (optional)"
                                <select name="zone" class=INPUT>
                                    <option value="">"any"</option>
                                    {["1", "2", "3"].map(|z| { let sel = prior("zone") == z; view! { <option value=z selected=sel>{z}</option> } }).collect_view()}
                                </select>
                            </label>
                            <label class="flex flex-col gap-1 text-sm">"SKU"
                                <select name="sku" required class=INPUT on:change=move |ev| sku.set(Some(event_target_value(&ev))) aria-invalid=move || (bad_field().as_deref() == Some("sku")).to_string()>
                                    {opts.skus.iter().map(|s| { let sel = s.code == sku_now; view! { <option value=s.code.clone() selected=sel>{format!("{} · {} ({})", s.code, s.family, s.unit)}</option> } }).collect_view()}
                                </select>
                                {field_error("sku")}
                            </label>
                        </div>
                        <HeadroomPanel headroom=headroom hydrated=hydrated asked=asked/>
                        <div class="grid gap-4 sm:grid-cols-3">
                            <label class="flex flex-col gap-1 text-sm">"Quantity (units)"
                                <input name="quantity" type="number" min="1" required value=prior("quantity") on:input=check_quantity class=INPUT
                                    aria-invalid=move || (quantity_msg.get().is_some() || bad_field().as_deref() == Some("quantity")).to_string() aria-describedby="quantity-msg"/>
                                <span id="quantity-msg" class="text-xs text-red-700 dark:text-red-400">{move || quantity_msg.get()}</span>
                                {field_error("quantity")}
                            </label>
                            <label class="flex flex-col gap-1 text-sm">"Need by"
                                <input name="need_by" type="date" required value=prior("need_by") on:input=check_need_by class=INPUT
                                    aria-invalid=move || (need_by_msg.get().is_some() || bad_field().as_deref() == Some("need_by")).to_string() aria-describedby="need-by-msg"/>
                                <span id="need-by-msg" class="text-xs text-red-700 dark:text-red-400">{move || need_by_msg.get()}</span>
                                {field_error("need_by")}
                            </label>
                            <label class="flex flex-col gap-1 text-sm">"Priority"
                                <select name="priority" class=INPUT>
                                    {Priority::ALL.iter().map(|p| { let sel = prior("priority") == p.as_str() || prior("priority").is_empty() && *p == Priority::P2; view! { <option value=p.as_str() selected=sel>{p.as_str()}</option> } }).collect_view()}
                                </select>
                            </label>
                        </div>
                        <label class="flex flex-col gap-1 text-sm">"Service"
                            <input name="service" required maxlength="100" value=prior("service") class=INPUT aria-invalid=move || (bad_field().as_deref() == Some("service")).to_string()/>
                            {field_error("service")}
                        </label>
                        <label class="flex flex-col gap-1 text-sm">"Justification"
                            <textarea name="justification" required rows="3" class=INPUT aria-invalid=move || (bad_field().as_deref() == Some("justification")).to_string()>{justification}</textarea>
                            {field_error("justification")}
                        </label>
                        <div class="flex gap-3">
                            <button type="submit" class="rounded bg-slate-900 px-4 py-2 text-sm font-medium text-white dark:bg-slate-100 dark:text-slate-900">"Submit request"</button>
                            <button type="submit" name="draft" value="on" class="rounded border px-4 py-2 text-sm">"Save as draft"</button>
                        </div>
                    </ActionForm>
                }.into_any()
            })}
        </Suspense>
    }
}

/// The chosen region × SKU's headroom now, with a button that shows it without JS.
#[component]
fn HeadroomPanel(
    headroom: Resource<Result<crate::fleet::types::HeadroomNow, ServerError>>,
    hydrated: RwSignal<bool>,
    asked: RwSignal<Option<i64>>,
) -> impl IntoView {
    view! {
        <div class="flex flex-wrap items-center gap-3 rounded border border-slate-200 bg-slate-50 p-3 text-sm dark:border-slate-800 dark:bg-slate-950" data-testid="headroom-now" aria-live="polite">
            <Transition fallback=|| view! { <span>"Checking headroom…"</span> }>
                {move || Suspend::new(async move {
                    match headroom.await {
                        Err(e) => view! { <span class="text-red-700 dark:text-red-400">{e.to_string()}</span> }.into_any(),
                        Ok(h) => match h.pair {
                            None => view! { <span>{format!("{} does not offer {}: nothing can be reserved there.", h.region, h.sku)}</span> }.into_any(),
                            Some(p) => {
                                let (ledger, unit, t) = (p.rollup.ledger, p.unit, h.thresholds);
                                let elsewhere = h.elsewhere.clone();
                                let zones = h.zones.clone();
                                let by_zone = zones.iter().map(|(z, free)| format!("zone {z}: {}", units(*free))).collect::<Vec<_>>().join(" · ");
                                let after = move || asked.get().filter(|q| *q > 0).map(|q| {
                                    let (free_after, band) = ledger.after_reserving(q, &t);
                                    let enough: Vec<String> = elsewhere.iter().filter(|(_, free)| *free >= q)
                                        .map(|(r, free)| format!("{r} ({} free)", units(*free))).collect();
                                    // A request pinned to a zone is placed in that zone only.
                                    let zones_enough: Vec<String> = zones.iter().filter(|(_, free)| *free >= q)
                                        .map(|(z, _)| z.to_string()).collect();
                                    let zone_note = (free_after >= 0).then(|| view! {
                                        <span class="basis-full text-xs" data-testid="zone-suggestions">
                                            {match zones_enough.len() {
                                                0 => "No single zone has that much free: leave the zone as “any” to spread it.".to_owned(),
                                                n if n == zones.len() => "Any zone has enough free.".to_owned(),
                                                _ => format!("Zones with enough free for it alone: {}.", zones_enough.join(", ")),
                                            }}
                                        </span>
                                    });
                                    view! {
                                        <span class="basis-full" data-testid="headroom-after">
                                            {if free_after >= 0 {
                                                format!("After your request: {} {unit} free, ", units(free_after))
                                            } else {
                                                format!("After your request: short by {} {unit}, ", units(-free_after))
                                            }}
                                            <HealthBadge health=band/>
                                        </span>
                                        {zone_note}
                                        {(free_after < 0).then(|| view! {
                                            <span class="basis-full text-xs" data-testid="suggestions">
                                                {if enough.is_empty() {
                                                    "No other region has that much free either: approvers may open a buildout.".to_owned()
                                                } else {
                                                    format!("Enough free elsewhere: {}.", enough.join(", "))
                                                }}
                                            </span>
                                        })}
                                    }
                                });
                                view! {
                                    <span>
                                        <strong class="tabular-nums">{format!("{} {} free", units(p.rollup.ledger.free()), p.unit)}</strong>
                                        {format!(" of {} in {} · {} now, {} used", units(p.rollup.ledger.total()), p.region, p.sku, percent(p.rollup.utilization))}
                                    </span>
                                    <HealthBadge health=p.rollup.health/>
                                    {(!by_zone.is_empty()).then(|| view! { <span class="basis-full text-xs text-slate-600 dark:text-slate-400" data-testid="zone-frees">{format!("Free by zone ({}): {by_zone}", p.unit)}</span> })}
                                    {after}
                                    <span class="basis-full">
                                        <crate::forecast::panels::RequestImpact region=h.region.clone() sku=h.sku.clone()
                                            quantity=Signal::derive(move || asked.get().unwrap_or(0).max(0))/>
                                    </span>
                                }.into_any()
                            }
                        },
                    }
                })}
            </Transition>
            {move || (!hydrated.get()).then(|| view! {
                <button type="submit" formaction=SHOW_HEADROOM formnovalidate class="ml-auto rounded border px-2 py-1 text-xs">"Show headroom"</button>
            })}
        </div>
    }
}
