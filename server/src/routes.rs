//! The HTTP router: Leptos pages and server functions, the JSON API, the CSV
//! export, operations endpoints and static files, with request ids and tracing.

use std::time::Duration;

use axum::extract::FromRef;
use axum::http::{HeaderName, Request};
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use app::db::Db;

/// Shared by every handler.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub leptos: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos.clone()
    }
}

impl FromRef<AppState> for Db {
    fn from_ref(s: &AppState) -> Self {
        s.db.clone()
    }
}

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Builds the whole application; tests drive it without a socket.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let db = state.db.clone();
    let context = move || provide_context(db.clone());
    let leptos = state.leptos.clone();
    Router::new()
        .merge(crate::ops::routes())
        .nest("/api/v1", crate::api::routes())
        .route("/clusters.csv", axum::routing::get(crate::api::fleet::export_csv))
        .leptos_routes_with_context(&state, routes, context.clone(), move || app::shell(leptos.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, app::shell))
        .with_state(state)
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
            }),
        )
        // Outermost: take the caller's X-Request-Id or make one, and return it.
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(axum::http::StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(30)))
}
