//! Where a form posted without JavaScript goes next: on (a plain 302, or the
//! router when hydrated) or back to the page it came from, carrying the error
//! the server-function machinery encodes and what was typed.

use leptos::prelude::use_context;

use crate::shared::fields::ServerError;

/// Sends the browser on to `path` (a plain form post: 302; hydrated: the router).
pub fn go_to(path: &str) {
    leptos_axum::redirect(path);
}

/// For a form posted without JavaScript that failed: back to the form with
/// the error (as the server-function machinery encodes it) and the short
/// fields that were typed (never free text such as a justification, which
/// stays out of URLs).
pub fn back_with_error<F: leptos::server_fn::ServerFn>(fields: &[(&str, &str)], e: &ServerError) {
    use leptos::server_fn::error::ServerFnUrlError;
    let Some(parts) = use_context::<http::request::Parts>() else {
        return;
    };
    let html = parts
        .headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let referer = parts
        .headers
        .get(http::header::REFERER)
        .and_then(|v| v.to_str().ok());
    let (true, Some(referer)) = (html, referer) else {
        return;
    };
    let base = referer.split('?').next().unwrap_or(referer);
    let base = format!(
        "{base}?{}",
        crate::shared::url::query_string(fields.iter().copied())
    );
    if let Ok(url) = ServerFnUrlError::new(F::PATH, e.clone()).to_url(&base) {
        go_to(url.as_str());
    }
}
