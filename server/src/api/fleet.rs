//! Fleet API handlers and the CSV export.

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

use super::query_pairs;
use app::auth::server::caller::Caller;
use app::db::Db;
use app::error::{AppError, AppResult};
use app::fleet::codes::{ClusterLifecycle, Family, RegionCode};
use app::fleet::ledger::Health;
use app::fleet::query::ClusterQuery;
use app::fleet::server::service;
use app::fleet::types::{Cluster, FleetSummary, Region, RegionDetail};
use app::shared::page::Page;
use app::shared::text::csv_field;

fn parse_query(raw: Option<String>) -> AppResult<ClusterQuery> {
    let pairs = query_pairs(raw.as_deref());
    Ok(ClusterQuery::parse(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )?)
}

#[utoipa::path(get, path = "/fleet/summary", operation_id = "fleet_summary", tag = "fleet",
    responses((status = 200, description = "The fleet overview: totals per unit, the region × family grid, the most constrained pairs", body = FleetSummary)))]
pub async fn summary(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<FleetSummary>> {
    Ok(Json(service::fleet_summary(&db, &caller).await?))
}

#[utoipa::path(get, path = "/regions", operation_id = "list_regions", tag = "fleet",
    responses((status = 200, description = "Every region with its region × SKU ledgers (one page)", body = Page<Region>)))]
pub async fn regions(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<Page<Region>>> {
    Ok(Json(Page {
        items: service::regions(&db, &caller).await?,
        next_cursor: None,
    }))
}

#[utoipa::path(get, path = "/regions/{code}", operation_id = "get_region", tag = "fleet",
    params(("code" = String, Path, pattern = "^[a-z][a-z0-9]{1,31}$", description = "region code, e.g. `westus2`")),
    responses((status = 200, description = "A region by zone × SKU, with its 365-day trend", body = RegionDetail)))]
pub async fn region(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path(code): Path<String>,
) -> AppResult<Json<RegionDetail>> {
    let code = RegionCode::parse(&code).map_err(|m| AppError::invalid("code", m))?;
    Ok(Json(
        service::region_detail(&db, &caller, code.as_str()).await?,
    ))
}

#[utoipa::path(get, path = "/clusters", operation_id = "list_clusters", tag = "fleet",
    params(
        ("region" = Option<String>, Query, pattern = "^([a-z][a-z0-9]{1,31})?$", description = "region code"),
        ("zone" = Option<i64>, Query, minimum = 1, maximum = 3, description = "availability zone"),
        ("sku" = Option<String>, Query, pattern = "^([A-Za-z][A-Za-z0-9-]{1,31})?$", description = "SKU code, e.g. `Dv5`"),
        ("family" = Option<Family>, Query, description = "SKU family"),
        ("lifecycle" = Option<ClusterLifecycle>, Query, description = "cluster lifecycle"),
        ("health" = Option<Health>, Query, description = "health band"),
        ("sort" = Option<String>, Query, description = "`utilization` (default, most utilized first), `free` or `name`"),
        super::openapi::PageParams),
    responses((status = 200, description = "A page of clusters matching every filter given", body = Page<Cluster>)))]
pub async fn clusters(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<Page<Cluster>>> {
    let q = parse_query(raw)?;
    Ok(Json(service::clusters(&db, &caller, &q).await?))
}

#[utoipa::path(get, path = "/clusters/{id}", operation_id = "get_cluster", tag = "fleet",
    params(("id" = i64, Path, description = "cluster id")),
    responses((status = 200, description = "One cluster", body = Cluster)))]
pub async fn cluster(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<Cluster>> {
    let id = parse_cluster_id(&id)?;
    Ok(Json(service::cluster(&db, &caller, id).await?))
}

/// A cluster id from a path, or a 400 naming `id`.
pub(super) fn parse_cluster_id(id: &str) -> AppResult<i64> {
    id.parse().map_err(|_| {
        AppError::invalid(
            "id",
            format!(
                "'{}' is not a cluster id (an integer)",
                app::shared::text::bounded(id, 40)
            ),
        )
    })
}

fn csv_row(c: &Cluster) -> String {
    let l = c.ledger;
    format!(
        "{},{},{},{},{},{},{},{},{},{},{},{},{:.4},{}\n",
        c.id,
        csv_field(&c.name),
        csv_field(&c.region),
        c.zone,
        csv_field(&c.sku),
        c.family,
        c.lifecycle,
        l.total(),
        l.allocated(),
        l.reserved(),
        l.out_of_service(),
        l.free(),
        c.utilization,
        c.health
    )
}

const CSV_HEADER: &str = "id,name,region,zone,sku,family,lifecycle,total,allocated,reserved,out_of_service,free,utilization,health\n";

/// `GET /clusters.csv?…` — every cluster matching the filters, streamed page by
/// page so memory stays flat however large the fleet.
pub async fn export_csv(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(e) = caller.user() {
        return e.into_response();
    }
    let mut q = match parse_query(raw) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    q.limit = app::fleet::query::MAX_LIMIT;
    q.cursor = None;
    // State: the query for the next page, or None when done.
    let stream = futures::stream::unfold(Some(q), move |state| {
        let db = db.clone();
        let caller = caller.clone();
        async move {
            let q = state?;
            match service::clusters(&db, &caller, &q).await {
                Ok(page) => {
                    let body: String = page.items.iter().map(csv_row).collect();
                    let next = page.next_cursor.and_then(|c| {
                        let pairs = [("sort", q.sort.as_str().to_owned()), ("cursor", c)];
                        let mut next = q.clone();
                        next.cursor =
                            ClusterQuery::parse(pairs.iter().map(|(k, v)| (*k, v.as_str())))
                                .ok()?
                                .cursor;
                        Some(next)
                    });
                    Some((Ok::<_, std::io::Error>(body), next))
                }
                Err(e) => {
                    tracing::error!(error = %e, "CSV export failed part way");
                    Some((Err(std::io::Error::other("export failed")), None))
                }
            }
        }
    });
    let header = futures::stream::once(async { Ok::<_, std::io::Error>(CSV_HEADER.to_owned()) });
    let body = Body::from_stream(futures::StreamExt::chain(header, stream));
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"clusters.csv\"",
            ),
        ],
        body,
    )
        .into_response()
}
