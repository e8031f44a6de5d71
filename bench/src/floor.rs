//! `floor DIR ADDR`: serves the captured responses in DIR (`manifest.json`:
//! `[{"target", "file", "content_type"}]`) from memory, exactly as captured,
//! keyed by path and query. The cheapest a server on this machine can answer.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

#[derive(serde::Deserialize)]
struct Entry {
    target: String,
    file: String,
    content_type: String,
}

type Pages = Arc<HashMap<String, (String, Bytes)>>;

async fn serve(State(pages): State<Pages>, uri: Uri) -> Response {
    let key = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    match pages.get(key) {
        Some((ct, body)) => ([(header::CONTENT_TYPE, ct.clone())], body.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("usage: floor DIR ADDR"));
    let addr = args.next().expect("usage: floor DIR ADDR");
    let manifest: Vec<Entry> =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("manifest.json"))
            .expect("manifest");
    let pages: Pages = Arc::new(
        manifest
            .into_iter()
            .map(|e| {
                let body = std::fs::read(dir.join(&e.file)).expect("captured file");
                (e.target, (e.content_type, Bytes::from(body)))
            })
            .collect(),
    );
    let app = axum::Router::new().fallback(serve).with_state(pages);
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    println!("floor listening on http://{addr}");
    axum::serve(listener, app).await.expect("serve");
}
