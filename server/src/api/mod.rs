//! The JSON API under `/api/v1`: thin handlers over the service layer, with the
//! error shape of PRODUCT.md "The contract".

pub mod fleet;

use axum::http::Method;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, MethodRouter};
use axum::Router;

use app::auth::Access;

use crate::routes::AppState;
use app::error::AppError;

/// One route of the API: method, path (under `/api/v1`) and access rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoute {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// Every API route, declared once: the router is built from this list and the
/// route × role matrix test enumerates it.
pub fn api_routes() -> Vec<(ApiRoute, MethodRouter<AppState>)> {
    use Access::SignedIn;
    let r = |method, path, access| ApiRoute {
        method,
        path,
        access,
    };
    vec![
        (
            r(Method::GET, "/fleet/summary", SignedIn),
            get(fleet::summary),
        ),
        (r(Method::GET, "/regions", SignedIn), get(fleet::regions)),
        (
            r(Method::GET, "/regions/{code}", SignedIn),
            get(fleet::region),
        ),
        (r(Method::GET, "/clusters", SignedIn), get(fleet::clusters)),
        (
            r(Method::GET, "/clusters/{id}", SignedIn),
            get(fleet::cluster),
        ),
    ]
}

pub fn routes(state: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    for (route, handler) in api_routes() {
        let guard = from_fn_with_state((state.clone(), route.access), crate::auth::api_access);
        router = router.route(route.path, handler.route_layer(guard));
    }
    router.fallback(not_found)
}

async fn not_found() -> AppError {
    AppError::NotFound("no such API route".into())
}

/// Splits a raw query string into decoded pairs.
pub fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}
