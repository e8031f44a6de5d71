//! The forecast API: `GET /api/v1/forecast?region=&sku=&include_pending=&growth=`.

use axum::extract::{RawQuery, State};
use axum::{Extension, Json};

use super::query_pairs;
use app::auth::server::caller::Caller;
use app::db::Db;
use app::error::AppResult;
use app::forecast::server::service;
use app::forecast::types::{Forecast, ForecastQuery};

#[utoipa::path(get, path = "/forecast", operation_id = "get_forecast", tag = "forecast",
    params(
        ("region" = Option<Vec<String>>, Query, explode = true, description = "region code, repeatable (at most 50); none: every region"),
        ("sku" = Option<String>, Query, pattern = "^([A-Za-z][A-Za-z0-9-]{1,31})?$", description = "SKU code; none: every SKU"),
        ("include_pending" = Option<bool>, Query, description = "count submitted requests at their need-by dates (default false)"),
        ("buildouts" = Option<bool>, Query, description = "count planned buildouts and decommissions (default true)"),
        ("growth" = Option<f64>, Query, minimum = 0, maximum = 10, description = "multiplier of the organic trend (default 1)"),
        ("demand_units" = Option<i64>, Query, minimum = 1, maximum = 100000000, description = "what-if: extra demand of this many units"),
        ("demand_on" = Option<String>, Query, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description = "what-if: the day the extra demand lands (YYYY-MM-DD; default today)"),
        ("buildout_units" = Option<i64>, Query, minimum = 1, maximum = 100000000, description = "what-if: an extra buildout of this many units"),
        ("buildout_on" = Option<String>, Query, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description = "what-if: the day the extra buildout lands (YYYY-MM-DD; default today)")),
    responses((status = 200, description = "Each region × SKU's exhaustion and threshold dates, soonest first, with roll-ups per region × family and per region", body = Forecast)))]
pub async fn forecast(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<Forecast>> {
    let pairs = query_pairs(raw.as_deref());
    let q = ForecastQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    Ok(Json(service::forecast(&db, &caller, &q).await?))
}
