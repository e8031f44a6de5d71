//! Who may read forecasts: any signed-in user (PRODUCT.md "Access": everyone
//! signed in reads the fleet and what is planned for it).

use crate::auth::access::{Access, Rules};

pub const RULES: Rules = Rules {
    paths: &[],
    server_fns: &[],
    api: &[("GET", "/forecast", Access::SignedIn)],
};
