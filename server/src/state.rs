//! What every handler shares: the database, the Leptos options, the public
//! origin (cookies and cross-site checks), and this process's rendered status routes.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use app::db::Db;

/// Shared by every handler: one allocation behind an `Arc`, since axum
/// clones the state for every middleware and handler of every request.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

/// What `AppState` holds.
#[derive(Debug)]
pub struct Shared {
    pub db: Db,
    pub leptos: LeptosOptions,
    /// Whether cookies are `Secure` (the public URL is https).
    pub secure_cookies: bool,
    /// `scheme://host[:port]` of `HEADROOM_PUBLIC_URL`, accepted as a request `Origin`.
    pub public_origin: Option<String>,
    /// The built files pages link: stylesheet, script, WASM (content-hashed when built so).
    pub assets: app::SiteAssets,
    /// The lazy routes' chunk manifest of a `--split` build.
    pub split: Option<leptos::WasmSplitManifest>,
    /// The rendered public status routes of this process.
    pub status: std::sync::Arc<crate::status::StatusCache>,
    /// Pages rendered once for every caller who would see the same page.
    pub pages: crate::pages::PageCache,
}

impl AppState {
    pub fn new(db: Db, leptos: LeptosOptions, public_url: Option<&str>) -> Self {
        let public_origin = public_url.map(|u| {
            let u = u.trim_end_matches('/');
            match u.split_once("://") {
                Some((scheme, rest)) => {
                    format!("{scheme}://{}", rest.split('/').next().unwrap_or_default())
                }
                None => u.to_owned(),
            }
        });
        let assets = crate::assets::site_assets(&leptos);
        let split = crate::assets::split_manifest(&leptos);
        AppState(Arc::new(Shared {
            db,
            secure_cookies: public_url.is_some_and(|u| u.starts_with("https://")),
            public_origin,
            leptos,
            status: std::sync::Arc::new(crate::status::StatusCache::new(assets.stylesheet.clone())),
            assets,
            split,
            pages: crate::pages::PageCache::new(),
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos.clone()
    }
}

impl FromRef<AppState> for crate::status::StatusState {
    fn from_ref(s: &AppState) -> Self {
        crate::status::StatusState {
            db: s.db.clone(),
            cache: s.status.clone(),
            public_origin: s.public_origin.clone(),
        }
    }
}

impl FromRef<AppState> for Db {
    fn from_ref(s: &AppState) -> Self {
        s.db.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cookies_are_secure_exactly_when_the_public_url_is_https() {
        let path = std::env::temp_dir().join(format!("headroom-state-{}.db", std::process::id()));
        let db = Db::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let opts = LeptosOptions::builder().output_name("headroom").build();
        let https = AppState::new(
            db.clone(),
            opts.clone(),
            Some("https://headroom.example.com/"),
        );
        assert!(https.secure_cookies);
        assert_eq!(
            https.public_origin.as_deref(),
            Some("https://headroom.example.com")
        );
        assert!(
            !AppState::new(db.clone(), opts.clone(), Some("http://localhost:3000")).secure_cookies
        );
        assert!(!AppState::new(db, opts, None).secure_cookies);
        let _ = std::fs::remove_file(path);
    }
}
