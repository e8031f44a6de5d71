//! Who may read the fleet: any signed-in user (PRODUCT.md "Access"); admins
//! import clusters, operators release what an import holds.

use crate::auth::access::{Access, Rules};
use crate::auth::Role;

pub const RULES: Rules = Rules {
    paths: &[
        ("/", Access::SignedIn),
        ("/regions/:code", Access::SignedIn),
        ("/clusters", Access::SignedIn),
        ("/clusters/:id", Access::SignedIn),
        ("/clusters.csv", Access::SignedIn),
        // Admins import clusters from CSV (the page and its form's post).
        ("/admin/import", Access::Role(Role::Admin)),
        ("/admin/import/upload", Access::Role(Role::Admin)),
    ],
    server_fns: &[
        ("get_fleet_summary", Access::SignedIn),
        ("get_region_detail", Access::SignedIn),
        ("get_cluster_detail", Access::SignedIn),
        ("get_cluster_page", Access::SignedIn),
        ("get_filter_options", Access::SignedIn),
        ("get_region_sku", Access::SignedIn),
        // Operators release what an import holds (as they fulfil requests).
        ("release_import_hold", Access::Role(Role::Operator)),
        ("get_import_report", Access::Role(Role::Admin)),
    ],
    api: &[
        ("GET", "/fleet/summary", Access::SignedIn),
        ("GET", "/regions", Access::SignedIn),
        ("GET", "/regions/{code}", Access::SignedIn),
        ("GET", "/clusters", Access::SignedIn),
        ("GET", "/clusters/{id}", Access::SignedIn),
        (
            "POST",
            "/clusters/{id}/import-hold/release",
            Access::Role(Role::Operator),
        ),
        ("POST", "/imports/clusters", Access::Role(Role::Admin)),
    ],
};
