//! Who may do what with deployments (PRODUCT.md "Access"): any signed-in user
//! reads them; operators create, replan, run and report on them.

use crate::auth::access::{Access, Rules};
use crate::auth::Role;

pub const RULES: Rules = Rules {
    paths: &[
        ("/deployments", Access::SignedIn),
        ("/deployments/new", Access::Role(Role::Operator)),
        ("/deployments/:key", Access::SignedIn),
    ],
    server_fns: &[
        ("list_deployments_page", Access::SignedIn),
        ("get_deployment_detail", Access::SignedIn),
        ("get_in_flight", Access::SignedIn),
        ("preview_deployment", Access::Role(Role::Operator)),
        ("plan_from_template", Access::Role(Role::Operator)),
        ("create_deployment", Access::Role(Role::Operator)),
        ("act_on_deployment", Access::Role(Role::Operator)),
    ],
    api: &[
        ("GET", "/deployments", Access::SignedIn),
        ("POST", "/deployments", Access::Role(Role::Operator)),
        ("GET", "/deployments/{key}", Access::SignedIn),
        ("PATCH", "/deployments/{key}", Access::Role(Role::Operator)),
        (
            "POST",
            "/deployments/{key}/{action}",
            Access::Role(Role::Operator),
        ),
        (
            "POST",
            "/deployments/{key}/targets/{id}",
            Access::Role(Role::Operator),
        ),
    ],
};
