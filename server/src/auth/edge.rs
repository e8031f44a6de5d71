//! The first checks on every request, before any routing, caller lookup or
//! rendering: a path in normal form (so the access rules decide on exactly the
//! path the router and the renderer will see), and a request id that is safe to
//! log and store.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::auth::paths::path_problem;
use app::error::AppError;

/// Refuses, with 400, any path that is not in normal form (dot segments, empty
/// segments, encoded slashes, needless percent-encoding; see `path_problem`).
pub async fn path_guard(req: Request, next: Next) -> Response {
    match path_problem(req.uri().path()) {
        None => next.run(req).await,
        Some(why) => AppError::Invalid {
            field: None,
            message: why.into(),
        }
        .into_response(),
    }
}

/// The header a request's id travels in (kept if short and printable, else replaced).
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id taken from a caller.
pub const MAX_REQUEST_ID: usize = 64;

/// Whether a caller's `X-Request-Id` may be kept: 1–64 of letters, digits and `- _ . :`.
pub fn acceptable_request_id(v: &HeaderValue) -> bool {
    let b = v.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_REQUEST_ID
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':'))
}

/// Drops a caller's `X-Request-Id` that is too long or not printable, so a
/// fresh one is made in its place (it reaches logs, the audit trail and the
/// response headers).
pub async fn sanitize_request_id(mut req: Request) -> Request {
    let values: Vec<&HeaderValue> = req.headers().get_all(REQUEST_ID).iter().collect();
    let keep = values.len() <= 1 && values.iter().all(|v| acceptable_request_id(v));
    if !keep {
        req.headers_mut().remove(REQUEST_ID);
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_short_and_printable() {
        assert!(acceptable_request_id(&HeaderValue::from_static(
            "5f0c-ab_12.3:x"
        )));
        assert!(!acceptable_request_id(&HeaderValue::from_static("")));
        assert!(!acceptable_request_id(&HeaderValue::from_static(
            "has space"
        )));
        assert!(!acceptable_request_id(&HeaderValue::from_static(
            "<script>"
        )));
        let long = "a".repeat(MAX_REQUEST_ID + 1);
        assert!(!acceptable_request_id(
            &HeaderValue::from_str(&long).unwrap()
        ));
    }
}
