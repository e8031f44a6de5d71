//! Who may read forecasts: any signed-in user (PRODUCT.md "Access": everyone
//! signed in reads the fleet and what is planned for it).

use crate::auth::access::{Access, Rules};

pub const RULES: Rules = Rules {
    paths: &[("/forecast", Access::SignedIn)],
    server_fns: &[
        ("get_forecast_inputs", Access::SignedIn),
        ("get_region_forecast", Access::SignedIn),
        ("get_soonest", Access::SignedIn),
        ("get_pair_inputs", Access::SignedIn),
    ],
    api: &[("GET", "/forecast", Access::SignedIn)],
};
