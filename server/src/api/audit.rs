//! `GET /admin/audit.csv?…` — the audit rows the audit page's filters select,
//! newest first, streamed a page at a time so memory stays flat.

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;

use app::auth::server::caller::Caller;
use app::auth::Role;
use app::db::Db;
use app::shared::audit::{self, AuditEntry};
use app::shared::text::csv_field;

const HEADER: &str = "id,at,actor,action,object,before,after,source,request_id\n";
/// Rows read per query.
const CHUNK: i64 = 1000;

fn csv_row(e: &AuditEntry) -> String {
    let text = |v: &Option<String>| csv_field(v.as_deref().unwrap_or_default()).into_owned();
    format!(
        "{},{},{},{},{},{},{},{},{}\n",
        e.id,
        csv_field(&e.at),
        text(&e.actor),
        csv_field(&e.action),
        text(&e.object),
        text(&e.before),
        text(&e.after),
        text(&e.source),
        text(&e.request_id),
    )
}

pub async fn export_csv(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(e) = caller.require(Role::Admin) {
        return e.into_response();
    }
    let q = match app::auth::api::parse_audit_query(raw.as_deref().unwrap_or_default()) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    let rows = futures::stream::unfold(Some(q), move |state| {
        let db = db.clone();
        async move {
            let mut q = state?;
            match audit::list(db.pool(), &q, CHUNK).await {
                Ok(rows) => {
                    let body: String = rows.iter().map(csv_row).collect();
                    let next = (rows.len() as i64 == CHUNK).then(|| {
                        q.before = rows.last().map(|r| r.id);
                        q
                    });
                    Some((Ok::<_, std::io::Error>(body), next))
                }
                Err(e) => {
                    tracing::error!(error = %e, "audit export failed part way");
                    Some((Err(std::io::Error::other("export failed")), None))
                }
            }
        }
    });
    let head = futures::stream::once(async { Ok::<_, std::io::Error>(HEADER.to_owned()) });
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.csv\"",
            ),
        ],
        Body::from_stream(futures::StreamExt::chain(head, rows)),
    )
        .into_response()
}
