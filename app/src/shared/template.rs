//! A page rendered once for every caller who would see the same page (the
//! server's page cache, `server/src/pages.rs`): what differs from one caller
//! to the next — their name and id, the navigation's counts and the CSP
//! nonce — is rendered as marks, which the server replaces per response.
//!
//! The marks are random per process and never leave it (every response has
//! them replaced), so no page content can contain one by chance or by design.
//! A user's name needs no escaping wherever the page writes it (HTML text, the
//! hydration data's JSON): `auth::roles::parse_user_name` admits letters,
//! digits and `. _ @ -` only, and the cache serves no other name.

use std::sync::Arc;

/// What a template render writes in place of the caller's own values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marks {
    /// The user's name (letters and digits).
    pub name: String,
    /// The user's id.
    pub id: i64,
    /// The navigation's "waiting for you" count, when the roles have one.
    pub waiting: i64,
    /// The navigation's "of mine in flight" count, when the roles have one.
    pub mine: i64,
    /// The navigation's counts, as HTML (`components::layout::nav_count_html`).
    pub nav: String,
    /// The Content-Security-Policy nonce.
    pub nonce: String,
}

/// Put in a request's extensions by the page cache: render this page as a
/// template, with these marks.
#[derive(Debug, Clone)]
pub struct Template(pub Arc<Marks>);

/// The marks, when the page being rendered is a template (always `None` in
/// the browser).
pub fn marks() -> Option<Arc<Marks>> {
    #[cfg(feature = "ssr")]
    {
        leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<Template>().map(|t| Arc::clone(&t.0)))
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}
