//! The JSON API under `/api/v1`: thin handlers over the service layer, with the
//! error shape of PRODUCT.md "The contract".

pub mod fleet;
pub mod notices;
pub mod requests;

use axum::http::Method;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, patch, post, MethodRouter};
use axum::Router;

use app::auth::{Access, Role};

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
        (
            r(Method::POST, "/requests", Access::Role(Role::Requester)),
            post(requests::create),
        ),
        (r(Method::GET, "/requests", SignedIn), get(requests::list)),
        (
            r(Method::GET, "/requests/{key}", SignedIn),
            get(requests::get),
        ),
        (
            r(
                Method::PATCH,
                "/requests/{key}",
                Access::Role(Role::Requester),
            ),
            patch(requests::edit),
        ),
        // Which roles may take which action is the request service's decision.
        (
            r(Method::POST, "/requests/{key}/comments", SignedIn),
            post(requests::comment),
        ),
        (
            r(Method::POST, "/requests/{key}/{action}", SignedIn),
            post(requests::act),
        ),
        (r(Method::GET, "/notices", SignedIn), get(notices::list)),
        (
            r(Method::POST, "/notices", Access::Role(Role::Admin)),
            post(notices::publish),
        ),
        (
            r(
                Method::POST,
                "/notices/{id}/updates",
                Access::Role(Role::Admin),
            ),
            post(notices::update),
        ),
    ]
}

pub fn routes(state: &AppState) -> Router<AppState> {
    // Routes sharing a path (GET and PATCH /requests/{key}) merge into one.
    let mut by_path: Vec<(&'static str, MethodRouter<AppState>)> = Vec::new();
    for (route, handler) in api_routes() {
        let guard = from_fn_with_state((state.clone(), route.access), crate::auth::api_access);
        let handler = handler.route_layer(guard);
        match by_path.iter_mut().find(|(p, _)| *p == route.path) {
            Some((_, existing)) => *existing = std::mem::take(existing).merge(handler),
            None => by_path.push((route.path, handler)),
        }
    }
    by_path
        .into_iter()
        .fold(Router::new(), |router, (path, handler)| {
            router.route(path, handler)
        })
        .fallback(not_found)
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
