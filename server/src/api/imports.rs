//! CSV import of clusters: the API route (`POST /api/v1/imports/clusters`, the
//! file as the body), the admin page's upload (`POST /admin/import/upload`, a
//! multipart form), and the operators' release of what an import holds.

use axum::body::Bytes;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use serde::Serialize;

use super::query_pairs;
use app::auth::server::caller::Caller;
use app::auth::Role;
use app::db::Db;
use app::error::{AppError, AppResult};
use app::fleet::import::{ImportReport, LineError};
use app::fleet::server::import::{self as service, ImportOptions};

/// The largest file an import takes (the large demo fleet's export is ~9 MB).
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

fn options(dry_run: bool, file_name: &str) -> ImportOptions<'_> {
    ImportOptions {
        dry_run,
        file_name,
        region_names: crate::seed::catalogue::region_named,
    }
}

/// `dry_run` from the query: `true`/`false` (or `1`/`0`); absent is false.
fn parse_dry_run(raw: Option<&str>) -> AppResult<bool> {
    let mut dry_run = false;
    for (k, v) in query_pairs(raw) {
        match (k.as_str(), v.as_str()) {
            ("dry_run", "true" | "1") => dry_run = true,
            ("dry_run", "false" | "0") => dry_run = false,
            ("dry_run", other) => {
                return Err(AppError::invalid(
                    "dry_run",
                    format!(
                        "'{}' is not true or false",
                        app::shared::text::bounded(other, 40)
                    ),
                ))
            }
            _ => {}
        }
    }
    Ok(dry_run)
}

/// A refused file: the contract's error (`invalid`, field `file`, the first
/// refusal as the message) with every listed line and how many there were
/// (`ErrorBody`'s optional `lines` and `line_count`, which document it).
#[derive(Debug, Serialize)]
struct ImportRefusal {
    error: RefusalDetail,
}

#[derive(Debug, Serialize)]
struct RefusalDetail {
    code: &'static str,
    message: String,
    field: &'static str,
    lines: Vec<LineError>,
    line_count: u64,
}

fn refusal(report: ImportReport) -> Response {
    let first = report
        .errors
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    let body = ImportRefusal {
        error: RefusalDetail {
            code: "invalid",
            message: format!(
                "{} line(s) refused, so nothing was imported; {first}",
                report.error_count
            ),
            field: "file",
            lines: report.errors,
            line_count: report.error_count,
        },
    };
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

#[utoipa::path(post, path = "/imports/clusters", operation_id = "import_clusters", tag = "fleet",
    params(("dry_run" = Option<bool>, Query, description = "report what would be created, changed and refused; change nothing")),
    request_body(content = String, content_type = "text/csv",
        description = "A CSV file with the columns of the export (`/clusters.csv`): `id,name,region,zone,sku,family,lifecycle,total,allocated,reserved,out_of_service,free,utilization,health`; `id`, `family`, `free`, `utilization` and `health` may be left out or empty"),
    responses(
        (status = 200, description = "A dry run: what the file would do, with any refused lines (nothing changed)", body = ImportReport),
        (status = 201, description = "Imported, all of it, in one transaction", body = ImportReport),
        (status = 400, description = "A line was refused, nothing was imported: the error names `file` and carries `lines` (line, column, message) and `line_count`", body = app::error::ErrorBody)))]
pub async fn import(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> AppResult<Response> {
    caller.require(Role::Admin)?;
    let dry_run = parse_dry_run(raw.as_deref())?;
    let report =
        service::import_clusters(&db, &caller, &body[..], options(dry_run, "(api)")).await?;
    Ok(if report.applied {
        (StatusCode::CREATED, Json(report)).into_response()
    } else if dry_run {
        Json(report).into_response()
    } else {
        refusal(report)
    })
}

/// What a release gave back.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Released {
    pub cluster: i64,
    /// Reserved units released (they are free again, or out of service on a
    /// cluster that is not in service).
    pub released: i64,
}

#[utoipa::path(post, path = "/clusters/{id}/import-hold/release", operation_id = "release_import_hold", tag = "fleet",
    params(("id" = i64, Path, description = "cluster id")),
    responses(
        (status = 200, description = "The reserved units imports held on the cluster are released", body = Released),
        (status = 409, description = "No import holds units on the cluster", body = app::error::ErrorBody)))]
pub async fn release(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<Released>> {
    caller.require(Role::Operator)?;
    let id = super::fleet::parse_cluster_id(&id)?;
    let released = service::release_hold(&db, &caller, id).await?;
    Ok(Json(Released {
        cluster: id,
        released,
    }))
}

/// `POST /admin/import/upload`: the admin page's form (a file and `mode`,
/// `dry_run` or `import`). The report is kept for the admin and the browser
/// goes back to the page, which shows it.
pub async fn upload(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    multipart: Multipart,
) -> Response {
    if let Err(e) = caller.require(Role::Admin) {
        return e.into_response();
    }
    let report = match read_upload(&db, &caller, multipart).await {
        Ok(r) => r,
        Err(e) => ImportReport {
            error_count: 1,
            errors: vec![LineError::new(0, None, e.to_string())],
            ..ImportReport::default()
        },
    };
    match service::keep_report(&db, &caller, &report).await {
        Ok(token) => Redirect::to(&format!("/admin/import?report={token}")).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn read_upload(db: &Db, caller: &Caller, mut form: Multipart) -> AppResult<ImportReport> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        AppError::invalid(
            "file",
            format!("the upload could not be read: {}", e.body_text()),
        )
    };
    let (mut file, mut dry_run) = (None, false);
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("upload.csv").to_owned();
                file = Some((name, field.bytes().await.map_err(unreadable)?));
            }
            Some("mode") => dry_run = field.text().await.map_err(unreadable)? == "dry_run",
            _ => {}
        }
    }
    let (name, bytes) = file
        .filter(|(_, b)| !b.is_empty())
        .ok_or_else(|| AppError::invalid("file", "choose a CSV file to import"))?;
    service::import_clusters(db, caller, &bytes[..], options(dry_run, &name)).await
}
