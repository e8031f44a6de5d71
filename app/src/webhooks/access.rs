//! Who manages webhooks: admins, on the page and through the API.

use crate::auth::access::{Access, Rules};
use crate::auth::Role;

const ADMIN: Access = Access::Role(Role::Admin);

pub const RULES: Rules = Rules {
    paths: &[("/admin/webhooks", ADMIN)],
    server_fns: &[
        ("list_webhooks", ADMIN),
        ("create_webhook", ADMIN),
        ("change_webhook", ADMIN),
        ("rotate_webhook_secret", ADMIN),
        ("delete_webhook", ADMIN),
        ("send_test_webhook", ADMIN),
        ("replay_webhook_delivery", ADMIN),
    ],
    api: &[
        ("GET", "/webhooks", ADMIN),
        ("POST", "/webhooks", ADMIN),
        ("GET", "/webhooks/{id}", ADMIN),
        ("PATCH", "/webhooks/{id}", ADMIN),
        ("DELETE", "/webhooks/{id}", ADMIN),
        ("POST", "/webhooks/{id}/rotate", ADMIN),
        ("POST", "/webhooks/{id}/test", ADMIN),
        ("GET", "/webhooks/{id}/deliveries", ADMIN),
        ("POST", "/webhooks/{id}/deliveries/{delivery}/replay", ADMIN),
    ],
};
