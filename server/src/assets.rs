//! The built front-end files under `/pkg` (JS, WASM, CSS): their names, and how
//! they are served.
//!
//! `cargo leptos build --release --precompress` (with `hash-files = true` in the
//! workspace's Leptos metadata) names each file by its content
//! (`headroom.<hash>.wasm`), writes the hashes to `hash.txt` beside the server
//! binary, and leaves a `.br` and a `.gz` beside every file. So the server sends
//! the precompressed bytes to a browser that accepts them, and a hashed name is
//! cached for a year (`immutable`): a second visit downloads no WASM at all. Any
//! other file under `/pkg` is revalidated (`no-cache`, answered 304 when unchanged).

use std::path::{Path, PathBuf};

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use leptos::config::LeptosOptions;
use tower_http::services::ServeDir;

/// The hash file the build wrote, when it names files that are in the site:
/// beside the binary, or one directory up (a test binary runs from `deps/`).
pub fn find_hash_file(site_root: &Path) -> Option<PathBuf> {
    let exe_dir = std::env::current_exe().ok()?.parent()?.to_path_buf();
    [exe_dir.join("hash.txt"), exe_dir.join("../hash.txt")]
        .into_iter()
        .find(|p| {
            hashes(p).is_some_and(|h| {
                h.iter().all(|(ext, hash)| {
                    site_root
                        .join(format!("pkg/headroom.{hash}.{ext}"))
                        .is_file()
                })
            })
        })
}

/// `(extension, hash)` pairs of a hash file (`wasm: AbC…`), when it has the three.
fn hashes(path: &Path) -> Option<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).ok()?;
    let pairs: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .filter(|(k, _)| matches!(k.as_str(), "js" | "wasm" | "css"))
        .collect();
    (pairs.len() == 3).then_some(pairs)
}

/// Where the stylesheet is, as pages and the status page link it.
pub fn stylesheet_href(options: &LeptosOptions) -> String {
    let hash = options
        .hash_files
        .then(|| hashes(Path::new(options.hash_file.as_ref())))
        .flatten()
        .and_then(|h| h.into_iter().find(|(ext, _)| ext == "css"))
        .map(|(_, hash)| format!(".{hash}"))
        .unwrap_or_default();
    format!(
        "/{}/{}{hash}.css",
        options.site_pkg_dir, options.output_name
    )
}

/// The `/pkg` file service: precompressed bodies when the client accepts them.
pub fn pkg_service(site_root: &Path) -> ServeDir {
    ServeDir::new(site_root.join("pkg"))
        .precompressed_br()
        .precompressed_gzip()
}

/// Whether a `/pkg` file name carries a content hash (`name.<hash>.ext`).
fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let mut parts = name.split('.');
    let _stem = parts.next();
    matches!((parts.next(), parts.next(), parts.next()),
        (Some(hash), Some(_ext), None) if hash.len() >= 16
            && hash.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// `Cache-Control` for `/pkg` responses: a year, immutable, for a content-hashed
/// name; revalidate anything else.
pub async fn cache_control(req: Request, next: Next) -> Response {
    let hashed = is_hashed(req.uri().path());
    let mut res = next.run(req).await;
    if res.status().is_success() || res.status() == axum::http::StatusCode::NOT_MODIFIED {
        let value = if hashed {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_content_hashed_names_count_as_hashed() {
        assert!(is_hashed("/pkg/headroom.Zx3kq9-Ab_cdEfGh12.wasm"));
        assert!(is_hashed("/headroom.0123456789abcdef0123.css"));
        for plain in [
            "/pkg/headroom.wasm",
            "/pkg/headroom.css",
            "/pkg/headroom.short.js",
            "/pkg/headroom.Zx3kq9Ab_cdEfGh12.wasm.br",
            "/pkg/a.b.c.d",
            "/pkg/headroom.Zx3kq9+AbcdEfGh12/.js",
        ] {
            assert!(!is_hashed(plain), "{plain}");
        }
    }

    #[test]
    fn the_stylesheet_is_named_by_its_hash_when_the_build_hashed_it() {
        let dir = std::env::temp_dir().join(format!("headroom-assets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let hash_file = dir.join("hash.txt");
        std::fs::write(&hash_file, "js: JJJ\nwasm: WWW\ncss: CsS-1_x\n").unwrap();
        let plain = LeptosOptions::builder().output_name("headroom").build();
        assert_eq!(stylesheet_href(&plain), "/pkg/headroom.css");
        let hashed = LeptosOptions::builder()
            .output_name("headroom")
            .hash_files(true)
            .hash_file(std::sync::Arc::<str>::from(hash_file.to_string_lossy()))
            .build();
        assert_eq!(stylesheet_href(&hashed), "/pkg/headroom.CsS-1_x.css");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
