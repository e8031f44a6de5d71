//! The forecast API: `GET /api/v1/forecast?region=&sku=&include_pending=&growth=`.

use axum::extract::{RawQuery, State};
use axum::{Extension, Json};

use super::query_pairs;
use app::auth::server::caller::Caller;
use app::db::Db;
use app::error::AppResult;
use app::forecast::server::service;
use app::forecast::types::{Forecast, ForecastQuery};

pub async fn forecast(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<Forecast>> {
    let pairs = query_pairs(raw.as_deref());
    let q = ForecastQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    Ok(Json(service::forecast(&db, &caller, &q).await?))
}
