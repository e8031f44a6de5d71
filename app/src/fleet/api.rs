//! Server functions of the fleet pages: thin wrappers over the service layer.

use leptos::prelude::*;

use crate::shared::fields::ServerError;

#[cfg(feature = "ssr")]
use super::types::Cluster;
use super::types::{FilterOptions, HeadroomNow};
use super::views::{ClusterView, OverviewView, RegionView};
#[cfg(feature = "ssr")]
use crate::shared::page::Page;

/// The fleet overview, as the page shows it.
#[server]
pub async fn get_fleet_summary() -> Result<OverviewView, ServerError> {
    let (db, caller) = crate::authorize(crate::auth::Access::SignedIn)?;
    super::server::service::fleet_summary(&db, &caller)
        .await
        .map(OverviewView::from)
        .map_err(crate::error::server_error)
}

/// A region's page.
#[server]
pub async fn get_region_detail(code: String) -> Result<RegionView, ServerError> {
    let (db, caller) = crate::authorize(crate::auth::Access::SignedIn)?;
    super::server::service::region_detail(&db, &caller, &code)
        .await
        .map(RegionView::from)
        .map_err(crate::error::server_error)
}

/// One region × SKU's headroom now, for the new-request form; a missing
/// region or SKU means the first of the pickers (what the form preselects).
#[server]
pub async fn get_region_sku(
    region: Option<String>,
    sku: Option<String>,
) -> Result<HeadroomNow, ServerError> {
    let (db, caller) = crate::authorize(crate::auth::Access::SignedIn)?;
    super::server::service::headroom_now(&db, &caller, region.as_deref(), sku.as_deref())
        .await
        .map_err(crate::error::server_error)
}

/// A cluster's page.
#[server]
pub async fn get_cluster_detail(id: i64) -> Result<ClusterView, ServerError> {
    let (db, caller) = crate::authorize(crate::auth::Access::SignedIn)?;
    super::server::service::cluster_detail(&db, &caller, id)
        .await
        .map(ClusterView::from)
        .map_err(crate::error::server_error)
}

/// The cluster list page: the filter choices and one page of clusters, given the
/// page's URL query string (parsed on the server with the same code as the API).
#[server]
pub async fn get_cluster_page(query: String) -> Result<ClusterPageData, ServerError> {
    let (db, caller) = crate::authorize(crate::auth::Access::SignedIn)?;
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let q = super::query::ClusterQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|e| crate::error::server_error(e.into()))?;
    let page: Page<Cluster> = super::server::service::clusters(&db, &caller, &q)
        .await
        .map_err(crate::error::server_error)?;
    let position = super::server::service::cluster_position(&db, &caller, &q)
        .await
        .map_err(crate::error::server_error)?;
    let options = super::server::service::filter_options(&db, &caller)
        .await
        .map_err(crate::error::server_error)?;
    Ok(ClusterPageData {
        page: Page {
            items: page.items.into_iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        },
        position,
        options,
    })
}

/// What the cluster list page shows.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClusterPageData {
    pub page: crate::shared::page::Page<super::views::ClusterLine>,
    /// "page n of m" and how many match.
    pub position: crate::shared::page::PagePosition,
    pub options: FilterOptions,
}

/// Regions and SKUs, for pickers.
#[server]
pub async fn get_filter_options() -> Result<FilterOptions, ServerError> {
    let (db, caller) = crate::authorize(crate::auth::Access::SignedIn)?;
    super::server::service::filter_options(&db, &caller)
        .await
        .map_err(crate::error::server_error)
}

/// Releases the units imports hold on a cluster (operators); how many.
#[server]
pub async fn release_import_hold(id: i64) -> Result<i64, ServerError> {
    let (db, caller) = crate::authorize(crate::auth::Access::Role(crate::auth::Role::Operator))?;
    super::server::import::release_hold(&db, &caller, id)
        .await
        .map_err(crate::error::server_error)
}

/// The report of the caller's last upload on `/admin/import`, by the token its
/// redirect carried (none when the token is stale or someone else's).
#[server]
pub async fn get_import_report(
    token: String,
) -> Result<Option<super::import::ImportReport>, ServerError> {
    let (db, caller) = crate::authorize(crate::auth::Access::Role(crate::auth::Role::Admin))?;
    super::server::import::kept_report(&db, &caller, &token)
        .await
        .map_err(crate::error::server_error)
}
