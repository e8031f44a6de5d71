//! The ledger columns every fleet table shows — total, allocated, reserved,
//! out of service, free, utilization with its band — so the overview, the
//! region page and the cluster list read the same and change together.

use leptos::prelude::*;

use super::format::{percent_tenths, units};
use super::widgets::health_classes;
use crate::fleet::ledger::{Health, Ledger};

/// The ledger columns' headers.
#[component]
pub fn LedgerHeads() -> impl IntoView {
    [
        "Total",
        "Allocated",
        "Reserved",
        "Out of service",
        "Free",
        "Utilization",
    ]
    .map(|h| view! { <th scope="col" class="th text-right">{h}</th> })
    .collect_view()
}

/// A row's ledger cells: units (the total with its unit, when given), then the
/// utilization in its band's colour, with the band in words for screen readers
/// (from the stylesheet: `.pct.h-*::after`).
pub fn ledger_cells(l: Ledger, unit: Option<&str>, tenths: i64, health: Health) -> impl IntoView {
    let total = match unit {
        Some(u) => format!("{} {u}", units(l.total())),
        None => units(l.total()),
    };
    let number = |n: String| view! { <td class="tn">{n}</td> };
    view! {
        {number(total)}
        {number(units(l.allocated()))}
        {number(units(l.reserved()))}
        {number(units(l.out_of_service()))}
        {number(units(l.free()))}
        <td class="tn">
            <span class=format!("pct {}", health_classes(health))>{percent_tenths(tenths)}</span>
        </td>
    }
}
