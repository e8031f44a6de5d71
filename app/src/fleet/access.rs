//! Who may read the fleet: any signed-in user (PRODUCT.md "Access").

use crate::auth::access::{Access, Rules};

pub const RULES: Rules = Rules {
    paths: &[
        ("/", Access::SignedIn),
        ("/regions/:code", Access::SignedIn),
        ("/clusters", Access::SignedIn),
        ("/clusters/:id", Access::SignedIn),
        ("/clusters.csv", Access::SignedIn),
    ],
    server_fns: &[
        ("get_fleet_summary", Access::SignedIn),
        ("get_region_detail", Access::SignedIn),
        ("get_cluster_detail", Access::SignedIn),
        ("get_cluster_page", Access::SignedIn),
        ("get_filter_options", Access::SignedIn),
        ("get_region_sku", Access::SignedIn),
    ],
    api: &[
        ("GET", "/fleet/summary", Access::SignedIn),
        ("GET", "/regions", Access::SignedIn),
        ("GET", "/regions/{code}", Access::SignedIn),
        ("GET", "/clusters", Access::SignedIn),
        ("GET", "/clusters/{id}", Access::SignedIn),
    ],
};
