//! Per-request identity and access middleware.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::routes::{AppState, REQUEST_ID};
use app::auth::access::{is_public_path, page_access, server_fn_access};
use app::auth::server::audit::{self, Origin};
use app::auth::server::caller::{self, Caller};
use app::auth::Access;
use app::error::AppError;

fn origin_of(req: &Request) -> Origin {
    Origin {
        source: req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string()),
        request_id: req
            .headers()
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

/// Resolves the caller once and keeps it in the request's extensions.
pub async fn resolve_caller(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let origin = origin_of(&req);
    if app::auth::access::is_status_path(req.uri().path()) {
        req.extensions_mut().insert(Caller::anonymous(origin));
        return next.run(req).await;
    }
    let caller = match caller::resolve(&state.db, req.headers(), origin).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    req.extensions_mut().insert(caller);
    next.run(req).await
}

fn caller_of(req: &Request) -> Caller {
    req.extensions()
        .get::<Caller>()
        .cloned()
        .unwrap_or_else(|| Caller::anonymous(Origin::default()))
}

/// Records a refused authorization and answers 403.
async fn refuse(state: &AppState, caller: &Caller, what: &str, html: bool) -> Response {
    let actor = caller.user.as_ref().map(|u| u.name.as_str());
    if let Err(e) = audit::record(
        state.db.pool(),
        &caller.origin,
        actor,
        "access.denied",
        Some(what),
        None,
        None,
    )
    .await
    {
        tracing::error!(error = %e, "could not audit a refusal");
    }
    if html {
        (StatusCode::FORBIDDEN, Html(FORBIDDEN_PAGE)).into_response()
    } else {
        AppError::Forbidden("your roles do not allow this".into()).into_response()
    }
}

/// Enforces the access rules of pages and server functions: anonymous callers
/// are sent to `/login` (pages) or get 401 (server functions and the API); a
/// signed-in caller without the role gets 403. API routes carry their own rules
/// (`api_access`), checked after routing.
pub async fn enforce_access(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if is_public_path(&path) {
        return next.run(req).await;
    }
    let caller = caller_of(&req);
    if path.starts_with("/api/") {
        if caller.user.is_none() {
            return AppError::Unauthenticated.into_response();
        }
        if !path.starts_with("/api/v1/") {
            // A server function: unknown ones are refused rather than guessed at.
            let access = server_fn_access(&path).unwrap_or(Access::Role(app::auth::Role::Admin));
            if !access.allows(caller.user.as_ref()) {
                return refuse(&state, &caller, &path, false).await;
            }
        }
        return next.run(req).await;
    }
    if caller.user.is_none() {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return AppError::Unauthenticated.into_response();
        }
        let next_path = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let target = format!(
            "/login?next={}",
            app::fleet::query::encode_component(next_path)
        );
        return Redirect::to(&target).into_response();
    }
    if !page_access(&path).allows(caller.user.as_ref()) {
        return refuse(&state, &caller, &path, true).await;
    }
    next.run(req).await
}

/// The access rule of one API route, checked after routing.
pub async fn api_access(
    State((state, access)): State<(AppState, Access)>,
    req: Request,
    next: Next,
) -> Response {
    let caller = caller_of(&req);
    match (&caller.user, access.allows(caller.user.as_ref())) {
        (_, true) => next.run(req).await,
        (None, false) => AppError::Unauthenticated.into_response(),
        (Some(_), false) => {
            let what = format!("{} {}", req.method(), req.uri().path());
            refuse(&state, &caller, &what, false).await
        }
    }
}

/// Refuses state-changing requests that a browser says come from another site
/// (`Sec-Fetch-Site`), or whose `Origin` is not this server. Requests with
/// neither header (scripts, automation with tokens) pass.
pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let cross_site = matches!(site, Some(s) if s != "same-origin" && s != "none");
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let foreign_origin = match origin {
        None => false,
        Some(o) => {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let own = state.public_origin.as_deref().is_some_and(|p| p == o);
            let same_host = o.split_once("://").is_some_and(|(_, h)| h == host);
            !(own || same_host)
        }
    };
    if cross_site || foreign_origin {
        let caller = caller_of(&req);
        tracing::warn!(path = %req.uri().path(), ?origin, ?site, "refused a cross-site request");
        let _ = audit::record(
            state.db.pool(),
            &caller.origin,
            None,
            "csrf.refused",
            Some(req.uri().path()),
            None,
            origin,
        )
        .await;
        return AppError::Forbidden("cross-site requests may not change anything".into())
            .into_response();
    }
    next.run(req).await
}

const FORBIDDEN_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Not allowed · Headroom</title><link rel="stylesheet" href="/pkg/headroom.css"></head>
<body class="min-h-screen bg-slate-50 text-slate-900 dark:bg-slate-950 dark:text-slate-100">
<header class="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
<nav aria-label="Main" class="mx-auto flex max-w-7xl items-center gap-4 px-4 py-3"><a href="/" class="text-lg font-bold">Headroom</a><a href="/">Overview</a><a href="/clusters">Clusters</a></nav></header>
<main class="mx-auto max-w-lg px-4 py-16 text-center">
<p class="text-sm font-semibold text-red-700">403</p>
<h1 class="mt-2 text-3xl font-semibold">Your roles do not allow this page</h1>
<p class="mt-3 text-slate-600 dark:text-slate-400">Ask an administrator if you need it. The refusal has been recorded.</p>
<p class="mt-6"><a class="underline" href="/">Go to the fleet overview</a></p>
</main></body></html>"#;
