//! The JSON API under `/api/v1`: thin handlers over the service layer, with the
//! error shape of PRODUCT.md "The contract".

pub mod fleet;

use axum::routing::get;
use axum::Router;

use crate::routes::AppState;
use app::error::AppError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/fleet/summary", get(fleet::summary))
        .route("/regions", get(fleet::regions))
        .route("/regions/{code}", get(fleet::region))
        .route("/clusters", get(fleet::clusters))
        .route("/clusters/{id}", get(fleet::cluster))
        .fallback(not_found)
}

async fn not_found() -> AppError {
    AppError::NotFound("no such API route".into())
}

/// Splits a raw query string into decoded pairs.
pub fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}
