//! Importing clusters from CSV: read the file (the `csv` crate), read the fleet
//! in the same transaction, plan (`crate::fleet::import`, pure), and apply
//! the plan through the ledger (`ledger::apply_import`) all or nothing. A dry
//! run, or a file with any refused line, changes nothing.
//!
//! The import holds on a cluster are shown on its page and released by an
//! operator (`release_hold`).

use std::collections::{HashMap, HashSet};
use std::io::Read;

use sqlx::AnyConnection;

use super::{import_sql, ledger};
use crate::auth::server::caller::Caller;
use crate::auth::Role;
use crate::db::{Backend, Db};
use crate::error::AppResult;
use crate::fleet::codes::Family;
use crate::fleet::import::{
    parse_header, parse_row, plan, Existing, Fleet, ImportHold, ImportReport, ImportRow, LineError,
    Plan, MAX_ROWS,
};
use crate::shared::audit::{self, Origin};

/// How to import.
#[derive(Clone, Copy)]
pub struct ImportOptions<'a> {
    pub dry_run: bool,
    /// The file's name, for the import record (bounded when stored).
    pub file_name: &'a str,
    /// A region the file brings in: its name and geography, when known (else
    /// the code names it).
    pub region_names: fn(&str) -> Option<(&'static str, &'static str)>,
}

/// Imports clusters for a caller with the admin role.
pub async fn import_clusters(
    db: &Db,
    caller: &Caller,
    input: impl Read,
    opts: ImportOptions<'_>,
) -> AppResult<ImportReport> {
    let user = caller.require(Role::Admin)?;
    import_as(db, &caller.origin, &user.name, input, opts).await
}

