//! Who may see and change settings: admins (PRODUCT.md "Access").

use crate::auth::access::{Access, Rules};
use crate::auth::Role;

pub const RULES: Rules = Rules {
    paths: &[("/admin/settings", Access::Role(Role::Admin))],
    server_fns: &[
        ("list_settings", Access::Role(Role::Admin)),
        ("update_setting", Access::Role(Role::Admin)),
        ("update_settings", Access::Role(Role::Admin)),
    ],
    api: &[],
};
