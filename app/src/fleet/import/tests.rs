//! The import's rules on small files with known answers.

use super::*;

const HEADER: &str = "id,name,region,zone,sku,family,lifecycle,total,allocated,reserved,out_of_service,free,utilization,health";

fn header() -> Columns {
    let fields: Vec<&str> = HEADER.split(',').collect();
    parse_header(&fields).expect("the export's header")
}

fn row(line: u64, text: &str) -> Result<ImportRow, Vec<LineError>> {
    let fields: Vec<&str> = text.split(',').collect();
    parse_row(line, &header(), &fields)
}

fn fleet() -> Fleet {
    Fleet {
        clusters: vec![Existing {
            id: 7,
            name: "westus2-a".into(),
            region: "westus2".into(),
            zone: 1,
            sku: "Dv5".into(),
            lifecycle: ClusterLifecycle::InService,
            total: 100,
            allocated: 10,
            reserved: 30,
            out_of_service: 0,
            held_by_requests: 20,
            held_by_imports: 10,
            deployment: None,
        }],
        regions: ["westus2".to_owned()].into(),
        skus: [("Dv5".to_owned(), Family::General)].into(),
    }
}

fn planned(lines: &[&str]) -> Plan {
    let rows = lines
        .iter()
        .enumerate()
        .map(|(i, l)| row(i as u64 + 2, l).expect("a valid line"))
        .collect::<Vec<_>>();
    let p = Plan {
        rows: rows.len() as u64,
        ..Plan::default()
    };
    plan(p, rows, &fleet())
}

#[test]
fn the_exports_own_line_parses_with_derived_columns_checked() {
    let r = row(
        2,
        "7,westus2-a,westus2,1,Dv5,general,in_service,100,10,30,0,60,0.4000,constrained",
    )
    .expect("valid");
    assert_eq!((r.id, r.total, r.reserved, r.zone), (Some(7), 100, 30, 1));
    let e = row(
        2,
        "7,westus2-a,westus2,1,Dv5,general,in_service,100,10,30,0,61,,",
    )
    .unwrap_err();
    assert_eq!(e[0].column.as_deref(), Some("free"));
}

#[test]
fn every_bad_field_is_named_with_its_line() {
    let e = row(9, "x,-bad,West US,4,Dv5,general,flying,ten,-1,0,0,,,").unwrap_err();
    let columns: Vec<&str> = e.iter().filter_map(|e| e.column.as_deref()).collect();
    assert_eq!(
        columns,
        [
            "id",
            "name",
            "region",
            "zone",
            "lifecycle",
            "total",
            "allocated"
        ]
    );
    assert!(e.iter().all(|e| e.line == 9));
}

#[test]
fn impossible_ledgers_are_refused() {
    let over = row(3, ",c,westus2,1,Dv5,,in_service,10,5,5,1,,,").unwrap_err();
    assert_eq!(over[0].column.as_deref(), Some("total"));
    // Out of service, a cluster has no free units.
    let idle = row(3, ",c,westus2,1,Dv5,,maintenance,10,5,0,0,,,").unwrap_err();
    assert_eq!(idle[0].column.as_deref(), Some("out_of_service"));
    assert!(idle[0].message.contains("must be 5"));
    assert!(row(3, ",c,westus2,1,Dv5,,maintenance,10,5,0,5,0,,").is_ok());
}

#[test]
fn the_header_names_unknown_and_missing_columns() {
    let e = parse_header(&["id", "name", "colour"]).unwrap_err();
    assert!(e
        .iter()
        .any(|e| e.message.contains("'colour' is not a column")));
    assert!(e.iter().any(|e| e.column.as_deref() == Some("total")));
    assert!(parse_header(&[
        "name",
        "region",
        "zone",
        "sku",
        "lifecycle",
        "total",
        "allocated",
        "reserved",
        "out_of_service"
    ])
    .is_ok());
}

#[test]
fn a_known_id_changes_its_cluster_and_the_import_holds_what_requests_do_not() {
    let p = planned(&["7,westus2-a,westus2,1,Dv5,general,in_service,120,10,50,0,,,"]);
    assert_eq!((p.creates.len(), p.changes.len(), p.error_count), (0, 1, 0));
    assert_eq!(p.changes[0].hold(), 30);
    assert_eq!(p.changes[0].describe(), "total 100 → 120; reserved 30 → 50");
    let same = planned(&["7,westus2-a,westus2,1,Dv5,,in_service,100,10,30,0,,,"]);
    assert_eq!((same.unchanged, same.changes.len()), (1, 0));
}

#[test]
fn a_cluster_keeps_its_identity_and_its_requests_reservations() {
    let p = planned(&["7,westus2-b,eastus,2,Dv5,,in_service,100,10,10,0,,,"]);
    let columns: Vec<&str> = p
        .errors
        .iter()
        .filter_map(|e| e.column.as_deref())
        .collect();
    assert_eq!(columns, ["name", "region", "zone", "reserved"]);
    assert!(p.changes.is_empty());
}

#[test]
fn new_ids_names_regions_and_skus() {
    let p = planned(&[
        "40,eastus-a,eastus,1,NC-A100,gpu,in_service,8,0,2,0,6,,",
        ",westus2-a,westus2,1,Dv5,,in_service,100,10,30,0,,,",
        ",eastus-b,eastus,2,NC-A100,,buildout,8,0,0,8,,,",
    ]);
    assert_eq!(p.error_count, 0, "{:?}", p.errors);
    // Matched by name: the second line is cluster 7, unchanged.
    assert_eq!(p.unchanged, 1);
    let ids: Vec<i64> = p.creates.iter().map(|c| c.id).collect();
    assert_eq!(ids, [40, 41]);
    assert_eq!(p.new_regions, [RegionCode::parse("eastus").unwrap()]);
    assert_eq!(
        p.new_skus,
        [(SkuCode::parse("NC-A100").unwrap(), Family::Gpu)]
    );
    assert_eq!(p.held_units(), 2);
}

#[test]
fn duplicates_and_clashes_are_refused_on_the_later_line() {
    let p = planned(&[
        "8,c1,westus2,1,Dv5,,in_service,1,0,0,0,,,",
        "8,c2,westus2,1,Dv5,,in_service,1,0,0,0,,,",
        "9,c1,westus2,1,Dv5,,in_service,1,0,0,0,,,",
        "10,westus2-a,westus2,1,Dv5,,in_service,1,0,0,0,,,",
        "11,x,westus2,1,Dv5,memory,in_service,1,0,0,0,,,",
        "12,y,westus2,1,Ev9,,in_service,1,0,0,0,,,",
    ]);
    let found: Vec<(u64, &str)> = p
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        found,
        [
            (3, "id"),
            (4, "name"),
            (5, "name"),
            (6, "family"),
            (7, "family")
        ]
    );
}

#[test]
fn a_deployments_cluster_is_changed_only_through_it() {
    let mut f = fleet();
    f.clusters[0].deployment = Some("DEP-4".into());
    let r = row(2, "7,westus2-a,westus2,1,Dv5,,maintenance,100,10,30,60,,,").unwrap();
    let p = plan(Plan::default(), vec![r], &f);
    assert!(p.errors[0].message.contains("DEP-4"));
}

#[test]
fn a_report_lists_a_hundred_refusals_and_counts_the_rest() {
    let mut p = Plan::default();
    p.refuse((0..250).map(|i| LineError::new(i, None, "bad")));
    let r = ImportReport::of(&p, true);
    assert_eq!((r.errors.len(), r.error_count), (MAX_LISTED, 250));
    assert!(r.summary().contains("… and 150 more"));
}
