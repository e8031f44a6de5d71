//! Who may manage notices: admins publish and update; any signed-in caller
//! lists them through the API. The public status routes themselves need no
//! sign-in (`crate::auth::access::is_status_path`).

use crate::auth::access::{Access, Rules};
use crate::auth::Role;

pub const RULES: Rules = Rules {
    paths: &[("/admin/notices", Access::Role(Role::Admin))],
    server_fns: &[
        ("list_notices", Access::Role(Role::Admin)),
        ("publish_notice", Access::Role(Role::Admin)),
        ("update_notice", Access::Role(Role::Admin)),
    ],
    api: &[
        ("GET", "/notices", Access::SignedIn),
        ("POST", "/notices", Access::Role(Role::Admin)),
        ("POST", "/notices/{id}/updates", Access::Role(Role::Admin)),
    ],
};
