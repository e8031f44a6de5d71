//! The pages outside the fleet, loaded on first use. `cargo leptos build
//! --split` moves each group's code out of the main WASM bundle into chunks
//! fetched when one of its routes is first shown; a server-rendered page names
//! its group's chunks for preloading (the build's split manifest), so
//! hydration does not wait for a second round trip.
//!
//! The overview, the cluster list and the sign-in page stay in the main
//! bundle: they are where nearly every visit starts. The rest are split by
//! feature, one split point per group: every split point adds chunks for the
//! code it shares with each other one, and a route per page made the overview
//! fetch 156 of them.
//!
//! Each route's `data()` has nothing to start: the pages load their own data
//! (resources in their bodies), and the server renders them as before.

use leptos::lazy;
use leptos::prelude::*;
use leptos_router::LazyRoute;

use crate::auth::pages::{AuditPage, TokensPage, UsersPage};
use crate::deployments::pages::{DeploymentPage, DeploymentsPage, NewDeploymentPage};
use crate::fleet::pages::{ClusterPage, ImportPage, RegionPage};
use crate::forecast::pages::ForecastPage;
use crate::requests::pages::{
    ApprovalsPage, FulfilmentPage, NewRequestPage, RequestPage, RequestsPage,
};
use crate::settings::pages::SettingsPage;
use crate::status::pages::NoticesPage;
use crate::webhooks::pages::WebhooksPage;

/// A fleet page below the overview: a region's ledger and trend chart, one
/// cluster, or the forecast.
#[derive(Debug, Clone, Copy)]
pub enum FleetView {
    Region,
    Cluster,
    Forecast,
}

#[lazy]
fn fleet_view(which: FleetView) -> AnyView {
    match which {
        FleetView::Region => view! { <RegionPage/> }.into_any(),
        FleetView::Cluster => view! { <ClusterPage/> }.into_any(),
        FleetView::Forecast => view! { <ForecastPage/> }.into_any(),
    }
}

/// A page of the requests feature.
#[derive(Debug, Clone, Copy)]
pub enum RequestsView {
    List,
    New,
    One,
    Approvals,
    Fulfilment,
}

#[lazy]
fn requests_view(which: RequestsView) -> AnyView {
    match which {
        RequestsView::List => view! { <RequestsPage/> }.into_any(),
        RequestsView::New => view! { <NewRequestPage/> }.into_any(),
        RequestsView::One => view! { <RequestPage/> }.into_any(),
        RequestsView::Approvals => view! { <ApprovalsPage/> }.into_any(),
        RequestsView::Fulfilment => view! { <FulfilmentPage/> }.into_any(),
    }
}

/// A page of the deployments feature.
#[derive(Debug, Clone, Copy)]
pub enum DeploymentsView {
    List,
    New,
    One,
}

#[lazy]
fn deployments_view(which: DeploymentsView) -> AnyView {
    match which {
        DeploymentsView::List => view! { <DeploymentsPage/> }.into_any(),
        DeploymentsView::New => view! { <NewDeploymentPage/> }.into_any(),
        DeploymentsView::One => view! { <DeploymentPage/> }.into_any(),
    }
}

/// An administration page.
#[derive(Debug, Clone, Copy)]
pub enum AdminView {
    Users,
    Tokens,
    Settings,
    Notices,
    Audit,
    Import,
    Webhooks,
}

#[lazy]
fn admin_view(which: AdminView) -> AnyView {
    match which {
        AdminView::Users => view! { <UsersPage/> }.into_any(),
        AdminView::Tokens => view! { <TokensPage/> }.into_any(),
        AdminView::Settings => view! { <SettingsPage/> }.into_any(),
        AdminView::Notices => view! { <NoticesPage/> }.into_any(),
        AdminView::Audit => view! { <AuditPage/> }.into_any(),
        AdminView::Import => view! { <ImportPage/> }.into_any(),
        AdminView::Webhooks => view! { <WebhooksPage/> }.into_any(),
    }
}

/// Declares a route type per page that shows `$view` through its group's lazy
/// function (the split points are the four functions above, not these).
///
/// `preload` loads the group's chunk (`$preload`, made by `#[lazy]` in the
/// browser build) before the router hydrates the route: the view must then be
/// ready at once, or hydration finds the server's HTML where it expected the
/// placeholder of a view still loading, and fails.
macro_rules! lazy_routes {
    ($($route:ident => $group:ident($view:expr), $preload:ident;)*) => {$(
        #[doc = concat!("The route of `", stringify!($view), "`.")]
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                $group($view).await
            }

            async fn preload() {
                #[cfg(feature = "hydrate")]
                $preload().await;
            }
        }
    )*};
}

lazy_routes! {
    RegionRoute => fleet_view(FleetView::Region), __preload_fleet_view;
    ClusterRoute => fleet_view(FleetView::Cluster), __preload_fleet_view;
    ForecastRoute => fleet_view(FleetView::Forecast), __preload_fleet_view;
    RequestsRoute => requests_view(RequestsView::List), __preload_requests_view;
    NewRequestRoute => requests_view(RequestsView::New), __preload_requests_view;
    RequestRoute => requests_view(RequestsView::One), __preload_requests_view;
    ApprovalsRoute => requests_view(RequestsView::Approvals), __preload_requests_view;
    FulfilmentRoute => requests_view(RequestsView::Fulfilment), __preload_requests_view;
    DeploymentsRoute => deployments_view(DeploymentsView::List), __preload_deployments_view;
    NewDeploymentRoute => deployments_view(DeploymentsView::New), __preload_deployments_view;
    DeploymentRoute => deployments_view(DeploymentsView::One), __preload_deployments_view;
    UsersRoute => admin_view(AdminView::Users), __preload_admin_view;
    TokensRoute => admin_view(AdminView::Tokens), __preload_admin_view;
    SettingsRoute => admin_view(AdminView::Settings), __preload_admin_view;
    NoticesRoute => admin_view(AdminView::Notices), __preload_admin_view;
    AuditRoute => admin_view(AdminView::Audit), __preload_admin_view;
    ImportRoute => admin_view(AdminView::Import), __preload_admin_view;
    WebhooksRoute => admin_view(AdminView::Webhooks), __preload_admin_view;
}
