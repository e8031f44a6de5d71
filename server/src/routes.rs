//! The HTTP router: Leptos pages and server functions, the JSON API, the CSV
//! export, sign-in and sign-out, operations endpoints and static files, with
//! request ids and tracing.

use std::time::Duration;

use crate::state::AppState;

use axum::http::Request;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeFile;
use tower_http::trace::TraceLayer;

use app::error::AppError;

use crate::auth::REQUEST_ID;

/// Builds the whole application; tests drive it without a socket.
///
/// Layers, outermost first: timeout, request id (a caller's only if short and
/// printable), tracing, security headers, `path_guard` (400 for any path not in
/// normal form, before anything else looks at it), then the caller, the audit
/// of refusals, cross-site refusals and the access rules. Static files are
/// served from `/pkg` and `/favicon.svg` only; the fallback renders the app's
/// 404 page for paths the access rules admit, and public prefixes never reach
/// the renderer.
pub fn router(state: AppState) -> Router {
    crate::metrics::handle();
    let routes = generate_route_list(app::App);
    let db = state.db.clone();
    let assets = state.assets.clone();
    let split = state.split.clone();
    let context = move || {
        provide_context(db.clone());
        provide_context(assets.clone());
        if let Some(split) = &split {
            provide_context(split.clone());
        }
        // A fresh nonce per response for the Content-Security-Policy; a
        // template for the page cache carries its mark instead (see `pages`).
        match app::shared::template::marks() {
            Some(marks) => provide_context(leptos::nonce::Nonce::from_value(marks.nonce.clone())),
            None => leptos::nonce::provide_nonce(),
        }
    };
    let leptos = state.leptos.clone();
    let site_root = std::path::PathBuf::from(state.leptos.site_root.as_ref());
    let render_404 = leptos_axum::render_app_to_stream_with_context(context.clone(), {
        let leptos = leptos.clone();
        move || app::shell(leptos.clone())
    });
    let fallback = move |req: Request<axum::body::Body>| {
        let render_404 = render_404.clone();
        async move {
            if app::auth::access::is_public_path(req.uri().path()) {
                AppError::NotFound("there is nothing here".into()).into_response()
            } else {
                render_404(req).await
            }
        }
    };
    Router::new()
        .merge(crate::ops::routes())
        .route(app::auth::access::METRICS_PATH, axum::routing::get(crate::metrics::serve))
        .merge(crate::status::routes())
        .nest("/api/v1", crate::api::routes(&state))
        .merge(crate::api::openapi::docs_routes())
        .route("/clusters.csv", axum::routing::get(crate::api::fleet::export_csv))
        .route("/admin/audit.csv", axum::routing::get(crate::api::audit::export_csv))
        .route(
            "/admin/import/upload",
            axum::routing::post(crate::api::imports::upload).layer(
                axum::extract::DefaultBodyLimit::max(crate::api::imports::MAX_FILE_BYTES),
            ),
        )
        .route("/login", axum::routing::post(crate::auth::login))
        .route("/logout", axum::routing::post(crate::auth::logout))
        .nest_service(
            "/pkg",
            tower::ServiceBuilder::new()
                .layer(axum::middleware::from_fn(crate::assets::cache_control))
                .service(crate::assets::pkg_service(&site_root)),
        )
        .route_service("/favicon.svg", ServeFile::new(site_root.join("favicon.svg")))
        .leptos_routes_with_context(&state, routes, context, move || app::shell(leptos.clone()))
        .fallback(fallback)
        // Innermost: a page the same for every caller with these roles is
        // rendered once and filled in per caller (see `pages`).
        .layer(from_fn_with_state(state.clone(), crate::pages::serve))
        .layer(from_fn_with_state(state.clone(), crate::auth::enforce_access))
        .layer(from_fn_with_state(state.clone(), crate::auth::csrf_guard))
        .layer(from_fn_with_state(state.clone(), crate::auth::audit_refusals))
        .layer(from_fn_with_state(state.clone(), crate::auth::resolve_caller))
        .layer(axum::middleware::from_fn(crate::auth::path_guard))
        .layer(axum::middleware::from_fn(crate::auth::security_headers))
        .with_state(state)
        // A page whose client hangs up is still rendered to its end (see `finish`).
        .layer(axum::middleware::from_fn(crate::finish::pages))
        // Pages and JSON compressed for clients that accept it. Responses that
        // already carry an encoding (the status routes, `/pkg`'s precompressed
        // files) pass through as they are. Level 4: most of brotli's gain on
        // HTML for a small part of its top level's CPU.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                let path = app::shared::text::bounded(req.uri().path(), 256);
                tracing::info_span!("request", request_id = %id, method = %req.method(), path = %path)
            }),
        )
        // Outermost: take the caller's X-Request-Id (if short and printable) or make one, and return it.
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(axum::middleware::map_request(crate::auth::sanitize_request_id))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(axum::http::StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(30)))
        // Outside everything, timeouts included: every answer is counted and timed.
        .layer(axum::middleware::from_fn(crate::metrics::track))
}
