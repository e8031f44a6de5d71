//! How bytes leave the server: pages and JSON compressed for clients that
//! accept it; the built front-end files precompressed, content-hashed names
//! cached for a year, anything else revalidated.

use std::io::Read;

use tower::ServiceExt;

use crate::both_databases;
use crate::helpers::TestApp;

fn brotli_decoded(bytes: &[u8]) -> String {
    let mut out = String::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_string(&mut out)
        .expect("a brotli body");
    out
}

both_databases! {
    async fn pages_and_json_are_compressed_for_clients_that_accept_it(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        for (path, needle) in [("/", "Fleet overview"), ("/api/v1/fleet/summary", "\"grid\"")] {
            let plain = app.client.get(format!("{}{path}", app.address)).send().await.unwrap();
            assert_eq!(plain.status(), 200, "{path}");
            assert!(plain.headers().get("content-encoding").is_none(), "{path}: nothing asked, nothing encoded");
            let plain = plain.text().await.unwrap();
            assert!(plain.contains(needle), "{path}");

            let br = app
                .client
                .get(format!("{}{path}", app.address))
                .header("accept-encoding", "br, gzip")
                .send()
                .await
                .unwrap();
            assert_eq!(br.status(), 200, "{path}");
            assert_eq!(br.headers()["content-encoding"], "br", "{path}");
            assert!(br.headers()["vary"].to_str().unwrap().to_ascii_lowercase().contains("accept-encoding"), "{path}");
            let bytes = br.bytes().await.unwrap();
            assert!(bytes.len() * 3 < plain.len(), "{path}: {} compressed of {} bytes", bytes.len(), plain.len());
            assert!(brotli_decoded(&bytes).contains(needle), "{path}");

            let gz = app
                .client
                .get(format!("{}{path}", app.address))
                .header("accept-encoding", "gzip")
                .send()
                .await
                .unwrap();
            assert_eq!(gz.headers()["content-encoding"], "gzip", "{path}");
            let mut text = String::new();
            flate2::read::GzDecoder::new(&gz.bytes().await.unwrap()[..]).read_to_string(&mut text).unwrap();
            assert!(text.contains(needle), "{path}");
        }
    }

    async fn built_files_go_out_precompressed_and_hashed_names_are_cached_for_a_year(backend: Backend) {
        let app = TestApp::empty(backend).await;
        let site = std::env::temp_dir().join(format!("headroom-site-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(site.join("pkg")).unwrap();
        let hashed = "headroom.AbCdEfGhIjKlMnOpQrStUv.wasm";
        let wasm = b"\0asm not really, but bytes".repeat(100);
        let wasm_br = b"pretend these are the brotli bytes".to_vec();
        std::fs::write(site.join("pkg").join(hashed), &wasm).unwrap();
        std::fs::write(site.join("pkg").join(format!("{hashed}.br")), &wasm_br).unwrap();
        std::fs::write(site.join("pkg/headroom.css"), "body{}").unwrap();
        let leptos = leptos::config::LeptosOptions::builder()
            .output_name("headroom")
            .site_root(site.to_string_lossy().into_owned())
            .build();
        let router = server::router(server::AppState::new(app.db.clone(), leptos, None));
        let get = |path: String, headers: Vec<(&'static str, String)>| {
            let router = router.clone();
            async move {
                let mut req = axum::http::Request::get(path);
                for (k, v) in headers {
                    req = req.header(k, v);
                }
                let resp = router.oneshot(req.body(axum::body::Body::empty()).unwrap()).await.unwrap();
                let (parts, body) = resp.into_parts();
                (parts, axum::body::to_bytes(body, usize::MAX).await.unwrap())
            }
        };

        let (parts, body) = get(format!("/pkg/{hashed}"), vec![("accept-encoding", "br, gzip".into())]).await;
        assert_eq!(parts.status, 200);
        assert_eq!(parts.headers["content-encoding"], "br");
        assert_eq!(&body[..], &wasm_br[..], "the precompressed file, as built");
        assert_eq!(parts.headers["cache-control"], "public, max-age=31536000, immutable");

        let (parts, body) = get(format!("/pkg/{hashed}"), vec![]).await;
        assert!(parts.headers.get("content-encoding").is_none());
        assert_eq!(&body[..], &wasm[..]);
        assert_eq!(parts.headers["cache-control"], "public, max-age=31536000, immutable");

        let (parts, _) = get("/pkg/headroom.css".into(), vec![]).await;
        assert_eq!(parts.status, 200);
        assert_eq!(parts.headers["cache-control"], "no-cache", "an unhashed name is revalidated");
        let modified = parts.headers["last-modified"].to_str().unwrap().to_owned();
        let (parts, body) = get("/pkg/headroom.css".into(), vec![("if-modified-since", modified)]).await;
        assert_eq!(parts.status, 304);
        assert!(body.is_empty());

        let (parts, _) = get("/pkg/headroom.nothing.js".into(), vec![]).await;
        assert_eq!(parts.status, 404);
        assert!(parts.headers.get("cache-control").is_none_or(|v| v != "public, max-age=31536000, immutable"));
        std::fs::remove_dir_all(&site).unwrap();
    }

    async fn the_status_page_links_the_stylesheet_the_build_named(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let page = app.anonymous.get(format!("{}/status", app.address)).send().await.unwrap().text().await.unwrap();
        // The tests' options name no hash file, so the plain name.
        assert!(page.contains(r#"<link rel="stylesheet" href="/pkg/headroom.css">"#), "{}", &page[..400.min(page.len())]);
        let page = app.client.get(format!("{}/", app.address)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(r#"href="/pkg/headroom.css""#));
    }

    async fn an_app_page_hydrates_after_its_first_paint_and_preloads_no_wasm(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        for path in ["/", "/clusters"] {
            let resp = app.client.get(format!("{}{path}", app.address)).send().await.unwrap();
            let csp = resp.headers()["content-security-policy"].to_str().unwrap().to_owned();
            let page = resp.text().await.unwrap();
            let head = &page[..page.find("</head>").expect("a head")];
            // The WASM is the largest download; it must not start before the page is painted.
            assert!(!head.contains(r#"rel="preload""#) && !head.contains("as=\"fetch\""), "{path}: {head}");
            let at = head.find("<script type=\"module\"").expect("the hydration script");
            let script = &head[at..head[at..].find("</script>").unwrap() + at];
            assert!(script.contains("data-hydrate"), "{path}: {script}");
            assert!(script.contains(r#"import("/pkg/headroom.js")"#), "{path}: {script}");
            assert!(script.contains(r#"module_or_path: "/pkg/headroom"#) && script.contains(".wasm\""), "{path}: {script}");
            assert!(script.contains("requestAnimationFrame"), "{path}: {script}");
            // It carries this response's nonce, which the policy admits.
            let nonce = script.split("nonce=\"").nth(1).and_then(|r| r.split('"').next()).expect("a nonce");
            assert!(nonce.len() >= 16, "{path}: {nonce}");
            assert!(csp.contains(&format!("'nonce-{nonce}'")), "{path}: {csp} / {nonce}");
        }
    }
}
