//! Who may do what with requests (PRODUCT.md "Access"): any signed-in user
//! reads and comments; requesters file (and edit and withdraw their own);
//! approvers see the inbox; operators the fulfilment queue. Which decision a caller may take on one request is
//! `crate::requests::workflow::decide`, checked again by the service.

use crate::auth::access::{Access, Rules};
use crate::auth::Role;

pub const RULES: Rules = Rules {
    paths: &[
        ("/requests", Access::SignedIn),
        ("/requests/new", Access::Role(Role::Requester)),
        ("/requests/:key", Access::SignedIn),
        ("/approvals", Access::Role(Role::Approver)),
        ("/fulfilment", Access::Role(Role::Operator)),
    ],
    server_fns: &[
        ("list_requests_page", Access::SignedIn),
        ("get_request_detail", Access::SignedIn),
        ("get_approval_inbox", Access::Role(Role::Approver)),
        ("get_nav_counts", Access::SignedIn),
        ("get_fulfilment_queue", Access::Role(Role::Operator)),
        ("file_request", Access::Role(Role::Requester)),
        ("get_request_draft", Access::Role(Role::Requester)),
        ("show_request_headroom", Access::Role(Role::Requester)),
        ("act_on_request", Access::SignedIn),
        ("comment_on_request", Access::SignedIn),
        ("decide_requests", Access::Role(Role::Approver)),
    ],
    api: &[
        ("POST", "/requests", Access::Role(Role::Requester)),
        ("GET", "/requests", Access::SignedIn),
        ("GET", "/requests/{key}", Access::SignedIn),
        ("PATCH", "/requests/{key}", Access::Role(Role::Requester)),
        ("POST", "/requests/{key}/comments", Access::SignedIn),
        ("POST", "/requests/{key}/{action}", Access::SignedIn),
    ],
};
