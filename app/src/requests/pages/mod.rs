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
    // `.pill` and `.tone-*` in style/main.css.
    match s {
        State::Draft => "tone-slate",
        State::Submitted => "tone-sky",
        State::AwaitingCapacity => "tone-amber",
        State::Approved => "tone-violet",
        State::Fulfilled => "tone-emerald",
        State::Rejected | State::Expired => "tone-red",
        State::Cancelled => "tone-grey",
    }
}

/// A pill naming a request state.
#[component]
pub fn StateBadge(state: State) -> impl IntoView {
    view! { <span class=format!("pill {}", state_classes(state))>{state.as_str()}</span> }
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
