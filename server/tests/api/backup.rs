//! `headroom backup PATH` (PRODUCT.md "The contract"): on SQLite, a copy taken
//! while requesters keep filing is of one moment — every invariant holds in
//! it — and restoring it (a server started over the copy) serves what was
//! there, to the same tokens; a backup never overwrites a file. On PostgreSQL
//! it refuses, naming `pg_dump`.

use serde_json::{json, Value};

use crate::check::{demo, headroom};
use crate::helpers::{client_with, need_by, serve_process, Backend, TestApp};
use app::auth::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_backup_taken_under_writes_is_consistent_and_restores() {
    let app = demo(Backend::Sqlite).await;
    let dir = std::env::temp_dir().join(format!("headroom-backup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("copy.db");
    let path_text = path.to_str().unwrap().to_owned();

    // Requesters file (and the policy approves and reserves) throughout the backup.
    let writers: Vec<_> = (0..4)
        .map(|_| {
            let client = app.as_role(Role::Requester);
            let url = app.url("/api/v1/requests");
            tokio::spawn(async move {
                for _ in 0..15 {
                    let body = json!({"kind": "provision", "region": "westus2", "sku": "Dv5", "quantity": 1,
                        "need_by": need_by(30), "service": "s", "justification": "j", "priority": "P2"});
                    let resp = client.post(&url).json(&body).send().await.unwrap();
                    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
                }
            })
        })
        .collect();
    let (code, out, err) = headroom(&["backup", &path_text], &app.db_url()).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with(&format!("backed up to {path_text} (")),
        "{out}"
    );
    for w in writers {
        w.await.unwrap();
    }

    // Every invariant holds in the copy.
    let copy_url = format!("sqlite://{path_text}");
    let (code, out, err) = headroom(&["check"], &copy_url).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("ok: every invariant holds"), "{out}");

    // Restore: a server over the copy serves what was there, to the same tokens.
    let restored = serve_process(&copy_url, &[]).await;
    let viewer = client_with(Some(&app.tokens[&Role::Viewer]));
    let from_copy = |path: &'static str| {
        let request = viewer.get(format!("{}{path}", restored.address));
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let (_, live) = app.get_json("/api/v1/requests/CR-1000").await;
    assert_eq!(
        from_copy("/api/v1/requests/CR-1000").await,
        live,
        "a demo request the writers did not touch"
    );
    let summary = |v: Value| (v["regions"].clone(), v["clusters"].clone());
    let (_, live) = app.get_json("/api/v1/fleet/summary").await;
    assert_eq!(
        summary(from_copy("/api/v1/fleet/summary").await),
        summary(live)
    );

    // A backup never overwrites a file.
    let (code, _, err) = headroom(&["backup", &path_text], &app.db_url()).await;
    assert_eq!(code, 1);
    assert!(
        err.contains("exists: a backup never overwrites a file"),
        "{err}"
    );
    drop(restored);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_backup_is_pg_dumps() {
    let app = TestApp::empty(Backend::Postgres).await;
    let (code, out, err) = headroom(
        &["backup", "/tmp/headroom-never-written.dump"],
        &app.db_url(),
    )
    .await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("pg_dump --format=custom --file=/tmp/headroom-never-written.dump"),
        "{err}"
    );
    assert!(!std::path::Path::new("/tmp/headroom-never-written.dump").exists());
}
