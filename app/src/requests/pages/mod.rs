//! Request pages: the list, the new-request form, a request, the approver's
//! inbox, the operators' fulfilment queue.
//! Forms are `ActionForm`s over the feature's server functions, so they work
//! with or without WASM.

mod detail;
mod fulfilment;
mod inbox;
mod list;
mod new;

pub use detail::RequestPage;
pub use fulfilment::FulfilmentPage;
pub use inbox::ApprovalsPage;
pub use list::RequestsPage;
pub use new::NewRequestPage;

use leptos::prelude::*;

use super::domain::State;

/// Classes for a state pill.
pub fn state_classes(s: State) -> &'static str {
    match s {
        State::Draft => "bg-slate-100 text-slate-800 dark:bg-slate-800 dark:text-slate-200",
        State::Submitted => "bg-sky-100 text-sky-900 dark:bg-sky-900/60 dark:text-sky-100",
        State::AwaitingCapacity => {
            "bg-amber-100 text-amber-900 dark:bg-amber-900/60 dark:text-amber-100"
        }
        State::Approved => {
            "bg-violet-100 text-violet-900 dark:bg-violet-900/60 dark:text-violet-100"
        }
        State::Fulfilled => {
            "bg-emerald-100 text-emerald-900 dark:bg-emerald-900/60 dark:text-emerald-100"
        }
        State::Rejected | State::Expired => {
            "bg-red-100 text-red-900 dark:bg-red-900/60 dark:text-red-100"
        }
        State::Cancelled => "bg-slate-200 text-slate-700 dark:bg-slate-700 dark:text-slate-200",
    }
}

/// A pill naming a request state.
#[component]
pub fn StateBadge(state: State) -> impl IntoView {
    view! { <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {}", state_classes(state))>{state.as_str()}</span> }
}

/// A notice or error carried in the URL after a form post (`?notice=` / `?error=`).
#[component]
pub fn FlashFromQuery() -> impl IntoView {
    let q = leptos_router::hooks::use_query_map();
    move || {
        let q = q.read();
        if let Some(e) = q.get("error") {
            Some(view! { <p role="alert" class="mb-4 rounded border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100">{e}</p> }.into_any())
        } else {
            q.get("notice").map(|n| view! { <p role="status" class="mb-4 rounded border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100">{n}</p> }.into_any())
        }
    }
}
