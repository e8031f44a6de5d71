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
    let pairs: Vec<(String, String)> = hash_lines(path)?
        .into_iter()
        .filter(|(k, _)| matches!(k.as_str(), "js" | "wasm" | "css"))
        .collect();
    (pairs.len() == 3).then_some(pairs)
}

/// Every `key: hash` line of a hash file (`js`, `wasm`, `css`, and with `--split`
/// `split` and `manifest`).
fn hash_lines(path: &Path) -> Option<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(
        text.lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect(),
    )
}

/// The hash the build gave the file of kind `key`, when it hashed files.
fn hash_of(options: &LeptosOptions, key: &str) -> Option<String> {
    if !options.hash_files {
        return None;
    }
    hash_lines(Path::new(options.hash_file.as_ref()))?
        .into_iter()
        .find_map(|(k, hash)| (k == key).then_some(hash))
}

/// The built files a page links — the stylesheet, the app's script and its WASM —
/// named once at start-up (content-hashed when the build hashed them), not read
/// from the hash file on every render as Leptos' `HydrationScripts` does.
pub fn site_assets(options: &LeptosOptions) -> app::SiteAssets {
    let pkg = format!("/{}/{}", options.site_pkg_dir, options.output_name);
    let named = |key: &str, ext: &str| match hash_of(options, key) {
        Some(hash) => format!("{pkg}.{hash}.{ext}"),
        None => format!("{pkg}.{ext}"),
    };
    let wasm = match hash_of(options, "wasm") {
        Some(hash) => format!("{pkg}.{hash}.wasm"),
        // wasm-bindgen's own name, unless the build named the output.
        None if option_env!("LEPTOS_OUTPUT_NAME").is_none() => format!("{pkg}_bg.wasm"),
        None => format!("{pkg}.wasm"),
    };
    app::SiteAssets {
        stylesheet: named("css", "css"),
        script: named("js", "js"),
        wasm,
    }
}

/// The lazy routes' chunk manifest of a `--split` build, so that Leptos preloads
/// the chunks a page's lazy route needs (what `HydrationScripts` provides; read
/// once here). `None` without a split build.
pub fn split_manifest(options: &LeptosOptions) -> Option<leptos::WasmSplitManifest> {
    let (split, manifest) = match (hash_of(options, "split"), hash_of(options, "manifest")) {
        (Some(split), Some(manifest)) => (
            format!("__wasm_split.{split}.js"),
            format!("__wasm_split_manifest.{manifest}.json"),
        ),
        _ => (
            "__wasm_split.______________________.js".to_owned(),
            "__wasm_split_manifest.json".to_owned(),
        ),
    };
    let pkg_dir = options.site_pkg_dir.as_ref();
    let path = Path::new(options.site_root.as_ref())
        .join(pkg_dir)
        .join(manifest);
    let chunks = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    Some(leptos::WasmSplitManifest(
        leptos::prelude::ArcStoredValue::new((format!("/{pkg_dir}"), chunks, split)),
    ))
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
    fn the_built_files_are_named_by_their_hashes_when_the_build_hashed_them() {
        let dir = std::env::temp_dir().join(format!("headroom-assets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let hash_file = dir.join("hash.txt");
        std::fs::write(&hash_file, "js: JJJ\nwasm: WWW\ncss: CsS-1_x\n").unwrap();
        let plain = LeptosOptions::builder().output_name("headroom").build();
        let plain = site_assets(&plain);
        assert_eq!(plain.stylesheet, "/pkg/headroom.css");
        assert_eq!(plain.script, "/pkg/headroom.js");
        let hashed = LeptosOptions::builder()
            .output_name("headroom")
            .hash_files(true)
            .hash_file(std::sync::Arc::<str>::from(hash_file.to_string_lossy()))
            .build();
        let hashed = site_assets(&hashed);
        assert_eq!(hashed.stylesheet, "/pkg/headroom.CsS-1_x.css");
        assert_eq!(hashed.script, "/pkg/headroom.JJJ.js");
        assert_eq!(hashed.wasm, "/pkg/headroom.WWW.wasm");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_split_build_names_its_manifest_and_split_script_by_their_hashes() {
        use leptos::prelude::ReadValue;
        let dir = std::env::temp_dir().join(format!("headroom-split-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        let options = |hash_file: &Path| {
            LeptosOptions::builder()
                .output_name("headroom")
                .site_root(dir.to_string_lossy().into_owned())
                .hash_files(true)
                .hash_file(std::sync::Arc::<str>::from(hash_file.to_string_lossy()))
                .build()
        };
        let unsplit = dir.join("unsplit.txt");
        std::fs::write(&unsplit, "js: J\nwasm: W\ncss: C\n").unwrap();
        assert!(
            split_manifest(&options(&unsplit)).is_none(),
            "no split build, no manifest"
        );

        let hash_file = dir.join("hash.txt");
        std::fs::write(
            &hash_file,
            "js: J\nwasm: W\ncss: C\nsplit: SpLiT\nmanifest: MaNi\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("pkg/__wasm_split_manifest.MaNi.json"),
            r#"{"fleet_view": ["split_fleet_view_1", "split_shared_2"]}"#,
        )
        .unwrap();
        let manifest = split_manifest(&options(&hash_file)).expect("the split build's manifest");
        let (pkg, chunks, split) = &*manifest.0.read_value();
        assert_eq!(pkg, "/pkg");
        assert_eq!(split, "__wasm_split.SpLiT.js");
        assert_eq!(
            chunks["fleet_view"],
            ["split_fleet_view_1", "split_shared_2"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
