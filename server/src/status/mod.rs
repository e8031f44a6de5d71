//! The public status routes: `/status`, `/status.json`, `/status/feed.atom` and
//! `/status/badge/{region}.svg`. Served outside the hydrated app shell (no
//! scripts, a static Content-Security-Policy), rendered at most once per refresh
//! interval into precompressed bodies with ETags, and answered with `304` when
//! the caller already has them.

mod badge;
mod cache;
mod feed;
pub mod page;

use std::sync::Arc;

use axum::extract::{FromRef, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use app::db::Db;
use app::error::{AppError, AppResult};
pub use cache::{Asset, Rendered, StatusCache};

/// The policy of every status response: styles from this origin, nothing else;
/// the same for everyone, so the responses can be cached and shared.
pub const STATUS_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// What the status routes need of the server's state (they know no more of it).
#[derive(Clone)]
pub struct StatusState {
    pub db: Db,
    pub cache: Arc<StatusCache>,
    /// The public origin, for the feed's absolute links.
    pub public_origin: Option<String>,
}

pub fn routes<S>() -> Router<S>
where
    StatusState: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/status", get(status_page))
        .route("/status.json", get(status_json))
        .route("/status/feed.atom", get(status_feed))
        .route("/status/badge/{file}", get(status_badge))
}

/// One of the current rendering's bodies, answered with its cache headers.
async fn serve(
    s: &StatusState,
    headers: &HeaderMap,
    asset: fn(&Rendered) -> &Arc<Asset>,
) -> AppResult<Response> {
    let r = s.cache.current(&s.db, s.public_origin.as_deref()).await?;
    Ok(respond(asset(&r), r.remaining(), headers))
}

async fn status_page(State(s): State<StatusState>, headers: HeaderMap) -> AppResult<Response> {
    serve(&s, &headers, |r| &r.page).await
}

async fn status_json(State(s): State<StatusState>, headers: HeaderMap) -> AppResult<Response> {
    serve(&s, &headers, |r| &r.json).await
}

async fn status_feed(State(s): State<StatusState>, headers: HeaderMap) -> AppResult<Response> {
    serve(&s, &headers, |r| &r.feed).await
}

/// `/status/badge/westus2.svg`: axum cannot match a parameter followed by a
/// suffix inside one segment, so the whole segment is matched and `.svg` stripped.
async fn status_badge(
    State(s): State<StatusState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let code = file
        .strip_suffix(".svg")
        .ok_or_else(|| AppError::NotFound("badges are /status/badge/{region}.svg".into()))?;
    let r = s.cache.current(&s.db, s.public_origin.as_deref()).await?;
    let badge = r
        .badges
        .get(code)
        .ok_or_else(|| AppError::NotFound(format!("there is no region '{code}'")))?;
    Ok(respond(badge, r.remaining(), &headers))
}

/// Whether an `If-None-Match` header names this ETag (or `*`).
fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// The encoding to send, from `Accept-Encoding`: brotli, then gzip, else none.
fn pick_encoding(headers: &HeaderMap) -> Option<&'static str> {
    let accepted: Vec<String> = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|e| {
            let mut parts = e.split(';');
            let name = parts.next()?.trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            (q > 0.0).then_some(name)
        })
        .collect();
    ["br", "gzip"]
        .into_iter()
        .find(|e| accepted.iter().any(|a| a == e))
}

/// A cached asset as a response in the best encoding the caller accepts: `304`
/// when `If-None-Match` names that encoding's ETag, else the body; cache
/// headers either way.
fn respond(asset: &Arc<Asset>, max_age: u64, headers: &HeaderMap) -> Response {
    let encoding = pick_encoding(headers);
    let etag = asset.etag_for(encoding);
    let mut out = if matches_etag(headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let body = match encoding {
            Some("br") => asset.br.clone(),
            Some(_) => asset.gzip.clone(),
            None => asset.body.clone(),
        };
        let mut resp = body.into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        );
        if let Some(e) = encoding {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
        }
        resp
    };
    let h = out.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        h.insert(header::CACHE_CONTROL, v);
    }
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(STATUS_CSP),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn etags_match_in_lists_and_weakly() {
        let h = headers(&[(header::IF_NONE_MATCH, r#""a", W/"b""#)]);
        assert!(matches_etag(&h, r#""b""#));
        assert!(matches_etag(&h, r#""a""#));
        assert!(!matches_etag(&h, r#""c""#));
        assert!(matches_etag(
            &headers(&[(header::IF_NONE_MATCH, "*")]),
            r#""x""#
        ));
        assert!(!matches_etag(&HeaderMap::new(), r#""x""#));
    }

    #[test]
    fn encodings_prefer_brotli_and_honour_refusals() {
        let pick = |v: &str| pick_encoding(&headers(&[(header::ACCEPT_ENCODING, v)]));
        assert_eq!(pick("gzip, deflate, br"), Some("br"));
        assert_eq!(pick("gzip"), Some("gzip"));
        assert_eq!(pick("br;q=0, gzip;q=0.5"), Some("gzip"));
        assert_eq!(pick("br;q=0.0, gzip"), Some("gzip"));
        assert_eq!(pick("identity"), None);
        assert_eq!(pick_encoding(&HeaderMap::new()), None);
    }
}
