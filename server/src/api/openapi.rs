//! The API's OpenAPI 3.1 document, derived from the handlers' `#[utoipa::path]`
//! annotations and the shared types' schemas, served at `/api/v1/openapi.json`;
//! and its human page at `/api/docs` (Swagger UI, compiled into the binary from
//! the `utoipa-swagger-ui` crate's vendored copy, so it works offline).
//!
//! Every operation answers errors in the contract's shape; the `Errors`
//! modifier adds them once for all instead of in every annotation.

use std::sync::{Arc, LazyLock};

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::{deployments, fleet, forecast, imports, notices, requests, webhooks};
use crate::state::AppState;
use app::auth::server::caller::Caller;
use app::deployments::domain::DeploymentAction;
use app::error::{AppError, AppResult, ErrorBody};

/// The document's path under `BASE`.
pub const DOCUMENT_PATH: &str = "/openapi.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Headroom API",
        description = "Fleet capacity, capacity requests and their approvals, deployments, forecasts \
            status notices and webhooks. Sign in with a bearer token (`Authorization: Bearer hr_…`, made by \
            an admin or `headroom token create`) or a browser session. Lists are \
            `{\"items\": […], \"next_cursor\": \"…\" | null}`; errors are \
            `{\"error\": {\"code\", \"message\", \"field\"?}}`.",
        license(name = "MIT"),
    ),
    servers((url = "/api/v1")),
    paths(
        fleet::summary,
        fleet::regions,
        fleet::region,
        fleet::clusters,
        fleet::cluster,
        imports::release,
        imports::import,
        forecast::forecast,
        requests::create,
        requests::list,
        requests::get,
        requests::edit,
        requests::comment,
        requests::act,
        deployments::list,
        deployments::create,
        deployments::get,
        deployments::replan,
        deployments::act,
        deployments::report,
        notices::list,
        notices::publish,
        notices::update,
        webhooks::list,
        webhooks::create,
        webhooks::get,
        webhooks::change,
        webhooks::delete,
        webhooks::rotate,
        webhooks::test,
        webhooks::deliveries,
        webhooks::replay,
        serve_document,
    ),
    components(schemas(ErrorBody, DeploymentAction, requests::RequestAction)),
    modifiers(&Security, &Errors),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "fleet", description = "Regions, clusters and their ledgers"),
        (name = "forecast", description = "When each region × SKU runs out, and what-ifs"),
        (name = "requests", description = "Capacity requests and their approval workflow"),
        (name = "deployments", description = "Staged buildouts, decommissions and rollouts"),
        (name = "notices", description = "Incidents and maintenance on the public status page"),
        (name = "webhooks", description = "Signed event deliveries to subscribed URLs (Standard Webhooks)"),
        (name = "meta", description = "This document"),
    ),
)]
struct ApiDoc;

/// The paging parameters of every list.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "documents the query; the lists read it by hand")]
pub struct PageParams {
    /// Page size, 1–500 (default 50); outside is a 400.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The two ways to sign in: an API token, or the browser's session cookie.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (`hr_…`), with the roles it was made with",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                app::auth::server::sessions::COOKIE,
                "A browser session, after signing in at /login (named `__Host-headroom_session` \
                 when Headroom is served over HTTPS)",
            ))),
        );
    }
}

/// The error answers every operation may give (PRODUCT.md "The contract"),
/// each with the error body.
const ERRORS: &[(&str, &str)] = &[
    (
        "400",
        "`invalid`: a parameter or field is wrong; `field` names it",
    ),
    ("401", "`unauthenticated`: no valid token or session"),
    (
        "403",
        "`forbidden`: the caller's roles do not allow this, or a cross-site write",
    ),
    (
        "404",
        "`not_found`: no such object (or none the caller may see)",
    ),
    (
        "409",
        "`conflict`: the object changed since `version`, or the transition is not allowed now",
    ),
    (
        "422",
        "`insufficient_capacity`: not enough free units; `shortfall` says how many where",
    ),
    ("429", "`rate_limited`: too many attempts; try again later"),
    (
        "503",
        "`unavailable`: the database is out of reach; try again",
    ),
];

