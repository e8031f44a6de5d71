//! Operations: health, readiness, request ids.

use crate::both_databases;
use crate::helpers::TestApp;

both_databases! {
    async fn health_and_readiness(backend: Backend) {
        let app = TestApp::empty(backend).await;
        let (status, body) = app.get_json("/healthz").await;
        assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
        let (status, body) = app.get_json("/readyz").await;
        assert_eq!((status, body["status"].as_str()), (200, Some("ready")));
        // Unready when the database is gone.
        app.db.pool().close().await;
        let (status, body) = app.get_json("/readyz").await;
        assert_eq!(status, 503);
        assert_eq!(body["error"]["code"], "unavailable");
    }

    async fn request_ids_are_made_or_kept(backend: Backend) {
        let app = TestApp::empty(backend).await;
        let resp = app.get("/healthz").await;
        let made = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(made.len(), 36, "a UUID: {made}");
        let resp = app.client.get(format!("{}/api/v1/regions", app.address)).header("x-request-id", "trace-me-42").send().await.unwrap();
        assert_eq!(resp.headers()["x-request-id"], "trace-me-42");
    }
}
