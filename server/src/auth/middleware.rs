//! Per-request identity and access middleware. Order, outermost first:
//! `resolve_caller` (who is asking), `audit_refusals` (every 403 reaches the
//! audit trail once), `csrf_guard` (no cross-site writes), `enforce_access`
//! (the rules of pages and server functions); API routes add `api_access`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::edge::REQUEST_ID;
use crate::state::AppState;
use app::auth::access::{
    is_api_docs_path, is_public_path, page_access, server_fn_access, METRICS, METRICS_PATH,
};
use app::auth::paths::MAX_NEXT;
use app::auth::server::caller::{self, Caller, Peer};
use app::auth::Access;
use app::error::{AppError, Refusal};
use app::shared::audit;

/// Marks a response whose refusal is already in the audit trail.
#[derive(Debug, Clone, Copy)]
struct Audited;

fn peer_of(req: &Request, state: &AppState) -> Peer {
    Peer {
        addr: req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip()),
        request_id: req
            .headers()
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        secure_cookies: state.secure_cookies,
    }
}

/// Resolves the caller once and keeps it in the request's extensions.
pub async fn resolve_caller(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = peer_of(&req, &state);
    let path = req.uri().path();
    if app::auth::access::is_status_path(path) || app::auth::access::is_probe_path(path) {
        let origin = audit::Origin {
            source: peer.addr.map(|a| a.to_string()),
            request_id: peer.request_id,
        };
        req.extensions_mut().insert(Caller::anonymous(origin));
        return next.run(req).await;
    }
    match caller::resolve(&state.db, req.headers(), peer.clone()).await {
        Ok(mut caller) => {
            if !matches!(*req.method(), Method::GET | Method::HEAD) {
                // A write reads its own versions: its answer, built after its
                // change, must not be served from before it (`shared::seen`).
                caller.seen = None;
            }
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(e @ AppError::Forbidden(_)) => {
            let origin = audit::Origin {
                source: peer.addr.map(|a| a.to_string()),
                request_id: peer.request_id,
            };
            let what = format!("{} {}", req.method(), req.uri().path());
            audit::record_refusal(
                &state.db,
                &origin,
                None,
                "auth.proxy_refused",
                Some(&what),
                Some(&e.to_string()),
            )
            .await;
            audited(e.into_response())
        }
        Err(e) if is_page_request(&req) => {
            // A browser asked for a page: it gets a page, with the error's status.
            let status = e.status_code();
            let resp = e.into_response();
            let page = match status {
                StatusCode::SERVICE_UNAVAILABLE => UNAVAILABLE,
                StatusCode::UNAUTHORIZED => UNAUTHENTICATED,
                _ => FAILED,
            };
            let mut html =
                (status, Html(page.render(&state.assets.stylesheet, status))).into_response();
            html.extensions_mut().extend(resp.extensions().clone());
            html
        }
        Err(e) => e.into_response(),
    }
}

/// A browser's request for a page (not the API, a server function, a download
/// or `/metrics`): errors answer it with an HTML page rather than JSON.
fn is_page_request(req: &Request) -> bool {
    let path = req.uri().path();
    (req.method() == Method::GET || req.method() == Method::HEAD)
        && (!path.starts_with("/api/") || is_api_docs_path(path))
        && path != METRICS_PATH
        && !path.ends_with(".csv")
}

fn caller_of(req: &Request) -> Caller {
    req.extensions()
        .get::<Caller>()
        .cloned()
        .unwrap_or_else(|| Caller::anonymous(Default::default()))
}

fn audited(mut resp: Response) -> Response {
    resp.extensions_mut().insert(Audited);
    resp
}

/// Records every 403 that its maker did not record itself (a service's
/// refusal, such as self-approval; a server function's), once, under the
/// refusal limit.
pub async fn audit_refusals(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let caller = caller_of(&req);
    let what = format!("{} {}", req.method(), req.uri().path());
    let resp = next.run(req).await;
    if resp.status() == StatusCode::FORBIDDEN && resp.extensions().get::<Audited>().is_none() {
        let why = resp.extensions().get::<Refusal>().map(|r| r.0.clone());
        record_denied(&state, &caller, &what, why.as_deref()).await;
    }
    resp
}

/// Puts an `access.denied` row on the audit trail (within the refusal limit).
async fn record_denied(state: &AppState, caller: &Caller, what: &str, why: Option<&str>) {
    let actor = caller.user.as_ref().map(|u| u.name.as_str());
    audit::record_refusal(
        &state.db,
        &caller.origin,
        actor,
        "access.denied",
        Some(what),
        why,
    )
    .await;
}

/// Records a refused authorization and answers 403.
async fn refuse(state: &AppState, caller: &Caller, what: &str, html: bool) -> Response {
    record_denied(state, caller, what, None).await;
    audited(if html {
        (
            StatusCode::FORBIDDEN,
            Html(forbidden_html(&state.assets.stylesheet)),
        )
            .into_response()
    } else {
        AppError::Forbidden("your roles do not allow this".into()).into_response()
    })
}

/// Enforces the access rules of pages and server functions: anonymous callers
/// are sent to `/login` (pages) or get 401 (server functions and the API); a
/// signed-in caller without the role gets 403. API routes carry their own rules
/// (`api_access`), checked after routing. The path is in normal form here
/// (`path_guard` runs first), so the rule is decided on the path that is routed.
pub async fn enforce_access(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if is_public_path(&path) {
        return next.run(req).await;
    }
    let caller = caller_of(&req);
    if path == METRICS_PATH {
        return match &caller.user {
            None => AppError::Unauthenticated.into_response(),
            Some(_) if !METRICS.allows(caller.user.as_ref()) => {
                refuse(&state, &caller, &path, false).await
            }
            Some(_) => next.run(req).await,
        };
    }
    // The API docs page is a browser's page, though it sits under `/api/`.
    if path.starts_with("/api/") && !is_api_docs_path(&path) {
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
        let asked = req.uri().path_and_query().map_or("/", |p| p.as_str());
        // A path too long to come back to is not worth echoing into a header.
        let next_path = [asked, path.as_str()]
            .into_iter()
            .find(|p| p.len() <= MAX_NEXT)
            .unwrap_or("/");
        let target = format!(
            "/login?next={}",
            app::shared::url::encode_component(next_path)
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

/// Whether a state-changing request comes from another site, as a browser
/// says (`Sec-Fetch-Site`) or as its `Origin` shows (not this server). Requests
/// with neither header (scripts, automation with tokens) are not cross-site.
pub fn is_cross_site(headers: &axum::http::HeaderMap, public_origin: Option<&str>) -> bool {
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let cross_site = matches!(site, Some(s) if s != "same-origin" && s != "none");
    let foreign_origin = match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        None => false,
        Some(Err(_)) => true,
        Some(Ok(o)) => {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let own = public_origin.is_some_and(|p| p == o);
            let same_host = o.split_once("://").is_some_and(|(_, h)| h == host);
            !(own || same_host)
        }
    };
    cross_site || foreign_origin
}

/// Refuses state-changing requests from another site (`is_cross_site`).
pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    if is_cross_site(req.headers(), state.public_origin.as_deref()) {
        let caller = caller_of(&req);
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        tracing::warn!(path = %app::shared::text::bounded(req.uri().path(), 256), "refused a cross-site request");
        let actor = caller.user.as_ref().map(|u| u.name.as_str());
        let what = format!("{} {}", req.method(), req.uri().path());
        audit::record_refusal(
            &state.db,
            &caller.origin,
            actor,
            "csrf.refused",
            Some(&what),
            origin.as_deref(),
        )
        .await;
        return audited(
            AppError::Forbidden("cross-site requests may not change anything".into())
                .into_response(),
        );
    }
    next.run(req).await
}

/// The 403 page, linking the app's stylesheet by the name the build gave it.
fn forbidden_html(stylesheet: &str) -> String {
    FORBIDDEN.render(stylesheet, StatusCode::FORBIDDEN)
}

/// The few pages the middleware answers itself, before the app renders anything.
struct ErrorPage {
    title: &'static str,
    heading: &'static str,
    text: &'static str,
}

const FORBIDDEN: ErrorPage = ErrorPage {
    title: "Not allowed",
    heading: "Your roles do not allow this page",
    text: "Ask an administrator if you need it. The refusal has been recorded.",
};

const UNAVAILABLE: ErrorPage = ErrorPage {
    title: "Unavailable",
    heading: "Headroom cannot reach its database",
    text: "Nothing you did caused this. Try again in a few seconds.",
};

const UNAUTHENTICATED: ErrorPage = ErrorPage {
    title: "Not signed in",
    heading: "Your credentials were not accepted",
    text: "Sign in again, or check the API token this browser sends.",
};

const FAILED: ErrorPage = ErrorPage {
    title: "Something went wrong",
    heading: "Headroom could not answer this request",
    text: "Try again; if it keeps happening, tell the Headroom team the time it happened.",
};

impl ErrorPage {
    fn render(&self, stylesheet: &str, status: StatusCode) -> String {
        let code = status.as_u16();
        let ErrorPage {
            title,
            heading,
            text,
        } = self;
        format!(
            r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Headroom</title><link rel="stylesheet" href="{stylesheet}"></head>
<body class="min-h-screen bg-slate-50 text-slate-900 dark:bg-slate-950 dark:text-slate-100">
<header class="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
<nav aria-label="Main" class="mx-auto flex max-w-7xl items-center gap-4 px-4 py-3"><a href="/" class="text-lg font-bold">Headroom</a><a href="/">Overview</a><a href="/clusters">Clusters</a></nav></header>
<main class="mx-auto max-w-lg px-4 py-16 text-center">
<p class="text-sm font-semibold text-red-700">{code}</p>
<h1 class="mt-2 text-3xl font-semibold">{heading}</h1>
<p class="mt-3 text-slate-600 dark:text-slate-400">{text}</p>
<p class="mt-6"><a class="underline" href="/">Go to the fleet overview</a></p>
</main></body></html>"#
        )
    }
}
