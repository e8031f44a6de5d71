#![recursion_limit = "512"]
//! Headroom's UI, shared types and server functions.
//!
//! Split by feature (`fleet`, `settings`); each holds its domain types, pages and
//! server functions, with server-only code in one `ssr`-gated module.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, Lazy, SsrMode,
};

pub mod auth;
pub mod components;
pub mod deployments;
pub mod fleet;
pub mod forecast;
pub mod lazy;
pub mod requests;
pub mod settings;
pub mod shared;
pub mod status;
pub mod webhooks;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod error;

use auth::pages::LoginPage;
use components::layout::Layout;
use fleet::pages::{ClustersPage, OverviewPage};
use lazy::*;

/// The database handle that `serve` provides to every server function.
#[cfg(feature = "ssr")]
pub fn db_from_context() -> Result<db::Db, shared::fields::ServerError> {
    use_context::<db::Db>().ok_or_else(|| {
        error::server_error(error::AppError::Internal(anyhow::anyhow!(
            "the database is not in the server function's context"
        )))
    })
}

/// The database and the caller of the server function being served, when the
/// caller passes `access`; otherwise `unauthenticated` or `forbidden`. Every
/// server function starts with it, whatever the middleware checked before.
#[cfg(feature = "ssr")]
pub fn authorize(
    access: auth::Access,
) -> Result<(db::Db, auth::server::caller::Caller), shared::fields::ServerError> {
    let caller = auth::server::caller::current()
        .unwrap_or_else(|| auth::server::caller::Caller::anonymous(Default::default()));
    caller.check(access).map_err(error::server_error)?;
    Ok((db_from_context()?, caller))
}

/// The theme a visitor chose (`dark` or `light`), from the `theme` cookie.
#[cfg(feature = "ssr")]
fn theme_from_request() -> &'static str {
    use_context::<http::request::Parts>().map_or("", |parts| theme_of(&parts.headers))
}

/// The theme chosen in a request's `theme` cookie: `dark`, `light` or none.
#[cfg(feature = "ssr")]
pub fn theme_of(headers: &http::HeaderMap) -> &'static str {
    for header in headers.get_all(http::header::COOKIE) {
        for pair in header.to_str().unwrap_or_default().split(';') {
            match pair.trim() {
                "theme=dark" => return "dark",
                "theme=light" => return "light",
                _ => {}
            }
        }
    }
    ""
}

/// The Content-Security-Policy of app pages: scripts only from this origin or
/// carrying this response's nonce; WASM compilation allowed; no plugins, no
/// `<base>`, no framing.
#[cfg(feature = "ssr")]
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// The built files a page links, as the server named them at start-up
/// (content-hashed when the build hashed them).
#[derive(Debug, Clone)]
pub struct SiteAssets {
    pub stylesheet: String,
    /// The app's JS entry (wasm-bindgen's glue).
    pub script: String,
    pub wasm: String,
}

impl SiteAssets {
    /// The names a build without hashing gives, under `options`.
    fn unhashed(options: &LeptosOptions) -> Self {
        let pkg = format!("/{}/{}", options.site_pkg_dir, options.output_name);
        SiteAssets {
            stylesheet: format!("{pkg}.css"),
            script: format!("{pkg}.js"),
            wasm: format!("{pkg}.wasm"),
        }
    }
}

/// The app's hydration, started after the page's first paint.
///
/// What Leptos' `HydrationScripts` does (import the script, instantiate the
/// WASM, hydrate), less its `<link rel="preload">` of the WASM. The page is
/// whole as the server sent it; the WASM is its largest download (~320 KB
/// brotli), and fetched from the document's start it competes with the text a
/// reader is waiting for — Lighthouse's slow-4G model scored the overview's
/// server-rendered subtitle at 2.7 s for it (`bench/results/2026-12-07-1855-browser.md`).
/// So the fetch starts in the task after the first frame is painted; a tab
/// opened in the background, which paints nothing, starts at once, and one
/// hidden before its first frame (no frame comes while hidden) starts after
/// two seconds at the latest. It starts once.
#[component]
fn HydrationScript(assets: SiteAssets) -> impl IntoView {
    let start = format!(
        "let started = false;\n\
         const start = () => {{ if (started) return; started = true;\n\
           import({:?}).then((m) => m.default({{ module_or_path: {:?} }}).then(() => m.hydrate())); }};\n\
         if (document.visibilityState === 'hidden') start();\n\
         else {{ requestAnimationFrame(() => setTimeout(start, 0)); setTimeout(start, 2000); }}",
        assets.script, assets.wasm
    );
    view! { <script type="module" nonce=leptos::nonce::use_nonce() data-hydrate="">{start}</script> }
}

/// The HTML document around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(resp)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(v) = http::HeaderValue::from_str(&page_csp(&nonce)) {
            resp.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
        }
    }
    let assets = use_context::<SiteAssets>().unwrap_or_else(|| SiteAssets::unhashed(&options));
    #[cfg(feature = "ssr")]
    let theme = theme_from_request();
    #[cfg(not(feature = "ssr"))]
    let theme = "";
    view! {
        <!DOCTYPE html>
        <html lang="en" class=theme>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link id="leptos" rel="stylesheet" href=assets.stylesheet.clone()/>
                <HydrationScript assets/>
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App/>
            </body>
        </html>
    }
}

/// The application: routes and layout.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Headroom"/>
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=OverviewPage ssr=SsrMode::Async/>
                    <Route path=path!("/regions/:code") view={Lazy::<RegionRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/clusters") view=ClustersPage ssr=SsrMode::Async/>
                    <Route path=path!("/forecast") view={Lazy::<ForecastRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/clusters/:id") view={Lazy::<ClusterRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/requests") view={Lazy::<RequestsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/requests/new") view={Lazy::<NewRequestRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/requests/:key") view={Lazy::<RequestRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/approvals") view={Lazy::<ApprovalsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/fulfilment") view={Lazy::<FulfilmentRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/deployments") view={Lazy::<DeploymentsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/deployments/new") view={Lazy::<NewDeploymentRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/deployments/:key") view={Lazy::<DeploymentRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view={Lazy::<UsersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view={Lazy::<UsersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/tokens") view={Lazy::<TokensRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/settings") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/notices") view={Lazy::<NoticesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view={Lazy::<AuditRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/import") view={Lazy::<ImportRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/webhooks") view={Lazy::<WebhooksRoute>::new()} ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}

/// The 404 page; answers with status 404 when rendered on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · Headroom"/>
        <div class="mx-auto max-w-lg py-16 text-center">
            <p class="text-sm font-semibold text-sky-700 dark:text-sky-400">"404"</p>
            <h1 class="mt-2 text-3xl font-semibold tracking-tight">"There is no page here"</h1>
            <p class="mt-3 text-slate-600 dark:text-slate-400">"The address may be mistyped, or the thing it named is gone."</p>
            <p class="mt-6"><a class="rounded bg-slate-900 px-4 py-2 text-sm font-medium text-white dark:bg-slate-100 dark:text-slate-900" href="/">"Go to the fleet overview"</a></p>
        </div>
    }
}
