//! Small widgets: health badges, ledger bars, error panels.

use leptos::prelude::*;

use crate::shared::fields::ServerError;

use crate::fleet::ledger::{Health, Ledger};

/// Background and text classes for a health band (colour is never the only signal:
/// the band's name is always written too).
pub fn health_classes(h: Health) -> &'static str {
    // `.h-*` in style/main.css.
    match h {
        Health::Healthy => "h-healthy",
        Health::Constrained => "h-constrained",
        Health::Critical => "h-critical",
    }
}

/// A pill naming a health band.
#[component]
pub fn HealthBadge(health: Health) -> impl IntoView {
    view! {
        <span class=format!("inline-block pill {}", health_classes(health))>
            {health.as_str()}
        </span>
    }
}

/// A horizontal stacked bar of a ledger: allocated, reserved, out of service, free.
#[component]
pub fn LedgerBar(ledger: Ledger, #[prop(into)] unit: String) -> impl IntoView {
    let total = ledger.total().max(1) as f64;
    let parts = [
        ("Allocated", ledger.allocated(), "bg-sky-600"),
        ("Reserved", ledger.reserved(), "bg-violet-500"),
        ("Out of service", ledger.out_of_service(), "bg-slate-400"),
        ("Free", ledger.free(), "bg-emerald-400"),
    ];
    let label = format!(
        "{} {unit} total: {} allocated, {} reserved, {} out of service, {} free",
        super::format::units(ledger.total()),
        super::format::units(ledger.allocated()),
        super::format::units(ledger.reserved()),
        super::format::units(ledger.out_of_service()),
        super::format::units(ledger.free()),
    );
    view! {
        <div>
            <div class="flex h-6 w-full overflow-hidden rounded bg-slate-200 dark:bg-slate-700" role="img" aria-label=label>
                {parts
                    .iter()
                    .map(|(name, v, color)| {
                        let style = format!("width: {:.3}%", *v as f64 / total * 100.0);
                        view! { <div class=*color style=style title=*name></div> }
                    })
                    .collect_view()}
            </div>
            <dl class="mt-3 grid grid-cols-2 gap-2 text-sm sm:grid-cols-5">
                <div>
                    <dt class="text-slate-500 dark:text-slate-400">"Total"</dt>
                    <dd class="font-semibold tabular-nums">{super::format::units(ledger.total())}</dd>
                </div>
                {parts
                    .iter()
                    .map(|(name, v, color)| {
                        view! {
                            <div>
                                <dt class="flex items-center gap-1 text-slate-500 dark:text-slate-400">
                                    <span class=format!("inline-block h-2 w-2 rounded-sm {color}")></span>
                                    {*name}
                                </dt>
                                <dd class="font-semibold tabular-nums">{super::format::units(*v)}</dd>
                            </div>
                        }
                    })
                    .collect_view()}
            </dl>
        </div>
    }
}

/// Shows a server function's error in words (the status code was set on the server),
/// under `title` ("Could not show this page" unless given).
#[component]
pub fn ErrorPanel(
    error: ServerError,
    #[prop(optional, into)] title: Option<String>,
) -> impl IntoView {
    // "quantity: must be > 0" when a field is at fault and the message does not say so.
    let message = match &error.field {
        Some(f) if !error.message.contains(f.as_str()) => format!("{f}: {}", error.message),
        _ => error.message,
    };
    view! {
        <div role="alert" class="rounded border border-red-300 bg-red-50 p-4 text-red-900 dark:border-red-700 dark:bg-red-950 dark:text-red-100">
            <p class="font-semibold">{title.unwrap_or_else(|| "Could not show this page".into())}</p>
            <p class="mt-1 text-sm">{message}</p>
            <p class="mt-2 text-sm"><a href="/" class="underline">"Back to the fleet overview"</a></p>
        </div>
    }
}

/// A page heading with an optional subtitle.
#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    #[prop(optional, into)] subtitle: Option<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="mb-6 flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">{title}</h1>
                {subtitle.map(|s| view! { <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{s}</p> })}
            </div>
            {children.map(|c| c())}
        </div>
    }
}