struct Errors;

impl Modify for Errors {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                            "ErrorBody",
                        ))))
                        .build(),
                )
                .build()
        };
        for item in doc.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.put,
                &mut item.delete,
            ];
            for op in operations.into_iter().flatten() {
                for (status, description) in ERRORS {
                    op.responses
                        .responses
                        .entry((*status).to_owned())
                        .or_insert_with(|| RefOr::T(error(description)));
                }
            }
        }
    }
}

/// The document as JSON, built once.
static DOCUMENT: LazyLock<Bytes> = LazyLock::new(|| {
    Bytes::from(serde_json::to_vec(&ApiDoc::openapi()).expect("the OpenAPI document serializes"))
});

/// The OpenAPI document (for tests and tools).
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// `GET /api/v1/openapi.json`.
#[utoipa::path(get, path = "/openapi.json", operation_id = "get_openapi", tag = "meta",
    responses((status = 200, description = "This document (OpenAPI 3.1)", content_type = "application/json", body = Object)))]
pub async fn serve_document(Extension(caller): Extension<Caller>) -> AppResult<Response> {
    caller.check(app::auth::access::OPENAPI)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        DOCUMENT.clone(),
    )
        .into_response())
}

/// Swagger UI's settings: this server's document, "Try it out" on, requests
/// sent with the browser's session (same origin), authorization kept across reloads.
static SWAGGER: LazyLock<Arc<utoipa_swagger_ui::Config<'static>>> = LazyLock::new(|| {
    Arc::new(
        utoipa_swagger_ui::Config::new(["/api/v1/openapi.json"])
            .try_it_out_enabled(true)
            .display_request_duration(true)
            .persist_authorization(true)
            .with_credentials(true)
            // No top bar: it offers to explore any URL, which this page's policy refuses.
            .use_base_layout(),
    )
});

/// The docs page itself: Swagger UI's files from this server, by absolute
/// paths (so `/api/docs` needs no trailing slash).
const DOCS_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Headroom API</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
<link rel="stylesheet" href="/api/docs/index.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/swagger-ui-standalone-preset.js"></script>
<script src="/api/docs/swagger-initializer.js"></script>
</body>
</html>
"#;

/// The docs page's policy: scripts and styles from this origin only (Swagger UI
/// sets styles from script and shows SVG icons as `data:` images).
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
     base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

fn docs_headers(content_type: &str) -> [(header::HeaderName, HeaderValue); 3] {
    [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_str(content_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CSP),
        ),
        // Swagger UI's files change only with the binary; the page is small.
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, max-age=3600"),
        ),
    ]
}

/// `GET /api/docs`.
pub async fn docs_page(Extension(caller): Extension<Caller>) -> AppResult<Response> {
    caller.check(app::auth::access::API_DOCS)?;
    Ok((docs_headers("text/html; charset=utf-8"), DOCS_PAGE).into_response())
}

/// `GET /api/docs/{file}`: one of Swagger UI's files.
pub async fn docs_file(
    Extension(caller): Extension<Caller>,
    Path(file): Path<String>,
) -> AppResult<Response> {
    caller.check(app::auth::access::API_DOCS)?;
    if file == "index.html" {
        return Err(AppError::NotFound("the docs page is /api/docs".into()));
    }
    match utoipa_swagger_ui::serve(&file, SWAGGER.clone()) {
        Ok(Some(f)) => {
            let mut resp = (docs_headers(&f.content_type), f.bytes.into_owned()).into_response();
            if f.gzpipped {
                resp.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            Ok(resp)
        }
        Ok(None) => Err(AppError::NotFound(
            "there is no such file of the docs page".into(),
        )),
        Err(e) => Err(AppError::Internal(anyhow::anyhow!("serving {file}: {e}"))),
    }
}

/// The docs page's routes (`/api/docs`, `/api/docs/{file}`).
pub fn docs_routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            app::auth::access::API_DOCS_PATH,
            axum::routing::get(docs_page),
        )
        .route("/api/docs/{file}", axum::routing::get(docs_file))
}