/// Imports clusters as `actor` (the CLI's "(cli)"; callers go through
/// `import_clusters`, which checks the role first).
pub async fn import_as(
    db: &Db,
    origin: &Origin,
    actor: &str,
    input: impl Read,
    opts: ImportOptions<'_>,
) -> AppResult<ImportReport> {
    // Reading an 11 MB file takes a while: the runtime moves other work off
    // this thread meanwhile (the server and the CLI run multi-threaded).
    let (parsed, rows) = tokio::task::block_in_place(|| read_rows(input));
    let mut tx = if opts.dry_run {
        db.pool().begin().await?
    } else {
        db.begin_write().await?
    };
    if !opts.dry_run && db.backend() == Backend::Postgres {
        import_sql::lock_clusters(&mut tx).await?;
    }
    let fleet = read_fleet(&mut tx).await?;
    let plan = plan(parsed, rows, &fleet);
    let mut report = ImportReport::of(&plan, opts.dry_run);
    if opts.dry_run || plan.error_count > 0 {
        return Ok(report);
    }
    let regions: Vec<ledger::NewRegion> = plan
        .new_regions
        .iter()
        .map(|code| match (opts.region_names)(code.as_str()) {
            Some((name, geography)) => (code.to_string(), name.to_owned(), geography.to_owned()),
            None => (code.to_string(), code.to_string(), "Imported".to_owned()),
        })
        .collect();
    let at = crate::shared::time::rfc3339(time::OffsetDateTime::now_utc());
    let file_name = crate::shared::text::bounded(opts.file_name, 200);
    let by = ledger::ImportBy {
        at: &at,
        actor,
        file_name: &file_name,
    };
    let id = ledger::apply_import(db, &mut tx, &plan, &regions, by).await?;
    report.applied = true;
    report.import = Some(id);
    let after = report.summary();
    audit::record(
        &mut *tx,
        origin,
        Some(actor),
        "fleet.import",
        Some(&format!("import/{id}")),
        Some(&file_name),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// Reads the header and every line: the lines that parse, and a plan holding
/// the refusals of those that do not.
fn read_rows(input: impl Read) -> (Plan, Vec<ImportRow>) {
    let mut refused = Plan::default();
    let mut rows = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut records = reader.records();
    let header = match records.next() {
        None => {
            refused.refuse([LineError::new(
                1,
                None,
                "the file is empty: it needs the export's header line",
            )]);
            return (refused, rows);
        }
        Some(Err(e)) => {
            refused.refuse([csv_error(&e)]);
            return (refused, rows);
        }
        Some(Ok(h)) => h,
    };
    let fields: Vec<&str> = header.iter().collect();
    let columns = match parse_header(&fields) {
        Ok(c) => c,
        Err(errors) => {
            refused.refuse(errors);
            return (refused, rows);
        }
    };
    let width = fields.len();
    for record in records {
        refused.rows += 1;
        if refused.rows > MAX_ROWS {
            refused.rows -= 1;
            let line = rows.last().map(|r: &ImportRow| r.line + 1).unwrap_or(2);
            refused.refuse([LineError::new(
                line,
                None,
                format!("a file may hold {MAX_ROWS} rows at most; split it"),
            )]);
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let stop = matches!(e.kind(), csv::ErrorKind::Io(_));
                refused.refuse([csv_error(&e)]);
                if stop {
                    break;
                }
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.len() != width {
            refused.refuse([LineError::new(
                line,
                None,
                format!("{} fields, but the header has {width}", record.len()),
            )]);
            continue;
        }
        let fields: Vec<&str> = record.iter().collect();
        match parse_row(line, &columns, &fields) {
            Ok(row) => rows.push(row),
            Err(errors) => refused.refuse(errors),
        }
    }
    (refused, rows)
}

fn csv_error(e: &csv::Error) -> LineError {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "this line is not UTF-8 text".to_owned(),
        csv::ErrorKind::Io(io) => format!("the file could not be read: {io}"),
        _ => "this line is not CSV".to_owned(),
    };
    LineError::new(line, None, message)
}

/// The fleet as an import sees it, read on `conn` (the import's transaction).
async fn read_fleet(conn: &mut AnyConnection) -> AppResult<Fleet> {
    let clusters = import_sql::clusters_for_import(&mut *conn).await?;
    let by_requests: HashMap<i64, i64> =
        crate::requests::server::records::reserved_by_cluster(&mut *conn)
            .await?
            .into_iter()
            .collect();
    let under_way: HashMap<i64, i64> =
        crate::deployments::server::store::clusters_under_way(&mut *conn)
            .await?
            .into_iter()
            .collect();
    let (regions, skus) = import_sql::catalogue(&mut *conn).await?;
    let clusters = clusters
        .into_iter()
        .map(|c| Existing {
            held_by_requests: by_requests.get(&c.id).copied().unwrap_or(0),
            deployment: under_way
                .get(&c.id)
                .map(|d| crate::deployments::domain::key_of(*d)),
            id: c.id,
            name: c.name,
            region: c.region,
            zone: c.zone,
            sku: c.sku,
            lifecycle: c.lifecycle,
            total: c.total,
            allocated: c.allocated,
            reserved: c.reserved,
            out_of_service: c.out_of_service,
            held_by_imports: c.held_by_imports,
        })
        .collect();
    let skus = skus
        .into_iter()
        .filter_map(|(code, family)| Family::parse(&family).ok().map(|f| (code, f)))
        .collect();
    Ok(Fleet {
        clusters,
        regions: regions.into_iter().collect::<HashSet<_>>(),
        skus,
    })
}

/// The import holds on a cluster (any signed-in reader).
pub async fn holds(db: &Db, caller: &Caller, cluster: i64) -> AppResult<Vec<ImportHold>> {
    caller.user()?;
    Ok(import_sql::holds_on(db.pool(), cluster)
        .await?
        .into_iter()
        .map(|(import, at, actor, units)| ImportHold {
            import,
            at,
            actor,
            units,
        })
        .collect())
}

/// Releases the units imports hold on a cluster (operators); returns how many.
pub async fn release_hold(db: &Db, caller: &Caller, cluster: i64) -> AppResult<i64> {
    let user = caller.require(Role::Operator)?;
    let mut tx = db.begin_write().await?;
    let units = ledger::release_import_hold(db, &mut tx, cluster).await?;
    audit::record(
        &mut *tx,
        &caller.origin,
        Some(&user.name),
        "fleet.import_hold.release",
        Some(&format!("cluster/{cluster}")),
        Some(&format!("{units} units held by imports")),
        Some("released"),
    )
    .await?;
    tx.commit().await?;
    Ok(units)
}

/// The form whose draft keeps an upload's report for the page it redirects to.
const REPORT_FORM: &str = "fleet-import";
/// A kept report stays under the drafts' size for one field.
const KEPT_BYTES: usize = 8_000;

/// Keeps `report` for the admin who uploaded the file (the page reads it back
/// with the returned token): the upload is a plain form post, so its result
/// reaches the page through a redirect. Lists are shortened until it fits.
pub async fn keep_report(db: &Db, caller: &Caller, report: &ImportReport) -> AppResult<String> {
    let user = caller.require(Role::Admin)?;
    let mut kept = report.clone();
    let mut json = serde_json::to_string(&kept).unwrap_or_default();
    while json.len() > KEPT_BYTES && !(kept.errors.is_empty() && kept.samples.is_empty()) {
        kept.errors.truncate(kept.errors.len() / 2);
        kept.samples.truncate(kept.samples.len() / 2);
        json = serde_json::to_string(&kept).unwrap_or_default();
    }
    let now = crate::auth::server::sessions::now();
    crate::shared::drafts::keep(db, user.id, REPORT_FORM, &[("report", &json)], now).await
}

/// The report kept for the caller under `token`, if fresh.
pub async fn kept_report(db: &Db, caller: &Caller, token: &str) -> AppResult<Option<ImportReport>> {
    let user = caller.require(Role::Admin)?;
    let now = crate::auth::server::sessions::now();
    let fields = crate::shared::drafts::read(db, user.id, REPORT_FORM, token, now).await?;
    Ok(fields
        .iter()
        .find(|(k, _)| k == "report")
        .and_then(|(_, v)| serde_json::from_str(v).ok()))
}
