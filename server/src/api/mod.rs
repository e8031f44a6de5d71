//! The JSON API under `/api/v1`: thin handlers over the service layer, with the
//! error shape of PRODUCT.md "The contract".

pub mod audit;
pub mod deployments;
pub mod fleet;
pub mod forecast;
pub mod imports;
pub mod notices;
pub mod openapi;
pub mod requests;
pub mod webhooks;

use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get, patch, post, MethodRouter};
use axum::Router;

use app::auth::Access;

use crate::state::AppState;
use app::error::AppError;

/// One route of the API: method, path (under `/api/v1`) and the access rule
/// its feature declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoute {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// A handler bound to its route; the rule comes from the feature's
/// declaration (`app::<feature>::access::RULES`), never from here.
fn route(
    method: Method,
    path: &'static str,
    handler: MethodRouter<AppState>,
) -> (ApiRoute, MethodRouter<AppState>) {
    let access = app::auth::access::api_access(method.as_str(), path)
        .unwrap_or_else(|| panic!("{method} {path} has no access rule in its feature's access.rs"));
    (
        ApiRoute {
            method,
            path,
            access,
        },
        handler,
    )
}

/// Every API route with its handler: the router is built from this list, and
/// the access matrix test checks it against its own expectations.
pub fn api_routes() -> Vec<(ApiRoute, MethodRouter<AppState>)> {
    use Method as M;
    vec![
        route(M::GET, "/fleet/summary", get(fleet::summary)),
        route(M::GET, "/regions", get(fleet::regions)),
        route(M::GET, "/regions/{code}", get(fleet::region)),
        route(M::GET, "/clusters", get(fleet::clusters)),
        route(M::GET, "/clusters/{id}", get(fleet::cluster)),
        route(
            M::POST,
            "/clusters/{id}/import-hold/release",
            post(imports::release),
        ),
        route(
            M::POST,
            "/imports/clusters",
            post(imports::import).layer(DefaultBodyLimit::max(imports::MAX_FILE_BYTES)),
        ),
        route(M::GET, "/forecast", get(forecast::forecast)),
        route(M::POST, "/requests", post(requests::create)),
        route(M::GET, "/requests", get(requests::list)),
        route(M::GET, "/requests/{key}", get(requests::get)),
        route(M::PATCH, "/requests/{key}", patch(requests::edit)),
        route(M::POST, "/requests/{key}/comments", post(requests::comment)),
        // Which roles may take which action is the workflow's decision.
        route(M::POST, "/requests/{key}/{action}", post(requests::act)),
        route(M::GET, "/deployments", get(deployments::list)),
        route(M::POST, "/deployments", post(deployments::create)),
        route(M::GET, "/deployments/{key}", get(deployments::get)),
        route(M::PATCH, "/deployments/{key}", patch(deployments::replan)),
        route(
            M::POST,
            "/deployments/{key}/{action}",
            post(deployments::act),
        ),
        route(
            M::POST,
            "/deployments/{key}/targets/{id}",
            post(deployments::report),
        ),
        route(M::GET, "/notices", get(notices::list)),
        route(M::POST, "/notices", post(notices::publish)),
        route(M::POST, "/notices/{id}/updates", post(notices::update)),
        route(M::GET, "/webhooks", get(webhooks::list)),
        route(M::POST, "/webhooks", post(webhooks::create)),
        route(M::GET, "/webhooks/{id}", get(webhooks::get)),
        route(M::PATCH, "/webhooks/{id}", patch(webhooks::change)),
        route(M::DELETE, "/webhooks/{id}", delete(webhooks::delete)),
        route(M::POST, "/webhooks/{id}/rotate", post(webhooks::rotate)),
        route(M::POST, "/webhooks/{id}/test", post(webhooks::test)),
        route(
            M::GET,
            "/webhooks/{id}/deliveries",
            get(webhooks::deliveries),
        ),
        route(
            M::POST,
            "/webhooks/{id}/deliveries/{delivery}/replay",
            post(webhooks::replay),
        ),
        route(M::GET, openapi::DOCUMENT_PATH, get(openapi::serve_document)),
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
